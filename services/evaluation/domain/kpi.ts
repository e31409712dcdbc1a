/**
 * Agency performance (KPIs of *evaluasi berkala*) for a period, and its brute-force computation over raw
 * events. The incremental projection (services/evaluation/projections.ts) must give the same numbers;
 * a test holds them to it on a generated history.
 *
 * Definitions, for agency A and period P (Jakarta dates, inclusive), looking at events up to `asOf`
 * (default: the end of P). A *forwarding* is one sending of a complaint to A (the first, or the
 * replacement of one found insufficient); a complaint *of A* has at least one forwarding to A.
 * - received: complaints of A received by Kemensetneg in P;
 * - forwarded / acknowledged / responded: forwardings to A created / first acknowledged / first answered in P;
 * - respondedWithinSla: of those answered in P, answered by their WRITTEN_RESPONSE deadline;
 * - working days to first response: from the forwarding's date to the answer's date (median, p90 by
 *   nearest rank);
 * - open: forwardings to A unanswered at asOf whose complaint has not ended (resolved, closed, rejected)
 *   since; overdue: open ones past their WRITTEN_RESPONSE deadline; ageing: open ones by working days
 *   since forwarding;
 * - remindersSent: REMINDER letters to A sent in P;
 * - resolved: resolutions in P of complaints of A; reopened: those of them reopened by asOf;
 * - notCompetent: answers in P saying the matter is not A's (misrouted);
 * - satisfaction: ratings given in P on complaints of A.
 */
import type { RecordedEvent } from '../../shared/eventstore/types';
import { badInput } from '../../shared/errors';
import type { CaseFact } from './case-facts';
import { toCaseFact, toLetterFact } from './case-facts';
import { type ClockContext, computeClocks } from './clocks';
import {
  addDays,
  compareInstants,
  dayNumber,
  endOfJakartaDay,
  jakartaDate,
  type LocalDate,
} from '../../shared/calendar/dates';

export type PeriodKind = 'MONTH' | 'QUARTER' | 'YEAR' | 'RANGE';

export interface Period {
  readonly kind: PeriodKind;
  /** First Jakarta date, inclusive. */
  readonly from: LocalDate;
  /** Last Jakarta date, inclusive. */
  readonly to: LocalDate;
}

const pad = (n: number) => String(n).padStart(2, '0');
const lastDayOf = (year: number, month: number) =>
  addDays(`${month === 12 ? year + 1 : year}-${pad((month % 12) + 1)}-01`, -1);

export const periods = {
  month(year: number, month: number): Period {
    if (!Number.isInteger(month) || month < 1 || month > 12)
      throw badInput('month must be 1..12', { field: 'month' });
    return { kind: 'MONTH', from: `${year}-${pad(month)}-01`, to: lastDayOf(year, month) };
  },
  quarter(year: number, quarter: number): Period {
    if (!Number.isInteger(quarter) || quarter < 1 || quarter > 4)
      throw badInput('quarter must be 1..4', { field: 'quarter' });
    const first = (quarter - 1) * 3 + 1;
    return { kind: 'QUARTER', from: `${year}-${pad(first)}-01`, to: lastDayOf(year, first + 2) };
  },
  year(year: number): Period {
    return { kind: 'YEAR', from: `${year}-01-01`, to: `${year}-12-31` };
  },
  range(from: LocalDate, to: LocalDate): Period {
    if (dayNumber(to) < dayNumber(from))
      throw badInput('a period cannot end before it starts', { field: 'to' });
    if (dayNumber(to) - dayNumber(from) > 366 * 5)
      throw badInput('a period spans at most five years', { field: 'to' });
    return { kind: 'RANGE', from, to };
  },
};

/** Open forwardings by working days since they were forwarded. */
export const AGEING_BUCKETS = ['0-5', '6-10', '11-20', '21-60', '61+'] as const;
export type AgeingBucket = (typeof AGEING_BUCKETS)[number];

export function ageingBucket(workingDays: number): AgeingBucket {
  if (workingDays <= 5) return '0-5';
  if (workingDays <= 10) return '6-10';
  if (workingDays <= 20) return '11-20';
  if (workingDays <= 60) return '21-60';
  return '61+';
}

export interface AgencyKpis {
  readonly agencyId: string;
  readonly period: Period;
  readonly asOf: string;
  readonly received: number;
  readonly forwarded: number;
  readonly acknowledged: number;
  readonly responded: number;
  readonly respondedWithinSla: number;
  /** Percent of `responded`, 2 decimals; null when nothing was answered. */
  readonly respondedWithinSlaPercent: number | null;
  readonly medianWorkingDaysToFirstResponse: number | null;
  readonly p90WorkingDaysToFirstResponse: number | null;
  readonly open: number;
  readonly overdue: number;
  readonly ageing: Readonly<Record<AgeingBucket, number>>;
  readonly remindersSent: number;
  readonly resolved: number;
  readonly reopened: number;
  readonly reopenedPercent: number | null;
  readonly notCompetent: number;
  readonly notCompetentPercent: number | null;
  readonly satisfactionRatings: number;
  /** Mean of 1..5 ratings, 2 decimals; null when none. */
  readonly meanSatisfaction: number | null;
}

/** The inputs of the KPIs once gathered; both implementations gather them, then summarise alike. */
export interface KpiTally {
  received: number;
  forwarded: number;
  acknowledged: number;
  responded: number;
  respondedWithinSla: number;
  daysToFirstResponse: number[];
  open: number;
  overdue: number;
  ageing: Record<AgeingBucket, number>;
  remindersSent: number;
  resolved: number;
  reopened: number;
  notCompetent: number;
  ratings: number[];
}

export function emptyTally(): KpiTally {
  return {
    received: 0,
    forwarded: 0,
    acknowledged: 0,
    responded: 0,
    respondedWithinSla: 0,
    daysToFirstResponse: [],
    open: 0,
    overdue: 0,
    ageing: { '0-5': 0, '6-10': 0, '11-20': 0, '21-60': 0, '61+': 0 },
    remindersSent: 0,
    resolved: 0,
    reopened: 0,
    notCompetent: 0,
    ratings: [],
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const percent = (part: number, whole: number) => (whole === 0 ? null : round2((part / whole) * 100));

/** Nearest-rank percentile (p in (0, 100]); null for no values. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function summarizeKpis(agencyId: string, period: Period, asOf: string, t: KpiTally): AgencyKpis {
  return {
    agencyId,
    period,
    asOf,
    received: t.received,
    forwarded: t.forwarded,
    acknowledged: t.acknowledged,
    responded: t.responded,
    respondedWithinSla: t.respondedWithinSla,
    respondedWithinSlaPercent: percent(t.respondedWithinSla, t.responded),
    medianWorkingDaysToFirstResponse: percentile(t.daysToFirstResponse, 50),
    p90WorkingDaysToFirstResponse: percentile(t.daysToFirstResponse, 90),
    open: t.open,
    overdue: t.overdue,
    ageing: { ...t.ageing },
    remindersSent: t.remindersSent,
    resolved: t.resolved,
    reopened: t.reopened,
    reopenedPercent: percent(t.reopened, t.resolved),
    notCompetent: t.notCompetent,
    notCompetentPercent: percent(t.notCompetent, t.responded),
    satisfactionRatings: t.ratings.length,
    meanSatisfaction: t.ratings.length
      ? round2(t.ratings.reduce((a, b) => a + b, 0) / t.ratings.length)
      : null,
  };
}

/** The default moment a period is judged at: the end of its last day (or `now`, if earlier). */
export function defaultAsOf(period: Period, now?: string): string {
  const end = endOfJakartaDay(period.to);
  return now && compareInstants(now, end) < 0 ? new Date(now).toISOString() : end;
}

/** Whether an instant falls on a Jakarta date of the period. */
export function inPeriod(at: string, period: Period): boolean {
  const d = jakartaDate(at);
  return d >= period.from && d <= period.to;
}

const TERMINAL = new Set(['RESOLVED', 'CLOSED', 'REJECTED']);

/**
 * The KPIs straight from the raw log, with nothing kept between calls: every complaint's facts are
 * gathered and judged afresh. The reference the projection is tested against, and the fallback for a
 * one-off question over an unusual range.
 */
export function computeAgencyKpisFromEvents(
  events: readonly RecordedEvent[],
  agencyId: string,
  period: Period,
  ctx: ClockContext,
  asOf: string = defaultAsOf(period),
): AgencyKpis {
  const tally = emptyTally();
  const byComplaint = new Map<string, CaseFact[]>();
  const reminderLetters = new Set<string>();
  const sends: { letterId: string; at: string }[] = [];
  for (const event of events) {
    const fact = toCaseFact(event);
    if (fact) {
      if (compareInstants(fact.at, asOf) > 0) continue;
      let list = byComplaint.get(fact.complaintId);
      if (!list) {
        list = [];
        byComplaint.set(fact.complaintId, list);
      }
      list.push(fact);
      continue;
    }
    const letter = toLetterFact(event);
    if (!letter || compareInstants(letter.at, asOf) > 0) continue;
    if (letter.kind === 'LETTER_DRAFTED') {
      if (letter.letterKind === 'REMINDER' && letter.agencyId === agencyId)
        reminderLetters.add(letter.letterId);
    } else {
      sends.push(letter);
    }
  }
  for (const s of sends) if (reminderLetters.has(s.letterId) && inPeriod(s.at, period)) tally.remindersSent++;

  const region = ctx.regionOfAgency?.(agencyId);
  const asOfDate = jakartaDate(asOf);
  for (const facts of byComplaint.values()) {
    const ours = new Map<string, number>(); // forwardingId → index of its creating fact
    facts.forEach((f, i) => {
      if (f.kind === 'FORWARDED' || f.kind === 'RESPONSE_INSUFFICIENT') {
        for (const fw of f.forwardings)
          if (fw.agencyId === agencyId && !ours.has(fw.forwardingId)) ours.set(fw.forwardingId, i);
      }
    });
    if (ours.size === 0) continue;
    const clocks = computeClocks(facts, ctx);
    const dueOf = (forwardingId: string) =>
      clocks.find((c) => c.kind === 'WRITTEN_RESPONSE' && c.forwardingId === forwardingId)?.dueAt ?? null;

    const receivedFact = facts.find((f) => f.kind === 'RECEIVED');
    if (receivedFact && inPeriod(receivedFact.at, period)) tally.received++;

    for (const [forwardingId, created] of ours) {
      const createdAt = facts[created]!.at;
      if (inPeriod(createdAt, period)) tally.forwarded++;
      const ack = facts.find((f) => f.kind === 'ACKNOWLEDGED' && f.forwardingId === forwardingId);
      if (ack && inPeriod(ack.at, period)) tally.acknowledged++;
      const answer = facts.find(
        (f): f is Extract<CaseFact, { kind: 'RESPONDED' }> =>
          f.kind === 'RESPONDED' && f.forwardingId === forwardingId,
      );
      const due = dueOf(forwardingId);
      if (answer) {
        if (inPeriod(answer.at, period)) {
          tally.responded++;
          if (due !== null && compareInstants(answer.at, due) <= 0) tally.respondedWithinSla++;
          if (answer.notCompetent) tally.notCompetent++;
          tally.daysToFirstResponse.push(
            ctx.calendar.workingDaysBetween(jakartaDate(createdAt), jakartaDate(answer.at), region),
          );
        }
        continue;
      }
      const ended = facts.some((f, i) => i > created && TERMINAL.has(f.kind));
      if (ended) continue;
      tally.open++;
      if (due !== null && compareInstants(asOf, due) > 0) tally.overdue++;
      tally.ageing[ageingBucket(ctx.calendar.workingDaysBetween(jakartaDate(createdAt), asOfDate, region))]++;
    }

    facts.forEach((f, i) => {
      if (f.kind === 'RESOLVED' && inPeriod(f.at, period)) {
        tally.resolved++;
        if (facts.some((g, j) => j > i && g.kind === 'REOPENED')) tally.reopened++;
      }
      if (f.kind === 'SATISFACTION_RATED' && inPeriod(f.at, period)) tally.ratings.push(f.rating);
    });
  }
  return summarizeKpis(agencyId, period, asOf, tally);
}
