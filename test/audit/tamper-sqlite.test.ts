/** The tamper suite on the embedded store: the attacker edits the SQLite events file directly. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteEventStore } from '../../services/shared/eventstore/sqlite';
import { describeTamperSuite, type RawRow } from './tamper.suite';

interface SqliteRow {
  position: number;
  id: string;
  stream_id: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recorded_at: string;
  hash: string;
  previous_hash: string;
}

const COLUMNS: Record<keyof RawRow, keyof SqliteRow> = {
  position: 'position',
  id: 'id',
  streamId: 'stream_id',
  revision: 'revision',
  type: 'type',
  data: 'data',
  metadata: 'metadata',
  recordedAt: 'recorded_at',
  hash: 'hash',
  previousHash: 'previous_hash',
};

const stored = (key: keyof RawRow, value: unknown) =>
  key === 'data' || key === 'metadata' ? JSON.stringify(value) : value;

describeTamperSuite('sqlite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-tamper-sqlite-'));
  const file = path.join(dir, 'events.sqlite');
  const withDb = <T>(fn: (db: Database.Database) => T): T => {
    const db = new Database(file);
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };
  return {
    open: async () => new SqliteEventStore({ file, durability: 'normal' }),
    raw: {
      async rows() {
        return withDb((db) =>
          (db.prepare('SELECT * FROM events ORDER BY position').all() as SqliteRow[]).map((r) => ({
            position: r.position,
            id: r.id,
            streamId: r.stream_id,
            revision: r.revision,
            type: r.type,
            data: JSON.parse(r.data),
            metadata: JSON.parse(r.metadata),
            recordedAt: r.recorded_at,
            hash: r.hash,
            previousHash: r.previous_hash,
          })),
        );
      },
      async update(position, patch) {
        const keys = Object.keys(patch) as (keyof RawRow)[];
        withDb((db) =>
          db
            .prepare(
              `UPDATE events SET ${keys.map((k) => `${COLUMNS[k]} = ?`).join(', ')} WHERE position = ?`,
            )
            .run(...keys.map((k) => stored(k, patch[k])), position),
        );
      },
      async remove(position) {
        withDb((db) => db.prepare('DELETE FROM events WHERE position = ?').run(position));
      },
      async insert(row) {
        const keys = Object.keys(COLUMNS) as (keyof RawRow)[];
        withDb((db) =>
          db
            .prepare(
              `INSERT INTO events (${keys.map((k) => COLUMNS[k]).join(', ')}) VALUES (${keys.map(() => '?').join(', ')})`,
            )
            .run(...keys.map((k) => stored(k, row[k]))),
        );
      },
      async settle() {},
    },
    async cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});
