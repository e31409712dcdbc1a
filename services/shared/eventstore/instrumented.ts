/**
 * The event-store port with latency and volume measured (services/shared/metrics.ts). A decorator rather
 * than code in each adapter, so the four adapters stay what the conformance suite checks and every one is
 * measured alike.
 */
import { secondsSince, storeAppendedEvents, storeDuration } from '../metrics';
import { currentTraceHeaders, inSpan, SpanKind } from '../tracing';
import type { EventStore, NewEvent, StreamAppend } from './types';
import { plainValue } from './hash';

const wrapped = new WeakMap<EventStore, Map<string, EventStore>>();

/** One wrapper per store and service, so what keys per-store state by identity (the log tail) still can. */
export function instrumentStore(store: EventStore, service: string, adapter: string): EventStore {
  const byService = wrapped.get(store) ?? new Map<string, EventStore>();
  wrapped.set(store, byService);
  const measured = byService.get(service) ?? measure(store, service, adapter);
  byService.set(service, measured);
  return measured;
}

function measure(store: EventStore, service: string, adapter: string): EventStore {
  async function timed<T>(operation: string, run: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    try {
      const result = await run();
      storeDuration.observe({ service, store: adapter, operation, outcome: 'ok' }, secondsSince(started));
      return result;
    } catch (err) {
      storeDuration.observe({ service, store: adapter, operation, outcome: 'error' }, secondsSince(started));
      throw err;
    }
  }
  return {
    append(streamId, events, options) {
      return inSpan(
        'eventstore.append',
        { kind: SpanKind.CLIENT, attributes: { 'dumas.service': service, 'dumas.stream': streamId } },
        async () => {
          // Each event carries the append's trace context, so whoever applies it later continues the trace.
          const trace = currentTraceHeaders();
          const traced = trace.traceparent ? withTrace(events, trace) : events;
          const result = await timed('append', () => store.append(streamId, traced, options));
          storeAppendedEvents.inc({ service, store: adapter }, events.length);
          return result;
        },
      );
    },
    // Several streams in one transaction, when the adapter can (EventStoreDB cannot: left out as there).
    ...(store.appendMany
      ? {
          appendMany: (appends: readonly StreamAppend[]) =>
            inSpan(
              'eventstore.append',
              {
                kind: SpanKind.CLIENT,
                attributes: { 'dumas.service': service, 'dumas.streams': appends.length },
              },
              async () => {
                const trace = currentTraceHeaders();
                const traced = trace.traceparent
                  ? appends.map((a) => ({ ...a, events: withTrace(a.events, trace) }))
                  : appends;
                const results = await timed('append', () => store.appendMany!(traced));
                storeAppendedEvents.inc(
                  { service, store: adapter },
                  appends.reduce((n, a) => n + a.events.length, 0),
                );
                return results;
              },
            ),
        }
      : {}),
    readStream: (streamId, options) => timed('readStream', () => store.readStream(streamId, options)),
    readAll: (options) => timed('readAll', () => store.readAll(options)),
    ...(store.reportsProgress ? { reportsProgress: true } : {}),
    subscribe: (options) => store.subscribe(options),
    headPosition: () => store.headPosition(),
    streamRevision: (streamId) => store.streamRevision(streamId),
    ...(store.streamRevisions
      ? { streamRevisions: (streamIds: readonly string[]) => store.streamRevisions!(streamIds) }
      : {}),
    close: () => store.close(),
  };
}

/** Each event with the append's trace context in its metadata (kept when it already has one). */
function withTrace(events: readonly NewEvent[], trace: Record<string, string>): NewEvent[] {
  return events.map((e) => {
    // Metadata serialised ahead (canonicalValue, a bulk import's) is spread as the value it stands for.
    const metadata = plainValue(e.metadata);
    return metadata.traceparent ? e : { ...e, metadata: { ...metadata, ...trace } };
  });
}
