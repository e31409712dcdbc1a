/**
 * The complaint subgraph's GraphQL types. Descriptions carry the Indonesian terms users say.
 * Objects are filled from read-model documents (services/complaint/projection.ts) already masked for
 * the caller; computed fields live in resolvers.ts.
 */
import { GraphQLDateTime } from 'graphql-scalars';
import { Directive, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfo } from '../../shared/graphql/connection';
import {
  AGENCY_RESPONSE_OUTCOMES,
  type AgencyResponseOutcome,
  CHANNELS,
  type Channel,
  COMPLAINT_STATUSES,
  type ComplaintStatus,
  FORWARDING_STATUSES,
  type ForwardingStatus,
  REJECTION_REASONS,
  type RejectionReason,
} from '../domain';

const enumOf = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const ComplaintStatusEnum = enumOf(COMPLAINT_STATUSES);
export const ChannelEnum = enumOf(CHANNELS);
export const RejectionReasonEnum = enumOf(REJECTION_REASONS);
export const ForwardingStatusEnum = enumOf(FORWARDING_STATUSES);
export const AgencyResponseOutcomeEnum = enumOf(AGENCY_RESPONSE_OUTCOMES);
export type { AgencyResponseOutcome };
export const ComplainantAccessEnum = enumOf(['VISIBLE', 'MASKED', 'ERASED'] as const);
export type ComplainantAccess = keyof typeof ComplainantAccessEnum;

registerEnumType(ComplaintStatusEnum, {
  name: 'ComplaintStatus',
  description: 'Where a complaint (*pengaduan*) stands in its lifecycle.',
});
registerEnumType(ChannelEnum, {
  name: 'Channel',
  description: 'The channel (*kanal*) a complaint came in by.',
});
registerEnumType(RejectionReasonEnum, {
  name: 'RejectionReason',
  description: 'Why a complaint was not taken up.',
});
registerEnumType(ForwardingStatusEnum, {
  name: 'ForwardingStatus',
  description: "An agency's progress on a complaint forwarded to it.",
});
registerEnumType(AgencyResponseOutcomeEnum, {
  name: 'AgencyResponseOutcome',
  description:
    "FOLLOWED_UP: the agency handled it; NOT_COMPETENT: the agency says it is not its matter (misrouted, counted in the agency's evaluation).",
});
registerEnumType(ComplainantAccessEnum, {
  name: 'ComplainantAccess',
  description:
    'VISIBLE: the identity is shown; MASKED: the caller may not see it; ERASED: destroyed on request (UU PDP).',
});

/** An agency (*instansi*), owned by the correspondence subgraph; referenced here by key. */
@ObjectType({ description: 'A partner agency (*instansi*: K/L/D).' })
@Directive('@key(fields: "id", resolvable: false)')
export class Agency {
  @Field(() => ID)
  id!: string;
}

@ObjectType({ description: "The complainant's identity (*identitas pelapor*), personal data under UU PDP." })
export class Complainant {
  @Field(() => ComplainantAccessEnum)
  access!: ComplainantAccess;

  @Field(() => String, { nullable: true })
  name!: string | null;

  @Field(() => String, { nullable: true, description: 'Nomor Induk Kependudukan (16 digits).' })
  nik!: string | null;

  @Field(() => String, { nullable: true })
  email!: string | null;

  @Field(() => String, { nullable: true })
  phone!: string | null;

  @Field(() => String, { nullable: true })
  address!: string | null;
}

@ObjectType({ description: 'One forwarding of the complaint to one agency, with its own follow-up.' })
export class Forwarding {
  @Field(() => ID)
  forwardingId!: string;

  @Field(() => ID)
  agencyId!: string;

  @Field(() => Agency)
  agency!: Agency;

  @Field(() => ForwardingStatusEnum)
  status!: ForwardingStatus;

  @Field(() => GraphQLDateTime)
  forwardedAt!: string;

  @Field(() => GraphQLDateTime, { nullable: true })
  acknowledgedAt!: string | null;

  @Field(() => GraphQLDateTime, { nullable: true })
  respondedAt!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The agency's follow-up report (*laporan hasil tindak lanjut*).",
  })
  response!: string | null;

  @Field({ description: "Part of the complaint's current round (false once replaced or after a reopen)." })
  current!: boolean;
}

@ObjectType()
export class Rejection {
  @Field(() => RejectionReasonEnum)
  reason!: RejectionReason;

  @Field()
  note!: string;

  @Field(() => ID, { nullable: true })
  duplicateOf!: string | null;

  @Field(() => GraphQLDateTime)
  at!: string;
}

@ObjectType()
export class Resolution {
  @Field()
  resolution!: string;

  @Field(() => GraphQLDateTime)
  at!: string;
}

@ObjectType({ description: 'A pending request for information to the complainant (clocks pause meanwhile).' })
export class InformationRequest {
  @Field()
  question!: string;

  @Field(() => GraphQLDateTime)
  at!: string;
}

@ObjectType({
  description: 'A change of the confidential / anonymous flags: who, when and why is on record.',
})
export class PrivacyChange {
  @Field()
  confidential!: boolean;

  @Field()
  anonymous!: boolean;

  @Field(() => String, { nullable: true })
  reason!: string | null;

  @Field()
  by!: string;

  @Field(() => GraphQLDateTime)
  at!: string;
}

@ObjectType({ description: 'A public complaint (*pengaduan masyarakat*) addressed to the President.' })
@Directive('@key(fields: "id")')
export class Complaint {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'The human tracking number, DUMAS-<year>-<6 digits>.' })
  trackingNumber!: string;

  @Field(() => ComplaintStatusEnum)
  status!: ComplaintStatus;

  @Field(() => ChannelEnum)
  channel!: Channel;

  @Field(() => String, {
    nullable: true,
    description:
      "The channel's own reference (message id, letter number, LAPOR tracking id); masked with the identity.",
  })
  channelReference!: string | null;

  @Field()
  subject!: string;

  @Field()
  description!: string;

  @Field(() => String, { nullable: true })
  category!: string | null;

  @Field(() => String, { nullable: true })
  region!: string | null;

  @Field({ description: '*Rahasia*: hidden from anyone without need.' })
  confidential!: boolean;

  @Field({ description: "*Anonim*: the complainant's identity is hidden from agencies and the public." })
  anonymous!: boolean;

  @Field(() => Complainant, {
    nullable: true,
    description: 'Null when the complaint was filed without identity.',
  })
  complainant!: Complainant | null;

  @Field(() => [Agency], { description: 'Every agency the complaint was forwarded to.' })
  agencies!: Agency[];

  @Field(() => [Forwarding], { description: 'Every forwarding, oldest first.' })
  forwardings!: Forwarding[];

  @Field(() => InformationRequest, { nullable: true })
  informationRequest!: InformationRequest | null;

  @Field(() => Rejection, { nullable: true })
  rejection!: Rejection | null;

  @Field(() => Resolution, { nullable: true })
  resolution!: Resolution | null;

  @Field(() => Int)
  reopenCount!: number;

  @Field(() => [PrivacyChange])
  privacyHistory!: PrivacyChange[];

  @Field(() => GraphQLDateTime)
  receivedAt!: string;

  @Field(() => GraphQLDateTime)
  updatedAt!: string;

  @Field(() => Int, { description: 'The revision of the case: send it back as `expectedVersion`.' })
  version!: number;
}

@ObjectType()
export class ComplaintEdge {
  @Field()
  cursor!: string;

  @Field(() => Complaint)
  node!: Complaint;
}

@ObjectType()
export class ComplaintConnection {
  @Field(() => [ComplaintEdge])
  edges!: ComplaintEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  /** Counted only when selected (a getter in the resolver): a count is the dearest part of a page. */
  @Field(() => Int)
  totalCount!: number | Promise<number>;
}

@ObjectType({
  description: 'What filing returns: the complaint and, for the complainant, the access code (shown once).',
})
export class FiledComplaint {
  @Field(() => Complaint)
  complaint!: Complaint;

  @Field(() => String, {
    nullable: true,
    description:
      'The secret access code for trackComplaint; shown only in this reply, never stored in clear.',
  })
  accessCode!: string | null;
}

@ObjectType({ description: 'The public tracking page: status only.' })
export class PublicComplaintStatus {
  @Field()
  trackingNumber!: string;

  @Field(() => ComplaintStatusEnum)
  status!: ComplaintStatus;

  @Field(() => GraphQLDateTime)
  receivedAt!: string;

  @Field(() => GraphQLDateTime)
  updatedAt!: string;
}

@InputType()
export class ComplainantInput {
  @Field({ description: 'Full name (required when an identity is given).' })
  name!: string;

  @Field(() => String, { nullable: true })
  nik?: string | null;

  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => String, { nullable: true })
  phone?: string | null;

  @Field(() => String, { nullable: true })
  address?: string | null;
}

@InputType()
export class FileComplaintInput {
  @Field(() => ChannelEnum, {
    nullable: true,
    description: 'WEB for the public form (the only channel without a token); officers record the others.',
  })
  channel?: Channel | null;

  @Field(() => String, { nullable: true })
  channelReference?: string | null;

  @Field()
  subject!: string;

  @Field()
  description!: string;

  @Field(() => String, { nullable: true })
  category?: string | null;

  @Field(() => String, { nullable: true })
  region?: string | null;

  @Field(() => ComplainantInput, { nullable: true })
  complainant?: ComplainantInput | null;

  @Field(() => Boolean, { nullable: true })
  confidential?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  anonymous?: boolean | null;

  @Field(() => String, {
    nullable: true,
    description: 'Makes a retry safe: the same key returns the complaint the first attempt created.',
  })
  idempotencyKey?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Officers: hand the complainant an access code.' })
  issueAccessCode?: boolean | null;
}

@InputType({ description: 'Instants from and to, both included.' })
export class ReceivedRangeInput {
  @Field(() => GraphQLDateTime)
  from!: Date;

  @Field(() => GraphQLDateTime)
  to!: Date;
}

@ObjectType()
export class ChannelCount {
  @Field(() => ChannelEnum)
  channel!: Channel;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'How many complaints each channel received in one range.' })
export class ComplaintInflow {
  @Field(() => GraphQLDateTime)
  from!: string;

  @Field(() => GraphQLDateTime)
  to!: string;

  @Field(() => [ChannelCount], { description: 'Every channel, in the order of the Channel enum.' })
  channels!: ChannelCount[];
}

@InputType()
export class ComplaintFilterInput {
  @Field(() => [ComplaintStatusEnum], { nullable: true })
  status?: ComplaintStatus[] | null;

  @Field(() => ID, { nullable: true })
  agencyId?: string | null;

  @Field(() => [ChannelEnum], { nullable: true })
  channel?: Channel[] | null;

  @Field(() => GraphQLDateTime, { nullable: true })
  receivedFrom?: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true })
  receivedTo?: Date | null;

  @Field(() => String, {
    nullable: true,
    description: 'Words in the subject, description, tracking number, category or region.',
  })
  text?: string | null;

  @Field(() => Boolean, { nullable: true })
  confidential?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  anonymous?: boolean | null;
}
