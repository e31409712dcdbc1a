import type { Channel, ForwardingStatus, RejectionReason } from './constants';

/** One forwarding to one agency, as the decider needs it. */
export interface Forwarding {
  readonly forwardingId: string;
  readonly agencyId: string;
  readonly status: ForwardingStatus;
  readonly forwardedAt: string;
  readonly acknowledgedAt: string | null;
  readonly respondedAt: string | null;
}

/** What every existing complaint knows, whatever its status. */
export interface ComplaintFacts {
  readonly id: string;
  readonly trackingNumber: string;
  readonly channel: Channel;
  readonly receivedAt: string;
  readonly category: string | null;
  readonly region: string | null;
  readonly confidential: boolean;
  readonly anonymous: boolean;
  /** The data subject of the sealed identity; `erased` once its key was destroyed and that recorded. */
  readonly complainant: { readonly subjectId: string; readonly erased: boolean } | null;
  /** The forwardings of the current round (empty before forwarding and after a reopen). */
  readonly forwardings: readonly Forwarding[];
  /** How many forwardings each agency has had, across rounds: numbers the next forwarding id. */
  readonly forwardingCounts: Readonly<Record<string, number>>;
  /** Every agency the complaint was ever forwarded to: they keep seeing it after a reopen. */
  readonly agencyIdsEverForwarded: readonly string[];
}

/** Before the first event: no complaint on this stream yet. */
export interface NoComplaint {
  readonly status: 'NONE';
}

export interface Received extends ComplaintFacts {
  readonly status: 'RECEIVED';
}
export interface AwaitingInformation extends ComplaintFacts {
  readonly status: 'AWAITING_INFORMATION';
  readonly informationRequestedAt: string;
}
export interface Verified extends ComplaintFacts {
  readonly status: 'VERIFIED';
}
export interface Forwarded extends ComplaintFacts {
  readonly status: 'FORWARDED';
}
export interface InFollowUp extends ComplaintFacts {
  readonly status: 'IN_FOLLOW_UP';
}
export interface Responded extends ComplaintFacts {
  readonly status: 'RESPONDED';
}
export interface Resolved extends ComplaintFacts {
  readonly status: 'RESOLVED';
  readonly resolvedAt: string;
}
export interface Closed extends ComplaintFacts {
  readonly status: 'CLOSED';
  readonly closedAt: string;
}
export interface Rejected extends ComplaintFacts {
  readonly status: 'REJECTED';
  readonly rejection: { readonly reason: RejectionReason; readonly at: string };
}

export type ExistingComplaint =
  | Received
  | AwaitingInformation
  | Verified
  | Forwarded
  | InFollowUp
  | Responded
  | Resolved
  | Closed
  | Rejected;

export type ComplaintState = NoComplaint | ExistingComplaint;

/** The facts without the status-specific fields, for building the next state. */
export function factsOf(state: ExistingComplaint): ComplaintFacts {
  return {
    id: state.id,
    trackingNumber: state.trackingNumber,
    channel: state.channel,
    receivedAt: state.receivedAt,
    category: state.category,
    region: state.region,
    confidential: state.confidential,
    anonymous: state.anonymous,
    complainant: state.complainant,
    forwardings: state.forwardings,
    forwardingCounts: state.forwardingCounts,
    agencyIdsEverForwarded: state.agencyIdsEverForwarded,
  };
}
