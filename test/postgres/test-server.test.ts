/**
 * The throwaway PostgreSQL server every PostgreSQL test relies on (test/support/postgres.ts): one
 * shared server per jest run, a fresh database per call, nothing left behind.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import {
  ADMIN_URL_ENV,
  createTestDatabase,
  postgresAvailable,
  requirePostgres,
  startTestServer,
  stopTestServer,
} from '../support/postgres';

const describePg = requirePostgres('throwaway PostgreSQL server') ? describe : describe.skip;

async function query<T extends Record<string, unknown>>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describePg('throwaway PostgreSQL server for tests', () => {
  it('is started once by globalSetup, and its admin URL reaches the jest workers', () => {
    expect(postgresAvailable()).toBe(true);
    expect(process.env[ADMIN_URL_ENV]).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
  });

  it('hands out fresh, separate databases and drops them even with connections still open', async () => {
    const a = await createTestDatabase('Server Test');
    const b = await createTestDatabase('Server Test');
    expect(a.url).not.toBe(b.url);
    const straggler = new Client({ connectionString: a.url });
    straggler.on('error', () => undefined); // DROP ... WITH (FORCE) terminates it.
    await straggler.connect();
    await straggler.query('CREATE TABLE left_behind (id int)');
    expect(await query(b.url, `SELECT to_regclass('left_behind') AS t`)).toEqual([{ t: null }]);
    const [{ version }] = await query<{ version: string }>(
      a.url,
      "SELECT current_setting('server_version_num') AS version",
    );
    expect(Number(version)).toBeGreaterThanOrEqual(150000);

    await a.drop();
    await b.drop();
    const names = [new URL(a.url).pathname.slice(1), new URL(b.url).pathname.slice(1)];
    const left = await query(process.env[ADMIN_URL_ENV]!, 'SELECT datname FROM pg_database');
    expect(left.map((r) => r.datname)).not.toEqual(expect.arrayContaining([names[0]]));
    expect(left.map((r) => r.datname)).not.toEqual(expect.arrayContaining([names[1]]));
    await straggler.end().catch(() => undefined);
  });

  it('a server abandoned by a dead test run is stopped and removed when the next one starts', async () => {
    // A process that has already exited stands in for a jest run killed before its teardown.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    const abandoned = fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-pg-'));
    fs.writeFileSync(`${abandoned}.owner`, dead.stdout);

    const server = await startTestServer();
    try {
      expect(fs.existsSync(abandoned)).toBe(false);
      expect(fs.existsSync(`${abandoned}.owner`)).toBe(false);
      expect(await query(server.adminUrl, 'SELECT 1 AS up')).toEqual([{ up: 1 }]);
    } finally {
      stopTestServer(server);
    }
    expect(fs.existsSync(server.dir)).toBe(false);
  }, 30_000);
});
