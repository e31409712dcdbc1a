import type { Decider, DomainCommand, DomainEvent } from '../../shared/decider';
import { DomainError, badInput, conflict, invalidTransition } from '../../shared/errors';
import {
  optionalInstantAsGiven,
  optionalText,
  requiredAgencyId,
  requiredEntityId,
  requiredText,
} from '../../shared/validation';

/**
 * Letters (surat) between Kemensetneg and agencies, and notices to complainants. One stream per letter,
 * `letter-{id}`. A letter covers one or more complaints and is addressed to ONE agency.
 *
 * Outbound letters (FOLLOW_UP_REQUEST, REMINDER):
 *
 *   DRAFT ──approve (SUPERVISOR; number assigned)──▶ APPROVED ──send──▶ SENT ──markDelivered──▶ DELIVERED
 *     └─revise (DRAFT only)                                               │                        │
 *                                        ┌──────────acknowledge (PIC)─────┴──────────┬─────────────┘
 *                                        ▼                                           │
 *                                  ACKNOWLEDGED ──recordReply──▶ REPLIED ◀──recordReply (SENT, DELIVERED)
 *
 *   A PIC who opens a letter in the agency portal before the delivery receipt is recorded has plainly
 *   received it, so acknowledging from SENT is allowed; likewise a reply proves receipt, so a reply may be
 *   recorded from SENT, DELIVERED or ACKNOWLEDGED. Further replies to a REPLIED letter (progress reports)
 *   are recorded too and keep it REPLIED.
 *
 * COMPLAINANT_NOTICE: DRAFT → APPROVED → SENT → DELIVERED. The complainant answers through the complaint
 *   itself (information provided, satisfaction), never by acknowledging or replying to the letter.
 *
 * AGENCY_REPLY (inbound): never drafted, approved, numbered or sent by us. It is registered on receipt,
 *   directly in DELIVERED (it has reached Kemensetneg; the agency's own letter number and date are kept),
 *   and an OFFICER or SUPERVISOR acknowledges having read it (DELIVERED → ACKNOWLEDGED). It is never
 *   REPLIED: an answer to it is a new outbound letter. Registering a reply is a separate command on the
 *   letter it answers (`RecordLetterReply`), issued by whoever registers the reply.
 *
 * Numbers are not decided here: `ApproveLetter` freezes the content, then the numbering service reserves
 * the next number of the year and issues `AssignLetterNumber` (see numbering.ts). An approved letter
 * cannot be sent until it has its number.
 */

export const LETTER_KINDS = ['FOLLOW_UP_REQUEST', 'REMINDER', 'AGENCY_REPLY', 'COMPLAINANT_NOTICE'] as const;
export type LetterKind = (typeof LETTER_KINDS)[number];
/** Kinds Kemensetneg writes (AGENCY_REPLY is registered, not drafted). */
export type OutboundLetterKind = Exclude<LetterKind, 'AGENCY_REPLY'>;
export const OUTBOUND_LETTER_KINDS: readonly OutboundLetterKind[] = [
  'FOLLOW_UP_REQUEST',
  'REMINDER',
  'COMPLAINANT_NOTICE',
];
/** Kinds an agency's PIC receives, acknowledges and answers. */
export const AGENCY_ADDRESSED_KINDS: readonly LetterKind[] = ['FOLLOW_UP_REQUEST', 'REMINDER'];

export const LETTER_STATES = ['DRAFT', 'APPROVED', 'SENT', 'DELIVERED', 'ACKNOWLEDGED', 'REPLIED'] as const;
export type LetterStatus = (typeof LETTER_STATES)[number];

export const LETTER_CHANNELS = ['EMAIL', 'EOFFICE', 'POST', 'COURIER', 'WHATSAPP'] as const;
/** How a letter travelled: EOFFICE is Srikandi, the government e-office. */
export type LetterChannel = (typeof LETTER_CHANNELS)[number];

export type LetterDirection = 'OUTBOUND' | 'INBOUND';

/** The bytes live in a blob store keyed by `sha256`; events carry only this description. */
export interface LetterAttachment {
  /** Lowercase hex SHA-256 of the content. */
  readonly sha256: string;
  readonly filename: string;
  readonly mediaType: string;
  /** Bytes. */
  readonly size: number;
}

/** The official whose name and title the letter bears (e.g. the Asisten Deputi). */
export interface LetterSigner {
  readonly name: string;
  readonly position: string;
  readonly userId?: string;
}

export interface LetterNumber {
  /** The formatted number as printed, e.g. `B-17/Kemensetneg/D-4/PM.00.01/03/2026`. */
  readonly number: string;
  readonly year: number;
  /** `{seq}`: 1, 2, 3 … per year, no gaps. */
  readonly sequence: number;
}

export interface LetterApproval {
  readonly approvedBy: string;
  readonly approvedAt: string;
  /** BSrE/TTE electronic-signature reference, recorded as data (no public API to verify against). */
  readonly signatureReference?: string;
}

export interface LetterDispatch {
  readonly channel: LetterChannel;
  readonly sentBy: string;
  /** Srikandi e-office number, when the letter went through the e-office. */
  readonly eOfficeNumber?: string;
  /** e.g. the outgoing email's Message-ID, so a delivery receipt can be matched. */
  readonly messageId?: string;
}

/** What an inbound AGENCY_REPLY carries about the agency's own letter. */
export interface AgencyLetterReference {
  readonly agencyLetterNumber?: string;
  readonly agencyLetterDate?: string;
  readonly eOfficeNumber?: string;
  readonly registeredBy: string;
}

/** When the letter reached each state (only states it reached). */
export type LetterTimestamps = { readonly [S in LetterStatus]?: string };

// ── events ─────────────────────────────────────────────────────────────────────────────────────────

interface LetterContentData {
  readonly subject: string;
  readonly body: string;
  readonly complaintIds: readonly string[];
  readonly attachments: readonly LetterAttachment[];
  readonly signer?: LetterSigner;
  /** For a REMINDER the letter it chases; for an AGENCY_REPLY the letter it answers. */
  readonly relatedLetterId?: string;
}

export type LetterDrafted = DomainEvent<
  'LetterDrafted',
  LetterContentData & {
    readonly letterId: string;
    readonly kind: OutboundLetterKind;
    /** Absent only on a COMPLAINANT_NOTICE that concerns no particular agency. */
    readonly agencyId?: string;
    readonly draftedBy: string;
    readonly draftedAt: string;
  }
>;
/** The complete content after the revision (not a diff): a reader never has to merge. */
export type LetterRevised = DomainEvent<
  'LetterRevised',
  LetterContentData & { readonly letterId: string; readonly revisedBy: string; readonly revisedAt: string }
>;
export type LetterApproved = DomainEvent<'LetterApproved', LetterApproval & { readonly letterId: string }>;
export type LetterNumberAssigned = DomainEvent<
  'LetterNumberAssigned',
  LetterNumber & {
    readonly letterId: string;
    /** The register stream whose revision `sequence - 1` holds the reservation. */
    readonly register: string;
    readonly assignedAt: string;
  }
>;
export type LetterSigned = DomainEvent<
  'LetterSigned',
  { readonly letterId: string; readonly signatureReference: string; readonly signedAt: string }
>;
export type LetterSent = DomainEvent<
  'LetterSent',
  LetterDispatch & { readonly letterId: string; readonly sentAt: string }
>;
export type LetterDelivered = DomainEvent<
  'LetterDelivered',
  {
    readonly letterId: string;
    readonly deliveredAt: string;
    readonly evidence?: string;
    readonly recordedBy: string;
  }
>;
export type LetterAcknowledged = DomainEvent<
  'LetterAcknowledged',
  { readonly letterId: string; readonly acknowledgedBy: string; readonly acknowledgedAt: string }
>;
export type LetterReplied = DomainEvent<
  'LetterReplied',
  { readonly letterId: string; readonly replyLetterId: string; readonly repliedAt: string }
>;
export type AgencyReplyRegistered = DomainEvent<
  'AgencyReplyRegistered',
  LetterContentData & {
    readonly letterId: string;
    readonly kind: 'AGENCY_REPLY';
    readonly agencyId: string;
    readonly agencyLetterNumber?: string;
    readonly agencyLetterDate?: string;
    readonly eOfficeNumber?: string;
    readonly registeredBy: string;
    /** When it reached Kemensetneg (may precede registration, e.g. a letter that came by post). */
    readonly receivedAt: string;
  }
>;

export type LetterEvent =
  | LetterDrafted
  | LetterRevised
  | LetterApproved
  | LetterNumberAssigned
  | LetterSigned
  | LetterSent
  | LetterDelivered
  | LetterAcknowledged
  | LetterReplied
  | AgencyReplyRegistered;

export const LETTER_EVENT_TYPES: readonly LetterEvent['type'][] = [
  'LetterDrafted',
  'LetterRevised',
  'LetterApproved',
  'LetterNumberAssigned',
  'LetterSigned',
  'LetterSent',
  'LetterDelivered',
  'LetterAcknowledged',
  'LetterReplied',
  'AgencyReplyRegistered',
];

// ── commands ───────────────────────────────────────────────────────────────────────────────────────

export interface LetterContentInput {
  readonly subject: string;
  readonly body: string;
  readonly complaintIds: readonly string[];
  readonly attachments?: readonly LetterAttachment[];
  readonly signer?: LetterSigner;
  readonly relatedLetterId?: string;
}

export type DraftLetter = DomainCommand<
  'DraftLetter',
  LetterContentInput & {
    readonly letterId: string;
    readonly kind: OutboundLetterKind;
    readonly agencyId?: string;
  }
>;
/** Absent fields stay as they are; `signer: null` / `relatedLetterId: null` remove them. */
export type ReviseLetter = DomainCommand<
  'ReviseLetter',
  {
    readonly subject?: string;
    readonly body?: string;
    readonly complaintIds?: readonly string[];
    readonly attachments?: readonly LetterAttachment[];
    readonly signer?: LetterSigner | null;
    readonly relatedLetterId?: string | null;
  }
>;
export type ApproveLetter = DomainCommand<'ApproveLetter', { readonly signatureReference?: string }>;
/** Issued by the numbering service only, with a number it reserved for this letter. */
export type AssignLetterNumber = DomainCommand<
  'AssignLetterNumber',
  LetterNumber & { readonly register: string }
>;
export type SignLetter = DomainCommand<'SignLetter', { readonly signatureReference: string }>;
export type SendLetter = DomainCommand<
  'SendLetter',
  { readonly channel: LetterChannel; readonly eOfficeNumber?: string; readonly messageId?: string }
>;
export type MarkLetterDelivered = DomainCommand<
  'MarkLetterDelivered',
  { readonly deliveredAt?: string; readonly evidence?: string }
>;
export type AcknowledgeLetter = DomainCommand<'AcknowledgeLetter', Record<string, never>>;
export type RecordLetterReply = DomainCommand<'RecordLetterReply', { readonly replyLetterId: string }>;
export type RegisterAgencyReply = DomainCommand<
  'RegisterAgencyReply',
  LetterContentInput & {
    readonly letterId: string;
    readonly agencyId: string;
    readonly agencyLetterNumber?: string;
    readonly agencyLetterDate?: string;
    readonly eOfficeNumber?: string;
    /** Defaults to the command's time. */
    readonly receivedAt?: string;
  }
>;

export type LetterCommand =
  | DraftLetter
  | ReviseLetter
  | ApproveLetter
  | AssignLetterNumber
  | SignLetter
  | SendLetter
  | MarkLetterDelivered
  | AcknowledgeLetter
  | RecordLetterReply
  | RegisterAgencyReply;

// ── state ──────────────────────────────────────────────────────────────────────────────────────────

interface LetterCommon extends LetterContentData {
  readonly letterId: string;
  readonly kind: LetterKind;
  readonly agencyId?: string;
  readonly timestamps: LetterTimestamps;
  /** Reply letters recorded against this one, oldest first. */
  readonly replyLetterIds: readonly string[];
}

export interface DraftLetterState extends LetterCommon {
  readonly status: 'DRAFT';
  readonly direction: 'OUTBOUND';
  readonly kind: OutboundLetterKind;
}

export interface ApprovedLetterState extends LetterCommon {
  readonly status: 'APPROVED';
  readonly direction: 'OUTBOUND';
  readonly kind: OutboundLetterKind;
  readonly approval: LetterApproval;
  /** Absent for the moment between approval and number assignment (or after a crash in it). */
  readonly number?: LetterNumber;
}

export interface DispatchedLetterState extends LetterCommon {
  readonly status: 'SENT' | 'DELIVERED' | 'ACKNOWLEDGED' | 'REPLIED';
  readonly direction: 'OUTBOUND';
  readonly kind: OutboundLetterKind;
  readonly approval: LetterApproval;
  readonly number: LetterNumber;
  readonly dispatch: LetterDispatch;
}

export interface InboundLetterState extends LetterCommon {
  readonly status: 'DELIVERED' | 'ACKNOWLEDGED';
  readonly direction: 'INBOUND';
  readonly kind: 'AGENCY_REPLY';
  readonly agencyId: string;
  readonly agencyReference: AgencyLetterReference;
}

export type ExistingLetterState =
  | DraftLetterState
  | ApprovedLetterState
  | DispatchedLetterState
  | InboundLetterState;
export type LetterState = { readonly status: 'ABSENT' } | ExistingLetterState;

export const letterStreamId = (letterId: string) => `letter-${letterId}`;
export const LETTER_STREAM_PREFIX = 'letter-';

// ── validation ─────────────────────────────────────────────────────────────────────────────────────

const SHA256_HEX = /^[0-9a-f]{64}$/;
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;
/** 50 MiB: larger scans are split by the uploader; the blob store holds the bytes. */
export const MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024;
export const MAX_COMPLAINTS_PER_LETTER = 200;

function attachmentsOf(input: readonly LetterAttachment[] | undefined): readonly LetterAttachment[] {
  const list = input ?? [];
  if (!Array.isArray(list)) throw badInput('attachments must be a list', { field: 'attachments' });
  const seen = new Set<string>();
  return list.map((a, i) => {
    const field = `attachments[${i}]`;
    const sha256 = typeof a?.sha256 === 'string' ? a.sha256.toLowerCase() : '';
    if (!SHA256_HEX.test(sha256)) throw badInput(`${field}.sha256 must be 64 hex digits`, { field });
    if (seen.has(sha256)) throw badInput(`${field} repeats an attachment already on the letter`, { field });
    seen.add(sha256);
    const filename = requiredText(a.filename, `${field}.filename`, 255);
    if (/[/\\\0]/.test(filename)) {
      throw badInput(`${field}.filename must not contain path separators`, { field: `${field}.filename` });
    }
    const mediaType = typeof a.mediaType === 'string' ? a.mediaType.toLowerCase() : '';
    if (!MEDIA_TYPE.test(mediaType)) {
      throw badInput(`${field}.mediaType must look like application/pdf`, { field: `${field}.mediaType` });
    }
    if (!Number.isInteger(a.size) || a.size < 1 || a.size > MAX_ATTACHMENT_BYTES) {
      throw badInput(`${field}.size must be between 1 and ${MAX_ATTACHMENT_BYTES} bytes`, {
        field: `${field}.size`,
      });
    }
    return { sha256, filename, mediaType, size: a.size };
  });
}

function complaintIdsOf(input: readonly string[] | undefined): readonly string[] {
  if (!Array.isArray(input) || input.length === 0) {
    throw badInput('a letter must cover at least one complaint', { field: 'complaintIds' });
  }
  if (input.length > MAX_COMPLAINTS_PER_LETTER) {
    throw badInput(`a letter covers at most ${MAX_COMPLAINTS_PER_LETTER} complaints`, {
      field: 'complaintIds',
    });
  }
  const ids = input.map((id, i) => requiredEntityId(id, `complaintIds[${i}]`));
  if (new Set(ids).size !== ids.length)
    throw badInput('complaintIds lists a complaint twice', { field: 'complaintIds' });
  return ids;
}

function signerOf(input: LetterSigner | undefined | null): LetterSigner | undefined {
  if (input === undefined || input === null) return undefined;
  return {
    name: requiredText(input.name, 'signer.name', 200),
    position: requiredText(input.position, 'signer.position', 300),
    ...(input.userId !== undefined ? { userId: requiredEntityId(input.userId, 'signer.userId') } : {}),
  };
}

function contentOf(input: LetterContentInput, letterId: string): LetterContentData {
  const signer = signerOf(input.signer);
  const relatedLetterId =
    input.relatedLetterId === undefined
      ? undefined
      : requiredEntityId(input.relatedLetterId, 'relatedLetterId');
  if (relatedLetterId === letterId) {
    throw badInput('a letter cannot refer to itself', { field: 'relatedLetterId' });
  }
  return {
    subject: requiredText(input.subject, 'subject', 500),
    body: requiredText(input.body, 'body', 100_000),
    complaintIds: complaintIdsOf(input.complaintIds),
    attachments: attachmentsOf(input.attachments),
    ...(signer ? { signer } : {}),
    ...(relatedLetterId ? { relatedLetterId } : {}),
  };
}

function requireOutboundKind(kind: unknown): OutboundLetterKind {
  if (kind === 'AGENCY_REPLY') {
    throw badInput('an AGENCY_REPLY is registered on receipt, not drafted', { field: 'kind' });
  }
  if (!OUTBOUND_LETTER_KINDS.includes(kind as OutboundLetterKind)) {
    throw badInput(`kind must be one of ${OUTBOUND_LETTER_KINDS.join(', ')}`, { field: 'kind' });
  }
  return kind as OutboundLetterKind;
}

// ── decider ────────────────────────────────────────────────────────────────────────────────────────

/** The verb each command requests, as it appears in INVALID_TRANSITION messages. */
/** What each command asks to do, in words for refusals (the decider's and the access rules'). */
export const REQUESTED: Record<LetterCommand['type'], string> = {
  DraftLetter: 'draft',
  ReviseLetter: 'revise',
  ApproveLetter: 'approve',
  AssignLetterNumber: 'assign a number',
  SignLetter: 'record the signature',
  SendLetter: 'send',
  MarkLetterDelivered: 'mark delivered',
  AcknowledgeLetter: 'acknowledge',
  RecordLetterReply: 'record a reply',
  RegisterAgencyReply: 'register an agency reply',
};

/** Refused because of the state (or the state for this kind of letter). */
function refuse(
  state: ExistingLetterState | { status: 'ABSENT' },
  command: LetterCommand,
  why?: string,
): DomainError {
  const requested = REQUESTED[command.type];
  const details = state.status === 'ABSENT' ? {} : { kind: state.kind, letterId: state.letterId };
  if (!why) return invalidTransition(state.status, requested, details);
  return new DomainError(
    'INVALID_TRANSITION',
    `cannot ${requested} when the state is ${state.status}: ${why}`,
    {
      currentState: state.status,
      requested,
      ...details,
    },
  );
}

function decideAbsent(command: LetterCommand): readonly LetterEvent[] {
  const { now, actor } = command.metadata;
  switch (command.type) {
    case 'DraftLetter': {
      const d = command.data;
      const letterId = requiredEntityId(d.letterId, 'letterId');
      const kind = requireOutboundKind(d.kind);
      const agencyId =
        d.agencyId === undefined || d.agencyId === null
          ? undefined
          : requiredAgencyId(d.agencyId, 'agencyId');
      if (!agencyId && kind !== 'COMPLAINANT_NOTICE') {
        throw badInput(`a ${kind} letter is addressed to an agency: agencyId is required`, {
          field: 'agencyId',
        });
      }
      return [
        {
          type: 'LetterDrafted',
          data: {
            letterId,
            kind,
            ...(agencyId ? { agencyId } : {}),
            ...contentOf(d, letterId),
            draftedBy: actor.id,
            draftedAt: now,
          },
        },
      ];
    }
    case 'RegisterAgencyReply': {
      const d = command.data;
      const letterId = requiredEntityId(d.letterId, 'letterId');
      const agencyId = requiredAgencyId(d.agencyId, 'agencyId');
      const receivedAt = optionalInstantAsGiven(d.receivedAt, 'receivedAt') ?? now;
      if (Date.parse(receivedAt) > Date.parse(now)) {
        throw badInput('receivedAt cannot be in the future', { field: 'receivedAt' });
      }
      const agencyLetterNumber = optionalText(d.agencyLetterNumber, 'agencyLetterNumber', 200);
      const agencyLetterDate = optionalText(d.agencyLetterDate, 'agencyLetterDate', 40);
      if (agencyLetterDate && Number.isNaN(Date.parse(agencyLetterDate))) {
        throw badInput('agencyLetterDate must be an ISO 8601 date', { field: 'agencyLetterDate' });
      }
      const eOfficeNumber = optionalText(d.eOfficeNumber, 'eOfficeNumber', 200);
      return [
        {
          type: 'AgencyReplyRegistered',
          data: {
            letterId,
            kind: 'AGENCY_REPLY',
            agencyId,
            ...contentOf(d, letterId),
            ...(agencyLetterNumber ? { agencyLetterNumber } : {}),
            ...(agencyLetterDate ? { agencyLetterDate } : {}),
            ...(eOfficeNumber ? { eOfficeNumber } : {}),
            registeredBy: actor.id,
            receivedAt,
          },
        },
      ];
    }
    default:
      throw refuse({ status: 'ABSENT' }, command);
  }
}

function decideDraft(command: LetterCommand, state: DraftLetterState): readonly LetterEvent[] {
  const { now, actor } = command.metadata;
  switch (command.type) {
    case 'ReviseLetter': {
      const d = command.data;
      if (Object.values(d).every((v) => v === undefined)) {
        throw badInput('a revision must change at least one field');
      }
      const merged: LetterContentInput = {
        subject: d.subject ?? state.subject,
        body: d.body ?? state.body,
        complaintIds: d.complaintIds ?? state.complaintIds,
        attachments: d.attachments ?? state.attachments,
        ...(d.signer === null
          ? {}
          : d.signer
            ? { signer: d.signer }
            : state.signer
              ? { signer: state.signer }
              : {}),
        ...(d.relatedLetterId === null
          ? {}
          : d.relatedLetterId
            ? { relatedLetterId: d.relatedLetterId }
            : state.relatedLetterId
              ? { relatedLetterId: state.relatedLetterId }
              : {}),
      };
      const content = contentOf(merged, state.letterId);
      if (JSON.stringify(content) === JSON.stringify(contentFields(state))) return [];
      return [
        {
          type: 'LetterRevised',
          data: { letterId: state.letterId, ...content, revisedBy: actor.id, revisedAt: now },
        },
      ];
    }
    case 'ApproveLetter': {
      const signatureReference = optionalText(command.data.signatureReference, 'signatureReference', 300);
      return [
        {
          type: 'LetterApproved',
          data: {
            letterId: state.letterId,
            approvedBy: actor.id,
            approvedAt: now,
            ...(signatureReference ? { signatureReference } : {}),
          },
        },
      ];
    }
    default:
      throw refuse(state, command);
  }
}

/** Same number again is the numbering service completing its own reservation a second time: no-op. */
function decideAssign(command: AssignLetterNumber, state: ApprovedLetterState | DispatchedLetterState) {
  const d = command.data;
  if (state.number) {
    if (
      state.number.year === d.year &&
      state.number.sequence === d.sequence &&
      state.number.number === d.number
    ) {
      return [];
    }
    throw conflict(`letter ${state.letterId} already has number ${state.number.number}`, {
      letterId: state.letterId,
    });
  }
  if (!Number.isInteger(d.sequence) || d.sequence < 1 || !Number.isInteger(d.year)) {
    throw badInput('a letter number needs a positive sequence and a year', { field: 'sequence' });
  }
  const number = requiredText(d.number, 'number', 200);
  const register = requiredText(d.register, 'register', 200);
  const event: LetterNumberAssigned = {
    type: 'LetterNumberAssigned',
    data: {
      letterId: state.letterId,
      number,
      year: d.year,
      sequence: d.sequence,
      register,
      assignedAt: command.metadata.now,
    },
  };
  return [event];
}

function decideApproved(command: LetterCommand, state: ApprovedLetterState): readonly LetterEvent[] {
  const { now, actor } = command.metadata;
  switch (command.type) {
    case 'AssignLetterNumber':
      return decideAssign(command, state);
    case 'SignLetter': {
      const signatureReference = requiredText(command.data.signatureReference, 'signatureReference', 300);
      if (state.approval.signatureReference === signatureReference) return [];
      if (state.approval.signatureReference) throw refuse(state, command, 'the letter is already signed');
      return [
        { type: 'LetterSigned', data: { letterId: state.letterId, signatureReference, signedAt: now } },
      ];
    }
    case 'SendLetter': {
      if (!state.number) throw refuse(state, command, 'the letter has no number yet');
      const d = command.data;
      if (!LETTER_CHANNELS.includes(d.channel)) {
        throw badInput(`channel must be one of ${LETTER_CHANNELS.join(', ')}`, { field: 'channel' });
      }
      const eOfficeNumber = optionalText(d.eOfficeNumber, 'eOfficeNumber', 200);
      const messageId = optionalText(d.messageId, 'messageId', 500);
      return [
        {
          type: 'LetterSent',
          data: {
            letterId: state.letterId,
            channel: d.channel,
            sentBy: actor.id,
            ...(eOfficeNumber ? { eOfficeNumber } : {}),
            ...(messageId ? { messageId } : {}),
            sentAt: now,
          },
        },
      ];
    }
    default:
      throw refuse(state, command);
  }
}

const acknowledged = (state: ExistingLetterState, command: LetterCommand): LetterAcknowledged => ({
  type: 'LetterAcknowledged',
  data: {
    letterId: state.letterId,
    acknowledgedBy: command.metadata.actor.id,
    acknowledgedAt: command.metadata.now,
  },
});

function decideDispatched(command: LetterCommand, state: DispatchedLetterState): readonly LetterEvent[] {
  const { now, actor } = command.metadata;
  const agencyAddressed = AGENCY_ADDRESSED_KINDS.includes(state.kind);
  switch (command.type) {
    case 'AssignLetterNumber':
      return decideAssign(command, state);
    case 'MarkLetterDelivered': {
      if (state.status !== 'SENT') throw refuse(state, command);
      const deliveredAt = optionalInstantAsGiven(command.data.deliveredAt, 'deliveredAt') ?? now;
      if (Date.parse(deliveredAt) > Date.parse(now)) {
        throw badInput('deliveredAt cannot be in the future', { field: 'deliveredAt' });
      }
      if (state.timestamps.SENT && Date.parse(deliveredAt) < Date.parse(state.timestamps.SENT)) {
        throw badInput('deliveredAt cannot precede the sending', { field: 'deliveredAt' });
      }
      const evidence = optionalText(command.data.evidence, 'evidence', 1000);
      return [
        {
          type: 'LetterDelivered',
          data: {
            letterId: state.letterId,
            deliveredAt,
            ...(evidence ? { evidence } : {}),
            recordedBy: actor.id,
          },
        },
      ];
    }
    case 'AcknowledgeLetter': {
      if (!agencyAddressed) throw refuse(state, command, `a ${state.kind} is not acknowledged`);
      if (state.status !== 'SENT' && state.status !== 'DELIVERED') throw refuse(state, command);
      return [acknowledged(state, command)];
    }
    case 'RecordLetterReply': {
      if (!agencyAddressed) throw refuse(state, command, `a ${state.kind} is not replied to`);
      const replyLetterId = requiredEntityId(command.data.replyLetterId, 'replyLetterId');
      if (replyLetterId === state.letterId) {
        throw badInput('a letter cannot be its own reply', { field: 'replyLetterId' });
      }
      if (state.replyLetterIds.includes(replyLetterId)) return [];
      return [{ type: 'LetterReplied', data: { letterId: state.letterId, replyLetterId, repliedAt: now } }];
    }
    default:
      throw refuse(state, command);
  }
}

function decideInbound(command: LetterCommand, state: InboundLetterState): readonly LetterEvent[] {
  switch (command.type) {
    case 'AcknowledgeLetter':
      if (state.status !== 'DELIVERED') throw refuse(state, command);
      return [acknowledged(state, command)];
    case 'RecordLetterReply':
      throw refuse(state, command, 'an agency reply is answered with a new letter');
    default:
      throw refuse(state, command);
  }
}

function contentFields(state: LetterContentData): LetterContentData {
  return {
    subject: state.subject,
    body: state.body,
    complaintIds: state.complaintIds,
    attachments: state.attachments,
    ...(state.signer ? { signer: state.signer } : {}),
    ...(state.relatedLetterId ? { relatedLetterId: state.relatedLetterId } : {}),
  };
}

function evolveExisting(state: ExistingLetterState, event: LetterEvent): LetterState {
  switch (event.type) {
    case 'LetterDrafted':
    case 'AgencyReplyRegistered':
      return state; // creation is only ever decided on an absent letter
    case 'LetterRevised': {
      if (state.status !== 'DRAFT') return state;
      const { letterId: _id, revisedBy: _by, revisedAt: _at, ...content } = event.data;
      const { signer: _s, relatedLetterId: _r, ...rest } = state;
      return { ...rest, ...content };
    }
    case 'LetterApproved': {
      if (state.status !== 'DRAFT') return state;
      const { letterId: _id, ...approval } = event.data;
      return {
        ...state,
        status: 'APPROVED',
        approval,
        timestamps: { ...state.timestamps, APPROVED: approval.approvedAt },
      };
    }
    case 'LetterNumberAssigned': {
      if (state.status !== 'APPROVED') return state;
      const { number, year, sequence } = event.data;
      return { ...state, number: { number, year, sequence } };
    }
    case 'LetterSigned':
      if (state.status !== 'APPROVED') return state;
      return { ...state, approval: { ...state.approval, signatureReference: event.data.signatureReference } };
    case 'LetterSent': {
      if (state.status !== 'APPROVED' || !state.number) return state;
      const { letterId: _id, sentAt, ...dispatch } = event.data;
      return {
        ...state,
        status: 'SENT',
        number: state.number,
        dispatch,
        timestamps: { ...state.timestamps, SENT: sentAt },
      };
    }
    case 'LetterDelivered':
      if (state.status !== 'SENT') return state;
      return {
        ...state,
        status: 'DELIVERED',
        timestamps: { ...state.timestamps, DELIVERED: event.data.deliveredAt },
      };
    case 'LetterAcknowledged':
      if (state.status !== 'SENT' && state.status !== 'DELIVERED') return state;
      return {
        ...state,
        status: 'ACKNOWLEDGED',
        timestamps: { ...state.timestamps, ACKNOWLEDGED: event.data.acknowledgedAt },
      } as ExistingLetterState;
    case 'LetterReplied': {
      if (
        state.direction !== 'OUTBOUND' ||
        (state.status !== 'SENT' &&
          state.status !== 'DELIVERED' &&
          state.status !== 'ACKNOWLEDGED' &&
          state.status !== 'REPLIED')
      ) {
        return state;
      }
      return {
        ...state,
        status: 'REPLIED',
        replyLetterIds: [...state.replyLetterIds, event.data.replyLetterId],
        // The first reply is when the letter became REPLIED; later progress reports keep that time.
        timestamps: { ...state.timestamps, REPLIED: state.timestamps.REPLIED ?? event.data.repliedAt },
      };
    }
  }
}

export const letterDecider: Decider<LetterCommand, LetterEvent, LetterState> = {
  initialState: () => ({ status: 'ABSENT' }),
  decide(command, state) {
    switch (state.status) {
      case 'ABSENT':
        return decideAbsent(command);
      case 'DRAFT':
        return decideDraft(command, state);
      case 'APPROVED':
        return decideApproved(command, state);
      case 'SENT':
      case 'DELIVERED':
      case 'ACKNOWLEDGED':
      case 'REPLIED':
        return state.direction === 'INBOUND'
          ? decideInbound(command, state)
          : decideDispatched(command, state);
    }
  },
  evolve(state, event) {
    switch (state.status) {
      case 'ABSENT': {
        if (event.type === 'LetterDrafted') {
          const { draftedBy: _by, draftedAt, ...rest } = event.data;
          return {
            ...rest,
            status: 'DRAFT',
            direction: 'OUTBOUND',
            replyLetterIds: [],
            timestamps: { DRAFT: draftedAt },
          };
        }
        if (event.type === 'AgencyReplyRegistered') {
          const { agencyLetterNumber, agencyLetterDate, eOfficeNumber, registeredBy, receivedAt, ...rest } =
            event.data;
          return {
            ...rest,
            status: 'DELIVERED',
            direction: 'INBOUND',
            replyLetterIds: [],
            agencyReference: {
              registeredBy,
              ...(agencyLetterNumber ? { agencyLetterNumber } : {}),
              ...(agencyLetterDate ? { agencyLetterDate } : {}),
              ...(eOfficeNumber ? { eOfficeNumber } : {}),
            },
            timestamps: { DELIVERED: receivedAt },
          };
        }
        return state;
      }
      case 'DRAFT':
      case 'APPROVED':
      case 'SENT':
      case 'DELIVERED':
      case 'ACKNOWLEDGED':
      case 'REPLIED':
        return evolveExisting(state, event);
    }
  },
};
