import { randomUUID } from 'node:crypto';
import { Client, type ClientBase, Pool, type PoolClient } from 'pg';
import { createOnce } from '../postgres-ddl';
import { canonicalJson, hashCanonicalContent } from './hash';
import { checkExpected, retryMatchesExpected } from './memory';
import {
  type AppendOptions,
  type AppendResult,
  DuplicateEventIdError,
  type EventFilter,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamAppend,
  type SubscribeOptions,
  type Subscription,
  WrongExpectedRevisionError,
} from './types';

export interface PostgresEventStoreOptions {
  /** postgresql://user:password@host:port/database */
  readonly url: string;
  /** The schema that holds the store's tables (created when absent). Default `dumas_events`. */
  readonly schema?: string;
  /** Connections in the pool. Default 10. */
  readonly maxConnections?: number;
  /**
   * How often a waiting subscription looks for new events even without a notification: the safety net
   * for a notification lost while the listening connection was down. Default 2000 ms.
   */
  readonly safetyPollMs?: number;
}

const DEFAULT_SCHEMA = 'dumas_events';
const DEFAULT_BATCH = 500;

/** `(await import(module)).openPostgresEventStore(args)`: how another process opens the same store. */
export function openPostgresEventStore(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
  return PostgresEventStore.connect(options);
}

/**
 * The event store in PostgreSQL.
 *
 * Tables (in their own schema): `events`, one row per event, with the global position from an identity
 * column, unique (stream_id, revision) and unique event_id; and `streams`, one row per stream holding its
 * last revision and last hash. The streams row is the stream's lock: an append takes it FOR UPDATE, so
 * of several appenders expecting the same revision exactly one wins and the others see the new revision.
 *
 * Global order. Positions come from a sequence, which hands out numbers when a transaction inserts, not
 * when it commits: with free concurrency a transaction holding position 5 can commit before one holding
 * 4, and a reader that has already passed 5 never sees 4. Two fixes were weighed:
 * - a transaction-id watermark (record pg_current_xact_id() per event, deliver only events whose xid is
 *   below the oldest running xid). On its own it does not protect a position checkpoint: xids are
 *   assigned at a transaction's first write and positions at its insert, in no common order, so T1 (xid
 *   100) can take position 5 after T2 (xid 101) took 4, commit first, pass the watermark (101 still
 *   running) and be delivered before 4 exists. It would also need readers to order by (xid, position),
 *   stall every subscriber behind any long write transaction in the cluster, and break read-your-writes
 *   for `readAll` right after an append.
 * - one transaction-scoped advisory lock per store, taken just before the events are inserted and held
 *   to commit. PostgreSQL makes a committed transaction visible before it releases its locks, so the
 *   next appender takes its positions only after the previous one is visible (or rolled back): every
 *   position at or below a visible one is final, and `position > checkpoint` misses nothing.
 * We take the lock. Only the tail of an append is serialised (insert, stream update, commit): reading
 * the stream head, checking the expected revision, the retry check and hashing run concurrently. dumas
 * appends in the order of a hundred complaints a day plus bulk imports in batches, far below what one
 * serialised commit path carries (test/postgres/append.bench.ts prints the figures). The proof is
 * test/postgres/event-store.test.ts: with this lock removed, its subscribers miss events within seconds.
 *
 * Subscribers wait on LISTEN/NOTIFY (the append notifies inside its transaction, so the notification is
 * sent only on commit) with a slow safety poll behind it.
 */
export class PostgresEventStore implements EventStore {
  readonly reportsProgress = true;
  private readonly listener: Listener;
  /** The store's tables, schema-qualified. */
  private readonly t: { readonly events: string; readonly streams: string };
  private readonly subscriptions = new Set<() => void>();
  private closed = false;

  private constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly options: PostgresEventStoreOptions,
  ) {
    this.listener = new Listener(options.url, channelOf(schema));
    this.t = { events: `"${schema}".events`, streams: `"${schema}".streams` };
  }

  static async connect(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    const schema = options.schema ?? DEFAULT_SCHEMA;
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new Error(`schema must be a lower-case SQL identifier (got ${JSON.stringify(schema)})`);
    }
    const pool = new Pool({ connectionString: options.url, max: options.maxConnections ?? 10 });
    // An idle connection that the server drops must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    try {
      await createSchema(pool, schema);
    } catch (err) {
      await pool.end();
      throw err;
    }
    return new PostgresEventStore(pool, schema, options);
  }

  async append(
    streamId: string,
    events: readonly NewEvent[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    this.assertOpen();
    const expected = options.expectedRevision ?? 'any';
    if (events.length === 0) throw new TypeError('append needs at least one event');
    const ids = events.map((e) => e.id ?? randomUUID());
    const repeated = firstRepeated(ids);
    if (repeated !== undefined) throw new DuplicateEventIdError(streamId, repeated);
    const callerIds = events.some((e) => e.id !== undefined);
    // Serialise before touching the database: a value JSON cannot carry fails the whole batch up front.
    const bodies = events.map((e) => ({ data: canonicalJson(e.data), metadata: canonicalJson(e.metadata) }));

    // The first attempt assumes the ids are new, as they nearly always are. A stored id shows up as a
    // unique violation on insert (also when a concurrent append of it commits first); the next attempt
    // then looks the ids up under the stream lock and answers as a retry or a duplicate.
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.transaction((client) =>
          this.appendOnce(
            client,
            streamId,
            events,
            ids,
            bodies,
            expected,
            callerIds && attempt > 0,
            callerIds,
          ),
        );
      } catch (err) {
        if (attempt < 2 && isUniqueViolation(err, 'events_event_id_key')) continue;
        throw err;
      }
    }
  }

  private async appendOnce(
    client: PoolClient,
    streamId: string,
    events: readonly NewEvent[],
    ids: readonly string[],
    bodies: readonly { data: string; metadata: string }[],
    expected: ExpectedRevision,
    lookUpIdsFirst: boolean,
    callerIds: boolean,
  ): Promise<AppendResult> {
    const head = await this.lockStream(client, streamId);
    // Looked up under the stream lock, so an identical retry racing its original sees it committed.
    if (lookUpIdsFirst) {
      const retry = await this.findRetry(client, streamId, ids, expected);
      if (retry) return retry;
    }
    try {
      checkExpected(streamId, expected, head.revision < 0 ? undefined : head.revision);
    } catch (err) {
      // A retry whose original has moved the stream on fails the revision check: recognise it first.
      const retry =
        err instanceof WrongExpectedRevisionError && callerIds && !lookUpIdsFirst
          ? await this.findRetry(client, streamId, ids, expected)
          : undefined;
      if (retry) return retry;
      throw err;
    }
    return this.insertLocked(client, streamId, head, events, ids, bodies);
  }

  /**
   * Several streams in one transaction, in a fixed number of statements whatever their count (a bulk
   * import commits a thousand cases at once; a round trip per stream made that the whole cost): the
   * missing stream rows are created and every row is locked in stream-id order (so two batches over the
   * same streams cannot deadlock), each expected revision is checked, and then one insert takes the
   * append lock and writes every event, one update moves every head. No transaction holds the append
   * lock while waiting for a stream row.
   */
  async appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    this.assertOpen();
    if (new Set(appends.map((a) => a.streamId)).size !== appends.length) {
      throw new TypeError('appendMany takes each stream once');
    }
    const prepared = appends.map((a) => {
      if (a.events.length === 0) throw new TypeError('append needs at least one event');
      const ids = a.events.map((e) => e.id ?? randomUUID());
      const repeated = firstRepeated(ids);
      if (repeated !== undefined) throw new DuplicateEventIdError(a.streamId, repeated);
      const bodies = a.events.map((e) => ({
        data: canonicalJson(e.data),
        metadata: canonicalJson(e.metadata),
      }));
      return { ...a, ids, bodies };
    });
    const streamIds = appends.map((a) => a.streamId);
    try {
      return await this.transaction(async (client) => {
        await client.query(
          `INSERT INTO ${this.t.streams} (stream_id, revision, last_hash)
           SELECT s, -1, '' FROM unnest($1::text[]) AS s ORDER BY s
           ON CONFLICT (stream_id) DO NOTHING`,
          [streamIds],
        );
        const locked = await client.query<{ stream_id: string; revision: string; last_hash: string }>(
          `SELECT stream_id, revision, last_hash FROM ${this.t.streams}
            WHERE stream_id = ANY($1::text[]) ORDER BY stream_id FOR UPDATE`,
          [streamIds],
        );
        const heads = new Map(
          locked.rows.map((r) => [r.stream_id, { revision: Number(r.revision), lastHash: r.last_hash }]),
        );
        for (const a of prepared) {
          const head = heads.get(a.streamId)!;
          checkExpected(
            a.streamId,
            a.expectedRevision ?? 'any',
            head.revision < 0 ? undefined : head.revision,
          );
        }
        // Every event as one JSON document, its data and metadata spliced in as the canonical JSON they
        // already are: a thousand cases travel as one string, without escaping each body into an array.
        const rows: string[] = [];
        const lasts = prepared.map((a) => {
          const head = heads.get(a.streamId)!;
          let previousHash = head.lastHash;
          let revision = head.revision;
          const stream = JSON.stringify(a.streamId);
          for (let i = 0; i < a.events.length; i++) {
            revision++;
            const body = a.bodies[i]!;
            const type = a.events[i]!.type;
            const hash = hashCanonicalContent(
              previousHash,
              a.streamId,
              revision,
              a.ids[i]!,
              type,
              body.data,
              body.metadata,
            );
            rows.push(
              `{"i":${JSON.stringify(a.ids[i]!)},"s":${stream},"r":${revision},"t":${JSON.stringify(type)},"d":${body.data},"m":${body.metadata},"h":"${hash}","p":"${previousHash}"}`,
            );
            previousHash = hash;
          }
          return { revision, hash: previousHash };
        });
        // As insertLocked: the append lock is a one-time filter before the first row reaches the insert.
        const inserted = await client.query<{ stream_id: string; position: string }>(
          `WITH inserted AS (
             INSERT INTO ${this.t.events}
               (event_id, stream_id, revision, type, data, metadata, recorded_at, hash, previous_hash)
             SELECT e.i, e.s, e.r, e.t, e.d, e.m, (SELECT date_trunc('milliseconds', clock_timestamp())), e.h, e.p
               FROM ROWS FROM (json_to_recordset($1::json)
                      AS (i text, s text, r bigint, t text, d json, m json, h text, p text))
                    WITH ORDINALITY AS e(i, s, r, t, d, m, h, p, n)
              WHERE (SELECT pg_advisory_xact_lock($5, hashtext($6))) IS NOT NULL
              ORDER BY e.n
             RETURNING stream_id, position
           ), head AS (
             UPDATE ${this.t.streams} AS s SET revision = h.revision, last_hash = h.hash
               FROM unnest($2::text[], $3::bigint[], $4::text[]) AS h(stream_id, revision, hash)
              WHERE s.stream_id = h.stream_id
           )
           SELECT stream_id, max(position) AS position, (SELECT pg_notify($7, '')) IS NULL AS notified
             FROM inserted GROUP BY stream_id`,
          [
            `[${rows.join(',')}]`,
            streamIds,
            lasts.map((l) => l.revision),
            lasts.map((l) => l.hash),
            APPEND_LOCK_CLASS,
            this.schema,
            channelOf(this.schema),
          ],
        );
        const positions = new Map(inserted.rows.map((r) => [r.stream_id, Number(r.position)]));
        return prepared.map((a, i) => ({
          nextExpectedRevision: lasts[i]!.revision,
          position: positions.get(a.streamId)!,
        }));
      });
    } catch (err) {
      if (isUniqueViolation(err, 'events_event_id_key')) {
        throw new DuplicateEventIdError(appends[0]!.streamId, 'one of the batch');
      }
      throw err;
    }
  }

  /** Hashes and inserts events after a stream's head row is locked and its expected revision checked. */
  private async insertLocked(
    client: PoolClient,
    streamId: string,
    head: { revision: number; lastHash: string },
    events: readonly NewEvent[],
    ids: readonly string[],
    bodies: readonly { data: string; metadata: string }[],
  ): Promise<AppendResult> {
    let previousHash = head.lastHash;
    const rows = bodies.map((body, i) => {
      const revision = head.revision + 1 + i;
      const hash = hashCanonicalContent(
        previousHash,
        streamId,
        revision,
        ids[i]!,
        events[i]!.type,
        body.data,
        body.metadata,
      );
      const row = { revision, hash, previousHash };
      previousHash = hash;
      return row;
    });

    const last = rows[rows.length - 1]!;
    // One statement does the serialised tail (see the class comment): the append lock is a one-time
    // filter evaluated before the first row reaches the insert, so no position is drawn without it;
    // the notification is sent by PostgreSQL only if and when the transaction commits.
    const inserted = await client.query<{ position: string }>(
      `WITH inserted AS (
         INSERT INTO ${this.t.events}
           (event_id, stream_id, revision, type, data, metadata, recorded_at, hash, previous_hash)
         SELECT e.event_id, $1, e.revision, e.type, e.data::json, e.metadata::json,
                (SELECT date_trunc('milliseconds', clock_timestamp())), e.hash, e.previous_hash
           FROM unnest($2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
                WITH ORDINALITY AS e(event_id, revision, type, data, metadata, hash, previous_hash, n)
          WHERE (SELECT pg_advisory_xact_lock($11, hashtext($12))) IS NOT NULL
          ORDER BY e.n
         RETURNING position
       ), head AS (
         UPDATE ${this.t.streams} SET revision = $9, last_hash = $10 WHERE stream_id = $1
       )
       SELECT (SELECT max(position) FROM inserted) AS position, pg_notify($13, '')`,
      [
        streamId,
        ids,
        rows.map((r) => r.revision),
        events.map((e) => e.type),
        bodies.map((b) => b.data),
        bodies.map((b) => b.metadata),
        rows.map((r) => r.hash),
        rows.map((r) => r.previousHash),
        last.revision,
        last.hash,
        APPEND_LOCK_CLASS,
        this.schema,
        channelOf(this.schema),
      ],
    );
    return { nextExpectedRevision: last.revision, position: Number(inserted.rows[0]!.position) };
  }

  /** Locks the stream's head row, creating it (revision -1: no events yet) when the stream is new. */
  private async lockStream(
    client: ClientBase,
    streamId: string,
  ): Promise<{ revision: number; lastHash: string }> {
    const select = `SELECT revision, last_hash FROM ${this.t.streams} WHERE stream_id = $1 FOR UPDATE`;
    for (;;) {
      const found = await client.query<{ revision: string; last_hash: string }>(select, [streamId]);
      if (found.rows[0])
        return { revision: Number(found.rows[0].revision), lastHash: found.rows[0].last_hash };
      // Inserting takes the row lock too; a concurrent creator makes this wait, then do nothing, and
      // the next select sees (and locks) what it committed.
      const created = await client.query(
        `INSERT INTO ${this.t.streams} (stream_id, revision, last_hash) VALUES ($1, -1, '')
         ON CONFLICT (stream_id) DO NOTHING RETURNING revision`,
        [streamId],
      );
      if (created.rowCount === 1) return { revision: -1, lastHash: '' };
    }
  }

  /** Same ids, in the same stream, at the revisions the same expected revision would have given. */
  private async findRetry(
    client: ClientBase,
    streamId: string,
    ids: readonly string[],
    expected: ExpectedRevision,
  ): Promise<AppendResult | undefined> {
    const stored = await client.query<{
      event_id: string;
      stream_id: string;
      revision: string;
      position: string;
    }>(
      `SELECT event_id, stream_id, revision, position FROM ${this.t.events} WHERE event_id = ANY($1::text[])`,
      [ids],
    );
    if (stored.rows.length === 0) return undefined;
    const byId = new Map(stored.rows.map((r) => [r.event_id, r]));
    const first = byId.get(ids[0]!);
    if (!first) throw new DuplicateEventIdError(streamId, ids.find((id) => byId.has(id))!);
    const firstRevision = Number(first.revision);
    const sameBatch =
      first.stream_id === streamId &&
      ids.every((id, i) => {
        const row = byId.get(id);
        return row !== undefined && row.stream_id === streamId && Number(row.revision) === firstRevision + i;
      }) &&
      retryMatchesExpected(expected, firstRevision);
    if (!sameBatch) throw new DuplicateEventIdError(streamId, ids[0]!);
    const last = byId.get(ids[ids.length - 1]!)!;
    return {
      nextExpectedRevision: Number(last.revision),
      position: Number(last.position),
      alreadyStored: true,
    };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const backwards = options.direction === 'backwards';
    const from = options.fromRevision ?? (backwards ? null : 0);
    const result = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM ${this.t.events}
        WHERE stream_id = $1 AND ${backwards ? '($2::bigint IS NULL OR revision <= $2)' : 'revision >= $2'}
        ORDER BY revision ${backwards ? 'DESC' : 'ASC'} LIMIT $3`,
      [streamId, from, options.maxCount ?? null],
    );
    return result.rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.readPage(options.fromPosition ?? 0, options.maxCount, options.filter);
  }

  private async readPage(
    fromPosition: number,
    maxCount: number | undefined,
    filter: EventFilter | undefined,
  ): Promise<RecordedEvent[]> {
    const params: unknown[] = [fromPosition, maxCount ?? null];
    let where = 'position > $1';
    if (filter?.eventTypes) {
      params.push(filter.eventTypes);
      where += ` AND type = ANY($${params.length}::text[])`;
    }
    if (filter?.streamPrefixes) {
      params.push(filter.streamPrefixes.map(likePrefix));
      where += ` AND stream_id LIKE ANY($${params.length}::text[])`;
    }
    const result = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM ${this.t.events} WHERE ${where} ORDER BY position LIMIT $2`,
      params,
    );
    return result.rows.map(toRecorded);
  }

  subscribe(options: SubscribeOptions = {}): Subscription {
    const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH);
    const safetyPollMs = this.options.safetyPollMs ?? 2000;
    let closed = this.closed || options.signal?.aborted === true;
    let wakeSelf: (() => void) | undefined;
    const stop = () => {
      closed = true;
      wakeSelf?.();
    };
    this.subscriptions.add(stop);
    options.signal?.addEventListener('abort', stop, { once: true });
    const self = this;

    async function* run(): AsyncGenerator<RecordedEvent> {
      let checkpoint = options.from ?? 0;
      try {
        if (closed) return;
        // Listen before the first read, so a commit between that read and the wait still wakes us.
        await self.listener.start();
        while (!closed) {
          const seen = self.listener.generation;
          // Every position at or below the head is final (see the class comment): when a filtered page
          // comes back short, the subscription can skip straight to it instead of rescanning.
          const head = options.filter ? await self.headPosition() : undefined;
          const page = await self.readPage(checkpoint, batchSize, options.filter);
          for (const event of page) {
            if (closed) return;
            checkpoint = event.position;
            yield event;
          }
          if (page.length === batchSize || closed) continue;
          if (head !== undefined && head > checkpoint) checkpoint = head;
          if (self.listener.generation !== seen) continue;
          options.onProgress?.(checkpoint);
          await self.listener.wait(safetyPollMs, (wake) => {
            wakeSelf = wake;
          });
          wakeSelf = undefined;
        }
      } catch (err) {
        // Closing the store under a running read is an ending, not a failure.
        if (!closed && !self.closed) throw err;
      } finally {
        self.subscriptions.delete(stop);
        options.signal?.removeEventListener('abort', stop);
      }
    }

    const iterator = run();
    return {
      [Symbol.asyncIterator]: () => iterator,
      close: async () => {
        stop();
        // A subscription never iterated has no generator `finally` to tidy up after it.
        self.subscriptions.delete(stop);
        options.signal?.removeEventListener('abort', stop);
      },
    };
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    const result = await this.pool.query<{ head: string }>(
      `SELECT coalesce(max(position), 0) AS head FROM ${this.t.events}`,
    );
    return Number(result.rows[0]!.head);
  }

  async streamRevision(streamId: string): Promise<number | undefined> {
    this.assertOpen();
    const result = await this.pool.query<{ revision: string }>(
      `SELECT revision FROM ${this.t.streams} WHERE stream_id = $1 AND revision >= 0`,
      [streamId],
    );
    return result.rows[0] ? Number(result.rows[0].revision) : undefined;
  }

  async streamRevisions(streamIds: readonly string[]): Promise<Map<string, number>> {
    this.assertOpen();
    const result = await this.pool.query<{ stream_id: string; revision: string }>(
      `SELECT stream_id, revision FROM ${this.t.streams} WHERE stream_id = ANY($1::text[]) AND revision >= 0`,
      [streamIds],
    );
    return new Map(result.rows.map((r) => [r.stream_id, Number(r.revision)]));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stop of [...this.subscriptions]) stop();
    await this.listener.close();
    await this.pool.end();
  }

  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        broken = rollbackErr as Error; // The connection is unusable: drop it rather than pool it.
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the event store is closed');
  }
}

/** The first key of the append lock, shared by every dumas store; the second is the schema's hash. */
const APPEND_LOCK_CLASS = 0x64756d61; // 'duma'

function channelOf(schema: string): string {
  return `${schema}_appended`;
}

async function createSchema(pool: Pool, schema: string): Promise<void> {
  // Several processes may open a new store at once; IF NOT EXISTS alone races on the catalog.
  await createOnce(
    pool,
    `event store ${schema}`,
    `
      CREATE SCHEMA IF NOT EXISTS "${schema}";
      CREATE TABLE IF NOT EXISTS "${schema}".streams (
        stream_id text COLLATE "C" PRIMARY KEY,
        -- The stream's last revision; -1 while its first append is still in flight.
        revision bigint NOT NULL,
        last_hash text NOT NULL
      );
      CREATE TABLE IF NOT EXISTS "${schema}".events (
        position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_id text COLLATE "C" NOT NULL CONSTRAINT events_event_id_key UNIQUE,
        stream_id text COLLATE "C" NOT NULL,
        revision bigint NOT NULL,
        type text COLLATE "C" NOT NULL,
        -- json, not jsonb: the exact canonical text that was hashed, which jsonb would re-encode
        -- (and jsonb refuses \\u0000, which an imported complaint may well contain).
        data json NOT NULL,
        metadata json NOT NULL,
        recorded_at timestamptz NOT NULL,
        hash text NOT NULL,
        previous_hash text NOT NULL,
        CONSTRAINT events_stream_revision_key UNIQUE (stream_id, revision)
      );
      CREATE INDEX IF NOT EXISTS events_type_position_idx ON "${schema}".events (type, position);
  `,
  );
}

const EVENT_COLUMNS =
  'position, event_id, stream_id, revision, type, data, metadata, recorded_at, hash, previous_hash';

interface EventRow {
  position: string;
  event_id: string;
  stream_id: string;
  revision: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  recorded_at: Date;
  hash: string;
  previous_hash: string;
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    streamId: row.stream_id,
    revision: Number(row.revision),
    position: Number(row.position),
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at.toISOString(),
    hash: row.hash,
    previousHash: row.previous_hash,
  };
}

/** A LIKE pattern matching strings that start with `prefix`, its own wildcards taken literally. */
function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function firstRepeated(ids: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) return id;
    seen.add(id);
  }
  return undefined;
}

function isUniqueViolation(err: unknown, constraint: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === '23505' && e.constraint === constraint;
}

/**
 * One LISTEN connection per store, shared by its subscriptions. A notification bumps `generation` and
 * wakes every waiter; a subscription compares generations around its read so that a commit landing
 * between its read and its wait is not slept through. When the connection drops, it reconnects in the
 * background while the waiters fall back on their safety poll.
 */
class Listener {
  generation = 0;
  private client: Client | undefined;
  private connecting: Promise<void> | undefined;
  private readonly waiters = new Set<() => void>();
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private reconnecting = false;

  constructor(
    private readonly url: string,
    private readonly channel: string,
  ) {}

  /** Resolves once listening (or once a first attempt failed: the safety poll then covers). */
  start(): Promise<void> {
    if (this.client || this.closed) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.url });
    const lost = () => {
      if (this.client !== client) return;
      this.client = undefined;
      client.end().catch(() => undefined);
      this.wakeAll(); // Whatever was committed while we were deaf is read by the woken subscriptions.
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', () => {
      this.generation++;
      this.wakeAll();
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
      if (this.closed) {
        await client.end();
        return;
      }
      this.client = client;
      if (this.reconnecting) {
        // Commits made while we were not listening sent nothing we heard: have everyone look again.
        this.generation++;
        this.wakeAll();
      }
      this.reconnecting = false;
    } catch {
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    this.reconnecting = true;
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.start();
    }, 1000);
    this.retryTimer.unref();
  }

  /** Waits for a notification, the safety poll or the caller's own wake-up (close), whichever is first. */
  wait(timeoutMs: number, exposeWake: (wake: () => void) => void): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
      exposeWake(done);
      if (this.closed) done();
    });
  }

  private wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.wakeAll();
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
