import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * services/shared/ts-hook.js (what `npm run import` runs TypeScript with) keeps what it compiled: a file
 * compiled once is read back from the cache without loading @swc/core, and a changed file is compiled again.
 */
describe('the TypeScript hook of the importer', () => {
  const hook = path.resolve(__dirname, '../services/shared/ts-hook.js');
  const cacheDir = path.resolve(__dirname, '../node_modules/.cache/dumas-ts');
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dumas-ts-hook-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs `file` through the hook alone; says what it printed and whether @swc/core was loaded. */
  const run = (file: string) =>
    JSON.parse(
      execFileSync(
        process.execPath,
        [
          '-r',
          hook,
          '-e',
          `const out = require(${JSON.stringify(file)}).answer;
           const swc = Object.keys(require.cache).some((k) => k.endsWith('${path.sep}@swc${path.sep}core${path.sep}index.js'));
           process.stdout.write(JSON.stringify({ out, swc }));`,
        ],
        { encoding: 'utf8' },
      ),
    ) as { out: string; swc: boolean };

  it('given a file compiled once, when it is loaded again, then @swc/core is not loaded; a change is compiled', () => {
    const file = path.join(dir, 'answer.ts');
    // Unique content: no earlier run (of this test or of anything else) has compiled it.
    const unique = `${process.pid}-${Date.now()}-${Math.random()}`;
    writeFileSync(file, `const answer: string = 'first ${unique}';\nexport { answer };\n`);
    expect(run(file)).toEqual({ out: `first ${unique}`, swc: true });
    expect(run(file)).toEqual({ out: `first ${unique}`, swc: false });

    writeFileSync(file, `const answer: string = 'second ${unique}';\nexport { answer };\n`);
    expect(run(file)).toEqual({ out: `second ${unique}`, swc: true });
    expect(run(file)).toEqual({ out: `second ${unique}`, swc: false });
    // One version of the file stays in the cache: the first one went when the second was compiled.
    const digest = createHash('sha256').update(file).digest('hex').slice(0, 16);
    expect(readdirSync(cacheDir).filter((f) => f.startsWith(`${digest}-`))).toHaveLength(1);
  });
});
