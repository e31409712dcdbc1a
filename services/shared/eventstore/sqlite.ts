import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteGroupCommit } from '../sqlite-group-commit';
import { canonicalJson, hashCanonicalContent } from './hash';
import { checkExpected, retryMatchesExpected } from './memory';
import {
  type AppendOptions,
  type AppendResult,
  DuplicateEventIdError,
  type EventFilter,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamAppend,
  type SubscribeOptions,
  type Subscription,
} from './types';

export interface SqliteEventStoreOptions {
  /** The database file; created with its directory when absent. */
  readonly file: string;
  /**
   * How often a waiting subscriber checks whether another process committed (PRAGMA data_version,
   * a read of a counter in shared memory). Appends in this process wake subscribers at once. Default 5.
   */
  readonly pollIntervalMs?: number;
  /** How long an append waits for another process's write lock before failing. Default 10 s. */
  readonly busyTimeoutMs?: number;
  /**
   * `full` (the default, see the class comment) or `normal`, which keeps the store consistent but may
   * lose the last commits on power loss. `normal` exists to measure the store's own CPU cost apart
   * from fsync, and for throwaway data; never for the complaints of record.
   */
  readonly durability?: 'full' | 'normal';
  /**
   * SQLite's page cache for this connection, in MB (SQLite's default is 2). A bulk writer (the
   * importer) gives it room for a batch's dirty index pages, which would otherwise spill and be written
   * to the WAL more than once per commit; other processes keep the default.
   */
  readonly cacheMb?: number;
}

interface EventRow {
  position: number;
  id: string;
  stream_id: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recorded_at: string;
  hash: string;
  previous_hash: string;
}

/** The table and indexes; exported so benchmarks can compare against raw inserts into the same table. */
export const SQLITE_EVENTS_SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    -- The rowid: appends are serialised by the write lock, so max + 1 is handed out in commit order
    -- and a reader polling position > checkpoint can never miss a row that commits later.
    position      INTEGER PRIMARY KEY,
    id            TEXT    NOT NULL UNIQUE,
    stream_id     TEXT    NOT NULL,
    revision      INTEGER NOT NULL,
    type          TEXT    NOT NULL,
    data          TEXT    NOT NULL,
    metadata      TEXT    NOT NULL,
    recorded_at   TEXT    NOT NULL,
    hash          TEXT    NOT NULL,
    previous_hash TEXT    NOT NULL
  );
  CREATE UNIQUE INDEX IF NOT EXISTS events_stream_revision ON events (stream_id, revision);
  CREATE INDEX IF NOT EXISTS events_type_position ON events (type, position);
`;

/** Above any stream id that does not itself contain U+10FFFF, which is a noncharacter. */
const PREFIX_CEILING = '\u{10FFFF}';

/**
 * The embedded default: every event of every subgraph in one SQLite file, shared by several OS
 * processes (the subgraphs run as separate processes).
 *
 * - WAL lets readers and subscribers in every process read while one process writes.
 * - Appends run in BEGIN IMMEDIATE transactions: the write lock is taken before the stream's head is
 *   read, so the expected-revision check, the hash of the previous event and the insert all see the
 *   same state, and a competing writer waits (busy_timeout) instead of failing on lock upgrade.
 * - synchronous=FULL: in WAL mode NORMAL survives an application crash but may lose the last commits
 *   on power loss or an OS crash, after the caller was told they were stored. A complaint that was
 *   given a tracking number must still exist after a power cut, so each commit syncs the WAL (one
 *   fsync of the log per append, not of the database file).
 */
export class SqliteEventStore implements EventStore {
  readonly reportsProgress = true;
  private readonly db: Database.Database;
  private readonly pollIntervalMs: number;
  private readonly waiters = new Set<Waiter>();
  private readonly subscriptions = new Set<() => void>();
  private poller: NodeJS.Timeout | undefined;
  private closed = false;

  private readonly selectById: Database.Statement<[string], EventRow>;
  private readonly selectHead: Database.Statement<[string], { revision: number; hash: string }>;
  private readonly selectBatch: Database.Statement<[string, number, number], EventRow>;
  private readonly insert: Database.Statement<
    [string, string, number, string, string, string, string, string, string]
  >;
  private readonly selectForwards: Database.Statement<[string, number, number], EventRow>;
  private readonly selectBackwards: Database.Statement<[string, number, number], EventRow>;
  private readonly selectHeadPosition: Database.Statement<[], number>;
  private readonly selectStreamRevision: Database.Statement<[string], number | null>;
  private readonly dataVersion: Database.Statement<[], number>;
  private readonly filteredReads = new Map<string, Database.Statement<unknown[], EventRow>>();
  private readonly groupCommit: SqliteGroupCommit;

  constructor(options: SqliteEventStoreOptions) {
    fs.mkdirSync(path.dirname(path.resolve(options.file)), { recursive: true });
    this.pollIntervalMs = options.pollIntervalMs ?? 5;
    this.db = new Database(options.file, { timeout: options.busyTimeoutMs ?? 10_000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.durability === 'normal' ? 'NORMAL' : 'FULL'}`);
    if (options.cacheMb !== undefined) this.db.pragma(`cache_size = ${-Math.round(options.cacheMb * 1024)}`);
    this.db.transaction(() => this.db.exec(SQLITE_EVENTS_SCHEMA)).immediate();

    this.selectById = this.db.prepare('SELECT * FROM events WHERE id = ?');
    this.selectHead = this.db.prepare(
      'SELECT revision, hash FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1',
    );
    this.selectBatch = this.db.prepare(
      'SELECT * FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?',
    );
    this.insert = this.db.prepare(
      `INSERT INTO events (id, stream_id, revision, type, data, metadata, recorded_at, hash, previous_hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.selectForwards = this.db.prepare(
      'SELECT * FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision ASC LIMIT ?',
    );
    this.selectBackwards = this.db.prepare(
      'SELECT * FROM events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?',
    );
    this.selectHeadPosition = this.db
      .prepare<[], number>('SELECT coalesce(max(position), 0) FROM events')
      .pluck();
    this.selectStreamRevision = this.db
      .prepare<[string], number | null>('SELECT max(revision) FROM events WHERE stream_id = ?')
      .pluck();
    this.dataVersion = this.db.prepare<[], number>('PRAGMA data_version').pluck();

    // Every append runs inside a group commit's transaction, in a savepoint of its own: a throw
    // anywhere in it rolls that append back whole and nothing else.
    this.groupCommit = new SqliteGroupCommit(this.db, () => this.wakeWaiters());
  }

  private appendManyInTransaction(appends: readonly StreamAppend[]): AppendResult[] {
    if (new Set(appends.map((a) => a.streamId)).size !== appends.length) {
      throw new TypeError('appendMany takes each stream once');
    }
    // Everything is checked before the first insert; a throw anywhere rolls the whole batch back. A
    // stored first id is refused here (appendMany takes no retries); any other stored id fails its
    // insert on the unique index, so each event costs one index lookup, not two.
    const checked = appends.map((a) => {
      if (a.events.length === 0) throw new TypeError('append needs at least one event');
      const ids = a.events.map((e) => e.id ?? randomUUID());
      if (this.selectById.get(ids[0]!)) throw new DuplicateEventIdError(a.streamId, ids[0]!);
      const head = this.selectHead.get(a.streamId);
      checkExpected(a.streamId, a.expectedRevision ?? 'any', head?.revision);
      return { streamId: a.streamId, events: a.events, ids, head };
    });
    // One append, one instant: what dumas knew "as recorded" never holds half of a batch.
    const recordedAt = new Date().toISOString();
    return checked.map((a) => this.insertChecked(a.streamId, a.events, a.ids, a.head, recordedAt));
  }

  async append(
    streamId: string,
    events: readonly NewEvent[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    this.assertOpen();
    if (events.length === 0) throw new TypeError('append needs at least one event');
    const expected = options.expectedRevision ?? 'any';
    return this.groupCommit.run(() => this.appendInTransaction(streamId, events, expected));
  }

  async appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    this.assertOpen();
    return this.groupCommit.run(() => this.appendManyInTransaction(appends));
  }

  private appendInTransaction(
    streamId: string,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
  ): AppendResult {
    const ids = events.map((e) => e.id ?? randomUUID());
    const seen = new Set<string>();
    for (const id of ids) {
      if (seen.has(id)) throw new DuplicateEventIdError(streamId, id);
      seen.add(id);
    }
    // A retry after a lost reply repeats the whole batch, so looking up its first id is enough to
    // recognise it; any other stored id makes the insert below fail on the unique index.
    const stored = this.selectById.get(ids[0]!);
    if (stored) return this.retryResult(streamId, ids, expected, stored);

    const head = this.selectHead.get(streamId);
    checkExpected(streamId, expected, head?.revision);
    return this.insertChecked(streamId, events, ids, head);
  }

  /** Hashes and inserts events after the stream's head was read and its expected revision checked. */
  private insertChecked(
    streamId: string,
    events: readonly NewEvent[],
    ids: readonly string[],
    head: { revision: number; hash: string } | undefined,
    recordedAt = new Date().toISOString(),
  ): AppendResult {
    let previousHash = head ? head.hash : '';
    let revision = head ? head.revision : -1;
    let position = 0;
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      revision++;
      const data = canonicalJson(event.data);
      const metadata = canonicalJson(event.metadata);
      const hash = hashCanonicalContent(
        previousHash,
        streamId,
        revision,
        ids[i]!,
        event.type,
        data,
        metadata,
      );
      try {
        const info = this.insert.run(
          ids[i]!,
          streamId,
          revision,
          event.type,
          data,
          metadata,
          recordedAt,
          hash,
          previousHash,
        );
        position = Number(info.lastInsertRowid);
      } catch (err) {
        if (isEventIdViolation(err)) throw new DuplicateEventIdError(streamId, ids[i]!);
        throw err;
      }
      previousHash = hash;
    }
    return { nextExpectedRevision: revision, position };
  }

  private retryResult(streamId: string, ids: readonly string[], expected: ExpectedRevision, first: EventRow) {
    const rows =
      first.stream_id === streamId ? this.selectBatch.all(streamId, first.revision, ids.length) : [];
    const same =
      rows.length === ids.length &&
      rows.every((row, i) => row.id === ids[i]) &&
      retryMatchesExpected(expected, first.revision);
    if (!same) throw new DuplicateEventIdError(streamId, ids[0]!);
    const last = rows[rows.length - 1]!;
    return { nextExpectedRevision: last.revision, position: last.position, alreadyStored: true as const };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const limit = options.maxCount ?? -1;
    const rows =
      options.direction === 'backwards'
        ? this.selectBackwards.all(streamId, options.fromRevision ?? Number.MAX_SAFE_INTEGER, limit)
        : this.selectForwards.all(streamId, options.fromRevision ?? 0, limit);
    return rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.readAfter(
      options.fromPosition ?? 0,
      options.maxCount ?? -1,
      options.filter,
      Number.MAX_SAFE_INTEGER,
    );
  }

  /** Events with fromPosition < position <= upTo matching the filter, in global order. */
  private readAfter(
    fromPosition: number,
    limit: number,
    filter: EventFilter | undefined,
    upTo: number,
  ): RecordedEvent[] {
    const prefixes = filter?.streamPrefixes;
    const types = filter?.eventTypes;
    if (prefixes?.length === 0 || types?.length === 0) return [];
    const statement = this.filteredRead(prefixes?.length ?? 0, types?.length ?? 0);
    const params: unknown[] = [fromPosition, upTo];
    for (const p of prefixes ?? []) params.push(p, p + PREFIX_CEILING, p.length, p);
    for (const t of types ?? []) params.push(t);
    params.push(limit);
    return statement.all(...params).map(toRecorded);
  }

  /**
   * One prepared statement per filter shape. A prefix becomes a range on stream_id (which the
   * (stream_id, revision) index can serve) plus an exact substr check, so '%' and '_' mean themselves;
   * event types use the (type, position) index.
   */
  private filteredRead(prefixCount: number, typeCount: number): Database.Statement<unknown[], EventRow> {
    const key = `${prefixCount}:${typeCount}`;
    let statement = this.filteredReads.get(key);
    if (!statement) {
      const where = ['position > ?', 'position <= ?'];
      if (prefixCount) {
        const one = '(stream_id >= ? AND stream_id < ? AND substr(stream_id, 1, ?) = ?)';
        where.push(`(${Array.from({ length: prefixCount }, () => one).join(' OR ')})`);
      }
      if (typeCount) where.push(`type IN (${Array.from({ length: typeCount }, () => '?').join(', ')})`);
      statement = this.db.prepare(
        `SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY position LIMIT ?`,
      );
      this.filteredReads.set(key, statement);
    }
    return statement;
  }

  subscribe(options: SubscribeOptions = {}): Subscription {
    const batchSize = options.batchSize ?? 500;
    const filter = options.filter;
    let closed = options.signal?.aborted ?? false;
    let waiter: Waiter | undefined;
    const stop = () => {
      closed = true;
      if (waiter) {
        this.waiters.delete(waiter);
        waiter.wake();
      }
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    this.subscriptions.add(stop);
    const self = this;

    async function* run(): AsyncGenerator<RecordedEvent> {
      let checkpoint = options.from ?? 0;
      try {
        while (!closed && !self.closed) {
          // Sampled before reading: any commit by another process after this point changes it, so a
          // wait that starts after an empty read cannot miss that commit.
          const version = self.dataVersion.get()!;
          const { events, scannedTo } = self.readBatch(checkpoint, batchSize, filter);
          if (events.length === 0) {
            checkpoint = Math.max(checkpoint, scannedTo);
            options.onProgress?.(checkpoint);
            await new Promise<void>((resolve) => {
              waiter = { version, wake: resolve };
              self.waiters.add(waiter);
              self.startPolling();
            });
            waiter = undefined;
            continue;
          }
          // Back-pressure: the next batch is read only once the consumer has pulled all of this one.
          for (const event of events) {
            if (closed || self.closed) return;
            checkpoint = event.position;
            yield event;
          }
          if (events.length < batchSize) checkpoint = Math.max(checkpoint, scannedTo);
        }
      } finally {
        self.subscriptions.delete(stop);
        options.signal?.removeEventListener('abort', stop);
      }
    }

    const iterator = run();
    return {
      [Symbol.asyncIterator]: () => iterator,
      close: async () => stop(),
    };
  }

  /**
   * A batch after the checkpoint, and the head position it was read against: with a filter, the
   * events in between that did not match need not be scanned again.
   */
  private readBatch(checkpoint: number, batchSize: number, filter: EventFilter | undefined) {
    if (!filter) {
      const events = this.readAfter(checkpoint, batchSize, undefined, Number.MAX_SAFE_INTEGER);
      return { events, scannedTo: events.length ? events[events.length - 1]!.position : checkpoint };
    }
    return this.readSnapshot(checkpoint, batchSize, filter);
  }

  private readonly readSnapshot = (() => {
    let tx: Database.Transaction<
      (c: number, b: number, f: EventFilter) => { events: RecordedEvent[]; scannedTo: number }
    >;
    return (checkpoint: number, batchSize: number, filter: EventFilter) => {
      tx ??= this.db.transaction((c: number, b: number, f: EventFilter) => {
        const head = this.selectHeadPosition.get()!;
        return { events: this.readAfter(c, b, f, head), scannedTo: head };
      });
      return tx.deferred(checkpoint, batchSize, filter);
    };
  })();

  async headPosition(): Promise<number> {
    this.assertOpen();
    return this.selectHeadPosition.get()!;
  }

  async streamRevision(streamId: string): Promise<number | undefined> {
    this.assertOpen();
    return this.selectStreamRevision.get(streamId) ?? undefined;
  }

  async streamRevisions(streamIds: readonly string[]): Promise<Map<string, number>> {
    this.assertOpen();
    // In-process point reads on the (stream_id, revision) index: one statement, no round trips to save.
    const revisions = new Map<string, number>();
    for (const streamId of streamIds) {
      const revision = this.selectStreamRevision.get(streamId);
      if (revision !== null && revision !== undefined) revisions.set(streamId, revision);
    }
    return revisions;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // What was asked for before close is written (or refused) before the file closes.
    this.groupCommit.commit();
    this.closed = true;
    for (const stop of [...this.subscriptions]) stop();
    this.wakeWaiters();
    this.stopPolling();
    this.db.close();
  }

  private wakeWaiters(): void {
    if (this.waiters.size === 0) return;
    const waiting = [...this.waiters];
    this.waiters.clear();
    this.stopPolling();
    for (const w of waiting) w.wake();
  }

  private startPolling(): void {
    if (this.poller || this.closed) return;
    this.poller = setInterval(() => {
      if (this.closed || this.waiters.size === 0) return this.stopPolling();
      const version = this.dataVersion.get()!;
      for (const w of [...this.waiters]) {
        if (w.version !== version) {
          this.waiters.delete(w);
          w.wake();
        }
      }
      if (this.waiters.size === 0) this.stopPolling();
    }, this.pollIntervalMs);
  }

  private stopPolling(): void {
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the event store is closed');
  }
}

interface Waiter {
  readonly version: number;
  readonly wake: () => void;
}

/** For another process (or a test) to open the same store by module path and export name. */
export async function openSqliteEventStore(options: SqliteEventStoreOptions): Promise<SqliteEventStore> {
  return new SqliteEventStore(options);
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.id,
    streamId: row.stream_id,
    revision: row.revision,
    position: row.position,
    type: row.type,
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata),
    recordedAt: row.recorded_at,
    hash: row.hash,
    previousHash: row.previous_hash,
  };
}

// Duck-typed, not `instanceof Error`: the native addon keeps the SqliteError class of the first realm
// that loaded it, so under a test runner's per-file module registry (or any vm context) the error is not
// an instance of this realm's Error.
function isEventIdViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  return code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof message === 'string' && message.includes('events.id');
}
