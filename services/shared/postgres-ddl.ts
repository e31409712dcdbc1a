import type pg from 'pg';

/**
 * Runs `ddl` (CREATE … IF NOT EXISTS) under a transaction-scoped advisory lock named by `key`. PostgreSQL's
 * IF NOT EXISTS is not safe against itself: two processes starting at once (replicas) can both pass the
 * check and one then fails on the catalog's unique index (pg_type_typname_nsp_index). With the lock the
 * second waits and finds the table there.
 */
export async function createOnce(pool: pg.Pool, key: string, ddl: string | readonly string[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`dumas-ddl:${key}`]);
    for (const statement of typeof ddl === 'string' ? [ddl] : ddl) await client.query(statement);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
