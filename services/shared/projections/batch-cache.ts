import { assertName } from './query';
import type { ReadModelTx } from './types';

/**
 * The documents one applyBatch touches, kept in memory until the batch commits. A rebuild applies many
 * events to the same few documents per batch (a case's whole history lands on one view), so each document
 * is read from the store at most once per batch and written at most once, at commit, with the checkpoint.
 */
type Entry =
  /** Read from the store and not changed: keep the stored text and parse it per get, so a caller that
   *  mutates what it read without putting it back cannot change what later gets see. */
  | { readonly state: 'clean'; readonly stored: string | undefined }
  | { readonly state: 'put'; readonly doc: unknown }
  | { readonly state: 'deleted' };

export interface DirtyDocument {
  readonly collection: string;
  readonly id: string;
  readonly key: string;
  /** undefined: delete it. */
  readonly doc: unknown;
}

export class BatchCache {
  private readonly entries = new Map<string, Entry & { readonly collection: string; readonly id: string }>();
  private closed = false;
  readonly tx: ReadModelTx;

  /** `load` returns the stored JSON text of a document, or undefined; `key` identifies it in this batch. */
  constructor(
    load: (collection: string, id: string, key: string) => string | undefined | Promise<string | undefined>,
  ) {
    this.tx = {
      get: async <T>(collection: string, id: string): Promise<T | undefined> => {
        this.assertOpen();
        const key = keyOf(collection, id);
        let entry = this.entries.get(key);
        if (!entry) {
          entry = { state: 'clean', stored: await load(collection, id, key), collection, id };
          // Another get of the same key may have raced through the await; the first one wins.
          const raced = this.entries.get(key);
          if (raced) entry = raced;
          else this.entries.set(key, entry);
        }
        switch (entry.state) {
          case 'clean':
            return entry.stored === undefined ? undefined : (JSON.parse(entry.stored) as T);
          case 'put':
            return entry.doc as T;
          case 'deleted':
            return undefined;
        }
      },
      put: async <T>(collection: string, id: string, doc: T): Promise<void> => {
        this.assertOpen();
        if (doc === undefined || doc === null)
          throw new Error(`put ${collection}: a document cannot be empty`);
        this.entries.set(keyOf(collection, id), { state: 'put', doc, collection, id });
      },
      delete: async (collection: string, id: string): Promise<void> => {
        this.assertOpen();
        this.entries.set(keyOf(collection, id), { state: 'deleted', collection, id });
      },
    };
  }

  /** Ends the batch: later use of its tx is a bug in the projection (it kept the tx past its apply). */
  close(): DirtyDocument[] {
    this.closed = true;
    const dirty: DirtyDocument[] = [];
    for (const [key, entry] of this.entries) {
      if (entry.state === 'put')
        dirty.push({ collection: entry.collection, id: entry.id, key, doc: entry.doc });
      else if (entry.state === 'deleted')
        dirty.push({ collection: entry.collection, id: entry.id, key, doc: undefined });
    }
    this.entries.clear();
    return dirty;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('this read-model transaction has already committed or rolled back');
  }
}

export function keyOf(collection: string, id: string): string {
  assertName('a collection', collection);
  if (typeof id !== 'string' || id.length === 0)
    throw new Error(`${collection}: a document id must be a non-empty string`);
  return `${collection}\u0000${id}`;
}
