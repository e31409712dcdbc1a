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
