/**
 * A readable one-line summary per event type for the auditor's timeline. Summaries name states, agencies,
 * letter kinds and numbers, never free text a person typed (a note or a response may quote the
 * complainant) and never identity.
 */
import type { RecordedEvent } from '../shared/eventstore/types';

type Data = Readonly<Record<string, unknown>>;

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const agencies = (v: unknown): string =>
  Array.isArray(v)
    ? v
        .map((f) => text((f as Data | null)?.agencyId))
        .filter((a): a is string => a !== undefined)
        .join(', ')
    : '';
const letter = (d: Data): string => {
  const kind = text(d.kind)?.toLowerCase().replace(/_/g, ' ');
  return kind ? `${kind} letter` : 'letter';
};

const SUMMARIES: Readonly<Record<string, (d: Data) => string>> = {
  ComplaintReceived: (d) =>
    `Complaint ${text(d.trackingNumber) ?? ''} received via ${text(d.channel) ?? 'an unknown channel'}` +
    `${d.imported ? ' (imported)' : ''}${d.anonymous ? ', anonymous' : ''}${d.confidential ? ', confidential' : ''}`,
  TrackingNumberClaimed: (d) => `Tracking number ${text(d.trackingNumber) ?? ''} claimed`,
  InformationRequested: () => 'Information requested from the complainant; clocks paused',
  InformationProvided: () => 'The complainant provided the requested information; clocks resumed',
  ComplainantMessageReceived: (d) =>
    `The complainant wrote again via ${text(d.channel) ?? 'a channel'}` +
    `${Array.isArray(d.attachments) && d.attachments.length ? ` with ${d.attachments.length} attachment(s)` : ''}`,
  ComplaintVerified: (d) =>
    `Complaint verified${text(d.category) ? ` as ${text(d.category)}` : ''}${text(d.region) ? ` in ${text(d.region)}` : ''}`,
  ComplaintRejected: (d) => `Complaint rejected: ${text(d.reason) ?? 'no reason code'}`,
  ComplaintForwarded: (d) => `Forwarded to ${agencies(d.forwardings) || 'no agency'}`,
  ComplaintAcknowledged: (d) => `Receipt acknowledged by ${text(d.agencyId) ?? 'an agency'}`,
  AgencyResponseRecorded: (d) =>
    `Response recorded for ${text(d.agencyId) ?? 'an agency'} (${text(d.outcome) ?? 'no outcome'})` +
    `${d.allResponded ? '; every agency has responded' : ''}`,
  AgencyResponseMarkedInsufficient: (d) =>
    `Response found insufficient; forwarded again to ${agencies(d.forwardings) || 'no agency'}`,
  ComplaintResolved: () => 'Complaint resolved',
  ComplaintClosed: () => 'Complaint closed',
  ComplaintReopened: (d) => `Reopened from ${text(d.from) ?? '?'} back to ${text(d.to) ?? '?'}`,
  ComplaintPrivacyChanged: (d) =>
    `Privacy set to confidential=${String(d.confidential)}, anonymous=${String(d.anonymous)}`,
  ComplainantDataErased: () => "The complainant's identity was erased (its key destroyed)",
  LetterDrafted: (d) => `${cap(letter(d))} drafted${text(d.agencyId) ? ` to ${text(d.agencyId)}` : ''}`,
  LetterRevised: () => 'Letter draft revised',
  LetterApproved: () => 'Letter approved',
  LetterNumberAssigned: (d) => `Letter numbered ${text(d.number) ?? ''}`.trimEnd(),
  LetterSigned: () => 'Letter signed electronically',
  LetterSent: (d) => `Letter sent${text(d.channel) ? ` by ${text(d.channel)}` : ''}`,
  LetterDelivered: () => 'Letter delivered',
  LetterAcknowledged: () => 'Letter read by the focal point',
  LetterReplied: () => 'Letter answered by the agency',
  AgencyReplyRegistered: (d) => `Agency reply registered from ${text(d.agencyId) ?? 'an agency'}`,
  DeadlineBreached: (d) => `Deadline breached on clock ${text(d.clockId) ?? ''}`.trimEnd(),
  SatisfactionRated: (d) =>
    typeof d.rating === 'number' ? `Satisfaction rated ${d.rating} of 5` : 'Satisfaction rated',
};

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Splits "SomethingHappened" into "Something happened" for event types without their own wording. */
function fromTypeName(type: string): string {
  return cap(type.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase());
}

export function summarizeEvent(event: Pick<RecordedEvent, 'type' | 'data'>): string {
  const data = (event.data && typeof event.data === 'object' ? event.data : {}) as Data;
  const summary = SUMMARIES[event.type];
  return summary ? summary(data) : fromTypeName(event.type);
}
