import { withConsistency } from '../../services/shared/consistency';
import { batchingReadModels, findEachBy } from '../../services/shared/projections/batching';
import { SqliteReadModelStore } from '../../services/shared/projections/sqlite-read-model';

/**
 * Reads of one request gathered into one query (projections/batching.ts): by id into one getMany, by a
 * field's value into one `in` query; nothing cached between them, nothing gathered outside a request.
 */
describe('given a read-model store batched per request', () => {
  const store = new SqliteReadModelStore({ file: ':memory:' });
  const batched = batchingReadModels(store);
  beforeAll(async () => {
    await store.ensureIndexes([
      { collection: 'items', name: 'group', fields: [{ path: 'group', type: 'text' }] },
    ]);
    await store.applyBatch('items', 1, async (tx) => {
      for (let i = 0; i < 6; i++) await tx.put('items', `i${i}`, { id: `i${i}`, group: `g${i % 2}`, n: i });
    });
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(() => store.close());

  it('the gets of one turn of a request are one getMany, each caller with its own document', async () => {
    const getMany = jest.spyOn(store, 'getMany');
    const get = jest.spyOn(store, 'get');
    const docs = await withConsistency(0, () =>
      Promise.all(['i0', 'i1', 'nope', 'i0'].map((id) => batched.get<{ n: number }>('items', id))),
    );
    expect(docs.map((d) => d?.n)).toEqual([0, 1, undefined, 0]);
    expect(docs[0]).not.toBe(docs[3]);
    expect(getMany).toHaveBeenCalledTimes(1);
    expect(get).not.toHaveBeenCalled();
  });

  it('a get after a write in the same request reads the store again', async () => {
    const seen = await withConsistency(0, async () => {
      const before = await batched.get<{ n: number }>('items', 'i5');
      await store.applyBatch('items', 2, (tx) => tx.put('items', 'i5', { id: 'i5', group: 'g1', n: 50 }));
      const after = await batched.get<{ n: number }>('items', 'i5');
      return [before?.n, after?.n];
    });
    expect(seen).toEqual([5, 50]);
  });

  it('outside a request every get goes straight to the store', async () => {
    const getMany = jest.spyOn(store, 'getMany');
    await Promise.all(['i0', 'i1'].map((id) => batched.get('items', id)));
    expect(getMany).not.toHaveBeenCalled();
  });

  it('the finds by one field of a request are one `in` query, grouped per value in order', async () => {
    const find = jest.spyOn(store, 'find');
    const groups = await withConsistency(0, () =>
      Promise.all(
        ['g0', 'g1', 'g2'].map((g) =>
          findEachBy<{ n: number }>(store, 'items', 'group', g, [{ path: 'id' }]),
        ),
      ),
    );
    expect(groups.map((docs) => docs.map((d) => d.n))).toEqual([[0, 2, 4], [1, 3, 50], []]);
    expect(find).toHaveBeenCalledTimes(1);
  });
});
