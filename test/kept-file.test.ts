import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const MODULE = path.resolve(__dirname, '../services/shared/dev-secret.ts');

/** One process that asks for the kept file (16 MB: its write takes a while) at `startAt`, and prints what it read. */
function reader(dir: string, startAt: number): Promise<string> {
  const script = `
    const { keptFile } = require(${JSON.stringify(MODULE)});
    const content = require('node:crypto').randomBytes(12 * 1024 * 1024).toString('base64');
    while (Date.now() < ${startAt}) {}
    const text = keptFile(${JSON.stringify(dir)}, 'checkpoint-dev-key.pem', () => content);
    process.stdout.write(require('node:crypto').createHash('sha256').update(text).digest('hex') + ' ' + text.length);
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', '-e', script], {
      cwd: path.resolve(__dirname, '..'),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(err))));
  });
}

describe('a file kept under the data directory (development secrets and keys)', () => {
  it('reads the same whole file in every process starting at once, never a half-written one', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dumas-kept-'));
    try {
      // Together to the millisecond, once every process has loaded: the readers meet the writer's window.
      const startAt = Date.now() + 4000;
      const seen = await Promise.all(Array.from({ length: 6 }, () => reader(dir, startAt)));
      expect(new Set(seen).size).toBe(1);
      expect(Number(seen[0]!.split(' ')[1])).toBe(16 * 1024 * 1024);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
