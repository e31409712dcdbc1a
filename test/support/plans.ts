import { PostgresReadModelStore } from '../../services/shared/projections/postgres-read-model';
import { SqliteReadModelStore } from '../../services/shared/projections/sqlite-read-model';
import type { DocQuery, ReadModelIndex, ReadModelStore } from '../../services/shared/projections/types';
import { createTestDatabase, postgresAvailable } from './postgres';

/** The read-model engines whose plans a plan test checks: SQLite always, PostgreSQL when it can run here. */
export const PLAN_ENGINES: readonly ('SQLite' | 'PostgreSQL')[] = postgresAvailable()
  ? ['SQLite', 'PostgreSQL']
  : ['SQLite'];

/** An empty read model of that engine with these indexes, for the enclosing describe (its plans are what counts). */
export function storeWithIndexes(
  indexes: readonly ReadModelIndex[],
  engine: (typeof PLAN_ENGINES)[number] = 'SQLite',
): () => ReadModelStore {
  let store: ReadModelStore | undefined;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    if (engine === 'PostgreSQL') {
      const database = await createTestDatabase('plans');
      drop = database.drop;
      store = await PostgresReadModelStore.connect({ url: database.url, schema: 'rm_plans' });
    } else {
      store = new SqliteReadModelStore({ file: ':memory:' });
    }
    await store.ensureIndexes(indexes);
  });
  afterAll(async () => {
    await store?.close();
    await drop?.();
  });
  return () => store!;
}

/**
 * Expects the plan of `find(collection, query)` never to scan the documents (SQLite: `SCAN documents`;
 * PostgreSQL, with sequential scans priced out: `Seq Scan`) and to read the named index. On PostgreSQL
 * which read-model index the planner picks over an empty table depends on statistics, so any of them
 * passes there (as in the read-model contract suite); SQLite's choice is by the query's shape.
 */
export async function expectIndexedPlan(
  store: ReadModelStore,
  collection: string,
  query: DocQuery,
  index: string,
): Promise<string> {
  const plan = await store.explain(collection, query);
  expect(plan).toMatch(store instanceof PostgresReadModelStore ? /\brm_\w+/ : new RegExp(`\\b${index}\\b`));
  expect(plan).not.toMatch(/\bSCAN documents\b|Seq Scan/);
  return plan;
}
