/**
 * The correspondence subgraph's GraphQL types: the agency directory (*instansi*, focal points / *PIC*) and
 * letters (*surat*). Objects are filled from read-model documents (services/correspondence/projections.ts)
 * already filtered for the caller; entity links (agency, complaints, related letters) are field resolvers.
 */
import { GraphQLDateTime } from 'graphql-scalars';
import { PageInfo } from '../../shared/graphql/connection';
import { Directive, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import {
  AGENCY_KINDS,
  AGENCY_ONBOARDING_STATUSES,
  type AgencyKind,
  type AgencyOnboardingStatus,
  type FocalPointEndReason,
  LETTER_CHANNELS,
  LETTER_KINDS,
  LETTER_STATES,
  type LetterChannel,
  type LetterDirection,
  type LetterKind,
  type LetterStatus,
  OUTBOUND_LETTER_KINDS,
  type OutboundLetterKind,
} from '../domain';

const enumOf = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const AgencyKindEnum = enumOf(AGENCY_KINDS);
export const AgencyOnboardingStatusEnum = enumOf(AGENCY_ONBOARDING_STATUSES);
export const FocalPointEndReasonEnum = enumOf(['ENDED', 'REPLACED'] as const);
export const LetterKindEnum = enumOf(LETTER_KINDS);
export const OutboundLetterKindEnum = enumOf(OUTBOUND_LETTER_KINDS);
export const LetterStatusEnum = enumOf(LETTER_STATES);
export const LetterChannelEnum = enumOf(LETTER_CHANNELS);
export const LetterDirectionEnum = enumOf(['OUTBOUND', 'INBOUND'] as const);

registerEnumType(AgencyKindEnum, {
  name: 'AgencyKind',
  description: 'Kementerian/lembaga, provinsi, kabupaten, kota.',
});
registerEnumType(AgencyOnboardingStatusEnum, {
  name: 'AgencyOnboardingStatus',
  description:
    'Stage 5 of focal-point strengthening: in the directory, pilot under an MoU, active, suspended.',
});
registerEnumType(FocalPointEndReasonEnum, { name: 'FocalPointEndReason' });
registerEnumType(LetterKindEnum, {
  name: 'LetterKind',
  description:
    'FOLLOW_UP_REQUEST (*surat permintaan tindak lanjut*), REMINDER (*surat pengingat*), AGENCY_REPLY (*surat balasan*, inbound), COMPLAINANT_NOTICE (*surat pemberitahuan*).',
});
registerEnumType(OutboundLetterKindEnum, {
  name: 'OutboundLetterKind',
  description: 'Kinds Kemensetneg drafts.',
});
registerEnumType(LetterStatusEnum, {
  name: 'LetterStatus',
  description:
    'DRAFT → APPROVED (signed, numbered) → SENT → DELIVERED → ACKNOWLEDGED (read by the PIC) → REPLIED.',
});
registerEnumType(LetterChannelEnum, {
  name: 'LetterChannel',
  description: 'EOFFICE is Srikandi, the government e-office.',
});
registerEnumType(LetterDirectionEnum, { name: 'LetterDirection' });

@ObjectType()
export class AgencyContact {
  @Field(() => [String])
  emails!: string[];

  @Field(() => String, { nullable: true })
  phone!: string | null;

  @Field(() => String, { nullable: true })
  address!: string | null;
}

@ObjectType({ description: 'One appointment of a focal point (*PIC*, *pejabat penghubung*).' })
export class FocalPoint {
  @Field(() => ID)
  appointmentId!: string;

  @Field(() => ID, { description: 'The PIC user account (the subject of its AGENCY token).' })
  userId!: string;

  @Field()
  name!: string;

  @Field({ description: '*Jabatan*.' })
  position!: string;

  @Field(() => String, { nullable: true, description: 'Shown to staff and to the agency itself.' })
  email!: string | null;

  @Field(() => String, { nullable: true, description: 'Shown to staff and to the agency itself.' })
  phone!: string | null;

  @Field(() => GraphQLDateTime)
  from!: string;

  @Field(() => GraphQLDateTime, { nullable: true })
  to!: string | null;

  @Field(() => FocalPointEndReasonEnum, { nullable: true })
  endReason!: FocalPointEndReason | null;

  @Field(() => String, { nullable: true })
  endNote!: string | null;

  @Field(() => ID, { nullable: true })
  replacedByAppointmentId!: string | null;

  @Field()
  current!: boolean;
}

@ObjectType({
  description: 'A change of onboarding state, with who, when and the MoU reference, note or reason.',
})
export class OnboardingChange {
  @Field(() => AgencyOnboardingStatusEnum)
  status!: AgencyOnboardingStatus;

  @Field(() => AgencyOnboardingStatusEnum, { nullable: true })
  from!: AgencyOnboardingStatus | null;

  @Field(() => GraphQLDateTime)
  at!: string;

  @Field(() => String, { nullable: true })
  by!: string | null;

  @Field(() => String, { nullable: true })
  remark!: string | null;
}

@ObjectType({ description: 'A partner agency (*instansi*: K/L/D) of the directory.' })
@Directive('@key(fields: "id")')
export class Agency {
  @Field(() => ID, { description: 'A stable slug such as inspektorat-bantul.' })
  id!: string;

  @Field()
  name!: string;

  @Field(() => AgencyKindEnum)
  kind!: AgencyKind;

  @Field()
  region!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'Province code (ISO 3166-2:ID, e.g. ID-YO) whose regional holidays apply to the clocks of forwardings to this agency; null for the central government.',
  })
  regionCode!: string | null;

  @Field(() => ID, { nullable: true })
  parentAgencyId!: string | null;

  @Field(() => AgencyContact)
  contact!: AgencyContact;

  @Field(() => AgencyOnboardingStatusEnum)
  onboardingStatus!: AgencyOnboardingStatus;

  @Field(() => [OnboardingChange])
  onboardingHistory!: OnboardingChange[];

  @Field(() => [FocalPoint], { description: 'Every appointment, oldest first: who was PIC when.' })
  focalPoints!: FocalPoint[];

  @Field(() => FocalPoint, { nullable: true })
  currentFocalPoint!: FocalPoint | null;

  @Field(() => GraphQLDateTime)
  createdAt!: string;

  @Field(() => GraphQLDateTime)
  updatedAt!: string;

  @Field(() => Int, { description: 'Send it back as `expectedVersion`.' })
  version!: number;
}

/** A complaint, owned by the complaint subgraph: extended here with its letters. */
@ObjectType()
@Directive('@key(fields: "id")')
export class Complaint {
  @Field(() => ID)
  id!: string;
}

@ObjectType()
export class LetterSigner {
  @Field()
  name!: string;

  @Field()
  position!: string;

  @Field(() => ID, { nullable: true })
  userId!: string | null;
}

@ObjectType({ description: 'An attachment (*lampiran*), stored by content hash.' })
export class LetterAttachment {
  @Field({ description: 'Lowercase hex SHA-256 of the content.' })
  sha256!: string;

  @Field()
  filename!: string;

  @Field()
  mediaType!: string;

  @Field(() => Int, { description: 'Bytes.' })
  size!: number;
}

@ObjectType({
  description: 'A letter (*surat*) between Kemensetneg and an agency, or a notice to a complainant.',
})
@Directive('@key(fields: "id")')
export class Letter {
  @Field(() => ID)
  id!: string;

  @Field(() => LetterKindEnum)
  kind!: LetterKind;

  @Field(() => LetterDirectionEnum)
  direction!: LetterDirection;

  @Field(() => LetterStatusEnum)
  state!: LetterStatus;

  @Field(() => ID, { nullable: true })
  agencyId!: string | null;

  @Field(() => [ID])
  complaintIds!: string[];

  @Field()
  subject!: string;

  @Field()
  body!: string;

  @Field(() => LetterSigner, { nullable: true })
  signer!: LetterSigner | null;

  @Field(() => [LetterAttachment])
  attachments!: LetterAttachment[];

  @Field(() => ID, {
    nullable: true,
    description: 'The letter a REMINDER chases or an AGENCY_REPLY answers.',
  })
  relatedLetterId!: string | null;

  @Field(() => [ID])
  replyLetterIds!: string[];

  @Field(() => String, { nullable: true, description: '*Nomor surat*, assigned on approval.' })
  number!: string | null;

  @Field(() => String, { nullable: true, description: 'BSrE/TTE electronic-signature reference.' })
  signatureReference!: string | null;

  @Field(() => LetterChannelEnum, { nullable: true })
  channel!: LetterChannel | null;

  @Field(() => String, { nullable: true, description: 'Srikandi e-office number.' })
  eOfficeNumber!: string | null;

  @Field(() => String, { nullable: true })
  messageId!: string | null;

  @Field(() => String, { nullable: true, description: "The agency's own number on an inbound reply." })
  agencyLetterNumber!: string | null;

  @Field(() => String, { nullable: true })
  agencyLetterDate!: string | null;

  @Field(() => String, { nullable: true })
  deliveryEvidence!: string | null;

  @Field(() => GraphQLDateTime, { nullable: true })
  draftedAt!: string | null;

  @Field(() => GraphQLDateTime, { nullable: true })
  approvedAt!: string | null;

  @Field(() => String, { nullable: true })
  approvedBy!: string | null;

  @Field(() => GraphQLDateTime, { nullable: true })
  sentAt!: string | null;

  @Field(() => GraphQLDateTime, { nullable: true })
  deliveredAt!: string | null;

  @Field(() => GraphQLDateTime, { nullable: true })
  acknowledgedAt!: string | null;

  @Field(() => GraphQLDateTime, { nullable: true })
  repliedAt!: string | null;

  @Field(() => String, { nullable: true, description: 'Inbound: the PIC or the officer who registered it.' })
  registeredBy!: string | null;

  @Field(() => GraphQLDateTime)
  createdAt!: string;

  @Field(() => GraphQLDateTime)
  updatedAt!: string;

  @Field(() => Int, { description: 'Send it back as `expectedVersion`.' })
  version!: number;
}

// ── inputs ─────────────────────────────────────────────────────────────────────────────────────────

@InputType()
export class AgencyContactInput {
  @Field(() => [String], { nullable: true })
  emails?: string[] | null;

  @Field(() => String, { nullable: true })
  phone?: string | null;

  @Field(() => String, { nullable: true })
  address?: string | null;
}

@InputType()
export class CreateAgencyInput {
  @Field(() => ID, { description: 'A lowercase slug such as inspektorat-bantul.' })
  id!: string;

  @Field()
  name!: string;

  @Field(() => AgencyKindEnum)
  kind!: AgencyKind;

  @Field()
  region!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'Province code from the fixed list (ISO 3166-2:ID, e.g. ID-YO); absent for the central government.',
  })
  regionCode?: string | null;

  @Field(() => ID, { nullable: true })
  parentAgencyId?: string | null;

  @Field(() => AgencyContactInput, { nullable: true })
  contact?: AgencyContactInput | null;
}

@InputType({ description: 'Absent fields stay as they are; parentAgencyId null removes the parent.' })
export class UpdateAgencyInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => AgencyKindEnum, { nullable: true })
  kind?: AgencyKind | null;

  @Field(() => String, { nullable: true })
  region?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'A province code (ISO 3166-2:ID); an empty string removes it.',
  })
  regionCode?: string | null;

  @Field(() => ID, { nullable: true })
  parentAgencyId?: string | null;

  @Field(() => AgencyContactInput, { nullable: true })
  contact?: AgencyContactInput | null;
}

@InputType()
export class AppointFocalPointInput {
  @Field(() => ID, {
    nullable: true,
    description: 'Chosen by the client to make a retry safe; generated when absent.',
  })
  appointmentId?: string | null;

  @Field(() => ID)
  userId!: string;

  @Field()
  name!: string;

  @Field()
  position!: string;

  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => String, { nullable: true })
  phone?: string | null;
}

@InputType()
export class AgencyFilterInput {
  @Field(() => AgencyKindEnum, { nullable: true })
  kind?: AgencyKind | null;

  @Field(() => String, { nullable: true })
  region?: string | null;

  @Field(() => [AgencyOnboardingStatusEnum], { nullable: true })
  onboardingStatus?: AgencyOnboardingStatus[] | null;

  @Field(() => ID, { nullable: true })
  parentAgencyId?: string | null;

  @Field(() => String, { nullable: true, description: 'Words of the name or id.' })
  search?: string | null;

  @Field(() => ID, { nullable: true, description: 'The agency this PIC user currently answers for.' })
  focalPointUserId?: string | null;
}

@InputType()
export class LetterFilterInput {
  @Field(() => ID, { nullable: true })
  agencyId?: string | null;

  @Field(() => ID, { nullable: true })
  complaintId?: string | null;

  @Field(() => [LetterKindEnum], { nullable: true })
  kind?: LetterKind[] | null;

  @Field(() => [LetterStatusEnum], { nullable: true })
  state?: LetterStatus[] | null;

  @Field(() => String, { nullable: true })
  number?: string | null;
}

@InputType()
export class LetterSignerInput {
  @Field()
  name!: string;

  @Field()
  position!: string;

  @Field(() => ID, { nullable: true })
  userId?: string | null;
}

@InputType({
  description:
    'An attachment: new content as base64 (verified against sha256 when given), or an already stored one by sha256 alone.',
})
export class AttachmentInput {
  @Field()
  filename!: string;

  @Field({ description: 'e.g. application/pdf' })
  mediaType!: string;

  @Field(() => String, { nullable: true })
  contentBase64?: string | null;

  @Field(() => String, { nullable: true })
  sha256?: string | null;
}

@InputType()
export class DraftLetterInput {
  @Field(() => ID, {
    nullable: true,
    description: 'Chosen by the client to make a retry safe; generated when absent.',
  })
  id?: string | null;

  @Field(() => OutboundLetterKindEnum)
  kind!: OutboundLetterKind;

  @Field(() => ID, { nullable: true })
  agencyId?: string | null;

  @Field(() => [ID])
  complaintIds!: string[];

  @Field()
  subject!: string;

  @Field()
  body!: string;

  @Field(() => LetterSignerInput, { nullable: true })
  signer?: LetterSignerInput | null;

  @Field(() => ID, { nullable: true })
  relatedLetterId?: string | null;

  @Field(() => [AttachmentInput], { nullable: true })
  attachments?: AttachmentInput[] | null;
}

@InputType({ description: 'Absent fields stay as they are; attachments, when given, replace the list.' })
export class ReviseLetterInput {
  @Field(() => String, { nullable: true })
  subject?: string | null;

  @Field(() => String, { nullable: true })
  body?: string | null;

  @Field(() => [ID], { nullable: true })
  complaintIds?: string[] | null;

  @Field(() => LetterSignerInput, { nullable: true })
  signer?: LetterSignerInput | null;

  @Field(() => Boolean, { nullable: true, description: 'true removes the signer.' })
  removeSigner?: boolean | null;

  @Field(() => ID, { nullable: true })
  relatedLetterId?: string | null;

  @Field(() => [AttachmentInput], { nullable: true })
  attachments?: AttachmentInput[] | null;
}

@InputType({
  description: "An agency's reply (*surat balasan / laporan hasil tindak lanjut*), received and registered.",
})
export class RegisterAgencyReplyInput {
  @Field(() => ID, {
    nullable: true,
    description: 'Chosen by the client to make a retry safe; generated when absent.',
  })
  id?: string | null;

  @Field(() => ID, { nullable: true, description: "Default: the caller's own agency (AGENCY tokens)." })
  agencyId?: string | null;

  @Field(() => ID, {
    nullable: true,
    description: 'The letter this answers (a follow-up request or reminder).',
  })
  relatedLetterId?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Default: the complaints of the letter it answers.' })
  complaintIds?: string[] | null;

  @Field()
  subject!: string;

  @Field()
  body!: string;

  @Field(() => String, { nullable: true })
  agencyLetterNumber?: string | null;

  @Field(() => String, { nullable: true, description: 'ISO 8601 date of the agency letter.' })
  agencyLetterDate?: string | null;

  @Field(() => String, { nullable: true })
  eOfficeNumber?: string | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When it reached Kemensetneg; default now.' })
  receivedAt?: Date | null;

  @Field(() => [AttachmentInput], { nullable: true })
  attachments?: AttachmentInput[] | null;
}

@ObjectType()
export class LetterEdge {
  @Field()
  cursor!: string;

  @Field(() => Letter)
  node!: Letter;
}

@ObjectType({
  description:
    'Letters a page at a time, newest first: each page starts from the index right after the last one seen.',
})
export class LetterConnection {
  @Field(() => [LetterEdge])
  edges!: LetterEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@ObjectType()
export class AgencyEdge {
  @Field()
  cursor!: string;

  @Field(() => Agency)
  node!: Agency;
}

@ObjectType({ description: 'The agency directory a page at a time, by name.' })
export class AgencyConnection {
  @Field(() => [AgencyEdge])
  edges!: AgencyEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
