import { randomUUID } from 'node:crypto';
import {
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  BACKWARDS,
  END,
  EventStoreDBClient,
  type EventType,
  FORWARDS,
  type Filter,
  type JSONEventData,
  type JSONType,
  NO_STREAM,
  type Position,
  type ReadPosition,
  type RecordedEvent as RawRecordedEvent,
  type ResolvedEvent,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  streamNameFilter,
} from '@eventstore/db-client';
import { canonicalJson, computeEventHash } from './hash';
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
  type SubscribeOptions,
  type Subscription,
  WrongExpectedRevisionError,
} from './types';
import { matchesFilter } from './filter';

/**
 * The metadata key under which the per-stream hash chain travels inside each EventStoreDB event.
 * The server has no column for it, so it rides in the event's JSON metadata and is taken out again
 * on read; callers may not use this key themselves.
 */
export const CHAIN_METADATA_KEY = 'dumasChain';

/** Streams (under the namespace) that claim each event id for one stream; never shown through the port. */
const RESERVATION_PREFIX = 'dumas-event-id-';

export interface EventStoreDbOptions {
  /** Connection string, e.g. `esdb://localhost:2113?tls=false` (KurrentDB's `kurrentdb://` scheme is not
   * understood by this client: write `esdb://`). */
  readonly url: string;
  /**
   * Prefix put in front of every stream id on the server. readAll, subscribe and headPosition only see
   * streams under it, and stream ids come back without it. Lets several dumas deployments, or test runs,
   * share one server without seeing each other. Default: none (every non-system stream).
   */
  readonly namespace?: string;
  /** Events per page when reading $all (readAll, headPosition). Default 500. */
  readonly pageSize?: number;
  /** How many of a stream's last events are searched for ids of a retried append. Default 256. */
  readonly idempotencyWindow?: number;
  /** Attempts for an `any`/`stream_exists` append that keeps losing the race for the stream head. Default 50. */
  readonly maxAppendAttempts?: number;
}

/** What we need of the stream head to extend its hash chain. */
interface StreamHead {
  readonly revision: number;
  readonly hash: string;
}

/**
 * EventStoreDB (and KurrentDB, same gRPC protocol) behind the event-store port, via
 * @eventstore/db-client 6.
 *
 * How the port maps onto the server:
 * - Revisions are the server's stream revisions (bigint, 0-based) as numbers.
 * - The global position is the event's commit position in the transaction log. Since EventStoreDB 20
 *   every write is an implicitly committed prepare, so each event's commit position equals its own
 *   prepare position: unique per event, strictly increasing in $all order, and not dense (it is a byte
 *   offset). As a JS number it is exact up to 2^53 bytes (8 PiB) of log; past that we refuse to
 *   continue rather than round. Stream reads report positions only on servers 22.6 and later, which
 *   this adapter therefore requires.
 * - A position p handed back to the server becomes {commit: p, prepare: p}; the server reads
 *   inclusively from there and the adapter drops the event at p, which gives the port's exclusive
 *   `fromPosition`/`from`. Positions must be ones this store returned (a made-up byte offset may not
 *   fall on a record boundary).
 * - System streams and events (`$…`) are never returned.
 * - The hash chain is computed here, client-side, with the same `computeEventHash` as every adapter,
 *   and stored in the event metadata under `dumasChain`. Because each hash covers the revision and the
 *   previous hash, every append is made with the exact head revision just read, even for `any`; losing
 *   the race re-reads the head and recomputes, so two writers can never fork the chain.
 * - Idempotency: an append whose ids are already the stream's events at the position the same expected
 *   revision gives returns that first append's result and writes nothing. The search covers the last
 *   `idempotencyWindow` events of the target stream: EventStoreDB has no index by event id, so an id
 *   reused in another stream, or deep in the same stream's history, is not detected (the other adapters
 *   refuse it with DuplicateEventIdError).
 * - Filtered reads and subscriptions of $all are filtered by the server (by stream prefix or by event
 *   type); a filtered read is a filtered subscription ended at the page's end or the head (see
 *   readAllFiltered), because this client version sends no filter with a read.
 */
/** For configuration by module path (the conformance suite's child processes): the same as connect(). */
export function connectEventStoreDb(options: EventStoreDbOptions): Promise<EventStoreDbEventStore> {
  return EventStoreDbEventStore.connect(options);
}

export class EventStoreDbEventStore implements EventStore {
  private readonly namespace: string;
  private readonly pageSize: number;
  private readonly idempotencyWindow: number;
  private readonly maxAppendAttempts: number;
  private readonly subscriptions = new Set<Subscription>();
  private closed = false;

  private constructor(
    private readonly client: EventStoreDBClient,
    options: EventStoreDbOptions,
  ) {
    this.namespace = options.namespace ?? '';
    this.pageSize = positiveInteger(options.pageSize ?? 500, 'pageSize');
    this.idempotencyWindow = positiveInteger(options.idempotencyWindow ?? 256, 'idempotencyWindow');
    this.maxAppendAttempts = positiveInteger(options.maxAppendAttempts ?? 50, 'maxAppendAttempts');
    if (this.namespace.startsWith('$'))
      throw new TypeError('the EventStoreDB namespace may not start with $');
  }

  /** Connects and makes one read of $all, so a wrong URL or missing rights fail here and not later. */
  static async connect(options: EventStoreDbOptions): Promise<EventStoreDbEventStore> {
    const client = EventStoreDBClient.connectionString(options.url);
    const store = new EventStoreDbEventStore(client, options);
    try {
      await store.readAllPage(END, BACKWARDS, 1);
    } catch (error) {
      await client.dispose();
      throw error;
    }
    return store;
  }

  async append(
    streamId: string,
    events: readonly NewEvent[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    this.assertOpen();
    const expected = options.expectedRevision ?? 'any';
    if (events.length === 0) throw new TypeError('append needs at least one event');
    if (streamId.startsWith(RESERVATION_PREFIX)) {
      throw new TypeError(`stream ids starting with ${RESERVATION_PREFIX} are reserved for event-id claims`);
    }
    // The server stores ids as UUIDs and hands them back in lower case; the hash must cover that form.
    const ids = events.map((e) => canonicalUuid(e.id ?? randomUUID()));
    const repeated = firstRepeated(ids);
    if (repeated !== undefined) throw new DuplicateEventIdError(streamId, repeated);
    // JSON round trip first: the hash must cover exactly what the server will hand back.
    const contents = events.map((event, i) => {
      if (event.metadata && CHAIN_METADATA_KEY in event.metadata) {
        throw new TypeError(`event metadata may not use the reserved key ${CHAIN_METADATA_KEY}`);
      }
      return {
        id: ids[i]!,
        type: event.type,
        data: jsonCopy(event.data),
        metadata: jsonCopy(event.metadata),
      };
    });

    let reserved = false;
    for (let attempt = 1; ; attempt++) {
      const tail = await this.readRaw(streamId, { direction: 'backwards', maxCount: this.idempotencyWindow });
      const retry = findRetry(streamId, ids, expected, tail);
      if (retry) return retry;
      const last = tail[0];
      const head: StreamHead | undefined = last ? { revision: last.revision, hash: last.hash } : undefined;
      checkExpected(streamId, expected, head?.revision);
      if (!reserved) {
        const earlier = await this.reserveIds(streamId, ids);
        reserved = true;
        if (earlier) {
          // An id was reserved for this stream before: an older retry beyond the tail we read, or an
          // attempt that died between reserving and appending. Only the whole stream can tell.
          const again = findRetry(streamId, ids, expected, await this.readRaw(streamId, {}));
          if (again) return again;
        }
      }

      let previousHash = head?.hash ?? '';
      const first = head ? head.revision + 1 : 0;
      const proposed: JSONEventData[] = contents.map((content, i) => {
        const hash = computeEventHash(previousHash, { streamId, revision: first + i, ...content });
        const metadata = { ...content.metadata, [CHAIN_METADATA_KEY]: { hash, previousHash } };
        previousHash = hash;
        return {
          id: content.id,
          contentType: 'application/json',
          type: content.type,
          data: content.data as JSONType,
          metadata,
        };
      });
      const serverExpected: AppendExpectedRevision = head ? BigInt(head.revision) : NO_STREAM;
      try {
        const result = await this.client.appendToStream(this.serverStream(streamId), proposed, {
          expectedRevision: serverExpected,
        });
        const nextExpectedRevision = toSafeNumber(result.nextExpectedRevision, 'revision');
        return {
          nextExpectedRevision,
          position: await this.positionOf(streamId, nextExpectedRevision, result.position),
        };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        // Someone appended between our read and our write. For a fixed expectation the next pass either
        // recognises our own earlier write (a retry) or throws the typed error with the actual revision;
        // for `any`/`stream_exists` it re-reads the new head and chains onto it.
        if (attempt >= this.maxAppendAttempts) {
          throw new WrongExpectedRevisionError(
            streamId,
            expected,
            (await this.streamRevision(streamId)) ?? 'no_stream',
          );
        }
        await delay(Math.min(50, attempt * 2) * Math.random());
      }
    }
  }

  /**
   * Claims every id for this stream in its own reservation stream (created with expected revision
   * no_stream, so the server decides races). EventStoreDB has no index by event id; this is what lets
   * an id reused in another stream, or anywhere in this one, be refused. Returns whether any id had
   * already been reserved for this same stream. A reservation left by an append that then failed only
   * ever blocks that same random UUID from other streams.
   */
  private async reserveIds(streamId: string, ids: readonly string[]): Promise<boolean> {
    const outcomes = await Promise.all(
      ids.map(async (id): Promise<'new' | 'ours'> => {
        const reservation = this.namespace + RESERVATION_PREFIX + id;
        try {
          await this.client.appendToStream(
            reservation,
            [
              {
                id: randomUUID(),
                contentType: 'application/json',
                type: 'EventIdReserved',
                data: { streamId },
                metadata: undefined,
              },
            ],
            { expectedRevision: NO_STREAM },
          );
          return 'new';
        } catch (error) {
          if (!(error instanceof WrongExpectedVersionError)) throw error;
        }
        const [claim] = await this.readRaw(RESERVATION_PREFIX + id, { maxCount: 1 });
        if ((claim?.data as { streamId?: unknown } | undefined)?.streamId !== streamId) {
          throw new DuplicateEventIdError(streamId, id);
        }
        return 'ours';
      }),
    );
    return outcomes.includes('ours');
  }

  /** The $all position of the event just written at `revision`, read back from the server: the append
   * reply carries a position for the write as a whole, the port wants the last event's own. */
  private async positionOf(
    streamId: string,
    revision: number,
    replied: Position | undefined,
  ): Promise<number> {
    const [event] = await this.readRaw(streamId, { fromRevision: revision, maxCount: 1 });
    if (event && event.revision === revision) return event.position;
    if (replied && isRealPosition(replied.commit)) return toSafeNumber(replied.commit, 'position');
    throw new Error(`EventStoreDB did not report the position of revision ${revision} in stream ${streamId}`);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.readRaw(streamId, options);
  }

  private async readRaw(streamId: string, options: ReadStreamOptions): Promise<RecordedEvent[]> {
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    if (maxCount <= 0) return [];
    const backwards = options.direction === 'backwards';
    if (backwards && options.fromRevision !== undefined && options.fromRevision < 0) return [];
    const fromRevision =
      options.fromRevision === undefined
        ? backwards
          ? END
          : START
        : BigInt(Math.max(0, Math.floor(options.fromRevision)));
    const out: RecordedEvent[] = [];
    try {
      const reading = this.client.readStream(this.serverStream(streamId), {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision,
        maxCount,
      });
      for await (const resolved of reading as AsyncIterable<ResolvedEvent>) {
        if (resolved.event) out.push(this.toRecorded(resolved.event));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return out;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const maxCount = options.maxCount ?? Number.POSITIVE_INFINITY;
    const filter = options.filter;
    if (filter?.streamPrefixes?.length || filter?.eventTypes?.length || this.namespace)
      return this.readAllFiltered(options.fromPosition ?? 0, maxCount, filter);
    const out: RecordedEvent[] = [];
    let after = options.fromPosition ?? 0;
    while (out.length < maxCount) {
      const page = await this.readAllPage(serverPosition(after), FORWARDS, this.pageSize);
      let moved = false;
      for (const resolved of page) {
        const raw = resolved.event;
        if (!raw) continue;
        const position = allPosition(raw.position);
        if (position <= after) continue;
        after = position;
        moved = true;
        if (!this.isOurs(raw.streamId, raw.type)) continue;
        const event = this.toRecorded(raw);
        if (!matchesFilter(event, options.filter)) continue;
        out.push(event);
        if (out.length >= maxCount) break;
      }
      if (page.length < this.pageSize || !moved) break;
    }
    return out;
  }

  /**
   * A filtered read of $all, filtered by the server. This client (6.2.1) sends no filter with `readAll`,
   * so the read is a filtered $all subscription from the position, ended as soon as the page is full, the
   * server says it has caught up, or its scan (reported by checkpoints, every 32 events scanned) has
   * passed the head of $all as it was when the read began. The server skips the events of no interest
   * (only the narrowest of the two criteria: it filters on stream name or on type, not both); the client
   * checks the whole filter again.
   */
  private async readAllFiltered(
    after: number,
    maxCount: number,
    filter: EventFilter | undefined,
  ): Promise<RecordedEvent[]> {
    const [last] = await this.readAllPage(END, BACKWARDS, 1);
    const head = last?.event ? allPosition(last.event.position) : 0;
    if (head <= after) return [];
    const out: RecordedEvent[] = [];
    let done = false;
    const live = this.client.subscribeToAll(
      {
        fromPosition: serverPosition(after),
        resolveLinkTos: false,
        filter: this.serverFilter(filter, {
          checkpointInterval: 1,
          checkpointReached: (_subscription, position) => {
            if (allPosition(position) >= head) finish();
          },
        }),
      },
      { highWaterMark: Math.min(Math.max(1, maxCount), this.pageSize) },
    );
    live.on('error', () => undefined);
    const finish = () => {
      if (done) return;
      done = true;
      void live.unsubscribe().finally(() => live.destroy());
    };
    live.on('caughtUp', finish);
    try {
      for await (const resolved of live as AsyncIterable<AllStreamResolvedEvent>) {
        const raw = resolved.event;
        if (!raw) continue;
        const position = allPosition(raw.position);
        if (position <= after) continue;
        if (position > head) break;
        if (this.isOurs(raw.streamId, raw.type)) {
          const event = this.toRecorded(raw);
          if (matchesFilter(event, filter)) out.push(event);
        }
        if (out.length >= maxCount || position >= head || done) break;
      }
    } catch (error) {
      if (!done) throw error;
    } finally {
      finish();
    }
    return out;
  }

  private async readAllPage(
    from: ReadPosition,
    direction: typeof FORWARDS | typeof BACKWARDS,
    maxCount: number,
  ) {
    const page: AllStreamResolvedEvent[] = [];
    const reading = this.client.readAll({ fromPosition: from, direction, maxCount, resolveLinkTos: false });
    for await (const resolved of reading as AsyncIterable<AllStreamResolvedEvent>) page.push(resolved);
    return page;
  }

  subscribe(options: SubscribeOptions = {}): Subscription {
    this.assertOpen();
    const from = options.from ?? 0;
    const filter = options.filter;
    // The Readable's buffer is the back-pressure: when the consumer stops pulling it fills, the gRPC
    // stream is paused and HTTP/2 flow control holds the server back.
    const live = this.client.subscribeToAll(
      { fromPosition: serverPosition(from), resolveLinkTos: false, filter: this.serverFilter(filter) },
      { highWaterMark: Math.max(1, options.batchSize ?? 500) },
    );
    // The iterator sees errors through its own listeners; this one only keeps an error that arrives
    // before anyone iterates from crashing the process as an unhandled 'error' event.
    live.on('error', () => undefined);
    let closed = false;
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      this.subscriptions.delete(subscription);
      options.signal?.removeEventListener('abort', onAbort);
      try {
        await live.unsubscribe();
      } finally {
        // Ends a consumer that is waiting for the next event.
        live.destroy();
      }
    };
    const onAbort = () => void close();
    const store = this;
    async function* events(): AsyncGenerator<RecordedEvent> {
      let after = from;
      try {
        for await (const resolved of live as AsyncIterable<AllStreamResolvedEvent>) {
          if (closed) return;
          const raw = resolved.event;
          if (!raw) continue;
          const position = allPosition(raw.position);
          // The server starts at `from` inclusively and may repeat an event across a reconnect.
          if (position <= after) continue;
          after = position;
          if (!store.isOurs(raw.streamId, raw.type)) continue;
          const event = store.toRecorded(raw);
          if (matchesFilter(event, filter)) yield event;
        }
      } catch (error) {
        if (closed) return;
        throw error;
      } finally {
        await close();
      }
    }
    const iterator = events();
    const subscription: Subscription = {
      [Symbol.asyncIterator]: () => iterator,
      close,
    };
    this.subscriptions.add(subscription);
    if (options.signal?.aborted) void close();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    return subscription;
  }

  /**
   * The narrowest filter the server can apply (it filters on stream name or on event type, not both);
   * the client applies the whole filter again on every event.
   */
  private serverFilter(
    filter: EventFilter | undefined,
    checkpoints: Pick<Filter, 'checkpointReached'> & { checkpointInterval?: number } = {},
  ): Filter {
    const prefixes = filter?.streamPrefixes;
    if (prefixes && prefixes.length > 0) {
      return streamNameFilter({ ...checkpoints, prefixes: prefixes.map((p) => this.namespace + p) });
    }
    if (this.namespace) return streamNameFilter({ ...checkpoints, prefixes: [this.namespace] });
    const types = filter?.eventTypes;
    if (types && types.length > 0) {
      return eventTypeFilter({ ...checkpoints, regex: `^(?:${types.map(escapeRegex).join('|')})$` });
    }
    return excludeSystemEvents(checkpoints);
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    let from: ReadPosition = END;
    for (;;) {
      const page = await this.readAllPage(from, BACKWARDS, this.pageSize);
      for (const resolved of page) {
        const raw = resolved.event;
        if (raw && this.isOurs(raw.streamId, raw.type)) return allPosition(raw.position);
      }
      const oldest = page[page.length - 1]?.event;
      if (page.length < this.pageSize || !oldest) return 0;
      // Reading backwards from a position is exclusive of the record at it.
      from = oldest.position;
    }
  }

  async streamRevision(streamId: string): Promise<number | undefined> {
    this.assertOpen();
    const [last] = await this.readRaw(streamId, { direction: 'backwards', maxCount: 1 });
    return last?.revision;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.subscriptions].map((s) => s.close()));
    await this.client.dispose();
  }

  private serverStream(streamId: string): string {
    if (!streamId) throw new TypeError('a stream id may not be empty');
    if (streamId.startsWith('$'))
      throw new TypeError('stream ids starting with $ are EventStoreDB system streams');
    return this.namespace + streamId;
  }

  /** Non-system events in this store's namespace. */
  private isOurs(serverStreamId: string, type: string): boolean {
    if (serverStreamId.startsWith('$') || type.startsWith('$')) return false;
    if (!serverStreamId.startsWith(this.namespace) || serverStreamId.length === this.namespace.length)
      return false;
    return !serverStreamId.startsWith(RESERVATION_PREFIX, this.namespace.length);
  }

  private toRecorded(raw: RawRecordedEvent<EventType>): RecordedEvent {
    const { [CHAIN_METADATA_KEY]: chain, ...metadata } = metadataObject(raw.metadata);
    const links = (chain ?? {}) as { hash?: unknown; previousHash?: unknown };
    return {
      id: raw.id,
      streamId: raw.streamId.slice(this.namespace.length),
      revision: toSafeNumber(raw.revision, 'revision'),
      position: streamReadPosition(raw),
      type: raw.type,
      data: raw.isJson ? raw.data : Buffer.from(raw.data as Uint8Array).toString('base64'),
      metadata: metadata as EventMetadata,
      recordedAt: raw.created.toISOString(),
      hash: typeof links.hash === 'string' ? links.hash : '',
      previousHash: typeof links.previousHash === 'string' ? links.previousHash : '',
    };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the event store is closed');
  }
}

/**
 * The ids already stored as this stream's events where the same expectation would have put them:
 * the first result again. Ids stored anywhere else in the searched tail are a conflicting reuse.
 * `tail` is the stream's last events, newest first.
 */
function findRetry(
  streamId: string,
  ids: readonly string[],
  expected: ExpectedRevision,
  tail: readonly RecordedEvent[],
): AppendResult | undefined {
  const byId = new Map(tail.map((e) => [e.id, e] as const));
  const firstStored = byId.get(ids[0]!);
  if (!firstStored) {
    const stored = ids.find((id) => byId.has(id));
    if (stored !== undefined) throw new DuplicateEventIdError(streamId, stored);
    return undefined;
  }
  const byRevision = new Map(tail.map((e) => [e.revision, e] as const));
  const sameBatch =
    ids.every((id, i) => byRevision.get(firstStored.revision + i)?.id === id) &&
    retryMatchesExpected(expected, firstStored.revision);
  if (!sameBatch) throw new DuplicateEventIdError(streamId, ids[0]!);
  const last = byRevision.get(firstStored.revision + ids.length - 1)!;
  return { nextExpectedRevision: last.revision, position: last.position, alreadyStored: true as const };
}

function checkExpected(streamId: string, expected: ExpectedRevision, current: number | undefined): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === undefined) ||
    (expected === 'stream_exists' && current !== undefined) ||
    (typeof expected === 'number' && current === expected);
  if (!ok) throw new WrongExpectedRevisionError(streamId, expected, current ?? 'no_stream');
}

/** A retry must repeat the original expectation: the batch must sit where that expectation put it. */
function retryMatchesExpected(expected: ExpectedRevision, firstRevision: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return firstRevision === 0;
  if (expected === 'stream_exists') return firstRevision > 0;
  return firstRevision === expected + 1;
}

/** Our exclusive position as the server's inclusive one (0 is the start of the log). */
function serverPosition(after: number): ReadPosition {
  if (!Number.isSafeInteger(after) || after < 0) throw new TypeError(`not a log position: ${after}`);
  if (after === 0) return START;
  const p = BigInt(after);
  return { commit: p, prepare: p };
}

/** Servers before 22.6 send 2^64-1 (or nothing) instead of a position on stream reads. */
function isRealPosition(commit: bigint): boolean {
  return commit >= 0n && commit < 2n ** 63n;
}

function allPosition(position: Position): number {
  return toSafeNumber(position.commit, 'position');
}

function streamReadPosition(raw: RawRecordedEvent<EventType>): number {
  const position = raw.position;
  if (!position || !isRealPosition(position.commit)) {
    throw new Error(
      'EventStoreDB did not report event positions on a stream read: dumas needs server 22.6 or later',
    );
  }
  return toSafeNumber(position.commit, 'position');
}

function toSafeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < 0n) {
    throw new RangeError(`EventStoreDB ${what} ${value} does not fit a JavaScript number exactly`);
  }
  return Number(value);
}

function metadataObject(metadata: unknown): Record<string, unknown> {
  if (
    metadata &&
    typeof metadata === 'object' &&
    !(metadata instanceof Uint8Array) &&
    !Array.isArray(metadata)
  ) {
    return metadata as Record<string, unknown>;
  }
  return {};
}

function jsonCopy<T>(value: T): T {
  return JSON.parse(canonicalJson(value)) as T;
}

function firstRepeated(ids: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) return id;
    seen.add(id);
  }
  return undefined;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function canonicalUuid(id: string): string {
  if (!UUID_PATTERN.test(id)) throw new TypeError('EventStoreDB event ids must be UUIDs');
  return id.toLowerCase();
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`${name} must be a positive integer`);
  return value;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
