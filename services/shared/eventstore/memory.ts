import { randomUUID } from 'node:crypto';
import { canonicalJson, computeEventHash } from './hash';
import { matchesFilter } from './filter';
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
  WrongExpectedRevisionError,
} from './types';

/**
 * The whole port in process memory, for unit tests and throwaway runs. Each call does its work in one
 * synchronous step, so appends are atomic and ordered without locks. Stored data and metadata are deep
 * copies made through JSON, so callers see exactly what a persistent adapter would hand back.
 */
export class MemoryEventStore implements EventStore {
  readonly reportsProgress = true;
  private log: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly byId = new Map<string, RecordedEvent>();
  private readonly waiters = new Set<() => void>();
  private closed = false;

  async append(
    streamId: string,
    events: readonly NewEvent[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    this.assertOpen();
    const expected = options.expectedRevision ?? 'any';
    if (events.length === 0) throw new TypeError('append needs at least one event');
    const ids = events.map((e) => e.id ?? randomUUID());
    const retry = this.findRetry(streamId, ids, expected);
    if (retry) return retry;

    const stream = this.streams.get(streamId) ?? [];
    const current = stream.length ? stream.length - 1 : undefined;
    checkExpected(streamId, expected, current);
    return this.write(streamId, events, ids);
  }

  async appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    this.assertOpen();
    const ids = appends.map((a) => {
      if (a.events.length === 0) throw new TypeError('append needs at least one event');
      return a.events.map((e) => e.id ?? randomUUID());
    });
    const all = ids.flat();
    const repeated = all.find((id, i) => all.indexOf(id) !== i || this.byId.has(id));
    if (repeated !== undefined) {
      throw new DuplicateEventIdError(
        appends[ids.findIndex((l) => l.includes(repeated))]!.streamId,
        repeated,
      );
    }
    for (const a of appends) {
      const stream = this.streams.get(a.streamId);
      checkExpected(a.streamId, a.expectedRevision ?? 'any', stream?.length ? stream.length - 1 : undefined);
    }
    if (new Set(appends.map((a) => a.streamId)).size !== appends.length) {
      throw new TypeError('appendMany takes each stream once');
    }
    // One append, one instant: what dumas knew "as recorded" never holds half of a batch.
    const recordedAt = new Date().toISOString();
    return appends.map((a, i) => this.write(a.streamId, a.events, ids[i]!, recordedAt));
  }

  /** Writes checked events; synchronous, so nothing runs between the checks and the write. */
  private write(
    streamId: string,
    events: readonly NewEvent[],
    ids: readonly string[],
    recordedAt = new Date().toISOString(),
  ): AppendResult {
    const stream = this.streams.get(streamId) ?? [];
    let previousHash = stream.length ? stream[stream.length - 1]!.hash : '';
    const recorded: RecordedEvent[] = events.map((event, i) => {
      const revision = stream.length + i;
      const content = {
        streamId,
        revision,
        id: ids[i]!,
        type: event.type,
        data: jsonCopy(event.data),
        metadata: jsonCopy(event.metadata),
      };
      const hash = computeEventHash(previousHash, content);
      const e: RecordedEvent = {
        ...content,
        position: this.log.length + i + 1,
        recordedAt,
        hash,
        previousHash,
      };
      previousHash = hash;
      return e;
    });
    this.streams.set(streamId, stream.concat(recorded));
    for (const e of recorded) {
      this.log.push(e);
      this.byId.set(e.id, e);
    }
    this.wake();
    const last = recorded[recorded.length - 1]!;
    return { nextExpectedRevision: last.revision, position: last.position };
  }

  /** Same ids, in the same stream, at the revisions the same expected revision would have given. */
  private findRetry(
    streamId: string,
    ids: readonly string[],
    expected: ExpectedRevision,
  ): AppendResult | undefined {
    if (new Set(ids).size !== ids.length) throw new DuplicateEventIdError(streamId, firstRepeated(ids));
    const first = this.byId.get(ids[0]!);
    if (!first) {
      const stored = ids.find((id) => this.byId.has(id));
      if (stored) throw new DuplicateEventIdError(streamId, stored);
      return undefined;
    }
    const stream = this.streams.get(first.streamId) ?? [];
    const sameBatch =
      first.streamId === streamId &&
      ids.every((id, i) => stream[first.revision + i]?.id === id) &&
      retryMatchesExpected(expected, first.revision);
    if (!sameBatch) throw new DuplicateEventIdError(streamId, ids[0]!);
    const last = stream[first.revision + ids.length - 1]!;
    return { nextExpectedRevision: last.revision, position: last.position, alreadyStored: true as const };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const stream = this.streams.get(streamId) ?? [];
    const max = options.maxCount ?? Number.POSITIVE_INFINITY;
    if (options.direction === 'backwards') {
      const from = Math.min(options.fromRevision ?? stream.length - 1, stream.length - 1);
      const out: RecordedEvent[] = [];
      for (let r = from; r >= 0 && out.length < max; r--) out.push(stream[r]!);
      return out;
    }
    const from = Math.max(options.fromRevision ?? 0, 0);
    return stream.slice(from, from + Math.min(max, stream.length));
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.scan(options.fromPosition ?? 0, options.maxCount ?? Number.POSITIVE_INFINITY, options.filter);
  }

  private scan(fromPosition: number, maxCount: number, filter: EventFilter | undefined): RecordedEvent[] {
    const out: RecordedEvent[] = [];
    let i = lowerBound(this.log, fromPosition);
    for (; i < this.log.length && out.length < maxCount; i++) {
      const e = this.log[i]!;
      if (matchesFilter(e, filter)) out.push(e);
    }
    return out;
  }

  subscribe(options: SubscribeOptions = {}): Subscription {
    const batchSize = options.batchSize ?? 500;
    let closed = false;
    let wakeSelf: (() => void) | undefined;
    const stop = () => {
      closed = true;
      wakeSelf?.();
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    const self = this;
    async function* run(): AsyncGenerator<RecordedEvent> {
      let checkpoint = options.from ?? 0;
      try {
        while (!closed && !self.closed) {
          const batch = self.scan(checkpoint, batchSize, options.filter);
          if (batch.length === 0) {
            // Nothing matching after the checkpoint right now: skip what was scanned, then wait.
            checkpoint = Math.max(checkpoint, self.log.length ? self.log[self.log.length - 1]!.position : 0);
            options.onProgress?.(checkpoint);
            await new Promise<void>((resolve) => {
              wakeSelf = resolve;
              self.waiters.add(resolve);
            });
            continue;
          }
          for (const e of batch) {
            if (closed || self.closed) return;
            checkpoint = e.position;
            yield e;
          }
        }
      } finally {
        if (wakeSelf) self.waiters.delete(wakeSelf);
        options.signal?.removeEventListener('abort', stop);
      }
    }
    if (options.signal?.aborted) closed = true;
    const iterator = run();
    return {
      [Symbol.asyncIterator]: () => iterator,
      close: async () => {
        stop();
      },
    };
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    return this.log.length ? this.log[this.log.length - 1]!.position : 0;
  }

  async streamRevision(streamId: string): Promise<number | undefined> {
    this.assertOpen();
    const stream = this.streams.get(streamId);
    return stream?.length ? stream.length - 1 : undefined;
  }

  async streamRevisions(streamIds: readonly string[]): Promise<Map<string, number>> {
    const revisions = new Map<string, number>();
    for (const streamId of streamIds) {
      const revision = await this.streamRevision(streamId);
      if (revision !== undefined) revisions.set(streamId, revision);
    }
    return revisions;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake();
  }

  /**
   * Integrity tests only: rewrites a stream's stored events in place, the way someone with raw access
   * to a database could, so that `verifyChain` can be shown to catch it. Never used by the product.
   */
  tamperWithStream(streamId: string, rewrite: (events: RecordedEvent[]) => RecordedEvent[]): void {
    const before = this.streams.get(streamId) ?? [];
    const after = rewrite(before.slice());
    this.streams.set(streamId, after);
    this.log = this.log.filter((e) => e.streamId !== streamId).concat(after);
    this.log.sort((a, b) => a.position - b.position);
  }

  private wake(): void {
    const waiting = [...this.waiters];
    this.waiters.clear();
    for (const resolve of waiting) resolve();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the event store is closed');
  }
}

/** Throws WrongExpectedRevisionError unless the stream's state satisfies the expectation. */
export function checkExpected(
  streamId: string,
  expected: ExpectedRevision,
  current: number | undefined,
): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === undefined) ||
    (expected === 'stream_exists' && current !== undefined) ||
    (typeof expected === 'number' && current === expected);
  if (!ok) throw new WrongExpectedRevisionError(streamId, expected, current ?? 'no_stream');
}

/**
 * Whether a batch found stored at `firstRevision` is what an append with `expected` would have written:
 * a retry must repeat the original expectation, so a retry claiming another position is refused.
 */
export function retryMatchesExpected(expected: ExpectedRevision, firstRevision: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return firstRevision === 0;
  if (expected === 'stream_exists') return firstRevision > 0;
  return firstRevision === expected + 1;
}

function firstRepeated(ids: readonly string[]): string {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) return id;
    seen.add(id);
  }
  return ids[0]!;
}

/** Index of the first event with position > fromPosition. */
function lowerBound(log: readonly RecordedEvent[], fromPosition: number): number {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (log[mid]!.position <= fromPosition) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function jsonCopy<T>(value: T): T {
  return JSON.parse(canonicalJson(value)) as T;
}
