/**
 * The agency indexes the KPIs are read from (evaluation_agency_days, evaluation_agency_open): a hand-made
 * history with the awkward cases — a forwarding awaiting its answer across four months with a pause, one
 * never answered, a replacement forwarding to another agency after the complaint was resolved, a reopening,
 * a reminder whose send is recorded before its draft — judged at many moments against the brute-force
 * recomputation, and the index documents checked to hold no entry a later event made stale.
 */
import { WorkingCalendar } from '../../services/shared/calendar/calendar';
import type { ClockContext } from '../../services/evaluation/domain/clocks';
import { computeAgencyKpisFromEvents, type Period, periods } from '../../services/evaluation/domain/kpi';
import {
  type AgencyBucketDoc,
  agencyKpisFromReadModel,
  agencyOpenId,
  type AwaitingSummaryDoc,
  clockContextFromReadModel,
  createEvaluationProjection,
  EVALUATION_AGENCY_AWAITING,
  EVALUATION_AGENCY_MONTHS,
  EVALUATION_AGENCY_DAYS,
  EVALUATION_AGENCY_OPEN,
  OPEN_SHARDS,
  type OpenForwardingEntry,
  SLA_CLOCKS,
} from '../../services/evaluation/projections';
import type { RecordedEvent } from '../../services/shared/eventstore/types';
import { SqliteReadModelStore } from '../../services/shared/projections/sqlite-read-model';

const at = (date: string, time = '10:00') => new Date(`${date}T${time}:00+07:00`).toISOString();

function history(): RecordedEvent[] {
  const raw: [string, string, Record<string, unknown>][] = [];
  const complaint = (id: string, type: string, date: string, data: Record<string, unknown> = {}) =>
    raw.push([`complaint-${id}`, type, { complaintId: id, ...data, at: at(date) }]);
  const forward = (id: string, date: string, ...refs: [string, number][]) =>
    complaint(id, 'ComplaintForwarded', date, {
      forwardings: refs.map(([agencyId, n]) => ({ agencyId, forwardingId: `${agencyId}/${n}` })),
    });

  // k1: forwarded to x in January, paused for information until February, answered in April.
  complaint('k1', 'ComplaintReceived', '2025-01-09', { receivedAt: at('2025-01-09') });
  complaint('k1', 'ComplaintVerified', '2025-01-10');
  forward('k1', '2025-01-13', ['x', 1]);
  complaint('k1', 'ComplaintAcknowledged', '2025-01-14', { agencyId: 'x', forwardingId: 'x/1' });
  complaint('k1', 'InformationRequested', '2025-01-20');
  complaint('k1', 'InformationProvided', '2025-02-10');
  // k2: forwarded to x and y in March; y answers, x never does.
  complaint('k2', 'ComplaintReceived', '2025-03-03', { receivedAt: at('2025-03-03') });
  complaint('k2', 'ComplaintVerified', '2025-03-04');
  forward('k2', '2025-03-05', ['x', 1], ['y', 1]);
  complaint('k2', 'AgencyResponseRecorded', '2025-03-12', {
    agencyId: 'y',
    forwardingId: 'y/1',
    outcome: 'NOT_COMPETENT',
  });
  // k3: y in February, resolved and rated, reopened; y's answer found insufficient so x gets it in April.
  complaint('k3', 'ComplaintReceived', '2025-02-03', { receivedAt: at('2025-02-03') });
  complaint('k3', 'ComplaintVerified', '2025-02-04');
  forward('k3', '2025-02-05', ['y', 1]);
  complaint('k3', 'AgencyResponseRecorded', '2025-02-20', { agencyId: 'y', forwardingId: 'y/1' });
  complaint('k3', 'ComplaintResolved', '2025-02-24');
  raw.push([
    'satisfaction-k3',
    'SatisfactionRated',
    { complaintId: 'k3', resolution: 1, rating: 2, at: at('2025-02-26') },
  ]);
  complaint('k3', 'ComplaintReopened', '2025-03-20', { to: 'VERIFIED' });
  complaint('k3', 'AgencyResponseMarkedInsufficient', '2025-04-01', {
    forwardings: [{ agencyId: 'x', forwardingId: 'x/1' }],
  });
  // A reminder to x whose send reached the log before its draft.
  raw.push(['letter-r1', 'LetterSent', { letterId: 'r1', sentAt: at('2025-03-18') }]);
  raw.push([
    'letter-r1',
    'LetterDrafted',
    { letterId: 'r1', kind: 'REMINDER', agencyId: 'x', draftedAt: at('2025-03-17') },
  ]);
  complaint('k1', 'AgencyResponseRecorded', '2025-04-02', { agencyId: 'x', forwardingId: 'x/1' });
  complaint('k1', 'ComplaintResolved', '2025-04-07');
  complaint('k1', 'ComplaintReopened', '2025-04-10', { to: 'VERIFIED' });
  complaint('k3', 'AgencyResponseRecorded', '2025-04-15', { agencyId: 'x', forwardingId: 'x/1' });
  complaint('k3', 'ComplaintResolved', '2025-04-16');

  const revisions = new Map<string, number>();
  return raw.map(([streamId, type, data], i) => {
    const revision = revisions.get(streamId) ?? 0;
    revisions.set(streamId, revision + 1);
    const occurredAt = (data.at ?? data.sentAt ?? data.draftedAt) as string;
    return {
      id: `e-${i}`,
      streamId,
      revision,
      position: i + 1,
      type,
      data,
      metadata: { occurredAt },
      recordedAt: occurredAt,
      hash: '',
      previousHash: '',
    };
  });
}

async function project(events: readonly RecordedEvent[], batchSize: number): Promise<SqliteReadModelStore> {
  const store = new SqliteReadModelStore({ file: ':memory:' });
  const projection = createEvaluationProjection();
  for (let i = 0; i < events.length; i += batchSize) {
    const slice = events.slice(i, i + batchSize);
    await store.applyBatch(projection.name, slice[slice.length - 1]!.position, async (tx) => {
      for (const e of slice) await projection.apply(e, tx);
    });
  }
  return store;
}

describe('the agency indexes behind Agency.performance', () => {
  const events = history();
  const ctx: ClockContext = { calendar: WorkingCalendar.bundled(), policy: [] };
  const stores: SqliteReadModelStore[] = [];

  afterAll(async () => {
    for (const store of stores) await store.close();
  });

  it.each([
    ['one event per batch', 1],
    ['the whole history in one batch', 1_000],
  ])('agree with the recomputation at every moment, %s', async (_, batchSize) => {
    const store = await project(events, batchSize);
    stores.push(store);
    const moments = [
      undefined,
      at('2025-01-31', '23:59'),
      at('2025-02-15'),
      at('2025-03-18', '09:00'),
      at('2025-04-01', '00:30'),
      at('2025-04-02', '09:59'),
      at('2025-04-12'),
      at('2025-06-30'),
    ];
    const checked: Period[] = [
      periods.month(2025, 1),
      periods.month(2025, 3),
      periods.month(2025, 4),
      periods.quarter(2025, 1),
      periods.quarter(2025, 2),
      periods.year(2025),
    ];
    // A bare context (month summaries never answer: their working days were counted under a calendar
    // version it does not name) and the store's own (they answer wherever asOf is past what they count).
    for (const judged of [ctx, await clockContextFromReadModel(store)]) {
      for (const agency of ['x', 'y']) {
        for (const period of checked) {
          for (const asOf of moments) {
            const brute = computeAgencyKpisFromEvents(events, agency, period, judged, asOf);
            const indexed = await agencyKpisFromReadModel(store, agency, period, judged, asOf);
            // The KPIs carry agency, period and asOf, so a failure names the case it failed on.
            expect(indexed).toEqual(brute);
          }
        }
      }
    }
  });

  it('judge open forwardings by the deadline terms they carry, reading no clock', async () => {
    // Given the history projected, when every clock document is gone, then the KPIs are still the
    // recomputation's: the ranking reads thousands of open forwardings, and a clock each was its cost.
    const store = await project(events, 1_000);
    stores.push(store);
    const clocks = await store.find<{ id: string }>(SLA_CLOCKS);
    expect(clocks.length).toBeGreaterThan(0);
    await store.applyBatch('clocks-gone', events.length, async (tx) => {
      for (const c of clocks) await tx.delete(SLA_CLOCKS, c.id);
    });
    for (const agency of ['x', 'y']) {
      for (const asOf of [at('2025-03-18', '09:00'), at('2025-04-12'), undefined]) {
        const period = periods.quarter(2025, 1);
        const brute = computeAgencyKpisFromEvents(events, agency, period, ctx, asOf);
        expect(await agencyKpisFromReadModel(store, agency, period, ctx, asOf)).toEqual(brute);
      }
    }
    expect(computeAgencyKpisFromEvents(events, 'x', periods.quarter(2025, 1), ctx).overdue).toBeGreaterThan(
      0,
    );
  });

  it("answer from each agency's awaiting summary alone once asOf is past everything it counts", async () => {
    // Given the history projected, when the still-awaiting documents are gone, then a moment after the
    // last event is still answered as the recomputation does: from the summary (30 reads for a ranking,
    // not one per open forwarding); a moment inside the history is not (the entries are needed there).
    const store = await project(events, 1);
    stores.push(store);
    const summary = await store.get<AwaitingSummaryDoc>(EVALUATION_AGENCY_AWAITING, 'x');
    expect(summary).toMatchObject({ forwardedOn: { '2025-03-05': 1 }, undue: 0, unversioned: 0 });
    expect(Object.values(summary!.dueAt)).toEqual([1]);
    const gone = (
      await store.find<{ agencyId: string; bucket: string | null }>(EVALUATION_AGENCY_OPEN)
    ).filter((d) => d.bucket === null);
    expect(gone.length).toBeGreaterThan(0);
    await store.applyBatch('awaiting-gone', events.length, async (tx) => {
      for (const d of gone) {
        for (let shard = 0; shard < OPEN_SHARDS; shard++)
          await tx.delete(EVALUATION_AGENCY_OPEN, agencyOpenId(d.agencyId, null, shard));
      }
    });
    for (const agency of ['x', 'y']) {
      for (const period of [periods.quarter(2025, 2), periods.year(2025)]) {
        const asOf = at('2025-06-30');
        const brute = computeAgencyKpisFromEvents(events, agency, period, ctx, asOf);
        expect(await agencyKpisFromReadModel(store, agency, period, ctx, asOf)).toEqual(brute);
      }
    }
    const inside = at('2025-04-12');
    const q2 = periods.quarter(2025, 2);
    expect((await agencyKpisFromReadModel(store, 'x', q2, ctx, inside)).open).toBeLessThan(
      computeAgencyKpisFromEvents(events, 'x', q2, ctx, inside).open,
    );
  });

  it('answer from the month summaries alone once asOf is past everything they count', async () => {
    // Given the history projected, when every day document is gone, then periods judged after the last
    // event are answered as the recomputation answers them: from one summary per agency and month.
    const store = await project(events, 1);
    stores.push(store);
    const judged = await clockContextFromReadModel(store);
    const april = await store.get<{ counts: Record<string, number> }>(EVALUATION_AGENCY_MONTHS, '2025-04:x');
    expect(april?.counts).toMatchObject({ forwarded: 1, responded: 2, resolved: 2, reopened: 1 });
    const days = await store.find<{ agencyId: string; bucket: string }>(EVALUATION_AGENCY_DAYS);
    await store.applyBatch('days-gone', events.length, async (tx) => {
      for (const d of days) {
        for (let shard = 0; shard < 8; shard++)
          await tx.delete(EVALUATION_AGENCY_DAYS, `${d.bucket}:${shard}:${d.agencyId}`);
      }
    });
    expect(await store.find(EVALUATION_AGENCY_DAYS)).toEqual([]);
    for (const agency of ['x', 'y']) {
      for (const period of [periods.month(2025, 1), periods.quarter(2025, 1), periods.year(2025)]) {
        const asOf = at('2025-06-30');
        const brute = computeAgencyKpisFromEvents(events, agency, period, judged, asOf);
        expect(await agencyKpisFromReadModel(store, agency, period, judged, asOf)).toEqual(brute);
      }
    }
    expect(computeAgencyKpisFromEvents(events, 'y', periods.year(2025), judged)).toMatchObject({
      responded: 2,
      resolved: 2,
      satisfactionRatings: 1,
    });
  });

  it('count working days under the calendar in force: a holiday added later sends the ranking to the entries', async () => {
    // Given y's March answer counted 5 working days after its forwarding (the quarter's median), when a
    // holiday inside that span is added afterwards, then its median is counted under the new calendar, as the recomputation does.
    const added = {
      id: 'e-holiday',
      streamId: 'calendar',
      revision: 0,
      position: events.length + 1,
      type: 'HolidayAdded',
      data: {
        date: '2025-03-10',
        kind: 'NATIONAL_HOLIDAY',
        name: 'Libur uji',
        addedBy: 'admin',
        addedAt: at('2025-06-01'),
      },
      metadata: { occurredAt: at('2025-06-01') },
      recordedAt: at('2025-06-01'),
      hash: '',
      previousHash: '',
    } as RecordedEvent;
    const withHoliday = [...events, added];
    const store = await project(withHoliday, 1);
    stores.push(store);
    const judged = await clockContextFromReadModel(store);
    const q1 = periods.quarter(2025, 1);
    const before = computeAgencyKpisFromEvents(events, 'y', q1, ctx);
    const brute = computeAgencyKpisFromEvents(withHoliday, 'y', q1, judged);
    expect(brute.medianWorkingDaysToFirstResponse).not.toEqual(before.medianWorkingDaysToFirstResponse);
    expect(await agencyKpisFromReadModel(store, 'y', q1, judged)).toEqual(brute);
  });

  it('the history exercises what the indexes must get right', () => {
    const q1 = (asOf?: string) =>
      computeAgencyKpisFromEvents(events, 'x', periods.quarter(2025, 1), ctx, asOf);
    // k1's forwarding awaits its answer through March, k2's still; the pause keeps k1's deadline back.
    expect(q1()).toMatchObject({ forwarded: 2, open: 2, remindersSent: 1, received: 2 });
    // Before x got k3 (1 April), k3's February resolution and rating are y's alone.
    expect(q1().resolved).toBe(0);
    const year = computeAgencyKpisFromEvents(events, 'x', periods.year(2025), ctx);
    expect(year).toMatchObject({ resolved: 3, reopened: 2, satisfactionRatings: 1, responded: 2, open: 1 });
    const y = computeAgencyKpisFromEvents(events, 'y', periods.quarter(2025, 1), ctx);
    expect(y).toMatchObject({ responded: 2, notCompetent: 1, resolved: 1, reopened: 1 });
  });

  it('keeps each forwarding awaiting an answer in the months it awaited it, and nowhere once answered', async () => {
    const store = stores[0]!;
    /** Entry keys of an agency's awaiting-forwarding bucket, across its shards. */
    const awaiting = async (agencyId: string, month: string | null) => {
      const keys: string[] = [];
      for (let shard = 0; shard < OPEN_SHARDS; shard++) {
        const doc = await store.get<AgencyBucketDoc<OpenForwardingEntry>>(
          EVALUATION_AGENCY_OPEN,
          agencyOpenId(agencyId, month, shard),
        );
        if (doc) keys.push(...Object.keys(doc.entries));
      }
      return keys;
    };
    expect(await awaiting('x', null)).toEqual([JSON.stringify(['k2', 'x/1'])]);
    for (const month of ['2025-01', '2025-02', '2025-03', '2025-04']) {
      expect(await awaiting('x', month)).toContain(JSON.stringify(['k1', 'x/1']));
    }
    expect(await awaiting('x', '2025-05')).toEqual([]);
    expect(await awaiting('y', null)).toEqual([]);
    expect(await awaiting('y', '2025-03')).toEqual([JSON.stringify(['k2', 'y/1'])]);
    // One document per agency and day something happened; none left empty by entries that moved.
    const days = await store.find<AgencyBucketDoc<unknown>>(EVALUATION_AGENCY_DAYS);
    expect(days.length).toBeGreaterThan(10);
    for (const doc of days) expect(Object.keys(doc.entries).length).toBeGreaterThan(0);
  });
});
