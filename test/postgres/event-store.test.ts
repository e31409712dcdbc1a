/**
 * What only the PostgreSQL adapter has to prove beyond the shared conformance suite: that a subscriber
 * never misses or repeats an event while many transactions commit out of order, that LISTEN/NOTIFY (not
 * the safety poll) wakes subscribers and survives a dropped connection, that a killed writer leaves only
 * whole batches, and that the store's tables are created safely by several processes at once.
 */
import path from 'node:path';
import { Client } from 'pg';
import { verifyStream } from '../../services/shared/eventstore/hash';
import {
  PostgresEventStore,
  type PostgresEventStoreOptions,
} from '../../services/shared/eventstore/postgres';
import {
  DuplicateEventIdError,
  type NewEvent,
  type RecordedEvent,
  type Subscription,
} from '../../services/shared/eventstore/types';
import type { WorkerStoreSpec } from '../support/append-worker';
import { createTestDatabase, requirePostgres } from '../support/postgres';
import { spawnAppendWorker } from '../support/worker-process';

const storeModule = path.resolve(__dirname, '../../services/shared/eventstore/postgres.ts');
const describePg = requirePostgres('PostgreSQL event store') ? describe : describe.skip;

function noted(data: unknown, id?: string): NewEvent {
  return { id, type: 'ComplaintNoted', data, metadata: { occurredAt: '2026-11-28T08:00:00.000Z' } };
}

/** Collects everything a subscription delivers until `count` events arrived or `timeoutMs` passed. */
function collect(sub: Subscription, count: number, timeoutMs: number): Promise<RecordedEvent[]> {
  const got: RecordedEvent[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void sub.close();
      reject(new Error(`subscription delivered ${got.length} of ${count} events in ${timeoutMs} ms`));
    }, timeoutMs);
    (async () => {
      for await (const event of sub) {
        got.push(event);
        if (got.length === count) break;
      }
      clearTimeout(timer);
      resolve(got);
    })().catch(reject);
  });
}

/** Follows a subscription in the background, keeping everything it delivers. */
function follow(sub: Subscription): { got: RecordedEvent[]; stop(): Promise<void> } {
  const got: RecordedEvent[] = [];
  const running = (async () => {
    for await (const event of sub) got.push(event);
  })();
  return {
    got,
    stop: async () => {
      await sub.close();
      await running;
    },
  };
}

/** Resolves once `reached()` holds, checking every 20 ms; resolves anyway after `timeoutMs`. */
async function until(reached: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!reached() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

/** Fails with the first way `got` differs from the log: a missed, repeated or reordered event. */
function expectSameAsLog(name: string, got: readonly RecordedEvent[], log: readonly RecordedEvent[]): void {
  const seen = new Set<string>();
  for (let i = 0; i < got.length; i++) {
    const e = got[i]!;
    if (seen.has(e.id)) throw new Error(`${name} repeated event at position ${e.position}`);
    seen.add(e.id);
    if (i > 0 && e.position <= got[i - 1]!.position)
      throw new Error(`${name} went backwards at ${e.position}`);
  }
  const missed = log.filter((e) => !seen.has(e.id));
  if (missed.length)
    throw new Error(`${name} missed ${missed.length} events, first at ${missed[0]!.position}`);
  expect(got.map((e) => e.id)).toEqual(log.map((e) => e.id));
}

describePg('PostgreSQL event store', () => {
  let database: { url: string; drop(): Promise<void> };
  let admin: Client;
  let schemas = 0;
  const open: PostgresEventStore[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('pg_event_store');
    admin = new Client({ connectionString: database.url });
    await admin.connect();
  });
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
  });
  afterAll(async () => {
    await admin?.end();
    await database?.drop();
  });

  function options(extra: Partial<PostgresEventStoreOptions> = {}): PostgresEventStoreOptions {
    return { url: database.url, schema: `store_${++schemas}`, ...extra };
  }
  async function connect(opts: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    const store = await PostgresEventStore.connect(opts);
    open.push(store);
    return store;
  }
  const workerSpec = (opts: PostgresEventStoreOptions): WorkerStoreSpec => ({
    module: storeModule,
    exportName: 'openPostgresEventStore',
    args: opts,
  });

  it('with many writers committing out of order (pool connections and OS processes), no subscriber misses or repeats an event', async () => {
    const opts = options({ maxConnections: 8 });
    const store = await connect(opts);
    const processes = 3;
    const processBatches = 30;
    const batchSize = 4;
    const inProcessWriters = 8;
    const inProcessAppends = 25;
    const total = processes * processBatches * batchSize + inProcessWriters * inProcessAppends;

    // Live from the start, with pages small enough to read while writers are mid-commit.
    const followers = [1, 7, 500].map((batchSize) => follow(store.subscribe({ batchSize })));
    const children = Array.from({ length: processes }, (_, p) =>
      spawnAppendWorker(workerSpec(opts), {
        worker: `p${p}`,
        // Own streams, so nothing but the store's global order stands between these transactions; the
        // filler makes each transaction long enough for others to overtake it.
        streams: [`complaint-p${p}-a`, `complaint-p${p}-b`],
        batches: processBatches,
        batchSize,
        expectedRevision: 'any',
        payloadBytes: 4000,
        report: true,
      }),
    );
    const writers = Array.from({ length: inProcessWriters }, async (_, w) => {
      for (let n = 0; n < inProcessAppends; n++) await store.append(`letter-w${w}`, [noted({ w, n })]);
    });
    // A late subscriber hands over from catch-up to live while the writers are still going.
    await children[0]!.committedAtLeast(10);
    followers.push(follow(store.subscribe({ batchSize: 3 })));

    await Promise.all([...children.map((c) => c.done), ...writers]);
    const log = await store.readAll();
    expect(log).toHaveLength(total);
    const last = log[log.length - 1]!.position;
    // A subscriber that skipped an event still reaches the last one: wait for that, then compare.
    for (const f of followers) await until(() => (f.got[f.got.length - 1]?.position ?? 0) >= last, 10_000);
    await Promise.all(followers.map((f) => f.stop()));
    for (const [i, f] of followers.entries()) expectSameAsLog(`subscriber ${i}`, f.got, log);
  }, 60_000);

  it('a subscriber is woken by the append notification, not by its safety poll', async () => {
    const store = await connect(options({ safetyPollMs: 60_000 }));
    const sub = store.subscribe();
    const first = collect(sub, 1, 5_000);
    await new Promise((r) => setTimeout(r, 100)); // Let it reach its wait.
    const started = Date.now();
    await store.append('complaint-1', [noted({ n: 1 })]);
    expect(await first).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a subscriber whose listening connection is killed still gets later events, well before its safety poll', async () => {
    const opts = options({ safetyPollMs: 60_000 });
    const store = await connect(opts);
    const sub = store.subscribe();
    const got = collect(sub, 2, 10_000);
    await store.append('complaint-1', [noted({ n: 1 })]);
    await new Promise((r) => setTimeout(r, 100));
    const killed = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND query = $1`,
      [`LISTEN "${opts.schema}_appended"`],
    );
    expect(killed.rowCount).toBe(1);
    await store.append('complaint-1', [noted({ n: 2 })]);
    expect((await got).map((e) => e.revision)).toEqual([0, 1]);
  });

  it('a writer killed (SIGKILL) in the middle of its batches leaves only whole batches and intact chains', async () => {
    const opts = options();
    const store = await connect(opts);
    const batchSize = 40;
    const writer = spawnAppendWorker(workerSpec(opts), {
      worker: 'doomed',
      streams: ['complaint-1', 'complaint-2'],
      batches: 0,
      batchSize,
      expectedRevision: 'exact',
      payloadBytes: 2000,
      report: true,
    });
    await writer.committedAtLeast(6);
    writer.child.kill('SIGKILL');
    await expect(writer.done).rejects.toThrow(/SIGKILL/);

    const log = await store.readAll();
    const batches = new Map<string, number>();
    for (const e of log) {
      const { batchId } = e.data as { batchId: string };
      batches.set(batchId, (batches.get(batchId) ?? 0) + 1);
    }
    expect(batches.size).toBeGreaterThanOrEqual(6);
    expect([...batches.values()].every((n) => n === batchSize)).toBe(true);
    for (const streamId of ['complaint-1', 'complaint-2']) {
      const verified = await verifyStream(store, streamId);
      expect(verified.ok).toBe(true);
      // The stream's head row agrees with its events: the next append continues the chain.
      expect(await store.streamRevision(streamId)).toBe(verified.ok ? verified.events - 1 : -1);
    }
    await store.append('complaint-1', [noted({ after: 'kill' })], {
      expectedRevision: (await store.streamRevision('complaint-1'))!,
    });
    expect((await verifyStream(store, 'complaint-1')).ok).toBe(true);
  }, 30_000);

  it('of two identical retries racing each other, both get the first result and one copy is stored', async () => {
    const store = await connect(options({ maxConnections: 4 }));
    await store.append('complaint-1', [noted({ n: 0 })]);
    const batch = [
      noted({ n: 1 }, 'a8d9f3f0-0000-4000-8000-000000000001'),
      noted({ n: 2 }, 'a8d9f3f0-0000-4000-8000-000000000002'),
    ];
    const results = await Promise.all(
      [0, 1, 2].map(() => store.append('complaint-1', batch, { expectedRevision: 0 })),
    );
    // One of them wrote the batch; the other two are told it was already stored.
    const { alreadyStored: _, ...written } = results.find((r) => !r.alreadyStored)!;
    expect(results.filter((r) => r.alreadyStored)).toHaveLength(2);
    for (const r of results)
      expect({ ...r, alreadyStored: undefined }).toEqual({ ...written, alreadyStored: undefined });
    expect((await store.readStream('complaint-1')).map((e) => e.revision)).toEqual([0, 1, 2]);
  });

  it('the same event id raced into two streams lands in one and is a duplicate in the other', async () => {
    const store = await connect(options({ maxConnections: 4 }));
    const event = noted({ n: 1 }, 'b1e0c6a2-0000-4000-8000-000000000001');
    const outcomes = await Promise.allSettled([
      store.append('complaint-1', [event]),
      store.append('complaint-2', [event]),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')!;
    expect(refused.reason).toBeInstanceOf(DuplicateEventIdError);
    expect(await store.readAll()).toHaveLength(1);
  });

  it('stores data exactly as hashed, including text a jsonb column would refuse', async () => {
    const store = await connect(options());
    const data = { note: 'nul \u0000 here', lone: '\ud800', emoji: 'Sleman 🏔️', big: 1e21, tiny: 5e-324 };
    await store.append('complaint-1', [noted(data)]);
    const [stored] = await store.readStream('complaint-1');
    expect(stored!.data).toEqual(data);
    expect((await verifyStream(store, 'complaint-1')).ok).toBe(true);
  });

  it('keeps stores in different schemas of one database apart', async () => {
    const a = await connect(options());
    const b = await connect(options());
    await a.append('complaint-1', [noted({ store: 'a' })]);
    expect(await b.readAll()).toEqual([]);
    expect(await b.streamRevision('complaint-1')).toBeUndefined();
    const sub = b.subscribe();
    const got = collect(sub, 1, 5_000);
    await a.append('complaint-1', [noted({ store: 'a' })]);
    await b.append('complaint-9', [noted({ store: 'b' })]);
    expect((await got).map((e) => e.streamId)).toEqual(['complaint-9']);
  });

  it('several processes opening a new store at once all get the same, working tables', async () => {
    const opts = options();
    const stores = await Promise.all(Array.from({ length: 5 }, () => connect(opts)));
    await Promise.all(stores.map((s, i) => s.append(`complaint-${i}`, [noted({ i })])));
    expect(await stores[0]!.readAll()).toHaveLength(5);
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(
      PostgresEventStore.connect({ url: database.url, schema: 'x"; DROP TABLE y; --' }),
    ).rejects.toThrow(/schema must be/);
  });
});
