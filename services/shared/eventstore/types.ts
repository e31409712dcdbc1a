/**
 * The event-store port. Every adapter (memory, SQLite, PostgreSQL, EventStoreDB) means exactly the same
 * thing by each call; the shared conformance suite (test/conformance/event-store.conformance.ts) holds
 * them to it. The shape follows EventStoreDB's so that its adapter is a thin mapping.
 */

/** Who did it. Copied from the verified token into every event a command produces. */
export interface Actor {
  readonly id: string;
  readonly role: string;
  readonly agencyId?: string;
}

export interface EventMetadata {
  readonly actor?: Actor;
  readonly correlationId?: string;
  readonly causationId?: string;
  /** The complaint (case) this event belongs to, whatever its stream: lets auditors replay a whole case. */
  readonly caseId?: string;
  /** When it happened in the domain (ISO 8601). Imported complaints keep their original time here. */
  readonly occurredAt: string;
  readonly [extra: string]: unknown;
}

/** An event as a command produces it; the store assigns revision, position, recordedAt and hash. */
export interface NewEvent<Type extends string = string, Data = unknown> {
  /** UUID; appending the same id again is an idempotent retry. Generated when absent. */
  readonly id?: string;
  readonly type: Type;
  readonly data: Data;
  readonly metadata: EventMetadata;
}

export interface RecordedEvent<Type extends string = string, Data = unknown> {
  readonly id: string;
  readonly streamId: string;
  /** 0-based revision within the stream, as in EventStoreDB. */
  readonly revision: number;
  /** Global position in the log: strictly increasing in commit order, not necessarily dense. */
  readonly position: number;
  readonly type: Type;
  readonly data: Data;
  readonly metadata: EventMetadata;
  /** When the store recorded it (ISO 8601). */
  readonly recordedAt: string;
  /** SHA-256 (hex) over the canonical content and `previousHash`: the per-stream hash chain. */
  readonly hash: string;
  /** Hash of revision - 1 in the same stream; the empty string for revision 0. */
  readonly previousHash: string;
}

/**
 * - `any`: no check;
 * - `no_stream`: the stream must not exist;
 * - `stream_exists`: the stream must have at least one event;
 * - a number: the stream's last revision must be exactly this.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface AppendOptions {
  readonly expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  /** The stream's last revision after the append: pass it as expectedRevision next time. */
  readonly nextExpectedRevision: number;
  /** Global position of the last event appended. */
  readonly position: number;
  /**
   * True when the append was recognised as a retry of one already stored (same ids, same place): nothing
   * was written, the answer is the first one's. Lets a caller that raced another writer with the same
   * deterministic ids (two breach schedulers) tell "I wrote it" from "it was already there".
   */
  readonly alreadyStored?: true;
}

export interface ReadStreamOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** Inclusive. Default: 0 forwards, the last revision backwards. */
  readonly fromRevision?: number;
  readonly maxCount?: number;
}

export interface EventFilter {
  /** Keep events whose stream id starts with one of these. */
  readonly streamPrefixes?: readonly string[];
  /** Keep events of these types. */
  readonly eventTypes?: readonly string[];
}

export interface ReadAllOptions {
  /** Exclusive: events with position > fromPosition. Default 0 (from the beginning). */
  readonly fromPosition?: number;
  readonly maxCount?: number;
  readonly filter?: EventFilter;
}

export interface SubscribeOptions {
  /** Exclusive: the first event delivered has position > from. Default 0 (from the beginning). */
  readonly from?: number;
  readonly filter?: EventFilter;
  /** How many events to read from the store at a time while catching up. */
  readonly batchSize?: number;
  /** Aborting ends the iteration. */
  readonly signal?: AbortSignal;
  /**
   * Called when the subscription has delivered every event matching its filter up to `position` and waits
   * for more: how far the log has been read, matched or not. A consumer that takes a few event types can
   * then move its position past the many it never sees. Only stores with `reportsProgress` call it.
   */
  readonly onProgress?: (position: number) => void;
}

/** An async iterable that catches up from a position, then follows live, in global order. */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  /** Ends the iteration; idempotent. */
  close(): Promise<void>;
}

/** One stream's part of a multi-stream append. */
export interface StreamAppend {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly expectedRevision?: ExpectedRevision;
}

export interface EventStore {
  /** Whether subscribe() calls `onProgress` (see SubscribeOptions). */
  readonly reportsProgress?: boolean;
  /** All-or-nothing; throws WrongExpectedRevisionError or DuplicateEventIdError. */
  append(streamId: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  /**
   * Several streams in one transaction, all or nothing, in the order given (positions increase along the
   * list): one commit, one fsync. Every expected revision is checked before anything is written; the
   * WrongExpectedRevisionError names the stream that failed. Event ids must be new (a stored id is a
   * DuplicateEventIdError, not a retry). Optional: a store that cannot commit several streams at once
   * (EventStoreDB) leaves it out, and callers append stream by stream.
   */
  appendMany?(appends: readonly StreamAppend[]): Promise<AppendResult[]>;
  /** An absent stream reads as empty. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Forwards in global order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribe(options?: SubscribeOptions): Subscription;
  /** The position of the last event in the log (0 when empty). */
  headPosition(): Promise<number>;
  /** The last revision of a stream, or undefined when it does not exist. */
  streamRevision(streamId: string): Promise<number | undefined>;
  /**
   * streamRevision for many streams in one read (a bulk import asks about a thousand at a time): the
   * streams that exist, with their last revisions; absent ones are left out. Optional.
   */
  streamRevisions?(streamIds: readonly string[]): Promise<Map<string, number>>;
  close(): Promise<void>;
}

export class WrongExpectedRevisionError extends Error {
  readonly code = 'WRONG_EXPECTED_REVISION';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** The stream's last revision, or 'no_stream'. */
    readonly actual: number | 'no_stream',
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

/** An event id already stored in a way that is not an exact retry of the same append. */
export class DuplicateEventIdError extends Error {
  readonly code = 'DUPLICATE_EVENT_ID';
  constructor(
    readonly streamId: string,
    readonly eventId: string,
  ) {
    super(`event id ${eventId} is already stored and this append is not a retry of the same one`);
    this.name = 'DuplicateEventIdError';
  }
}

export type ChainVerification =
  | { readonly ok: true; readonly streamId: string; readonly events: number; readonly lastHash: string }
  | {
      readonly ok: false;
      readonly streamId: string;
      /** The first revision at which the chain does not hold. */
      readonly brokenAt: number;
      readonly reason: string;
    };
