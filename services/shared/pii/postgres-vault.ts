import pg from 'pg';
import { createOnce } from '../postgres-ddl';
import { type DataKeyStorage, DataKeyVault, type DataKeyVaultOptions, type StoredDataKey } from './vault';

interface KeyRow {
  key_id: string;
  subject_id: string;
  material: Buffer | null;
  wrapping: 'none' | 'A256GCM';
  destroyed_at: Date | null;
}

const toStored = (row: KeyRow | undefined): StoredDataKey | undefined =>
  row && {
    keyId: row.key_id,
    subjectId: row.subject_id,
    material: row.material,
    wrapping: row.wrapping,
    destroyedAt: row.destroyed_at ? row.destroyed_at.toISOString() : null,
  };

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PostgresKeyVaultOptions extends DataKeyVaultOptions {
  /** Its own schema, apart from the event log's, so grants and backups can treat keys separately. */
  readonly schema?: string;
}

/** Data keys in a table of their own schema (default `pii`). */
export class PostgresDataKeyStorage implements DataKeyStorage {
  private ready: Promise<void> | undefined;
  private readonly table: string;

  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
    private readonly ownsPool: boolean,
  ) {
    if (!SCHEMA_NAME.test(schema)) throw new Error('vault schema must be a plain lower-case identifier');
    this.table = `"${schema}".data_keys`;
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      // Two processes that start at once must not race on CREATE.
      await createOnce(this.pool, `vault ${this.schema}`, [
        `CREATE SCHEMA IF NOT EXISTS "${this.schema}"`,
        `CREATE TABLE IF NOT EXISTS ${this.table} (
          key_id       TEXT PRIMARY KEY,
          subject_id   TEXT NOT NULL UNIQUE,
          material     BYTEA,
          wrapping     TEXT NOT NULL CHECK (wrapping IN ('none', 'A256GCM')),
          created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
          destroyed_at TIMESTAMPTZ,
          CHECK ((material IS NULL) = (destroyed_at IS NOT NULL))
        )`,
      ]);
    })().catch((err) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  async insertOrGet(candidate: StoredDataKey): Promise<StoredDataKey> {
    await this.init();
    await this.pool.query(
      `INSERT INTO ${this.table} (key_id, subject_id, material, wrapping, destroyed_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (subject_id) DO NOTHING`,
      [candidate.keyId, candidate.subjectId, candidate.material, candidate.wrapping, candidate.destroyedAt],
    );
    return (await this.bySubject(candidate.subjectId))!;
  }

  async insertNew(candidates: readonly StoredDataKey[]): Promise<void> {
    if (candidates.length === 0) return;
    await this.init();
    const values: unknown[] = [];
    const rows = candidates.map((c, i) => {
      values.push(c.keyId, c.subjectId, c.material, c.wrapping, c.destroyedAt);
      const at = i * 5;
      return `($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5})`;
    });
    await this.pool.query(
      `INSERT INTO ${this.table} (key_id, subject_id, material, wrapping, destroyed_at)
       VALUES ${rows.join(', ')}`,
      values,
    );
  }

  async bySubject(subjectId: string): Promise<StoredDataKey | undefined> {
    await this.init();
    const { rows } = await this.pool.query<KeyRow>(`SELECT * FROM ${this.table} WHERE subject_id = $1`, [
      subjectId,
    ]);
    return toStored(rows[0]);
  }

  async byKeyId(keyId: string): Promise<StoredDataKey | undefined> {
    await this.init();
    const { rows } = await this.pool.query<KeyRow>(`SELECT * FROM ${this.table} WHERE key_id = $1`, [keyId]);
    return toStored(rows[0]);
  }

  async tombstone(subjectId: string, newKeyId: string, destroyedAt: string): Promise<StoredDataKey> {
    await this.init();
    const { rows } = await this.pool.query<KeyRow>(
      `INSERT INTO ${this.table} (key_id, subject_id, material, wrapping, destroyed_at)
       VALUES ($1, $2, NULL, 'none', $3)
       ON CONFLICT (subject_id) DO UPDATE
         SET material = NULL, destroyed_at = COALESCE(${this.table}.destroyed_at, EXCLUDED.destroyed_at)
       RETURNING *`,
      [newKeyId, subjectId, destroyedAt],
    );
    return toStored(rows[0])!;
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }
}

/** The KeyVault over PostgreSQL: pass a connection string (the vault owns the pool) or a shared pool. */
export class PostgresKeyVault extends DataKeyVault {
  constructor(connection: string | pg.Pool, options: PostgresKeyVaultOptions = {}) {
    const ownsPool = typeof connection === 'string';
    const pool =
      typeof connection === 'string' ? new pg.Pool({ connectionString: connection, max: 4 }) : connection;
    super(new PostgresDataKeyStorage(pool, options.schema ?? 'pii', ownsPool), options);
  }
}
