/**
 * The per-client limits across replicas on a real PostgreSQL: two gateway replicas (two limiter
 * instances, two pools) give one client one budget between them, and the subgraphs' budget per tracking
 * number holds whichever replica a guess reaches.
 */
import { AccessCodeGuard } from '../../services/shared/access-code-guard';
import { postgresLimits } from '../../services/shared/graphql/postgres-rate-limiter';
import { createTestDatabase, requirePostgres } from '../support/postgres';

const describePg = requirePostgres('shared limits on PostgreSQL') ? describe : describe.skip;

describePg('given two replicas sharing their limits in PostgreSQL', () => {
  it('gives a client one budget between them, refills it, and keeps scopes and clients apart', async () => {
    const db = await createTestDatabase('shared_limits');
    const a = postgresLimits(db.url);
    const b = postgresLimits(db.url);
    try {
      const onA = a.limiter('public_mutations', 3);
      const onB = b.limiter('public_mutations', 3);
      // When one client's requests alternate between the replicas, then the third is its last.
      expect(await onA.take('203.0.113.7')).toBe(0);
      expect(await onB.take('203.0.113.7')).toBe(0);
      expect(await onA.take('203.0.113.7')).toBe(0);
      const retryAfter = await onB.take('203.0.113.7');
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(20);
      expect(await onA.take('203.0.113.7')).toBeGreaterThanOrEqual(1);
      // Another client, and another scope, have budgets of their own.
      expect(await onB.take('198.51.100.1')).toBe(0);
      expect(await b.limiter('access_code_checks', 3).take('203.0.113.7')).toBe(0);
      // Many at once from both replicas: exactly the budget is let through.
      const burst = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? onA : onB).take('192.0.2.55')),
      );
      expect(burst.filter((s) => s === 0)).toHaveLength(3);

      // The subgraphs' budget per tracking number and client, shared by two replicas' guards.
      const guardA = new AccessCodeGuard(2, Date.now, a.limiter('per_tracking_number', 2));
      const guardB = new AccessCodeGuard(2, Date.now, b.limiter('per_tracking_number', 2));
      await guardA.admit({ clientIp: '203.0.113.9' }, 'DMS-2026-000001');
      await guardB.admit({ clientIp: '203.0.113.9' }, 'dms-2026-000001');
      await expect(guardA.admit({ clientIp: '203.0.113.9' }, 'DMS-2026-000001')).rejects.toMatchObject({
        extensions: { code: 'RATE_LIMITED' },
      });
    } finally {
      await a.close();
      await b.close();
      await db.drop();
    }
  });

  it('refills continuously, by the database clock', async () => {
    const db = await createTestDatabase('shared_limits_refill');
    const limits = postgresLimits(db.url);
    try {
      // 60 a minute: one token a second.
      const limiter = limits.limiter('refill', 60);
      const taken = await Promise.all(Array.from({ length: 60 }, () => limiter.take('c')));
      expect(taken.filter((s) => s === 0)).toHaveLength(60);
      expect(await limiter.take('c')).toBe(1);
      await new Promise((r) => setTimeout(r, 1_100));
      expect(await limiter.take('c')).toBe(0);
      expect(await limiter.take('c')).toBe(1);
    } finally {
      await limits.close();
      await db.drop();
    }
  });
});
