/**
 * A writer process killed with SIGKILL in the middle of a batched append: SQLite's journal must undo
 * the partial transaction, leaving only whole batches, every hash chain intact and the store usable.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { verifyStream } from '../../services/shared/eventstore/hash';
import { SqliteEventStore } from '../../services/shared/eventstore/sqlite';
import type { RecordedEvent } from '../../services/shared/eventstore/types';
import { spawnAppendWorker } from '../support/worker-process';

const storeModule = path.resolve(__dirname, '../../services/shared/eventstore/sqlite.ts');

interface BatchData {
  readonly batchId: string;
  readonly index: number;
  readonly of: number;
}

describe('sqlite event store when a writer process is killed mid-batch', () => {
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-sqlite-crash-'));
    file = path.join(dir, 'events.sqlite');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('holds only whole batches and verifies every chain after each of several kills', async () => {
    const streams = ['complaint-a', 'complaint-b', 'letter-a'];
    const batchSize = 250;
    let interruptedMidBatch = 0;
    let committedBefore = 0;
    const cycles = 4;

    for (let cycle = 0; cycle < cycles; cycle++) {
      const writer = spawnAppendWorker(
        { module: storeModule, exportName: 'openSqliteEventStore', args: { file } },
        {
          worker: `crash-${cycle}`,
          streams,
          batches: 0,
          batchSize,
          expectedRevision: 'exact',
          report: true,
          announce: true,
          payloadBytes: 1500,
        },
      );
      // Let a few batches commit, then kill as soon as the next one is announced (i.e. while it is written).
      await writer.beganAtLeast(2 + cycle);
      writer.child.kill('SIGKILL');
      await expect(writer.done).rejects.toThrow(/SIGKILL/);
      const victim = writer.beginning[writer.beginning.length - 1]!;

      const integrity = new Database(file, { readonly: true });
      expect(integrity.pragma('integrity_check', { simple: true })).toBe('ok');
      integrity.close();

      const store = new SqliteEventStore({ file });
      try {
        const all = await store.readAll();
        const byBatch = new Map<string, RecordedEvent[]>();
        for (const e of all) {
          const d = e.data as BatchData;
          byBatch.set(d.batchId, [...(byBatch.get(d.batchId) ?? []), e]);
        }
        // Every stored batch is whole, in order, at consecutive revisions of one stream.
        for (const [, batch] of byBatch) {
          expect(batch).toHaveLength(batchSize);
          expect(batch.map((e) => (e.data as BatchData).index)).toEqual(batch.map((_, i) => i));
          expect(new Set(batch.map((e) => e.streamId)).size).toBe(1);
          expect(batch.map((e) => e.revision - batch[0]!.revision)).toEqual(batch.map((_, i) => i));
        }
        // Nothing reported committed was lost; at most the batch being written when killed is extra.
        const committedThisCycle = writer.committed.length;
        expect(byBatch.size).toBeGreaterThanOrEqual(committedBefore + committedThisCycle);
        expect(byBatch.size).toBeLessThanOrEqual(committedBefore + committedThisCycle + 1);
        if (!byBatch.has(victim.batchId)) interruptedMidBatch++;
        committedBefore = byBatch.size;

        for (const streamId of streams) {
          expect(await verifyStream(store, streamId)).toMatchObject({ ok: true });
        }
        // The store stays writable where the dead writer left off.
        const revision = await store.streamRevision('complaint-a');
        await store.append(
          'complaint-a',
          Array.from({ length: batchSize }, (_, index) => ({
            type: 'ConformanceEventAppended',
            data: { batchId: `recovery-${cycle}`, index, of: batchSize },
            metadata: { occurredAt: new Date().toISOString() },
          })),
          { expectedRevision: revision ?? 'no_stream' },
        );
        committedBefore++;
        expect((await verifyStream(store, 'complaint-a')).ok).toBe(true);
      } finally {
        await store.close();
      }
    }
    // The kill has to land inside a transaction at least once, or this test proves nothing.
    process.stdout.write(
      `sqlite crash test: ${interruptedMidBatch} of ${cycles} kills interrupted a batch\n`,
    );
    expect(interruptedMidBatch).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
