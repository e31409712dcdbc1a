import path from 'node:path';
import { Client } from 'pg';
import { computeEventHash } from '../../services/shared/eventstore/hash';
import { PostgresEventStore } from '../../services/shared/eventstore/postgres';
import type { EventMetadata } from '../../services/shared/eventstore/types';
import { createTestDatabase, requirePostgres } from '../support/postgres';
import { describeEventStoreConformance } from './event-store.conformance';

const storeModule = path.resolve(__dirname, '../../services/shared/eventstore/postgres.ts');

if (requirePostgres('PostgreSQL event store conformance')) {
  // One database for the file, and a fresh schema (an empty store) for every test.
  let database: { url: string; drop(): Promise<void> };
  let admin: Client;
  let schemas = 0;

  beforeAll(async () => {
    database = await createTestDatabase('conformance');
    admin = new Client({ connectionString: database.url });
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.end();
    await database?.drop();
  });

  describeEventStoreConformance('postgres', async () => {
    const schema = `conformance_${++schemas}`;
    const url = database.url;
    const store = await PostgresEventStore.connect({ url, schema });
    const events = `"${schema}".events`;
    return {
      store,
      cleanup: async () => {
        await store.close();
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      },
      worker: { module: storeModule, exportName: 'openPostgresEventStore', args: { url, schema } },
      tamper: {
        async editData(streamId, revision, data) {
          await admin.query(`UPDATE ${events} SET data = $3::json WHERE stream_id = $1 AND revision = $2`, [
            streamId,
            revision,
            JSON.stringify(data),
          ]);
        },
        async deleteEvent(streamId, revision) {
          await admin.query(`DELETE FROM ${events} WHERE stream_id = $1 AND revision = $2`, [
            streamId,
            revision,
          ]);
        },
        async swapRevisions(streamId, a, b) {
          // Through a free revision: (stream_id, revision) is unique at every step.
          await admin.query('BEGIN');
          const move = `UPDATE ${events} SET revision = $3 WHERE stream_id = $1 AND revision = $2`;
          await admin.query(move, [streamId, a, -1]);
          await admin.query(move, [streamId, b, a]);
          await admin.query(move, [streamId, -1, b]);
          await admin.query('COMMIT');
        },
        async insertForged(streamId, afterRevision) {
          await admin.query('BEGIN');
          const before = await admin.query<{ hash: string; metadata: EventMetadata }>(
            `SELECT hash, metadata FROM ${events} WHERE stream_id = $1 AND revision = $2`,
            [streamId, afterRevision],
          );
          const { hash: previousHash, metadata } = before.rows[0]!;
          const shift = `UPDATE ${events} SET revision = revision + $3 WHERE stream_id = $1 AND revision > $2`;
          await admin.query(shift, [streamId, afterRevision, 1_000_000]);
          await admin.query(shift, [streamId, 1_000_000, 1 - 1_000_000]);
          const content = {
            streamId,
            revision: afterRevision + 1,
            id: 'forged-event',
            type: 'ComplaintWithdrawn',
            data: { forged: true },
            metadata: { occurredAt: metadata.occurredAt },
          };
          await admin.query(
            `INSERT INTO ${events} (event_id, stream_id, revision, type, data, metadata, recorded_at, hash, previous_hash)
             VALUES ($1, $2, $3, $4, $5::json, $6::json, now(), $7, $8)`,
            [
              content.id,
              streamId,
              content.revision,
              content.type,
              JSON.stringify(content.data),
              JSON.stringify(content.metadata),
              computeEventHash(previousHash, content),
              previousHash,
            ],
          );
          await admin.query('COMMIT');
        },
      },
    };
  });
} else {
  // Reached only outside CI (in CI the run fails in globalSetup without PostgreSQL): one visible skip.
  describe.skip('PostgreSQL event store conformance (no PostgreSQL on this machine)', () => {
    it('needs PostgreSQL server binaries', () => undefined);
  });
}
