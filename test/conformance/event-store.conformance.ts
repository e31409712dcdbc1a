/**
 * The shared conformance suite: every event-store adapter must pass all of it, so that the rest of
 * dumas can rely on the port meaning one thing. An adapter's test file calls
 *
 *   describeEventStoreConformance('sqlite', async () => ({ store, cleanup, tamper, worker }))
 *
 * The factory runs before every test and must hand back an EMPTY store.
 */
import { randomUUID } from 'node:crypto';
import {
  canonicalJson,
  canonicalValue,
  verifyChain,
  verifyStream,
} from '../../services/shared/eventstore/hash';
import {
  DuplicateEventIdError,
  type AppendResult,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
  type Subscription,
  WrongExpectedRevisionError,
} from '../../services/shared/eventstore/types';
import { openWorkerStore, type WorkerStoreSpec } from '../support/append-worker';
import { spawnAppendWorker } from '../support/worker-process';

/**
 * Raw operations that bypass the port, the way someone with direct database access could, so the
 * suite can show the hash chain catches them. Each acts on the stored rows of one stream.
 */
export interface ConformanceTamper {
  /** Replaces the data of the event at `revision`, leaving its stored hash as it was. */
  editData(streamId: string, revision: number, data: unknown): Promise<void>;
  /** Removes the event at `revision`; later events keep their revisions. */
  deleteEvent(streamId: string, revision: number): Promise<void>;
  /** Exchanges the revision numbers of the events stored at revisions `a` and `b`. */
  swapRevisions(streamId: string, a: number, b: number): Promise<void>;
  /**
   * Inserts a forged event at revision `afterRevision + 1` that chains correctly onto `afterRevision`
   * (previousHash = that event's hash, hash computed with computeEventHash), and moves every later
   * event up by one revision. The chain then breaks at `afterRevision + 2`.
   */
  insertForged(streamId: string, afterRevision: number): Promise<void>;
}

export interface ConformanceFixture {
  /** An empty store. */
  readonly store: EventStore;
  /** Closes the store (if the test has not) and removes whatever the factory created. */
  cleanup(): Promise<void>;
  readonly tamper: ConformanceTamper;
  /**
   * How another OS process (test/support/append-worker.ts) opens this same store:
   * `(await import(module))[exportName](args)` must return an EventStore over the same data. When given,
   * the suite also uses it in-process to open a second, independent connection. Omit for stores that
   * live in one process only (memory).
   */
  readonly worker?: WorkerStoreSpec;
}

const now = '2026-11-28T08:00:00.000Z';

export function newEvent(type: string, data: unknown = {}, id: string = randomUUID()): NewEvent {
  return { id, type, data, metadata: { occurredAt: now, correlationId: 'corr-1' } };
}

function events(count: number, type = 'ComplaintNoted'): NewEvent[] {
  return Array.from({ length: count }, (_, i) => newEvent(type, { n: i }));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to be refused, but it succeeded');
}

/** Pulls `count` events from a subscription, failing after `timeoutMs` rather than hanging the run. */
async function take(sub: Subscription, count: number, timeoutMs = 10_000): Promise<RecordedEvent[]> {
  const got: RecordedEvent[] = [];
  if (count === 0) return got;
  const iterator = sub[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`subscription delivered ${got.length} of ${count} events in ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    while (got.length < count) {
      const next = await Promise.race([iterator.next(), timeout]);
      if (next.done) throw new Error(`subscription ended after ${got.length} of ${count} events`);
      got.push(next.value);
    }
  } finally {
    clearTimeout(timer);
  }
  return got;
}

/** Whether the next pull ends the iteration within `timeoutMs`. */
async function endsWithin(sub: Subscription, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([
    sub[Symbol.asyncIterator]()
      .next()
      .then((r) => r.done === true),
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  return result === true;
}

function expectStrictlyIncreasing(positions: readonly number[]): void {
  for (let i = 1; i < positions.length; i++) {
    if (!(positions[i]! > positions[i - 1]!)) {
      throw new Error(`positions not strictly increasing at ${i}: ${positions[i - 1]} then ${positions[i]}`);
    }
  }
}

export function describeEventStoreConformance(
  name: string,
  factory: () => Promise<ConformanceFixture>,
): void {
  describe(`${name} event store conformance`, () => {
    let fixture: ConformanceFixture;
    let store: EventStore;
    const extraStores: EventStore[] = [];

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });

    afterEach(async () => {
      for (const s of extraStores.splice(0)) await s.close();
      await fixture.cleanup();
    });

    /** A second, independent handle on the same store (another connection), when the adapter has one. */
    async function secondConnection(): Promise<EventStore | undefined> {
      if (!fixture.worker) return undefined;
      const other = await openWorkerStore(fixture.worker);
      extraStores.push(other);
      return other;
    }

    describe('expected revision', () => {
      it('no_stream on an absent stream appends from revision 0', async () => {
        const result = await store.append('complaint-1', events(2), { expectedRevision: 'no_stream' });
        expect(result.nextExpectedRevision).toBe(1);
        expect((await store.readStream('complaint-1')).map((e) => e.revision)).toEqual([0, 1]);
      });

      it('no_stream on an existing stream is refused with expected and actual', async () => {
        await store.append('complaint-1', events(2));
        const err = await rejection(
          store.append('complaint-1', events(1), { expectedRevision: 'no_stream' }),
        );
        expect(err).toBeInstanceOf(WrongExpectedRevisionError);
        expect(err).toMatchObject({ streamId: 'complaint-1', expected: 'no_stream', actual: 1 });
      });

      it('stream_exists on an absent stream is refused with actual no_stream', async () => {
        const err = await rejection(
          store.append('complaint-1', events(1), { expectedRevision: 'stream_exists' }),
        );
        expect(err).toBeInstanceOf(WrongExpectedRevisionError);
        expect(err).toMatchObject({ expected: 'stream_exists', actual: 'no_stream' });
        expect(await store.streamRevision('complaint-1')).toBeUndefined();
      });

      it('stream_exists on an existing stream appends', async () => {
        await store.append('complaint-1', events(1));
        const result = await store.append('complaint-1', events(1), { expectedRevision: 'stream_exists' });
        expect(result.nextExpectedRevision).toBe(1);
      });

      it('an exact revision that matches appends after it', async () => {
        await store.append('complaint-1', events(3));
        const result = await store.append('complaint-1', events(2), { expectedRevision: 2 });
        expect(result.nextExpectedRevision).toBe(4);
      });

      it('a wrong exact revision is refused with expected and actual, and writes nothing', async () => {
        await store.append('complaint-1', events(3));
        const head = await store.headPosition();
        const err = await rejection(store.append('complaint-1', events(2), { expectedRevision: 1 }));
        expect(err).toBeInstanceOf(WrongExpectedRevisionError);
        expect(err).toMatchObject({ streamId: 'complaint-1', expected: 1, actual: 2 });
        expect(await store.streamRevision('complaint-1')).toBe(2);
        expect(await store.headPosition()).toBe(head);
      });

      it('an exact revision on an absent stream is refused with actual no_stream', async () => {
        const err = await rejection(store.append('complaint-1', events(1), { expectedRevision: 0 }));
        expect(err).toBeInstanceOf(WrongExpectedRevisionError);
        expect(err).toMatchObject({ expected: 0, actual: 'no_stream' });
      });

      it('any (and no option at all) appends whatever the stream holds', async () => {
        expect(
          (await store.append('complaint-1', events(1), { expectedRevision: 'any' })).nextExpectedRevision,
        ).toBe(0);
        expect(
          (await store.append('complaint-1', events(1), { expectedRevision: 'any' })).nextExpectedRevision,
        ).toBe(1);
        expect((await store.append('complaint-1', events(1))).nextExpectedRevision).toBe(2);
      });
    });

    describe('idempotency by event id', () => {
      it('a retry with the same ids and expected revision returns the first result and writes nothing', async () => {
        const batch = events(3);
        const first = await store.append('complaint-1', batch, { expectedRevision: 'no_stream' });
        const head = await store.headPosition();
        const again = await store.append('complaint-1', batch, { expectedRevision: 'no_stream' });
        expect(first.alreadyStored).toBeUndefined();
        expect(again).toEqual({ ...first, alreadyStored: true });
        expect(await store.headPosition()).toBe(head);
        expect(await store.readStream('complaint-1')).toHaveLength(3);
      });

      it('a retry of a later batch with its exact revision returns that batch result', async () => {
        await store.append('complaint-1', events(2));
        const batch = events(2);
        const first = await store.append('complaint-1', batch, { expectedRevision: 1 });
        await store.append('complaint-1', events(1), { expectedRevision: 3 });
        const again = await store.append('complaint-1', batch, { expectedRevision: 1 });
        expect(again).toEqual({ ...first, alreadyStored: true });
        expect(await store.streamRevision('complaint-1')).toBe(4);
      });

      it('a retry with expected revision any returns the first result', async () => {
        const batch = events(2);
        const first = await store.append('complaint-1', batch);
        await store.append('complaint-1', events(1));
        expect(await store.append('complaint-1', batch)).toEqual({ ...first, alreadyStored: true });
        expect(await store.streamRevision('complaint-1')).toBe(2);
      });

      it('stored ids appended with another expected revision are a duplicate, not a retry', async () => {
        const batch = events(2);
        await store.append('complaint-1', batch, { expectedRevision: 'no_stream' });
        const err = await rejection(store.append('complaint-1', batch, { expectedRevision: 1 }));
        expect(err).toBeInstanceOf(DuplicateEventIdError);
        expect(await store.streamRevision('complaint-1')).toBe(1);
      });

      it('a stored id in another stream is a duplicate', async () => {
        const e = newEvent('ComplaintNoted');
        await store.append('complaint-1', [e]);
        const err = await rejection(store.append('complaint-2', [e]));
        expect(err).toBeInstanceOf(DuplicateEventIdError);
        expect(err).toMatchObject({ eventId: e.id });
        expect(await store.streamRevision('complaint-2')).toBeUndefined();
      });

      it('a batch mixing stored and new ids is a duplicate and writes nothing', async () => {
        const stored = events(2);
        await store.append('complaint-1', stored);
        const head = await store.headPosition();
        const err = await rejection(store.append('complaint-1', [stored[1]!, newEvent('ComplaintNoted')]));
        expect(err).toBeInstanceOf(DuplicateEventIdError);
        const err2 = await rejection(store.append('complaint-1', [newEvent('ComplaintNoted'), stored[0]!]));
        expect(err2).toBeInstanceOf(DuplicateEventIdError);
        expect(await store.headPosition()).toBe(head);
      });

      it('the same id twice in one batch is a duplicate and writes nothing', async () => {
        const e = newEvent('ComplaintNoted');
        const err = await rejection(store.append('complaint-1', [e, newEvent('ComplaintNoted'), e]));
        expect(err).toBeInstanceOf(DuplicateEventIdError);
        expect(await store.streamRevision('complaint-1')).toBeUndefined();
      });

      it('an event without an id gets a fresh one', async () => {
        await store.append('complaint-1', [
          { type: 'ComplaintNoted', data: {}, metadata: { occurredAt: now } },
        ]);
        await store.append('complaint-1', [
          { type: 'ComplaintNoted', data: {}, metadata: { occurredAt: now } },
        ]);
        const stored = await store.readStream('complaint-1');
        expect(stored).toHaveLength(2);
        expect(stored[0]!.id).toEqual(expect.any(String));
        expect(stored[0]!.id).not.toBe(stored[1]!.id);
      });
    });

    describe('batches', () => {
      it('a batch whose last event collides with a stored id writes none of its events', async () => {
        const elsewhere = newEvent('ComplaintNoted');
        await store.append('complaint-9', [elsewhere]);
        const head = await store.headPosition();
        const err = await rejection(store.append('complaint-1', [...events(3), elsewhere]));
        expect(err).toBeInstanceOf(DuplicateEventIdError);
        expect(await store.readStream('complaint-1')).toEqual([]);
        expect(await store.headPosition()).toBe(head);
        expect(await store.readAll()).toHaveLength(1);
      });

      it('a batch whose last event cannot be stored as JSON writes none of its events', async () => {
        const bad = newEvent('ComplaintNoted', { amount: Number.NaN });
        await expect(store.append('complaint-1', [...events(2), bad])).rejects.toThrow();
        expect(await store.readStream('complaint-1')).toEqual([]);
        expect(await store.headPosition()).toBe(0);
      });

      it('an empty batch is refused', async () => {
        await expect(store.append('complaint-1', [])).rejects.toThrow();
        expect(await store.streamRevision('complaint-1')).toBeUndefined();
      });
    });

    it('streamRevisions answers the last revision of each existing stream asked for (where offered)', async () => {
      if (!store.streamRevisions) return;
      await store.append('complaint-1', events(3));
      await store.append('complaint-2', events(1));
      const revisions = await store.streamRevisions(['complaint-2', 'complaint-3', 'complaint-1']);
      expect(revisions).toEqual(
        new Map([
          ['complaint-2', 0],
          ['complaint-1', 2],
        ]),
      );
      expect(await store.streamRevisions([])).toEqual(new Map());
    });

    describe('appendMany (where the store offers it)', () => {
      const many = () => {
        if (!store.appendMany) throw new Error('no appendMany');
        return store.appendMany.bind(store);
      };
      const offered = () => store.appendMany !== undefined;

      it('commits several streams at once, in the order given', async () => {
        if (!offered()) return;
        await store.append('complaint-1', events(1));
        const results = await many()([
          {
            streamId: 'tracking-number-1',
            events: events(1, 'TrackingNumberClaimed'),
            expectedRevision: 'no_stream',
          },
          { streamId: 'complaint-1', events: events(2), expectedRevision: 0 },
        ]);
        expect(results.map((r) => r.nextExpectedRevision)).toEqual([0, 2]);
        expect(results[0]!.position).toBeLessThan(results[1]!.position);
        const all = await store.readAll();
        expect(all.map((e) => [e.streamId, e.revision])).toEqual([
          ['complaint-1', 0],
          ['tracking-number-1', 0],
          ['complaint-1', 1],
          ['complaint-1', 2],
        ]);
        expect((await verifyStream(store, 'complaint-1')).ok).toBe(true);
      });

      it('takes data and metadata given as their canonical JSON (canonicalValue) as the values they stand for', async () => {
        if (!offered()) return;
        const data = { z: 'Jalan rusak — Bantul ✓', a: [1, 0.25, null], nested: { b: true, a: false } };
        const metadata = { occurredAt: now, caseId: 'complaint-1', imported: { source: 'sheet', line: 2 } };
        // The same events as values, in another store's stream, hash alike: the text is what is hashed.
        await many()([
          {
            streamId: 'complaint-1',
            events: [
              {
                id: 'e-pre-1',
                type: 'ComplaintReceived',
                data: canonicalValue(canonicalJson(data)),
                metadata: canonicalValue(canonicalJson(metadata)),
              },
            ],
            expectedRevision: 'no_stream',
          },
        ]);
        await store.append('complaint-2', [{ id: 'e-pre-2', type: 'ComplaintReceived', data, metadata }]);
        const [pre] = await store.readStream('complaint-1');
        const [plain] = await store.readStream('complaint-2');
        expect(pre!.data).toEqual(data);
        expect(pre!.metadata).toEqual(metadata);
        expect(canonicalJson(pre!.data)).toBe(canonicalJson(plain!.data));
        expect(canonicalJson(pre!.metadata)).toBe(canonicalJson(plain!.metadata));
        expect((await verifyStream(store, 'complaint-1')).ok).toBe(true);
      });

      it('writes nothing when one stream fails its expected revision, and names that stream', async () => {
        if (!offered()) return;
        await store.append('complaint-1', events(1));
        const head = await store.headPosition();
        const err = await rejection(
          many()([
            { streamId: 'tracking-number-1', events: events(1), expectedRevision: 'no_stream' },
            { streamId: 'complaint-1', events: events(1), expectedRevision: 'no_stream' },
          ]),
        );
        expect(err).toBeInstanceOf(WrongExpectedRevisionError);
        expect((err as WrongExpectedRevisionError).streamId).toBe('complaint-1');
        expect(await store.streamRevision('tracking-number-1')).toBeUndefined();
        expect(await store.headPosition()).toBe(head);
      });

      it('writes nothing when an event id is already stored', async () => {
        if (!offered()) return;
        const stored = newEvent('ComplaintNoted');
        await store.append('complaint-9', [stored]);
        const err = await rejection(
          many()([
            { streamId: 'tracking-number-1', events: events(1) },
            { streamId: 'complaint-1', events: [stored] },
          ]),
        );
        expect(err).toBeInstanceOf(DuplicateEventIdError);
        expect(await store.streamRevision('tracking-number-1')).toBeUndefined();
        expect(await store.readAll()).toHaveLength(1);
      });

      it('records the whole batch, every stream of it, at one instant', async () => {
        if (!offered()) return;
        // Enough rows that a clock read per stream or per row would cross a millisecond: what dumas knew
        // at an instant ("as recorded") must never hold half of one append.
        const bulky = (n: number) =>
          events(n).map((e) => ({ ...e, data: { ...(e.data as object), text: 'x'.repeat(2_000) } }));
        await many()(
          Array.from({ length: 40 }, (_, i) => ({ streamId: `complaint-${i}`, events: bulky(25) })),
        );
        const recorded = new Set((await store.readAll()).map((e) => e.recordedAt));
        expect([...recorded]).toHaveLength(1);
      });

      it('wakes subscribers for every stream of the batch', async () => {
        if (!offered()) return;
        const sub = store.subscribe();
        try {
          await many()([
            { streamId: 'tracking-number-1', events: events(1) },
            { streamId: 'complaint-1', events: events(1) },
          ]);
          expect((await take(sub, 2)).map((e) => e.streamId)).toEqual(['tracking-number-1', 'complaint-1']);
        } finally {
          await sub.close();
        }
      });
    });

    describe('the recorded envelope', () => {
      it('keeps id, type, data and metadata exactly, and adds revision, position, recordedAt and hashes', async () => {
        const e: NewEvent = {
          id: randomUUID(),
          type: 'ComplaintFiled',
          data: {
            trackingNumber: 'DUMAS-2026-000123',
            channel: 'WHATSAPP',
            summary: 'Jalan rusak di Kapanewon Sewon, Bantul — belum diperbaiki sejak 2024 ✓',
            agencies: ['inspektorat-bantul', 'inspektorat-diy'],
            nested: { confidential: false, anonymous: true, count: 0, ratio: 0.25, none: null },
          },
          metadata: {
            occurredAt: now,
            actor: { id: 'officer-7', role: 'OFFICER' },
            correlationId: 'c-1',
            causationId: 'c-0',
            caseId: 'complaint-1',
            importedFrom: 'e-LAPOR',
          },
        };
        const before = Date.now();
        const result = await store.append('complaint-1', [e]);
        const [stored] = await store.readStream('complaint-1');
        expect(stored).toMatchObject({
          id: e.id,
          streamId: 'complaint-1',
          revision: 0,
          position: result.position,
          type: 'ComplaintFiled',
          previousHash: '',
        });
        expect(stored!.data).toEqual(e.data);
        expect(stored!.metadata).toEqual(e.metadata);
        expect(stored!.hash).toMatch(/^[0-9a-f]{64}$/);
        const recordedAt = Date.parse(stored!.recordedAt);
        expect(new Date(recordedAt).toISOString()).toBe(stored!.recordedAt);
        expect(recordedAt).toBeGreaterThanOrEqual(before - 1000);
        expect(recordedAt).toBeLessThanOrEqual(Date.now() + 1000);
      });

      it('records every event of one append at one instant', async () => {
        const bulky = events(1_000).map((e) => ({
          ...e,
          data: { ...(e.data as object), text: 'x'.repeat(2_000) },
        }));
        await store.append('complaint-1', bulky);
        const recorded = new Set((await store.readStream('complaint-1')).map((e) => e.recordedAt));
        expect([...recorded]).toHaveLength(1);
      });

      it('numbers revisions from 0 per stream, chains hashes, and positions increase', async () => {
        await store.append('complaint-1', events(3));
        await store.append('complaint-2', events(1));
        await store.append('complaint-1', events(1));
        const stream = await store.readStream('complaint-1');
        expect(stream.map((e) => e.revision)).toEqual([0, 1, 2, 3]);
        expectStrictlyIncreasing(stream.map((e) => e.position));
        for (let i = 1; i < stream.length; i++) expect(stream[i]!.previousHash).toBe(stream[i - 1]!.hash);
        expect((await store.readStream('complaint-2'))[0]!.revision).toBe(0);
      });
    });

    describe('global order', () => {
      it('readAll returns every event in append order with strictly increasing positions', async () => {
        const appended: string[] = [];
        const results = [];
        for (let i = 0; i < 12; i++) {
          const batch = events(1 + (i % 3));
          appended.push(...batch.map((e) => e.id!));
          results.push(await store.append(`complaint-${i % 4}`, batch));
        }
        const all = await store.readAll();
        expect(all.map((e) => e.id)).toEqual(appended);
        expectStrictlyIncreasing(all.map((e) => e.position));
        expect(results.map((r) => r.position)).toEqual(
          results.map((_, i) => all[sumBatches(i) - 1]!.position),
        );
        expect(await store.headPosition()).toBe(all[all.length - 1]!.position);
      });

      it('headPosition is 0 and streamRevision undefined on an empty store', async () => {
        expect(await store.headPosition()).toBe(0);
        expect(await store.streamRevision('complaint-1')).toBeUndefined();
        expect(await store.readAll()).toEqual([]);
        expect(await store.readStream('complaint-1')).toEqual([]);
      });

      it('headPosition and streamRevision follow appends', async () => {
        const a = await store.append('complaint-1', events(2));
        expect(await store.headPosition()).toBe(a.position);
        const b = await store.append('complaint-2', events(3));
        expect(await store.headPosition()).toBe(b.position);
        expect(await store.streamRevision('complaint-1')).toBe(1);
        expect(await store.streamRevision('complaint-2')).toBe(2);
      });
    });

    describe('readStream', () => {
      beforeEach(async () => {
        await store.append('complaint-1', events(5));
        await store.append('complaint-2', events(2));
      });
      const revisions = (list: RecordedEvent[]) => list.map((e) => e.revision);

      it('reads forwards from 0 by default', async () => {
        expect(revisions(await store.readStream('complaint-1'))).toEqual([0, 1, 2, 3, 4]);
      });
      it('reads forwards from a revision, inclusive, with a limit', async () => {
        expect(revisions(await store.readStream('complaint-1', { fromRevision: 2 }))).toEqual([2, 3, 4]);
        expect(revisions(await store.readStream('complaint-1', { fromRevision: 1, maxCount: 2 }))).toEqual([
          1, 2,
        ]);
        expect(revisions(await store.readStream('complaint-1', { maxCount: 1 }))).toEqual([0]);
        expect(await store.readStream('complaint-1', { fromRevision: 5 })).toEqual([]);
      });
      it('reads backwards from the last revision by default', async () => {
        expect(revisions(await store.readStream('complaint-1', { direction: 'backwards' }))).toEqual([
          4, 3, 2, 1, 0,
        ]);
      });
      it('reads backwards from a revision, inclusive, with a limit', async () => {
        expect(
          revisions(
            await store.readStream('complaint-1', { direction: 'backwards', fromRevision: 3, maxCount: 2 }),
          ),
        ).toEqual([3, 2]);
        expect(
          revisions(await store.readStream('complaint-1', { direction: 'backwards', maxCount: 1 })),
        ).toEqual([4]);
        expect(
          revisions(await store.readStream('complaint-1', { direction: 'backwards', fromRevision: 0 })),
        ).toEqual([0]);
      });
      it('reads an absent stream as empty, in both directions', async () => {
        expect(await store.readStream('complaint-404')).toEqual([]);
        expect(await store.readStream('complaint-404', { direction: 'backwards' })).toEqual([]);
      });
      it('reads only its own stream, not streams sharing a prefix', async () => {
        await store.append('complaint-10', events(1));
        expect((await store.readStream('complaint-1')).every((e) => e.streamId === 'complaint-1')).toBe(true);
      });
    });

    describe('readAll', () => {
      let all: RecordedEvent[];
      beforeEach(async () => {
        await store.append('complaint-1', [newEvent('ComplaintFiled'), newEvent('ComplaintVerified')]);
        await store.append('letter-1', [newEvent('LetterDrafted')]);
        await store.append('complaint-2', [newEvent('ComplaintFiled')]);
        await store.append('agency-inspektorat-diy', [newEvent('AgencyRegistered')]);
        await store.append('complaint_x', [newEvent('ComplaintFiled')]);
        await store.append('Complaint-3', [newEvent('ComplaintFiled')]);
        await store.append('letter-1', [newEvent('LetterApproved')]);
        all = await store.readAll();
      });
      const streamsOf = (list: RecordedEvent[]) => list.map((e) => `${e.streamId}:${e.type}`);

      it('reads from a position, exclusive, with a limit', async () => {
        expect(all).toHaveLength(8);
        expect((await store.readAll({ fromPosition: all[2]!.position })).map((e) => e.id)).toEqual(
          all.slice(3).map((e) => e.id),
        );
        expect(
          (await store.readAll({ fromPosition: all[2]!.position, maxCount: 2 })).map((e) => e.id),
        ).toEqual(all.slice(3, 5).map((e) => e.id));
        expect(await store.readAll({ fromPosition: all[7]!.position })).toEqual([]);
      });

      it('filters by stream prefix, case-sensitively, with no wildcard meaning', async () => {
        expect(streamsOf(await store.readAll({ filter: { streamPrefixes: ['complaint-'] } }))).toEqual([
          'complaint-1:ComplaintFiled',
          'complaint-1:ComplaintVerified',
          'complaint-2:ComplaintFiled',
        ]);
        expect(
          streamsOf(await store.readAll({ filter: { streamPrefixes: ['letter-', 'agency-'] } })),
        ).toEqual([
          'letter-1:LetterDrafted',
          'agency-inspektorat-diy:AgencyRegistered',
          'letter-1:LetterApproved',
        ]);
        // '_' and '%' are LIKE wildcards; a prefix must match them literally.
        expect(streamsOf(await store.readAll({ filter: { streamPrefixes: ['complaint_'] } }))).toEqual([
          'complaint_x:ComplaintFiled',
        ]);
        expect(await store.readAll({ filter: { streamPrefixes: ['complaint%'] } })).toEqual([]);
      });

      it('filters by event type', async () => {
        expect(
          streamsOf(await store.readAll({ filter: { eventTypes: ['ComplaintFiled', 'LetterApproved'] } })),
        ).toEqual([
          'complaint-1:ComplaintFiled',
          'complaint-2:ComplaintFiled',
          'complaint_x:ComplaintFiled',
          'Complaint-3:ComplaintFiled',
          'letter-1:LetterApproved',
        ]);
      });

      it('combines filters, position and limit', async () => {
        const filtered = await store.readAll({
          fromPosition: all[0]!.position,
          maxCount: 1,
          filter: { streamPrefixes: ['complaint-'], eventTypes: ['ComplaintFiled'] },
        });
        expect(streamsOf(filtered)).toEqual(['complaint-2:ComplaintFiled']);
      });

      it('an empty filter list matches nothing', async () => {
        expect(await store.readAll({ filter: { eventTypes: [] } })).toEqual([]);
        expect(await store.readAll({ filter: { streamPrefixes: [] } })).toEqual([]);
      });
    });

    describe('subscribe', () => {
      it('catches up from the beginning, then follows live appends', async () => {
        await store.append('complaint-1', events(5));
        const sub = store.subscribe();
        try {
          const caughtUp = await take(sub, 5);
          expect(caughtUp.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4]);
          const pending = take(sub, 3);
          pending.catch(() => undefined); // awaited below; must not go unhandled if the test fails first
          await store.append('complaint-2', events(3));
          const live = await pending;
          expect(live.map((e) => `${e.streamId}@${e.revision}`)).toEqual([
            'complaint-2@0',
            'complaint-2@1',
            'complaint-2@2',
          ]);
        } finally {
          await sub.close();
        }
      });

      it('starts after a given position, exclusive', async () => {
        await store.append('complaint-1', events(4));
        const all = await store.readAll();
        const sub = store.subscribe({ from: all[1]!.position });
        try {
          expect((await take(sub, 2)).map((e) => e.id)).toEqual([all[2]!.id, all[3]!.id]);
        } finally {
          await sub.close();
        }
      });

      it('hands over from catch-up to live with no gap and no duplicate while appends continue', async () => {
        const first = 300;
        const more = 200;
        for (let i = 0; i < first / 50; i++) await store.append(`complaint-${i % 7}`, events(50));
        const sub = store.subscribe({ batchSize: 16 });
        const writer = (async () => {
          for (let i = 0; i < more / 10; i++) {
            await store.append(`complaint-${i % 5}`, events(10));
            await new Promise((r) => setImmediate(r));
          }
        })();
        try {
          const got = await take(sub, first + more, 20_000);
          await writer;
          const all = await store.readAll();
          expect(got.map((e) => e.id)).toEqual(all.map((e) => e.id));
          expectStrictlyIncreasing(got.map((e) => e.position));
        } finally {
          await sub.close();
          await writer;
        }
      });

      it('delivers only events matching its filter, in catch-up and live', async () => {
        await store.append('complaint-1', [newEvent('ComplaintFiled'), newEvent('ComplaintVerified')]);
        await store.append('letter-1', [newEvent('LetterDrafted')]);
        const sub = store.subscribe({
          filter: { streamPrefixes: ['complaint-'], eventTypes: ['ComplaintFiled'] },
        });
        try {
          const caughtUp = await take(sub, 1);
          expect(caughtUp.map((e) => e.type)).toEqual(['ComplaintFiled']);
          const pending = take(sub, 1);
          pending.catch(() => undefined); // awaited below; must not go unhandled if the test fails first
          await store.append('letter-2', [newEvent('ComplaintFiled')]);
          await store.append('complaint-1', [newEvent('ComplaintForwarded')]);
          await store.append('complaint-3', [newEvent('ComplaintFiled')]);
          const live = await pending;
          expect(live.map((e) => `${e.streamId}:${e.type}`)).toEqual(['complaint-3:ComplaintFiled']);
        } finally {
          await sub.close();
        }
      });

      it('sees appends made through another connection to the same store', async () => {
        const other = await secondConnection();
        if (!other) return;
        const sub = store.subscribe();
        try {
          const pending = take(sub, 3, 5_000);
          pending.catch(() => undefined); // awaited below; must not go unhandled if the test fails first
          await other.append('complaint-1', events(3));
          expect((await pending).map((e) => e.revision)).toEqual([0, 1, 2]);
        } finally {
          await sub.close();
        }
      });

      it('close() ends a subscription that is waiting for events', async () => {
        const sub = store.subscribe();
        const ended = endsWithin(sub, 3_000);
        await new Promise((r) => setTimeout(r, 20));
        await sub.close();
        expect(await ended).toBe(true);
      });

      it('an aborted signal ends the subscription', async () => {
        await store.append('complaint-1', events(1));
        const controller = new AbortController();
        const sub = store.subscribe({ signal: controller.signal });
        expect(await take(sub, 1)).toHaveLength(1);
        const ended = endsWithin(sub, 3_000);
        controller.abort();
        expect(await ended).toBe(true);
      });

      it('closing the store ends its subscriptions', async () => {
        const sub = store.subscribe();
        const ended = endsWithin(sub, 3_000);
        await new Promise((r) => setTimeout(r, 20));
        await store.close();
        expect(await ended).toBe(true);
      });
    });

    describe('concurrency', () => {
      it('of many appenders expecting the same revision, exactly one wins each revision', async () => {
        const other = await secondConnection();
        const stores = other ? [store, other] : [store];
        for (let round = 0; round < 5; round++) {
          const expectedRevision = round === 0 ? ('no_stream' as const) : round - 1;
          const outcomes = await Promise.allSettled(
            Array.from({ length: 8 }, (_, i) =>
              stores[i % stores.length]!.append('complaint-1', [newEvent('ComplaintNoted', { round, i })], {
                expectedRevision,
              }),
            ),
          );
          const won = outcomes.filter((o) => o.status === 'fulfilled');
          const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
          expect(won).toHaveLength(1);
          expect(lost).toHaveLength(7);
          for (const o of lost) expect(o.reason).toBeInstanceOf(WrongExpectedRevisionError);
        }
        const stream = await store.readStream('complaint-1');
        expect(stream.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4]);
        expect(stream.map((e) => (e.data as { round: number }).round)).toEqual([0, 1, 2, 3, 4]);
        expect(verifyChain('complaint-1', stream).ok).toBe(true);
      });

      it('appends asked for at the same moment succeed or fail each on its own', async () => {
        await store.append('complaint-2', [newEvent('ComplaintNoted', { n: 0 })]);
        const retried = newEvent('ComplaintNoted', { n: 'retried' });
        const first = await store.append('complaint-3', [retried], { expectedRevision: 'no_stream' });
        // Asked for without awaiting one another: a store that commits them together (group commit)
        // must still refuse only the ones that break a rule, and write every other one.
        const outcomes = await Promise.allSettled([
          store.append('complaint-1', [newEvent('ComplaintNoted', { n: 1 })], {
            expectedRevision: 'no_stream',
          }),
          store.append('complaint-2', [newEvent('ComplaintNoted', { n: 2 })], { expectedRevision: 5 }),
          store.append('complaint-3', [retried], { expectedRevision: 'no_stream' }),
          store.append('complaint-4', [newEvent('ComplaintNoted', { n: 4 }), { ...retried }]),
          store.append('complaint-1', [newEvent('ComplaintNoted', { n: 5 })], { expectedRevision: 0 }),
          store.append('complaint-2', [newEvent('ComplaintNoted', { n: 6 })], { expectedRevision: 0 }),
        ]);
        expect(outcomes.map((o) => o.status)).toEqual([
          'fulfilled',
          'rejected',
          'fulfilled',
          'rejected',
          'fulfilled',
          'fulfilled',
        ]);
        expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
        expect((outcomes[3] as PromiseRejectedResult).reason).toBeInstanceOf(DuplicateEventIdError);
        expect((outcomes[2] as PromiseFulfilledResult<AppendResult>).value).toEqual({
          ...first,
          alreadyStored: true,
        });
        expect(await store.streamRevision('complaint-4')).toBeUndefined();
        const data = async (id: string) =>
          (await store.readStream(id)).map((e) => (e.data as { n: unknown }).n);
        expect(await data('complaint-1')).toEqual([1, 5]);
        expect(await data('complaint-2')).toEqual([0, 6]);
        expect(await data('complaint-3')).toEqual(['retried']);
        expectStrictlyIncreasing((await store.readAll()).map((e) => e.position));
        for (const id of ['complaint-1', 'complaint-2', 'complaint-3']) {
          expect((await verifyStream(store, id)).ok).toBe(true);
        }
      });

      it('appenders that retry on conflict all land, densely and chained', async () => {
        const other = await secondConnection();
        const stores = other ? [store, other] : [store];
        const writers = 6;
        const perWriter = 8;
        await Promise.all(
          Array.from({ length: writers }, async (_, w) => {
            const s = stores[w % stores.length]!;
            for (let n = 0; n < perWriter; n++) {
              for (;;) {
                const revision = await s.streamRevision('complaint-1');
                try {
                  await s.append('complaint-1', [newEvent('ComplaintNoted', { w, n })], {
                    expectedRevision: revision ?? 'no_stream',
                  });
                  break;
                } catch (err) {
                  if (!(err instanceof WrongExpectedRevisionError)) throw err;
                }
              }
            }
          }),
        );
        const stream = await store.readStream('complaint-1');
        expect(stream).toHaveLength(writers * perWriter);
        expect(stream.map((e) => e.revision)).toEqual(stream.map((_, i) => i));
        expect(await verifyStream(store, 'complaint-1')).toMatchObject({
          ok: true,
          events: writers * perWriter,
        });
      });

      it('several OS processes append at once and a subscriber sees every event once, in order', async () => {
        const worker = fixture.worker;
        if (!worker) return;
        const processes = 3;
        const batches = 30;
        const batchSize = 5;
        const total = processes * batches * batchSize;
        const sub = store.subscribe({ batchSize: 7 });
        try {
          const pending = take(sub, total, 45_000);
          pending.catch(() => undefined); // awaited below; must not go unhandled if the test fails first
          const children = Array.from({ length: processes }, (_, p) =>
            spawnAppendWorker(worker, {
              worker: `w${p}`,
              // Every writer fights over the shared stream and also writes its own.
              streams: ['complaint-shared', `complaint-w${p}`],
              batches,
              batchSize,
              expectedRevision: 'exact',
              waitForGo: true,
            }),
          );
          // Released together once all have opened the store, so that their appends really overlap.
          await Promise.all(children.map((c) => c.ready));
          for (const c of children) c.go();
          const summaries = await Promise.all(children.map((c) => c.done));
          expect(summaries.reduce((n, s) => n + s.events, 0)).toBe(total);
          const got = await pending;
          expectStrictlyIncreasing(got.map((e) => e.position));
          expect(new Set(got.map((e) => e.id)).size).toBe(total);
          expect(got.map((e) => e.id)).toEqual((await store.readAll()).map((e) => e.id));
          const byStream = new Map<string, number[]>();
          for (const e of got) byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e.revision]);
          for (const [streamId, revs] of byStream) {
            expect(revs).toEqual(revs.map((_, i) => i));
            expect((await verifyStream(store, streamId)).ok).toBe(true);
          }
          expect(byStream.get('complaint-shared')).toHaveLength((processes * batches * batchSize) / 2);
          // Batches stay whole and contiguous: each batch's events carry consecutive revisions.
          for (const e of got) {
            const d = e.data as { index: number };
            if (d.index > 0) {
              const prev = got.find((x) => x.streamId === e.streamId && x.revision === e.revision - 1)!;
              expect((prev.data as { batchId: string }).batchId).toBe(
                (e.data as { batchId: string }).batchId,
              );
            }
          }
        } finally {
          await sub.close();
        }
      }, 60_000);
    });

    describe('hash chain', () => {
      beforeEach(async () => {
        await store.append('complaint-1', events(3));
        await store.append('complaint-2', events(2));
        await store.append('complaint-1', events(3));
      });

      it('an untouched stream verifies, naming its length and last hash', async () => {
        const stream = await store.readStream('complaint-1');
        expect(await verifyStream(store, 'complaint-1')).toEqual({
          ok: true,
          streamId: 'complaint-1',
          events: 6,
          lastHash: stream[5]!.hash,
        });
        expect(await verifyStream(store, 'complaint-2')).toMatchObject({ ok: true, events: 2 });
      });

      it('catches an edited event at its revision', async () => {
        await fixture.tamper.editData('complaint-1', 2, { n: 99, forged: true });
        expect(await verifyStream(store, 'complaint-1')).toMatchObject({ ok: false, brokenAt: 2 });
        expect((await verifyStream(store, 'complaint-2')).ok).toBe(true);
      });

      it('catches a deleted event at its revision', async () => {
        await fixture.tamper.deleteEvent('complaint-1', 3);
        expect(await verifyStream(store, 'complaint-1')).toMatchObject({ ok: false, brokenAt: 3 });
      });

      it('catches reordered events at the first moved revision', async () => {
        await fixture.tamper.swapRevisions('complaint-1', 1, 4);
        expect(await verifyStream(store, 'complaint-1')).toMatchObject({ ok: false, brokenAt: 1 });
      });

      it('catches an inserted event that chains onto its predecessor, at the event after it', async () => {
        await fixture.tamper.insertForged('complaint-1', 2);
        const stream = await store.readStream('complaint-1');
        expect(stream).toHaveLength(7);
        expect(await verifyStream(store, 'complaint-1')).toMatchObject({ ok: false, brokenAt: 4 });
      });
    });
  });
}

/** Events appended by the first `i + 1` batches of the global-order test (batch sizes 1, 2, 3, 1, ...). */
function sumBatches(i: number): number {
  let n = 0;
  for (let k = 0; k <= i; k++) n += 1 + (k % 3);
  return n;
}
