/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** An attachment: new content as base64 (verified against sha256 when given), or an already stored one by sha256 alone. */
export type AttachmentInput = {
  filename: string;
  /** e.g. application/pdf */
  mediaType: string;
  contentBase64?: string | null | undefined;
  sha256?: string | null | undefined;
};

export type BeritaAcaraSide =
  | 'KEMENSETNEG'
  | 'AGENCY';

/** The channel (*kanal*) a complaint came in by. */
export type Channel =
  | 'EMAIL'
  | 'WHATSAPP'
  | 'WEB'
  | 'LETTER'
  | 'LAPOR'
  | 'WALK_IN';

/** VISIBLE: the identity is shown; MASKED: the caller may not see it; ERASED: destroyed on request (UU PDP). */
export type ComplainantAccess =
  | 'VISIBLE'
  | 'MASKED'
  | 'ERASED';

export type ComplainantInput = {
  /** Full name (required when an identity is given). */
  name: string;
  nik?: string | null | undefined;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  address?: string | null | undefined;
};

export type ComplaintFilterInput = {
  status?: Array<ComplaintStatus> | null | undefined;
  agencyId?: string | number | null | undefined;
  channel?: Array<Channel> | null | undefined;
  receivedFrom?: string | null | undefined;
  receivedTo?: string | null | undefined;
  /** Words in the subject, description, tracking number, category or region. */
  text?: string | null | undefined;
  confidential?: boolean | null | undefined;
  anonymous?: boolean | null | undefined;
};

/** Where a complaint (*pengaduan*) stands in its lifecycle. */
export type ComplaintStatus =
  | 'RECEIVED'
  | 'AWAITING_INFORMATION'
  | 'VERIFIED'
  | 'FORWARDED'
  | 'IN_FOLLOW_UP'
  | 'RESPONDED'
  | 'RESOLVED'
  | 'CLOSED'
  | 'REJECTED';

export type EvaluationPeriodKind =
  | 'MONTH'
  | 'QUARTER'
  | 'YEAR'
  | 'RANGE';

/** OPEN: being prepared; SIGNING: one side signed, content frozen; FINALISED: the berita acara is signed by both. */
export type EvaluationStatus =
  | 'OPEN'
  | 'SIGNING'
  | 'FINALISED';

export type FileComplaintInput = {
  /** WEB for the public form (the only channel without a token); officers record the others. */
  channel?: Channel | null | undefined;
  channelReference?: string | null | undefined;
  subject: string;
  description: string;
  category?: string | null | undefined;
  region?: string | null | undefined;
  complainant?: ComplainantInput | null | undefined;
  confidential?: boolean | null | undefined;
  anonymous?: boolean | null | undefined;
  /** Makes a retry safe: the same key returns the complaint the first attempt created. */
  idempotencyKey?: string | null | undefined;
  /** Officers: hand the complainant an access code. */
  issueAccessCode?: boolean | null | undefined;
};

export type FollowUpActionOwner =
  | 'KEMENSETNEG'
  | 'AGENCY';

/** An agency's progress on a complaint forwarded to it. */
export type ForwardingStatus =
  | 'FORWARDED'
  | 'ACKNOWLEDGED'
  | 'RESPONDED';

/** FOLLOW_UP_REQUEST (*surat permintaan tindak lanjut*), REMINDER (*surat pengingat*), AGENCY_REPLY (*surat balasan*, inbound), COMPLAINANT_NOTICE (*surat pemberitahuan*). */
export type LetterKind =
  | 'FOLLOW_UP_REQUEST'
  | 'REMINDER'
  | 'AGENCY_REPLY'
  | 'COMPLAINANT_NOTICE';

/** DRAFT → APPROVED (signed, numbered) → SENT → DELIVERED → ACKNOWLEDGED (read by the PIC) → REPLIED. */
export type LetterStatus =
  | 'DRAFT'
  | 'APPROVED'
  | 'SENT'
  | 'DELIVERED'
  | 'ACKNOWLEDGED'
  | 'REPLIED';

/** A month (year + month), a quarter (year + quarter), a year (year alone) or a range (from + to), in Jakarta dates. */
export type PeriodInput = {
  year?: number | null | undefined;
  /** 1..12 */
  month?: number | null | undefined;
  /** 1..4 */
  quarter?: number | null | undefined;
  from?: string | null | undefined;
  to?: string | null | undefined;
};

/** Instants from and to, both included. */
export type ReceivedRangeInput = {
  from: string;
  to: string;
};

/** An agency's reply (*surat balasan / laporan hasil tindak lanjut*), received and registered. */
export type RegisterAgencyReplyInput = {
  /** Chosen by the client to make a retry safe; generated when absent. */
  id?: string | number | null | undefined;
  /** Default: the caller's own agency (AGENCY tokens). */
  agencyId?: string | number | null | undefined;
  /** The letter this answers (a follow-up request or reminder). */
  relatedLetterId?: string | number | null | undefined;
  /** Default: the complaints of the letter it answers. */
  complaintIds?: Array<string | number> | null | undefined;
  subject: string;
  body: string;
  agencyLetterNumber?: string | null | undefined;
  /** ISO 8601 date of the agency letter. */
  agencyLetterDate?: string | null | undefined;
  eOfficeNumber?: string | null | undefined;
  /** When it reached Kemensetneg; default now. */
  receivedAt?: string | null | undefined;
  attachments?: Array<AttachmentInput> | null | undefined;
};

/** Why a complaint was not taken up. */
export type RejectionReason =
  | 'OUT_OF_SCOPE'
  | 'INCOMPLETE'
  | 'DUPLICATE'
  | 'NOT_GOVERNMENT_MATTER';

/** VERIFICATION: verify and forward after receipt; AGENCY_FIRST_FOLLOW_UP: the agency takes it up; WRITTEN_RESPONSE: the agency answers in writing; COMPLETION: the complaint is completed; AUTO_CLOSE: no reply from the complainant after the response. */
export type SlaClockKind =
  | 'VERIFICATION'
  | 'AGENCY_FIRST_FOLLOW_UP'
  | 'WRITTEN_RESPONSE'
  | 'COMPLETION'
  | 'AUTO_CLOSE';

/** RUNNING, PAUSED (awaiting information from the complainant), MET or BREACHED. */
export type SlaClockState =
  | 'RUNNING'
  | 'PAUSED'
  | 'MET'
  | 'BREACHED';

/** Which clock an instant is read on in time travel. */
export type TimeBasis =
  /** As the case stood in the world then: every event that happened by then (occurredAt; an intake at its original receipt time), whenever it was recorded. */
  | 'OCCURRED'
  /** As dumas knew the case then: the events recorded by then (recordedAt). */
  | 'RECORDED';

export type BacklogQueryVariables = Exact<{
  agencyId?: string | number | null | undefined;
  from?: string | null | undefined;
  to?: string | null | undefined;
}>;


export type BacklogQuery = { received: { totalCount: number }, awaiting: { totalCount: number }, verified: { totalCount: number }, forwarded: { totalCount: number }, followUp: { totalCount: number }, responded: { totalCount: number }, resolved: { totalCount: number } };

export type InflowQueryVariables = Exact<{
  agencyId?: string | number | null | undefined;
  ranges: Array<ReceivedRangeInput> | ReceivedRangeInput;
}>;


export type InflowQuery = { complaintInflow: Array<{ channels: Array<{ channel: Channel, count: number }> }> };

export type RankingQueryVariables = Exact<{
  period: PeriodInput;
}>;


export type RankingQuery = { agencyRanking: Array<{ rank: number, agency: { id: string, name: string }, performance: { forwarded: number, responded: number, respondedWithinSla: number, respondedWithinSlaPercent: number | null, medianWorkingDaysToFirstResponse: number | null, p90WorkingDaysToFirstResponse: number | null, open: number, overdue: number, ageing: Array<{ bucket: string, open: number }> } }> };

export type OverdueQueryVariables = Exact<{
  agencyId?: string | number | null | undefined;
  after?: string | null | undefined;
}>;


export type OverdueQuery = { overdueClocks: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, kind: SlaClockKind, dueAt: string | null, agency: { id: string, name: string } | null, complaint: { id: string, trackingNumber: string, subject: string } } }> } };

export type CaseEventsHeadQueryVariables = Exact<{ [key: string]: never; }>;


export type CaseEventsHeadQuery = { caseEventsHead: string };

export type CaseEventsSubscriptionVariables = Exact<{
  after?: string | null | undefined;
}>;


export type CaseEventsSubscription = { caseEvents: { position: string, type: string, occurredAt: string, summary: string, complaint: { id: string, trackingNumber: string, status: ComplaintStatus } } };

export type AgenciesQueryVariables = Exact<{ [key: string]: never; }>;


export type AgenciesQuery = { agencies: Array<{ id: string, name: string, regionCode: string | null }> };

export type WorkListQueryVariables = Exact<{
  filter?: ComplaintFilterInput | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type WorkListQuery = { complaints: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, trackingNumber: string, subject: string, status: ComplaintStatus, channel: Channel, receivedAt: string, agencies: Array<{ id: string, name: string }>, sla: { clocks: Array<{ kind: SlaClockKind, state: SlaClockState, dueAt: string | null, workingDaysLeft: number | null, agency: { id: string } | null }> } | null } }> } };

export type CaseQueryVariables = Exact<{
  id: string | number;
}>;


export type CaseQuery = { complaint: { id: string, trackingNumber: string, status: ComplaintStatus, channel: Channel, subject: string, description: string, category: string | null, region: string | null, confidential: boolean, anonymous: boolean, receivedAt: string, updatedAt: string, version: number, complainant: { access: ComplainantAccess, name: string | null, nik: string | null, email: string | null, phone: string | null, address: string | null } | null, forwardings: Array<{ forwardingId: string, status: ForwardingStatus, forwardedAt: string, acknowledgedAt: string | null, respondedAt: string | null, response: string | null, current: boolean, agency: { id: string, name: string } }>, letters: Array<{ id: string, kind: LetterKind, state: LetterStatus, number: string | null, subject: string, agencyId: string | null, sentAt: string | null, attachments: Array<{ filename: string, size: number }> }>, sla: { clocks: Array<{ id: string, kind: SlaClockKind, state: SlaClockState, startedAt: string, dueDate: string | null, dueAt: string | null, stoppedAt: string | null, workingDaysElapsed: number, workingDaysLeft: number | null, agency: { id: string, name: string } | null }> } | null, suggestedAgencies: { agencies: Array<{ id: string, name: string }>, rule: { id: string, category: string | null, region: string | null } } | null } | null };

export type CaseTimelineQueryVariables = Exact<{
  id: string | number;
  after?: string | null | undefined;
}>;


export type CaseTimelineQuery = { complaint: { id: string, receivedAt: string, history: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { position: number, type: string, occurredAt: string, recordedAt: string, summary: string, actor: { id: string, role: string, agencyId: string | null } | null } }> }, integrity: { ok: boolean, streamsChecked: number, eventsChecked: number, brokenStream: string | null, brokenRevision: number | null, reason: string | null, checkpointAt: string | null } } | null };

export type CaseAsOfQueryVariables = Exact<{
  id: string | number;
  at: string;
  basis: TimeBasis;
}>;


export type CaseAsOfQuery = { complaint: { id: string, asOf: { at: string, status: ComplaintStatus | null, forwardings: Array<{ agencyId: string, status: ForwardingStatus, forwardedAt: string }>, letters: Array<{ kind: string, state: string, number: string | null }>, clocks: Array<{ kind: string, agencyId: string | null, dueAt: string | null, open: boolean }> } | null } | null };

export type VerifyMutationVariables = Exact<{
  id: string | number;
  expectedVersion?: number | null | undefined;
}>;


export type VerifyMutation = { verifyComplaint: { id: string, status: ComplaintStatus, version: number } };

export type RejectMutationVariables = Exact<{
  id: string | number;
  reason: RejectionReason;
  note: string;
  expectedVersion?: number | null | undefined;
}>;


export type RejectMutation = { rejectComplaint: { id: string, status: ComplaintStatus, version: number } };

export type ForwardMutationVariables = Exact<{
  id: string | number;
  agencyIds: Array<string | number> | string | number;
  expectedVersion?: number | null | undefined;
}>;


export type ForwardMutation = { forwardComplaint: { id: string, status: ComplaintStatus, version: number } };

export type ResolveMutationVariables = Exact<{
  id: string | number;
  resolution: string;
  expectedVersion?: number | null | undefined;
}>;


export type ResolveMutation = { resolveComplaint: { id: string, status: ComplaintStatus, version: number } };

export type CloseMutationVariables = Exact<{
  id: string | number;
  note?: string | null | undefined;
  expectedVersion?: number | null | undefined;
}>;


export type CloseMutation = { closeComplaint: { id: string, status: ComplaintStatus, version: number } };

export type ReopenMutationVariables = Exact<{
  id: string | number;
  reason: string;
  expectedVersion?: number | null | undefined;
}>;


export type ReopenMutation = { reopenComplaint: { id: string, status: ComplaintStatus, version: number } };

export type RecordResponseMutationVariables = Exact<{
  id: string | number;
  agencyId?: string | number | null | undefined;
  response: string;
  expectedVersion?: number | null | undefined;
}>;


export type RecordResponseMutation = { recordAgencyResponse: { id: string, status: ComplaintStatus, version: number } };

export type ApproveLetterMutationVariables = Exact<{
  id: string | number;
  expectedVersion?: number | null | undefined;
}>;


export type ApproveLetterMutation = { approveLetter: { id: string, state: LetterStatus, version: number } };

export type SendLetterMutationVariables = Exact<{
  id: string | number;
  expectedVersion?: number | null | undefined;
}>;


export type SendLetterMutation = { sendLetter: { id: string, state: LetterStatus, number: string | null, version: number } };

export type LetterQueryVariables = Exact<{
  id: string | number;
}>;


export type LetterQuery = { letter: { id: string, kind: LetterKind, state: LetterStatus, number: string | null, subject: string, body: string, sentAt: string | null, approvedAt: string | null, createdAt: string, signer: { name: string, position: string } | null, agency: { id: string, name: string, contact: { address: string | null } } | null, complaints: Array<{ id: string, trackingNumber: string, subject: string, receivedAt: string } | null> } | null };

export type AcknowledgeMutationVariables = Exact<{
  id: string | number;
  expectedVersion?: number | null | undefined;
}>;


export type AcknowledgeMutation = { acknowledgeComplaint: { id: string, status: ComplaintStatus, version: number } };

export type ReplyMutationVariables = Exact<{
  input: RegisterAgencyReplyInput;
}>;


export type ReplyMutation = { registerAgencyReply: { id: string, state: LetterStatus, attachments: Array<{ filename: string, size: number }> } };

export type PerformanceQueryVariables = Exact<{
  agencyId: string | number;
  period: PeriodInput;
}>;


export type PerformanceQuery = { agencyPerformance: { forwarded: number, acknowledged: number, responded: number, respondedWithinSla: number, respondedWithinSlaPercent: number | null, medianWorkingDaysToFirstResponse: number | null, open: number, overdue: number, agency: { id: string, name: string }, ageing: Array<{ bucket: string, open: number }> } };

export type EvaluationsQueryVariables = Exact<{
  agencyId?: string | number | null | undefined;
}>;


export type EvaluationsQuery = { evaluations: Array<{ id: string, status: EvaluationStatus, openedAt: string, finalisedAt: string | null, agency: { id: string, name: string }, period: { kind: EvaluationPeriodKind, from: string, to: string }, kpis: { forwarded: number, responded: number, respondedWithinSlaPercent: number | null, medianWorkingDaysToFirstResponse: number | null, overdue: number, meanSatisfaction: number | null }, findings: Array<{ text: string, kpi: string | null }>, recommendations: Array<{ text: string }>, followUpActions: Array<{ description: string, owner: FollowUpActionOwner, dueDate: string }>, signatures: Array<{ side: BeritaAcaraSide, signerName: string, position: string, signedAt: string }> }> };

export type OpenEvaluationMutationVariables = Exact<{
  agencyId: string | number;
  period: PeriodInput;
}>;


export type OpenEvaluationMutation = { openEvaluation: { id: string, status: EvaluationStatus } };

export type FileComplaintMutationVariables = Exact<{
  input: FileComplaintInput;
}>;


export type FileComplaintMutation = { fileComplaint: { accessCode: string | null, complaint: { id: string, trackingNumber: string, status: ComplaintStatus } } };

export type TrackQueryVariables = Exact<{
  trackingNumber: string;
  accessCode: string;
}>;


export type TrackQuery = { trackComplaint: { trackingNumber: string, status: ComplaintStatus, receivedAt: string, updatedAt: string } | null };

export type RateMutationVariables = Exact<{
  trackingNumber: string;
  accessCode: string;
  rating: number;
  comment?: string | null | undefined;
}>;


export type RateMutation = { rateComplaintHandling: { rating: number, ratedAt: string } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const BacklogDocument = new TypedDocumentString(`
    query Backlog($agencyId: ID, $from: DateTime, $to: DateTime) {
  received: complaints(
    first: 0
    filter: {status: [RECEIVED], agencyId: $agencyId, receivedFrom: $from, receivedTo: $to}
  ) {
    totalCount
  }
  awaiting: complaints(
    first: 0
    filter: {status: [AWAITING_INFORMATION], agencyId: $agencyId, receivedFrom: $from, receivedTo: $to}
  ) {
    totalCount
  }
  verified: complaints(
    first: 0
    filter: {status: [VERIFIED], agencyId: $agencyId, receivedFrom: $from, receivedTo: $to}
  ) {
    totalCount
  }
  forwarded: complaints(
    first: 0
    filter: {status: [FORWARDED], agencyId: $agencyId, receivedFrom: $from, receivedTo: $to}
  ) {
    totalCount
  }
  followUp: complaints(
    first: 0
    filter: {status: [IN_FOLLOW_UP], agencyId: $agencyId, receivedFrom: $from, receivedTo: $to}
  ) {
    totalCount
  }
  responded: complaints(
    first: 0
    filter: {status: [RESPONDED], agencyId: $agencyId, receivedFrom: $from, receivedTo: $to}
  ) {
    totalCount
  }
  resolved: complaints(
    first: 0
    filter: {status: [RESOLVED], agencyId: $agencyId, receivedFrom: $from, receivedTo: $to}
  ) {
    totalCount
  }
}
    `) as unknown as TypedDocumentString<BacklogQuery, BacklogQueryVariables>;
export const InflowDocument = new TypedDocumentString(`
    query Inflow($agencyId: ID, $ranges: [ReceivedRangeInput!]!) {
  complaintInflow(ranges: $ranges, filter: {agencyId: $agencyId}) {
    channels {
      channel
      count
    }
  }
}
    `) as unknown as TypedDocumentString<InflowQuery, InflowQueryVariables>;
export const RankingDocument = new TypedDocumentString(`
    query Ranking($period: PeriodInput!) {
  agencyRanking(period: $period) {
    rank
    agency {
      id
      name
    }
    performance {
      forwarded
      responded
      respondedWithinSla
      respondedWithinSlaPercent
      medianWorkingDaysToFirstResponse
      p90WorkingDaysToFirstResponse
      open
      overdue
      ageing {
        bucket
        open
      }
    }
  }
}
    `) as unknown as TypedDocumentString<RankingQuery, RankingQueryVariables>;
export const OverdueDocument = new TypedDocumentString(`
    query Overdue($agencyId: ID, $after: String) {
  overdueClocks(agencyId: $agencyId, first: 20, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        kind
        dueAt
        agency {
          id
          name
        }
        complaint {
          id
          trackingNumber
          subject
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<OverdueQuery, OverdueQueryVariables>;
export const CaseEventsHeadDocument = new TypedDocumentString(`
    query CaseEventsHead {
  caseEventsHead
}
    `) as unknown as TypedDocumentString<CaseEventsHeadQuery, CaseEventsHeadQueryVariables>;
export const CaseEventsDocument = new TypedDocumentString(`
    subscription CaseEvents($after: String) {
  caseEvents(after: $after) {
    position
    type
    occurredAt
    summary
    complaint {
      id
      trackingNumber
      status
    }
  }
}
    `) as unknown as TypedDocumentString<CaseEventsSubscription, CaseEventsSubscriptionVariables>;
export const AgenciesDocument = new TypedDocumentString(`
    query Agencies {
  agencies(limit: 200) {
    id
    name
    regionCode
  }
}
    `) as unknown as TypedDocumentString<AgenciesQuery, AgenciesQueryVariables>;
export const WorkListDocument = new TypedDocumentString(`
    query WorkList($filter: ComplaintFilterInput, $first: Int, $after: String) {
  complaints(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        trackingNumber
        subject
        status
        channel
        receivedAt
        agencies {
          id
          name
        }
        sla {
          clocks {
            kind
            state
            dueAt
            workingDaysLeft
            agency {
              id
            }
          }
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<WorkListQuery, WorkListQueryVariables>;
export const CaseDocument = new TypedDocumentString(`
    query Case($id: ID!) {
  complaint(id: $id) {
    id
    trackingNumber
    status
    channel
    subject
    description
    category
    region
    confidential
    anonymous
    receivedAt
    updatedAt
    version
    complainant {
      access
      name
      nik
      email
      phone
      address
    }
    forwardings {
      forwardingId
      agency {
        id
        name
      }
      status
      forwardedAt
      acknowledgedAt
      respondedAt
      response
      current
    }
    letters {
      id
      kind
      state
      number
      subject
      agencyId
      sentAt
      attachments {
        filename
        size
      }
    }
    sla {
      clocks {
        id
        kind
        agency {
          id
          name
        }
        state
        startedAt
        dueDate
        dueAt
        stoppedAt
        workingDaysElapsed
        workingDaysLeft
      }
    }
    suggestedAgencies {
      agencies {
        id
        name
      }
      rule {
        id
        category
        region
      }
    }
  }
}
    `) as unknown as TypedDocumentString<CaseQuery, CaseQueryVariables>;
export const CaseTimelineDocument = new TypedDocumentString(`
    query CaseTimeline($id: ID!, $after: String) {
  complaint(id: $id) {
    id
    receivedAt
    history(first: 200, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          position
          type
          occurredAt
          recordedAt
          summary
          actor {
            id
            role
            agencyId
          }
        }
      }
    }
    integrity {
      ok
      streamsChecked
      eventsChecked
      brokenStream
      brokenRevision
      reason
      checkpointAt
    }
  }
}
    `) as unknown as TypedDocumentString<CaseTimelineQuery, CaseTimelineQueryVariables>;
export const CaseAsOfDocument = new TypedDocumentString(`
    query CaseAsOf($id: ID!, $at: DateTime!, $basis: TimeBasis!) {
  complaint(id: $id) {
    id
    asOf(at: $at, basis: $basis) {
      at
      status
      forwardings {
        agencyId
        status
        forwardedAt
      }
      letters {
        kind
        state
        number
      }
      clocks {
        kind
        agencyId
        dueAt
        open
      }
    }
  }
}
    `) as unknown as TypedDocumentString<CaseAsOfQuery, CaseAsOfQueryVariables>;
export const VerifyDocument = new TypedDocumentString(`
    mutation Verify($id: ID!, $expectedVersion: Int) {
  verifyComplaint(id: $id, expectedVersion: $expectedVersion) {
    id
    status
    version
  }
}
    `) as unknown as TypedDocumentString<VerifyMutation, VerifyMutationVariables>;
export const RejectDocument = new TypedDocumentString(`
    mutation Reject($id: ID!, $reason: RejectionReason!, $note: String!, $expectedVersion: Int) {
  rejectComplaint(
    id: $id
    reason: $reason
    note: $note
    expectedVersion: $expectedVersion
  ) {
    id
    status
    version
  }
}
    `) as unknown as TypedDocumentString<RejectMutation, RejectMutationVariables>;
export const ForwardDocument = new TypedDocumentString(`
    mutation Forward($id: ID!, $agencyIds: [ID!]!, $expectedVersion: Int) {
  forwardComplaint(
    id: $id
    agencyIds: $agencyIds
    expectedVersion: $expectedVersion
  ) {
    id
    status
    version
  }
}
    `) as unknown as TypedDocumentString<ForwardMutation, ForwardMutationVariables>;
export const ResolveDocument = new TypedDocumentString(`
    mutation Resolve($id: ID!, $resolution: String!, $expectedVersion: Int) {
  resolveComplaint(
    id: $id
    resolution: $resolution
    expectedVersion: $expectedVersion
  ) {
    id
    status
    version
  }
}
    `) as unknown as TypedDocumentString<ResolveMutation, ResolveMutationVariables>;
export const CloseDocument = new TypedDocumentString(`
    mutation Close($id: ID!, $note: String, $expectedVersion: Int) {
  closeComplaint(id: $id, note: $note, expectedVersion: $expectedVersion) {
    id
    status
    version
  }
}
    `) as unknown as TypedDocumentString<CloseMutation, CloseMutationVariables>;
export const ReopenDocument = new TypedDocumentString(`
    mutation Reopen($id: ID!, $reason: String!, $expectedVersion: Int) {
  reopenComplaint(id: $id, reason: $reason, expectedVersion: $expectedVersion) {
    id
    status
    version
  }
}
    `) as unknown as TypedDocumentString<ReopenMutation, ReopenMutationVariables>;
export const RecordResponseDocument = new TypedDocumentString(`
    mutation RecordResponse($id: ID!, $agencyId: ID, $response: String!, $expectedVersion: Int) {
  recordAgencyResponse(
    id: $id
    agencyId: $agencyId
    response: $response
    expectedVersion: $expectedVersion
  ) {
    id
    status
    version
  }
}
    `) as unknown as TypedDocumentString<RecordResponseMutation, RecordResponseMutationVariables>;
export const ApproveLetterDocument = new TypedDocumentString(`
    mutation ApproveLetter($id: ID!, $expectedVersion: Int) {
  approveLetter(id: $id, expectedVersion: $expectedVersion) {
    id
    state
    version
  }
}
    `) as unknown as TypedDocumentString<ApproveLetterMutation, ApproveLetterMutationVariables>;
export const SendLetterDocument = new TypedDocumentString(`
    mutation SendLetter($id: ID!, $expectedVersion: Int) {
  sendLetter(id: $id, expectedVersion: $expectedVersion) {
    id
    state
    number
    version
  }
}
    `) as unknown as TypedDocumentString<SendLetterMutation, SendLetterMutationVariables>;
export const LetterDocument = new TypedDocumentString(`
    query Letter($id: ID!) {
  letter(id: $id) {
    id
    kind
    state
    number
    subject
    body
    sentAt
    approvedAt
    createdAt
    signer {
      name
      position
    }
    agency {
      id
      name
      contact {
        address
      }
    }
    complaints {
      id
      trackingNumber
      subject
      receivedAt
    }
  }
}
    `) as unknown as TypedDocumentString<LetterQuery, LetterQueryVariables>;
export const AcknowledgeDocument = new TypedDocumentString(`
    mutation Acknowledge($id: ID!, $expectedVersion: Int) {
  acknowledgeComplaint(id: $id, expectedVersion: $expectedVersion) {
    id
    status
    version
  }
}
    `) as unknown as TypedDocumentString<AcknowledgeMutation, AcknowledgeMutationVariables>;
export const ReplyDocument = new TypedDocumentString(`
    mutation Reply($input: RegisterAgencyReplyInput!) {
  registerAgencyReply(input: $input) {
    id
    state
    attachments {
      filename
      size
    }
  }
}
    `) as unknown as TypedDocumentString<ReplyMutation, ReplyMutationVariables>;
export const PerformanceDocument = new TypedDocumentString(`
    query Performance($agencyId: ID!, $period: PeriodInput!) {
  agencyPerformance(agencyId: $agencyId, period: $period) {
    agency {
      id
      name
    }
    forwarded
    acknowledged
    responded
    respondedWithinSla
    respondedWithinSlaPercent
    medianWorkingDaysToFirstResponse
    open
    overdue
    ageing {
      bucket
      open
    }
  }
}
    `) as unknown as TypedDocumentString<PerformanceQuery, PerformanceQueryVariables>;
export const EvaluationsDocument = new TypedDocumentString(`
    query Evaluations($agencyId: ID) {
  evaluations(agencyId: $agencyId) {
    id
    status
    openedAt
    finalisedAt
    agency {
      id
      name
    }
    period {
      kind
      from
      to
    }
    kpis {
      forwarded
      responded
      respondedWithinSlaPercent
      medianWorkingDaysToFirstResponse
      overdue
      meanSatisfaction
    }
    findings {
      text
      kpi
    }
    recommendations {
      text
    }
    followUpActions {
      description
      owner
      dueDate
    }
    signatures {
      side
      signerName
      position
      signedAt
    }
  }
}
    `) as unknown as TypedDocumentString<EvaluationsQuery, EvaluationsQueryVariables>;
export const OpenEvaluationDocument = new TypedDocumentString(`
    mutation OpenEvaluation($agencyId: ID!, $period: PeriodInput!) {
  openEvaluation(agencyId: $agencyId, period: $period) {
    id
    status
  }
}
    `) as unknown as TypedDocumentString<OpenEvaluationMutation, OpenEvaluationMutationVariables>;
export const FileComplaintDocument = new TypedDocumentString(`
    mutation FileComplaint($input: FileComplaintInput!) {
  fileComplaint(input: $input) {
    accessCode
    complaint {
      id
      trackingNumber
      status
    }
  }
}
    `) as unknown as TypedDocumentString<FileComplaintMutation, FileComplaintMutationVariables>;
export const TrackDocument = new TypedDocumentString(`
    query Track($trackingNumber: String!, $accessCode: String!) {
  trackComplaint(trackingNumber: $trackingNumber, accessCode: $accessCode) {
    trackingNumber
    status
    receivedAt
    updatedAt
  }
}
    `) as unknown as TypedDocumentString<TrackQuery, TrackQueryVariables>;
export const RateDocument = new TypedDocumentString(`
    mutation Rate($trackingNumber: String!, $accessCode: String!, $rating: Int!, $comment: String) {
  rateComplaintHandling(
    trackingNumber: $trackingNumber
    accessCode: $accessCode
    rating: $rating
    comment: $comment
  ) {
    rating
    ratedAt
  }
}
    `) as unknown as TypedDocumentString<RateMutation, RateMutationVariables>;