/**
 * SLA clocks per complaint and per forwarding, as a pure fold over the complaint's case facts, the SLA
 * policy versions and the working calendar.
 *
 * Day rules (all in Jakarta dates):
 * - the day a clock starts never counts ("3 working days after receipt");
 * - a later day counts when it is a countable day (a working day of the clock's region for WORKING_DAYS,
 *   any day for CALENDAR_DAYS) and the clock is running at the end of it, so a pause requested and ended
 *   on the same day costs nothing, and every day that ends paused is added to the due date;
 * - the due date is the day on which the count reaches the clock's length; the deadline is the end of it
 *   (23:59:59.999 WIB). A clock stopped by then is MET, later BREACHED.
 */
import { sha256Uuid } from '../../shared/ids';
import type { DomainEvent } from '../../shared/decider';
import type { WorkingCalendar } from '../../shared/calendar/calendar';
import type { CaseFact, CaseFactKind, ForwardingRef } from './case-facts';
import {
  compareInstants,
  dayNumber,
  endOfJakartaDay,
  fromDayNumber,
  jakartaDate,
  jakartaDayNumber,
  type LocalDate,
} from '../../shared/calendar/dates';
import {
  CLOCK_KINDS,
  CLOCK_RULES,
  type ClockKind,
  type ClockTrigger,
  type DurationUnit,
  policyVersionAt,
  type SlaPolicyVersion,
} from './sla-policy';

/** The versions of the working calendar (CalendarHistory): which was in force when, and each one. */
export interface CalendarVersions {
  /** The latest version: the one `calendar` is. */
  readonly version?: number;
  versionAt(instant: string): number;
  at(version: number): WorkingCalendar;
}

export interface ClockContext {
  /** The calendar in force now. */
  readonly calendar: WorkingCalendar;
  /**
   * Every version of the calendar, so a clock keeps the one in force when it started; without it every
   * clock follows `calendar`.
   */
  readonly calendars?: CalendarVersions;
  /** Every recorded policy version (policyVersionsFromEvents); the default applies when empty. */
  readonly policy: readonly SlaPolicyVersion[];
  /** Region code of an agency, so its regional holidays count as non-working days for its clocks. */
  readonly regionOfAgency?: (agencyId: string) => string | undefined;
}

export interface ClockPause {
  readonly from: string;
  /** Absent while the complaint still awaits information. */
  readonly to?: string;
}

/** A clock as the fold records it: everything but its state at a given moment. */
export interface SlaClock {
  /** `<complaintId>/<kind>/<forwardingId>` or `<complaintId>/<kind>#<cycle>`: stable across replays. */
  readonly id: string;
  readonly complaintId: string;
  readonly kind: ClockKind;
  /** Set for FORWARDING clocks. */
  readonly agencyId?: string;
  readonly forwardingId?: string;
  /** 1 for the first clock of this kind (and forwarding), 2 after a restart (reopening), … */
  readonly cycle: number;
  readonly policyVersion: number;
  /** The calendar version in force when the clock started (absent: the calendar in force now). */
  readonly calendarVersion?: number;
  readonly length: number;
  readonly unit: DurationUnit;
  readonly region?: string;
  readonly startedAt: string;
  readonly pauses: readonly ClockPause[];
  readonly stoppedAt?: string;
  readonly stoppedBy?: CaseFactKind;
  /** The Jakarta date the clock runs out on; null while a pause leaves it open. */
  readonly dueDate: LocalDate | null;
  /** The end of dueDate (WIB) as an ISO instant; null while paused. */
  readonly dueAt: string | null;
  /** When the scheduler recorded the breach (DeadlineBreached), if it has. */
  readonly breachRecordedAt?: string;
}

export type ClockState = 'RUNNING' | 'PAUSED' | 'MET' | 'BREACHED';

export interface ClockStatus extends SlaClock {
  readonly state: ClockState;
  /** Working days counted so far (up to `now` or the stop), pauses excluded. */
  readonly workingDaysElapsed: number;
  /** Days counted so far in the clock's own unit. */
  readonly elapsed: number;
  /**
   * Working days from today (Jakarta) to the due date under the clock's own calendar and region: what
   * is left, or below zero how late it is; null once stopped or while a pause leaves the date open.
   */
  readonly workingDaysLeft: number | null;
}

export function clockId(
  complaintId: string,
  kind: ClockKind,
  forwardingId: string | undefined,
  cycle: number,
): string {
  return forwardingId ? `${complaintId}/${kind}/${forwardingId}` : `${complaintId}/${kind}#${cycle}`;
}

/** The working calendar a clock counts with: the version it started under, when known. */
export function calendarOfClock(
  ctx: Pick<ClockContext, 'calendar' | 'calendars'>,
  clock: Pick<SlaClock, 'calendarVersion'>,
): WorkingCalendar {
  return clock.calendarVersion !== undefined && ctx.calendars
    ? ctx.calendars.at(clock.calendarVersion)
    : ctx.calendar;
}

type MutableClock = { -readonly [K in keyof SlaClock]: SlaClock[K] } & { pauses: ClockPause[] };

/** The due date of a clock under a calendar, or null when an open pause comes first. */
export function dueDateOf(
  clock: Pick<SlaClock, 'startedAt' | 'pauses' | 'length' | 'unit' | 'region'>,
  calendar: WorkingCalendar,
): LocalDate | null {
  let day = jakartaDayNumber(clock.startedAt);
  if (clock.pauses.length === 0 && clock.unit === 'CALENDAR_DAYS') return fromDayNumber(day + clock.length);
  const paused = pausedRanges(clock.pauses);
  let counted = 0;
  while (counted < clock.length) {
    day++;
    const pause = paused.find(([first, last]) => day >= first && day <= last);
    if (pause) {
      if (pause[1] === Number.POSITIVE_INFINITY) return null;
      day = pause[1];
      continue;
    }
    if (clock.unit === 'CALENDAR_DAYS' || calendar.isWorkingDayNumber(day, clock.region)) counted++;
  }
  return fromDayNumber(day);
}

/** Day numbers [first, last] that end paused. */
function pausedRanges(pauses: readonly ClockPause[]): [number, number][] {
  return pauses
    .map((p): [number, number] => [
      jakartaDayNumber(p.from),
      p.to === undefined ? Number.POSITIVE_INFINITY : jakartaDayNumber(p.to) - 1,
    ])
    .filter(([first, last]) => last >= first);
}

/** Counted days in (start day, day of `until`], pauses excluded. */
function countedDays(
  clock: Pick<SlaClock, 'startedAt' | 'pauses' | 'region'>,
  unit: DurationUnit,
  until: string,
  calendar: WorkingCalendar,
): number {
  const first = jakartaDayNumber(clock.startedAt) + 1;
  const last = jakartaDayNumber(until);
  if (last < first) return 0;
  const count = (a: number, b: number) =>
    b < a ? 0 : unit === 'CALENDAR_DAYS' ? b - a + 1 : calendar.countWorkingDays(a, b, clock.region);
  let total = count(first, last);
  // Pauses of one complaint never overlap (one awaits information or not), so they subtract cleanly.
  for (const [pFirst, pLast] of pausedRanges(clock.pauses)) {
    total -= count(Math.max(pFirst, first), Math.min(pLast, last));
  }
  return total;
}

/** The state of a clock at `now`, with its due date recomputed under `calendar`. */
export function evaluateClock(clock: SlaClock, calendar: WorkingCalendar, now: string): ClockStatus {
  const dueDate = dueDateOf(clock, calendar);
  const dueAt = dueDate === null ? null : endOfJakartaDay(dueDate);
  const until = clock.stoppedAt ?? now;
  const open = clock.pauses.some((p) => p.to === undefined);
  let state: ClockState;
  if (clock.breachRecordedAt) state = 'BREACHED';
  else if (clock.stoppedAt)
    state = dueAt !== null && compareInstants(clock.stoppedAt, dueAt) <= 0 ? 'MET' : 'BREACHED';
  else if (dueAt !== null && compareInstants(now, dueAt) > 0) state = 'BREACHED';
  else state = open ? 'PAUSED' : 'RUNNING';
  return {
    ...clock,
    dueDate,
    dueAt,
    state,
    workingDaysElapsed: countedDays(clock, 'WORKING_DAYS', until, calendar),
    elapsed: countedDays(clock, clock.unit, until, calendar),
    workingDaysLeft:
      clock.stoppedAt || dueDate === null ? null : workingDaysBetween(now, dueDate, calendar, clock.region),
  };
}

/** Working days in (today, due] when due is ahead, or minus those in (due, today] when it has passed. */
function workingDaysBetween(
  now: string,
  due: LocalDate,
  calendar: WorkingCalendar,
  region: SlaClock['region'],
): number {
  const today = jakartaDayNumber(now);
  const last = dayNumber(due);
  return last >= today
    ? calendar.countWorkingDays(today + 1, last, region)
    : -calendar.countWorkingDays(last + 1, today, region);
}

/**
 * Clocks that ran out and whose breach is not yet on the record: running past their deadline, or
 * stopped after it (a scheduler that was down still records the breach once). AUTO_CLOSE running out
 * is the signal to close the complaint rather than a failure of anyone.
 */
export function dueBreaches(clocks: readonly SlaClock[], now: string): SlaClock[] {
  return clocks.filter(
    (c) =>
      !c.breachRecordedAt &&
      c.dueAt !== null &&
      compareInstants(c.stoppedAt ?? now, c.dueAt) > 0 &&
      compareInstants(now, c.dueAt) > 0,
  );
}

export type DeadlineBreachedEvent = DomainEvent<
  'DeadlineBreached',
  {
    readonly complaintId: string;
    readonly clockId: string;
    readonly kind: ClockKind;
    readonly agencyId?: string;
    readonly dueAt: string;
    readonly detectedAt: string;
  }
>;

/** The stream the scheduler appends breaches to (one per complaint, kept beside the complaint's own). */
export const slaStreamId = (complaintId: string) => `sla-${complaintId}`;

/** The event the scheduler appends for a breached clock. */
export function deadlineBreached(clock: SlaClock, now: string): DeadlineBreachedEvent {
  if (clock.dueAt === null) throw new Error(`clock ${clock.id} has no deadline yet`);
  return {
    type: 'DeadlineBreached',
    data: {
      complaintId: clock.complaintId,
      clockId: clock.id,
      kind: clock.kind,
      ...(clock.agencyId ? { agencyId: clock.agencyId } : {}),
      dueAt: clock.dueAt,
      detectedAt: now,
    },
  };
}

/** A UUID derived from the clock id: appending the breach twice is an idempotent retry, so it is recorded once. */
export function deadlineBreachedEventId(id: string): string {
  return sha256Uuid(`DeadlineBreached:${id}`, '5');
}

/**
 * All clocks of one complaint from its facts in the order they happened. Pure: the same facts, policy
 * and calendar give the same clocks.
 */
export function computeClocks(facts: readonly CaseFact[], ctx: ClockContext): SlaClock[] {
  const clocks: MutableClock[] = [];
  const open = new Map<string, MutableClock>();
  const cycles = new Map<string, number>();
  /** Forwardings still awaiting the agency's response. */
  const awaiting = new Set<string>();
  let pausedSince: string | undefined;
  const keyOf = (kind: ClockKind, forwardingId?: string) => `${kind}/${forwardingId ?? ''}`;

  const stop = (clock: MutableClock, fact: CaseFact) => {
    clock.stoppedAt = fact.at;
    clock.stoppedBy = fact.kind;
    clock.pauses = clock.pauses.map((p) => (p.to === undefined ? { from: p.from, to: fact.at } : p));
    open.delete(keyOf(clock.kind, clock.forwardingId));
  };

  const start = (kind: ClockKind, fact: CaseFact, forwarding?: ForwardingRef) => {
    const key = keyOf(kind, forwarding?.forwardingId);
    if (open.has(key)) return;
    const cycle = (cycles.get(key) ?? 0) + 1;
    cycles.set(key, cycle);
    const { version, limits } = policyVersionAt(ctx.policy, jakartaDate(fact.at));
    const region = forwarding ? ctx.regionOfAgency?.(forwarding.agencyId) : undefined;
    const clock: MutableClock = {
      id: clockId(fact.complaintId, kind, forwarding?.forwardingId, cycle),
      complaintId: fact.complaintId,
      kind,
      ...(forwarding ? { agencyId: forwarding.agencyId, forwardingId: forwarding.forwardingId } : {}),
      cycle,
      policyVersion: version,
      ...(ctx.calendars ? { calendarVersion: ctx.calendars.versionAt(fact.at) } : {}),
      length: limits[kind].length,
      unit: limits[kind].unit,
      ...(region ? { region } : {}),
      startedAt: fact.at,
      pauses: pausedSince ? [{ from: fact.at }] : [],
      dueDate: null,
      dueAt: null,
    };
    clocks.push(clock);
    open.set(key, clock);
  };

  for (const fact of facts) {
    switch (fact.kind) {
      case 'DEADLINE_BREACHED': {
        const clock = clocks.find((c) => c.id === fact.clockId);
        if (clock && !clock.breachRecordedAt) clock.breachRecordedAt = fact.at;
        continue;
      }
      case 'SATISFACTION_RATED':
        continue;
      case 'INFORMATION_REQUESTED':
        if (!pausedSince) {
          pausedSince = fact.at;
          for (const clock of open.values()) clock.pauses = [...clock.pauses, { from: fact.at }];
        }
        continue;
      case 'INFORMATION_PROVIDED':
        if (pausedSince) {
          pausedSince = undefined;
          for (const clock of open.values()) {
            clock.pauses = clock.pauses.map((p) => (p.to === undefined ? { from: p.from, to: fact.at } : p));
          }
        }
        continue;
      default:
        break;
    }
    const factForwarding =
      fact.kind === 'ACKNOWLEDGED' || fact.kind === 'RESPONDED' ? fact.forwardingId : undefined;
    for (const clock of [...open.values()]) {
      if (!CLOCK_RULES[clock.kind].stopsOn.includes(fact.kind)) continue;
      if (factForwarding !== undefined && clock.forwardingId !== factForwarding) continue;
      stop(clock, fact);
    }
    switch (fact.kind) {
      case 'FORWARDED':
      case 'RESPONSE_INSUFFICIENT':
        for (const f of fact.forwardings) awaiting.add(f.forwardingId);
        break;
      case 'RESPONDED':
        awaiting.delete(fact.forwardingId);
        break;
      case 'RESOLVED':
      case 'CLOSED':
      case 'REJECTED':
        awaiting.clear();
        // Nothing is awaited from the complainant any more either.
        pausedSince = undefined;
        break;
      default:
        break;
    }
    const trigger: ClockTrigger = fact.kind === 'REOPENED' ? `REOPENED_TO_${fact.to}` : fact.kind;
    for (const kind of CLOCK_KINDS) {
      const rule = CLOCK_RULES[kind];
      if (!rule.startsOn.includes(trigger)) continue;
      if (rule.scope === 'FORWARDING') {
        const forwardings =
          fact.kind === 'FORWARDED' || fact.kind === 'RESPONSE_INSUFFICIENT' ? fact.forwardings : [];
        for (const f of forwardings) start(kind, fact, f);
      } else if (kind !== 'AUTO_CLOSE' || awaiting.size === 0) {
        // AUTO_CLOSE waits for the complainant only once every forwarding has been answered.
        start(kind, fact);
      }
    }
  }
  for (const clock of clocks) {
    clock.dueDate = dueDateOf(clock, calendarOfClock(ctx, clock));
    clock.dueAt = clock.dueDate === null ? null : endOfJakartaDay(clock.dueDate);
  }
  return clocks;
}
