/**
 * As-of state equals the live read models at every point of a seeded case history: the same projections
 * folded over the case's events, against the live runner over the same log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { caseProjections, caseStateAsOf } from '../../services/audit/as-of';
import { CaseEventsCache, readCaseEvents } from '../../services/audit/case-events';
import { complaintDecider, complaintStreamId } from '../../services/complaint/domain';
import { COMPLAINTS_COLLECTION } from '../../services/complaint/projection';
import { letterDecider, letterStreamId } from '../../services/correspondence/domain';
import { LETTERS, type LetterDoc } from '../../services/correspondence/projections';
import { clocksOfComplaint } from '../../services/evaluation/projections';
import { CommandHandler } from '../../services/shared/decider';
import { SqliteEventStore } from '../../services/shared/eventstore/sqlite';
import type { Actor } from '../../services/shared/eventstore/types';
import { type ProjectionRunner, startProjections } from '../../services/shared/projections/runner';
import { SqliteReadModelStore } from '../../services/shared/projections/sqlite-read-model';
import { bantulPic, intake, officer, slemanPic, supervisor } from '../complaint/fixtures';

const CASE = intake.complaintId;
const OTHER = 'c-0002';
let dir: string;
let store: SqliteEventStore;
let readModels: SqliteReadModelStore;
let runner: ProjectionRunner;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dumas-asof-'));
  store = new SqliteEventStore({ file: path.join(dir, 'events.sqlite') });
  readModels = new SqliteReadModelStore({ file: ':memory:' });
  runner = await startProjections({ store, readModels, projections: caseProjections() });
});

afterAll(async () => {
  await runner?.stop();
  await readModels?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const tick = () => new Promise((r) => setTimeout(r, 3));

describe('given a case carried from receipt through letters, a reopening and a close', () => {
  it('answers as-of every instant exactly what the live read models held then', async () => {
    const complaints = new CommandHandler(store, complaintDecider);
    const letters = new CommandHandler(store, letterDecider as never);
    let minute = 0;
    const now = () => new Date(Date.UTC(2026, 0, 5, 1, minute++)).toISOString();
    const onCase = (caseId: string, type: string, data: unknown, actor: Actor = officer) =>
      complaints.handle(complaintStreamId(caseId), { type, data, metadata: { now: now(), actor } } as never, {
        caseId,
      });
    const onLetter = (letterId: string, type: string, data: unknown, actor: Actor = officer) =>
      letters.handle(letterStreamId(letterId), { type, data, metadata: { now: now(), actor } } as never);

    const steps: (() => Promise<{ position: number }>)[] = [
      () => onCase(CASE, 'ReceiveComplaint', { ...intake, channel: 'LETTER', channelReference: 'B-1/2026' }),
      () =>
        onCase(OTHER, 'ReceiveComplaint', {
          ...intake,
          complaintId: OTHER,
          trackingNumber: 'DUMAS-2026-000002',
          channel: 'EMAIL',
          channelReference: '<msg-2@example.id>',
        }),
      () => onCase(CASE, 'RequestInformation', { question: 'Lokasi tepatnya di mana?' }),
      () => onCase(CASE, 'ProvideInformation', { information: 'Depan pasar Niten.' }),
      () => onCase(CASE, 'VerifyComplaint', { category: 'infrastructure', region: 'Kabupaten Bantul' }),
      () => onCase(CASE, 'ForwardComplaint', { agencyIds: ['inspektorat-bantul', 'inspektorat-sleman'] }),
      () =>
        onLetter('letter-a', 'DraftLetter', {
          letterId: 'letter-a',
          kind: 'FOLLOW_UP_REQUEST',
          agencyId: 'inspektorat-bantul',
          complaintIds: [CASE, OTHER],
          subject: 'Permintaan tindak lanjut',
          body: 'Dengan hormat',
        }),
      () => onCase(CASE, 'AcknowledgeComplaint', { agencyId: 'inspektorat-bantul' }, bantulPic),
      () => onLetter('letter-a', 'ReviseLetter', { body: 'Dengan hormat, mohon ditindaklanjuti.' }),
      () =>
        onCase(
          CASE,
          'RecordAgencyResponse',
          { agencyId: 'inspektorat-bantul', response: 'Sudah diperbaiki.' },
          bantulPic,
        ),
      () =>
        onCase(
          CASE,
          'RecordAgencyResponse',
          { agencyId: 'inspektorat-sleman', response: 'Bukan wewenang kami.' },
          slemanPic,
        ),
      () => onCase(CASE, 'ResolveComplaint', { resolution: 'Jalan diperbaiki.' }, supervisor),
      () => onCase(CASE, 'ReopenComplaint', { reason: 'Perbaikan belum selesai.' }, supervisor),
      () => onCase(CASE, 'ForwardComplaint', { agencyIds: ['inspektorat-bantul'] }),
      () =>
        onCase(
          CASE,
          'RecordAgencyResponse',
          { agencyId: 'inspektorat-bantul', response: 'Perbaikan tahap dua selesai.' },
          bantulPic,
        ),
      () => onCase(CASE, 'ResolveComplaint', { resolution: 'Perbaikan selesai.' }, supervisor),
      () => onCase(CASE, 'CloseComplaint', {}, supervisor),
    ];

    const live: { at: Date; occurred: Date; position: number; state: unknown }[] = [];
    for (const step of steps) {
      const { position } = await step();
      await runner.waitFor(position);
      const allLetters = await readModels.find<LetterDoc>(LETTERS, { orderBy: [{ path: 'id' }] });
      live.push({
        at: new Date(),
        // Each step is one command, dated by the minute that `now()` handed it.
        occurred: new Date(Date.UTC(2026, 0, 5, 1, minute - 1)),
        position,
        state: {
          complaint: await readModels.get(COMPLAINTS_COLLECTION, CASE),
          letters: allLetters.filter((l) => l.complaintIds.includes(CASE)),
          clocks: await clocksOfComplaint(readModels, CASE),
        },
      });
      await tick();
    }

    const caseEvents = await readCaseEvents(store, CASE);
    expect(caseEvents.map((e) => e.type)).toContain('LetterRevised');
    expect(caseEvents.some((e) => e.metadata.caseId === OTHER)).toBe(false);

    // Before anything was recorded the case did not exist.
    const before = await caseStateAsOf(store, CASE, new Date(Date.parse(caseEvents[0]!.recordedAt) - 1), {
      basis: 'RECORDED',
    });
    expect(before.complaint).toBeUndefined();
    expect(before.events).toBe(0);

    let checked = 0;
    // The same answers with the case's events kept between reads (as the asOf resolver keeps them for a
    // time slider): every instant after the first folds the same kept events again, latest first.
    const cache = new CaseEventsCache();
    for (const point of live) {
      const asOf = await caseStateAsOf(store, CASE, point.at, { basis: 'RECORDED' });
      expect({ complaint: asOf.complaint, letters: asOf.letters, clocks: asOf.clocks }).toEqual(point.state);
      // The history is dated by occurrence too: on that clock the same states fall at the dated minutes.
      const occurred = await caseStateAsOf(store, CASE, point.occurred, { basis: 'OCCURRED' });
      expect({ complaint: occurred.complaint, letters: occurred.letters, clocks: occurred.clocks }).toEqual(
        point.state,
      );
      checked++;
    }
    for (const point of [...live].reverse()) {
      const kept = await caseStateAsOf(store, CASE, point.occurred, { basis: 'OCCURRED', cache });
      expect({ complaint: kept.complaint, letters: kept.letters, clocks: kept.clocks }).toEqual(point.state);
    }
    expect(checked).toBe(steps.length);
    const last = live[live.length - 1]!.state as { complaint: { status: string }; clocks: unknown[] };
    expect(last.complaint.status).toBe('CLOSED');
    expect(last.clocks.length).toBeGreaterThan(0);
  });
});

describe('given a case whose events were kept for as-of', () => {
  it('reads it again once it has a newer event, and keeps no more events than its bound', async () => {
    const cache = new CaseEventsCache(10_000);
    const at = new Date(Date.UTC(2030, 0, 1));
    const closed = await caseStateAsOf(store, CASE, at, { basis: 'RECORDED', cache });
    expect(closed.complaint).toMatchObject({ status: 'CLOSED' });
    const reads = jest.spyOn(store, 'readAll');
    expect((await caseStateAsOf(store, CASE, at, { basis: 'RECORDED', cache })).position).toBe(
      closed.position,
    );
    // Kept: only the policy and calendar (no case's events) were read from the log again.
    expect(reads.mock.calls.every(([options]) => options?.filter?.eventTypes?.length)).toBe(true);

    await new CommandHandler(store, complaintDecider).handle(
      complaintStreamId(CASE),
      {
        type: 'ReopenComplaint',
        data: { reason: 'Dibuka lagi.' },
        metadata: { now: new Date(Date.UTC(2027, 0, 1)).toISOString(), actor: supervisor },
      } as never,
      { caseId: CASE },
    );
    const reopened = await caseStateAsOf(store, CASE, at, { basis: 'RECORDED', cache });
    expect(reopened.position).toBeGreaterThan(closed.position);
    expect(reopened.complaint).toMatchObject({ status: 'VERIFIED' });
    expect(reopened).toEqual(await caseStateAsOf(store, CASE, at, { basis: 'RECORDED' }));
    reads.mockRestore();

    // A bound below the case's size keeps nothing: the next read goes to the store.
    const tiny = new CaseEventsCache(1);
    tiny.set(CASE, reopened.position, await readCaseEvents(store, CASE));
    expect(tiny.get(CASE, reopened.position)).toBeUndefined();
  });
});
