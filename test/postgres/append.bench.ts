/**
 * Figures for the PostgreSQL event store, printed, never asserted:
 *
 *   node -r @swc-node/register test/postgres/append.bench.ts [events]
 *
 * It starts its own throwaway server (test/support/postgres.ts) unless DUMAS_TEST_PG_URL points at one.
 * That server runs with fsync and synchronous_commit off, so the figures measure round trips, locking
 * and CPU, not the disk: on a durable server each serialised commit also waits for its WAL flush.
 */
import { PostgresEventStore } from '../../services/shared/eventstore/postgres';
import type { NewEvent } from '../../services/shared/eventstore/types';
import { createTestDatabase } from '../support/postgres';

const total = Number(process.argv[2] ?? 4000);

function event(n: number): NewEvent {
  return {
    type: 'ComplaintNoted',
    data: { n, channel: 'WEB', summary: 'Jalan rusak di Kapanewon Sewon, Bantul, belum diperbaiki' },
    metadata: { occurredAt: '2026-11-28T08:00:00.000Z', actor: { id: 'officer-7', role: 'OFFICER' } },
  };
}

async function timed(label: string, events: number, work: () => Promise<void>): Promise<void> {
  const started = process.hrtime.bigint();
  await work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`${label.padEnd(58)} ${String(Math.round(events / seconds)).padStart(8)} events/s`);
}

async function main(): Promise<void> {
  const db = await createTestDatabase('bench');
  const store = await PostgresEventStore.connect({ url: db.url, maxConnections: 16 });
  try {
    console.log(`PostgreSQL event store, ${total} events per figure`);
    await timed('append, 1 event per call, 1 writer', total, async () => {
      for (let i = 0; i < total; i++) await store.append(`complaint-${i % 100}`, [event(i)]);
    });
    for (const writers of [4, 16]) {
      await timed(`append, 1 event per call, ${writers} concurrent writers`, total, async () => {
        await Promise.all(
          Array.from({ length: writers }, async (_, w) => {
            for (let i = w; i < total; i += writers) await store.append(`letter-${w}-${i % 50}`, [event(i)]);
          }),
        );
      });
    }
    await timed('append, exact revision, 8 writers racing on 1 stream (wins)', total / 4, async () => {
      let appended = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (appended < total / 4) {
            const revision = await store.streamRevision('contended');
            try {
              await store.append('contended', [event(appended)], {
                expectedRevision: revision ?? 'no_stream',
              });
              appended++;
            } catch {
              // Lost the race: read the new revision and try again, as a command handler does.
            }
          }
        }),
      );
    });
    await timed('append, batches of 100, 1 writer', total * 5, async () => {
      for (let b = 0; b < (total * 5) / 100; b++) {
        await store.append(
          `import-${b}`,
          Array.from({ length: 100 }, (_, i) => event(i)),
        );
      }
    });
    const head = await store.headPosition();
    await timed('readAll, pages of 1000', head, async () => {
      let from = 0;
      for (;;) {
        const page = await store.readAll({ fromPosition: from, maxCount: 1000 });
        if (page.length === 0) break;
        from = page[page.length - 1]!.position;
      }
    });
    await timed('subscribe, catch-up from 0 to head (batchSize 1000)', head, async () => {
      const sub = store.subscribe({ batchSize: 1000 });
      for await (const e of sub) if (e.position >= head) break;
    });
  } finally {
    await store.close();
    await db.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
