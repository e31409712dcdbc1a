/**
 * The evaluation's read models, kept incrementally from the log:
 * - `sla_clocks`: one document per SLA clock (clocks.ts), for `Complaint.sla` and for the scheduler that
 *   looks for clocks past their deadline (`where: {open: true, dueAt: {lt: now}}`);
 * - `evaluation_cases`: per complaint, its facts (so clocks can be folded again) and the per-forwarding,
 *   per-resolution and per-rating records the KPIs are summed from;
 * - `evaluation_letters`: reminder letters per agency and when they were sent;
 * - `evaluation_config`: the SLA policy versions and calendar changes in force, so the projection stays a
 *   function of the log alone.
 * `agencyKpisFromReadModel` turns these records into the KPIs of kpi.ts without reading the log.
 */
import type { RecordedEvent } from '../shared/eventstore/types';
import type { Projection, ReadModelStore, ReadModelTx } from '../shared/projections/types';
import type { Holiday, WorkingCalendar } from './domain/calendar';
import {
  CALENDAR_EVENT_TYPES,
  type CalendarEvent,
  calendarDecider,
  createCalendarDecider,
  workingCalendarFromEvents,
} from './domain/calendar-aggregate';
import { type CaseFact, EVALUATION_SOURCE_EVENT_TYPES, toCaseFact, toLetterFact } from './domain/case-facts';
import { type ClockContext, type ClockPause, computeClocks, dueDateOf, type SlaClock } from './domain/clocks';
import { compareInstants, endOfJakartaDay, jakartaDate } from './domain/dates';
import {
  ageingBucket,
  type AgencyKpis,
  defaultAsOf,
  emptyTally,
  inPeriod,
  type Period,
  summarizeKpis,
} from './domain/kpi';
import { policyVersionsFromEvents, SLA_POLICY_EVENT_TYPES, type SlaPolicyEvent } from './domain/sla-policy';

export const SLA_CLOCKS = 'sla_clocks';
export const EVALUATION_CASES = 'evaluation_cases';
export const EVALUATION_LETTERS = 'evaluation_letters';
export const EVALUATION_CONFIG = 'evaluation_config';

/** A clock as stored: the clock plus what the scheduler filters on. */
export interface SlaClockDoc extends SlaClock {
  /** Neither stopped nor with its breach on the record. */
  readonly open: boolean;
}

export interface ForwardingRecord {
  readonly forwardingId: string;
  readonly agencyId: string;
  readonly createdAt: string;
  readonly acknowledgedAt?: string;
  readonly respondedAt?: string;
  readonly notCompetent?: boolean;
  /** The first resolution, closing or rejection of the complaint after this forwarding. */
  readonly endedAt?: string;
}

export interface EvaluationCaseDoc {
  readonly complaintId: string;
  /** Every agency the complaint was forwarded to (queried with `contains`). */
  readonly agencyIds: readonly string[];
  readonly receivedAt?: string;
  readonly facts: readonly CaseFact[];
  readonly forwardings: readonly ForwardingRecord[];
  readonly resolutions: readonly { readonly at: string; readonly reopenedAt?: string }[];
  readonly ratings: readonly { readonly at: string; readonly rating: number }[];
}

export interface EvaluationLetterDoc {
  readonly letterId: string;
  readonly kind?: string;
  readonly agencyId?: string;
  readonly sentAt: readonly string[];
}

interface PolicyConfigDoc {
  readonly events: readonly SlaPolicyEvent[];
}
interface CalendarConfigDoc {
  readonly events: readonly CalendarEvent[];
}

export interface EvaluationProjectionOptions {
  /** The calendar baseline the Calendar aggregate starts from (default: the bundled data file). */
  readonly baseline?: readonly Holiday[];
  readonly regionOfAgency?: (agencyId: string) => string | undefined;
}

/** Folds a case document forward by one fact: the records the KPIs are summed from. */
export function evolveCase(doc: EvaluationCaseDoc, fact: CaseFact): EvaluationCaseDoc {
  const facts = [...doc.facts, fact];
  switch (fact.kind) {
    case 'RECEIVED':
      return { ...doc, facts, receivedAt: doc.receivedAt ?? fact.at };
    case 'FORWARDED':
    case 'RESPONSE_INSUFFICIENT': {
      const known = new Set(doc.forwardings.map((f) => f.forwardingId));
      const added = fact.forwardings
        .filter((f) => !known.has(f.forwardingId))
        .map((f) => ({ forwardingId: f.forwardingId, agencyId: f.agencyId, createdAt: fact.at }));
      const agencyIds = [...new Set([...doc.agencyIds, ...added.map((f) => f.agencyId)])];
      return { ...doc, facts, agencyIds, forwardings: [...doc.forwardings, ...added] };
    }
    case 'ACKNOWLEDGED':
      return {
        ...doc,
        facts,
        forwardings: doc.forwardings.map((f) =>
          f.forwardingId === fact.forwardingId && !f.acknowledgedAt ? { ...f, acknowledgedAt: fact.at } : f,
        ),
      };
    case 'RESPONDED':
      return {
        ...doc,
        facts,
        forwardings: doc.forwardings.map((f) =>
          f.forwardingId === fact.forwardingId && !f.respondedAt
            ? { ...f, respondedAt: fact.at, notCompetent: fact.notCompetent }
            : f,
        ),
      };
    case 'RESOLVED':
    case 'CLOSED':
    case 'REJECTED': {
      const forwardings = doc.forwardings.map((f) => (f.endedAt ? f : { ...f, endedAt: fact.at }));
      const resolutions = fact.kind === 'RESOLVED' ? [...doc.resolutions, { at: fact.at }] : doc.resolutions;
      return { ...doc, facts, forwardings, resolutions };
    }
    case 'REOPENED':
      return {
        ...doc,
        facts,
        resolutions: doc.resolutions.map((r) => (r.reopenedAt ? r : { ...r, reopenedAt: fact.at })),
      };
    case 'SATISFACTION_RATED':
      return { ...doc, facts, ratings: [...doc.ratings, { at: fact.at, rating: fact.rating }] };
    case 'INFORMATION_REQUESTED':
    case 'INFORMATION_PROVIDED':
    case 'VERIFIED':
    case 'DEADLINE_BREACHED':
      return { ...doc, facts };
    default:
      return assertNever(fact);
  }
}

const emptyCase = (complaintId: string): EvaluationCaseDoc => ({
  complaintId,
  agencyIds: [],
  facts: [],
  forwardings: [],
  resolutions: [],
  ratings: [],
});

type CalendarDecider = ReturnType<typeof createCalendarDecider>;

/** Loads the clock context the configuration documents describe (the calendar is rebuilt only when it changed). */
async function loadContext(
  tx: Pick<ReadModelTx, 'get'>,
  options: EvaluationProjectionOptions,
  decider: CalendarDecider,
  cache: { calendarKey?: string; calendar?: WorkingCalendar },
): Promise<ClockContext> {
  const policy = await tx.get<PolicyConfigDoc>(EVALUATION_CONFIG, 'policy');
  const calendarEvents = (await tx.get<CalendarConfigDoc>(EVALUATION_CONFIG, 'calendar'))?.events ?? [];
  const key = JSON.stringify(calendarEvents);
  if (!cache.calendar || cache.calendarKey !== key) {
    cache.calendar = workingCalendarFromEvents(calendarEvents, decider);
    cache.calendarKey = key;
  }
  return {
    calendar: cache.calendar,
    policy: policyVersionsFromEvents(policy?.events ?? []),
    ...(options.regionOfAgency ? { regionOfAgency: options.regionOfAgency } : {}),
  };
}

const deciderFor = (options: EvaluationProjectionOptions): CalendarDecider =>
  options.baseline ? createCalendarDecider(options.baseline) : calendarDecider;

export function createEvaluationProjection(options: EvaluationProjectionOptions = {}): Projection {
  const cache: { calendarKey?: string; calendar?: WorkingCalendar } = {};
  const decider = deciderFor(options);
  return {
    name: 'evaluation',
    version: 1,
    collections: [SLA_CLOCKS, EVALUATION_CASES, EVALUATION_LETTERS, EVALUATION_CONFIG],
    filter: {
      eventTypes: [...EVALUATION_SOURCE_EVENT_TYPES, ...SLA_POLICY_EVENT_TYPES, ...CALENDAR_EVENT_TYPES],
    },
    async apply(event: RecordedEvent, tx: ReadModelTx) {
      if ((SLA_POLICY_EVENT_TYPES as readonly string[]).includes(event.type)) {
        const doc = (await tx.get<PolicyConfigDoc>(EVALUATION_CONFIG, 'policy')) ?? { events: [] };
        await tx.put(EVALUATION_CONFIG, 'policy', {
          events: [...doc.events, { type: event.type, data: event.data } as SlaPolicyEvent],
        });
        return;
      }
      if ((CALENDAR_EVENT_TYPES as readonly string[]).includes(event.type)) {
        const doc = (await tx.get<CalendarConfigDoc>(EVALUATION_CONFIG, 'calendar')) ?? { events: [] };
        await tx.put(EVALUATION_CONFIG, 'calendar', {
          events: [...doc.events, { type: event.type, data: event.data } as CalendarEvent],
        });
        return;
      }
      const fact = toCaseFact(event);
      if (fact) {
        const before =
          (await tx.get<EvaluationCaseDoc>(EVALUATION_CASES, fact.complaintId)) ??
          emptyCase(fact.complaintId);
        const doc = evolveCase(before, fact);
        await tx.put(EVALUATION_CASES, fact.complaintId, doc);
        const ctx = await loadContext(tx, options, decider, cache);
        for (const clock of computeClocks(doc.facts, ctx)) {
          const stored: SlaClockDoc = { ...clock, open: !clock.stoppedAt && !clock.breachRecordedAt };
          await tx.put(SLA_CLOCKS, clock.id, stored);
        }
        return;
      }
      const letter = toLetterFact(event);
      if (letter) {
        const doc = (await tx.get<EvaluationLetterDoc>(EVALUATION_LETTERS, letter.letterId)) ?? {
          letterId: letter.letterId,
          sentAt: [],
        };
        await tx.put(
          EVALUATION_LETTERS,
          letter.letterId,
          letter.kind === 'LETTER_DRAFTED'
            ? { ...doc, kind: letter.letterKind, agencyId: letter.agencyId }
            : { ...doc, sentAt: [...doc.sentAt, letter.at] },
        );
      }
    },
  };
}

/** The clock context the read model's configuration describes (for resolvers and the scheduler). */
export async function clockContextFromReadModel(
  store: ReadModelStore,
  options: EvaluationProjectionOptions = {},
): Promise<ClockContext> {
  return loadContext(store, options, deciderFor(options), {});
}

/** A clock as it stood at `asOf`: pauses, stop and breach after that moment had not happened yet. */
export function clockAsOf(clock: SlaClock, asOf: string): SlaClock {
  const pauses: ClockPause[] = clock.pauses
    .filter((p) => compareInstants(p.from, asOf) <= 0)
    .map((p) => (p.to !== undefined && compareInstants(p.to, asOf) > 0 ? { from: p.from } : p));
  const stopped = clock.stoppedAt !== undefined && compareInstants(clock.stoppedAt, asOf) <= 0;
  const { stoppedAt: _s, stoppedBy: _b, breachRecordedAt: _r, ...rest } = clock;
  return {
    ...rest,
    pauses,
    ...(stopped ? { stoppedAt: clock.stoppedAt, stoppedBy: clock.stoppedBy } : {}),
    ...(clock.breachRecordedAt && compareInstants(clock.breachRecordedAt, asOf) <= 0
      ? { breachRecordedAt: clock.breachRecordedAt }
      : {}),
  };
}

/** The KPIs of one agency for a period from the read model (no log reading). */
export async function agencyKpisFromReadModel(
  store: ReadModelStore,
  agencyId: string,
  period: Period,
  ctx: ClockContext,
  asOf: string = defaultAsOf(period),
): Promise<AgencyKpis> {
  const tally = emptyTally();
  const before = (at: string | undefined): at is string => at !== undefined && compareInstants(at, asOf) <= 0;
  const region = ctx.regionOfAgency?.(agencyId);
  const asOfDate = jakartaDate(asOf);

  const letters = await store.find<EvaluationLetterDoc>(EVALUATION_LETTERS, {
    where: { agencyId, kind: 'REMINDER' },
  });
  for (const letter of letters) {
    tally.remindersSent += letter.sentAt.filter((at) => before(at) && inPeriod(at, period)).length;
  }

  const cases = await store.find<EvaluationCaseDoc>(EVALUATION_CASES, {
    where: { agencyIds: { contains: agencyId } },
  });
  for (const doc of cases) {
    const ours = doc.forwardings.filter((f) => f.agencyId === agencyId && before(f.createdAt));
    if (ours.length === 0) continue;
    if (before(doc.receivedAt) && inPeriod(doc.receivedAt, period)) tally.received++;
    const clocks = new Map<string, SlaClock>();
    for (const f of ours) {
      const clock = await store.get<SlaClockDoc>(
        SLA_CLOCKS,
        `${doc.complaintId}/WRITTEN_RESPONSE/${f.forwardingId}`,
      );
      if (clock) clocks.set(f.forwardingId, clock);
    }
    const deadline = (forwardingId: string): string | null => {
      const clock = clocks.get(forwardingId);
      if (!clock) return null;
      const due = dueDateOf(clockAsOf(clock, asOf), ctx.calendar);
      return due === null ? null : endOfJakartaDay(due);
    };
    for (const f of ours) {
      if (inPeriod(f.createdAt, period)) tally.forwarded++;
      if (before(f.acknowledgedAt) && inPeriod(f.acknowledgedAt, period)) tally.acknowledged++;
      if (before(f.respondedAt)) {
        if (inPeriod(f.respondedAt, period)) {
          tally.responded++;
          const due = deadline(f.forwardingId);
          if (due !== null && compareInstants(f.respondedAt, due) <= 0) tally.respondedWithinSla++;
          if (f.notCompetent) tally.notCompetent++;
          tally.daysToFirstResponse.push(
            ctx.calendar.workingDaysBetween(jakartaDate(f.createdAt), jakartaDate(f.respondedAt), region),
          );
        }
        continue;
      }
      if (before(f.endedAt)) continue;
      tally.open++;
      const due = deadline(f.forwardingId);
      if (due !== null && compareInstants(asOf, due) > 0) tally.overdue++;
      tally.ageing[
        ageingBucket(ctx.calendar.workingDaysBetween(jakartaDate(f.createdAt), asOfDate, region))
      ]++;
    }
    for (const r of doc.resolutions) {
      if (before(r.at) && inPeriod(r.at, period)) {
        tally.resolved++;
        if (before(r.reopenedAt)) tally.reopened++;
      }
    }
    for (const r of doc.ratings) if (before(r.at) && inPeriod(r.at, period)) tally.ratings.push(r.rating);
  }
  return summarizeKpis(agencyId, period, asOf, tally);
}

/** Every clock of a complaint, in the order they started. */
export async function clocksOfComplaint(store: ReadModelStore, complaintId: string): Promise<SlaClockDoc[]> {
  return store.find<SlaClockDoc>(SLA_CLOCKS, {
    where: { complaintId },
    orderBy: [{ path: 'startedAt' }, { path: 'id' }],
  });
}

function assertNever(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`);
}
