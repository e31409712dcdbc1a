/**
 * The shared conformance suite against a real EventStoreDB / KurrentDB server. It cannot start one by
 * itself: set EVENTSTORE_URL (e.g. `esdb://localhost:2113?tls=false`, a server of version 22.6 or later)
 * to run it; without it the file registers one skipped test and prints a banner saying so.
 *
 * Every test gets a fresh random namespace, so an existing server with other data works; nothing is
 * deleted afterwards (the log is append-only), so prefer a throwaway server: readAll and headPosition
 * page through the whole $all in the client and slow down as the server fills.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import {
  type EventStoreDbOptions,
  EventStoreDbEventStore,
  connectEventStoreDb,
} from '../../services/shared/eventstore/eventstoredb';
import { computeEventHash } from '../../services/shared/eventstore/hash';
import type {
  AppendOptions,
  EventStore,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
} from '../../services/shared/eventstore/types';
import { type ConformanceTamper, describeEventStoreConformance } from './event-store.conformance';

const url = process.env.EVENTSTORE_URL;

/**
 * The fixture's store: the real adapter, behind a handle the tamper operations can point at a forged
 * copy of the data. EventStoreDB's log is immutable, so "editing a stored event" can only be shown the
 * way an attacker with raw server access would have to do it: write the streams again elsewhere, with
 * the raw client and hand-made chain metadata, and serve that.
 */
class SwitchableStore implements EventStore {
  constructor(public current: EventStoreDbEventStore) {}
  append(streamId: string, events: readonly NewEvent[], options?: AppendOptions) {
    return this.current.append(streamId, events, options);
  }
  readStream(streamId: string, options?: ReadStreamOptions) {
    return this.current.readStream(streamId, options);
  }
  readAll(options?: ReadAllOptions) {
    return this.current.readAll(options);
  }
  subscribe(options?: SubscribeOptions) {
    return this.current.subscribe(options);
  }
  headPosition() {
    return this.current.headPosition();
  }
  streamRevision(streamId: string) {
    return this.current.streamRevision(streamId);
  }
  close() {
    return this.current.close();
  }
}

type Rewrite = (events: RecordedEvent[]) => RecordedEvent[];

function tamperFor(connectionString: string, handle: SwitchableStore): ConformanceTamper {
  /** Copies every stream into a new namespace with raw appends, rewriting one of them, and switches to it. */
  async function rewriteStream(streamId: string, rewrite: Rewrite): Promise<void> {
    const { EventStoreDBClient } = await import('@eventstore/db-client');
    const raw = EventStoreDBClient.connectionString(connectionString);
    const namespace = `dumas-test-${randomUUID().slice(0, 8)}-`;
    try {
      const byStream = new Map<string, RecordedEvent[]>();
      for (const e of await handle.current.readAll())
        byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e]);
      for (const [id, events] of byStream) {
        const written = id === streamId ? rewrite(events) : events;
        await raw.appendToStream(
          namespace + id,
          written.map((e) => ({
            id: e.id,
            contentType: 'application/json' as const,
            type: e.type,
            data: e.data as Record<string, unknown>,
            metadata: { ...e.metadata, dumasChain: { hash: e.hash, previousHash: e.previousHash } },
          })),
          { expectedRevision: 'no_stream' },
        );
      }
    } finally {
      await raw.dispose();
    }
    const previous = handle.current;
    handle.current = await EventStoreDbEventStore.connect({ url: connectionString, namespace });
    await previous.close();
  }

  return {
    editData: (streamId, revision, data) =>
      rewriteStream(streamId, (events) => events.map((e) => (e.revision === revision ? { ...e, data } : e))),
    // Later events are written one revision lower: the log cannot hold a gap, and the chain breaks there.
    deleteEvent: (streamId, revision) =>
      rewriteStream(streamId, (events) => events.filter((e) => e.revision !== revision)),
    swapRevisions: (streamId, a, b) =>
      rewriteStream(streamId, (events) =>
        events.map((e) => (e.revision === a ? events[b]! : e.revision === b ? events[a]! : e)),
      ),
    insertForged: (streamId, afterRevision) =>
      rewriteStream(streamId, (events) => {
        const before = events[afterRevision]!;
        const content = {
          streamId,
          revision: afterRevision + 1,
          id: randomUUID(),
          type: 'ComplaintWithdrawn',
          data: { forged: true },
          metadata: { occurredAt: before.metadata.occurredAt },
        };
        const forged: RecordedEvent = {
          ...content,
          position: before.position,
          recordedAt: before.recordedAt,
          previousHash: before.hash,
          hash: computeEventHash(before.hash, content),
        };
        return [...events.slice(0, afterRevision + 1), forged, ...events.slice(afterRevision + 1)];
      }),
  };
}

const maybe = url ? describe : describe.skip;

if (url) {
  describeEventStoreConformance('eventstoredb', async () => {
    const options: EventStoreDbOptions = { url, namespace: `dumas-test-${randomUUID().slice(0, 8)}-` };
    const handle = new SwitchableStore(await EventStoreDbEventStore.connect(options));
    return {
      store: handle,
      cleanup: () => handle.close(),
      tamper: tamperFor(url, handle),
      worker: {
        module: path.resolve(__dirname, '../../services/shared/eventstore/eventstoredb.ts'),
        exportName: connectEventStoreDb.name,
        args: options,
      },
    };
  });
} else {
  const line = '='.repeat(78);
  console.warn(
    `\n${line}\n  SKIPPED: EventStoreDB conformance suite — EVENTSTORE_URL is not set.\n` +
      '  The EventStoreDB adapter has NOT been exercised against a server in this run.\n' +
      `  Run it with: EVENTSTORE_URL='esdb://localhost:2113?tls=false' npx jest test/conformance/eventstoredb\n${line}\n`,
  );
}

maybe('eventstoredb conformance', () => {
  it('runs against the server named by EVENTSTORE_URL', () => {
    expect(url).toBeTruthy();
  });
});
