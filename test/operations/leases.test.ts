/**
 * Leases on a real PostgreSQL: two replicas compete for the same work; exactly one runs it; when the
 * holder dies without a word (its renewals stop, as after kill -9) the other takes over within the time to
 * live with a higher fencing token; a holder that closes hands over at once.
 */
import { type LeaseHandle, postgresLeases } from '../../services/shared/leases';
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
