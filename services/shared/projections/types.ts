import type { EventFilter, RecordedEvent } from '../eventstore/types';

/**
 * Read models are JSON documents in named collections, kept by each subgraph in its own store (its own
 * SQLite file by default, its own PostgreSQL schema when configured). A projection is a pure function of
 * (read model, event): it reads and writes documents through the transaction it is given and nothing else.
 */
export interface ReadModelTx {
  get<T>(collection: string, id: string): Promise<T | undefined>;
  put<T>(collection: string, id: string, doc: T): Promise<void>;
  delete(collection: string, id: string): Promise<void>;
}

export interface Projection {
  /** The checkpoint's key. */
  readonly name: string;
  /** Bump when `apply` changes meaning: the runner then rebuilds the projection from zero on start. */
  readonly version: number;
  /** The collections this projection owns (cleared on rebuild). */
  readonly collections: readonly string[];
  /** Only these events reach `apply` (the checkpoint still advances past the others). */
  readonly filter?: EventFilter;
  apply(event: RecordedEvent, tx: ReadModelTx): Promise<void> | void;
  /** The indexes its queries need (ReadModelStore.ensureIndexes, called by the runner at start). */
  readonly indexes?: readonly ReadModelIndex[];
}

/** The type an indexed field always has in every document of its collection. */
export type IndexedType = 'text' | 'number' | 'boolean';

/**
 * An index over scalar fields of one collection's documents: typed expression indexes on SQLite and
 * PostgreSQL, so that a filter or sort on these fields reads the index instead of parsing every document.
 * Declaring a field typed is the projection's promise that every document of the collection has it, of
 * that type, never null: queries on typed fields then compare the plain values (which is what lets the
 * planner use the index) and would not see a document that broke the promise the same way.
 */
export interface ReadModelIndex {
  readonly collection: string;
  /** Unique within the collection; the database index is named rm_<collection>_<name>. */
  readonly name: string;
  readonly fields: readonly { readonly path: string; readonly type: IndexedType }[];
  /**
   * `search`: a trigram index over these string fields (which may be missing or null, unlike an ordered
   * index's) for `DocQuery.text`: FTS5 with the trigram tokenizer on SQLite, pg_trgm's GIN on PostgreSQL.
   * It narrows a text search of three characters or more to the documents holding the needle's trigrams;
   * the substring test then decides, so the answer is the same with or without it.
   */
  readonly kind?: 'ordered' | 'search';
}

/** A condition on a document field, addressed by a dotted path ("status", "complainant.erased"). */
export type FieldCondition =
  | string
  | number
  | boolean
  | null
  | { readonly in: readonly (string | number)[] }
  | {
      readonly gte?: string | number;
      readonly lte?: string | number;
      readonly gt?: string | number;
      readonly lt?: string | number;
    }
  /** Array field contains the value. */
  | { readonly contains: string | number }
  /** Case-insensitive substring on a string field. */
  | { readonly like: string };

export interface DocQuery {
  readonly where?: Readonly<Record<string, FieldCondition>>;
  /** Case-insensitive substring match over any of these string fields. */
  readonly text?: { readonly fields: readonly string[]; readonly value: string };
  readonly orderBy?: readonly { readonly path: string; readonly direction?: 'asc' | 'desc' }[];
  readonly limit?: number;
  readonly offset?: number;
  /**
   * Keyset paging: only documents strictly after this one in `orderBy` order, given as its values of the
   * orderBy paths (which must all be typed by an index, in one direction, the last one unique). Costs
   * what the page costs, where an offset costs every document before it.
   */
  readonly after?: readonly (string | number | boolean)[];
}

export interface ReadModelStore {
  get<T>(collection: string, id: string): Promise<T | undefined>;
  /**
   * Several documents by id in one query (a batch of `_entities` representations), in the order of `ids`,
   * undefined where there is none.
   */
  getMany<T>(collection: string, ids: readonly string[]): Promise<(T | undefined)[]>;
  find<T>(collection: string, query?: DocQuery): Promise<T[]>;
  count(
    collection: string,
    query?: Omit<DocQuery, 'orderBy' | 'limit' | 'offset' | 'after'>,
  ): Promise<number>;
  /**
   * Creates the indexes that do not exist yet (idempotent; several processes may call it at once). A
   * store may defer those of an empty collection, which is about to be built, until the collection is
   * first read or `settleIndexes` is called.
   */
  ensureIndexes(indexes: readonly ReadModelIndex[]): Promise<void>;
  /** Makes the indexes `ensureIndexes` deferred (the projections have caught up with the log). */
  settleIndexes(): Promise<void>;
  /** The database's plan for `find(collection, query)`, as text: tests check an index is used. */
  explain(collection: string, query?: DocQuery): Promise<string>;
  /**
   * Runs `fn` in one transaction and stores the projection's checkpoint in that same transaction, so a
   * crash at any point neither loses nor doubles an effect.
   */
  applyBatch(
    projection: string,
    position: number,
    fn: (tx: ReadModelTx) => Promise<void>,
    options?: WriteOptions,
  ): Promise<void>;
  /** 0 when the projection has never run. */
  checkpoint(projection: string): Promise<{ position: number; version: number }>;
  /** Deletes the collections' documents and resets the checkpoint to 0 with the given version. */
  reset(
    projection: string,
    version: number,
    collections: readonly string[],
    options?: WriteOptions,
  ): Promise<void>;
  /**
   * Records `fence` as the newest token of its lease, in its own transaction: from then on a write
   * carrying an older token is refused. Throws StaleFenceError when a newer token was recorded already.
   */
  claimFence(fence: WriteFence): Promise<void>;
  close(): Promise<void>;
}

/**
 * A lease's fencing token carried by a write (see services/shared/leases.ts). The store keeps the
 * newest token per lease and, in the same transaction as the write, refuses one that is older: a
 * replica that lost its lease (stalled past its time to live, cut off from the database) cannot write
 * work its successor is doing.
 */
export interface WriteFence {
  readonly lease: string;
  readonly token: number;
}

export interface WriteOptions {
  readonly fence?: WriteFence;
}

/** A write carried a fencing token older than the newest one its store has seen: its lease was lost. */
export class StaleFenceError extends Error {
  readonly code = 'STALE_FENCE';
  constructor(
    readonly lease: string,
    readonly token: number,
    readonly newest: number,
  ) {
    super(`lease ${lease} was taken over (fence ${newest}); this holder's fence ${token} may not write`);
    this.name = 'StaleFenceError';
  }
}

export type ProjectedEvent = RecordedEvent;
