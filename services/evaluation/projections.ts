/**
 * The evaluation's read models, kept incrementally from the log:
 * - `sla_clocks`: one document per SLA clock (clocks.ts), for `Complaint.sla` and for the scheduler that
 *   looks for clocks past their deadline on an index of when each needs looking at (`dueWatch`);
 * - `evaluation_cases`: per complaint, its facts (so clocks can be folded again) and the per-forwarding,
 *   per-resolution and per-rating records the KPIs are derived from;
 * - `evaluation_letters`: per letter, the agencies it was drafted to remind and when it was sent;
 * - `evaluation_agency_days`: per agency and Jakarta date, one small entry per thing that happened to that
 *   agency's complaints that day (forwarded, acknowledged, answered, received, resolved, rated, reminded),
 *   each carrying the few instants its KPI needs to be judged "as of" any moment;
 * - `evaluation_agency_open`: per agency and Jakarta month, the forwardings that were awaiting an answer at
 *   some point of that month (with when they stopped awaiting), plus one document per agency for those
 *   still awaiting one;
 * - `evaluation_agency_awaiting` and `evaluation_agency_months`: per agency, the forwardings still awaiting
 *   an answer counted by date forwarded and by deadline, and per agency and month the day entries summed,
 *   so that the ranking of a period after everything they count reads a few documents per agency;
 * - `evaluation_config`: the SLA policy versions and calendar changes in force, so the projection stays a
 *   function of the log alone.
 * The read store queries documents by id cheaply and by content only by scanning a collection, so the two
 * agency indexes are keyed by what the KPIs ask for: `agencyKpisFromReadModel` reads one document per day of
 * the period and two for the backlog at `asOf`, however long the agency's history.
 */
import type { RecordedEvent } from '../shared/eventstore/types';
import { findEachBy } from '../shared/projections/batching';
import type {
  DocQuery,
  Projection,
  ReadModelIndex,
  ReadModelStore,
  ReadModelTx,
} from '../shared/projections/types';
import type { Holiday } from '../shared/calendar/calendar';
import {
  CALENDAR_EVENT_TYPES,
  type CalendarEvent,
  calendarDecider,
  CalendarHistory,
  createCalendarDecider,
} from './domain/calendar-aggregate';
import { type CaseFact, EVALUATION_SOURCE_EVENT_TYPES, toCaseFact, toLetterFact } from './domain/case-facts';
import {
  type ClockContext,
  type ClockPause,
  computeClocks,
  calendarOfClock,
  dueDateOf,
  type SlaClock,
} from './domain/clocks';
import {
  compareInstants,
  dayNumber,
  endOfJakartaDay,
  fromDayNumber,
  jakartaDate,
} from '../shared/calendar/dates';
import {
  ageingBucket,
  type AgencyKpis,
  defaultAsOf,
  emptyTally,
  type KpiTally,
  type Period,
  summarizeKpis,
} from './domain/kpi';
import { policyVersionsFromEvents, SLA_POLICY_EVENT_TYPES, type SlaPolicyEvent } from './domain/sla-policy';
import { assertNever } from '../shared/never';

export const SLA_CLOCKS = 'sla_clocks';
export const EVALUATION_CASES = 'evaluation_cases';
export const EVALUATION_LETTERS = 'evaluation_letters';
export const EVALUATION_CONFIG = 'evaluation_config';
export const EVALUATION_AGENCY_DAYS = 'evaluation_agency_days';
export const EVALUATION_AGENCY_OPEN = 'evaluation_agency_open';
export const EVALUATION_AGENCY_AWAITING = 'evaluation_agency_awaiting';
export const EVALUATION_AGENCY_MONTHS = 'evaluation_agency_months';

/**
 * The read paths' indexes: the scheduler's, and a complaint's clocks (for `Complaint.sla`) found by
 * complaint in start order. Every clock has these fields, as text, never null (toClockDoc).
 */
export const EVALUATION_INDEXES: readonly ReadModelIndex[] = [
  // The breach scheduler's two questions: which open clocks fall due, which stopped late unrecorded.
  {
    collection: SLA_CLOCKS,
    name: 'due',
    fields: [
      { path: 'dueWatch', type: 'text' },
      { path: 'id', type: 'text' },
    ],
  },
  {
    collection: SLA_CLOCKS,
    name: 'late_stop',
    fields: [
      { path: 'lateStopWatch', type: 'text' },
      { path: 'id', type: 'text' },
    ],
  },
  // An agency's day buckets of a period (its KPIs): only the buckets that exist, not one read per day
  // and shard (a year for 30 agencies was 87,600 reads by id). Every day bucket has both, as text.
  {
    collection: EVALUATION_AGENCY_DAYS,
    name: 'agency_day',
    fields: [
      { path: 'agencyId', type: 'text' },
      { path: 'bucket', type: 'text' },
    ],
  },
  // The overdue list (`overdueClocks`): running clocks past their due instant, most overdue first, all
  // of them or one agency's. Every other clock sorts at NEVER, after any "now" the range asks for.
  {
    collection: SLA_CLOCKS,
    name: 'overdue',
    fields: [
      { path: 'overdueFrom', type: 'text' },
      { path: 'id', type: 'text' },
    ],
  },
  {
    collection: SLA_CLOCKS,
    name: 'agency_overdue',
    fields: [
      { path: 'clockAgency', type: 'text' },
      { path: 'overdueFrom', type: 'text' },
      { path: 'id', type: 'text' },
    ],
  },
  {
    collection: SLA_CLOCKS,
    name: 'complaint',
    fields: [
      { path: 'complaintId', type: 'text' },
      { path: 'startedAt', type: 'text' },
      { path: 'id', type: 'text' },
    ],
  },
];

/** A clock as stored: the clock plus what the scheduler filters on. */
export interface SlaClockDoc extends SlaClock {
  /** Neither stopped nor with its breach on the record. */
  readonly open: boolean;
  /**
   * From when the breach scheduler must look at this open clock: its due instant, less the calendar margin
   * for a clock whose due date follows today's calendar; NEVER while it has no deadline or is not open.
   */
  readonly dueWatch: string;
  /**
   * When a clock that stopped late (after its due instant, less that margin) and whose breach is not on
   * the record stopped; '' for every other clock. The scheduler looks back a while for these.
   */
  readonly lateStopWatch: string;
  /**
   * From when this clock is overdue: its due instant while it runs (breach on the record or not); NEVER
   * once stopped, while paused, and for AUTO_CLOSE (its running out closes the case, nobody is late).
   */
  readonly overdueFrom: string;
  /** The agency whose forwarding the clock times; '' for the complaint's own clocks. */
  readonly clockAgency: string;
}

/** Sorts after every instant: a clock the scheduler never needs to look at. */
export const NEVER = '9999-12-31T23:59:59.999Z';

/**
 * Clocks keep the calendar version they started under, so a calendar edit does not move a stored due
 * date; clocks without a recorded version (projected before versions existed) follow today's calendar, in
 * which a holiday removed since may bring one forward. Such clocks are watched this long before they fall due.
 */
export const CALENDAR_MARGIN_MS = 45 * 24 * 60 * 60 * 1000;

/** The clock as stored, with what the scheduler's indexes need. */
export function toClockDoc(clock: SlaClock): SlaClockDoc {
  const open = !clock.stoppedAt && !clock.breachRecordedAt;
  const watchFrom =
    clock.dueAt === null
      ? undefined
      : clock.calendarVersion !== undefined
        ? clock.dueAt
        : new Date(Date.parse(clock.dueAt) - CALENDAR_MARGIN_MS).toISOString();
  const lateStop =
    clock.stoppedAt !== undefined &&
    !clock.breachRecordedAt &&
    watchFrom !== undefined &&
    compareInstants(clock.stoppedAt, watchFrom) > 0;
  return {
    ...clock,
    open,
    dueWatch: open && watchFrom !== undefined ? watchFrom : NEVER,
    lateStopWatch: lateStop ? clock.stoppedAt! : '',
    overdueFrom:
      clock.stoppedAt === undefined && clock.dueAt !== null && clock.kind !== 'AUTO_CLOSE'
        ? clock.dueAt
        : NEVER,
    clockAgency: clock.agencyId ?? '',
  };
}

/** The clock without what only its stored form carries. */
export function clockOfDoc(doc: SlaClockDoc): SlaClock {
  const {
    open: _open,
    dueWatch: _due,
    lateStopWatch: _late,
    overdueFrom: _overdue,
    clockAgency: _agency,
    ...clock
  } = doc;
  return clock;
}

/**
 * What a forwarding's WRITTEN_RESPONSE deadline follows from (`dueDateOf`). Kept rather than the due date
 * itself because the deadline as of a past moment ignores pauses begun after it, and because the calendar
 * in force when the KPIs are asked for decides which days are working days.
 */
export type DeadlineTerms = Pick<
  SlaClock,
  'startedAt' | 'pauses' | 'length' | 'unit' | 'region' | 'calendarVersion'
>;

export interface ForwardingRecord {
  readonly forwardingId: string;
  readonly agencyId: string;
  readonly createdAt: string;
  readonly acknowledgedAt?: string;
  readonly respondedAt?: string;
  readonly notCompetent?: boolean;
  /** The first resolution, closing or rejection of the complaint after this forwarding. */
  readonly endedAt?: string;
  /** Absent only while no WRITTEN_RESPONSE clock runs for it (it then counts as having no deadline). */
  readonly deadline?: DeadlineTerms;
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
  /** Kind and agency of the latest draft. */
  readonly kind?: string;
  readonly agencyId?: string;
  /** Agencies some draft of this letter reminded, each with its earliest such draft. */
  readonly remindedSince: Readonly<Record<string, string>>;
  readonly sentAt: readonly string[];
}

/**
 * Something that happened on one Jakarta date to an agency's complaint, with what is needed to judge it as
 * of a moment: `forwardedAt` (a forwarding counts from its creation) or `since` (a complaint, or a reminder
 * letter, is the agency's from its first forwarding, or its draft, to that agency).
 */
export type AgencyDayEntry =
  | { readonly kind: 'FORWARDED'; readonly at: string }
  | { readonly kind: 'ACKNOWLEDGED'; readonly at: string; readonly forwardedAt: string }
  | {
      readonly kind: 'RESPONDED';
      readonly at: string;
      readonly forwardedAt: string;
      readonly notCompetent: boolean;
      readonly deadline?: DeadlineTerms;
    }
  | { readonly kind: 'RECEIVED'; readonly at: string; readonly since: string }
  | { readonly kind: 'RESOLVED'; readonly at: string; readonly since: string; readonly reopenedAt?: string }
  | { readonly kind: 'RATED'; readonly at: string; readonly since: string; readonly rating: number }
  | { readonly kind: 'REMINDER_SENT'; readonly at: string; readonly since: string };

/**
 * A forwarding awaiting its answer from `forwardedAt` until `settledAt` (answered or the complaint ended),
 * keyed by `[complaintId, forwardingId]`, with the terms of its answer deadline: the ranking judges
 * thousands of open forwardings at once, and reading each one's clock by id was most of its time.
 */
export interface OpenForwardingEntry {
  readonly forwardedAt: string;
  readonly settledAt?: string;
  readonly deadline?: DeadlineTerms;
}

/**
 * `evaluation_agency_awaiting`, one per agency (id: the agency): its forwardings still awaiting an answer
 * (the `awaiting:` documents of evaluation_agency_open) counted by the Jakarta date each was forwarded and
 * by the instant its deadline ends, kept as entries come and go. The ranking reads these 30 documents
 * instead of every open forwarding (thousands in a year), whenever they answer its question exactly:
 * `asOf` after every instant they were made of, and every deadline under a calendar version of its own.
 */
export interface AwaitingSummaryDoc {
  readonly agencyId: string;
  /** Still-awaiting forwardings by the Jakarta date they were forwarded on. */
  readonly forwardedOn: Record<string, number>;
  /** Those with a deadline by the instant it ends (every pause known: the deadline as of any later moment). */
  readonly dueAt: Record<string, number>;
  /** Those without a deadline, or paused now: never overdue. */
  readonly undue: number;
  /** Those whose deadline follows today's calendar (no calendar version): judged one by one. */
  readonly unversioned: number;
  /** The latest instant any counted entry was made of (forwarded, paused, resumed); it never goes back. */
  readonly latest: string;
  /** The latest `settledAt` placed in a month's document: before it, a month's settled entries matter. */
  readonly settledLatest: string;
}

/**
 * `evaluation_agency_months`, per agency and Jakarta month (id `month:agency`): the month's day entries
 * (evaluation_agency_days) added up as the KPIs count them, kept as entries come and go. A ranking of a
 * quarter reads three of these per agency instead of every day document of the quarter, whenever they
 * answer exactly: `asOf` after every instant they were made of, every deadline under a calendar version
 * of its own, and the working days counted under the calendar and region in force at the read.
 */
export interface MonthSummaryDoc {
  readonly agencyId: string;
  readonly month: string;
  readonly counts: Readonly<
    Record<
      | 'received'
      | 'forwarded'
      | 'acknowledged'
      | 'responded'
      | 'respondedWithinSla'
      | 'notCompetent'
      | 'resolved'
      | 'reopened'
      | 'remindersSent',
      number
    >
  >;
  /** Responses by working days from forwarding to answer. */
  readonly daysToFirstResponse: Record<string, number>;
  /** Ratings by value. */
  readonly ratings: Record<string, number>;
  /** Responses whose deadline follows today's calendar (no calendar version): judged one by one. */
  readonly unversioned: number;
  /** The calendar version and region the working days were counted under ('' before any response). */
  readonly countedUnder: string;
  /** Responses were counted under more than one calendar or region: only the entries answer. */
  readonly mixed: boolean;
  /** The latest instant any counted entry was made of; it never goes back. */
  readonly latest: string;
}

/** `evaluation_agency_days` (bucket: a Jakarta date) and `evaluation_agency_open` (a month, or null: still awaiting). */
export interface AgencyBucketDoc<E> {
  readonly agencyId: string;
  readonly bucket: string | null;
  /** By a key naming the entry's subject (complaint and forwarding, or letter and send). */
  readonly entries: Record<string, E>;
}

/**
 * Each agency bucket is split into shards by the complaint (or letter) an entry is about. A rebuild replays
 * cases in log order, not date order, so one batch of events touches most buckets, and every touched
 * document is parsed and written whole: smaller documents keep that work near the size of what changed,
 * at the price of a few more reads by id per day.
 */
export const DAY_SHARDS = 8;
export const OPEN_SHARDS = 32;

/** FNV-1a: a stable spread of subjects over shards (not a security boundary). */
export function shardOf(subject: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < subject.length; i++) h = Math.imul(h ^ subject.charCodeAt(i), 0x01000193);
  return (h >>> 0) % shards;
}

export const agencyDayId = (agencyId: string, day: string, shard: number) => `${day}:${shard}:${agencyId}`;
export const agencyOpenId = (agencyId: string, month: string | null, shard: number) =>
  month === null ? `awaiting:${shard}:${agencyId}` : `${month}:${shard}:${agencyId}`;

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

/** Each forwarding's deadline terms from the clocks folded over the case (the first clock of its id). */
function withDeadlines(doc: EvaluationCaseDoc, clocks: readonly SlaClock[]): EvaluationCaseDoc {
  const terms = new Map<string, DeadlineTerms>();
  for (const c of clocks) {
    if (c.kind !== 'WRITTEN_RESPONSE' || c.forwardingId === undefined || terms.has(c.forwardingId)) continue;
    terms.set(c.forwardingId, {
      startedAt: c.startedAt,
      pauses: c.pauses,
      length: c.length,
      unit: c.unit,
      ...(c.region !== undefined ? { region: c.region } : {}),
      ...(c.calendarVersion !== undefined ? { calendarVersion: c.calendarVersion } : {}),
    });
  }
  return {
    ...doc,
    // An unchanged record stays the same object, so reindexing can skip it by identity.
    forwardings: doc.forwardings.map((f) => {
      const deadline = terms.get(f.forwardingId);
      if (deadline) return f.deadline && sameTerms(f.deadline, deadline) ? f : { ...f, deadline };
      if (!f.deadline) return f;
      const { deadline: _gone, ...rest } = f;
      return rest;
    }),
  };
}

function sameTerms(a: DeadlineTerms, b: DeadlineTerms): boolean {
  return (
    a.startedAt === b.startedAt &&
    a.length === b.length &&
    a.unit === b.unit &&
    a.region === b.region &&
    a.calendarVersion === b.calendarVersion &&
    a.pauses.length === b.pauses.length &&
    a.pauses.every((p, i) => p.from === b.pauses[i]!.from && p.to === b.pauses[i]!.to)
  );
}

// ── the agency indexes ─────────────────────────────────────────────────────────────────────────────

/** One entry of one agency bucket document, as a subject (a case, a letter) places it. */
interface Placement {
  readonly collection: typeof EVALUATION_AGENCY_DAYS | typeof EVALUATION_AGENCY_OPEN;
  readonly agencyId: string;
  readonly bucket: string | null;
  readonly shard: number;
  readonly key: string;
  readonly entry: AgencyDayEntry | OpenForwardingEntry;
}

type Placements = Map<string, Placement>;

const earlier = (a: string | undefined, b: string | undefined): string | undefined =>
  a === undefined ? b : b === undefined || compareInstants(a, b) <= 0 ? a : b;

const jakartaMonth = (at: string) => jakartaDate(at).slice(0, 7);

/** Jakarta months from `first` to `last` inclusive ('YYYY-MM'); none when `last` comes first. */
function monthsBetween(first: string, last: string): string[] {
  const months: string[] = [];
  let year = Number(first.slice(0, 4));
  let month = Number(first.slice(5, 7));
  for (;;) {
    const m = `${year}-${String(month).padStart(2, '0')}`;
    if (m > last) return months;
    months.push(m);
    month = (month % 12) + 1;
    if (month === 1) year++;
  }
}

const bucketDocId = ({ collection, agencyId, bucket, shard }: Omit<Placement, 'key' | 'entry'>) =>
  collection === EVALUATION_AGENCY_DAYS
    ? agencyDayId(agencyId, bucket ?? '', shard)
    : agencyOpenId(agencyId, bucket, shard);

function place(
  into: Placements,
  collection: Placement['collection'],
  agencyId: string,
  bucket: string | null,
  /** The complaint or letter the entry is about: it picks the shard. */
  subjectId: string,
  key: string,
  entry: Placement['entry'],
): void {
  const shard = shardOf(subjectId, collection === EVALUATION_AGENCY_DAYS ? DAY_SHARDS : OPEN_SHARDS);
  const placement: Placement = { collection, agencyId, bucket, shard, key, entry };
  into.set(`${collection}\u0000${bucketDocId(placement)}\u0000${key}`, placement);
}

/** Each agency's first forwarding of the case: from then on the complaint counts as that agency's. */
function agencySince(doc: EvaluationCaseDoc): Map<string, string> {
  const since = new Map<string, string>();
  for (const f of doc.forwardings) since.set(f.agencyId, earlier(since.get(f.agencyId), f.createdAt)!);
  return since;
}

/**
 * Where a case's records belong in the agency indexes: a pure function of the case document, limited to
 * the forwardings and agencies given (those an event changed; all when omitted).
 */
function casePlacements(
  doc: EvaluationCaseDoc,
  only?: { readonly forwardings: ReadonlySet<string>; readonly agencies: ReadonlySet<string> },
): Placements {
  const out: Placements = new Map();
  for (const f of doc.forwardings) {
    if (only && !only.forwardings.has(f.forwardingId)) continue;
    const subject = (what: string) => JSON.stringify([doc.complaintId, f.forwardingId, what]);
    const deadline = f.deadline ? { deadline: f.deadline } : {};
    const day = (at: string, key: string, entry: AgencyDayEntry) =>
      place(out, EVALUATION_AGENCY_DAYS, f.agencyId, jakartaDate(at), doc.complaintId, subject(key), entry);
    day(f.createdAt, 'F', { kind: 'FORWARDED', at: f.createdAt });
    if (f.acknowledgedAt !== undefined) {
      day(f.acknowledgedAt, 'A', { kind: 'ACKNOWLEDGED', at: f.acknowledgedAt, forwardedAt: f.createdAt });
    }
    if (f.respondedAt !== undefined) {
      day(f.respondedAt, 'R', {
        kind: 'RESPONDED',
        at: f.respondedAt,
        forwardedAt: f.createdAt,
        notCompetent: f.notCompetent === true,
        ...deadline,
      });
    }
    const settledAt = earlier(f.respondedAt, f.endedAt);
    const awaiting: OpenForwardingEntry = {
      forwardedAt: f.createdAt,
      ...(settledAt !== undefined ? { settledAt } : {}),
      ...deadline,
    };
    const key = JSON.stringify([doc.complaintId, f.forwardingId]);
    if (settledAt === undefined) {
      place(out, EVALUATION_AGENCY_OPEN, f.agencyId, null, doc.complaintId, key, awaiting);
    } else {
      for (const month of monthsBetween(jakartaMonth(f.createdAt), jakartaMonth(settledAt))) {
        place(out, EVALUATION_AGENCY_OPEN, f.agencyId, month, doc.complaintId, key, awaiting);
      }
    }
  }
  for (const [agencyId, from] of agencySince(doc)) {
    if (only && !only.agencies.has(agencyId)) continue;
    const subject = (what: string, n?: number) => JSON.stringify([doc.complaintId, what, n ?? 0]);
    const day = (at: string, key: string, entry: AgencyDayEntry) =>
      place(out, EVALUATION_AGENCY_DAYS, agencyId, jakartaDate(at), doc.complaintId, key, entry);
    if (doc.receivedAt !== undefined) {
      day(doc.receivedAt, subject('RECEIVED'), { kind: 'RECEIVED', at: doc.receivedAt, since: from });
    }
    doc.resolutions.forEach((r, i) => {
      day(r.at, subject('RESOLVED', i), {
        kind: 'RESOLVED',
        at: r.at,
        since: from,
        ...(r.reopenedAt !== undefined ? { reopenedAt: r.reopenedAt } : {}),
      });
    });
    doc.ratings.forEach((r, i) => {
      day(r.at, subject('RATED', i), { kind: 'RATED', at: r.at, since: from, rating: r.rating });
    });
  }
  return out;
}

/** What one event changed in a case, as the subjects whose placements must be recomputed. */
function changedSubjects(before: EvaluationCaseDoc, after: EvaluationCaseDoc) {
  const previous = new Map(before.forwardings.map((f) => [f.forwardingId, f]));
  const forwardings = new Set<string>();
  for (const f of after.forwardings) if (previous.get(f.forwardingId) !== f) forwardings.add(f.forwardingId);
  for (const id of previous.keys())
    if (!after.forwardings.some((f) => f.forwardingId === id)) forwardings.add(id);
  const agencies = new Set<string>();
  const sinceBefore = agencySince(before);
  const sinceAfter = agencySince(after);
  const complaintChanged =
    before.receivedAt !== after.receivedAt ||
    before.resolutions !== after.resolutions ||
    before.ratings !== after.ratings;
  for (const [agencyId, since] of sinceAfter) {
    if (complaintChanged || sinceBefore.get(agencyId) !== since) agencies.add(agencyId);
  }
  for (const agencyId of sinceBefore.keys()) if (!sinceAfter.has(agencyId)) agencies.add(agencyId);
  return { forwardings, agencies };
}

function letterPlacements(doc: EvaluationLetterDoc): Placements {
  const out: Placements = new Map();
  for (const [agencyId, since] of Object.entries(doc.remindedSince)) {
    doc.sentAt.forEach((at, i) => {
      const entry: AgencyDayEntry = { kind: 'REMINDER_SENT', at, since };
      place(
        out,
        EVALUATION_AGENCY_DAYS,
        agencyId,
        jakartaDate(at),
        doc.letterId,
        JSON.stringify([doc.letterId, i]),
        entry,
      );
    });
  }
  return out;
}

/** The latest of instants ('' before any). */
const latestOf = (...instants: readonly (string | undefined)[]): string =>
  instants.reduce<string>(
    (a, b) => (b === undefined || b === '' || (a !== '' && compareInstants(a, b) >= 0) ? a : b),
    '',
  );

/** A histogram's count for `key` moved by one; a count back to zero leaves no key behind. */
function bump(record: Record<string, number>, key: string | number, by: 1 | -1): void {
  const n = (record[key] ?? 0) + by;
  if (n === 0) delete record[key];
  else record[key] = n;
}

/** An agency's awaiting summary, changed in place by the entries of its awaiting documents that come and go. */
class AwaitingSummaries {
  private readonly docs = new Map<
    string,
    { -readonly [K in keyof AwaitingSummaryDoc]: AwaitingSummaryDoc[K] }
  >();
  constructor(
    private readonly tx: ReadModelTx,
    private readonly ctx: ClockContext | undefined,
  ) {}

  private async of(agencyId: string) {
    let doc = this.docs.get(agencyId);
    if (!doc) {
      doc = (await this.tx.get<AwaitingSummaryDoc>(EVALUATION_AGENCY_AWAITING, agencyId)) ?? {
        agencyId,
        forwardedOn: {},
        dueAt: {},
        undue: 0,
        unversioned: 0,
        latest: '',
        settledLatest: '',
      };
      this.docs.set(agencyId, doc);
    }
    return doc;
  }

  /** An entry of a month's document: only how late its settling was matters here. */
  async settled(agencyId: string, entry: OpenForwardingEntry): Promise<void> {
    const doc = await this.of(agencyId);
    doc.settledLatest = latestOf(doc.settledLatest, entry.settledAt);
  }

  /** An entry of the still-awaiting document counted (+1) or no longer (-1). */
  async count(agencyId: string, entry: OpenForwardingEntry, by: 1 | -1): Promise<void> {
    const doc = await this.of(agencyId);
    bump(doc.forwardedOn, jakartaDate(entry.forwardedAt), by);
    const terms = entry.deadline;
    if (terms && terms.calendarVersion === undefined) doc.unversioned += by;
    else {
      // Versioned terms name their calendar, so this is the same answer whenever it is computed.
      const due = terms && this.ctx ? deadlineAsOf(terms, NEVER, this.ctx) : null;
      if (due === null) doc.undue += by;
      else bump(doc.dueAt, due, by);
    }
    if (by > 0) {
      doc.latest = latestOf(
        doc.latest,
        entry.forwardedAt,
        ...(terms?.pauses ?? []).flatMap((p) => [p.from, p.to]),
      );
    }
  }

  async save(): Promise<void> {
    for (const [agencyId, doc] of this.docs) await this.tx.put(EVALUATION_AGENCY_AWAITING, agencyId, doc);
  }
}

type MutableMonthSummary = {
  -readonly [K in keyof MonthSummaryDoc]: K extends 'counts'
    ? Record<keyof MonthSummaryDoc['counts'], number>
    : MonthSummaryDoc[K];
};

/** What a month summary's working days were counted under: the calendar version and the agency's region. */
const countedUnder = (ctx: ClockContext, agencyId: string) =>
  `${ctx.calendars?.version ?? ''}|${ctx.regionOfAgency?.(agencyId) ?? ''}`;

export const monthSummaryId = (agencyId: string, month: string) => `${month}:${agencyId}`;

/** The instants a day entry is judged by: a summary answers only at or after the latest of them. */
const entryInstants = (entry: AgencyDayEntry): (string | undefined)[] => {
  switch (entry.kind) {
    case 'FORWARDED':
      return [entry.at];
    case 'ACKNOWLEDGED':
      return [entry.at, entry.forwardedAt];
    case 'RESPONDED':
      return [entry.at, entry.forwardedAt, ...(entry.deadline?.pauses ?? []).flatMap((p) => [p.from, p.to])];
    case 'RESOLVED':
      return [entry.at, entry.since, entry.reopenedAt];
    case 'RECEIVED':
    case 'RATED':
    case 'REMINDER_SENT':
      return [entry.at, entry.since];
    default:
      return assertNever(entry);
  }
};

/** Each agency's month summaries, changed in place by the day entries that come and go. */
class MonthSummaries {
  private readonly docs = new Map<string, MutableMonthSummary>();
  constructor(
    private readonly tx: ReadModelTx,
    private readonly ctx: ClockContext,
  ) {}

  private async of(agencyId: string, month: string) {
    const id = monthSummaryId(agencyId, month);
    let doc = this.docs.get(id);
    if (!doc) {
      doc = (await this.tx.get<MutableMonthSummary>(EVALUATION_AGENCY_MONTHS, id)) ?? {
        agencyId,
        month,
        counts: {
          received: 0,
          forwarded: 0,
          acknowledged: 0,
          responded: 0,
          respondedWithinSla: 0,
          notCompetent: 0,
          resolved: 0,
          reopened: 0,
          remindersSent: 0,
        },
        daysToFirstResponse: {},
        ratings: {},
        unversioned: 0,
        countedUnder: '',
        mixed: false,
        latest: '',
      };
      this.docs.set(id, doc);
    }
    return doc;
  }

  /** A day entry counted (+1) or no longer (-1), as countDayEntry counts it once asOf is past it. */
  async count(agencyId: string, day: string, entry: AgencyDayEntry, by: 1 | -1): Promise<void> {
    const doc = await this.of(agencyId, day.slice(0, 7));
    const c = doc.counts;
    switch (entry.kind) {
      case 'FORWARDED':
        c.forwarded += by;
        break;
      case 'ACKNOWLEDGED':
        c.acknowledged += by;
        break;
      case 'RESPONDED': {
        c.responded += by;
        if (entry.notCompetent) c.notCompetent += by;
        if (entry.deadline && entry.deadline.calendarVersion === undefined) doc.unversioned += by;
        else {
          const due = entry.deadline ? deadlineAsOf(entry.deadline, NEVER, this.ctx) : null;
          if (due !== null && compareInstants(entry.at, due) <= 0) c.respondedWithinSla += by;
        }
        const under = countedUnder(this.ctx, agencyId);
        if (doc.countedUnder === '') doc.countedUnder = under;
        else if (doc.countedUnder !== under) doc.mixed = true;
        const region = this.ctx.regionOfAgency?.(agencyId);
        bump(
          doc.daysToFirstResponse,
          this.ctx.calendar.workingDaysBetween(jakartaDate(entry.forwardedAt), jakartaDate(entry.at), region),
          by,
        );
        break;
      }
      case 'RECEIVED':
        c.received += by;
        break;
      case 'RESOLVED':
        c.resolved += by;
        if (entry.reopenedAt !== undefined) c.reopened += by;
        break;
      case 'RATED':
        bump(doc.ratings, entry.rating, by);
        break;
      case 'REMINDER_SENT':
        c.remindersSent += by;
        break;
      default:
        assertNever(entry);
    }
    if (by > 0) doc.latest = latestOf(doc.latest, ...entryInstants(entry));
  }

  async save(): Promise<void> {
    for (const [id, doc] of this.docs) await this.tx.put(EVALUATION_AGENCY_MONTHS, id, doc);
  }
}

/** Moves a subject's entries from where its previous state put them to where its new state puts them. */
async function reindex(
  tx: ReadModelTx,
  before: Placements,
  after: Placements,
  ctx: ClockContext,
): Promise<void> {
  const summaries = new AwaitingSummaries(tx, ctx);
  const months = new MonthSummaries(tx, ctx);
  const changed = new Map<string, { placement: Placement; set: Placement[]; removed: string[] }>();
  const touch = (p: Placement) => {
    const docKey = `${p.collection}\u0000${bucketDocId(p)}`;
    let change = changed.get(docKey);
    if (!change) {
      change = { placement: p, set: [], removed: [] };
      changed.set(docKey, change);
    }
    return change;
  };
  for (const [k, p] of before) if (!after.has(k)) touch(p).removed.push(p.key);
  for (const [k, p] of after) {
    const old = before.get(k);
    if (!old || JSON.stringify(old.entry) !== JSON.stringify(p.entry)) touch(p).set.push(p);
  }
  for (const { placement: p, set, removed } of changed.values()) {
    const id = bucketDocId(p);
    const doc = (await tx.get<AgencyBucketDoc<Placement['entry']>>(p.collection, id)) ?? {
      agencyId: p.agencyId,
      bucket: p.bucket,
      entries: {},
    };
    if (p.collection === EVALUATION_AGENCY_DAYS) {
      const entries = doc.entries as Record<string, AgencyDayEntry>;
      for (const key of [...removed, ...set.map((q) => q.key)]) {
        const old = entries[key];
        if (old) await months.count(p.agencyId, p.bucket!, old, -1);
      }
      for (const q of set) await months.count(p.agencyId, p.bucket!, q.entry as AgencyDayEntry, 1);
    }
    if (p.collection === EVALUATION_AGENCY_OPEN) {
      const entries = doc.entries as Record<string, OpenForwardingEntry>;
      for (const key of [...removed, ...set.map((q) => q.key)]) {
        const old = entries[key];
        if (old && p.bucket === null) await summaries.count(p.agencyId, old, -1);
      }
      for (const q of set) {
        const entry = q.entry as OpenForwardingEntry;
        if (p.bucket === null) await summaries.count(p.agencyId, entry, 1);
        else await summaries.settled(p.agencyId, entry);
      }
    }
    // The document is this batch's own copy (parsed or already put): changed in place, put back once.
    for (const key of removed) delete doc.entries[key];
    for (const q of set) doc.entries[q.key] = q.entry;
    if (removed.length > 0 && set.length === 0 && Object.keys(doc.entries).length === 0)
      await tx.delete(p.collection, id);
    else await tx.put(p.collection, id, doc);
  }
  await summaries.save();
  await months.save();
}

type CalendarDecider = ReturnType<typeof createCalendarDecider>;

interface ContextCache {
  calendarKey?: string;
  calendars?: CalendarHistory;
}

/** The region code of every agency the directory has announced (AgencyCreated/AgencyUpdated). */
interface AgencyRegionsDoc {
  readonly regions: Readonly<Record<string, string>>;
}

const AGENCY_EVENT_TYPES = ['AgencyCreated', 'AgencyUpdated'] as const;

/** An agency's region code as a directory event sets it: a code, null when removed, undefined when untouched. */
function regionCodeIn(event: RecordedEvent): string | null | undefined {
  const data = event.data as {
    readonly regionCode?: string;
    readonly changes?: { readonly regionCode?: string | null };
  };
  return event.type === 'AgencyCreated' ? (data.regionCode ?? null) : data.changes?.regionCode;
}

/** Loads the clock context the configuration documents describe (the calendar is rebuilt only when it changed). */
async function loadContext(
  tx: Pick<ReadModelTx, 'get'>,
  options: EvaluationProjectionOptions,
  decider: CalendarDecider,
  cache: ContextCache,
): Promise<ClockContext> {
  const [policy, calendarDoc, agencies] = await Promise.all([
    tx.get<PolicyConfigDoc>(EVALUATION_CONFIG, 'policy'),
    tx.get<CalendarConfigDoc>(EVALUATION_CONFIG, 'calendar'),
    options.regionOfAgency ? undefined : tx.get<AgencyRegionsDoc>(EVALUATION_CONFIG, 'agency-regions'),
  ]);
  const calendarEvents = calendarDoc?.events ?? [];
  const key = JSON.stringify(calendarEvents);
  if (!cache.calendars || cache.calendarKey !== key) {
    cache.calendars = new CalendarHistory(calendarEvents, decider);
    cache.calendarKey = key;
  }
  const regions = agencies?.regions ?? {};
  return {
    calendar: cache.calendars.at(cache.calendars.version),
    calendars: cache.calendars,
    policy: policyVersionsFromEvents(policy?.events ?? []),
    regionOfAgency: options.regionOfAgency ?? ((agencyId) => regions[agencyId]),
  };
}

/** The events the clock context is made of: policy, calendar and the directory's regions. */
const CONFIGURATION_EVENT_TYPES: ReadonlySet<string> = new Set([
  ...AGENCY_EVENT_TYPES,
  ...SLA_POLICY_EVENT_TYPES,
  ...CALENDAR_EVENT_TYPES,
]);

const deciderFor = (options: EvaluationProjectionOptions): CalendarDecider =>
  options.baseline ? createCalendarDecider(options.baseline) : calendarDecider;

/**
 * The SLA policy, calendar and agency regions held in memory for reads (resolvers, the scheduler), so a
 * read does not parse three documents and rebuild the calendar history each time. The evaluation
 * projection tells it the position of every configuration event it applies; the held context is reloaded
 * once after such an event is committed (the runner's position has reached it) and kept until the next.
 * While a change is applied but not yet committed, reads load afresh and keep nothing, so a context read
 * from before the commit is never held past it.
 */
export class ClockContextHolder {
  private latestChange = 0;
  private held: { readonly covers: number; readonly context: Promise<HeldContext> } | undefined;
  private source:
    | { readonly store: ReadModelStore; readonly committed: () => number; readonly follows: boolean }
    | undefined;

  constructor(private readonly options: EvaluationProjectionOptions = {}) {}

  /**
   * The store it reads and the committed position of the projections writing it. Made before the runtime
   * (the projection is told of changes from its first batch on) and bound once the store is open. A holder
   * that no projection `follows` keeps nothing and reads the store each time.
   */
  bind(store: ReadModelStore, committed: () => number, follows = true): this {
    this.source = { store, committed, follows };
    return this;
  }

  /** Called by the projection for each configuration event it applies (before its commit). */
  changedAt(position: number): void {
    if (position > this.latestChange) this.latestChange = position;
    this.held = undefined;
  }

  /** The clock context as the committed configuration describes it. */
  async context(): Promise<ClockContext> {
    return (await this.load()).context;
  }

  /** The calendar changes recorded so far, in log order. */
  async calendarEvents(): Promise<readonly CalendarEvent[]> {
    return (await this.load()).calendarEvents;
  }

  private load(): Promise<HeldContext> {
    const source = this.source;
    if (!source) return Promise.reject(new Error('the clock context holder is not bound to a store'));
    const latest = this.latestChange;
    if (this.held && this.held.covers === latest) return this.held.context;
    const context = loadHeldContext(source.store, this.options);
    if (source.follows && source.committed() >= latest) {
      this.held = { covers: latest, context };
      // A failed load is not kept: the next read tries again.
      context.catch(() => {
        if (this.held?.context === context) this.held = undefined;
      });
    }
    return context;
  }
}

interface HeldContext {
  readonly context: ClockContext;
  readonly calendarEvents: readonly CalendarEvent[];
}

async function loadHeldContext(
  store: ReadModelStore,
  options: EvaluationProjectionOptions,
): Promise<HeldContext> {
  const [context, calendar] = await Promise.all([
    loadContext(store, options, deciderFor(options), {}),
    store.get<CalendarConfigDoc>(EVALUATION_CONFIG, 'calendar'),
  ]);
  return { context, calendarEvents: calendar?.events ?? [] };
}

export function createEvaluationProjection(
  options: EvaluationProjectionOptions & {
    /** Told of each configuration event applied, so it reloads what it holds. */
    readonly configuration?: Pick<ClockContextHolder, 'changedAt'>;
  } = {},
): Projection {
  const cache: ContextCache = {};
  const decider = deciderFor(options);
  return {
    name: 'evaluation',
    // 2: the agency indexes (days and awaiting forwardings) the KPIs are read from.
    // 3: clocks keep the calendar version they started under; agencies' region codes.
    // 4: clocks carry dueWatch and lateStopWatch, indexed for the breach scheduler.
    // 5: clocks carry overdueFrom and clockAgency, indexed for the overdue list.
    // 6: awaiting forwardings carry their deadline terms (the ranking reads no clock), and each agency
    //    has a summary of those still awaiting (evaluation_agency_awaiting) and of each month's day
    //    entries (evaluation_agency_months).
    version: 6,
    collections: [
      SLA_CLOCKS,
      EVALUATION_CASES,
      EVALUATION_LETTERS,
      EVALUATION_AGENCY_DAYS,
      EVALUATION_AGENCY_OPEN,
      EVALUATION_AGENCY_AWAITING,
      EVALUATION_AGENCY_MONTHS,
      EVALUATION_CONFIG,
    ],
    indexes: EVALUATION_INDEXES,
    filter: {
      eventTypes: [
        ...EVALUATION_SOURCE_EVENT_TYPES,
        ...SLA_POLICY_EVENT_TYPES,
        ...CALENDAR_EVENT_TYPES,
        ...AGENCY_EVENT_TYPES,
      ],
    },
    async apply(event: RecordedEvent, tx: ReadModelTx) {
      if (CONFIGURATION_EVENT_TYPES.has(event.type)) options.configuration?.changedAt(event.position);
      if ((AGENCY_EVENT_TYPES as readonly string[]).includes(event.type)) {
        const code = regionCodeIn(event);
        const agencyId = (event.data as { agencyId?: unknown }).agencyId;
        if (code === undefined || typeof agencyId !== 'string') return;
        const doc = (await tx.get<AgencyRegionsDoc>(EVALUATION_CONFIG, 'agency-regions')) ?? { regions: {} };
        const { [agencyId]: _previous, ...others } = doc.regions;
        await tx.put(EVALUATION_CONFIG, 'agency-regions', {
          regions: code === null ? others : { ...others, [agencyId]: code },
        });
        return;
      }
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
        const evolved = evolveCase(before, fact);
        const ctx = await loadContext(tx, options, decider, cache);
        const clocks = computeClocks(evolved.facts, ctx);
        for (const clock of clocks) {
          await tx.put(SLA_CLOCKS, clock.id, toClockDoc(clock));
        }
        const doc = withDeadlines(evolved, clocks);
        await tx.put(EVALUATION_CASES, fact.complaintId, doc);
        const changed = changedSubjects(before, doc);
        if (changed.forwardings.size > 0 || changed.agencies.size > 0) {
          await reindex(tx, casePlacements(before, changed), casePlacements(doc, changed), ctx);
        }
        return;
      }
      const letter = toLetterFact(event);
      if (letter) {
        const doc = (await tx.get<EvaluationLetterDoc>(EVALUATION_LETTERS, letter.letterId)) ?? {
          letterId: letter.letterId,
          remindedSince: {},
          sentAt: [],
        };
        let next: EvaluationLetterDoc;
        if (letter.kind === 'LETTER_DRAFTED') {
          const reminded =
            letter.letterKind === 'REMINDER'
              ? {
                  ...doc.remindedSince,
                  [letter.agencyId]: earlier(doc.remindedSince[letter.agencyId], letter.at)!,
                }
              : doc.remindedSince;
          next = { ...doc, kind: letter.letterKind, agencyId: letter.agencyId, remindedSince: reminded };
        } else {
          next = { ...doc, sentAt: [...doc.sentAt, letter.at] };
        }
        await tx.put(EVALUATION_LETTERS, letter.letterId, next);
        const ctx = await loadContext(tx, options, decider, cache);
        await reindex(tx, letterPlacements(doc), letterPlacements(next), ctx);
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

/** Pauses as they stood at `asOf`: later ones had not begun, and one ending later was still open. */
const pausesAsOf = (pauses: readonly ClockPause[], asOf: string): ClockPause[] =>
  pauses
    .filter((p) => compareInstants(p.from, asOf) <= 0)
    .map((p) => (p.to !== undefined && compareInstants(p.to, asOf) > 0 ? { from: p.from } : p));

/** A clock as it stood at `asOf`: pauses, stop and breach after that moment had not happened yet. */
export function clockAsOf(clock: SlaClock, asOf: string): SlaClock {
  const pauses = pausesAsOf(clock.pauses, asOf);
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

/** The end of a forwarding's answer deadline as it stood at `asOf` (pauses begun later had not happened). */
export function deadlineAsOf(terms: DeadlineTerms, asOf: string, ctx: ClockContext): string | null {
  const due = dueDateOf({ ...terms, pauses: pausesAsOf(terms.pauses, asOf) }, calendarOfClock(ctx, terms));
  return due === null ? null : endOfJakartaDay(due);
}

/**
 * Whether an agency's awaiting summary answers for `asOf` exactly: every instant it was made of and every
 * settling recorded in a month's document are at or before `asOf` (so each entry it counts was forwarded
 * and not yet settled then, and no month's entry is), and no deadline in it follows today's calendar.
 */
function answersAsOf(summary: AwaitingSummaryDoc, asOf: string): boolean {
  const by = (at: string) => at === '' || compareInstants(at, asOf) <= 0;
  return summary.unversioned === 0 && by(summary.latest) && by(summary.settledLatest);
}

/**
 * deadlineAsOf for one `asOf`, remembered for terms without pauses: deadlines of forwardings started the
 * same day under the same terms are one computation, not one walk over the calendar each.
 */
function memoDeadline(asOf: string, ctx: ClockContext): (terms: DeadlineTerms) => string | null {
  const known = new Map<string, string | null>();
  return (terms) => {
    if (terms.pauses.length > 0) return deadlineAsOf(terms, asOf, ctx);
    const key = `${jakartaDate(terms.startedAt)}|${terms.length}|${terms.unit}|${terms.region ?? ''}|${terms.calendarVersion ?? ''}`;
    let due = known.get(key);
    if (due === undefined) {
      due = deadlineAsOf(terms, asOf, ctx);
      known.set(key, due);
    }
    return due;
  };
}

/** Agencies' day buckets from `from` to `to` (Jakarta dates, inclusive), from the agency_day index. */
export const agencyDaysQuery = (
  agencyIds: string | readonly string[],
  from: string,
  to: string,
): DocQuery => ({
  where: {
    agencyId: typeof agencyIds === 'string' ? agencyIds : { in: [...agencyIds] },
    bucket: { gte: from, lte: to },
  },
});

/**
 * The KPIs of one agency for a period from the read model (no log reading): one document per Jakarta date
 * of the period up to `asOf`, and the forwardings awaiting an answer during the month of `asOf` plus those
 * awaiting one still. Each entry is judged as of `asOf` by the instants it carries.
 */
export async function agencyKpisFromReadModel(
  store: ReadModelStore,
  agencyId: string,
  period: Period,
  ctx: ClockContext,
  asOf: string = defaultAsOf(period),
): Promise<AgencyKpis> {
  return (await agenciesKpisFromReadModel(store, [agencyId], period, ctx, asOf))[0]!;
}

/**
 * The KPIs of several agencies (the ranking), in their order: the day buckets of them all in one query on
 * the agency_day index, then each agency as agencyKpisFromReadModel judges it.
 */
export async function agenciesKpisFromReadModel(
  store: ReadModelStore,
  agencyIds: readonly string[],
  period: Period,
  ctx: ClockContext,
  asOf: string = defaultAsOf(period),
): Promise<AgencyKpis[]> {
  const asOfMs = Date.parse(asOf);
  if (Number.isNaN(asOfMs)) throw new Error(`asOf is not an instant: ${asOf}`);
  const asOfDate = jakartaDate(asOf);
  const last = fromDayNumber(Math.min(dayNumber(period.to), dayNumber(asOfDate)));
  // Whole months (every period the API takes): each agency's month summaries answer when they can.
  const months =
    period.from <= last &&
    period.from.endsWith('-01') &&
    fromDayNumber(dayNumber(period.to) + 1).endsWith('-01')
      ? monthsBetween(period.from.slice(0, 7), last.slice(0, 7))
      : [];
  const summaries = await Promise.all(
    agencyIds.map((agencyId) =>
      Promise.all(
        months.map((m) => store.get<MonthSummaryDoc>(EVALUATION_AGENCY_MONTHS, monthSummaryId(agencyId, m))),
      ),
    ),
  );
  const summarised = new Map<string, MonthSummaryDoc[]>();
  agencyIds.forEach((agencyId, i) => {
    const docs = summaries[i]!.filter((d) => d !== undefined);
    if (months.length > 0 && docs.every((d) => monthAnswers(d, asOf, ctx))) summarised.set(agencyId, docs);
  });
  const rest = agencyIds.filter((agencyId) => !summarised.has(agencyId));
  const days =
    period.from <= last && rest.length > 0
      ? await store.find<AgencyBucketDoc<AgencyDayEntry>>(
          EVALUATION_AGENCY_DAYS,
          agencyDaysQuery(rest.length === 1 ? rest[0]! : rest, period.from, last),
        )
      : [];
  const daysOf = new Map<string, AgencyBucketDoc<AgencyDayEntry>[]>(rest.map((id) => [id, []]));
  for (const doc of days) daysOf.get(doc.agencyId)?.push(doc);
  return Promise.all(
    agencyIds.map((agencyId) =>
      agencyKpisOfDays(
        store,
        agencyId,
        summarised.get(agencyId) ?? daysOf.get(agencyId) ?? [],
        period,
        ctx,
        asOf,
      ),
    ),
  );
}

/**
 * Whether a month summary answers for `asOf` exactly: every instant it was made of at or before `asOf`,
 * no deadline under today's calendar, and its working days counted under the calendar and region in force.
 */
function monthAnswers(summary: MonthSummaryDoc, asOf: string, ctx: ClockContext): boolean {
  return (
    !summary.mixed &&
    summary.unversioned === 0 &&
    (summary.latest === '' || compareInstants(summary.latest, asOf) <= 0) &&
    (summary.countedUnder === '' || summary.countedUnder === countedUnder(ctx, summary.agencyId))
  );
}

/** A month summary added to a tally: what countDayEntry makes of the month's entries once asOf is past them. */
function countMonth(t: KpiTally, summary: MonthSummaryDoc): void {
  const c = summary.counts;
  t.received += c.received;
  t.forwarded += c.forwarded;
  t.acknowledged += c.acknowledged;
  t.responded += c.responded;
  t.respondedWithinSla += c.respondedWithinSla;
  t.notCompetent += c.notCompetent;
  t.resolved += c.resolved;
  t.reopened += c.reopened;
  t.remindersSent += c.remindersSent;
  for (const [days, n] of Object.entries(summary.daysToFirstResponse))
    for (let i = 0; i < n; i++) t.daysToFirstResponse.push(Number(days));
  for (const [rating, n] of Object.entries(summary.ratings))
    for (let i = 0; i < n; i++) t.ratings.push(Number(rating));
}

const isMonthSummary = (doc: AgencyBucketDoc<AgencyDayEntry> | MonthSummaryDoc): doc is MonthSummaryDoc =>
  'counts' in doc;

async function agencyKpisOfDays(
  store: ReadModelStore,
  agencyId: string,
  /** The period's day documents, or its month summaries when they answer for asOf. */
  days: readonly (AgencyBucketDoc<AgencyDayEntry> | MonthSummaryDoc)[],
  period: Period,
  ctx: ClockContext,
  asOf: string,
): Promise<AgencyKpis> {
  const tally = emptyTally();
  const asOfMs = Date.parse(asOf);
  const by = (at: string) => Date.parse(at) <= asOfMs;
  const asOfDate = jakartaDate(asOf);
  const region = ctx.regionOfAgency?.(agencyId);
  const workingDays = (from: string, to: string) =>
    ctx.calendar.workingDaysBetween(jakartaDate(from), to, region);
  const deadline = memoDeadline(asOf, ctx);

  for (const doc of days) {
    if (isMonthSummary(doc)) countMonth(tally, doc);
    else for (const entry of Object.values(doc.entries)) if (by(entry.at)) countDayEntry(tally, entry);
  }

  // Many were forwarded on the same date: their age in working days is counted once per date.
  const ages = new Map<string, number>();
  const age = (forwardedOn: string) => {
    let days = ages.get(forwardedOn);
    if (days === undefined) {
      days = ctx.calendar.workingDaysBetween(forwardedOn, asOfDate, region);
      ages.set(forwardedOn, days);
    }
    return days;
  };
  const summary = await store.get<AwaitingSummaryDoc>(EVALUATION_AGENCY_AWAITING, agencyId);
  if (summary && answersAsOf(summary, asOf)) {
    // The summary is what the entries below would add up to: every one forwarded, none settled, by asOf.
    for (const [forwardedOn, n] of Object.entries(summary.forwardedOn)) {
      tally.open += n;
      tally.ageing[ageingBucket(age(forwardedOn))] += n;
    }
    for (const [due, n] of Object.entries(summary.dueAt))
      if (compareInstants(asOf, due) > 0) tally.overdue += n;
    return summarizeKpis(agencyId, period, asOf, tally);
  }

  const month = asOfDate.slice(0, 7);
  const awaiting = await Promise.all(
    Array.from({ length: OPEN_SHARDS }, (_, shard) => [
      store.get<AgencyBucketDoc<OpenForwardingEntry>>(
        EVALUATION_AGENCY_OPEN,
        agencyOpenId(agencyId, month, shard),
      ),
      store.get<AgencyBucketDoc<OpenForwardingEntry>>(
        EVALUATION_AGENCY_OPEN,
        agencyOpenId(agencyId, null, shard),
      ),
    ]).flat(),
  );
  for (const doc of awaiting) {
    for (const f of Object.values(doc?.entries ?? {})) {
      if (!by(f.forwardedAt) || (f.settledAt !== undefined && by(f.settledAt))) continue;
      tally.open++;
      const due = f.deadline ? deadline(f.deadline) : null;
      if (due !== null && compareInstants(asOf, due) > 0) tally.overdue++;
      tally.ageing[ageingBucket(age(jakartaDate(f.forwardedAt)))]++;
    }
  }
  return summarizeKpis(agencyId, period, asOf, tally);

  function countDayEntry(t: KpiTally, entry: AgencyDayEntry): void {
    switch (entry.kind) {
      case 'FORWARDED':
        t.forwarded++;
        return;
      case 'ACKNOWLEDGED':
        if (by(entry.forwardedAt)) t.acknowledged++;
        return;
      case 'RESPONDED': {
        if (!by(entry.forwardedAt)) return;
        t.responded++;
        const due = entry.deadline ? deadline(entry.deadline) : null;
        if (due !== null && compareInstants(entry.at, due) <= 0) t.respondedWithinSla++;
        if (entry.notCompetent) t.notCompetent++;
        t.daysToFirstResponse.push(workingDays(entry.forwardedAt, jakartaDate(entry.at)));
        return;
      }
      case 'RECEIVED':
        if (by(entry.since)) t.received++;
        return;
      case 'RESOLVED':
        if (!by(entry.since)) return;
        t.resolved++;
        if (entry.reopenedAt !== undefined && by(entry.reopenedAt)) t.reopened++;
        return;
      case 'RATED':
        if (by(entry.since)) t.ratings.push(entry.rating);
        return;
      case 'REMINDER_SENT':
        if (by(entry.since)) t.remindersSent++;
        return;
      default:
        assertNever(entry);
    }
  }
}

/** The order of a complaint's clocks: as they started. */
export const CLOCK_ORDER = [{ path: 'startedAt' }, { path: 'id' }] as const;

/**
 * Every clock of a complaint, in the order they started; the calls of one request (a page of complaints
 * with their `sla`) go out as one query on the complaint index.
 */
export async function clocksOfComplaint(store: ReadModelStore, complaintId: string): Promise<SlaClockDoc[]> {
  return findEachBy<SlaClockDoc>(store, SLA_CLOCKS, 'complaintId', complaintId, CLOCK_ORDER);
}

/** The overdue list's order (the `overdue` and `agency_overdue` indexes): most overdue first. */
export const OVERDUE_ORDER = [{ path: 'overdueFrom' }, { path: 'id' }] as const;

/**
 * Running clocks past their due instant at `now`, of one agency or all (undefined), in OVERDUE_ORDER,
 * strictly after the clock `after` names ([overdueFrom, id]).
 */
export const overdueClocksQuery = (
  now: string,
  agencyId: string | undefined,
  after?: readonly [string, string],
): DocQuery => ({
  where: { ...(agencyId !== undefined ? { clockAgency: agencyId } : {}), overdueFrom: { lt: now } },
  orderBy: OVERDUE_ORDER,
  ...(after ? { after } : {}),
});
