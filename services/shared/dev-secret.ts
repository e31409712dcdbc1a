import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * A development secret kept (mode 0600) in `file` under the data directory, made on first use, so that
 * `npm start` works with no setting and every process sharing the data directory agrees on it. Several
 * processes may start at once: the file is written aside and linked into place, so exactly one secret
 * wins and nobody reads a half-written one. Production configures its secrets instead.
 */
export function devSecret(dataDir: string, file: string): string {
  return keptFile(dataDir, file, () => randomBytes(32).toString('base64')).trim();
}

/**
 * The content of `file` under `dir`, written (mode 0600) with `make()` if it does not exist yet. Processes
 * starting together all read the one that was linked into place first, never a half-written file (an
 * exclusive create followed by a write lets another process read it empty in between).
 */
export function keptFile(dir: string, file: string, make: () => string): string {
  const target = path.join(dir, file);
  if (!fs.existsSync(target)) {
    fs.mkdirSync(dir, { recursive: true });
    const aside = `${target}.${process.pid}.${randomBytes(4).toString('hex')}`;
    fs.writeFileSync(aside, make(), { mode: 0o600 });
    try {
      fs.linkSync(aside, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(aside, { force: true });
    }
  }
  return fs.readFileSync(target, 'utf8');
}
