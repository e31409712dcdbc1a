import type Database from 'better-sqlite3';

interface Pending {
  /** Runs inside the group's transaction, in a savepoint of its own. */
  readonly write: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown };

/**
 * Group commit on one better-sqlite3 connection. With synchronous=FULL every commit waits for an fsync
 * of the WAL (about 3 ms on this machine's disk), and better-sqlite3 waits on the event loop's thread:
 * one transaction per write caps a process at a few hundred writes a second however cheap each write
 * is, and stalls every request meanwhile. Writes asked for while the event loop was busy are run
 * together in one BEGIN IMMEDIATE transaction: one commit, one fsync. Each runs in a savepoint of its
 * own, so one that throws (a refused expected revision, a duplicate id) is rolled back alone and only
 * its caller sees the error. Nobody is answered before the commit, so an answered write is exactly as
 * durable as one committed alone; a write alone in its turn waits one setImmediate.
 */
export class SqliteGroupCommit {
  private pending: Pending[] = [];
  private readonly group: (batch: readonly Pending[]) => Outcome[];

  constructor(
    private readonly db: Database.Database,
    /** Called after each commit, before the writers are answered (e.g. to wake readers). */
    private readonly afterCommit: () => void = () => {},
  ) {
    const savepointed = db.transaction((write: () => unknown) => write());
    const group = db.transaction((batch: readonly Pending[]): Outcome[] =>
      batch.map((p) => {
        try {
          return { ok: true, value: savepointed(p.write) };
        } catch (error) {
          // An error that ended the transaction itself (I/O, a full disk) fails the whole group: nothing
          // of it was committed.
          if (!db.inTransaction) throw error;
          return { ok: false, error };
        }
      }),
    );
    this.group = (batch) => group.immediate(batch);
  }

  /** `write` runs synchronously inside the next group's transaction; its result once that committed. */
  run<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ write, resolve: resolve as (value: unknown) => void, reject });
      if (this.pending.length === 1) setImmediate(() => this.commit());
    });
  }

  /** Commits what is waiting now (before the connection closes). */
  commit(): void {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      if (!this.db.open) throw new Error('the database is closed');
      outcomes = this.group(batch);
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    this.afterCommit();
    outcomes.forEach((outcome, i) => {
      if (outcome.ok) batch[i]!.resolve(outcome.value);
      else batch[i]!.reject(outcome.error);
    });
  }
}
