import type { DomainCommand } from '../../shared/decider';
import type { SealedValue } from '../../shared/pii/sealed';
import type { AgencyResponseOutcome, Channel, RejectionReason } from './constants';

/**
 * Commands of the complaint decider: imperative, `{type, data, metadata}`. `metadata.now` and
 * `metadata.actor` come from the command handler's caller (the resolver): the decider reads no clock.
 * The complaint is the stream the command is handled on; only the intake commands name its id.
 */

/** The complainant as it reaches the decider: already validated and sealed by the KeyVault. */
export interface SealedComplainant {
  /** The data subject whose vault key seals the identity (an opaque id, never a NIK). */
  readonly subjectId: string;
  readonly sealed: SealedValue;
}

/** What every intake carries. */
export interface ComplaintIntakeData {
  readonly complaintId: string;
  /** Claimed beforehand from the TrackingNumberService, so it is unique across the whole log. */
  readonly trackingNumber: string;
  readonly subject: string;
  readonly description: string;
  /** A category of the routing rules (e.g. `infrastructure`); optional at intake, set on verification. */
  readonly category?: string | null;
  /** A region code or name (e.g. `DIY`, `Kabupaten Bantul`); optional at intake, set on verification. */
  readonly region?: string | null;
  /** *Rahasia*: the whole complaint hidden from anyone without need. */
  readonly confidential: boolean;
  /** *Anonim*: the identity hidden from agencies and the public. */
  readonly anonymous: boolean;
  /** Null when the complainant gave no identity at all. */
  readonly complainant: SealedComplainant | null;
  /** Hash of the complainant's access code (see access-code.ts); null when no code was issued. */
  readonly accessCodeHash: string | null;
  /** With an idempotency key: the digest of the normalised request, so a reuse with another body is told apart. */
  readonly intakeDigest?: string | null;
}

/** A complainant files on the public WEB form (no token). Received now. */
export type FileComplaint = DomainCommand<'FileComplaint', ComplaintIntakeData>;

/**
 * An officer takes in a complaint from any channel with the channel's own reference, or the bulk import
 * brings in an existing one (`imported` set): then `receivedAt` is the original time of receipt.
 */
export type ReceiveComplaint = DomainCommand<
  'ReceiveComplaint',
  ComplaintIntakeData & {
    readonly channel: Channel;
    readonly channelReference?: string | null;
    /**
     * The channel reference sealed with the complainant's data key (a WhatsApp number, an e-mail address
     * are personal data): the event carries this and not the plaintext, so erasure seals it too.
     */
    readonly sealedChannelReference?: SealedComplainant | null;
    /** Defaults to `metadata.now`; an earlier time only for imports. */
    readonly receivedAt?: string;
    /** Provenance of an imported complaint (e.g. `{source: 'e-LAPOR DIY export 2025', originalId}`). */
    readonly imported?: {
      readonly source: string;
      readonly originalId?: string | null;
      /** The imported file's SHA-256 (hex) and the row's line in it. */
      readonly fileDigest?: string | null;
      readonly line?: number | null;
    } | null;
  }
>;

/** Ask the complainant for missing information; the SLA clocks pause until it is provided. */
export type RequestInformation = DomainCommand<'RequestInformation', { readonly question: string }>;

/** The complainant's answer, recorded by an officer; the clocks run again. */
export type ProvideInformation = DomainCommand<'ProvideInformation', { readonly information: string }>;

/** The complaint is in scope and complete; classification may be set or corrected here. */
export type VerifyComplaint = DomainCommand<
  'VerifyComplaint',
  { readonly category?: string | null; readonly region?: string | null; readonly note?: string | null }
>;

export type RejectComplaint = DomainCommand<
  'RejectComplaint',
  {
    readonly reason: RejectionReason;
    readonly note: string;
    /** Only with DUPLICATE: the complaint id this one repeats. */
    readonly duplicateOf?: string | null;
  }
>;

/** Forward to one or more agencies with a follow-up request; each forwarding has its own follow-up. */
export type ForwardComplaint = DomainCommand<
  'ForwardComplaint',
  {
    readonly agencyIds: readonly string[];
    readonly note?: string | null;
    /** The routing rule whose proposal this forwarding follows (forwarded without naming agencies). */
    readonly routingRuleId?: string | null;
  }
>;

/** An agency's focal point confirms receipt: only an agency the complaint was forwarded to. */
export type AcknowledgeComplaint = DomainCommand<
  'AcknowledgeComplaint',
  { readonly agencyId: string; readonly note?: string | null }
>;

/** An agency's response (its follow-up report), by its focal point or recorded by an officer from a letter. */
export type RecordAgencyResponse = DomainCommand<
  'RecordAgencyResponse',
  {
    readonly agencyId: string;
    readonly response: string;
    /** Default FOLLOWED_UP; NOT_COMPETENT when the agency answers that the matter is not its own. */
    readonly outcome?: AgencyResponseOutcome | null;
  }
>;

/** The response of these agencies does not settle the complaint: they are asked to follow up again. */
export type MarkResponseInsufficient = DomainCommand<
  'MarkResponseInsufficient',
  { readonly agencyIds: readonly string[]; readonly note: string }
>;

export type ResolveComplaint = DomainCommand<'ResolveComplaint', { readonly resolution: string }>;

export type CloseComplaint = DomainCommand<'CloseComplaint', { readonly note?: string | null }>;

export type ReopenComplaint = DomainCommand<'ReopenComplaint', { readonly reason: string }>;

/** Sets either flag or both; a flag left out keeps its value. */
export type SetComplaintPrivacy = DomainCommand<
  'SetComplaintPrivacy',
  {
    readonly confidential?: boolean | null;
    readonly anonymous?: boolean | null;
    readonly reason?: string | null;
  }
>;

/**
 * Records an erasure request (UU PDP) whose key destruction the caller has done: destroy the subject's
 * vault key first (idempotent), then handle this command, so a crash in between leaves the data erased
 * and a retry records it.
 */
export type EraseComplainantData = DomainCommand<'EraseComplainantData', { readonly reason: string }>;

/** A file the complainant sent with a message, kept in the blob store by its content hash. */
export interface ComplainantAttachment {
  readonly sha256: string;
  readonly filename: string;
  readonly mediaType: string;
  readonly size: number;
}

/**
 * A later message of the complainant through a channel adapter (an e-mail reply, a WhatsApp message in
 * the same conversation): when the case waits for information it is that information; otherwise it is
 * added to the case. `text` may be null for a message of attachments only.
 */
export type AddComplainantMessage = DomainCommand<
  'AddComplainantMessage',
  {
    readonly channel: Channel;
    readonly channelReference: string;
    /** The reference sealed with the complainant's key (then it is not written in the clear). */
    readonly sealedChannelReference?: SealedComplainant | null;
    readonly text: string | null;
    readonly attachments: readonly ComplainantAttachment[];
  }
>;

export type ComplaintCommand =
  | FileComplaint
  | ReceiveComplaint
  | RequestInformation
  | ProvideInformation
  | VerifyComplaint
  | RejectComplaint
  | ForwardComplaint
  | AcknowledgeComplaint
  | RecordAgencyResponse
  | MarkResponseInsufficient
  | ResolveComplaint
  | CloseComplaint
  | ReopenComplaint
  | SetComplaintPrivacy
  | EraseComplainantData
  | AddComplainantMessage;

export type ComplaintCommandType = ComplaintCommand['type'];
