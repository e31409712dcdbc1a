import { MemoryEventStore } from '../../services/shared/eventstore/memory';
import type { RecordedEvent } from '../../services/shared/eventstore/types';
import {
  type ProjectionLogger,
  type ProjectionRunner,
  ProjectionFailedError,
  ProjectionTimeoutError,
  startProjections,
} from '../../services/shared/projections/runner';
import { SqliteReadModelStore } from '../../services/shared/projections/sqlite-read-model';
import type { Projection, ReadModelStore, ReadModelTx } from '../../services/shared/projections/types';
import {
  CASE_STATUS_COLLECTION,
  type CaseStatusView,
  applyCaseStatus,
  caseStatusProjection,
  complaintEvents,
} from './support/case-status';

const letterEvent = (n: number) => ({
  type: 'LetterDrafted',
  data: { kind: 'FOLLOW_UP_REQUEST', n },
  metadata: { occurredAt: '2026-01-02T00:00:00.000Z' },
});

function recordingLogger() {
  const lines: { level: string; message: string; details: Record<string, unknown> }[] = [];
  const logger: ProjectionLogger = {
    info: (details, message) => lines.push({ level: 'info', message, details }),
    warn: (details, message) => lines.push({ level: 'warn', message, details }),
    error: (details, message) => lines.push({ level: 'error', message, details }),
  };
  return { lines, logger };
}

/** Counts what reaches `apply`, to tell a resumed run from a replay. */
function counted(projection: Projection) {
  const applied: number[] = [];
  return {
    applied,
    projection: {
      ...projection,
      apply: (event: RecordedEvent, tx: ReadModelTx) => {
        applied.push(event.position);
        return projection.apply(event, tx);
      },
    } satisfies Projection,
  };
}

describe('projection runner', () => {
  let store: MemoryEventStore;
  let readModels: SqliteReadModelStore;
  let runner: ProjectionRunner | undefined;

  beforeEach(() => {
    store = new MemoryEventStore();
    readModels = new SqliteReadModelStore({ file: ':memory:' });
  });
  afterEach(async () => {
    await runner?.stop();
    runner = undefined;
    await readModels.close();
    await store.close();
  });

  describe('from an empty read model', () => {
    it('asks the store for its events only, and follows the store past the rest as it reads (reportsProgress)', async () => {
      await store.append('complaint-a', complaintEvents('a', 2));
      const handed: string[] = [];
      const reading: typeof store = Object.create(store);
      reading.subscribe = (options = {}) => {
        const inner = store.subscribe(options);
        return {
          close: () => inner.close(),
          async *[Symbol.asyncIterator]() {
            for await (const event of inner) {
              handed.push(event.type);
              yield event;
            }
          },
        };
      };
      runner = await startProjections({ store: reading, readModels, projections: [caseStatusProjection()] });
      const { position: head } = await store.append('letter-1', [letterEvent(1), letterEvent(2)]);
      await runner.waitFor(head, 2000);
      // Read-your-writes holds past events the projection never takes, and its checkpoint is there.
      expect(await readModels.checkpoint('case-status')).toEqual({ position: head, version: 1 });
      expect(handed).not.toContain('LetterDrafted');
      expect(handed).toHaveLength(2);
    });

    it('applies the log, skips filtered events and still checkpoints past them', async () => {
      await store.append('complaint-a', complaintEvents('a'));
      await store.append('complaint-b', complaintEvents('b', 3));
      const { position: head } = await store.append('letter-1', [letterEvent(1), letterEvent(2)]);
      const { projection, applied } = counted(caseStatusProjection());
      runner = await startProjections({ store, readModels, projections: [projection] });
      await runner.waitFor(head, 2000);
      expect(await readModels.get<CaseStatusView>(CASE_STATUS_COLLECTION, 'a')).toMatchObject({
        status: 'CLOSED',
        channel: 'EMAIL',
        agencies: ['inspektorat-bantul'],
        events: 7,
        lastPosition: 7,
      });
      expect(await readModels.get<CaseStatusView>(CASE_STATUS_COLLECTION, 'b')).toMatchObject({
        status: 'FORWARDED',
        events: 3,
      });
      expect(applied).toHaveLength(10);
      expect(await readModels.checkpoint('case-status')).toEqual({ position: head, version: 1 });
      expect(runner.position()).toBe(head);
    });

    it('follows live appends, and waitFor gives read-your-writes', async () => {
      runner = await startProjections({ store, readModels, projections: [caseStatusProjection()] });
      for (let i = 0; i < 5; i++) {
        const { position } = await store.append('complaint-live', complaintEvents('live', 1, i));
        await runner.waitFor(position, 2000);
        expect((await readModels.get<CaseStatusView>(CASE_STATUS_COLLECTION, 'live'))?.events).toBe(i + 1);
      }
      expect((await readModels.get<CaseStatusView>(CASE_STATUS_COLLECTION, 'live'))?.status).toBe(
        'RESPONDED',
      );
    });

    it('commits at most batchSize events per transaction, with increasing checkpoints', async () => {
      for (let i = 0; i < 19; i++) await store.append(`complaint-${i}`, complaintEvents(String(i), 5));
      const head = await store.headPosition();
      const commits: number[] = [];
      const spied: ReadModelStore = Object.create(readModels);
      spied.applyBatch = (projection, position, fn) => {
        commits.push(position);
        return readModels.applyBatch(projection, position, fn);
      };
      runner = await startProjections({
        store,
        readModels: spied,
        projections: [caseStatusProjection()],
        batchSize: 10,
      });
      await runner.waitFor(head, 2000);
      expect(commits.at(-1)).toBe(head);
      expect(commits.length).toBeGreaterThanOrEqual(Math.ceil(head / 10));
      commits.forEach((position, i) => {
        const previous = i === 0 ? 0 : commits[i - 1]!;
        expect(position).toBeGreaterThan(previous);
        expect(position - previous).toBeLessThanOrEqual(10);
      });
      expect(await readModels.count(CASE_STATUS_COLLECTION, { where: { status: 'RESPONDED' } })).toBe(19);
    });
  });

  describe('from a checkpoint', () => {
    it('a restarted runner resumes after its checkpoint without applying anything twice', async () => {
      await store.append('complaint-a', complaintEvents('a', 4));
      const first = counted(caseStatusProjection());
      runner = await startProjections({ store, readModels, projections: [first.projection] });
      await runner.waitFor(await store.headPosition(), 2000);
      await runner.stop();

      await store.append('complaint-a', complaintEvents('a', 3, 4));
      const second = counted(caseStatusProjection());
      runner = await startProjections({ store, readModels, projections: [second.projection] });
      await runner.waitFor(await store.headPosition(), 2000);
      expect(first.applied).toEqual([1, 2, 3, 4]);
      expect(second.applied).toEqual([5, 6, 7]);
      expect(await readModels.get<CaseStatusView>(CASE_STATUS_COLLECTION, 'a')).toMatchObject({
        status: 'CLOSED',
        events: 7,
      });
    });

    it('a version bump resets the projection collections and rebuilds from zero on start', async () => {
      await store.append('complaint-a', complaintEvents('a', 2));
      await store.append('complaint-b', complaintEvents('b', 2));
      runner = await startProjections({ store, readModels, projections: [caseStatusProjection()] });
      await runner.waitFor(4, 2000);
      await runner.stop();

      // v2 no longer shows case b at all: its old document must not survive the rebuild.
      const v2 = counted(
        caseStatusProjection({
          version: 2,
          apply: (event, tx) => (event.streamId === 'complaint-b' ? undefined : applyCaseStatus(event, tx)),
        }),
      );
      const { lines, logger } = recordingLogger();
      runner = await startProjections({ store, readModels, projections: [v2.projection], logger });
      await runner.waitFor(4, 2000);
      expect(v2.applied).toEqual([1, 2, 3, 4]);
      expect(await readModels.get(CASE_STATUS_COLLECTION, 'b')).toBeUndefined();
      expect((await readModels.get<CaseStatusView>(CASE_STATUS_COLLECTION, 'a'))?.events).toBe(2);
      expect(await readModels.checkpoint('case-status')).toEqual({ position: 4, version: 2 });
      expect(
        lines.some((l) => l.message === 'rebuilding projection from zero' && l.details.version === 2),
      ).toBe(true);
    });

    it('rebuild(name) replays one projection from zero to the same documents', async () => {
      for (let i = 0; i < 6; i++) await store.append(`complaint-${i}`, complaintEvents(String(i), 4));
      const { projection, applied } = counted(caseStatusProjection());
      runner = await startProjections({ store, readModels, projections: [projection] });
      await runner.waitFor(24, 2000);
      const before = await readModels.find(CASE_STATUS_COLLECTION, { orderBy: [{ path: 'id' }] });
      await runner.rebuild('case-status');
      await runner.waitFor(24, 2000);
      expect(applied).toHaveLength(48);
      expect(await readModels.find(CASE_STATUS_COLLECTION, { orderBy: [{ path: 'id' }] })).toEqual(before);
      await expect(runner.rebuild('no-such-projection')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });
  });

  describe('waitFor', () => {
    it('resolves at once for a position already passed, and waits for the slowest projection', async () => {
      await store.append('complaint-a', complaintEvents('a', 2));
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const slow = caseStatusProjection({
        name: 'slow',
        collections: ['slow'],
        apply: async () => {
          await gate;
        },
      });
      runner = await startProjections({ store, readModels, projections: [caseStatusProjection(), slow] });
      await runner.waitFor(0, 10);
      let done = false;
      const waiting = runner.waitFor(2, 2000).then(() => {
        done = true;
      });
      await new Promise((r) => setTimeout(r, 50));
      expect(done).toBe(false);
      expect(runner.positions()).toEqual({ 'case-status': 2, slow: 0 });
      release();
      await waiting;
      expect(runner.position()).toBe(2);
    });

    it('rejects with a timeout error naming the projections behind', async () => {
      runner = await startProjections({ store, readModels, projections: [caseStatusProjection()] });
      const error = await runner.waitFor(50, 30).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProjectionTimeoutError);
      expect((error as Error).message).toBe(
        'read models did not reach position 50 within 30 ms (case-status at 0)',
      );
    });

    it('resolves at once when the runner has no projections', async () => {
      runner = await startProjections({ store, readModels, projections: [] });
      await expect(runner.waitFor(1000, 10)).resolves.toBeUndefined();
    });

    it('rejects rather than hangs when the event store ends the subscription', async () => {
      const { lines, logger } = recordingLogger();
      runner = await startProjections({ store, readModels, projections: [caseStatusProjection()], logger });
      const pending = runner.waitFor(3, 5000);
      await store.close();
      await expect(pending).rejects.toThrow(
        'projection case-status stopped at position 0: the event store subscription ended',
      );
      expect(lines.some((l) => l.level === 'error')).toBe(true);
    });

    it('rejects pending and later calls once the runner stops', async () => {
      runner = await startProjections({ store, readModels, projections: [caseStatusProjection()] });
      const pending = runner.waitFor(5, 5000);
      await runner.stop();
      await expect(pending).rejects.toThrow('the projection runner has stopped');
      await expect(runner.waitFor(5, 5000)).rejects.toThrow('the projection runner has stopped');
    });
  });

  describe('when a projection throws', () => {
    it('stops that projection at the last good batch, logs without personal data, and waitFor rejects', async () => {
      await store.append('complaint-a', complaintEvents('a', 3));
      const broken = caseStatusProjection({
        name: 'broken',
        collections: ['broken'],
        apply: async (event, tx) => {
          if (event.type === 'ComplaintReceived' && event.streamId === 'complaint-b') {
            const { complainantName } = event.data as { complainantName: string };
            throw new Error(`cannot read the complaint of ${complainantName}`);
          }
          await tx.put('broken', event.id, { position: event.position });
        },
      });
      const { lines, logger } = recordingLogger();
      runner = await startProjections({
        store,
        readModels,
        projections: [caseStatusProjection(), broken],
        logger,
        batchSize: 2,
      });
      await runner.waitFor(3, 2000);
      const { position: failing } = await store.append('complaint-b', complaintEvents('b', 2));
      const error = await runner.waitFor(failing, 2000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProjectionFailedError);
      expect((error as ProjectionFailedError).projection).toBe('broken');
      expect((error as ProjectionFailedError).failedAt).toBe(4);
      // Nothing of the failing batch is stored and the checkpoint stays before it: the event is not skipped.
      expect((await readModels.checkpoint('broken')).position).toBe(3);
      expect(await readModels.count('broken')).toBe(3);
      await expect(runner.waitFor(3, 100)).resolves.toBeUndefined();
      await expect(runner.waitFor(failing + 10, 5000)).rejects.toBeInstanceOf(ProjectionFailedError);
      // The healthy projection carries on.
      expect((await readModels.get<CaseStatusView>(CASE_STATUS_COLLECTION, 'b'))?.events).toBe(2);
      const failure = lines.find((l) => l.level === 'error');
      expect(failure?.details).toMatchObject({
        projection: 'broken',
        eventPosition: 4,
        eventType: 'ComplaintReceived',
      });
      expect(JSON.stringify(lines)).not.toContain('Siti Aminah');
    });

    it('retries a failed commit from the checkpoint, and stops once retries run out', async () => {
      await store.append('complaint-a', complaintEvents('a', 3));
      let failuresLeft = 2;
      const flaky: ReadModelStore = Object.create(readModels);
      flaky.applyBatch = (projection, position, fn) => {
        if (failuresLeft-- > 0)
          return Promise.reject(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }));
        return readModels.applyBatch(projection, position, fn);
      };
      const { lines, logger } = recordingLogger();
      runner = await startProjections({
        store,
        readModels: flaky,
        projections: [caseStatusProjection()],
        logger,
      });
      await runner.waitFor(3, 5000);
      expect((await readModels.get<CaseStatusView>(CASE_STATUS_COLLECTION, 'a'))?.events).toBe(3);
      expect(lines.filter((l) => l.level === 'warn')).toHaveLength(2);
      await runner.stop();

      failuresLeft = 100;
      await store.append('complaint-a', complaintEvents('a', 1, 3));
      runner = await startProjections({
        store,
        readModels: flaky,
        projections: [caseStatusProjection()],
        logger,
        maxRetries: 1,
      });
      await expect(runner.waitFor(4, 5000)).rejects.toThrow(
        'projection case-status stopped at position 3: repeated store failures',
      );
    });
  });
});
