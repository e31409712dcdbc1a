import type { SlaClock } from '../../services/evaluation/domain/clocks';
import {
  agencyDaysQuery,
  CLOCK_ORDER,
  clockOfDoc,
  EVALUATION_AGENCY_DAYS,
  EVALUATION_INDEXES,
  NEVER,
  overdueClocksQuery,
  SLA_CLOCKS,
  toClockDoc,
} from '../../services/evaluation/projections';
import {
  EVALUATION_ROUNDS,
  evaluationRecordsProjection,
  evaluationRoundsQuery,
} from '../../services/evaluation/records';
import { DUE_ORDER, LATE_STOP_ORDER } from '../../services/evaluation/scheduler';
import { expectIndexedPlan, PLAN_ENGINES, storeWithIndexes } from '../support/plans';

/**
 * The evaluation's read paths are answered from its indexes, so a page costs what the page costs: a plan
 * that scans the documents table fails here.
 */
describe.each(PLAN_ENGINES)('%s: evaluation read plans', (engine) => {
  const store = storeWithIndexes(EVALUATION_INDEXES, engine);

  it.each([
    ['one complaint', 'c-1'],
    ['a page of complaints', { in: ['c-1', 'c-2', 'c-3'] }],
  ] as const)("%s's clocks: the complaint index, no scan", async (_, complaintId) => {
    const query = { where: { complaintId }, orderBy: CLOCK_ORDER };
    await expectIndexedPlan(store(), SLA_CLOCKS, query, 'rm_sla_clocks_complaint');
  });

  it.each([
    ["an agency's (its KPIs)", 'inspektorat-bantul'],
    ["every agency's in one query (the ranking)", ['inspektorat-bantul', 'inspektorat-sleman', 'dinas-x']],
  ] as const)('day buckets of a period, %s: the agency_day index, no scan', async (_, agencies) => {
    const query = agencyDaysQuery(agencies, '2026-01-01', '2026-12-31');
    await expectIndexedPlan(store(), EVALUATION_AGENCY_DAYS, query, 'rm_evaluation_agency_days_agency_day');
  });

  it.each([
    ['every agency', undefined, 'overdue'],
    ['one agency', 'inspektorat-bantul', 'agency_overdue'],
  ] as const)(
    'the overdue list of %s: its index in its order, no scan, also after a cursor',
    async (_, agencyId, index) => {
      const now = '2026-03-12T03:00:00.000Z';
      for (const after of [
        undefined,
        ['2026-03-10T16:59:59.999Z', 'c-1/AGENCY_FIRST_FOLLOW_UP/a'] as const,
      ]) {
        const query = { ...overdueClocksQuery(now, agencyId, after), limit: 21 };
        const plan = await expectIndexedPlan(store(), SLA_CLOCKS, query, `rm_sla_clocks_${index}`);
        expect(plan).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
      }
    },
  );

  it.each([
    [
      'clocks falling due',
      { where: { dueWatch: { lt: '2026-03-11T03:00:00.000Z' } }, orderBy: DUE_ORDER },
      'due',
    ],
    [
      'clocks stopped late',
      { where: { lateStopWatch: { gt: '2026-01-25T03:00:00.000Z' } }, orderBy: LATE_STOP_ORDER },
      'late_stop',
    ],
  ] as const)('the breach scheduler: %s from their index, no scan', async (_, query, index) => {
    const plan = await expectIndexedPlan(store(), SLA_CLOCKS, query, `rm_sla_clocks_${index}`);
    // In index order: at most the row-id tie-break among equal keys is sorted, never the whole result.
    expect(plan).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
  });
});

describe.each(PLAN_ENGINES)('%s: evaluation rounds list plans', (engine) => {
  const store = storeWithIndexes(evaluationRecordsProjection.indexes ?? [], engine);

  it.each([
    ['all', {}, 'opened'],
    ['by agency', { agencyId: 'inspektorat-bantul' }, 'agency'],
    ['by status', { status: 'OPEN' }, 'status'],
  ] as const)('%s: newest first from an index, no scan, also after a cursor', async (_, filter, index) => {
    const query = evaluationRoundsQuery(filter);
    await expectIndexedPlan(store(), EVALUATION_ROUNDS, query, `rm_evaluation_rounds_${index}`);
    const after = evaluationRoundsQuery(filter, 21, ['2026-04-01T02:00:00.000Z', 'round-7']);
    const plan = await expectIndexedPlan(store(), EVALUATION_ROUNDS, after, `rm_evaluation_rounds_${index}`);
    // In index order: at most the row-id tie-break among equal keys is sorted.
    if (engine === 'SQLite') expect(plan).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
  });
});

describe('what the scheduler and overdue indexes keep of a clock', () => {
  const clock: SlaClock = {
    id: 'c1/WRITTEN_RESPONSE/a/1',
    complaintId: 'c1',
    kind: 'WRITTEN_RESPONSE',
    cycle: 1,
    policyVersion: 0,
    calendarVersion: 0,
    length: 14,
    unit: 'CALENDAR_DAYS',
    startedAt: '2026-03-02T02:00:00.000Z',
    pauses: [],
    dueDate: '2026-03-16',
    dueAt: '2026-03-16T16:59:59.999Z',
  } as SlaClock;
  const { calendarVersion: _v, ...versionless } = clock;

  // The last column: the overdue list's key (overdueFrom), the due instant for as long as the clock runs.
  it.each([
    ['open, with its calendar version: from its due instant', clock, clock.dueAt, '', clock.dueAt],
    [
      'open, following today’s calendar: 45 days early',
      versionless,
      '2026-01-30T16:59:59.999Z',
      '',
      clock.dueAt,
    ],
    ['paused (no deadline)', { ...clock, dueDate: null, dueAt: null }, NEVER, '', NEVER],
    [
      'breach on the record',
      { ...clock, breachRecordedAt: '2026-03-17T00:00:00.000Z' },
      NEVER,
      '',
      clock.dueAt,
    ],
    ['stopped in time', { ...clock, stoppedAt: '2026-03-10T00:00:00.000Z' }, NEVER, '', NEVER],
    [
      'stopped late, unrecorded',
      { ...clock, stoppedAt: '2026-03-20T00:00:00.000Z' },
      NEVER,
      '2026-03-20T00:00:00.000Z',
      NEVER,
    ],
    ['an AUTO_CLOSE clock (nobody is late)', { ...clock, kind: 'AUTO_CLOSE' }, clock.dueAt, '', NEVER],
  ] as const)('%s', (_, c, dueWatch, lateStopWatch, overdueFrom) => {
    const doc = toClockDoc(c as SlaClock);
    expect(doc).toMatchObject({ dueWatch, lateStopWatch, overdueFrom, clockAgency: '' });
    expect(clockOfDoc(doc)).toEqual(c);
  });
});
