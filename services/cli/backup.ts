/**
 * Backup and restore of a whole dumas installation, on the store the configuration names:
 *
 *   npm run -s backup -- create <dir>      while dumas runs (online); <dir> must not exist yet
 *   npm run -s backup -- restore <dir>     into an empty place (an empty data dir, an empty database)
 *   npm run -s backup -- inspect <dir>     what a backup holds, its checksums verified
 *
 * What is kept, in this order (the order is what makes a backup taken under load consistent):
 * 1. the signed checkpoints first: every checkpoint in the backup then covers only events that are in it
 *    (a checkpoint newer than the copied log would read as a truncated tail);
 * 2. the event log: SQLite's online backup API (better-sqlite3 `backup`), or `pg_dump -Fc` of the
 *    database, which in PostgreSQL also holds the read models, the key vault (schema `pii`) and the
 *    blobs in one snapshot;
 * 3. then what the log refers to and is written before it: the key vault and the attachment blobs (a
 *    key or blob newer than the log is harmless; one older is always there), and every other file under
 *    the data dir (the outbox with its sent records, a dev signing key).
 * SQLite read models are not kept: they are derived, and a copy taken after the log could be ahead of it.
 * A restored installation rebuilds them from the log on its first start (flows replay too and find their
 * effects already in the log, so nothing is done twice).
 *
 * Every file's SHA-256 is in manifest.json and is checked before anything is restored.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { correspondenceConfigFromEnv } from '../correspondence/config';
import { type DumasConfig, loadConfig } from '../shared/config';

export const MANIFEST = 'manifest.json';
const FORMAT = 1;

/** What a file of a backup is for. */
export type BackupRole = 'checkpoints' | 'events' | 'vault' | 'blobs' | 'datafile' | `postgres:${string}`;

export interface BackupEntry {
  readonly role: BackupRole;
  /** Path inside the backup directory. */
  readonly file: string;
  /** For `datafile`: where it lived, relative to the data dir. */
  readonly relative?: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface BackupManifest {
  readonly format: number;
  readonly createdAt: string;
  readonly store: DumasConfig['store']['kind'];
  readonly entries: readonly BackupEntry[];
}

class UsageError extends Error {}

const isSqliteFile = (name: string) => /\.sqlite$/.test(name);
const isSqliteSidecar = (name: string) => /\.sqlite-(wal|shm|journal)$/.test(name);

function sha256File(file: string): string {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const read = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) break;
      hash.update(buffer.subarray(0, read));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** A consistent copy of a live SQLite database through its online backup API. */
async function backupSqlite(source: string, target: string): Promise<void> {
  const db = new Database(source, { fileMustExist: true, timeout: 10_000 });
  try {
    await db.backup(target);
  } finally {
    db.close();
  }
}

/** pg_dump/pg_restore of the newest PostgreSQL on the machine (DUMAS_PG_BIN overrides), else PATH's. */
export function postgresTool(tool: 'pg_dump' | 'pg_restore', env: NodeJS.ProcessEnv = process.env): string {
  const candidates: string[] = [];
  if (env.DUMAS_PG_BIN) candidates.push(path.join(env.DUMAS_PG_BIN, tool));
  const root = '/usr/lib/postgresql';
  if (fs.existsSync(root)) {
    for (const version of fs.readdirSync(root).sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a)))
      candidates.push(path.join(root, version, 'bin', tool));
  }
  return candidates.find((c) => fs.existsSync(c)) ?? tool;
}

function run(file: string, args: readonly string[]): void {
  try {
    execFileSync(file, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    // pg tools name the database and the failing object, never row data.
    throw new Error(`${path.basename(file)} failed: ${(e.stderr?.toString() || e.message).trim()}`);
  }
}

/** The PostgreSQL databases this configuration uses, each with the roles it plays. */
function postgresDatabases(config: DumasConfig, env: NodeJS.ProcessEnv): Map<string, string[]> {
  const urls = new Map<string, string[]>();
  const add = (url: string | undefined, role: string) => {
    if (!url) return;
    urls.set(url, [...(urls.get(url) ?? []), role]);
  };
  if (config.store.kind === 'postgres') add(config.store.url, 'events');
  if (config.readModels.kind === 'postgres') add(config.readModels.url, 'readmodels');
  add(
    env.DUMAS_VAULT_POSTGRES_URL ?? (config.store.kind === 'postgres' ? config.store.url : undefined),
    'vault',
  );
  const blobs = correspondenceConfigFromEnv(config, env).blobs;
  if (blobs.kind === 'postgres') add(blobs.url, 'blobs');
  return urls;
}

/** Files the configuration keeps outside the data dir that a backup must still hold. */
function sqliteFiles(config: DumasConfig, env: NodeJS.ProcessEnv) {
  const blobs = correspondenceConfigFromEnv(config, env).blobs;
  const vaultInPostgres = Boolean(env.DUMAS_VAULT_POSTGRES_URL) || config.store.kind === 'postgres';
  return {
    checkpoints: path.join(config.dataDir, 'checkpoints.sqlite'),
    events: config.store.kind === 'sqlite' ? config.store.file : undefined,
    vault: vaultInPostgres ? undefined : (env.DUMAS_VAULT_FILE ?? path.join(config.dataDir, 'keys.sqlite')),
    blobs: blobs.kind === 'sqlite' ? blobs.file : undefined,
  };
}

function walk(dir: string, base = dir): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full, base));
    else if (entry.isFile()) out.push(path.relative(base, full));
  }
  return out;
}

export interface BackupOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: () => Date;
  readonly log?: (line: string) => void;
}

export async function createBackup(target: string, options: BackupOptions = {}): Promise<BackupManifest> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const config = loadConfig(env);
  if (config.store.kind === 'eventstoredb')
    throw new UsageError(
      'an EventStoreDB log is backed up with its own server tools; this command covers SQLite and PostgreSQL',
    );
  if (fs.existsSync(target)) throw new UsageError(`${target} exists: a backup goes into a new directory`);
  fs.mkdirSync(target, { recursive: true });
  const entries: BackupEntry[] = [];
  const record = (role: BackupRole, file: string, relative?: string) => {
    const full = path.join(target, file);
    entries.push({
      role,
      file,
      ...(relative ? { relative } : {}),
      bytes: fs.statSync(full).size,
      sha256: sha256File(full),
    });
    log(`${role}: ${file}`);
  };

  const files = sqliteFiles(config, env);
  const taken = new Set<string>();
  const copySqlite = async (role: BackupRole, source: string | undefined, name: string) => {
    if (!source || !fs.existsSync(source)) return;
    await backupSqlite(source, path.join(target, name));
    taken.add(path.resolve(source));
    record(role, name);
  };

  // 1. checkpoints, 2. the log, 3. what the log refers to.
  await copySqlite('checkpoints', files.checkpoints, 'checkpoints.sqlite');
  await copySqlite('events', files.events, 'events.sqlite');
  const databases = postgresDatabases(config, env);
  let n = 0;
  for (const [url, roles] of databases) {
    const name = `postgres-${n++}.dump`;
    run(postgresTool('pg_dump', env), [
      '--format=custom',
      '--no-owner',
      '--no-privileges',
      '--file',
      path.join(target, name),
      '--dbname',
      url,
    ]);
    record(`postgres:${roles.join('+')}`, name);
  }
  await copySqlite('vault', files.vault, 'keys.sqlite');
  await copySqlite('blobs', files.blobs, 'blobs.sqlite');

  const readModelDir = config.readModels.kind === 'sqlite' ? path.resolve(config.readModels.dir) : undefined;
  const dataDir = path.resolve(config.dataDir);
  for (const relative of walk(dataDir)) {
    const full = path.join(dataDir, relative);
    if (taken.has(full) || isSqliteSidecar(relative)) continue;
    if (readModelDir && full.startsWith(`${readModelDir}${path.sep}`)) continue;
    const name = path.join('data', relative);
    fs.mkdirSync(path.dirname(path.join(target, name)), { recursive: true });
    // Another SQLite file in the data dir (a later feature's): still through the backup API.
    if (isSqliteFile(relative)) await backupSqlite(full, path.join(target, name));
    else fs.copyFileSync(full, path.join(target, name));
    record('datafile', name, relative);
  }

  const manifest: BackupManifest = {
    format: FORMAT,
    createdAt: (options.now?.() ?? new Date()).toISOString(),
    store: config.store.kind,
    entries,
  };
  fs.writeFileSync(path.join(target, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  return manifest;
}

/** Reads a backup's manifest and checks every file against its SHA-256. */
export function readBackup(source: string): BackupManifest {
  const file = path.join(source, MANIFEST);
  if (!fs.existsSync(file)) throw new UsageError(`${source} holds no ${MANIFEST}: not a dumas backup`);
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as BackupManifest;
  if (manifest.format !== FORMAT) throw new UsageError(`backup format ${manifest.format} is not ${FORMAT}`);
  for (const entry of manifest.entries) {
    const full = path.join(source, entry.file);
    if (!fs.existsSync(full)) throw new Error(`the backup lacks ${entry.file}`);
    if (sha256File(full) !== entry.sha256) throw new Error(`${entry.file} does not match its checksum`);
  }
  return manifest;
}

async function databaseIsEmpty(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
    );
    return Number(rows[0]?.n ?? 0) === 0;
  } finally {
    await client.end();
  }
}

/**
 * Restores a backup into the place the configuration names, which must be empty: no events file, no
 * data dir files, and no tables in the target databases. Refuses a backup of another store kind.
 */
export async function restoreBackup(source: string, options: BackupOptions = {}): Promise<BackupManifest> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const config = loadConfig(env);
  const manifest = readBackup(source);
  if (manifest.store !== config.store.kind)
    throw new UsageError(
      `the backup is of a ${manifest.store} store and the configuration names ${config.store.kind}`,
    );
  const files = sqliteFiles(config, env);
  const dataDir = path.resolve(config.dataDir);
  const occupied = walk(dataDir).filter((f) => !f.startsWith(`readmodels${path.sep}`));
  if (occupied.length > 0 || (files.events && fs.existsSync(files.events)))
    throw new UsageError(`${dataDir} is not empty: restore into an empty place`);
  const databases = postgresDatabases(config, env);
  for (const url of databases.keys())
    if (!(await databaseIsEmpty(url)))
      throw new UsageError('a target database is not empty: restore into an empty one');
  // The SQLite read models left in the target (none, or a previous attempt's) would be ahead of the log.
  if (config.readModels.kind === 'sqlite') fs.rmSync(config.readModels.dir, { recursive: true, force: true });

  fs.mkdirSync(dataDir, { recursive: true });
  const place = (from: string, to: string | undefined) => {
    if (!to)
      throw new UsageError(
        `the configuration has no place for ${from}: is it the same kind of installation?`,
      );
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(path.join(source, from), to);
    log(`${from} → ${to}`);
  };
  const urlsByRoles = new Map([...databases].map(([url, roles]) => [roles.join('+'), url]));
  for (const entry of manifest.entries) {
    switch (entry.role) {
      case 'checkpoints':
        place(entry.file, files.checkpoints);
        break;
      case 'events':
        place(entry.file, files.events);
        break;
      case 'vault':
        place(entry.file, files.vault);
        break;
      case 'blobs':
        place(entry.file, files.blobs);
        break;
      case 'datafile':
        place(entry.file, path.join(dataDir, entry.relative ?? path.basename(entry.file)));
        break;
      default: {
        const roles = entry.role.slice('postgres:'.length);
        const url = urlsByRoles.get(roles);
        if (!url)
          throw new UsageError(
            `the backup has a PostgreSQL database for ${roles}, and this configuration has none in that shape`,
          );
        run(postgresTool('pg_restore', env), [
          '--no-owner',
          '--no-privileges',
          '--exit-on-error',
          '--dbname',
          url,
          path.join(source, entry.file),
        ]);
        log(`${entry.file} → PostgreSQL (${roles})`);
      }
    }
  }
  return manifest;
}

const USAGE = `usage: npm run -s backup -- create <dir> | restore <dir> | inspect <dir>`;

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, dir] = argv;
  if (!dir) throw new UsageError(USAGE);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  switch (command) {
    case 'create': {
      const manifest = await createBackup(path.resolve(dir), { env, log });
      process.stdout.write(
        `backup of the ${manifest.store} store in ${dir}: ${manifest.entries.length} files\n`,
      );
      return 0;
    }
    case 'restore': {
      const manifest = await restoreBackup(path.resolve(dir), { env, log });
      process.stdout.write(
        `restored the backup of ${manifest.createdAt}; read models rebuild on the first start. Next: npm run -s audit -- verify --all\n`,
      );
      return 0;
    }
    case 'inspect': {
      const manifest = readBackup(path.resolve(dir));
      process.stdout.write(`${manifest.store} store, taken ${manifest.createdAt}, checksums OK\n`);
      for (const e of manifest.entries)
        process.stdout.write(`  ${e.role.padEnd(24)} ${e.file} (${e.bytes} bytes)\n`);
      return 0;
    }
    default:
      throw new UsageError(USAGE);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = err instanceof UsageError ? 2 : 1;
    },
  );
}
