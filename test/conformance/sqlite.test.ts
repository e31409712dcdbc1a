import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { hashCanonicalContent } from '../../services/shared/eventstore/hash';
import { SqliteEventStore } from '../../services/shared/eventstore/sqlite';
import { describeEventStoreConformance } from './event-store.conformance';

const storeModule = path.resolve(__dirname, '../../services/shared/eventstore/sqlite.ts');

/** Runs raw SQL on the file the way someone with direct access to it could, then lets go of it. */
function withRawDatabase(file: string, run: (db: Database.Database) => void): void {
  const db = new Database(file, { timeout: 10_000 });
  try {
    db.transaction(() => run(db)).immediate();
  } finally {
    db.close();
  }
}

describeEventStoreConformance('sqlite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-sqlite-conformance-'));
  const file = path.join(dir, 'events.sqlite');
  const store = new SqliteEventStore({ file, pollIntervalMs: 2 });
  // Moves a stream's revisions out of the unique index's way, one row at a time, without collisions.
  const park = (db: Database.Database, streamId: string, where: string, shift: string) =>
    db.prepare(`UPDATE events SET revision = ${shift} WHERE stream_id = ? AND ${where}`).run(streamId);
  return {
    store,
    cleanup: async () => {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
    worker: { module: storeModule, exportName: 'openSqliteEventStore', args: { file, pollIntervalMs: 2 } },
    tamper: {
      async editData(streamId, revision, data) {
        withRawDatabase(file, (db) =>
          db
            .prepare('UPDATE events SET data = ? WHERE stream_id = ? AND revision = ?')
            .run(JSON.stringify(data), streamId, revision),
        );
      },
      async deleteEvent(streamId, revision) {
        withRawDatabase(file, (db) =>
          db.prepare('DELETE FROM events WHERE stream_id = ? AND revision = ?').run(streamId, revision),
        );
      },
      async swapRevisions(streamId, a, b) {
        withRawDatabase(file, (db) => {
          park(db, streamId, `revision = ${a}`, '-1');
          park(db, streamId, `revision = ${b}`, String(a));
          park(db, streamId, 'revision = -1', String(b));
        });
      },
      async insertForged(streamId, afterRevision) {
        withRawDatabase(file, (db) => {
          park(db, streamId, `revision > ${afterRevision}`, '-(revision + 1)');
          park(db, streamId, 'revision < 0', '-revision');
          const before = db
            .prepare('SELECT hash, metadata FROM events WHERE stream_id = ? AND revision = ?')
            .get(streamId, afterRevision) as { hash: string; metadata: string };
          const revision = afterRevision + 1;
          const data = '{"forged":true}';
          const hash = hashCanonicalContent(
            before.hash,
            streamId,
            revision,
            'forged-event',
            'ComplaintWithdrawn',
            data,
            before.metadata,
          );
          db.prepare(
            `INSERT INTO events (id, stream_id, revision, type, data, metadata, recorded_at, hash, previous_hash)
             VALUES ('forged-event', ?, ?, 'ComplaintWithdrawn', ?, ?, '2026-11-28T08:00:00.000Z', ?, ?)`,
          ).run(streamId, revision, data, before.metadata, hash, before.hash);
        });
      },
    },
  };
});
