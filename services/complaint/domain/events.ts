import type { DomainEvent } from '../../shared/decider';
import type { ComplainantAttachment, SealedComplainant } from './commands';
import type {
  AgencyResponseOutcome,
  Channel,
  ComplaintStatus,
  IntakeKind,
  RejectionReason,
} from './constants';

/**
 * Events of a complaint: past tense, `{type, data}`, on the stream `complaint-<id>`. Each carries who
 * (`by`, the actor id) and when (`at`) in its data as well as in metadata, because the domain reads them
 * (SLA clocks, per-agency times, the privacy record) and an import may carry times other than the append.
 * Personal data appears only sealed (`complainant.sealed`); free texts are what officials wrote.
 */

export type ComplaintReceived = DomainEvent<
  'ComplaintReceived',
  {
    readonly complaintId: string;
    readonly trackingNumber: string;
    readonly intake: IntakeKind;
    readonly channel: Channel;
    /** Plaintext only on complaints received before channel references were sealed (and on none since). */
    readonly channelReference: string | null;
    /** The channel reference sealed with the data subject's key (see ReceiveComplaint). */
    readonly sealedChannelReference?: SealedComplainant;
    readonly subject: string;
    readonly description: string;
    readonly category: string | null;
    readonly region: string | null;
    readonly confidential: boolean;
    readonly anonymous: boolean;
    readonly complainant: SealedComplainant | null;
    readonly accessCodeHash: string | null;
    /** The original time of receipt (earlier than the append for imported complaints). */
    readonly receivedAt: string;
    readonly imported: {
      readonly source: string;
      readonly originalId: string | null;
      /** Provenance of a file import: the file's SHA-256 (hex) and the row's line. */
      readonly fileDigest?: string;
      readonly line?: number;
    } | null;
    /** The officer who took it in; null for the public form. */
    readonly by: string | null;
    readonly at: string;
    /**
     * Set when an idempotency key was given: the digest of the normalised request that first used it
     * (services/complaint/service.ts). Absent on complaints filed before keys were bound to a request.
     */
    readonly intakeDigest?: string;
  }
>;

/** The SLA clocks pause from here… */
export type InformationRequested = DomainEvent<
  'InformationRequested',
  { readonly question: string; readonly by: string; readonly at: string }
>;

/** …until here. */
export type InformationProvided = DomainEvent<
  'InformationProvided',
  { readonly information: string; readonly by: string; readonly at: string }
>;

export type ComplaintVerified = DomainEvent<
  'ComplaintVerified',
  {
    readonly category: string | null;
    readonly region: string | null;
    readonly note: string | null;
    readonly by: string;
    readonly at: string;
  }
>;

export type ComplaintRejected = DomainEvent<
  'ComplaintRejected',
  {
    readonly reason: RejectionReason;
    readonly note: string;
    readonly duplicateOf: string | null;
    readonly by: string;
    readonly at: string;
  }
>;

/** One forwarding: the unit of an agency's follow-up and of its SLA clock. */
export interface ForwardingRef {
  /** `<agencyId>/<n>`: the n-th forwarding of this complaint to that agency. */
  readonly forwardingId: string;
  readonly agencyId: string;
}

export type ComplaintForwarded = DomainEvent<
  'ComplaintForwarded',
  {
    readonly forwardings: readonly ForwardingRef[];
    readonly note: string | null;
    /** Present when the agencies are a routing rule's proposal. */
    readonly routingRuleId?: string;
    readonly by: string;
    readonly at: string;
  }
>;

export type ComplaintAcknowledged = DomainEvent<
  'ComplaintAcknowledged',
  {
    readonly forwardingId: string;
    readonly agencyId: string;
    readonly note: string | null;
    readonly by: string;
    readonly at: string;
  }
>;

export type AgencyResponseRecorded = DomainEvent<
  'AgencyResponseRecorded',
  {
    readonly forwardingId: string;
    readonly agencyId: string;
    readonly response: string;
    readonly outcome: AgencyResponseOutcome;
    /** Whether the complaint became RESPONDED: every current forwarding has now responded. */
    readonly allResponded: boolean;
    readonly by: string;
    readonly at: string;
  }
>;

/** The named agencies' responses are insufficient: each gets a new forwarding (new follow-up, new clock). */
export type AgencyResponseMarkedInsufficient = DomainEvent<
  'AgencyResponseMarkedInsufficient',
  {
    /** The forwardings whose response was found insufficient, and their replacements. */
    readonly forwardings: readonly (ForwardingRef & { readonly previousForwardingId: string })[];
    readonly note: string;
    readonly by: string;
    readonly at: string;
  }
>;

export type ComplaintResolved = DomainEvent<
  'ComplaintResolved',
  { readonly resolution: string; readonly by: string; readonly at: string }
>;

export type ComplaintClosed = DomainEvent<
  'ComplaintClosed',
  { readonly note: string | null; readonly by: string; readonly at: string }
>;

/** Back into the flow; `from` and `to` make the replay self-explanatory (see the decider for the rule). */
export type ComplaintReopened = DomainEvent<
  'ComplaintReopened',
  {
    readonly reason: string;
    readonly from: Extract<ComplaintStatus, 'RESOLVED' | 'CLOSED' | 'REJECTED'>;
    readonly to: Extract<ComplaintStatus, 'RECEIVED' | 'VERIFIED'>;
    readonly by: string;
    readonly at: string;
  }
>;

export type ComplaintPrivacyChanged = DomainEvent<
  'ComplaintPrivacyChanged',
  {
    readonly confidential: boolean;
    readonly anonymous: boolean;
    readonly previous: { readonly confidential: boolean; readonly anonymous: boolean };
    readonly reason: string | null;
    readonly by: string;
    readonly at: string;
  }
>;

/** The subject's vault key is destroyed: the sealed identity reads as erased everywhere from now on. */
export type ComplainantDataErased = DomainEvent<
  'ComplainantDataErased',
  { readonly subjectId: string; readonly reason: string; readonly by: string; readonly at: string }
>;

/** A message of the complainant through a channel, added to the case (see AddComplainantMessage). */
export type ComplainantMessageReceived = DomainEvent<
  'ComplainantMessageReceived',
  {
    readonly channel: Channel;
    /** Null when sealed: a message id may say who wrote it, so it goes with the identity on erasure. */
    readonly channelReference: string | null;
    readonly sealedChannelReference?: SealedComplainant;
    readonly text: string | null;
    readonly attachments: readonly ComplainantAttachment[];
    readonly by: string;
    readonly at: string;
  }
>;

export type ComplaintEvent =
  | ComplaintReceived
  | InformationRequested
  | InformationProvided
  | ComplaintVerified
  | ComplaintRejected
  | ComplaintForwarded
  | ComplaintAcknowledged
  | AgencyResponseRecorded
  | AgencyResponseMarkedInsufficient
  | ComplaintResolved
  | ComplaintClosed
  | ComplaintReopened
  | ComplaintPrivacyChanged
  | ComplainantDataErased
  | ComplainantMessageReceived;

export type ComplaintEventType = ComplaintEvent['type'];

export const COMPLAINT_EVENT_TYPES: readonly ComplaintEventType[] = [
  'ComplaintReceived',
  'InformationRequested',
  'InformationProvided',
  'ComplaintVerified',
  'ComplaintRejected',
  'ComplaintForwarded',
  'ComplaintAcknowledged',
  'AgencyResponseRecorded',
  'AgencyResponseMarkedInsufficient',
  'ComplaintResolved',
  'ComplaintClosed',
  'ComplaintReopened',
  'ComplaintPrivacyChanged',
  'ComplainantDataErased',
  'ComplainantMessageReceived',
];
