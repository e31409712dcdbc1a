/**
 * What the correspondence subgraph knows of complaints, from the complaint events on the shared log:
 * which agencies each complaint was forwarded to (an agency's PIC may see the complaint's letters only
 * then), each forwarding's progress, and the tracking number that letters cite. No complaint content and
 * no personal data is copied here.
 */
import { type ComplaintEvent, COMPLAINT_STREAM_PREFIX, complaintIdFromStream } from '../complaint/contract';
import type { RecordedEvent } from '../shared/eventstore/types';
import type { Projection, ReadModelTx } from '../shared/projections/types';

export const COMPLAINT_LINKS = 'complaint_links';

export type LinkedForwardingStatus = 'FORWARDED' | 'ACKNOWLEDGED' | 'RESPONDED';

export interface LinkedForwarding {
  readonly forwardingId: string;
  readonly agencyId: string;
  readonly status: LinkedForwardingStatus;
  /** Part of the complaint's current round (false once replaced by a new forwarding or after a reopen). */
  readonly current: boolean;
}

export interface ComplaintLinkDoc {
  readonly id: string;
  readonly trackingNumber: string;
  /** Every agency the complaint was ever forwarded to: they keep seeing its letters. */
  readonly agencyIds: readonly string[];
  readonly forwardings: readonly LinkedForwarding[];
}

const EVENT_TYPES: readonly ComplaintEvent['type'][] = [
  'ComplaintReceived',
  'ComplaintForwarded',
  'ComplaintAcknowledged',
  'AgencyResponseRecorded',
  'AgencyResponseMarkedInsufficient',
  'ComplaintReopened',
];

async function apply(recorded: RecordedEvent, tx: ReadModelTx): Promise<void> {
  const id = complaintIdFromStream(recorded.streamId);
  if (!id) return;
  const event = { type: recorded.type, data: recorded.data } as ComplaintEvent;
  if (event.type === 'ComplaintReceived') {
    const doc: ComplaintLinkDoc = {
      id,
      trackingNumber: event.data.trackingNumber,
      agencyIds: [],
      forwardings: [],
    };
    await tx.put(COMPLAINT_LINKS, id, doc);
    return;
  }
  const doc = await tx.get<ComplaintLinkDoc>(COMPLAINT_LINKS, id);
  if (!doc) return;
  const setStatus = (forwardingId: string, status: LinkedForwardingStatus) =>
    doc.forwardings.map((f) => (f.forwardingId === forwardingId ? { ...f, status } : f));
  let forwardings: readonly LinkedForwarding[] = doc.forwardings;
  switch (event.type) {
    case 'ComplaintForwarded':
    case 'AgencyResponseMarkedInsufficient': {
      const replaced = new Set(
        event.type === 'AgencyResponseMarkedInsufficient'
          ? event.data.forwardings.map((f) => f.previousForwardingId)
          : [],
      );
      forwardings = [
        ...doc.forwardings.map((f) => (replaced.has(f.forwardingId) ? { ...f, current: false } : f)),
        ...event.data.forwardings.map((f) => ({
          forwardingId: f.forwardingId,
          agencyId: f.agencyId,
          status: 'FORWARDED' as const,
          current: true,
        })),
      ];
      break;
    }
    case 'ComplaintAcknowledged':
      forwardings = setStatus(event.data.forwardingId, 'ACKNOWLEDGED');
      break;
    case 'AgencyResponseRecorded':
      forwardings = setStatus(event.data.forwardingId, 'RESPONDED');
      break;
    case 'ComplaintReopened':
      forwardings = doc.forwardings.map((f) => ({ ...f, current: false }));
      break;
    default:
      return;
  }
  const agencyIds = [...new Set([...doc.agencyIds, ...forwardings.map((f) => f.agencyId)])];
  await tx.put(COMPLAINT_LINKS, id, { ...doc, agencyIds, forwardings });
}

export const complaintLinksProjection: Projection = {
  name: 'correspondence.complaint_links',
  version: 1,
  collections: [COMPLAINT_LINKS],
  filter: { streamPrefixes: [COMPLAINT_STREAM_PREFIX], eventTypes: EVENT_TYPES },
  apply,
};
