/**
 * The evaluation subgraph's own records beside the KPI projection (projections.ts):
 * - `evaluation_complaints`: per complaint, what the public rating needs and nothing more — its tracking
 *   number, the access-code hash from ComplaintReceived, how many times it was resolved and whether it
 *   stands resolved now — so the complainant can rate without this subgraph asking another one;
 * - `evaluation_agencies`: every agency the evaluation has heard of (directory entries, forwardings,
 *   reminder letters), the population of the ranking;
 * - `evaluation_rounds`: each evaluation round's state as the decider folds it, for queries.
 */
import type { RecordedEvent } from '../shared/eventstore/types';
import type { DocQuery, Projection, ReadModelTx } from '../shared/projections/types';
import {
  EVALUATION_EVENT_TYPES,
  type EvaluationEvent,
  type EvaluationState,
  evaluationDecider,
} from './domain/evaluation';

export const EVALUATION_COMPLAINTS = 'evaluation_complaints';
export const EVALUATION_AGENCIES = 'evaluation_agencies';
export const EVALUATION_ROUNDS = 'evaluation_rounds';

/** Where a complaint stands as far as rating goes. */
export type RatingStanding = 'OPEN' | 'RESOLVED' | 'CLOSED' | 'REJECTED';

export interface RatableComplaintDoc {
  readonly complaintId: string;
  readonly trackingNumber: string;
  readonly accessCodeHash: string | null;
  /** How many ComplaintResolved so far: the number of the resolution a rating is about. */
  readonly resolutions: number;
  readonly standing: RatingStanding;
}

export interface EvaluationAgencyDoc {
  readonly agencyId: string;
  readonly name: string | null;
}

export type EvaluationRoundDoc = Exclude<EvaluationState, { status: 'NOT_OPENED' }> & {
  readonly id: string;
  /** The stream's last revision (what a client sends back as expectedVersion). */
  readonly version: number;
  readonly openedAt: string;
  readonly updatedAt: string;
};

const COMPLAINT_TYPES = [
  'ComplaintReceived',
  'ComplaintResolved',
  'ComplaintClosed',
  'ComplaintRejected',
  'ComplaintReopened',
  'ComplaintForwarded',
  'AgencyResponseMarkedInsufficient',
] as const;
const AGENCY_TYPES = ['AgencyCreated', 'AgencyUpdated', 'LetterDrafted'] as const;

type AnyData = Readonly<Record<string, unknown>>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

const complaintIdOf = (event: RecordedEvent): string | undefined =>
  str((event.data as AnyData).complaintId) ??
  str(event.metadata.caseId) ??
  (event.streamId.startsWith('complaint-') ? event.streamId.slice('complaint-'.length) : undefined);

async function knowAgency(tx: ReadModelTx, agencyId: string | undefined, name?: string): Promise<void> {
  if (!agencyId) return;
  const known = await tx.get<EvaluationAgencyDoc>(EVALUATION_AGENCIES, agencyId);
  if (known && (name === undefined || known.name === name)) return;
  await tx.put<EvaluationAgencyDoc>(EVALUATION_AGENCIES, agencyId, {
    agencyId,
    name: name ?? known?.name ?? null,
  });
}

async function applyComplaintEvent(event: RecordedEvent, tx: ReadModelTx): Promise<void> {
  const complaintId = complaintIdOf(event);
  if (!complaintId) return;
  const data = event.data as AnyData;
  if (event.type === 'ComplaintForwarded' || event.type === 'AgencyResponseMarkedInsufficient') {
    const forwardings = Array.isArray(data.forwardings) ? (data.forwardings as AnyData[]) : [];
    for (const f of forwardings) await knowAgency(tx, str(f.agencyId));
    return;
  }
  if (event.type === 'ComplaintReceived') {
    await tx.put<RatableComplaintDoc>(EVALUATION_COMPLAINTS, complaintId, {
      complaintId,
      trackingNumber: (str(data.trackingNumber) ?? '').toUpperCase(),
      accessCodeHash: str(data.accessCodeHash) ?? null,
      resolutions: 0,
      standing: 'OPEN',
    });
    return;
  }
  const doc = await tx.get<RatableComplaintDoc>(EVALUATION_COMPLAINTS, complaintId);
  if (!doc) return;
  switch (event.type) {
    case 'ComplaintResolved':
      await tx.put(EVALUATION_COMPLAINTS, complaintId, {
        ...doc,
        resolutions: doc.resolutions + 1,
        standing: 'RESOLVED',
      });
      return;
    case 'ComplaintClosed':
      await tx.put(EVALUATION_COMPLAINTS, complaintId, { ...doc, standing: 'CLOSED' });
      return;
    case 'ComplaintRejected':
      await tx.put(EVALUATION_COMPLAINTS, complaintId, { ...doc, standing: 'REJECTED' });
      return;
    case 'ComplaintReopened':
      await tx.put(EVALUATION_COMPLAINTS, complaintId, { ...doc, standing: 'OPEN' });
      return;
    default:
      return;
  }
}

async function applyRoundEvent(event: RecordedEvent, tx: ReadModelTx): Promise<void> {
  const id = event.streamId.startsWith('evaluation-')
    ? event.streamId.slice('evaluation-'.length)
    : undefined;
  if (!id) return;
  const before = await tx.get<EvaluationRoundDoc>(EVALUATION_ROUNDS, id);
  const state: EvaluationState = before ?? evaluationDecider.initialState();
  const next = evaluationDecider.evolve(state, { type: event.type, data: event.data } as EvaluationEvent);
  if (next.status === 'NOT_OPENED') return;
  const at = event.metadata.occurredAt;
  await tx.put<EvaluationRoundDoc>(EVALUATION_ROUNDS, id, {
    ...next,
    id,
    version: event.revision,
    openedAt: before?.openedAt ?? at,
    updatedAt: at,
  });
}

export const evaluationRecordsProjection: Projection = {
  name: 'evaluation-records',
  version: 1,
  collections: [EVALUATION_COMPLAINTS, EVALUATION_AGENCIES, EVALUATION_ROUNDS],
  filter: { eventTypes: [...COMPLAINT_TYPES, ...AGENCY_TYPES, ...EVALUATION_EVENT_TYPES] },
  // A rating finds its complaint by tracking number: from the index, not by reading every complaint.
  indexes: [
    {
      collection: EVALUATION_COMPLAINTS,
      name: 'tracking',
      fields: [{ path: 'trackingNumber', type: 'text' }],
    },
    // The rounds list (newest first) by agency, by status, or all: every round has these, as text.
    ...(['agencyId', 'status'] as const).map((field) => ({
      collection: EVALUATION_ROUNDS,
      name: field === 'agencyId' ? 'agency' : 'status',
      fields: [
        { path: field, type: 'text' as const },
        { path: 'openedAt', type: 'text' as const },
        { path: 'id', type: 'text' as const },
      ],
    })),
    {
      collection: EVALUATION_ROUNDS,
      name: 'opened',
      fields: [
        { path: 'openedAt', type: 'text' },
        { path: 'id', type: 'text' },
      ],
    },
    { collection: EVALUATION_AGENCIES, name: 'agency', fields: [{ path: 'agencyId', type: 'text' }] },
  ],
  async apply(event, tx) {
    if ((COMPLAINT_TYPES as readonly string[]).includes(event.type)) return applyComplaintEvent(event, tx);
    if ((EVALUATION_EVENT_TYPES as readonly string[]).includes(event.type)) return applyRoundEvent(event, tx);
    const data = event.data as AnyData;
    switch (event.type) {
      case 'AgencyCreated':
        return knowAgency(tx, str(data.agencyId), str(data.name));
      case 'AgencyUpdated':
        return knowAgency(tx, str(data.agencyId), str((data.changes as AnyData | undefined)?.name));
      case 'LetterDrafted':
        return knowAgency(tx, str(data.agencyId));
      default:
        return;
    }
  },
};

/** The evaluation rounds list, newest first: by agency and status when given, from their indexes. */
export function evaluationRoundsQuery(
  filter: { agencyId?: string; status?: string },
  limit = 200,
  /** The sort key (openedAt, id) of the last round of the previous page. */
  after?: readonly string[],
): DocQuery {
  return {
    where: {
      ...(filter.agencyId ? { agencyId: filter.agencyId } : {}),
      ...(filter.status ? { status: filter.status } : {}),
    },
    // Newest first, id as the tie-breaker, both one way: the index walked backwards, and a keyset cursor.
    orderBy: [
      { path: 'openedAt', direction: 'desc' },
      { path: 'id', direction: 'desc' },
    ],
    limit,
    ...(after ? { after } : {}),
  };
}
