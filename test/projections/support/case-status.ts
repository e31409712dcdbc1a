import type { NewEvent, RecordedEvent } from '../../../services/shared/eventstore/types';
import type { Projection, ReadModelTx } from '../../../services/shared/projections/types';

/** A complaint-status view keyed by case id: many events land on one document, and every field depends
 *  on applying each event exactly once (a double shows up in `events`, a loss in `status` or `lastPosition`). */
export interface CaseStatusView {
  id: string;
  status: string;
  channel?: string;
  agencies: string[];
  events: number;
  lastPosition: number;
  updatedAt: string;
}

export const CASE_STATUS_COLLECTION = 'case_status';

const STATUS_BY_EVENT: Record<string, string> = {
  ComplaintReceived: 'RECEIVED',
  ComplaintVerified: 'VERIFIED',
  ComplaintForwarded: 'FORWARDED',
  FollowUpAcknowledged: 'IN_FOLLOW_UP',
  AgencyResponded: 'RESPONDED',
  ComplaintResolved: 'RESOLVED',
  ComplaintClosed: 'CLOSED',
};

export const COMPLAINT_LIFECYCLE = Object.keys(STATUS_BY_EVENT);

export async function applyCaseStatus(event: RecordedEvent, tx: ReadModelTx): Promise<void> {
  const caseId = event.streamId.slice('complaint-'.length);
  const view = (await tx.get<CaseStatusView>(CASE_STATUS_COLLECTION, caseId)) ?? {
    id: caseId,
    status: 'NONE',
    agencies: [],
    events: 0,
    lastPosition: 0,
    updatedAt: '',
  };
  view.status = STATUS_BY_EVENT[event.type] ?? view.status;
  const data = event.data as { channel?: string; agencyIds?: string[] };
  if (event.type === 'ComplaintReceived') view.channel = data.channel;
  if (event.type === 'ComplaintForwarded') view.agencies = [...view.agencies, ...(data.agencyIds ?? [])];
  view.events += 1;
  view.lastPosition = event.position;
  view.updatedAt = event.metadata.occurredAt;
  await tx.put(CASE_STATUS_COLLECTION, caseId, view);
}

export function caseStatusProjection(overrides: Partial<Projection> = {}): Projection {
  return {
    name: 'case-status',
    version: 1,
    collections: [CASE_STATUS_COLLECTION],
    filter: { streamPrefixes: ['complaint-'] },
    apply: applyCaseStatus,
    ...overrides,
  };
}

/** The events of one complaint's whole lifecycle, or its first `count` of them. */
export function complaintEvents(caseId: string, count = COMPLAINT_LIFECYCLE.length, start = 0): NewEvent[] {
  return COMPLAINT_LIFECYCLE.slice(start, start + count).map((type, i) => ({
    type,
    data:
      type === 'ComplaintReceived'
        ? { channel: 'EMAIL', complainantName: 'Siti Aminah' }
        : type === 'ComplaintForwarded'
          ? { agencyIds: ['inspektorat-bantul'] }
          : {},
    metadata: {
      occurredAt: new Date(Date.UTC(2026, 0, 1) + (start + i) * 3_600_000).toISOString(),
      caseId,
      actor: { id: 'officer-1', role: 'OFFICER' },
    },
  }));
}
