/**
 * Attachment bytes, stored by content hash (SHA-256) apart from the log: events carry only the hash, name,
 * media type and size, so the log stays small and an attachment uploaded twice is stored once. The default
 * is a SQLite table in its own file under the data dir; a PostgreSQL table when the store is PostgreSQL
 * (or DUMAS_BLOB_POSTGRES_URL is set).
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { badInput } from './errors';
import { createOnce } from './postgres-ddl';
import type { BlobStoreConfig } from './config';

export interface BlobInfo {
  readonly sha256: string;
  readonly size: number;
}

export interface BlobStore {
  /** Stores the bytes under their SHA-256 (computed here) and returns it; storing them again is a no-op. */
  put(bytes: Buffer): Promise<BlobInfo>;
  get(sha256: string): Promise<Buffer | undefined>;
  info(sha256: string): Promise<BlobInfo | undefined>;
  close(): Promise<void>;
}

export const sha256Hex = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Standard base64 with optional padding; whitespace (line breaks of MIME-style base64) is tolerated. */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export interface DecodedUpload {
  readonly bytes: Buffer;
  readonly sha256: string;
}

/**
 * Decodes an uploaded base64 attachment, refusing it before decoding when it is too large, and checks the
 * SHA-256 the client computed (when given) against the bytes that arrived.
 */
export function decodeUpload(
  field: string,
  contentBase64: string,
  maxBytes: number,
  claimedSha256?: string | null,
): DecodedUpload {
  const text = contentBase64.replace(/\s+/g, '');
  if (text.length === 0) throw badInput(`${field}.contentBase64 is empty`, { field });
  if (text.length % 4 !== 0 || !BASE64.test(text)) {
    throw badInput(`${field}.contentBase64 is not base64`, { field });
  }
  const decodedLength = (text.length / 4) * 3 - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0);
  if (decodedLength > maxBytes) {
    throw badInput(`${field} is larger than ${maxBytes} bytes`, { field, maxBytes });
  }
  const bytes = Buffer.from(text, 'base64');
  const sha256 = sha256Hex(bytes);
  if (claimedSha256 !== undefined && claimedSha256 !== null && claimedSha256.toLowerCase() !== sha256) {
    throw badInput(`${field}.sha256 does not match the uploaded content`, { field });
  }
  return { bytes, sha256 };
}

export class SqliteBlobStore implements BlobStore {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[string, number, Buffer]>;
  private readonly select: Database.Statement<[string], { bytes: Buffer }>;
  private readonly selectInfo: Database.Statement<[string], { size: number }>;

  constructor(file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // An attachment acknowledged to the uploader is referenced by an event right after: it must survive.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS blobs (
      sha256 TEXT PRIMARY KEY,
      size INTEGER NOT NULL,
      bytes BLOB NOT NULL,
      stored_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    )`);
    this.insert = this.db.prepare('INSERT OR IGNORE INTO blobs (sha256, size, bytes) VALUES (?, ?, ?)');
    this.select = this.db.prepare('SELECT bytes FROM blobs WHERE sha256 = ?');
    this.selectInfo = this.db.prepare('SELECT size FROM blobs WHERE sha256 = ?');
  }

  async put(bytes: Buffer): Promise<BlobInfo> {
    const sha256 = sha256Hex(bytes);
    this.insert.run(sha256, bytes.length, bytes);
    return { sha256, size: bytes.length };
  }

  async get(sha256: string): Promise<Buffer | undefined> {
    if (!SHA256_HEX.test(sha256)) return undefined;
    const row = this.select.get(sha256);
    if (!row) return undefined;
    // Bytes are verified on the way out too: a damaged row is reported, never served as the attachment.
    if (sha256Hex(row.bytes) !== sha256) throw new Error(`blob ${sha256} is damaged`);
    return row.bytes;
  }

  async info(sha256: string): Promise<BlobInfo | undefined> {
    if (!SHA256_HEX.test(sha256)) return undefined;
    const row = this.selectInfo.get(sha256);
    return row ? { sha256, size: row.size } : undefined;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

export class PostgresBlobStore implements BlobStore {
  private ready: Promise<void> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly table = 'correspondence_blobs',
  ) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(table)) throw new Error('blob table must be a plain identifier');
  }

  static connect(url: string): PostgresBlobStore {
    const { Pool } = require('pg') as typeof import('pg');
    return new PostgresBlobStore(new Pool({ connectionString: url, max: 4 }));
  }

  private init(): Promise<void> {
    this.ready ??= createOnce(
      this.pool,
      this.table,
      `CREATE TABLE IF NOT EXISTS ${this.table} (
        sha256 TEXT PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        size INTEGER NOT NULL,
        bytes BYTEA NOT NULL,
        stored_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`,
    ).catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  async put(bytes: Buffer): Promise<BlobInfo> {
    await this.init();
    const sha256 = sha256Hex(bytes);
    await this.pool.query(
      `INSERT INTO ${this.table} (sha256, size, bytes) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING`,
      [sha256, bytes.length, bytes],
    );
    return { sha256, size: bytes.length };
  }

  async get(sha256: string): Promise<Buffer | undefined> {
    if (!SHA256_HEX.test(sha256)) return undefined;
    await this.init();
    const { rows } = await this.pool.query<{ bytes: Buffer }>(
      `SELECT bytes FROM ${this.table} WHERE sha256 = $1`,
      [sha256],
    );
    const bytes = rows[0]?.bytes;
    if (!bytes) return undefined;
    if (sha256Hex(bytes) !== sha256) throw new Error(`blob ${sha256} is damaged`);
    return bytes;
  }

  async info(sha256: string): Promise<BlobInfo | undefined> {
    if (!SHA256_HEX.test(sha256)) return undefined;
    await this.init();
    const { rows } = await this.pool.query<{ size: number }>(
      `SELECT size FROM ${this.table} WHERE sha256 = $1`,
      [sha256],
    );
    return rows[0] ? { sha256, size: rows[0].size } : undefined;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

export function openBlobStore(config: BlobStoreConfig): BlobStore {
  switch (config.kind) {
    case 'sqlite':
      return new SqliteBlobStore(config.file);
    case 'postgres':
      return PostgresBlobStore.connect(config.url);
  }
}
