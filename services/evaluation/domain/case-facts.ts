/**
 * Case facts: the evaluation's vocabulary for what happened to a complaint, mapped from the events the
 * complaint, correspondence and evaluation domains record. Clocks and KPIs are written against these
 * facts only, so the mapping below is the one place that knows the other domains' event names.
 */
import type { RecordedEvent } from '../../shared/eventstore/types';
import { assertNever } from '../../shared/never';

export type CaseFactKind =
  | 'RECEIVED'
  | 'INFORMATION_REQUESTED'
  | 'INFORMATION_PROVIDED'
  | 'VERIFIED'
  | 'REJECTED'
  | 'FORWARDED'
  | 'ACKNOWLEDGED'
  | 'RESPONDED'
  | 'RESPONSE_INSUFFICIENT'
  | 'RESOLVED'
  | 'CLOSED'
  | 'REOPENED'
  | 'DEADLINE_BREACHED'
  | 'SATISFACTION_RATED';

interface FactBase {
  readonly complaintId: string;
  /** When it happened in the domain (the event's metadata.occurredAt), ISO 8601 UTC. */
  readonly at: string;
}

/** One forwarding of a complaint to one agency (`<agencyId>/<n>` in the complaint domain). */
export interface ForwardingRef {
  readonly forwardingId: string;
  readonly agencyId: string;
}

export type CaseFact =
  | (FactBase & {
      readonly kind: 'RECEIVED';
      readonly channel?: string;
      readonly region?: string;
    })
  | (FactBase & { readonly kind: 'INFORMATION_REQUESTED' | 'INFORMATION_PROVIDED' | 'VERIFIED' })
  | (FactBase & { readonly kind: 'RESOLVED' | 'CLOSED' })
  /** `to`: the state the complaint returns to (RECEIVED after a rejection, VERIFIED after a resolution). */
  | (FactBase & { readonly kind: 'REOPENED'; readonly to: 'RECEIVED' | 'VERIFIED' })
  | (FactBase & { readonly kind: 'REJECTED'; readonly reason?: string })
  /** New forwardings: a first forwarding, or the replacements of forwardings found insufficient. */
  | (FactBase & {
      readonly kind: 'FORWARDED' | 'RESPONSE_INSUFFICIENT';
      readonly forwardings: readonly ForwardingRef[];
    })
  | (FactBase & ForwardingRef & { readonly kind: 'ACKNOWLEDGED' })
  | (FactBase &
      ForwardingRef & {
        readonly kind: 'RESPONDED';
        /** The agency answered that the matter is outside its competence (a misrouted complaint). */
        readonly notCompetent: boolean;
      })
  | (FactBase & { readonly kind: 'DEADLINE_BREACHED'; readonly clockId: string })
  | (FactBase & {
      readonly kind: 'SATISFACTION_RATED';
      readonly resolution: number;
      readonly rating: number;
    });

/** Letters matter to the KPIs only through the reminders sent to an agency. */
export type LetterFact =
  | {
      readonly kind: 'LETTER_DRAFTED';
      readonly letterId: string;
      readonly letterKind: string;
      readonly agencyId: string;
      readonly at: string;
    }
  | { readonly kind: 'LETTER_SENT'; readonly letterId: string; readonly at: string };

export type EvaluationFact = CaseFact | LetterFact;

type AnyData = Readonly<Record<string, unknown>>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

function complaintIdOf(event: RecordedEvent): string | undefined {
  const data = event.data as AnyData;
  return (
    str(data.complaintId) ??
    str(event.metadata.caseId) ??
    (event.streamId.startsWith('complaint-') ? event.streamId.slice('complaint-'.length) : undefined)
  );
}

function forwardingsOf(data: AnyData): ForwardingRef[] {
  if (!Array.isArray(data.forwardings)) return [];
  const out: ForwardingRef[] = [];
  for (const f of data.forwardings as AnyData[]) {
    const forwardingId = str(f.forwardingId);
    const agencyId = str(f.agencyId);
    if (forwardingId && agencyId) out.push({ forwardingId, agencyId });
  }
  return out;
}

function forwardingOf(data: AnyData): ForwardingRef | undefined {
  const forwardingId = str(data.forwardingId);
  const agencyId = str(data.agencyId);
  return forwardingId && agencyId ? { forwardingId, agencyId } : undefined;
}

/** Complaint-domain event types (services/complaint/domain) mapped to the facts they are. */
export const COMPLAINT_EVENT_FACTS: Readonly<Record<string, CaseFactKind>> = {
  ComplaintReceived: 'RECEIVED',
  InformationRequested: 'INFORMATION_REQUESTED',
  InformationProvided: 'INFORMATION_PROVIDED',
  ComplaintVerified: 'VERIFIED',
  ComplaintRejected: 'REJECTED',
  ComplaintForwarded: 'FORWARDED',
  ComplaintAcknowledged: 'ACKNOWLEDGED',
  AgencyResponseRecorded: 'RESPONDED',
  AgencyResponseMarkedInsufficient: 'RESPONSE_INSUFFICIENT',
  ComplaintResolved: 'RESOLVED',
  ComplaintClosed: 'CLOSED',
  ComplaintReopened: 'REOPENED',
  DeadlineBreached: 'DEADLINE_BREACHED',
  SatisfactionRated: 'SATISFACTION_RATED',
};

/**
 * An agency's answer that the matter is not within its competence (a misrouted complaint), read from
 * `AgencyResponseRecorded.data.outcome`. The complaint domain records no outcome yet; until it does,
 * no response counts as not competent.
 */
const NOT_COMPETENT = new Set(['NOT_COMPETENT']);

/**
 * The fact an event is, or undefined when the evaluation does not care about it. Its time is the domain
 * time the event carries (`data.at`; `receivedAt` for an intake, so imports keep their original time),
 * else the metadata's occurredAt.
 */
export function toCaseFact(event: RecordedEvent): CaseFact | undefined {
  const kind = COMPLAINT_EVENT_FACTS[event.type];
  if (!kind) return undefined;
  const complaintId = complaintIdOf(event);
  if (!complaintId) return undefined;
  const data = event.data as AnyData;
  const at = new Date(str(data.at) ?? event.metadata.occurredAt).toISOString();
  const base = { complaintId, at };
  switch (kind) {
    case 'RECEIVED': {
      const receivedAt = str(data.receivedAt);
      return {
        ...base,
        at: receivedAt ? new Date(receivedAt).toISOString() : at,
        kind,
        ...(str(data.channel) ? { channel: str(data.channel) } : {}),
        ...(str(data.region) ? { region: str(data.region) } : {}),
      };
    }
    case 'INFORMATION_REQUESTED':
    case 'INFORMATION_PROVIDED':
    case 'VERIFIED':
    case 'RESOLVED':
    case 'CLOSED':
      return { ...base, kind };
    case 'REOPENED':
      return { ...base, kind, to: data.to === 'RECEIVED' ? 'RECEIVED' : 'VERIFIED' };
    case 'REJECTED':
      return { ...base, kind, ...(str(data.reason) ? { reason: str(data.reason) } : {}) };
    case 'FORWARDED':
    case 'RESPONSE_INSUFFICIENT':
      return { ...base, kind, forwardings: forwardingsOf(data) };
    case 'ACKNOWLEDGED': {
      const ref = forwardingOf(data);
      return ref ? { ...base, ...ref, kind } : undefined;
    }
    case 'RESPONDED': {
      const ref = forwardingOf(data);
      if (!ref) return undefined;
      const outcome = str(data.outcome);
      const notCompetent =
        data.notCompetent === true || (outcome !== undefined && NOT_COMPETENT.has(outcome));
      return { ...base, ...ref, kind, notCompetent };
    }
    case 'DEADLINE_BREACHED': {
      const clockId = str(data.clockId);
      return clockId ? { ...base, kind, clockId } : undefined;
    }
    case 'SATISFACTION_RATED': {
      const rating = data.rating;
      const resolution = data.resolution;
      if (typeof rating !== 'number' || typeof resolution !== 'number') return undefined;
      return { ...base, kind, rating, resolution };
    }
    default:
      return assertNever(kind);
  }
}

/** Correspondence events (services/correspondence/domain) the KPIs read. */
export function toLetterFact(event: RecordedEvent): LetterFact | undefined {
  const data = event.data as AnyData;
  const letterId =
    str(data.letterId) ??
    (event.streamId.startsWith('letter-') ? event.streamId.slice('letter-'.length) : undefined);
  if (!letterId) return undefined;
  const at = (field: string) => new Date(str(data[field]) ?? event.metadata.occurredAt).toISOString();
  switch (event.type) {
    case 'LetterDrafted': {
      const letterKind = str(data.kind);
      const agencyId = str(data.agencyId);
      return letterKind && agencyId
        ? { kind: 'LETTER_DRAFTED', letterId, letterKind, agencyId, at: at('draftedAt') }
        : undefined;
    }
    case 'LetterSent':
      return { kind: 'LETTER_SENT', letterId, at: at('sentAt') };
    default:
      return undefined;
  }
}

export function toEvaluationFact(event: RecordedEvent): EvaluationFact | undefined {
  return toCaseFact(event) ?? toLetterFact(event);
}

/** The event types toEvaluationFact reads (a projection filter). */
export const EVALUATION_SOURCE_EVENT_TYPES: readonly string[] = [
  ...Object.keys(COMPLAINT_EVENT_FACTS),
  'LetterDrafted',
  'LetterSent',
];
