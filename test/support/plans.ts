import type { DocQuery, ReadModelIndex } from '../../services/shared/projections/types';
import { SqliteReadModelStore } from '../../services/shared/projections/sqlite-read-model';

/** An empty in-memory SQLite read model with these indexes for the enclosing describe (its plans are what counts). */
export function storeWithIndexes(indexes: readonly ReadModelIndex[]): () => SqliteReadModelStore {
  let store: SqliteReadModelStore | undefined;
  beforeAll(async () => {
    store = new SqliteReadModelStore({ file: ':memory:' });
    await store.ensureIndexes(indexes);
  });
  afterAll(() => store?.close());
  return () => store!;
}

/** Expects the plan of `find(collection, query)` to read the named index and never scan the documents. */
export async function expectIndexedPlan(
  store: SqliteReadModelStore,
  collection: string,
  query: DocQuery,
  index: string,
): Promise<string> {
  const plan = await store.explain(collection, query);
  expect(plan).toMatch(new RegExp(`USING (COVERING )?INDEX ${index}\\b`));
  expect(plan).not.toMatch(/\bSCAN documents\b/);
  return plan;
}
