import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteGroupCommit } from '../sqlite-group-commit';
import { type DataKeyStorage, DataKeyVault, type DataKeyVaultOptions, type StoredDataKey } from './vault';

interface KeyRow {
  key_id: string;
  subject_id: string;
  material: Buffer | null;
  wrapping: 'none' | 'A256GCM';
  destroyed_at: string | null;
}

const toStored = (row: KeyRow | undefined): StoredDataKey | undefined =>
  row && {
    keyId: row.key_id,
    subjectId: row.subject_id,
    material: row.material,
    wrapping: row.wrapping,
    destroyedAt: row.destroyed_at,
  };

/**
 * Data keys in their own SQLite file (by default `<dataDir>/keys.sqlite`), never in the event log's
 * file: backups and copies of the log then carry no key, and erasing is a delete in one small file.
 * WAL and a busy timeout let several processes (the subgraphs) share the file.
 */
export class SqliteDataKeyStorage implements DataKeyStorage {
  private readonly db: Database.Database;
  private readonly groupCommit: SqliteGroupCommit;
  private readonly statements: {
    insert: Database.Statement;
    insertNew: Database.Statement;
    bySubject: Database.Statement;
    byKeyId: Database.Statement;
    destroy: Database.Statement;
  };

  constructor(file: string) {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    // A key must be on disk before the event sealed with it is: the log commits with synchronous=FULL,
    // and better-sqlite3's default in WAL mode (NORMAL) may lose the last commits on a power cut, which
    // would leave stored events sealed with a key that no longer exists. The fsync this costs is shared
    // by the keys made at the same moment (group commit).
    this.db.pragma('synchronous = FULL');
    // A destroyed key must not survive in free pages of the file.
    this.db.pragma('secure_delete = ON');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS data_keys (
        key_id       TEXT PRIMARY KEY,
        subject_id   TEXT NOT NULL UNIQUE,
        material     BLOB,
        wrapping     TEXT NOT NULL CHECK (wrapping IN ('none', 'A256GCM')),
        created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        destroyed_at TEXT,
        CHECK ((material IS NULL) = (destroyed_at IS NOT NULL))
      )`);
    this.groupCommit = new SqliteGroupCommit(this.db);
    this.statements = {
      insert: this.db.prepare(
        `INSERT INTO data_keys (key_id, subject_id, material, wrapping, destroyed_at)
         VALUES (@keyId, @subjectId, @material, @wrapping, @destroyedAt)
         ON CONFLICT (subject_id) DO NOTHING`,
      ),
      insertNew: this.db.prepare(
        `INSERT INTO data_keys (key_id, subject_id, material, wrapping, destroyed_at)
         VALUES (@keyId, @subjectId, @material, @wrapping, @destroyedAt)`,
      ),
      bySubject: this.db.prepare('SELECT * FROM data_keys WHERE subject_id = ?'),
      byKeyId: this.db.prepare('SELECT * FROM data_keys WHERE key_id = ?'),
      destroy: this.db.prepare(
        `UPDATE data_keys SET material = NULL, destroyed_at = COALESCE(destroyed_at, @destroyedAt)
         WHERE subject_id = @subjectId`,
      ),
    };
  }

  async insertOrGet(candidate: StoredDataKey): Promise<StoredDataKey> {
    return this.groupCommit.run(() => {
      this.statements.insert.run(candidate);
      return toStored(this.statements.bySubject.get(candidate.subjectId) as KeyRow)!;
    });
  }

  async insertNew(candidates: readonly StoredDataKey[]): Promise<void> {
    // A unique violation throws out of the savepoint, which then rolls back whole.
    return this.groupCommit.run(() => {
      for (const candidate of candidates) this.statements.insertNew.run(candidate);
    });
  }

  async bySubject(subjectId: string): Promise<StoredDataKey | undefined> {
    return toStored(this.statements.bySubject.get(subjectId) as KeyRow | undefined);
  }

  async byKeyId(keyId: string): Promise<StoredDataKey | undefined> {
    return toStored(this.statements.byKeyId.get(keyId) as KeyRow | undefined);
  }

  async tombstone(subjectId: string, newKeyId: string, destroyedAt: string): Promise<StoredDataKey> {
    const run = this.db.transaction(() => {
      this.statements.insert.run({
        keyId: newKeyId,
        subjectId,
        material: null,
        wrapping: 'none',
        destroyedAt,
      });
      this.statements.destroy.run({ subjectId, destroyedAt });
      return this.statements.bySubject.get(subjectId) as KeyRow;
    });
    const row = toStored(run.immediate())!;
    // Push the WAL into the main file so the old key material does not linger in the log file.
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    return row;
  }

  async close(): Promise<void> {
    this.groupCommit.commit();
    if (this.db.open) this.db.close();
  }
}

/** The KeyVault over its own SQLite file. */
export class SqliteKeyVault extends DataKeyVault {
  constructor(file: string, options: DataKeyVaultOptions = {}) {
    super(new SqliteDataKeyStorage(file), options);
  }
}
