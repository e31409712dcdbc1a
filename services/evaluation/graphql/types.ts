/**
 * The evaluation subgraph's GraphQL types. Descriptions carry the Indonesian terms users say. Type and
 * enum names are prefixed where another subgraph might use the plain word, because composition refuses
 * two different value types or enums of one name.
 */
import { GraphQLDateTime, GraphQLLocalDate } from 'graphql-scalars';
import { Directive, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { HOLIDAY_KINDS, type HolidayKind } from '../../shared/calendar/calendar';
import { PageInfo } from '../../shared/graphql/connection';
import type { ClockState } from '../domain/clocks';
import type { ActionOwner, SigningSide } from '../domain/evaluation';
import { AGEING_BUCKETS, type PeriodKind } from '../domain/kpi';
import { CLOCK_KINDS, type ClockKind, type DurationUnit } from '../domain/sla-policy';

const enumOf = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const SlaClockKindEnum = enumOf(CLOCK_KINDS);
export const SlaClockStateEnum = enumOf<ClockState>(['RUNNING', 'PAUSED', 'MET', 'BREACHED']);
export const SlaDurationUnitEnum = enumOf<DurationUnit>(['WORKING_DAYS', 'CALENDAR_DAYS']);
export const EvaluationPeriodKindEnum = enumOf<PeriodKind>(['MONTH', 'QUARTER', 'YEAR', 'RANGE']);
export const CalendarHolidayKindEnum = enumOf(HOLIDAY_KINDS);
export const EvaluationStatusEnum = enumOf(['OPEN', 'SIGNING', 'FINALISED'] as const);
export type EvaluationStatus = keyof typeof EvaluationStatusEnum;
export const BeritaAcaraSideEnum = enumOf<SigningSide>(['KEMENSETNEG', 'AGENCY']);
export const FollowUpActionOwnerEnum = enumOf<ActionOwner>(['KEMENSETNEG', 'AGENCY']);

registerEnumType(SlaClockKindEnum, {
  name: 'SlaClockKind',
  description:
    'VERIFICATION: verify and forward after receipt; AGENCY_FIRST_FOLLOW_UP: the agency takes it up; ' +
    'WRITTEN_RESPONSE: the agency answers in writing; COMPLETION: the complaint is completed; ' +
    'AUTO_CLOSE: no reply from the complainant after the response.',
});
registerEnumType(SlaClockStateEnum, {
  name: 'SlaClockState',
  description: 'RUNNING, PAUSED (awaiting information from the complainant), MET or BREACHED.',
});
registerEnumType(SlaDurationUnitEnum, {
  name: 'SlaDurationUnit',
  description:
    'Working days (*hari kerja*: no weekends, national holidays or cuti bersama) or calendar days.',
});
registerEnumType(EvaluationPeriodKindEnum, { name: 'EvaluationPeriodKind' });
registerEnumType(CalendarHolidayKindEnum, {
  name: 'CalendarHolidayKind',
  description: '*Hari libur nasional*, *cuti bersama*, or a regional holiday of one region.',
});
registerEnumType(EvaluationStatusEnum, {
  name: 'EvaluationStatus',
  description:
    'OPEN: being prepared; SIGNING: one side signed, content frozen; FINALISED: the berita acara is signed by both.',
});
registerEnumType(BeritaAcaraSideEnum, { name: 'BeritaAcaraSide' });
registerEnumType(FollowUpActionOwnerEnum, { name: 'FollowUpActionOwner' });

// ── entities referenced or extended here ─────────────────────────────────────────────────────────

/** An agency (*instansi*), owned by the correspondence subgraph; this subgraph adds its performance. */
@ObjectType({ description: 'A partner agency (*instansi*: K/L/D).' })
@Directive('@key(fields: "id")')
export class Agency {
  @Field(() => ID)
  id!: string;
}

/** A complaint, owned by the complaint subgraph; this subgraph adds its SLA clocks. */
@ObjectType({ description: 'A public complaint (*pengaduan masyarakat*) addressed to the President.' })
@Directive('@key(fields: "id")')
export class Complaint {
  @Field(() => ID)
  id!: string;
}

// ── SLA clocks ─────────────────────────────────────────────────────────────────────────────────────

@ObjectType({ description: 'A time the clock stood still while the complaint awaited information.' })
export class SlaClockPause {
  @Field(() => GraphQLDateTime)
  from!: string;

  @Field(() => GraphQLDateTime, {
    nullable: true,
    description: 'Null while the information is still awaited.',
  })
  to!: string | null;
}

@ObjectType({
  description: 'One SLA clock (*batas waktu*) of a complaint or of one forwarding to an agency.',
})
export class SlaClock {
  @Field(() => ID)
  id!: string;

  @Field(() => SlaClockKindEnum)
  kind!: ClockKind;

  @Field(() => Agency, { nullable: true, description: 'The agency whose forwarding this clock times.' })
  agency!: Agency | null;

  @Field(() => Int, { description: '1 for the first clock of its kind, 2 after a reopening, …' })
  cycle!: number;

  @Field(() => Int, { description: 'The SLA policy version the clock started under.' })
  policyVersion!: number;

  @Field(() => Int)
  length!: number;

  @Field(() => SlaDurationUnitEnum)
  unit!: DurationUnit;

  @Field(() => GraphQLDateTime)
  startedAt!: string;

  @Field(() => GraphQLLocalDate, { nullable: true, description: 'The Jakarta date the clock runs out on.' })
  dueDate!: string | null;

  @Field(() => GraphQLDateTime, {
    nullable: true,
    description: 'The end of the due date (WIB); null while paused.',
  })
  dueAt!: string | null;

  @Field(() => GraphQLDateTime, { nullable: true })
  stoppedAt!: string | null;

  @Field(() => SlaClockStateEnum)
  state!: ClockState;

  @Field(() => Int, { description: 'Working days counted so far (to now or the stop), pauses excluded.' })
  workingDaysElapsed!: number;

  @Field(() => Int, {
    nullable: true,
    description:
      "Working days from today to the due date under the clock's calendar and region (holidays included); below zero, how many it is late. Null once stopped or while paused.",
  })
  workingDaysLeft!: number | null;

  @Field(() => [SlaClockPause])
  pauses!: SlaClockPause[];

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the breach was put on the record.' })
  breachRecordedAt!: string | null;

  @Field(() => Complaint, { description: 'The complaint the clock times.' })
  complaint!: Complaint;
}

@ObjectType()
export class OverdueClockEdge {
  @Field()
  cursor!: string;

  @Field(() => SlaClock)
  node!: SlaClock;
}

@ObjectType({ description: 'Running SLA clocks past their due instant, most overdue first.' })
export class OverdueClockConnection {
  @Field(() => [OverdueClockEdge])
  edges!: OverdueClockEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int)
  totalCount!: number;
}

@ObjectType({ description: "A complaint's service-level clocks." })
export class ComplaintSla {
  @Field(() => [SlaClock])
  clocks!: SlaClock[];
}

// ── periods and performance ────────────────────────────────────────────────────────────────────────

@InputType({
  description:
    'A month (year + month), a quarter (year + quarter), a year (year alone) or a range (from + to), in Jakarta dates.',
})
export class PeriodInput {
  @Field(() => Int, { nullable: true })
  year?: number | null;

  @Field(() => Int, { nullable: true, description: '1..12' })
  month?: number | null;

  @Field(() => Int, { nullable: true, description: '1..4' })
  quarter?: number | null;

  @Field(() => GraphQLLocalDate, { nullable: true })
  from?: string | null;

  @Field(() => GraphQLLocalDate, { nullable: true })
  to?: string | null;
}

@ObjectType()
export class EvaluationPeriod {
  @Field(() => EvaluationPeriodKindEnum)
  kind!: PeriodKind;

  @Field(() => GraphQLLocalDate)
  from!: string;

  @Field(() => GraphQLLocalDate)
  to!: string;
}

@ObjectType({ description: 'Open forwardings by working days since they were forwarded.' })
export class AgeingBucketCount {
  @Field({ description: `One of ${AGEING_BUCKETS.join(', ')} working days.` })
  bucket!: string;

  @Field(() => Int)
  open!: number;
}

@ObjectType({
  description:
    "An agency's performance (*kinerja*) in a period, computed from the event log: what *evaluasi berkala* looks at.",
})
export class AgencyPerformance {
  @Field(() => Agency)
  agency!: Agency;

  @Field(() => EvaluationPeriod)
  period!: EvaluationPeriod;

  @Field(() => GraphQLDateTime, { description: 'The moment the figures describe.' })
  asOf!: string;

  @Field(() => Int, { description: 'Complaints of the agency received by Kemensetneg in the period.' })
  received!: number;

  @Field(() => Int)
  forwarded!: number;

  @Field(() => Int)
  acknowledged!: number;

  @Field(() => Int)
  responded!: number;

  @Field(() => Int)
  respondedWithinSla!: number;

  @Field(() => Number, { nullable: true, description: 'Percent of responses within the SLA (2 decimals).' })
  respondedWithinSlaPercent!: number | null;

  @Field(() => Number, { nullable: true })
  medianWorkingDaysToFirstResponse!: number | null;

  @Field(() => Number, { nullable: true })
  p90WorkingDaysToFirstResponse!: number | null;

  @Field(() => Int)
  open!: number;

  @Field(() => Int)
  overdue!: number;

  @Field(() => [AgeingBucketCount])
  ageing!: AgeingBucketCount[];

  @Field(() => Int, { description: 'Reminder letters (*surat pengingat*) sent to the agency.' })
  remindersSent!: number;

  @Field(() => Int)
  resolved!: number;

  @Field(() => Int)
  reopened!: number;

  @Field(() => Number, { nullable: true })
  reopenedPercent!: number | null;

  @Field(() => Int, { description: 'Responses saying the matter is not the agency’s (misrouted).' })
  notCompetent!: number;

  @Field(() => Number, { nullable: true })
  notCompetentPercent!: number | null;

  @Field(() => Int)
  satisfactionRatings!: number;

  @Field(() => Number, { nullable: true, description: 'Mean complainant satisfaction, 1..5 (2 decimals).' })
  meanSatisfaction!: number | null;
}

@ObjectType()
export class AgencyRankingEntry {
  @Field(() => Int)
  rank!: number;

  @Field(() => Agency)
  agency!: Agency;

  @Field(() => AgencyPerformance)
  performance!: AgencyPerformance;
}

// ── SLA policy ─────────────────────────────────────────────────────────────────────────────────────

@ObjectType()
export class SlaClockLimit {
  @Field(() => SlaClockKindEnum)
  kind!: ClockKind;

  @Field(() => Int)
  length!: number;

  @Field(() => SlaDurationUnitEnum)
  unit!: DurationUnit;

  @Field({ description: 'What starts, pauses and stops the clock.' })
  description!: string;
}

@ObjectType({
  description: 'A version of the SLA policy; it applies to clocks started on or after effectiveFrom.',
})
export class SlaPolicyVersion {
  @Field(() => Int, { description: '0 is the built-in default.' })
  version!: number;

  @Field(() => GraphQLLocalDate)
  effectiveFrom!: string;

  @Field(() => [SlaClockLimit])
  limits!: SlaClockLimit[];

  @Field()
  reason!: string;

  @Field(() => String, { nullable: true })
  changedBy!: string | null;

  @Field(() => GraphQLDateTime, { nullable: true })
  changedAt!: string | null;
}

@InputType()
export class SlaClockLimitInput {
  @Field(() => SlaClockKindEnum)
  kind!: ClockKind;

  @Field(() => Int)
  length!: number;

  @Field(() => SlaDurationUnitEnum)
  unit!: DurationUnit;
}

@InputType()
export class ChangeSlaPolicyInput {
  @Field(() => GraphQLLocalDate, { description: 'Today or later: a change never reaches back.' })
  effectiveFrom!: string;

  @Field(() => [SlaClockLimitInput], { description: 'Only the clocks that change.' })
  limits!: SlaClockLimitInput[];

  @Field()
  reason!: string;
}

// ── calendar ───────────────────────────────────────────────────────────────────────────────────────

@ObjectType({ description: 'A non-working day of the working-day calendar.' })
export class CalendarHoliday {
  @Field(() => GraphQLLocalDate)
  date!: string;

  @Field(() => CalendarHolidayKindEnum)
  kind!: HolidayKind;

  @Field()
  name!: string;

  @Field(() => String, { nullable: true, description: 'ISO 3166-2 region code of a regional holiday.' })
  region!: string | null;

  @Field(() => String, { nullable: true })
  note!: string | null;
}

@InputType()
export class AddHolidayInput {
  @Field(() => GraphQLLocalDate)
  date!: string;

  @Field(() => CalendarHolidayKindEnum)
  kind!: HolidayKind;

  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  region?: string | null;

  @Field(() => String, { nullable: true })
  note?: string | null;
}

// ── evaluation rounds ──────────────────────────────────────────────────────────────────────────────

@ObjectType()
export class EvaluationFinding {
  @Field(() => ID)
  findingId!: string;

  @Field()
  text!: string;

  @Field(() => String, { nullable: true, description: 'The KPI the finding is about, if any.' })
  kpi!: string | null;
}

@ObjectType()
export class EvaluationRecommendation {
  @Field(() => ID)
  recommendationId!: string;

  @Field()
  text!: string;
}

@ObjectType({ description: 'A follow-up action (*rencana tindak lanjut*) agreed in the round.' })
export class EvaluationFollowUpAction {
  @Field(() => ID)
  actionId!: string;

  @Field()
  description!: string;

  @Field(() => FollowUpActionOwnerEnum)
  owner!: ActionOwner;

  @Field(() => GraphQLLocalDate)
  dueDate!: string;
}

@ObjectType({ description: 'A signature on the berita acara.' })
export class BeritaAcaraSignature {
  @Field(() => BeritaAcaraSideEnum)
  side!: SigningSide;

  @Field()
  signerName!: string;

  @Field()
  position!: string;

  @Field(() => String, { nullable: true, description: 'Electronic signature reference (BSrE/TTE).' })
  signatureReference!: string | null;

  @Field(() => GraphQLDateTime)
  signedAt!: string;
}

@ObjectType({
  description:
    'An evaluation round (*evaluasi berkala*) of one agency for one period, finalised as a berita acara signed by both sides.',
})
@Directive('@key(fields: "id")')
export class Evaluation {
  @Field(() => ID)
  id!: string;

  @Field(() => Agency)
  agency!: Agency;

  @Field(() => EvaluationPeriod)
  period!: EvaluationPeriod;

  @Field(() => EvaluationStatusEnum)
  status!: EvaluationStatus;

  @Field(() => AgencyPerformance, { description: 'The KPIs as they stood when the round was opened.' })
  kpis!: AgencyPerformance;

  @Field(() => [EvaluationFinding])
  findings!: EvaluationFinding[];

  @Field(() => [EvaluationRecommendation])
  recommendations!: EvaluationRecommendation[];

  @Field(() => [EvaluationFollowUpAction])
  followUpActions!: EvaluationFollowUpAction[];

  @Field(() => [BeritaAcaraSignature])
  signatures!: BeritaAcaraSignature[];

  @Field(() => GraphQLDateTime)
  openedAt!: string;

  @Field(() => GraphQLDateTime, { nullable: true })
  finalisedAt!: string | null;

  @Field(() => Int, { description: 'Send back as expectedVersion to refuse a change made meanwhile.' })
  version!: number;
}

@ObjectType({ description: 'Thanks for rating: what was recorded, without anything about the complainant.' })
export class SatisfactionRatingReceipt {
  @Field()
  trackingNumber!: string;

  @Field(() => Int, {
    description: 'Which resolution of the complaint was rated (1, then 2 after a reopening, …).',
  })
  resolution!: number;

  @Field(() => Int)
  rating!: number;

  @Field(() => GraphQLDateTime)
  ratedAt!: string;
}

@ObjectType()
export class EvaluationEdge {
  @Field()
  cursor!: string;

  @Field(() => Evaluation)
  node!: Evaluation;
}

@ObjectType({ description: 'Evaluation rounds a page at a time, newest first.' })
export class EvaluationConnection {
  @Field(() => [EvaluationEdge])
  edges!: EvaluationEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
