/**
 * The per-client limits shared by every gateway (and subgraph) replica on PostgreSQL: the same token
 * bucket as `RateLimiter` (limits.ts), kept in one row per (scope, client) of `dumas_rate_buckets` and
 * taken in one statement, so two replicas behind a load balancer give a client one budget between them,
 * not one each. The refill is judged by PostgreSQL's clock alone (replicas' clocks need not agree).
 *
 * No kept library here: rate-limiter-flexible has a PostgreSQL store, but it is a second dependency for
 * one upsert, and its fixed windows differ from the continuous bucket the single-process limiter uses;
 * one statement keeps both limiters the same rule.
 */
import pg from 'pg';
import { createOnce } from '../postgres-ddl';

export interface ClientLimiter {
  /** Takes one token; 0 when allowed, else the seconds until one is available. */
  take(client: string): number | Promise<number>;
}

const TABLE = 'dumas_rate_buckets';
/** Full buckets are forgotten after this long idle (a bucket refills completely within a minute). */
const FORGET_AFTER = "interval '10 minutes'";

export interface PostgresLimits {
  /** A limiter per scope (its own buckets), `perMinute` tokens each. */
  limiter(scope: string, perMinute: number): ClientLimiter;
  close(): Promise<void>;
}

/**
 * One set of shared limits per database URL in this process. Its pool connects on the first take and lets
 * idle connections go within a second (and the process exit), so a runtime need not close it.
 */
export function sharedLimits(url: string): PostgresLimits {
  let limits = byUrl.get(url);
  if (!limits) {
    limits = postgresLimits(url);
    byUrl.set(url, limits);
  }
  return limits;
}
const byUrl = new Map<string, PostgresLimits>();

export function postgresLimits(url: string): PostgresLimits {
  const pool = new pg.Pool({
    connectionString: url,
    max: 4,
    idleTimeoutMillis: 1_000,
    allowExitOnIdle: true,
  });
  pool.on('error', () => {}); // a dropped idle connection: the next query reconnects
  let ready: Promise<unknown> | undefined;
  const prepare = () => {
    ready ??= createOnce(
      pool,
      TABLE,
      `CREATE TABLE IF NOT EXISTS ${TABLE} (
          scope   text NOT NULL,
          client  text NOT NULL,
          tokens  double precision NOT NULL,
          at      timestamptz NOT NULL,
          allowed boolean NOT NULL,
          PRIMARY KEY (scope, client)
        )`,
    ).catch((err: unknown) => {
      ready = undefined;
      throw err;
    });
    return ready;
  };
  let takes = 0;
  return {
    limiter(scope, perMinute) {
      const ratePerMs = perMinute / 60_000;
      return {
        async take(client) {
          await prepare();
          // Refill by the time since the last take, then take one token when there is one; `allowed`
          // records which happened, so the answer is exact whatever the bucket holds.
          const refilled = `LEAST($3::double precision, b.tokens + EXTRACT(EPOCH FROM (now() - b.at)) * 1000 * $4::double precision)`;
          const { rows } = await pool.query<{ tokens: number; allowed: boolean }>(
            `INSERT INTO ${TABLE} AS b (scope, client, tokens, at, allowed)
             VALUES ($1, $2, $3::double precision - 1, now(), true)
             ON CONFLICT (scope, client) DO UPDATE SET
               tokens = CASE WHEN ${refilled} >= 1 THEN ${refilled} - 1 ELSE ${refilled} END,
               allowed = ${refilled} >= 1,
               at = now()
             RETURNING tokens, allowed`,
            [scope, client, perMinute, ratePerMs],
          );
          if (++takes % 1_000 === 0) {
            void pool.query(`DELETE FROM ${TABLE} WHERE at < now() - ${FORGET_AFTER}`).catch(() => {});
          }
          const { tokens, allowed } = rows[0]!;
          return allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / ratePerMs / 1000));
        },
      };
    },
    async close() {
      await pool.end();
    },
  };
}
