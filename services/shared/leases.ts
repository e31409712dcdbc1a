/**
 * Leases: work that must happen once across replicas (the flows between subgraphs, the SLA breach
 * scheduler, the checkpointer, the intake channels' poll and notices) runs only in the replica holding its
 * lease. The runtime's workers take them (`runtime.workers.startOnce`, workers/registry.ts), nothing else.
 *
 * A lease is a row in PostgreSQL (`dumas_leases`): a name, the holder, a fencing token that grows by one
 * with every new holder, and an expiry. The holder renews it every third of its time to live; a replica
 * that dies (kill -9 included) stops renewing and another takes it over once it expires, within
 * `ttlMs` plus one attempt interval. A holder whose renewal fails (taken over, connection lost) or comes
 * later than the time to live (the process stalled) stops its work; the expiry is judged by PostgreSQL's
 * clock alone, so replicas' clocks need not agree.
 *
 * Fencing, checked at write: the token is handed to the work, and the work's own state (the flows'
 * checkpoints and documents) is written through `fencedReadModels`, whose every transaction carries the
 * token; the store keeps the newest token per lease and refuses an older one inside the same transaction
 * (StaleFenceError). The new holder claims its token before it starts, so from its first step on a
 * replica that lost the lease but has not noticed yet (stalled past the time to live, or cut off from the
 * lease table) cannot commit what it was doing. Effects on the log are idempotent by event id, and the
 * checkpointer's copy in the log is appended at the expected revision of its chain, so a stale holder's
 * last effect cannot be appended twice either.
 *
 * On SQLite (one process per subgraph on one machine) there is nothing to share and every lease is held
 * at once by the only instance (`localLeases`).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Logger } from './logger';
import { overriding } from './projections/overriding';
import type { ReadModelStore, WriteOptions } from './projections/types';
import { createOnce } from './postgres-ddl';

export interface LeaseHandle {
  readonly name: string;
  /** Grows by one with each new holder: a write carrying a smaller one comes from a stale holder. */
  readonly fence: number;
  /** Aborted when the lease is lost (or the manager closes). */
  readonly signal: AbortSignal;
}

/** Work under a lease: started when the lease is won, stopped when it is lost or the replica stops. */
export type LeasedWork = (lease: LeaseHandle) => Promise<{ stop(): Promise<void> }>;

export interface Leases {
  /** This replica's id in the lease table. */
  readonly holder: string;
  /**
   * Runs `work` whenever this replica holds `name`, for as long as it does. Resolves once the first
   * attempt is over: the work started (the lease was free) or another replica holds it.
   */
  run(name: string, work: LeasedWork): Promise<void>;
  /** Names of the leases this replica holds now. */
  held(): string[];
  /**
   * Stops every work and gives the leases up, so another replica takes over at once. `release: false`
   * stops without giving them up, as a crash would: the others wait for the time to live.
   */
  close(options?: { release?: boolean }): Promise<void>;
}

/** One instance: every lease is held, with fence 1, from the start. */
export function localLeases(): Leases {
  const running: { name: string; stop(): Promise<void>; controller: AbortController }[] = [];
  return {
    holder: 'local',
    async run(name, work) {
      const controller = new AbortController();
      const handle = await work({ name, fence: 1, signal: controller.signal });
      running.push({ name, stop: () => handle.stop(), controller });
    },
    held: () => running.map((r) => r.name),
    async close() {
      for (const r of running.splice(0).reverse()) {
        r.controller.abort();
        await r.stop();
      }
    },
  };
}

export interface PostgresLeaseOptions {
  readonly url: string;
  readonly holder?: string;
  /** Default 5 s: a dead holder's work resumes elsewhere within about this long. */
  readonly ttlMs?: number;
  readonly logger?: Logger;
}

const TABLE = 'dumas_leases';

export async function postgresLeases(options: PostgresLeaseOptions): Promise<Leases> {
  const ttlMs = options.ttlMs ?? 5_000;
  const holder = options.holder ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
  const pool = new pg.Pool({ connectionString: options.url, max: 2 });
  pool.on('error', () => {}); // a dropped idle connection: the next query reconnects
  await createOnce(
    pool,
    TABLE,
    `CREATE TABLE IF NOT EXISTS ${TABLE} (
      name       text PRIMARY KEY,
      holder     text NOT NULL,
      fence      bigint NOT NULL,
      expires_at timestamptz NOT NULL
    )`,
  );
  let closed = false;
  let releaseOnClose = true;
  const loops: Promise<void>[] = [];
  const holding = new Set<string>();

  /** Takes the lease when free, expired or already ours; the fence when we hold it, else undefined. */
  async function acquire(name: string): Promise<number | undefined> {
    const { rows } = await pool.query<{ fence: string }>(
      `INSERT INTO ${TABLE} (name, holder, fence, expires_at)
       VALUES ($1, $2, 1, clock_timestamp() + $3 * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE
         SET holder = EXCLUDED.holder,
             fence = CASE WHEN ${TABLE}.holder = EXCLUDED.holder THEN ${TABLE}.fence ELSE ${TABLE}.fence + 1 END,
             expires_at = EXCLUDED.expires_at
         WHERE ${TABLE}.expires_at < clock_timestamp() OR ${TABLE}.holder = EXCLUDED.holder
       RETURNING fence`,
      [name, holder, ttlMs],
    );
    return rows[0] ? Number(rows[0].fence) : undefined;
  }

  async function renew(name: string, fence: number): Promise<boolean> {
    const { rowCount } = await pool.query(
      `UPDATE ${TABLE} SET expires_at = clock_timestamp() + $4 * interval '1 millisecond'
       WHERE name = $1 AND holder = $2 AND fence = $3`,
      [name, holder, fence, ttlMs],
    );
    return rowCount === 1;
  }

  async function release(name: string, fence: number): Promise<void> {
    await pool
      // Expired rather than deleted, so the next holder's fence is still higher than ours.
      .query(
        `UPDATE ${TABLE} SET expires_at = clock_timestamp() - interval '1 millisecond'
         WHERE name = $1 AND holder = $2 AND fence = $3`,
        [name, holder, fence],
      )
      .catch(() => undefined);
  }

  const stopping = new AbortController();
  /** Waits `ms`, or less when the manager closes. */
  const wait = (ms: number) => sleep(ms, undefined, { signal: stopping.signal }).catch(() => {});

  async function loop(name: string, work: LeasedWork, firstAttempt: () => void): Promise<void> {
    const interval = Math.max(50, Math.floor(ttlMs / 3));
    while (!closed) {
      let fence: number | undefined;
      try {
        fence = await acquire(name);
      } catch (err) {
        options.logger?.warn({ lease: name, err: { name: (err as Error).name } }, 'lease attempt failed');
      }
      if (fence === undefined) {
        firstAttempt();
        await wait(interval);
        continue;
      }
      const controller = new AbortController();
      let lastRenewal = Date.now();
      options.logger?.info({ lease: name, holder, fence }, 'lease taken: starting its work');
      holding.add(name);
      let handle: { stop(): Promise<void> } | undefined;
      try {
        handle = await work({ name, fence, signal: controller.signal });
        firstAttempt();
        while (!closed) {
          await wait(interval);
          if (closed) break;
          let renewed = false;
          try {
            renewed = await renew(name, fence);
          } catch {
            renewed = false;
          }
          // Taken over, or not renewed in time (the row or the connection is gone, or this process
          // stalled past the time to live): stop, before another replica can have started.
          if (!renewed || Date.now() - lastRenewal > ttlMs) {
            options.logger?.warn({ lease: name, holder, fence }, 'lease lost: stopping its work');
            break;
          }
          lastRenewal = Date.now();
        }
      } catch (err) {
        firstAttempt();
        options.logger?.error({ lease: name, err: { name: (err as Error).name } }, 'leased work failed');
        await wait(interval);
      } finally {
        controller.abort();
        holding.delete(name);
        await handle?.stop().catch(() => undefined);
        if (closed && releaseOnClose) await release(name, fence);
      }
    }
  }

  return {
    holder,
    run(name, work) {
      return new Promise<void>((resolve) => {
        loops.push(loop(name, work, resolve));
      });
    },
    held: () => [...holding],
    async close(closing = {}) {
      closed = true;
      releaseOnClose = closing.release ?? true;
      stopping.abort();
      await Promise.all(loops);
      await pool.end();
    },
  };
}

/**
 * The read models as the holder of `lease` writes them: every write transaction carries its fencing
 * token, and one from a holder that was superseded is refused (see the header). Claims the token first,
 * so the store refuses the previous holder from now on.
 */
export async function fencedReadModels(store: ReadModelStore, lease: LeaseHandle): Promise<ReadModelStore> {
  const fence = { lease: lease.name, token: lease.fence };
  await store.claimFence(fence);
  const withFence = (options?: WriteOptions): WriteOptions => ({ ...options, fence });
  return overriding(store, {
    applyBatch: (projection, position, fn, options) =>
      store.applyBatch(projection, position, fn, withFence(options)),
    reset: (projection, version, collections, options) =>
      store.reset(projection, version, collections, withFence(options)),
    // The store belongs to the runtime, not to the lease holder.
    close: async () => {},
  });
}
