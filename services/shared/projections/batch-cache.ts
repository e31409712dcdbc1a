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
  | { readonly state: 'put'; readonly doc: unknown; readonly original: Original }
  | { readonly state: 'deleted'; readonly original: Original };

/** What the store held before this batch, when the batch read it: a write of the same text is skipped. */
type Original = { readonly read: true; readonly stored: string | undefined } | { readonly read: false };
const UNREAD: Original = { read: false };

/** A document the batch changed, as the store writes it. */
export interface DocumentWrite {
  readonly collection: string;
  readonly id: string;
  readonly key: string;
  /** The document's JSON text; undefined: delete it. */
  readonly text: string | undefined;
}

export class BatchCache {
  private readonly entries = new Map<string, Entry & { readonly collection: string; readonly id: string }>();
  private closed = false;
  readonly tx: ReadModelTx;

  /** `load` returns the stored JSON text of a document, or undefined; `key` identifies it in this batch. */
  constructor(
    load: (collection: string, id: string, key: string) => string | undefined | Promise<string | undefined>,
  ) {
    // Plain functions returning settled promises rather than async ones: a rebuild calls these a few times
    // per event, millions of times, and the fast path (the document is already in this batch) stays cheap.
    const read = <T>(entry: Entry): T | undefined => {
      switch (entry.state) {
        case 'clean':
          return entry.stored === undefined ? undefined : (JSON.parse(entry.stored) as T);
        case 'put':
          return entry.doc as T;
        case 'deleted':
          return undefined;
      }
    };
    const remember = (key: string, collection: string, id: string, stored: string | undefined): Entry => {
      // Another get of the same key may have raced through an asynchronous load; the first one wins.
      const raced = this.entries.get(key);
      if (raced) return raced;
      const entry = { state: 'clean', stored, collection, id } as const;
      this.entries.set(key, entry);
      return entry;
    };
    this.tx = {
      get: <T>(collection: string, id: string): Promise<T | undefined> => {
        try {
          this.assertOpen();
          const key = keyOf(collection, id);
          const entry = this.entries.get(key);
          if (entry) return Promise.resolve(read<T>(entry));
          const stored = load(collection, id, key);
          if (typeof stored === 'object') {
            return stored.then((text) => read<T>(remember(key, collection, id, text)));
          }
          return Promise.resolve(read<T>(remember(key, collection, id, stored)));
        } catch (error) {
          return Promise.reject(error);
        }
      },
      put: <T>(collection: string, id: string, doc: T): Promise<void> => {
        try {
          this.assertOpen();
          if (doc === undefined || doc === null)
            throw new Error(`put ${collection}: a document cannot be empty`);
          const key = keyOf(collection, id);
          this.entries.set(key, { state: 'put', doc, collection, id, original: this.originalOf(key) });
          return Promise.resolve();
        } catch (error) {
          return Promise.reject(error);
        }
      },
      delete: (collection: string, id: string): Promise<void> => {
        try {
          this.assertOpen();
          const key = keyOf(collection, id);
          this.entries.set(key, { state: 'deleted', collection, id, original: this.originalOf(key) });
          return Promise.resolve();
        } catch (error) {
          return Promise.reject(error);
        }
      },
    };
  }

  /**
   * Ends the batch (later use of its tx is a bug in the projection: it kept the tx past its apply) and
   * gives its writes. A document put back as it was read, or deleted where there was none, is left out:
   * rewriting it would only touch its index entries (and search trigrams) for nothing.
   */
  close(): DocumentWrite[] {
    const writes: DocumentWrite[] = [];
    for (const [key, entry] of this.entries) {
      if (entry.state === 'clean') continue;
      const text = entry.state === 'put' ? JSON.stringify(entry.doc) : undefined;
      if (entry.original.read && entry.original.stored === text) continue;
      writes.push({ collection: entry.collection, id: entry.id, key, text });
    }
    this.abandon();
    return writes;
  }

  /** Ends the batch without writing anything (its apply failed). */
  abandon(): void {
    this.closed = true;
    this.entries.clear();
  }

  private originalOf(key: string): Original {
    const before = this.entries.get(key);
    if (!before) return UNREAD;
    return before.state === 'clean' ? { read: true, stored: before.stored } : before.original;
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
