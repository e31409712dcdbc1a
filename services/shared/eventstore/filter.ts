import type { EventFilter, RecordedEvent } from './types';

/**
 * The one reading of an EventFilter, for stores that filter in memory, the runtime's workers and the
 * as-of fold: a stream prefix and an event type must both match when given.
 */
export function eventMatcher(filter: EventFilter | undefined): (event: RecordedEvent) => boolean {
  const prefixes = filter?.streamPrefixes;
  const types = filter?.eventTypes ? new Set(filter.eventTypes) : undefined;
  return (event) =>
    (!prefixes || prefixes.some((p) => event.streamId.startsWith(p))) && (!types || types.has(event.type));
}

export const matchesFilter = (event: RecordedEvent, filter: EventFilter | undefined): boolean =>
  eventMatcher(filter)(event);
