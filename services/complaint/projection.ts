import { badInput } from '../shared/errors';
import type { ComplaintViewer } from './access';
import type { RecordedEvent } from '../shared/eventstore/types';
import type { SealedValue } from '../shared/pii/sealed';
import type {
  DocQuery,
  FieldCondition,
  Projection,
  ReadModelIndex,
  ReadModelStore,
  ReadModelTx,
} from '../shared/projections/types';
import {
  type Channel,
  COMPLAINT_STREAM_PREFIX,
  type AgencyResponseOutcome,
  type ComplaintStatus,
  complaintIdFromStream,
  type ForwardingStatus,
  type IntakeKind,
  type RejectionReason,
} from './domain/constants';
import {
  COMPLAINT_EVENT_TYPES,
  type ComplaintEvent,
  type ComplaintReceived,
  type ComplaintReopened,
} from './domain/events';

/** The read-model collection of complaint documents, keyed by complaint id. */
export const COMPLAINTS_COLLECTION = 'complaints';

/**
 * The complainant as a document holds it. The identity stays sealed in the read model and is opened
 * by the resolver at read time through the KeyVault, so an erasure (key destroyed) shows everywhere at
 * once, even before this projection has seen the ComplainantDataErased event.
 */
export type ComplainantEntry =
  | { readonly access: 'SEALED'; readonly subjectId: string; readonly sealed: SealedValue }
  /** The key was destroyed and the erasure recorded: the blob is dropped from the read model too. */
  | { readonly access: 'ERASED'; readonly erasedAt: string }
  /** Produced only by masking: the viewer may not see the identity (an erasure shows as ERASED to all). */
  | { readonly access: 'MASKED' };

/** One forwarding to one agency: its own follow-up and clock. */
export interface ForwardingEntry {
  readonly forwardingId: string;
  readonly agencyId: string;
  readonly status: ForwardingStatus;
  readonly forwardedAt: string;
  readonly forwardedBy: string;
  readonly acknowledgedAt: string | null;
  readonly acknowledgedBy: string | null;
  readonly respondedAt: string | null;
  readonly respondedBy: string | null;
  readonly response: string | null;
  readonly responseOutcome: AgencyResponseOutcome | null;
  /** Part of the complaint's current round (false once replaced, or after a reopen). */
  readonly current: boolean;
  /** The officer found its response insufficient; `replacedBy` is the new forwarding. */
  readonly insufficient: {
    readonly note: string;
    readonly by: string;
    readonly at: string;
    readonly replacedBy: string;
  } | null;
}

export interface PrivacyChangeEntry {
  readonly confidential: boolean;
  readonly anonymous: boolean;
  readonly previous: { readonly confidential: boolean; readonly anonymous: boolean };
  readonly reason: string | null;
  readonly by: string;
  readonly at: string;
}

/** A complaint as the queries of the complaint subgraph read it. */
export interface ComplaintDocument {
  readonly id: string;
  readonly trackingNumber: string;
  readonly status: ComplaintStatus;
  readonly intake: IntakeKind;
  readonly channel: Channel;
  /** Plaintext only for complaints received before references were sealed; dropped on erasure. */
  readonly channelReference: string | null;
  /** Opened at read time like the identity, so an erasure shows at once. */
  readonly sealedChannelReference?: SealedValue | null;
  readonly imported: ComplaintReceived['data']['imported'];
  readonly subject: string;
  readonly description: string;
  readonly category: string | null;
  readonly region: string | null;
  readonly confidential: boolean;
  readonly anonymous: boolean;
  readonly complainant: ComplainantEntry | null;
  /** The latest forwarding of each agency, in the order the agencies were first forwarded to. */
  readonly agencies: readonly ForwardingEntry[];
  /** Every forwarding ever, oldest first. */
  readonly forwardings: readonly ForwardingEntry[];
  /** Every agency the complaint was ever forwarded to: the AGENCY visibility rule and the agency filter. */
  readonly agencyIds: readonly string[];
  /** The pending question while AWAITING_INFORMATION. */
  readonly informationRequest: { readonly question: string; readonly by: string; readonly at: string } | null;
  readonly verifiedAt: string | null;
  readonly rejection: {
    readonly reason: RejectionReason;
    readonly note: string;
    readonly duplicateOf: string | null;
    readonly by: string;
    readonly at: string;
  } | null;
  readonly resolution: { readonly resolution: string; readonly by: string; readonly at: string } | null;
  readonly closedAt: string | null;
  readonly reopenCount: number;
  readonly lastReopen: ComplaintReopened['data'] | null;
  readonly privacyHistory: readonly PrivacyChangeEntry[];
  /** Scrypt hash of the access code; never returned to any caller (masking drops it). */
  readonly accessCodeHash: string | null;
  readonly receivedAt: string;
  readonly updatedAt: string;
  /** The stream's revision after the last applied event: the `expectedVersion` for the next mutation. */
  readonly version: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function latestPerAgency(forwardings: readonly ForwardingEntry[]): ForwardingEntry[] {
  const latest = new Map<string, ForwardingEntry>();
  for (const f of forwardings) {
    // Map keeps the first insertion's order, so agencies stay in the order they were first forwarded to.
    latest.set(f.agencyId, f);
  }
  return [...latest.values()];
}

/** Folds one event into the document (undefined before ComplaintReceived). Pure. */
export function applyComplaintEvent(
  doc: ComplaintDocument | undefined,
  event: ComplaintEvent,
  revision: number,
): ComplaintDocument | undefined {
  if (event.type === 'ComplaintReceived') {
    const d = event.data;
    return {
      id: d.complaintId,
      trackingNumber: d.trackingNumber,
      status: 'RECEIVED',
      intake: d.intake,
      channel: d.channel,
      channelReference: d.channelReference,
      sealedChannelReference: d.sealedChannelReference?.sealed ?? null,
      imported: d.imported,
      subject: d.subject,
      description: d.description,
      category: d.category,
      region: d.region,
      confidential: d.confidential,
      anonymous: d.anonymous,
      complainant: d.complainant
        ? { access: 'SEALED', subjectId: d.complainant.subjectId, sealed: d.complainant.sealed }
        : null,
      agencies: [],
      forwardings: [],
      agencyIds: [],
      informationRequest: null,
      verifiedAt: null,
      rejection: null,
      resolution: null,
      closedAt: null,
      reopenCount: 0,
      lastReopen: null,
      privacyHistory: [],
      accessCodeHash: d.accessCodeHash,
      receivedAt: d.receivedAt,
      updatedAt: d.at,
      version: revision,
    };
  }
  if (!doc) return undefined;
  const next: Mutable<ComplaintDocument> = { ...doc, version: revision, updatedAt: event.data.at };
  const updateForwardings = (change: (f: ForwardingEntry) => ForwardingEntry) => {
    next.forwardings = next.forwardings.map(change);
  };
  switch (event.type) {
    case 'InformationRequested':
      next.status = 'AWAITING_INFORMATION';
      next.informationRequest = { question: event.data.question, by: event.data.by, at: event.data.at };
      break;
    case 'InformationProvided':
      next.status = 'RECEIVED';
      next.informationRequest = null;
      break;
    case 'ComplaintVerified':
      next.status = 'VERIFIED';
      next.category = event.data.category;
      next.region = event.data.region;
      next.verifiedAt = event.data.at;
      break;
    case 'ComplaintRejected':
      next.status = 'REJECTED';
      next.informationRequest = null;
      next.rejection = { ...event.data };
      break;
    case 'ComplaintForwarded': {
      next.status = 'FORWARDED';
      const added = event.data.forwardings.map(
        (ref): ForwardingEntry => ({
          forwardingId: ref.forwardingId,
          agencyId: ref.agencyId,
          status: 'FORWARDED',
          forwardedAt: event.data.at,
          forwardedBy: event.data.by,
          acknowledgedAt: null,
          acknowledgedBy: null,
          respondedAt: null,
          respondedBy: null,
          response: null,
          responseOutcome: null,
          current: true,
          insufficient: null,
        }),
      );
      next.forwardings = [...next.forwardings, ...added];
      next.agencyIds = [...new Set([...next.agencyIds, ...added.map((f) => f.agencyId)])];
      break;
    }
    case 'ComplaintAcknowledged':
      next.status = 'IN_FOLLOW_UP';
      updateForwardings((f) =>
        f.forwardingId === event.data.forwardingId
          ? { ...f, status: 'ACKNOWLEDGED', acknowledgedAt: event.data.at, acknowledgedBy: event.data.by }
          : f,
      );
      break;
    case 'AgencyResponseRecorded':
      next.status = event.data.allResponded ? 'RESPONDED' : 'IN_FOLLOW_UP';
      updateForwardings((f) =>
        f.forwardingId === event.data.forwardingId
          ? {
              ...f,
              status: 'RESPONDED',
              respondedAt: event.data.at,
              respondedBy: event.data.by,
              response: event.data.response,
              responseOutcome: event.data.outcome,
            }
          : f,
      );
      break;
    case 'AgencyResponseMarkedInsufficient': {
      next.status = 'FORWARDED';
      const { note, by, at } = event.data;
      updateForwardings((f) => {
        const replacement = event.data.forwardings.find((r) => r.previousForwardingId === f.forwardingId);
        return replacement
          ? { ...f, current: false, insufficient: { note, by, at, replacedBy: replacement.forwardingId } }
          : f;
      });
      next.forwardings = [
        ...next.forwardings,
        ...event.data.forwardings.map(
          (ref): ForwardingEntry => ({
            forwardingId: ref.forwardingId,
            agencyId: ref.agencyId,
            status: 'FORWARDED',
            forwardedAt: at,
            forwardedBy: by,
            acknowledgedAt: null,
            acknowledgedBy: null,
            respondedAt: null,
            respondedBy: null,
            response: null,
            responseOutcome: null,
            current: true,
            insufficient: null,
          }),
        ),
      ];
      break;
    }
    case 'ComplaintResolved':
      next.status = 'RESOLVED';
      next.resolution = { ...event.data };
      break;
    case 'ComplaintClosed':
      next.status = 'CLOSED';
      next.closedAt = event.data.at;
      break;
    case 'ComplaintReopened':
      next.status = event.data.to;
      next.reopenCount = doc.reopenCount + 1;
      next.lastReopen = { ...event.data };
      // The outcome being reopened no longer stands; the events keep it for the record.
      if (event.data.from === 'REJECTED') next.rejection = null;
      else {
        next.resolution = null;
        next.closedAt = null;
        updateForwardings((f) => ({ ...f, current: false }));
      }
      break;
    case 'ComplaintPrivacyChanged':
      next.confidential = event.data.confidential;
      next.anonymous = event.data.anonymous;
      next.privacyHistory = [...doc.privacyHistory, { ...event.data }];
      break;
    case 'ComplainantDataErased':
      next.complainant = { access: 'ERASED', erasedAt: event.data.at };
      next.channelReference = null;
      next.sealedChannelReference = null;
      break;
    case 'ComplainantMessageReceived':
      // In the case's history (with its attachments); the document's fields do not change.
      break;
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
  next.agencies = latestPerAgency(next.forwardings);
  return next;
}

/**
 * An agency's cases: one small document per (agency, complaint forwarded to it), with the fields the
 * list filters on. An agency filter (every focal point's list is one) cannot use an index over the
 * complaint's `agencyIds` array, and walking the newest-first index for one agency's cases, or counting
 * them, costs the whole collection; here it costs the agency's share. Kept in the same transaction as
 * the complaint document, so both always agree.
 */
export const AGENCY_CASES_COLLECTION = 'agency_cases';

export interface AgencyCaseDocument {
  readonly agencyId: string;
  /** The complaint's id (the list's tie-breaker, as in the complaint document). */
  readonly id: string;
  readonly receivedAt: string;
  readonly status: ComplaintStatus;
  readonly channel: Channel;
  readonly confidential: boolean;
  readonly anonymous: boolean;
}

const agencyCaseKey = (agencyId: string, complaintId: string) => `${agencyId}/${complaintId}`;

/** A complaint's agency cases, keyed: one per agency it was ever forwarded to. */
export function agencyCasesOf(doc: ComplaintDocument): [key: string, agencyCase: AgencyCaseDocument][] {
  const { id, receivedAt, status, channel, confidential, anonymous } = doc;
  return doc.agencyIds.map((agencyId) => [
    agencyCaseKey(agencyId, id),
    { agencyId, id, receivedAt, status, channel, confidential, anonymous },
  ]);
}

/** Whether the agency-case rows must be written again: a field they copy changed, or an agency joined. */
function agencyCasesChanged(before: ComplaintDocument | undefined, after: ComplaintDocument): boolean {
  return (
    !before ||
    before.agencyIds.length !== after.agencyIds.length ||
    before.status !== after.status ||
    before.channel !== after.channel ||
    before.confidential !== after.confidential ||
    before.anonymous !== after.anonymous ||
    before.receivedAt !== after.receivedAt
  );
}

/** The fields a text search looks in: never the (sealed) identity. */
export const COMPLAINT_TEXT_FIELDS = [
  'subject',
  'description',
  'trackingNumber',
  'category',
  'region',
] as const;

const ORDER_FIELDS = [
  { path: 'receivedAt', type: 'text' },
  { path: 'id', type: 'text' },
] as const;

/**
 * An index for each filter of `complaints(filter:)` that narrows by equality or range, each ending in the
 * list's order (newest first), so a page is read off the index in order; and one for tracking. Every
 * field here is set on every complaint document, with this type (the promise ReadModelIndex asks for).
 * An agency filter reads the agency cases' indexes instead (`agencyCasesQuery`).
 */
export const COMPLAINT_INDEXES: readonly ReadModelIndex[] = [
  { collection: COMPLAINTS_COLLECTION, name: 'newest', fields: ORDER_FIELDS },
  ...(['status', 'channel'] as const).map((path) => ({
    collection: COMPLAINTS_COLLECTION,
    name: `${path}_newest`,
    fields: [{ path, type: 'text' } as const, ...ORDER_FIELDS],
  })),
  ...(['confidential', 'anonymous'] as const).map((path) => ({
    collection: COMPLAINTS_COLLECTION,
    name: `${path}_newest`,
    fields: [{ path, type: 'boolean' } as const, ...ORDER_FIELDS],
  })),
  // Status and channel together (the monitoring pages' two-part filters): counted off the index alone.
  {
    collection: COMPLAINTS_COLLECTION,
    name: 'status_channel_newest',
    fields: [{ path: 'status', type: 'text' }, { path: 'channel', type: 'text' }, ...ORDER_FIELDS],
  },
  { collection: COMPLAINTS_COLLECTION, name: 'tracking', fields: [{ path: 'trackingNumber', type: 'text' }] },
  // `text`: the trigram index narrows a search of three characters or more to the complaints holding it.
  {
    collection: COMPLAINTS_COLLECTION,
    name: 'text',
    kind: 'search',
    fields: COMPLAINT_TEXT_FIELDS.map((path) => ({ path, type: 'text' as const })),
  },
  ...(['agencyId', 'status', 'channel'] as const).map((path) => ({
    collection: AGENCY_CASES_COLLECTION,
    name: path === 'agencyId' ? 'agency_newest' : `agency_${path}_newest`,
    fields: [
      { path: 'agencyId', type: 'text' } as const,
      ...(path === 'agencyId' ? [] : [{ path, type: 'text' } as const]),
      ...ORDER_FIELDS,
    ],
  })),
];

/**
 * How many complaints hold each combination of the list's equality filters, and how many of each
 * agency's cases: one small document for all complaints (`all`) and one per agency (`agency:<id>`), kept
 * by the projection as documents change. `totalCount` of such a filter (the README's first query, every
 * status and channel tab) then reads one document, where counting an index range cost what the range
 * holds: 4.8 ms of a request's 6 at 100k complaints for FORWARDED and IN_FOLLOW_UP.
 */
export const COMPLAINT_COUNTS_COLLECTION = 'complaint_counts';

/** The fields a maintained count tells apart, in its key's order. */
const COUNTED_FIELDS = ['status', 'channel', 'confidential', 'anonymous'] as const;

type Counted = Pick<ComplaintDocument, (typeof COUNTED_FIELDS)[number]>;

interface ComplaintCountsDocument {
  /** By `status|channel|confidential|anonymous`; a combination no complaint holds is absent. */
  readonly counts: Readonly<Record<string, number>>;
}

const countKey = (d: Counted) => COUNTED_FIELDS.map((f) => String(d[f])).join('|');

/** Moves one complaint (or agency case) from its old combination to its new one, when they differ. */
async function recount(tx: ReadModelTx, id: string, before: Counted | undefined, after: Counted) {
  const from = before && countKey(before);
  const to = countKey(after);
  if (from === to) return;
  const counts = { ...(await tx.get<ComplaintCountsDocument>(COMPLAINT_COUNTS_COLLECTION, id))?.counts };
  if (from !== undefined) {
    const left = (counts[from] ?? 0) - 1;
    if (left > 0) counts[from] = left;
    else delete counts[from];
  }
  counts[to] = (counts[to] ?? 0) + 1;
  await tx.put(COMPLAINT_COUNTS_COLLECTION, id, { counts } satisfies ComplaintCountsDocument);
}

/**
 * The count of a complaints query, or of an agency cases query (agencyCasesQuery: `agencyId` names the
 * agency), from the maintained counts, when its filter is otherwise only equalities on the counted fields;
 * undefined when it asks anything else (a received range, a text), which is then counted off its index.
 */
export async function maintainedCount(
  readModels: Pick<ReadModelStore, 'get'>,
  query: Pick<DocQuery, 'where' | 'text'>,
): Promise<number | undefined> {
  if (query.text) return undefined;
  const { agencyId, ...where } = query.where ?? {};
  if (agencyId !== undefined && typeof agencyId !== 'string') return undefined;
  const wanted: ((value: string) => boolean)[] = [];
  for (const [field, condition] of Object.entries(where)) {
    const at = (COUNTED_FIELDS as readonly string[]).indexOf(field);
    if (at < 0) return undefined;
    let allowed: Set<string>;
    if (typeof condition === 'boolean') allowed = new Set([String(condition)]);
    else if (condition !== null && typeof condition === 'object' && 'in' in condition)
      allowed = new Set(condition.in.map(String));
    else return undefined;
    wanted[at] = (value) => allowed.has(value);
  }
  const doc = await readModels.get<ComplaintCountsDocument>(
    COMPLAINT_COUNTS_COLLECTION,
    agencyId === undefined ? 'all' : `agency:${agencyId}`,
  );
  let total = 0;
  for (const [key, n] of Object.entries(doc?.counts ?? {})) {
    const values = key.split('|');
    if (values.every((v, i) => wanted[i]?.(v) ?? true)) total += n;
  }
  return total;
}

/**
 * The `complaints` read model, its agency cases and their counts. Version 3 (the counts); bump it
 * whenever `applyComplaintEvent` changes meaning, and the runner rebuilds the collections from the log.
 */
export const complaintProjection: Projection = {
  name: 'complaints',
  version: 3,
  collections: [COMPLAINTS_COLLECTION, AGENCY_CASES_COLLECTION, COMPLAINT_COUNTS_COLLECTION],
  filter: { streamPrefixes: [COMPLAINT_STREAM_PREFIX], eventTypes: COMPLAINT_EVENT_TYPES },
  indexes: COMPLAINT_INDEXES,
  async apply(event: RecordedEvent, tx: ReadModelTx): Promise<void> {
    const id = complaintIdFromStream(event.streamId);
    if (!id) return;
    const current = await tx.get<ComplaintDocument>(COMPLAINTS_COLLECTION, id);
    // A replayed event (the same or an older revision) must not fold twice.
    if (current && event.revision <= current.version) return;
    const next = applyComplaintEvent(
      current,
      { type: event.type, data: event.data } as ComplaintEvent,
      event.revision,
    );
    if (!next) return;
    await tx.put(COMPLAINTS_COLLECTION, id, next);
    await recount(tx, 'all', current, next);
    if (agencyCasesChanged(current, next)) {
      for (const [key, agencyCase] of agencyCasesOf(next)) {
        await tx.put(AGENCY_CASES_COLLECTION, key, agencyCase);
        const before = current?.agencyIds.includes(agencyCase.agencyId) ? current : undefined;
        await recount(tx, `agency:${agencyCase.agencyId}`, before, agencyCase);
      }
    }
  },
};

/** All a member of the public sees, after presenting the tracking number and its access code. */
export interface PublicComplaintView {
  readonly trackingNumber: string;
  readonly status: ComplaintStatus;
  readonly receivedAt: string;
  readonly updatedAt: string;
}

/** The public tracking page's view ("status only"). Check the access code before calling this. */
export function publicComplaintView(doc: ComplaintDocument): PublicComplaintView {
  return {
    trackingNumber: doc.trackingNumber,
    status: doc.status,
    receivedAt: doc.receivedAt,
    updatedAt: doc.updatedAt,
  };
}

/* ---------------------------------------------------------------- queries ---------------------------------------------------------------- */

/** The `complaints(filter)` filter of the API. */
export interface ComplaintFilter {
  readonly status?: readonly ComplaintStatus[];
  readonly agencyId?: string;
  readonly channel?: readonly Channel[];
  /** Inclusive ISO 8601 bounds on receivedAt. */
  readonly receivedFrom?: string;
  readonly receivedTo?: string;
  /** Case-insensitive substring of the subject, description, tracking number, category or region. */
  readonly text?: string;
  readonly confidential?: boolean;
  readonly anonymous?: boolean;
}

/** Newest first, id as the tie-breaker: a stable order for Relay cursors. */
export const COMPLAINT_ORDER: NonNullable<DocQuery['orderBy']> = [
  { path: 'receivedAt', direction: 'desc' },
  { path: 'id', direction: 'desc' },
];

// Stored times are UTC `toISOString()` strings, so bounds must be too for string comparison to hold.
function utcInstant(value: string, field: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw badInput(`${field} must be an ISO 8601 date-time`, { field });
  return new Date(ms).toISOString();
}

/**
 * The read-model query for a filter as this viewer may run it: an AGENCY viewer is held to its own
 * agency (asking for another agency's complaints finds nothing). Add `limit`/`offset` for the page.
 */
export function complaintDocQuery(filter: ComplaintFilter = {}, viewer?: ComplaintViewer): DocQuery {
  const where: Record<string, FieldCondition> = {};
  if (filter.status?.length) where.status = { in: [...filter.status] };
  if (filter.channel?.length) where.channel = { in: [...filter.channel] };
  if (filter.receivedFrom || filter.receivedTo) {
    where.receivedAt = {
      ...(filter.receivedFrom ? { gte: utcInstant(filter.receivedFrom, 'receivedFrom') } : {}),
      ...(filter.receivedTo ? { lte: utcInstant(filter.receivedTo, 'receivedTo') } : {}),
    };
  }
  if (filter.confidential !== undefined) where.confidential = filter.confidential;
  if (filter.anonymous !== undefined) where.anonymous = filter.anonymous;
  let agency = filter.agencyId;
  if (viewer?.role === 'AGENCY') {
    if (!viewer.agencyId || (agency !== undefined && agency !== viewer.agencyId)) where.id = { in: [] };
    agency = viewer.agencyId;
  }
  if (agency) where.agencyIds = { contains: agency };
  const text = filter.text?.trim();
  return {
    where,
    ...(text ? { text: { fields: [...COMPLAINT_TEXT_FIELDS], value: text } } : {}),
    orderBy: COMPLAINT_ORDER,
  };
}

/**
 * The same query over the agency cases, when it is held to one agency and asks nothing they lack (a
 * text search reads the complaint's own fields): its page and its count then cost that agency's share
 * of the complaints. Undefined when the query is not held to one agency.
 */
export function agencyCasesQuery(query: DocQuery): DocQuery | undefined {
  const { agencyIds, ...rest } = query.where ?? {};
  if (query.text || agencyIds === null || typeof agencyIds !== 'object' || !('contains' in agencyIds)) {
    return undefined;
  }
  return { ...query, where: { ...rest, agencyId: agencyIds.contains } };
}
