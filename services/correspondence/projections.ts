import type { Actor, RecordedEvent } from '../shared/eventstore/types';
import type {
  DocQuery,
  FieldCondition,
  Projection,
  ReadModelIndex,
  ReadModelTx,
} from '../shared/projections/types';
import {
  AGENCY_EVENT_TYPES,
  AGENCY_STREAM_PREFIX,
  type AgencyContact,
  type AgencyEvent,
  type AgencyKind,
  type AgencyOnboardingStatus,
  type FocalPointContact,
  type FocalPointEndReason,
} from './domain/agency';
import {
  LETTER_EVENT_TYPES,
  LETTER_STREAM_PREFIX,
  type LetterAttachment,
  type LetterChannel,
  type LetterDirection,
  type LetterEvent,
  type LetterKind,
  type LetterSigner,
  type LetterStatus,
} from './domain/letter';

/**
 * Read models of the correspondence subgraph. Absent values are stored as null (not left out) so that a
 * query can ask for them (`{ parentAgencyId: null }`, `{ number: null }`).
 */

export const AGENCIES = 'agencies';
export const LETTERS = 'letters';

// ── agencies ───────────────────────────────────────────────────────────────────────────────────────

export interface FocalPointDoc {
  readonly appointmentId: string;
  readonly userId: string;
  readonly name: string;
  readonly position: string;
  readonly contact: FocalPointContact;
  readonly from: string;
  /** null while the appointment is current. */
  readonly to: string | null;
  readonly endReason: FocalPointEndReason | null;
  readonly endNote: string | null;
  readonly replacedByAppointmentId: string | null;
}

export interface OnboardingChangeDoc {
  readonly status: AgencyOnboardingStatus;
  readonly from: AgencyOnboardingStatus | null;
  readonly at: string;
  readonly by: string | null;
  /** MoU reference (pilot), note (activation) or reason (suspension). */
  readonly remark: string | null;
}

export interface AgencyDoc {
  readonly id: string;
  readonly name: string;
  readonly kind: AgencyKind;
  readonly region: string;
  /** Absent in documents projected before agencies carried one. */
  readonly regionCode?: string | null;
  readonly parentAgencyId: string | null;
  readonly contact: AgencyContact;
  readonly onboardingStatus: AgencyOnboardingStatus;
  readonly onboardingHistory: readonly OnboardingChangeDoc[];
  /** Every appointment, oldest first. */
  readonly focalPoints: readonly FocalPointDoc[];
  readonly currentFocalPoint: FocalPointDoc | null;
  /** The current PIC's user id, for "which agency does this PIC answer for" lookups. */
  readonly currentFocalPointUserId: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The agency stream's revision: the `expectedVersion` for the next command. */
  readonly version: number;
}

const actorId = (event: RecordedEvent) => event.metadata.actor?.id ?? null;

function withFocalPoints(doc: AgencyDoc, focalPoints: readonly FocalPointDoc[]): AgencyDoc {
  const current = focalPoints.find((f) => f.to === null) ?? null;
  return {
    ...doc,
    focalPoints,
    currentFocalPoint: current,
    currentFocalPointUserId: current?.userId ?? null,
  };
}

function onboarding(doc: AgencyDoc, change: OnboardingChangeDoc): AgencyDoc {
  return { ...doc, onboardingStatus: change.status, onboardingHistory: [...doc.onboardingHistory, change] };
}

async function applyAgency(recorded: RecordedEvent, tx: ReadModelTx): Promise<void> {
  const event = { type: recorded.type, data: recorded.data } as AgencyEvent;
  const stamp = { updatedAt: recorded.metadata.occurredAt, version: recorded.revision };
  if (event.type === 'AgencyCreated') {
    const d = event.data;
    const doc: AgencyDoc = {
      id: d.agencyId,
      name: d.name,
      kind: d.kind,
      region: d.region,
      regionCode: d.regionCode ?? null,
      parentAgencyId: d.parentAgencyId ?? null,
      contact: d.contact,
      onboardingStatus: 'REGISTERED',
      onboardingHistory: [
        { status: 'REGISTERED', from: null, at: d.createdAt, by: actorId(recorded), remark: null },
      ],
      focalPoints: [],
      currentFocalPoint: null,
      currentFocalPointUserId: null,
      createdAt: d.createdAt,
      ...stamp,
    };
    await tx.put(AGENCIES, d.agencyId, doc);
    return;
  }
  const doc = await tx.get<AgencyDoc>(AGENCIES, event.data.agencyId);
  if (!doc) return; // events of an agency whose creation this projection never saw cannot be placed
  let next: AgencyDoc;
  switch (event.type) {
    case 'AgencyUpdated': {
      const { parentAgencyId, ...changes } = event.data.changes;
      next = { ...doc, ...changes, ...(parentAgencyId !== undefined ? { parentAgencyId } : {}) };
      break;
    }
    case 'AgencyPilotStarted':
      next = onboarding(doc, {
        status: 'PILOT',
        from: event.data.from,
        at: event.data.at,
        by: actorId(recorded),
        remark: event.data.mouReference ?? null,
      });
      break;
    case 'AgencyActivated':
      next = onboarding(doc, {
        status: 'ACTIVE',
        from: event.data.from,
        at: event.data.at,
        by: actorId(recorded),
        remark: event.data.note ?? null,
      });
      break;
    case 'AgencySuspended':
      next = onboarding(doc, {
        status: 'SUSPENDED',
        from: event.data.from,
        at: event.data.at,
        by: actorId(recorded),
        remark: event.data.reason,
      });
      break;
    case 'FocalPointAppointed': {
      const d = event.data;
      if (doc.focalPoints.some((f) => f.appointmentId === d.appointmentId)) return;
      next = withFocalPoints(doc, [
        ...doc.focalPoints,
        {
          appointmentId: d.appointmentId,
          userId: d.userId,
          name: d.name,
          position: d.position,
          contact: d.contact,
          from: d.from,
          to: null,
          endReason: null,
          endNote: null,
          replacedByAppointmentId: null,
        },
      ]);
      break;
    }
    case 'FocalPointAppointmentEnded': {
      const d = event.data;
      next = withFocalPoints(
        doc,
        doc.focalPoints.map((f) =>
          f.appointmentId === d.appointmentId
            ? {
                ...f,
                to: d.to,
                endReason: d.reason,
                endNote: d.note ?? null,
                replacedByAppointmentId: d.replacedByAppointmentId ?? null,
              }
            : f,
        ),
      );
      break;
    }
  }
  await tx.put(AGENCIES, doc.id, { ...next, ...stamp });
}

/** The fields of LETTER_ORDER (below) as the letter indexes hold them. */
const LETTER_ORDER_FIELDS: ReadModelIndex['fields'] = [
  { path: 'createdAt', type: 'text' },
  { path: 'id', type: 'text' },
];

export const agenciesProjection: Projection = {
  name: 'correspondence.agencies',
  version: 1,
  collections: [AGENCIES],
  indexes: [
    {
      collection: AGENCIES,
      name: 'by_name',
      fields: [
        { path: 'name', type: 'text' },
        { path: 'id', type: 'text' },
      ],
    },
  ],
  filter: { streamPrefixes: [AGENCY_STREAM_PREFIX], eventTypes: AGENCY_EVENT_TYPES },
  apply: applyAgency,
};

// ── letters ────────────────────────────────────────────────────────────────────────────────────────

export interface LetterDoc {
  readonly id: string;
  readonly kind: LetterKind;
  readonly direction: LetterDirection;
  /** null only for a COMPLAINANT_NOTICE that concerns no agency. */
  readonly agencyId: string | null;
  readonly complaintIds: readonly string[];
  readonly state: LetterStatus;
  readonly subject: string;
  readonly body: string;
  readonly signer: LetterSigner | null;
  readonly attachments: readonly LetterAttachment[];
  /** The letter a REMINDER chases, or the letter an AGENCY_REPLY answers. */
  readonly relatedLetterId: string | null;
  /** Replies recorded against this letter, oldest first. */
  readonly replyLetterIds: readonly string[];
  /** The formatted nomor surat; null until numbered (and always for inbound replies). */
  readonly number: string | null;
  readonly numberYear: number | null;
  readonly numberSequence: number | null;
  readonly signatureReference: string | null;
  readonly channel: LetterChannel | null;
  /** Srikandi e-office number (outbound when sent through it; inbound as registered). */
  readonly eOfficeNumber: string | null;
  readonly messageId: string | null;
  /** The agency's own number and date on an inbound reply. */
  readonly agencyLetterNumber: string | null;
  readonly agencyLetterDate: string | null;
  readonly deliveryEvidence: string | null;
  readonly draftedAt: string | null;
  readonly draftedBy: string | null;
  readonly revisedAt: string | null;
  readonly approvedAt: string | null;
  readonly approvedBy: string | null;
  readonly numberedAt: string | null;
  readonly sentAt: string | null;
  readonly sentBy: string | null;
  readonly deliveredAt: string | null;
  readonly acknowledgedAt: string | null;
  readonly acknowledgedBy: string | null;
  /** First reply: when the letter became REPLIED. */
  readonly repliedAt: string | null;
  /** Inbound replies: who registered it (the PIC or an officer on its behalf). */
  readonly registeredBy: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The letter stream's revision: the `expectedVersion` for the next command. */
  readonly version: number;
}

const EMPTY_LETTER_FIELDS = {
  signer: null,
  relatedLetterId: null,
  replyLetterIds: [],
  number: null,
  numberYear: null,
  numberSequence: null,
  signatureReference: null,
  channel: null,
  eOfficeNumber: null,
  messageId: null,
  agencyLetterNumber: null,
  agencyLetterDate: null,
  deliveryEvidence: null,
  draftedAt: null,
  draftedBy: null,
  revisedAt: null,
  approvedAt: null,
  approvedBy: null,
  numberedAt: null,
  sentAt: null,
  sentBy: null,
  deliveredAt: null,
  acknowledgedAt: null,
  acknowledgedBy: null,
  repliedAt: null,
  registeredBy: null,
} as const;

async function applyLetter(recorded: RecordedEvent, tx: ReadModelTx): Promise<void> {
  const event = { type: recorded.type, data: recorded.data } as LetterEvent;
  const stamp = { updatedAt: recorded.metadata.occurredAt, version: recorded.revision };
  switch (event.type) {
    case 'LetterDrafted': {
      const d = event.data;
      const doc: LetterDoc = {
        ...EMPTY_LETTER_FIELDS,
        id: d.letterId,
        kind: d.kind,
        direction: 'OUTBOUND',
        agencyId: d.agencyId ?? null,
        complaintIds: d.complaintIds,
        state: 'DRAFT',
        subject: d.subject,
        body: d.body,
        signer: d.signer ?? null,
        attachments: d.attachments,
        relatedLetterId: d.relatedLetterId ?? null,
        draftedAt: d.draftedAt,
        draftedBy: d.draftedBy,
        createdAt: d.draftedAt,
        ...stamp,
      };
      await tx.put(LETTERS, d.letterId, doc);
      await indexByComplaint(tx, d.letterId, [], doc.complaintIds);
      return;
    }
    case 'AgencyReplyRegistered': {
      const d = event.data;
      const doc: LetterDoc = {
        ...EMPTY_LETTER_FIELDS,
        id: d.letterId,
        kind: 'AGENCY_REPLY',
        direction: 'INBOUND',
        agencyId: d.agencyId,
        complaintIds: d.complaintIds,
        state: 'DELIVERED',
        subject: d.subject,
        body: d.body,
        signer: d.signer ?? null,
        attachments: d.attachments,
        relatedLetterId: d.relatedLetterId ?? null,
        eOfficeNumber: d.eOfficeNumber ?? null,
        agencyLetterNumber: d.agencyLetterNumber ?? null,
        agencyLetterDate: d.agencyLetterDate ?? null,
        deliveredAt: d.receivedAt,
        registeredBy: d.registeredBy,
        createdAt: d.receivedAt,
        ...stamp,
      };
      await tx.put(LETTERS, d.letterId, doc);
      await indexByComplaint(tx, d.letterId, [], doc.complaintIds);
      return;
    }
  }
  const doc = await tx.get<LetterDoc>(LETTERS, event.data.letterId);
  if (!doc) return;
  let next: LetterDoc;
  switch (event.type) {
    case 'LetterRevised': {
      const d = event.data;
      next = {
        ...doc,
        subject: d.subject,
        body: d.body,
        complaintIds: d.complaintIds,
        attachments: d.attachments,
        signer: d.signer ?? null,
        relatedLetterId: d.relatedLetterId ?? null,
        revisedAt: d.revisedAt,
      };
      break;
    }
    case 'LetterApproved':
      next = {
        ...doc,
        state: 'APPROVED',
        approvedAt: event.data.approvedAt,
        approvedBy: event.data.approvedBy,
        signatureReference: event.data.signatureReference ?? doc.signatureReference,
      };
      break;
    case 'LetterNumberAssigned':
      next = {
        ...doc,
        number: event.data.number,
        numberYear: event.data.year,
        numberSequence: event.data.sequence,
        numberedAt: event.data.assignedAt,
      };
      break;
    case 'LetterSigned':
      next = { ...doc, signatureReference: event.data.signatureReference };
      break;
    case 'LetterSent':
      next = {
        ...doc,
        state: 'SENT',
        sentAt: event.data.sentAt,
        sentBy: event.data.sentBy,
        channel: event.data.channel,
        eOfficeNumber: event.data.eOfficeNumber ?? doc.eOfficeNumber,
        messageId: event.data.messageId ?? null,
      };
      break;
    case 'LetterDelivered':
      next = {
        ...doc,
        state: 'DELIVERED',
        deliveredAt: event.data.deliveredAt,
        deliveryEvidence: event.data.evidence ?? null,
      };
      break;
    case 'LetterAcknowledged':
      next = {
        ...doc,
        state: 'ACKNOWLEDGED',
        acknowledgedAt: event.data.acknowledgedAt,
        acknowledgedBy: event.data.acknowledgedBy,
      };
      break;
    case 'LetterReplied':
      next = {
        ...doc,
        state: 'REPLIED',
        replyLetterIds: doc.replyLetterIds.includes(event.data.replyLetterId)
          ? doc.replyLetterIds
          : [...doc.replyLetterIds, event.data.replyLetterId],
        repliedAt: doc.repliedAt ?? event.data.repliedAt,
      };
      break;
  }
  await tx.put(LETTERS, doc.id, { ...next, ...stamp });
  if (next.complaintIds !== doc.complaintIds)
    await indexByComplaint(tx, doc.id, doc.complaintIds, next.complaintIds);
}

/**
 * The letters of each complaint, by id: a letter names its complaints in an array, which no index of the
 * document store can look into, so `letters(filter: {complaintId})` and `Complaint.letters` read this
 * instead of every letter.
 */
export const LETTERS_BY_COMPLAINT = 'letters_by_complaint';

export interface ComplaintLettersDoc {
  readonly letterIds: readonly string[];
}

async function indexByComplaint(
  tx: ReadModelTx,
  letterId: string,
  before: readonly string[],
  after: readonly string[],
): Promise<void> {
  for (const complaintId of new Set([...before, ...after])) {
    const listed = after.includes(complaintId);
    if (listed === before.includes(complaintId)) continue;
    const doc = await tx.get<ComplaintLettersDoc>(LETTERS_BY_COMPLAINT, complaintId);
    const others = (doc?.letterIds ?? []).filter((id) => id !== letterId);
    const letterIds = listed ? [...others, letterId] : others;
    if (letterIds.length === 0) await tx.delete(LETTERS_BY_COMPLAINT, complaintId);
    else await tx.put(LETTERS_BY_COMPLAINT, complaintId, { letterIds });
  }
}

export const lettersProjection: Projection = {
  name: 'correspondence.letters',
  // 2: the letters of each complaint (LETTERS_BY_COMPLAINT), and an index of letters by id.
  version: 2,
  collections: [LETTERS, LETTERS_BY_COMPLAINT],
  // The letters of one complaint are read by id from the document, under the same filter as any list.
  indexes: [
    // A letter by id is read by the primary key (a complaint's letters too: listLetters); this index is
    // kept as it was, since ensureIndexes never drops one a store already has.
    { collection: LETTERS, name: 'id', fields: [{ path: 'id', type: 'text' }] },
    // The lists and their cursors (LETTER_ORDER), each index ending in its fields: everyone's, one
    // agency's (a focal point's), by number.
    { collection: LETTERS, name: 'newest', fields: LETTER_ORDER_FIELDS },
    {
      collection: LETTERS,
      name: 'agency_newest',
      fields: [{ path: 'agencyId', type: 'text' }, ...LETTER_ORDER_FIELDS],
    },
    {
      collection: LETTERS,
      name: 'number_newest',
      fields: [{ path: 'number', type: 'text' }, ...LETTER_ORDER_FIELDS],
    },
  ],
  filter: { streamPrefixes: [LETTER_STREAM_PREFIX], eventTypes: LETTER_EVENT_TYPES },
  apply: applyLetter,
};

export const correspondenceProjections: readonly Projection[] = [agenciesProjection, lettersProjection];

// ── queries ────────────────────────────────────────────────────────────────────────────────────────

export interface LetterFilter {
  readonly agencyId?: string;
  readonly complaintId?: string;
  readonly kind?: LetterKind | readonly LetterKind[];
  readonly state?: LetterStatus | readonly LetterStatus[];
  readonly number?: string;
}

/** States an agency may see: drafts and approvals not yet sent do not exist for agencies. */
const AGENCY_VISIBLE_STATES: readonly LetterStatus[] = ['SENT', 'DELIVERED', 'ACKNOWLEDGED', 'REPLIED'];
const AGENCY_VISIBLE_KINDS: readonly LetterKind[] = ['FOLLOW_UP_REQUEST', 'REMINDER', 'AGENCY_REPLY'];

const oneOrMany = <T extends string>(value: T | readonly T[]): FieldCondition =>
  typeof value === 'string' ? value : { in: [...value] };

/** A page of a list: offset paging (the lists), or keyset paging after a row's sort key (the connections). */
export interface ListPage {
  readonly limit?: number;
  readonly offset?: number;
  /** The sort key (LETTER_ORDER, AGENCY_ORDER) of the last row of the previous page. */
  readonly after?: readonly string[];
}

/** Newest first, id as the tie-breaker, both one way: one index walked backwards serves it and its cursors. */
export const LETTER_ORDER: NonNullable<DocQuery['orderBy']> = [
  { path: 'createdAt', direction: 'desc' },
  { path: 'id', direction: 'desc' },
];

/** By name, id as the tie-breaker. */
export const AGENCY_ORDER: NonNullable<DocQuery['orderBy']> = [
  { path: 'name', direction: 'asc' },
  { path: 'id', direction: 'asc' },
];

const paged = (page: ListPage) => ({
  ...(page.limit !== undefined ? { limit: page.limit } : {}),
  ...(page.offset !== undefined ? { offset: page.offset } : {}),
  ...(page.after !== undefined ? { after: page.after } : {}),
});

/**
 * The DocQuery for `letters(filter)` as a given caller may see it: an AGENCY caller is confined to its own
 * agency's sent letters (the same rule as `canSeeLetter`), whatever the filter asks. Newest first.
 * Returns undefined when the caller may see nothing (the resolver then answers an empty list).
 */
export function letterQuery(
  filter: LetterFilter,
  actor: Actor | undefined,
  page: ListPage = {},
  /**
   * The letters of `filter.complaintId` as LETTERS_BY_COMPLAINT lists them: looked up by id instead of
   * looking into every letter's complaintIds.
   */
  complaintLetterIds?: readonly string[],
): DocQuery | undefined {
  const where: Record<string, FieldCondition> = {};
  if (filter.agencyId) where.agencyId = filter.agencyId;
  if (filter.complaintId) {
    if (complaintLetterIds) where.id = { in: complaintLetterIds };
    else where.complaintIds = { contains: filter.complaintId };
  }
  if (filter.kind) where.kind = oneOrMany(filter.kind);
  if (filter.state) where.state = oneOrMany(filter.state);
  if (filter.number) where.number = filter.number;
  switch (actor?.role) {
    case 'OFFICER':
    case 'SUPERVISOR':
    case 'AUDITOR':
      break;
    case 'AGENCY': {
      if (!actor.agencyId || (filter.agencyId && filter.agencyId !== actor.agencyId)) return undefined;
      where.agencyId = actor.agencyId;
      const states = narrow(filter.state, AGENCY_VISIBLE_STATES);
      const kinds = narrow(filter.kind, AGENCY_VISIBLE_KINDS);
      if (states.length === 0 || kinds.length === 0) return undefined;
      where.state = { in: states };
      where.kind = { in: kinds };
      break;
    }
    default:
      return undefined;
  }
  return { where, orderBy: LETTER_ORDER, ...paged(page) };
}

function narrow<T extends string>(asked: T | readonly T[] | undefined, allowed: readonly T[]): T[] {
  if (asked === undefined) return [...allowed];
  const list: readonly T[] = typeof asked === 'string' ? [asked] : asked;
  return list.filter((v) => allowed.includes(v));
}

export interface AgencyFilter {
  readonly kind?: AgencyKind;
  readonly region?: string;
  readonly onboardingStatus?: AgencyOnboardingStatus | readonly AgencyOnboardingStatus[];
  readonly parentAgencyId?: string;
  /** Case-insensitive substring of the name. */
  readonly search?: string;
  /** The agency a PIC user currently answers for. */
  readonly focalPointUserId?: string;
}

/**
 * Whether a letter meets a letterQuery's conditions (what the store would test; letterQuery makes only
 * equalities and `in` lists).
 */
export function matchesLetterQuery(doc: LetterDoc, query: DocQuery): boolean {
  for (const [path, condition] of Object.entries(query.where ?? {})) {
    const value = (doc as unknown as Record<string, unknown>)[path];
    if (typeof condition === 'object' && condition !== null && 'in' in condition) {
      if (!(condition.in as readonly unknown[]).includes(value)) return false;
    } else if (typeof condition === 'object' && condition !== null) {
      throw new TypeError(`a letter query holds a condition on ${path} that is neither a value nor a list`);
    } else if (value !== condition) {
      return false;
    }
  }
  return true;
}

/** Letters in LETTER_ORDER, then the page (after a sort key, an offset, a limit), as the store pages them. */
export function pageOfLetters(docs: readonly LetterDoc[], page: ListPage): LetterDoc[] {
  const key = (d: LetterDoc): readonly string[] => [d.createdAt, d.id];
  const newestFirst = (a: readonly string[], b: readonly string[]) =>
    a[0]! < b[0]! ? 1 : a[0]! > b[0]! ? -1 : a[1]! < b[1]! ? 1 : a[1]! > b[1]! ? -1 : 0;
  let sorted = [...docs].sort((a, b) => newestFirst(key(a), key(b)));
  if (page.after) sorted = sorted.filter((d) => newestFirst(key(d), page.after!) > 0);
  const from = page.offset ?? 0;
  return sorted.slice(from, page.limit === undefined ? undefined : from + page.limit);
}

/** The DocQuery for `agencies(filter)`, ordered by name. */
export function agencyQuery(filter: AgencyFilter, page: ListPage = {}): DocQuery {
  const where: Record<string, FieldCondition> = {};
  if (filter.kind) where.kind = filter.kind;
  if (filter.region) where.region = filter.region;
  if (filter.onboardingStatus) where.onboardingStatus = oneOrMany(filter.onboardingStatus);
  if (filter.parentAgencyId) where.parentAgencyId = filter.parentAgencyId;
  if (filter.focalPointUserId) where.currentFocalPointUserId = filter.focalPointUserId;
  return {
    where,
    ...(filter.search ? { text: { fields: ['name', 'id'], value: filter.search } } : {}),
    orderBy: AGENCY_ORDER,
    ...paged(page),
  };
}
