/**
 * Reads batched per request. The gateway sends one `_entities` call with every representation of a page
 * (twenty complaints, their letters, their agencies), and graphql-js resolves each one, and each of their
 * fields, separately: one read-model query per key. Within one GraphQL request (the scope consistency.ts
 * opens), the reads issued in the same turn of the event loop are gathered by DataLoader into one query:
 * - `get` on the store `batchingReadModels` wraps becomes one `getMany` per collection;
 * - `findEachBy` (documents of a collection by one field's value, per value) becomes one `in` query.
 * Nothing is cached: a read after a write in the same request reads the store again, and each caller gets
 * its own parsed document, as separate reads would give. Outside a request (projections, flows,
 * schedulers) every read goes straight to the store.
 */
import DataLoader from 'dataloader';
import { currentConsistency, type RequestConsistency } from '../consistency';
import { overriding } from './overriding';
import type { DocQuery, ReadModelStore } from './types';

/** The most keys one batched query carries; a larger page is split into several. */
const MAX_BATCH = 500;

type Loaders = Map<string, DataLoader<string, unknown>>;

/** Per store, per request: the loaders of that request (dropped with the request's scope). */
const loadersByStore = new WeakMap<ReadModelStore, WeakMap<RequestConsistency, Loaders>>();

function loaderFor<V>(
  store: ReadModelStore,
  key: string,
  batch: (keys: readonly string[]) => Promise<V[]>,
): DataLoader<string, V> | undefined {
  const scope = currentConsistency();
  if (!scope) return undefined;
  let perRequest = loadersByStore.get(store);
  if (!perRequest) {
    perRequest = new WeakMap();
    loadersByStore.set(store, perRequest);
  }
  let loaders = perRequest.get(scope);
  if (!loaders) {
    loaders = new Map();
    perRequest.set(scope, loaders);
  }
  let loader = loaders.get(key) as DataLoader<string, V> | undefined;
  if (!loader) {
    loader = new DataLoader<string, V>(batch, { cache: false, maxBatchSize: MAX_BATCH });
    loaders.set(key, loader as DataLoader<string, unknown>);
  }
  return loader;
}

/** The store with `get` batched per request (everything else passed through). */
export function batchingReadModels(store: ReadModelStore): ReadModelStore {
  return overriding(store, {
    get: <T>(collection: string, id: string): Promise<T | undefined> => {
      const loader = loaderFor<T | undefined>(store, `get\u0000${collection}`, (ids) =>
        store.getMany<T>(collection, ids),
      );
      return loader ? loader.load(id) : store.get<T>(collection, id);
    },
  });
}

/**
 * The documents of `collection` whose top-level text `field` equals `value`, in `orderBy` order; the
 * calls of one request on the same collection, field and order go out as one `in` query.
 */
export function findEachBy<T>(
  store: ReadModelStore,
  collection: string,
  field: string,
  value: string,
  orderBy: NonNullable<DocQuery['orderBy']>,
): Promise<T[]> {
  const loader = loaderFor<T[]>(
    store,
    `by\u0000${collection}\u0000${field}\u0000${JSON.stringify(orderBy)}`,
    async (values) => {
      const docs = await store.find<Record<string, unknown>>(collection, {
        where: { [field]: { in: [...new Set(values)] } },
        orderBy,
      });
      const groups = new Map<string, T[]>();
      for (const doc of docs) {
        const key = doc[field];
        if (typeof key !== 'string') continue;
        let group = groups.get(key);
        if (!group) {
          group = [];
          groups.set(key, group);
        }
        group.push(doc as T);
      }
      // A value asked for twice in one batch gets its own copies the second time.
      const handedOut = new Set<string>();
      return values.map((v) => {
        const group = groups.get(v) ?? [];
        if (!handedOut.has(v)) {
          handedOut.add(v);
          return group;
        }
        return structuredClone(group);
      });
    },
  );
  return loader ? loader.load(value) : store.find<T>(collection, { where: { [field]: value }, orderBy });
}
