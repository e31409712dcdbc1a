import { computeEventHash } from '../../services/shared/eventstore/hash';
import { MemoryEventStore } from '../../services/shared/eventstore/memory';
import type { RecordedEvent } from '../../services/shared/eventstore/types';
import { describeEventStoreConformance } from './event-store.conformance';

describeEventStoreConformance('memory', async () => {
  const store = new MemoryEventStore();
  const at = (events: RecordedEvent[], revision: number) => events.findIndex((e) => e.revision === revision);
  return {
    store,
    cleanup: () => store.close(),
    tamper: {
      async editData(streamId, revision, data) {
        store.tamperWithStream(streamId, (events) =>
          events.map((e) => (e.revision === revision ? { ...e, data } : e)),
        );
      },
      async deleteEvent(streamId, revision) {
        store.tamperWithStream(streamId, (events) => events.filter((e) => e.revision !== revision));
      },
      async swapRevisions(streamId, a, b) {
        store.tamperWithStream(streamId, (events) => {
          const swapped = events.map((e) =>
            e.revision === a ? { ...e, revision: b } : e.revision === b ? { ...e, revision: a } : e,
          );
          return swapped.sort((x, y) => x.revision - y.revision);
        });
      },
      async insertForged(streamId, afterRevision) {
        store.tamperWithStream(streamId, (events) => {
          const before = events[at(events, afterRevision)]!;
          const content = {
            streamId,
            revision: afterRevision + 1,
            id: 'forged-event',
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
          const shifted = events.map((e) =>
            e.revision > afterRevision ? { ...e, revision: e.revision + 1 } : e,
          );
          return [...shifted, forged].sort((x, y) => x.revision - y.revision);
        });
      },
    },
  };
});
