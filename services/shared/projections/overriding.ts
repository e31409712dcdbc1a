import type { ReadModelStore } from './types';

/**
 * `inner` with some of its methods replaced (batched reads, fenced writes): every other call goes to
 * `inner` with its arguments whole. The wrappers used to forward each method by hand, and one dropped
 * the write options (the fencing token) without the compiler noticing.
 */
export function overriding(inner: ReadModelStore, overrides: Partial<ReadModelStore>): ReadModelStore {
  type Args<K extends keyof ReadModelStore> = Parameters<ReadModelStore[K]>;
  // Looked up on `inner` at each call (not bound once), so whatever `inner` is then is what answers.
  const delegate: ReadModelStore = {
    get: <T>(...a: Args<'get'>) => inner.get<T>(...a),
    getMany: <T>(...a: Args<'getMany'>) => inner.getMany<T>(...a),
    find: <T>(...a: Args<'find'>) => inner.find<T>(...a),
    count: (...a: Args<'count'>) => inner.count(...a),
    ensureIndexes: (...a: Args<'ensureIndexes'>) => inner.ensureIndexes(...a),
    settleIndexes: () => inner.settleIndexes(),
    explain: (...a: Args<'explain'>) => inner.explain(...a),
    applyBatch: (...a: Args<'applyBatch'>) => inner.applyBatch(...a),
    checkpoint: (...a: Args<'checkpoint'>) => inner.checkpoint(...a),
    reset: (...a: Args<'reset'>) => inner.reset(...a),
    claimFence: (...a: Args<'claimFence'>) => inner.claimFence(...a),
    close: () => inner.close(),
  };
  return { ...delegate, ...overrides };
}
