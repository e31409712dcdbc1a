/**
 * Which events belong to a case. A case spans several streams: its complaint stream, the claim of its
 * tracking number, every letter that covers it (a letter may cover several complaints, so a letter's
 * events are the case's from the moment the letter names it), and the evaluation's events about it.
 * Commands record the case in `metadata.caseId`; letters name their complaints in `data.complaintIds`.
 *
 * The log is read in pages with bounded memory: only the case's own events are kept. This is a scan
 * of the log per case (O(log size)); an index projection of case → positions would make it O(case).
 */
import type { EventStore, RecordedEvent } from '../shared/eventstore/types';
import type { Projection, ReadModelStore, ReadModelTx } from '../shared/projections/types';

const PAGE = 2_000;

/** Whether a letter-like event lists the case among the complaints it covers. */
function coversCase(event: RecordedEvent, caseId: string): boolean {
  const data = event.data as { complaintIds?: unknown } | null;
  return !!data && Array.isArray(data.complaintIds) && data.complaintIds.includes(caseId);
}

/** Whether an event names the case: in its metadata, as its complaint, or among the complaints it covers. */
export function namesCase(event: RecordedEvent, caseId: string): boolean {
  if (event.metadata.caseId === caseId || coversCase(event, caseId)) return true;
  const data = event.data as { complaintId?: unknown } | null;
  return !!data && typeof data === 'object' && data.complaintId === caseId;
}

export interface ReadCaseOptions {
  /** Only events at or before this log position. */
  readonly upToPosition?: number;
  /**
   * A read-model store that the case index projection (`caseIndexProjection`) keeps: then only the
   * case's own streams are read instead of the whole log.
   */
  readonly index?: ReadModelStore;
  /**
   * Events read before for the same case, kept while the case has no newer event (see CaseEventsCache).
   * Only for reads that trust the store as it is: never for integrity verification, which must read
   * the store every time.
   */
  readonly cache?: CaseEventsCache;
}

/**
 * A case's events kept between reads of the same case (the console's time slider asks `asOf` for one
 * case again and again): the log is append-only, so the events up to the case's last position never
 * change, and the kept ones are reused while that last position is what the caller finds now. Bounded by
 * the events it holds (the oldest case read is forgotten first; 5,000 by default, a few MB: a long case
 * and hundreds of ordinary ones), so its memory does not grow with the store. What it keeps is the log's
 * events as stored (identities sealed); the caller's access rules apply to what is folded from them.
 */
export class CaseEventsCache {
  private readonly cases = new Map<
    string,
    { readonly last: number; readonly events: readonly RecordedEvent[] }
  >();
  private held = 0;

  constructor(private readonly maxEvents = 5_000) {}

  /** The case's events if they were read when its last position was `last`. */
  get(caseId: string, last: number): readonly RecordedEvent[] | undefined {
    const kept = this.cases.get(caseId);
    if (!kept || kept.last !== last) return undefined;
    this.cases.delete(caseId); // most recently used last
    this.cases.set(caseId, kept);
    return kept.events;
  }

  set(caseId: string, last: number, events: readonly RecordedEvent[]): void {
    const before = this.cases.get(caseId);
    if (before) {
      this.cases.delete(caseId);
      this.held -= before.events.length;
    }
    if (events.length > this.maxEvents) return;
    this.cases.set(caseId, { last, events });
    this.held += events.length;
    for (const [oldest, kept] of this.cases) {
      if (this.held <= this.maxEvents) break;
      this.cases.delete(oldest);
      this.held -= kept.events.length;
    }
  }
}

/** The case's events up to `upTo`: the kept ones while its last position is `last`, else `read` and kept. */
async function kept(
  cache: CaseEventsCache,
  caseId: string,
  last: number,
  upTo: number,
  read: () => Promise<RecordedEvent[]>,
): Promise<RecordedEvent[]> {
  let events = cache.get(caseId, last);
  if (!events) {
    events = await read();
    cache.set(caseId, last, events);
  }
  return events.filter((e) => e.position <= upTo);
}

export const CASE_INDEX_COLLECTION = 'case_index';
const CASE_INDEX_JOINS = 'case_index_joins';

/** Where a case's events are: [streamId, revision, position], in log order. */
export interface CaseIndexDocument {
  readonly events: readonly (readonly [string, number, number])[];
}

/** The cases an event belongs to, by the same rule as the scan (a letter stream joins a case for good). */
async function casesOf(event: RecordedEvent, tx: ReadModelTx): Promise<Set<string>> {
  const cases = new Set<string>();
  if (typeof event.metadata.caseId === 'string') cases.add(event.metadata.caseId);
  const data = event.data as { complaintId?: unknown; complaintIds?: unknown } | null;
  if (data && typeof data === 'object') {
    if (typeof data.complaintId === 'string') cases.add(data.complaintId);
    if (Array.isArray(data.complaintIds)) {
      const covered = data.complaintIds.filter((c): c is string => typeof c === 'string');
      if (covered.length) {
        const joins = (await tx.get<{ cases: string[] }>(CASE_INDEX_JOINS, event.streamId))?.cases ?? [];
        const next = [...new Set([...joins, ...covered])];
        if (next.length !== joins.length) await tx.put(CASE_INDEX_JOINS, event.streamId, { cases: next });
        for (const c of covered) cases.add(c);
      }
    }
  }
  const joined = await tx.get<{ cases: string[] }>(CASE_INDEX_JOINS, event.streamId);
  for (const c of joined?.cases ?? []) cases.add(c);
  return cases;
}

/** case → the positions of its events: history, as-of and integrity read a case without scanning the log. */
export const caseIndexProjection: Projection = {
  name: 'case-index',
  version: 1,
  collections: [CASE_INDEX_COLLECTION, CASE_INDEX_JOINS],
  async apply(event, tx) {
    for (const caseId of await casesOf(event, tx)) {
      const doc = await tx.get<CaseIndexDocument>(CASE_INDEX_COLLECTION, caseId);
      const events = doc?.events ?? [];
      // Re-applied after a crash inside a batch: the position is already there.
      if (events.length && events[events.length - 1]![2] >= event.position) continue;
      await tx.put<CaseIndexDocument>(CASE_INDEX_COLLECTION, caseId, {
        events: [...events, [event.streamId, event.revision, event.position]],
      });
    }
  },
};

async function readIndexedCaseEvents(
  store: EventStore,
  index: ReadModelStore,
  caseId: string,
  upTo: number,
  cache?: CaseEventsCache,
): Promise<RecordedEvent[]> {
  const doc = await index.get<CaseIndexDocument>(CASE_INDEX_COLLECTION, caseId);
  if (!doc) return [];
  if (cache) {
    const last = doc.events[doc.events.length - 1]?.[2] ?? 0;
    return kept(cache, caseId, last, upTo, () =>
      readIndexedCaseEvents(store, index, caseId, Number.MAX_SAFE_INTEGER),
    );
  }
  const wanted = new Set<number>();
  const firstRevision = new Map<string, number>();
  for (const [streamId, revision, position] of doc.events) {
    if (position > upTo) break;
    wanted.add(position);
    if (!firstRevision.has(streamId)) firstRevision.set(streamId, revision);
  }
  const out: RecordedEvent[] = [];
  for (const [streamId, fromRevision] of firstRevision) {
    for (const event of await store.readStream(streamId, { fromRevision })) {
      if (wanted.has(event.position)) out.push(event);
    }
  }
  return out.sort((a, b) => a.position - b.position);
}

/**
 * Every event of the case in log order. A letter stream joins the case at its first event that lists
 * the case among its complaints, and every later event of that letter belongs to the case too (its
 * approval or delivery does not repeat its complaints). Shared streams (a yearly number register) never
 * join: only their events that name the case are taken.
 */
export async function readCaseEvents(
  store: EventStore,
  caseId: string,
  options: ReadCaseOptions = {},
): Promise<RecordedEvent[]> {
  const upTo = options.upToPosition ?? Number.MAX_SAFE_INTEGER;
  if (options.index) return readIndexedCaseEvents(store, options.index, caseId, upTo, options.cache);
  if (options.cache) {
    // Without the index the case's last position is unknown; the log's head stands for it.
    const head = await store.headPosition();
    return kept(options.cache, caseId, head, upTo, () =>
      readCaseEvents(store, caseId, { upToPosition: head }),
    );
  }
  const joined = new Set<string>();
  const out: RecordedEvent[] = [];
  let from = 0;
  for (;;) {
    const page = await store.readAll({ fromPosition: from, maxCount: PAGE });
    for (const event of page) {
      if (event.position > upTo) return out;
      if (joined.has(event.streamId) || namesCase(event, caseId)) {
        if (coversCase(event, caseId)) joined.add(event.streamId);
        out.push(event);
      }
    }
    if (page.length < PAGE) return out;
    from = page[page.length - 1]!.position;
  }
}

/** The streams a case's events live in, in the order the case first touched them. */
export function streamsOf(events: readonly RecordedEvent[]): string[] {
  return [...new Set(events.map((e) => e.streamId))];
}
