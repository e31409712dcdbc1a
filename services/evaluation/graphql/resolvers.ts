/**
 * Thin resolvers: check the caller, build a command, hand it to the service, read the projection.
 * Rules live in the deciders (services/evaluation/domain); errors are mapped once at the edge.
 */
import { randomUUID } from 'node:crypto';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { GraphQLDateTime, GraphQLLocalDate } from 'graphql-scalars';
import { requireCaseReader } from '../../shared/access';
import { requireAuthenticated } from '../../shared/auth';
import { badInput } from '../../shared/errors';
import { connectionOf, keyCursor, keysetArgs, pageInfoOf } from '../../shared/graphql/connection';
import { dayNumber } from '../../shared/calendar/dates';
import type { EvaluationContext } from './context';
import {
  AddHolidayInput,
  Agency,
  AgencyPerformance,
  AgencyRankingEntry,
  CalendarHoliday,
  ChangeSlaPolicyInput,
  Complaint,
  ComplaintSla,
  Evaluation,
  EvaluationConnection,
  EvaluationStatusEnum,
  OverdueClockConnection,
  type EvaluationStatus,
  FollowUpActionOwnerEnum,
  PeriodInput,
  SatisfactionRatingReceipt,
  SlaPolicyVersion,
} from './types';
import { toEvaluation, toHoliday, toPerformance, toPeriod, toPolicyVersion, toSlaClock } from './view';
import type { ActionOwner } from '../domain/evaluation';

const MAX_PAGE = 100;
const DEFAULT_PAGE = 20;

const asOfArg = (asOf?: Date | null) => (asOf ? asOf.toISOString() : undefined);

@Resolver(() => Complaint)
export class ComplaintSlaResolver {
  @FieldResolver(() => ComplaintSla, {
    nullable: true,
    description:
      "The complaint's SLA clocks (*batas waktu*). An agency's focal point sees only its own forwardings' clocks.",
  })
  async sla(@Root() complaint: Complaint, @Ctx() ctx: EvaluationContext): Promise<ComplaintSla | null> {
    const principal = requireCaseReader(ctx);
    if (!(await ctx.evaluation.mayViewComplaint(complaint.id, principal))) return null;
    const clocks = await ctx.evaluation.clocks(complaint.id, principal);
    return { clocks: clocks.map(toSlaClock) };
  }
}

@Resolver(() => Agency)
export class AgencyPerformanceResolver {
  @FieldResolver(() => AgencyPerformance, {
    description:
      "The agency's performance in a period. An agency's focal point sees only its own agency; officers, supervisors and auditors see all.",
  })
  async performance(
    @Root() agency: Agency,
    @Arg('period', () => PeriodInput) period: PeriodInput,
    @Ctx() ctx: EvaluationContext,
    @Arg('asOf', () => GraphQLDateTime, {
      nullable: true,
      description: 'Default: the end of the period, or now.',
    })
    asOf?: Date | null,
  ): Promise<AgencyPerformance> {
    const principal = requireCaseReader(ctx);
    return toPerformance(
      await ctx.evaluation.performance(agency.id, toPeriod(period), principal, asOfArg(asOf)),
    );
  }
}

@Resolver()
export class EvaluationQueries {
  @Query(() => AgencyPerformance, {
    description: "One agency's performance in a period (as Agency.performance).",
  })
  async agencyPerformance(
    @Arg('agencyId', () => ID) agencyId: string,
    @Arg('period', () => PeriodInput) period: PeriodInput,
    @Ctx() ctx: EvaluationContext,
    @Arg('asOf', () => GraphQLDateTime, { nullable: true }) asOf?: Date | null,
  ): Promise<AgencyPerformance> {
    const principal = requireCaseReader(ctx);
    return toPerformance(
      await ctx.evaluation.performance(agencyId, toPeriod(period), principal, asOfArg(asOf)),
    );
  }

  @Query(() => [AgencyRankingEntry], {
    description:
      'Agencies ranked for a period by the share of responses within the SLA, then by median working days to first response. ' +
      "An agency's focal point gets its own line only.",
  })
  async agencyRanking(
    @Arg('period', () => PeriodInput) period: PeriodInput,
    @Ctx() ctx: EvaluationContext,
    @Arg('asOf', () => GraphQLDateTime, { nullable: true }) asOf?: Date | null,
  ): Promise<AgencyRankingEntry[]> {
    const principal = requireCaseReader(ctx);
    const ranked = await ctx.evaluation.ranking(toPeriod(period), principal, asOfArg(asOf));
    return ranked.map((r) => ({
      rank: r.rank,
      agency: { id: r.agencyId },
      performance: toPerformance(r.kpis),
    }));
  }

  @Query(() => OverdueClockConnection, {
    description:
      'Running SLA clocks past their due instant (*lewat batas waktu*), most overdue first: of every agency, or of one. ' +
      "An agency's focal point sees its own agency's only.",
  })
  async overdueClocks(
    @Ctx() ctx: EvaluationContext,
    @Arg('agencyId', () => ID, { nullable: true }) agencyId?: string | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<OverdueClockConnection> {
    const principal = requireCaseReader(ctx);
    const { limit, after: key } = keysetArgs(first, after, { fallback: DEFAULT_PAGE, max: MAX_PAGE });
    const page = await ctx.evaluation.overdueClocks(
      principal,
      agencyId ?? undefined,
      limit,
      key ? [key[0]!, key[1]!] : undefined,
    );
    const edges = page.items.map((item) => ({ cursor: keyCursor(item.key), node: toSlaClock(item.clock) }));
    return {
      edges,
      totalCount: page.total,
      pageInfo: pageInfoOf(edges, page.hasNextPage, key !== undefined),
    };
  }

  @Query(() => [SlaPolicyVersion], {
    description: 'Every SLA policy version in force or scheduled, the default first.',
  })
  async slaPolicyVersions(@Ctx() ctx: EvaluationContext): Promise<SlaPolicyVersion[]> {
    requireAuthenticated(ctx);
    return (await ctx.evaluation.policyVersions()).map(toPolicyVersion);
  }

  @Query(() => [CalendarHoliday], {
    description:
      'Non-working days (national holidays, cuti bersama, and the given region’s days) between two dates.',
  })
  async holidays(
    @Arg('from', () => GraphQLLocalDate) from: string,
    @Arg('to', () => GraphQLLocalDate) to: string,
    @Ctx() ctx: EvaluationContext,
    @Arg('region', () => String, { nullable: true }) region?: string | null,
  ): Promise<CalendarHoliday[]> {
    requireAuthenticated(ctx);
    if (dayNumber(to) < dayNumber(from)) throw badInput('to is before from', { field: 'to' });
    if (dayNumber(to) - dayNumber(from) > 366 * 5)
      throw badInput('at most five years at a time', { field: 'to' });
    return (await ctx.evaluation.holidays(from, to, region)).map(toHoliday);
  }

  @Query(() => Int, {
    description: 'Working days after `from` up to and including `to` (the way SLA clocks count them).',
  })
  async workingDaysBetween(
    @Arg('from', () => GraphQLLocalDate) from: string,
    @Arg('to', () => GraphQLLocalDate) to: string,
    @Ctx() ctx: EvaluationContext,
    @Arg('region', () => String, { nullable: true }) region?: string | null,
  ): Promise<number> {
    requireAuthenticated(ctx);
    if (dayNumber(to) - dayNumber(from) > 366 * 5)
      throw badInput('at most five years at a time', { field: 'to' });
    const { calendar } = await ctx.evaluation.context();
    return calendar.workingDaysBetween(from, to, region ?? undefined);
  }

  @Query(() => Evaluation, {
    nullable: true,
    description: 'An evaluation round; null when absent or not visible.',
  })
  async evaluation(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: EvaluationContext,
  ): Promise<Evaluation | null> {
    const principal = requireCaseReader(ctx);
    const doc = await ctx.evaluation.evaluation(id, principal);
    return doc ? toEvaluation(doc) : null;
  }

  @Query(() => [Evaluation], { description: 'Evaluation rounds, newest first (an agency sees its own).' })
  async evaluations(
    @Ctx() ctx: EvaluationContext,
    @Arg('agencyId', () => ID, { nullable: true }) agencyId?: string | null,
    @Arg('status', () => EvaluationStatusEnum, { nullable: true }) status?: EvaluationStatus | null,
  ): Promise<Evaluation[]> {
    const principal = requireCaseReader(ctx);
    return (await ctx.evaluation.evaluationsOf({ agencyId, status }, principal)).map(toEvaluation);
  }

  @Query(() => EvaluationConnection, {
    description:
      'Evaluation rounds, newest first, a page at a time (`first`, default 20, at most 100; `after` an endCursor); an agency sees its own.',
  })
  async evaluationConnection(
    @Ctx() ctx: EvaluationContext,
    @Arg('agencyId', () => ID, { nullable: true }) agencyId?: string | null,
    @Arg('status', () => EvaluationStatusEnum, { nullable: true }) status?: EvaluationStatus | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<EvaluationConnection> {
    const principal = requireCaseReader(ctx);
    const page = keysetArgs(first, after, { fallback: DEFAULT_PAGE, max: MAX_PAGE });
    // One more than asked: whether a next page exists, without counting.
    const docs = await ctx.evaluation.evaluationsOf({ agencyId, status }, principal, {
      ...page,
      limit: page.limit + 1,
    });
    return connectionOf(docs, page, (d) => [d.openedAt, d.id], toEvaluation);
  }
}

/** The caller's id for an item (so a retry is refused as a duplicate), or a fresh one. */
const newId = (given?: string | null) => given ?? randomUUID();

@Resolver()
export class EvaluationMutations {
  @Mutation(() => [SlaPolicyVersion], {
    description:
      'ADMIN: change clock lengths or units from a date on; clocks already started keep their rules.',
  })
  async changeSlaPolicy(
    @Arg('input', () => ChangeSlaPolicyInput) input: ChangeSlaPolicyInput,
    @Ctx() ctx: EvaluationContext,
  ): Promise<SlaPolicyVersion[]> {
    const principal = requireAuthenticated(ctx);
    const limits = Object.fromEntries(input.limits.map((l) => [l.kind, { length: l.length, unit: l.unit }]));
    if (Object.keys(limits).length !== input.limits.length) {
      throw badInput('each clock may appear once', { field: 'limits' });
    }
    const versions = await ctx.evaluation.changePolicy(
      { effectiveFrom: input.effectiveFrom, limits, reason: input.reason },
      principal,
    );
    return versions.map(toPolicyVersion);
  }

  @Mutation(() => [SlaPolicyVersion], {
    description: 'ADMIN: withdraw a policy change that is not yet in force.',
  })
  async withdrawSlaPolicyChange(
    @Arg('version', () => Int) version: number,
    @Arg('reason') reason: string,
    @Ctx() ctx: EvaluationContext,
  ): Promise<SlaPolicyVersion[]> {
    const principal = requireAuthenticated(ctx);
    return (await ctx.evaluation.withdrawPolicyChange(version, reason, principal)).map(toPolicyVersion);
  }

  @Mutation(() => CalendarHoliday, {
    description:
      'ADMIN: add a non-working day to the calendar. Clocks keep the calendar version in force when they started: the change moves the due dates of clocks started from now on only, never of running or finished ones.',
  })
  async addHoliday(
    @Arg('input', () => AddHolidayInput) input: AddHolidayInput,
    @Ctx() ctx: EvaluationContext,
  ): Promise<CalendarHoliday> {
    const principal = requireAuthenticated(ctx);
    const region = input.region ?? undefined;
    const state = await ctx.evaluation.changeCalendar(
      {
        type: 'AddHoliday',
        data: {
          date: input.date,
          kind: input.kind,
          name: input.name,
          ...(region ? { region } : {}),
          ...(input.note ? { note: input.note } : {}),
        },
      },
      principal,
    );
    const added = state.holidays[region ? `${region}:${input.date}` : input.date];
    if (!added) throw new Error('the added holiday is missing from the calendar state');
    return toHoliday(added);
  }

  @Mutation(() => Boolean, {
    description:
      'ADMIN: make a listed non-working day a working day again. As for addHoliday, only clocks started from now on follow the change.',
  })
  async removeHoliday(
    @Arg('date', () => GraphQLLocalDate) date: string,
    @Arg('reason') reason: string,
    @Ctx() ctx: EvaluationContext,
    @Arg('region', () => String, { nullable: true }) region?: string | null,
  ): Promise<boolean> {
    const principal = requireAuthenticated(ctx);
    await ctx.evaluation.changeCalendar(
      { type: 'RemoveHoliday', data: { date, reason, ...(region ? { region } : {}) } },
      principal,
    );
    return true;
  }

  @Mutation(() => Evaluation, {
    description:
      'OFFICER or SUPERVISOR: open an evaluation round for an agency and period, snapshotting its KPIs.',
  })
  async openEvaluation(
    @Arg('agencyId', () => ID) agencyId: string,
    @Arg('period', () => PeriodInput) period: PeriodInput,
    @Ctx() ctx: EvaluationContext,
  ): Promise<Evaluation> {
    const principal = requireAuthenticated(ctx);
    return toEvaluation(await ctx.evaluation.openEvaluation(agencyId, toPeriod(period), principal));
  }

  @Mutation(() => Evaluation, { description: 'Record a finding (*temuan*) in an open round.' })
  async recordFinding(
    @Arg('evaluationId', () => ID) evaluationId: string,
    @Arg('text') text: string,
    @Ctx() ctx: EvaluationContext,
    @Arg('kpi', () => String, { nullable: true }) kpi?: string | null,
    @Arg('findingId', () => ID, { nullable: true }) findingId?: string | null,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ): Promise<Evaluation> {
    const principal = requireAuthenticated(ctx);
    const data = { findingId: newId(findingId), text, ...(kpi ? { kpi } : {}) };
    return toEvaluation(
      await ctx.evaluation.executeEvaluation(
        evaluationId,
        (metadata) => ({ type: 'RecordFinding', data, metadata }),
        principal,
        expectedVersion,
      ),
    );
  }

  @Mutation(() => Evaluation, { description: 'Record a recommendation (*rekomendasi*) in an open round.' })
  async recordRecommendation(
    @Arg('evaluationId', () => ID) evaluationId: string,
    @Arg('text') text: string,
    @Ctx() ctx: EvaluationContext,
    @Arg('recommendationId', () => ID, { nullable: true }) recommendationId?: string | null,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ): Promise<Evaluation> {
    const principal = requireAuthenticated(ctx);
    const data = { recommendationId: newId(recommendationId), text };
    return toEvaluation(
      await ctx.evaluation.executeEvaluation(
        evaluationId,
        (metadata) => ({ type: 'RecordRecommendation', data, metadata }),
        principal,
        expectedVersion,
      ),
    );
  }

  @Mutation(() => Evaluation, { description: 'Agree a follow-up action with an owner and a due date.' })
  async agreeFollowUpAction(
    @Arg('evaluationId', () => ID) evaluationId: string,
    @Arg('description') description: string,
    @Arg('owner', () => FollowUpActionOwnerEnum) owner: ActionOwner,
    @Arg('dueDate', () => GraphQLLocalDate) dueDate: string,
    @Ctx() ctx: EvaluationContext,
    @Arg('actionId', () => ID, { nullable: true }) actionId?: string | null,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ): Promise<Evaluation> {
    const principal = requireAuthenticated(ctx);
    const data = { actionId: newId(actionId), description, owner, dueDate };
    return toEvaluation(
      await ctx.evaluation.executeEvaluation(
        evaluationId,
        (metadata) => ({ type: 'AgreeFollowUpAction', data, metadata }),
        principal,
        expectedVersion,
      ),
    );
  }

  @Mutation(() => Evaluation, {
    description:
      "Sign the berita acara: an OFFICER for Kemensetneg, the agency's focal point for the agency. The second signature finalises the round.",
  })
  async signEvaluation(
    @Arg('evaluationId', () => ID) evaluationId: string,
    @Arg('signerName') signerName: string,
    @Arg('position') position: string,
    @Ctx() ctx: EvaluationContext,
    @Arg('signatureReference', () => String, { nullable: true }) signatureReference?: string | null,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ): Promise<Evaluation> {
    const principal = requireAuthenticated(ctx);
    const data = { signerName, position, ...(signatureReference ? { signatureReference } : {}) };
    return toEvaluation(
      await ctx.evaluation.executeEvaluation(
        evaluationId,
        (metadata) => ({ type: 'SignBeritaAcara', data, metadata }),
        principal,
        expectedVersion,
      ),
    );
  }

  @Mutation(() => SatisfactionRatingReceipt, {
    description:
      'Public, no token: the complainant rates the handling of a resolved complaint (1..5 and a comment) with the ' +
      'tracking number and access code, once per resolution. The rating never carries identity.',
  })
  async rateComplaintHandling(
    @Arg('trackingNumber') trackingNumber: string,
    @Arg('accessCode') accessCode: string,
    @Arg('rating', () => Int) rating: number,
    @Ctx() ctx: EvaluationContext,
    @Arg('comment', () => String, { nullable: true }) comment?: string | null,
  ): Promise<SatisfactionRatingReceipt> {
    if (trackingNumber.length <= 40) await ctx.evaluation.accessCodeGuard.admit(ctx, trackingNumber);
    return ctx.evaluation.rate(trackingNumber, accessCode, rating, comment);
  }
}
