/**
 * The evaluation subgraph's application service: what resolvers call. Commands go through the generic
 * CommandHandler over the domain's deciders (authorisation folded in, so it is judged on the state the
 * command is decided on); reads come from the read models as they stand, waiting only for the position the
 * caller asked to read after (read-your-writes, see shared/consistency.ts), never for the log head.
 */
import { createHash } from 'node:crypto';
import type { Principal } from '../shared/auth';
import { type AccessCodeGuard, accessCodeGuardOf } from '../shared/access-code-guard';
import { CommandHandler, expectedRevisionOf } from '../shared/decider';
import { conflict, DomainError, invalidTransition, notFound } from '../shared/errors';
import type { Actor } from '../shared/eventstore/types';
import type { SubgraphRuntime } from '../shared/runtime';
import { type AccessCodeHasher, openAccessCodeHasher, plausibleAccessCode } from '../shared/access-code';
import type { Holiday } from '../shared/calendar/calendar';
import {
  calendarGuard,
  evaluationGuard,
  heldToAgency,
  requirePerformanceViewer,
  requireRoundPreparer,
  listedAgencyFor,
  seesAgencyRecord,
  seesCase,
  seesClock,
  slaPolicyGuard,
} from './access';
import {
  CALENDAR_STREAM,
  type CalendarCommand,
  type CalendarEvent,
  type CalendarState,
  calendarDecider,
} from './domain/calendar-aggregate';
import { type ClockContext, type ClockStatus, calendarOfClock, evaluateClock } from './domain/clocks';
import {
  type EvaluationCommand,
  type EvaluationEvent,
  type EvaluationState,
  evaluationDecider,
  evaluationStreamId,
} from './domain/evaluation';
import { type AgencyKpis, defaultAsOf, type Period } from './domain/kpi';
import {
  type SatisfactionCommand,
  type SatisfactionEvent,
  type SatisfactionState,
  satisfactionDecider,
  satisfactionStreamId,
} from './domain/satisfaction';
import {
  SLA_POLICY_STREAM,
  type SlaPolicyCommand,
  type SlaPolicyEvent,
  type SlaPolicyState,
  type SlaPolicyVersion,
  slaPolicyDecider,
} from './domain/sla-policy';
import {
  agenciesKpisFromReadModel,
  agencyKpisFromReadModel,
  type ClockContextHolder,
  clockOfDoc,
  clocksOfComplaint,
  EVALUATION_CASES,
  type EvaluationCaseDoc,
  overdueClocksQuery,
  SLA_CLOCKS,
  type SlaClockDoc,
} from './projections';
import {
  EVALUATION_AGENCIES,
  EVALUATION_COMPLAINTS,
  EVALUATION_ROUNDS,
  type EvaluationAgencyDoc,
  type EvaluationRoundDoc,
  evaluationRoundsQuery,
  type RatableComplaintDoc,
} from './records';

/** The actor recorded for a complainant's rating: nothing about who they are goes into the log. */
export const PUBLIC_RATER: Actor = { id: 'public', role: 'PUBLIC' };

/** How long a read waits for this subgraph's projections to reach the caller's read-after position. */
const CATCH_UP_MS = 2_000;

/** The n-th round of an agency for a period: `round-<16 hex of agency and period>-<n>`. */
const roundId = (agencyId: string, period: Period, n: number) =>
  `round-${createHash('sha256').update(`${agencyId}\n${period.from}\n${period.to}`).digest('hex').slice(0, 16)}-${n}`;

export interface RankedAgency {
  readonly rank: number;
  readonly agencyId: string;
  readonly kpis: AgencyKpis;
}

export interface OverduePage {
  /** Each clock as it stands now, with its place in the overdue order (for a cursor). */
  readonly items: readonly { readonly key: readonly [string, string]; readonly clock: ClockStatus }[];
  readonly total: number;
  readonly hasNextPage: boolean;
}

export interface RatingReceipt {
  readonly trackingNumber: string;
  readonly resolution: number;
  readonly rating: number;
  readonly ratedAt: string;
}

export class EvaluationService {
  /** One access-code check per request, a budget per tracking number (see AccessCodeGuard). */
  readonly accessCodeGuard: AccessCodeGuard;
  readonly evaluations: CommandHandler<EvaluationCommand, EvaluationEvent, EvaluationState>;
  readonly policy: CommandHandler<SlaPolicyCommand, SlaPolicyEvent, SlaPolicyState>;
  readonly calendar: CommandHandler<CalendarCommand, CalendarEvent, CalendarState>;
  readonly satisfaction: CommandHandler<SatisfactionCommand, SatisfactionEvent, SatisfactionState>;
  /** The complainant's access code is checked here too (rating), under the complaint subgraph's secret. */
  private readonly accessCodes: AccessCodeHasher;

  constructor(
    readonly runtime: SubgraphRuntime,
    /** Policy, calendar and agency regions held in memory, reloaded after their events. */
    private readonly clockContext: ClockContextHolder,
  ) {
    this.accessCodeGuard = accessCodeGuardOf(runtime);
    this.accessCodes = openAccessCodeHasher(runtime.config);
    this.evaluations = new CommandHandler(runtime.store, evaluationDecider, evaluationGuard);
    this.policy = new CommandHandler(runtime.store, slaPolicyDecider, slaPolicyGuard);
    this.calendar = new CommandHandler(runtime.store, calendarDecider, calendarGuard);
    this.satisfaction = new CommandHandler(runtime.store, satisfactionDecider);
  }

  now(): string {
    return this.runtime.clock.now().toISOString();
  }

  /**
   * Waits (bounded) until the read models include what the caller asked to read after: its own write
   * elsewhere, or an earlier call of the same operation. A read that asked for nothing does not wait.
   */
  async readYourWrites(): Promise<void> {
    try {
      await this.runtime.readYourWrites(CATCH_UP_MS);
    } catch (err) {
      // A slow projection answers slightly stale rather than not at all.
      this.runtime.logger.warn({ err }, 'evaluation read models behind the log');
    }
  }

  context(): Promise<ClockContext> {
    return this.clockContext.context();
  }

  // ── complaints and their clocks ───────────────────────────────────────────────────────────────

  async caseOf(complaintId: string): Promise<EvaluationCaseDoc | undefined> {
    return this.runtime.readModels.get<EvaluationCaseDoc>(EVALUATION_CASES, complaintId);
  }

  /** Whether the caller may see this complaint's SLA: AGENCY only once it was forwarded to its agency. */
  async mayViewComplaint(complaintId: string, principal: Principal): Promise<boolean> {
    if (!heldToAgency(principal)) return true;
    return seesCase(principal, (await this.caseOf(complaintId))?.agencyIds);
  }

  /** The complaint's clocks as they stand now, those the caller may see. */
  async clocks(complaintId: string, principal: Principal): Promise<ClockStatus[]> {
    await this.readYourWrites();
    if (!(await this.mayViewComplaint(complaintId, principal))) return [];
    const [docs, ctx] = await Promise.all([
      clocksOfComplaint(this.runtime.readModels, complaintId),
      this.context(),
    ]);
    const now = this.now();
    return docs
      .map(clockOfDoc)
      .map((clock) => evaluateClock(clock, calendarOfClock(ctx, clock), now))
      .filter((c) => seesClock(principal, c));
  }

  /**
   * A page of the running clocks past their due instant, most overdue first, with how many there are:
   * all of them, or one agency's (a focal point's own, whatever it asks for). From the overdue indexes,
   * so a page costs what the page costs however many clocks the store holds.
   */
  async overdueClocks(
    principal: Principal,
    asked: string | undefined,
    first: number,
    after?: readonly [string, string],
  ): Promise<OverduePage> {
    await this.readYourWrites();
    const agencyId = listedAgencyFor(principal, asked);
    if (agencyId === null) return { items: [], total: 0, hasNextPage: false };
    const now = this.now();
    const query = overdueClocksQuery(now, agencyId, after);
    const [docs, total, ctx] = await Promise.all([
      first > 0
        ? this.runtime.readModels.find<SlaClockDoc>(SLA_CLOCKS, { ...query, limit: first + 1 })
        : Promise.resolve([]),
      this.runtime.readModels.count(SLA_CLOCKS, { where: overdueClocksQuery(now, agencyId).where }),
      this.context(),
    ]);
    const items = docs.slice(0, first).flatMap((doc) => {
      const stored = clockOfDoc(doc);
      const clock = evaluateClock(stored, calendarOfClock(ctx, stored), now);
      return seesClock(principal, clock) ? [{ key: [doc.overdueFrom, doc.id] as const, clock }] : [];
    });
    return { items, total, hasNextPage: docs.length > first };
  }

  // ── performance ───────────────────────────────────────────────────────────────────────────────

  async performance(
    agencyId: string,
    period: Period,
    principal: Principal,
    asOf?: string,
  ): Promise<AgencyKpis> {
    requirePerformanceViewer(principal, agencyId);
    await this.readYourWrites();
    // An agency nobody registered or forwarded to has no performance, rather than a row of zeros.
    if (!(await this.runtime.readModels.get<EvaluationAgencyDoc>(EVALUATION_AGENCIES, agencyId))) {
      throw notFound('agency', agencyId);
    }
    const ctx = await this.context();
    return agencyKpisFromReadModel(
      this.runtime.readModels,
      agencyId,
      period,
      ctx,
      asOf ?? defaultAsOf(period, this.now()),
    );
  }

  async knownAgencies(): Promise<EvaluationAgencyDoc[]> {
    return this.runtime.readModels.find<EvaluationAgencyDoc>(EVALUATION_AGENCIES, {
      orderBy: [{ path: 'agencyId' }],
    });
  }

  /**
   * Every known agency ranked for a period: by share of responses within the SLA (agencies with no
   * response last), then by median working days to first response, then by id. An agency's PIC gets its
   * own line only, with its rank among all.
   */
  async ranking(period: Period, principal: Principal, asOf?: string): Promise<RankedAgency[]> {
    await this.readYourWrites();
    const ctx = await this.context();
    const at = asOf ?? defaultAsOf(period, this.now());
    const agencies = await this.knownAgencies();
    // All agencies at once: their day buckets in one query, their other reads batched per collection.
    const all: AgencyKpis[] = await agenciesKpisFromReadModel(
      this.runtime.readModels,
      agencies.map((a) => a.agencyId),
      period,
      ctx,
      at,
    );
    const score = (k: AgencyKpis) => k.respondedWithinSlaPercent ?? -1;
    all.sort(
      (x, y) =>
        score(y) - score(x) ||
        (x.medianWorkingDaysToFirstResponse ?? Number.MAX_SAFE_INTEGER) -
          (y.medianWorkingDaysToFirstResponse ?? Number.MAX_SAFE_INTEGER) ||
        x.agencyId.localeCompare(y.agencyId),
    );
    const ranked = all.map((kpis, i) => ({ rank: i + 1, agencyId: kpis.agencyId, kpis }));
    return ranked.filter((r) => seesAgencyRecord(principal, r));
  }

  // ── SLA policy ────────────────────────────────────────────────────────────────────────────────

  async policyVersions(): Promise<readonly SlaPolicyVersion[]> {
    await this.readYourWrites();
    return (await this.context()).policy;
  }

  async changePolicy(data: Extract<SlaPolicyCommand, { type: 'ChangeSlaPolicy' }>['data'], actor: Actor) {
    const result = await this.policy.handle(SLA_POLICY_STREAM, {
      type: 'ChangeSlaPolicy',
      data,
      metadata: { now: this.now(), actor },
    });
    await this.runtime.settle(result.position);
    return result.state.versions;
  }

  async withdrawPolicyChange(version: number, reason: string, actor: Actor) {
    const result = await this.policy.handle(SLA_POLICY_STREAM, {
      type: 'WithdrawSlaPolicyChange',
      data: { version, reason },
      metadata: { now: this.now(), actor },
    });
    await this.runtime.settle(result.position);
    return result.state.versions;
  }

  // ── calendar ──────────────────────────────────────────────────────────────────────────────────

  /** The calendar in force: the bundled baseline plus the administrator's recorded changes. */
  async calendarState(): Promise<CalendarState> {
    await this.readYourWrites();
    return (await this.clockContext.calendarEvents()).reduce(
      calendarDecider.evolve,
      calendarDecider.initialState(),
    );
  }

  async holidays(from: string, to: string, region?: string | null): Promise<Holiday[]> {
    const state = await this.calendarState();
    return Object.values(state.holidays)
      .filter((h) => h.date >= from && h.date <= to && (h.region === undefined || h.region === region))
      .sort((a, b) => a.date.localeCompare(b.date) || (a.region ?? '').localeCompare(b.region ?? ''));
  }

  async changeCalendar(command: Omit<CalendarCommand, 'metadata'>, actor: Actor): Promise<CalendarState> {
    const result = await this.calendar.handle(CALENDAR_STREAM, {
      ...command,
      metadata: { now: this.now(), actor },
    } as CalendarCommand);
    await this.runtime.settle(result.position);
    return result.state;
  }

  // ── evaluation rounds ─────────────────────────────────────────────────────────────────────────

  async evaluation(id: string, principal: Principal): Promise<EvaluationRoundDoc | null> {
    await this.readYourWrites();
    const doc = await this.runtime.readModels.get<EvaluationRoundDoc>(EVALUATION_ROUNDS, id);
    if (!doc) return null;
    return seesAgencyRecord(principal, doc) ? doc : null;
  }

  async evaluationsOf(
    filter: { agencyId?: string | null; status?: string | null },
    principal: Principal,
    page: { limit: number; after?: readonly string[] } = { limit: 200 },
  ): Promise<EvaluationRoundDoc[]> {
    await this.readYourWrites();
    const agencyId = listedAgencyFor(principal, filter.agencyId);
    if (agencyId === null) return [];
    return this.runtime.readModels.find<EvaluationRoundDoc>(
      EVALUATION_ROUNDS,
      evaluationRoundsQuery(
        {
          ...(agencyId ? { agencyId } : {}),
          ...(filter.status ? { status: filter.status } : {}),
        },
        page.limit,
        page.after,
      ),
    );
  }

  /**
   * Opens a round with a snapshot of the agency's KPIs for the period as they stand now. At most one round
   * per agency and period is unfinished (OPEN or SIGNING): another answers CONFLICT naming it. The round's
   * id is derived from the agency, the period and how many rounds it already had, and its stream must not
   * exist yet, so two officers opening at the same moment append to the same stream and one is refused.
   */
  async openEvaluation(agencyId: string, period: Period, principal: Principal): Promise<EvaluationRoundDoc> {
    requireRoundPreparer(principal);
    const kpis = await this.performance(agencyId, period, principal);
    const earlier = (
      await this.runtime.readModels.find<EvaluationRoundDoc>(EVALUATION_ROUNDS, {
        where: { agencyId },
        orderBy: [{ path: 'openedAt' }, { path: 'id' }],
        limit: 1000,
      })
    ).filter((r) => r.period.from === period.from && r.period.to === period.to);
    const unfinished = earlier.find((r) => r.status !== 'FINALISED');
    if (unfinished) {
      throw conflict(
        `round ${unfinished.id} of this agency and period is still ${unfinished.status}: finalise it first`,
        { evaluationId: unfinished.id },
      );
    }
    const evaluationId = roundId(agencyId, period, earlier.length + 1);
    return this.executeEvaluation(
      evaluationId,
      (m) => ({ type: 'OpenEvaluation', data: { evaluationId, agencyId, period, kpis }, metadata: m }),
      principal,
      'no_stream',
    );
  }

  async executeEvaluation(
    id: string,
    build: (metadata: { now: string; actor: Actor }) => EvaluationCommand,
    actor: Actor,
    expectedVersion?: number | 'no_stream' | null,
  ): Promise<EvaluationRoundDoc> {
    const command = build({ now: this.now(), actor });
    const result = await this.evaluations.handle(
      evaluationStreamId(id),
      command,
      expectedRevisionOf(expectedVersion),
    );
    await this.runtime.settle(result.position);
    const doc = await this.runtime.readModels.get<EvaluationRoundDoc>(EVALUATION_ROUNDS, id);
    if (!doc) throw notFound('evaluation', id);
    return doc;
  }

  // ── satisfaction ──────────────────────────────────────────────────────────────────────────────

  /**
   * The complainant rates the handling with the tracking number and access code: no token, and nothing
   * of who they are reaches the record. Once per resolution (the decider refuses a second rating).
   */
  async rate(
    trackingNumber: string,
    accessCode: string,
    rating: number,
    comment: string | null | undefined,
  ): Promise<RatingReceipt> {
    const noMatch = () =>
      new DomainError('NOT_FOUND', 'no complaint matches this tracking number and access code');
    if (!plausibleAccessCode(trackingNumber, accessCode)) throw noMatch();
    await this.readYourWrites();
    const [doc] = await this.runtime.readModels.find<RatableComplaintDoc>(EVALUATION_COMPLAINTS, {
      where: { trackingNumber: trackingNumber.trim().toUpperCase() },
      limit: 1,
    });
    // One HMAC whether or not the number is known: timing tells nothing.
    const ok = await this.accessCodes.matchesFound(accessCode, doc);
    if (!ok || !doc) throw noMatch();
    if ((doc.standing !== 'RESOLVED' && doc.standing !== 'CLOSED') || doc.resolutions === 0) {
      throw invalidTransition(doc.standing, 'rate the handling of a complaint that is not resolved');
    }
    const now = this.now();
    const result = await this.satisfaction.handle(
      satisfactionStreamId(doc.complaintId),
      {
        type: 'RateSatisfaction',
        data: {
          complaintId: doc.complaintId,
          resolution: doc.resolutions,
          rating,
          ...(comment ? { comment } : {}),
        },
        metadata: { now, actor: PUBLIC_RATER },
      },
      { caseId: doc.complaintId },
    );
    await this.runtime.settle(result.position);
    return { trackingNumber: doc.trackingNumber, resolution: doc.resolutions, rating, ratedAt: now };
  }
}
