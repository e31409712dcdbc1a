/**
 * A real, throwaway PostgreSQL server for the tests: started from the binaries on the machine (Debian's
 * postgresql package puts them under /usr/lib/postgresql/<version>/bin), never pg-mem and never docker.
 *
 * jest's globalSetup starts ONE server per test run (`startTestServer`) and publishes its admin URL in
 * process.env, which the jest workers and any child process they spawn inherit; each test file then
 * asks for a fresh database of its own with `createTestDatabase`. globalTeardown stops the server and
 * removes its directory. A run that dies without its teardown leaves a directory whose owner process is
 * gone; the next run's setup stops that server and removes it.
 *
 * initdb refuses to run as root, and CI and the sessions run as root: then the server is run as the
 * `postgres` user (runuser) in a temporary directory that user owns.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The admin URL (superuser, database `postgres`) of the server the current test run shares. */
export const ADMIN_URL_ENV = 'DUMAS_TEST_PG_URL';
/** The directory of that server, for the teardown. */
export const SERVER_DIR_ENV = 'DUMAS_TEST_PG_DIR';
const DIR_PREFIX = 'dumas-pg-';

export interface TestServer {
  readonly adminUrl: string;
  readonly dir: string;
  readonly binDir: string;
}

/** Where initdb and pg_ctl live: DUMAS_PG_BIN, else the newest /usr/lib/postgresql/<version>/bin. */
export function postgresBinDir(): string | undefined {
  const override = process.env.DUMAS_PG_BIN;
  if (override) return fs.existsSync(path.join(override, 'initdb')) ? override : undefined;
  const root = '/usr/lib/postgresql';
  let versions: string[];
  try {
    versions = fs.readdirSync(root);
  } catch {
    return undefined;
  }
  return versions
    .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    .map((v) => path.join(root, v, 'bin'))[0];
}

/** Whether tests can get a PostgreSQL database: a shared server is running, or the binaries exist. */
export function postgresAvailable(): boolean {
  return Boolean(process.env[ADMIN_URL_ENV]) || postgresBinDir() !== undefined;
}

/**
 * For a test file that needs PostgreSQL: true when it can run. Without PostgreSQL it fails loudly in CI
 * (CI=true) and prints a visible skip line elsewhere, so a missing server never passes in silence.
 * Use: `const describePg = requirePostgres('event store') ? describe : describe.skip;`
 */
export function requirePostgres(what: string): boolean {
  if (postgresAvailable()) return true;
  const message = `PostgreSQL server binaries not found (install Debian's postgresql package or set DUMAS_PG_BIN)`;
  if (isCi()) throw new Error(`${what}: ${message}; CI must run the PostgreSQL tests`);
  process.stderr.write(`\n  SKIPPED ${what}: ${message}\n\n`);
  return false;
}

function isCi(): boolean {
  const ci = process.env.CI;
  return Boolean(ci) && ci !== 'false' && ci !== '0';
}

const runAsRoot = () => process.getuid?.() === 0;

/** Runs a PostgreSQL binary as the user that owns the cluster (postgres when we are root). */
function runPg(binDir: string, tool: string, args: readonly string[], timeoutMs = 60_000): string {
  const exe = path.join(binDir, tool);
  const [file, argv] = runAsRoot() ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, [...args]];
  try {
    return execFileSync(file, argv, {
      encoding: 'utf8',
      timeout: timeoutMs,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${tool} failed: ${(e.stderr || e.stdout || e.message).trim()}`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function makeServerDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), DIR_PREFIX));
  if (runAsRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    fs.chownSync(dir, uid, gid);
  }
  fs.chmodSync(dir, 0o700);
  return dir;
}

/**
 * initdb + pg_ctl start on a free TCP port of 127.0.0.1, the unix socket inside the server's own
 * directory. Durability is switched off (fsync, synchronous_commit, full_page_writes): the data is
 * thrown away, and the tests exercise transactions and locking, not the disk.
 */
export async function startTestServer(): Promise<TestServer> {
  const binDir = postgresBinDir();
  if (!binDir) throw new Error('PostgreSQL server binaries not found');
  stopAbandonedServers(binDir);
  const dir = makeServerDir();
  const dataDir = path.join(dir, 'data');
  try {
    fs.writeFileSync(path.join(os.tmpdir(), `${path.basename(dir)}.owner`), String(process.pid));
    runPg(binDir, 'initdb', [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ]);
    let lastError: unknown;
    // The port is free when we look and could be taken before the server binds it: try a few.
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freePort();
      const options = [
        `-p ${port}`,
        `-k ${dir}`,
        "-c listen_addresses='127.0.0.1'",
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=300',
        '-c shared_buffers=32MB',
        '-c log_min_messages=warning',
      ].join(' ');
      try {
        runPg(binDir, 'pg_ctl', [
          '-D',
          dataDir,
          '-l',
          path.join(dir, 'server.log'),
          '-w',
          '-t',
          '60',
          '-o',
          options,
          'start',
        ]);
        return { adminUrl: `postgresql://postgres@127.0.0.1:${port}/postgres`, dir, binDir };
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  } catch (err) {
    stopTestServer({ dir, binDir });
    const log = readLogTail(dir);
    throw new Error(`could not start the test PostgreSQL server: ${(err as Error).message}${log}`);
  }
}

function readLogTail(dir: string): string {
  try {
    return `\n--- server.log ---\n${fs.readFileSync(path.join(dir, 'server.log'), 'utf8').slice(-2000)}`;
  } catch {
    return '';
  }
}

/** Stops the server (immediately: nothing in it is worth a clean shutdown) and removes its directory. */
export function stopTestServer(server: { dir: string; binDir: string }): void {
  const dataDir = path.join(server.dir, 'data');
  if (fs.existsSync(path.join(dataDir, 'postmaster.pid'))) {
    try {
      runPg(server.binDir, 'pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop']);
    } catch (err) {
      process.stderr.write(`test PostgreSQL server did not stop cleanly: ${(err as Error).message}\n`);
    }
  }
  fs.rmSync(server.dir, { recursive: true, force: true });
  fs.rmSync(path.join(path.dirname(server.dir), `${path.basename(server.dir)}.owner`), { force: true });
}

/** Servers left behind by test runs that died before their teardown (their owner process is gone). */
function stopAbandonedServers(binDir: string): void {
  const tmp = os.tmpdir();
  for (const name of fs.readdirSync(tmp)) {
    if (!name.startsWith(DIR_PREFIX) || name.endsWith('.owner')) continue;
    const ownerFile = path.join(tmp, `${name}.owner`);
    let owner: number;
    try {
      owner = Number(fs.readFileSync(ownerFile, 'utf8'));
    } catch {
      continue; // Not ours to judge: no owner recorded.
    }
    if (processAlive(owner)) continue;
    stopTestServer({ dir: path.join(tmp, name), binDir });
  }
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let ownServer: Promise<string> | undefined;

/**
 * The shared server's admin URL. Outside a jest run with our globalSetup (a script, another runner),
 * the first call starts a server for this process alone and stops it when the process exits.
 */
function adminUrl(): Promise<string> {
  const shared = process.env[ADMIN_URL_ENV];
  if (shared) return Promise.resolve(shared);
  ownServer ??= startTestServer().then((server) => {
    process.once('exit', () => stopTestServer(server));
    return server.adminUrl;
  });
  return ownServer;
}

/** Replaces the database name in a connection URL. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** A fresh, empty database on the shared server; `drop` removes it, closing any connection still open. */
export async function createTestDatabase(prefix = 'test'): Promise<{ url: string; drop(): Promise<void> }> {
  if (!postgresAvailable()) throw new Error('PostgreSQL is not available on this machine');
  const admin = await adminUrl();
  const safePrefix = prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .slice(0, 40);
  const name = `${safePrefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdmin(admin, async (client) => {
    // Two CREATE DATABASE from template1 at the same moment can collide; the second just tries again.
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE "${name}"`);
        return;
      } catch (err) {
        if (attempt >= 20 || !/being accessed by other users/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      }
    }
  });
  let dropped = false;
  return {
    url: withDatabase(admin, name),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withAdmin(admin, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

async function withAdmin<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
