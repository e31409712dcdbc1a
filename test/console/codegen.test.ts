/**
 * The console's typed documents (console/src/gql, written by `npm run codegen`) are what GraphQL Code
 * Generator makes of console/src/operations.graphql against schema/supergraph.graphql today: a schema
 * change that breaks an operation, or an operation edited without regenerating, fails here. (In a child
 * process: the generator loads ES modules that jest's CommonJS runtime cannot.)
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const check = (cwd: string) =>
  spawnSync(process.execPath, ['-r', '@swc-node/register', 'console/codegen.ts', '--check'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') },
  });

it('the checked-in console types match the supergraph and the operations', () => {
  const run = check(ROOT);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
});

it('an operation edited without regenerating fails the check', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dumas-codegen-'));
  for (const part of ['console/codegen.ts', 'console/src', 'schema/supergraph.graphql']) {
    cpSync(path.join(ROOT, part), path.join(dir, part), { recursive: true });
  }
  writeFileSync(path.join(dir, 'console/src/operations.graphql'), 'query Only { agencies { id } }\n');
  try {
    const run = check(dir);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('console/src/gql/graphql.ts differs');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
