import { WorkingCalendar } from '../../services/shared/calendar/calendar';
import {
  calendarDecider,
  workingCalendarFromEvents,
  type CalendarEvent,
} from '../../services/evaluation/domain/calendar-aggregate';
import type { ClockContext } from '../../services/evaluation/domain/clocks';
import { addDays } from '../../services/shared/calendar/dates';
import {
  computeAgencyKpisFromEvents,
  percentile,
  type Period,
  periods,
} from '../../services/evaluation/domain/kpi';
import {
  DEFAULT_CLOCK_LIMITS,
  policyVersionsFromEvents,
  type SlaPolicyEvent,
} from '../../services/evaluation/domain/sla-policy';
import {
  agencyKpisFromReadModel,
  clockContextFromReadModel,
  clocksOfComplaint,
  createEvaluationProjection,
} from '../../services/evaluation/projections';
import type { RecordedEvent } from '../../services/shared/eventstore/types';
import { SqliteReadModelStore } from '../../services/shared/projections/sqlite-read-model';

const AGENCIES = ['inspektorat-diy', 'inspektorat-bantul', 'inspektorat-sleman', 'inspektorat-gunungkidul'];

/** A small deterministic PRNG (mulberry32) so the generated history is the same on every run. */
function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Pending {
  streamId: string;
  type: string;
  data: Record<string, unknown>;
  at: number;
}

/** A year of complaint histories in the complaint and correspondence domains' event shapes. */
function generateHistory(complaints: number, seed: number): RecordedEvent[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const hours = (h: number) => h * 3_600_000;
  const pending: Pending[] = [];
  const start = Date.parse('2025-01-02T01:00:00Z');
  for (let i = 0; i < complaints; i++) {
    const id = `c-${i}`;
    const stream = `complaint-${id}`;
    let t = start + Math.floor(rnd() * hours(24 * 330));
    const push = (type: string, data: Record<string, unknown>, streamId = stream) => {
      pending.push({ streamId, type, data: { ...data, at: new Date(t).toISOString() }, at: t });
    };
    const step = (maxDays: number) => {
      t += Math.floor(rnd() * hours(24 * maxDays)) + hours(1);
    };
    push('ComplaintReceived', { complaintId: id, receivedAt: new Date(t).toISOString(), channel: 'WEB' });
    if (rnd() < 0.2) {
      step(3);
      push('InformationRequested', { question: 'q', by: 'o' });
      if (rnd() < 0.8) {
        step(12);
        push('InformationProvided', { information: 'i', by: 'c' });
      } else continue;
    }
    step(5);
    if (rnd() < 0.1) {
      push('ComplaintRejected', { reason: 'OUT_OF_SCOPE', note: 'n' });
      if (rnd() < 0.3) {
        step(10);
        push('ComplaintReopened', { reason: 'r', from: 'REJECTED', to: 'RECEIVED' });
      }
      continue;
    }
    push('ComplaintVerified', { note: null });
    step(3);
    const agencies =
      rnd() < 0.25
        ? [pick(AGENCIES), pick(AGENCIES)].filter((a, k, xs) => xs.indexOf(a) === k)
        : [pick(AGENCIES)];
    const round = new Map(agencies.map((a) => [a, 1]));
    push('ComplaintForwarded', {
      forwardings: agencies.map((a) => ({ agencyId: a, forwardingId: `${a}/1` })),
    });
    let unanswered = false;
    for (const a of agencies) {
      if (rnd() < 0.3) {
        const letterId = `r-${id}-${a}`;
        const tl = t;
        t += hours(24 * 8);
        push(
          'LetterDrafted',
          { letterId, kind: 'REMINDER', agencyId: a, draftedAt: new Date(t).toISOString() },
          `letter-${letterId}`,
        );
        t += hours(3);
        push('LetterSent', { letterId, sentAt: new Date(t).toISOString() }, `letter-${letterId}`);
        t = tl;
      }
      if (rnd() < 0.15) {
        unanswered = true;
        continue;
      }
      step(6);
      if (rnd() < 0.7) {
        push('ComplaintAcknowledged', { agencyId: a, forwardingId: `${a}/1` });
        step(10);
      } else step(20);
      push('AgencyResponseRecorded', {
        agencyId: a,
        forwardingId: `${a}/1`,
        response: 'r',
        ...(rnd() < 0.08 ? { outcome: 'NOT_COMPETENT' } : {}),
      });
    }
    if (unanswered) continue;
    step(4);
    if (rnd() < 0.15) {
      const a = agencies[0]!;
      round.set(a, 2);
      push('AgencyResponseMarkedInsufficient', {
        forwardings: [{ agencyId: a, forwardingId: `${a}/2`, previousForwardingId: `${a}/1` }],
        note: 'n',
      });
      if (rnd() < 0.3) continue;
      step(15);
      push('AgencyResponseRecorded', { agencyId: a, forwardingId: `${a}/2`, response: 'r2' });
      step(3);
    }
    push('ComplaintResolved', { resolution: 'done' });
    if (rnd() < 0.6) {
      step(5);
      push(
        'SatisfactionRated',
        { complaintId: id, resolution: 1, rating: 1 + Math.floor(rnd() * 5), comment: '' },
        `satisfaction-${id}`,
      );
    }
    if (rnd() < 0.1) {
      step(10);
      push('ComplaintReopened', { reason: 'r', from: 'RESOLVED', to: 'VERIFIED' });
      continue;
    }
    step(12);
    push('ComplaintClosed', { note: null });
  }
  // An SLA policy change and a calendar change in the middle of the year.
  const policyAt = Date.parse('2025-05-20T02:00:00Z');
  const policy: SlaPolicyEvent = {
    type: 'SlaPolicyChanged',
    data: {
      version: 1,
      effectiveFrom: '2025-06-01',
      limits: { ...DEFAULT_CLOCK_LIMITS, WRITTEN_RESPONSE: { length: 10, unit: 'WORKING_DAYS' } },
      reason: 'faster responses',
      changedBy: 'admin',
      changedAt: new Date(policyAt).toISOString(),
    },
  };
  pending.push({ streamId: 'sla-policy', type: policy.type, data: policy.data as never, at: policyAt });
  const holidayAt = Date.parse('2025-02-01T02:00:00Z');
  pending.push({
    streamId: 'calendar-id',
    type: 'HolidayAdded',
    data: {
      date: '2025-02-11',
      kind: 'NATIONAL_HOLIDAY',
      name: 'Hari libur khusus',
      addedBy: 'admin',
      addedAt: new Date(holidayAt).toISOString(),
    },
    at: holidayAt,
  });
  pending.sort((x, y) => x.at - y.at);
  const revisions = new Map<string, number>();
  return pending.map((p, i) => {
    const revision = revisions.get(p.streamId) ?? 0;
    revisions.set(p.streamId, revision + 1);
    const at = new Date(p.at).toISOString();
    return {
      id: `e-${i}`,
      streamId: p.streamId,
      revision,
      position: i + 1,
      type: p.type,
      data: p.data,
      metadata: { occurredAt: at },
      recordedAt: at,
      hash: '',
      previousHash: '',
    };
  });
}

describe('agency KPIs', () => {
  const events = generateHistory(800, 42);
  const store = new SqliteReadModelStore({ file: ':memory:' });
  const projection = createEvaluationProjection();
  const ctx: ClockContext = {
    calendar: workingCalendarFromEvents(
      events
        .filter((e) => e.streamId === 'calendar-id')
        .map((e) => ({ type: e.type, data: e.data }) as CalendarEvent),
      calendarDecider,
    ),
    policy: policyVersionsFromEvents(
      events
        .filter((e) => e.streamId === 'sla-policy')
        .map((e) => ({ type: e.type, data: e.data }) as SlaPolicyEvent),
    ),
  };

  beforeAll(async () => {
    const batch = 200;
    for (let i = 0; i < events.length; i += batch) {
      const slice = events.slice(i, i + batch);
      await store.applyBatch(projection.name, slice[slice.length - 1]!.position, async (tx) => {
        for (const e of slice) await projection.apply(e, tx);
      });
    }
  });
  afterAll(() => store.close());

  it('nearest-rank percentiles', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
  });

  it('periods: month, quarter, year and range bounds', () => {
    expect(periods.month(2024, 2)).toEqual({ kind: 'MONTH', from: '2024-02-01', to: '2024-02-29' });
    expect(periods.quarter(2025, 4)).toEqual({ kind: 'QUARTER', from: '2025-10-01', to: '2025-12-31' });
    expect(periods.year(2026)).toEqual({ kind: 'YEAR', from: '2026-01-01', to: '2026-12-31' });
    expect(() => periods.range('2025-02-01', '2025-01-31')).toThrow('cannot end before');
  });

  it('the projection and a recomputation from raw events agree for every agency and period', async () => {
    const projected = await clockContextFromReadModel(store);
    expect(projected.policy.map((v) => v.version)).toEqual([0, 1]);
    expect(projected.calendar.isWorkingDay('2025-02-11')).toBe(false);
    const checks: [Period, string | undefined][] = [
      [periods.month(2025, 4), undefined],
      [periods.month(2025, 12), undefined],
      [periods.quarter(2025, 2), undefined],
      [periods.quarter(2025, 3), '2025-08-14T05:00:00.000Z'],
      [periods.year(2025), undefined],
      [periods.range('2025-03-15', addDays('2025-03-15', 100)), undefined],
    ];
    let compared = 0;
    for (const agency of AGENCIES) {
      for (const [period, asOf] of checks) {
        const brute = computeAgencyKpisFromEvents(events, agency, period, ctx, asOf);
        const fromProjection = await agencyKpisFromReadModel(store, agency, period, projected, asOf);
        expect(fromProjection).toEqual(brute);
        compared++;
      }
    }
    expect(compared).toBe(AGENCIES.length * checks.length);
  });

  it('the generated year exercises every KPI', () => {
    const year = computeAgencyKpisFromEvents(events, 'inspektorat-bantul', periods.year(2025), ctx);
    for (const field of [
      'received',
      'forwarded',
      'acknowledged',
      'responded',
      'respondedWithinSla',
      'remindersSent',
      'resolved',
      'reopened',
      'notCompetent',
      'satisfactionRatings',
      'open',
      'overdue',
    ] as const) {
      expect(year[field]).toBeGreaterThan(0);
    }
    expect(year.respondedWithinSla).toBeLessThan(year.responded);
    expect(year.meanSatisfaction).toBeGreaterThanOrEqual(1);
    expect(year.meanSatisfaction).toBeLessThanOrEqual(5);
    expect(year.p90WorkingDaysToFirstResponse!).toBeGreaterThanOrEqual(
      year.medianWorkingDaysToFirstResponse!,
    );
    expect(Object.values(year.ageing).reduce((a, b) => a + b, 0)).toBe(year.open);
  });

  it('a hand-made history gives the numbers a person would count', () => {
    const at = (d: string) => new Date(`${d}T10:00:00+07:00`).toISOString();
    const ev = (
      i: number,
      type: string,
      data: Record<string, unknown>,
      streamId = 'complaint-k',
    ): RecordedEvent => ({
      id: `k${i}`,
      streamId,
      revision: i,
      position: i + 1,
      type,
      data,
      metadata: { occurredAt: data.at as string },
      recordedAt: data.at as string,
      hash: '',
      previousHash: '',
    });
    const history = [
      ev(0, 'ComplaintReceived', { complaintId: 'k', receivedAt: at('2025-05-02'), at: at('2025-05-02') }),
      ev(1, 'ComplaintVerified', { at: at('2025-05-05') }),
      ev(2, 'ComplaintForwarded', {
        forwardings: [{ agencyId: 'x', forwardingId: 'x/1' }],
        at: at('2025-05-05'),
      }),
      // 14 calendar days: due 19 May; answered on the 20th, 9 working days later (12–13 May Waisak and its leave).
      ev(3, 'AgencyResponseRecorded', {
        agencyId: 'x',
        forwardingId: 'x/1',
        response: 'r',
        at: at('2025-05-20'),
      }),
      ev(4, 'ComplaintResolved', { at: at('2025-05-21') }),
      ev(
        5,
        'SatisfactionRated',
        { complaintId: 'k', resolution: 1, rating: 4, at: at('2025-05-22') },
        'satisfaction-k',
      ),
    ];
    const k = computeAgencyKpisFromEvents(history, 'x', periods.month(2025, 5), {
      calendar: WorkingCalendar.bundled(),
      policy: [],
    });
    expect(k).toMatchObject({
      received: 1,
      forwarded: 1,
      acknowledged: 0,
      responded: 1,
      respondedWithinSla: 0,
      respondedWithinSlaPercent: 0,
      medianWorkingDaysToFirstResponse: 9,
      open: 0,
      resolved: 1,
      reopened: 0,
      meanSatisfaction: 4,
    });
    const beforeAnswer = computeAgencyKpisFromEvents(
      history,
      'x',
      periods.month(2025, 5),
      { calendar: WorkingCalendar.bundled(), policy: [] },
      at('2025-05-19'),
    );
    expect(beforeAnswer).toMatchObject({ responded: 0, open: 1, overdue: 0, ageing: { '6-10': 1 } });
  });

  it('keeps a document per clock for the scheduler and the complaint view', async () => {
    const clocks = await clocksOfComplaint(store, 'c-1');
    expect(clocks.length).toBeGreaterThan(0);
    expect(clocks[0]!.kind).toBe('VERIFICATION');
    const overdue = await store.find(SLA_CLOCKS_NAME, {
      where: { open: true, dueAt: { lt: '2025-03-01T00:00:00.000Z' } },
    });
    expect(overdue.length).toBeGreaterThan(0);
  });
});

const SLA_CLOCKS_NAME = 'sla_clocks';
