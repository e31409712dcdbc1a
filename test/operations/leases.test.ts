/**
 * Leases on a real PostgreSQL: two replicas compete for the same work; exactly one runs it; when the
 * holder dies without a word (its renewals stop, as after kill -9) the other takes over within the time to
 * live with a higher fencing token; a holder that closes hands over at once; a holder that lost the lease
 * without noticing cannot write its work's state (the token is checked at write).
 */
import { fencedReadModels, type LeaseHandle, postgresLeases } from '../../services/shared/leases';
import { PostgresReadModelStore } from '../../services/shared/projections/postgres-read-model';
import { SqliteReadModelStore } from '../../services/shared/projections/sqlite-read-model';
import { type ReadModelStore, StaleFenceError } from '../../services/shared/projections/types';
import { createTestDatabase, requirePostgres } from '../support/postgres';

const describePg = requirePostgres('leases on PostgreSQL') ? describe : describe.skip;

async function eventually(check: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - started;
}

describePg('given replicas starting at once on a new database', () => {
  it('each makes its lease table without tripping over the others (CREATE IF NOT EXISTS is not safe against itself)', async () => {
    const db = await createTestDatabase('leases-start');
    const started = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => postgresLeases({ url: db.url, holder: `r${i}` })),
    );
    const refused = started.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    expect(refused.map((r) => String(r.reason))).toEqual([]);
    for (const s of started) if (s.status === 'fulfilled') await s.value.close();
  });
});

describePg('given two replicas competing for one lease', () => {
  it('runs the work in one at a time, and in the other within seconds once the holder is gone', async () => {
    const db = await createTestDatabase('leases');
    const running = new Map<string, LeaseHandle>();
    const work = (who: string) => async (lease: LeaseHandle) => {
      running.set(who, lease);
      return {
        async stop() {
          running.delete(who);
        },
      };
    };
    const ttlMs = 1000;
    const a = await postgresLeases({ url: db.url, holder: 'a', ttlMs });
    const b = await postgresLeases({ url: db.url, holder: 'b', ttlMs });
    try {
      await a.run('flows', work('a'));
      await b.run('flows', work('b'));
      expect([...running.keys()]).toEqual(['a']);
      expect(running.get('a')!.fence).toBe(1);
      await new Promise((r) => setTimeout(r, 3 * ttlMs));
      expect([...running.keys()]).toEqual(['a']); // renewed, never shared

      // A closes: it gives the lease up and B takes over at its next attempt.
      await a.close();
      const handover = await eventually(() => running.has('b'), 5 * ttlMs);
      expect(handover).toBeLessThan(2 * ttlMs);
      expect(running.get('b')!.fence).toBe(2);
      expect(running.has('a')).toBe(false);
      expect(b.held()).toEqual(['flows']);
    } finally {
      await b.close();
    }

    // A holder that dies without giving the lease up: its row expires and the next replica takes it.
    const c = await postgresLeases({ url: db.url, holder: 'c', ttlMs });
    const d = await postgresLeases({ url: db.url, holder: 'd', ttlMs });
    try {
      await c.run('scheduler', work('c'));
      await d.run('scheduler', work('d'));
      expect(running.has('c') && !running.has('d')).toBe(true);
      // As after kill -9: C's renewals stop and nothing is given up.
      await c.close({ release: false });
      expect(running.has('c')).toBe(false);
      const takeover = await eventually(() => running.has('d'), 10 * ttlMs);
      expect(takeover).toBeLessThan(3 * ttlMs);
      expect(running.get('d')!.fence).toBe(2);
    } finally {
      await d.close();
      await db.drop();
    }
  });
});

describePg('given a replica that lost its lease without noticing', () => {
  it('cannot commit the work it was doing: its fencing token is refused at write', async () => {
    const db = await createTestDatabase('fencing');
    const shared = await PostgresReadModelStore.connect({ url: db.url, schema: 'rm_fencing' });
    const ttlMs = 500;
    const held = new Map<string, ReadModelStore>();
    const work = (who: string) => async (lease: LeaseHandle) => {
      held.set(who, await fencedReadModels(shared, lease));
      return { async stop() {} };
    };
    const a = await postgresLeases({ url: db.url, holder: 'a', ttlMs });
    const b = await postgresLeases({ url: db.url, holder: 'b', ttlMs });
    try {
      await a.run('flows', work('a'));
      const stale = held.get('a')!;
      await stale.applyBatch('flow.letters', 1, (tx) => tx.put('letters', 'l-1', { by: 'a' }));
      // A stalls: its renewals stop, but the process still holds its store and goes on afterwards.
      await a.close({ release: false });
      await b.run('flows', work('b'));
      await eventually(() => held.has('b'), 10 * ttlMs);
      const fresh = held.get('b')!;

      // Given B claimed the lease (fence 2), when A commits its next step, then the store refuses it.
      await expect(
        stale.applyBatch('flow.letters', 2, (tx) => tx.put('letters', 'l-2', { by: 'a' })),
      ).rejects.toBeInstanceOf(StaleFenceError);
      await expect(stale.reset('flow.letters', 2, ['letters'])).rejects.toBeInstanceOf(StaleFenceError);
      expect(await shared.get('letters', 'l-2')).toBeUndefined();
      expect(await shared.checkpoint('flow.letters')).toEqual({ position: 1, version: 0 });

      // B writes on from where A's last committed step left it.
      await fresh.applyBatch('flow.letters', 2, (tx) => tx.put('letters', 'l-2', { by: 'b' }));
      expect(await shared.get('letters', 'l-2')).toEqual({ by: 'b' });
    } finally {
      await b.close();
      await shared.close();
      await db.drop();
    }
  });
});

describe('given the embedded store', () => {
  it('keeps the newest fencing token per lease and refuses older ones at write', async () => {
    const store = new SqliteReadModelStore({ file: ':memory:' });
    try {
      await store.claimFence({ lease: 'flows', token: 1 });
      await store.applyBatch('f', 1, async () => {}, { fence: { lease: 'flows', token: 1 } });
      await store.claimFence({ lease: 'flows', token: 2 });
      await expect(
        store.applyBatch('f', 2, (tx) => tx.put('c', 'x', {}), { fence: { lease: 'flows', token: 1 } }),
      ).rejects.toBeInstanceOf(StaleFenceError);
      await expect(store.claimFence({ lease: 'flows', token: 1 })).rejects.toBeInstanceOf(StaleFenceError);
      expect(await store.get('c', 'x')).toBeUndefined();
      expect((await store.checkpoint('f')).position).toBe(1);
    } finally {
      await store.close();
    }
  });
});
