/**
 * The correspondence subgraph's application service: what resolvers call. Commands go through the
 * CommandHandler over the domain's deciders (approval through LetterNumbering) with the guards of
 * ./access.ts, judged on the state each command is decided on; after each command the read model is
 * awaited (read-your-writes) and the document read back. An AGENCY caller learns nothing of letters it
 * may not see: they answer NOT_FOUND like letters that do not exist, and so does every command on an
 * absent agency or letter.
 */
import { randomUUID } from 'node:crypto';
import { CommandHandler, expectedRevisionOf } from '../shared/decider';
import { badInput, notFound } from '../shared/errors';
import type { Actor } from '../shared/eventstore/types';
import type { SubgraphRuntime } from '../shared/runtime';
import type { BlobStore } from '../shared/blobs';
import { decodeUpload } from '../shared/blobs';
import {
  agencyGuard,
  authorizeNewLetter,
  canSeeComplaintLink,
  canSeeLetter,
  letterGuard,
  seesLetterState,
} from './access';
import { type ComplaintLinkDoc, COMPLAINT_LINKS } from './complaint-links';
import type { CorrespondenceConfig } from '../shared/config';
import { LetterNumbering } from './numbering';
import {
  type AgencyCommand,
  type AgencyEvent,
  type AgencyState,
  agencyDecider,
  agencyStreamId,
  type LetterAttachment,
  type LetterCommand,
  type LetterEvent,
  type LetterState,
  letterDecider,
  letterStreamId,
} from './domain';
import { letterMessageId } from './flows';
import {
  AGENCIES,
  type AgencyDoc,
  type AgencyFilter,
  agencyQuery,
  LETTERS,
  type LetterDoc,
  type LetterFilter,
  type ListPage,
  letterQuery,
  matchesLetterQuery,
  pageOfLetters,
  LETTERS_BY_COMPLAINT,
  type ComplaintLettersDoc,
} from './projections';

export interface AttachmentUpload {
  readonly filename: string;
  readonly mediaType: string;
  readonly contentBase64?: string | null;
  readonly sha256?: string | null;
}

export interface CorrespondenceParts {
  readonly correspondence: CorrespondenceConfig;
  readonly blobs: BlobStore;
  readonly numbering: LetterNumbering;
}

type Metadata = { now: string; actor: Actor };

export class CorrespondenceService {
  readonly agencies: CommandHandler<AgencyCommand, AgencyEvent, AgencyState>;
  readonly letters: CommandHandler<LetterCommand, LetterEvent, LetterState>;

  constructor(
    readonly runtime: SubgraphRuntime,
    readonly parts: CorrespondenceParts,
  ) {
    this.agencies = new CommandHandler(runtime.store, agencyDecider, agencyGuard);
    this.letters = new CommandHandler(runtime.store, letterDecider, letterGuard);
  }

  get blobs(): BlobStore {
    return this.parts.blobs;
  }

  now(): string {
    return this.runtime.clock.now().toISOString();
  }

  // ── reads ────────────────────────────────────────────────────────────────────────────────────────

  agency(id: string): Promise<AgencyDoc | undefined> {
    return this.runtime.readModels.get<AgencyDoc>(AGENCIES, id);
  }

  listAgencies(filter: AgencyFilter, page: ListPage): Promise<AgencyDoc[]> {
    return this.runtime.readModels.find<AgencyDoc>(AGENCIES, agencyQuery(filter, page));
  }

  /** The letter if the caller may see it. */
  async letter(id: string, actor: Actor): Promise<LetterDoc | undefined> {
    const doc = await this.runtime.readModels.get<LetterDoc>(LETTERS, id);
    return doc && canSeeLetter(actor, { agencyId: doc.agencyId, status: doc.state, kind: doc.kind })
      ? doc
      : undefined;
  }

  async listLetters(filter: LetterFilter, actor: Actor, page: ListPage): Promise<LetterDoc[]> {
    if (filter.complaintId === undefined) {
      const query = letterQuery(filter, actor, page);
      return query ? this.runtime.readModels.find<LetterDoc>(LETTERS, query) : [];
    }
    // A complaint's letters: a handful, read by id from its list of letter ids, then held to the same
    // filter, order and page here (a query would leave the planner to choose between the id index and
    // an agency's whole list of letters).
    const listed = await this.runtime.readModels.get<ComplaintLettersDoc>(
      LETTERS_BY_COMPLAINT,
      filter.complaintId,
    );
    const ids = listed?.letterIds ?? [];
    const query = ids.length ? letterQuery(filter, actor, {}, ids) : undefined;
    if (!query) return [];
    const docs = await this.runtime.readModels.getMany<LetterDoc>(LETTERS, ids);
    return pageOfLetters(
      docs.filter((d): d is LetterDoc => d !== undefined && matchesLetterQuery(d, query)),
      page,
    );
  }

  /** What this subgraph knows of a complaint, if the caller may see its correspondence. */
  async complaintLink(id: string, actor: Actor): Promise<ComplaintLinkDoc | undefined> {
    const doc = await this.runtime.readModels.get<ComplaintLinkDoc>(COMPLAINT_LINKS, id);
    return canSeeComplaintLink(actor, doc) ? doc : undefined;
  }

  /** Waits until every projection has seen the whole log, so a check reads what the caller just did elsewhere. */
  private async caughtUp(): Promise<void> {
    await this.runtime.catchUp();
  }

  private async readAgency(id: string, position: number): Promise<AgencyDoc> {
    await this.runtime.settle(position);
    const doc = await this.agency(id);
    if (!doc) throw notFound('agency', id);
    return doc;
  }

  private async readLetter(id: string, position: number): Promise<LetterDoc> {
    await this.runtime.settle(position);
    const doc = await this.runtime.readModels.get<LetterDoc>(LETTERS, id);
    if (!doc) throw notFound('letter', id);
    return doc;
  }

  // ── agency directory (ADMIN) ─────────────────────────────────────────────────────────────────────

  async executeAgency(
    actor: Actor,
    agencyId: string,
    build: (m: Metadata) => AgencyCommand,
    expectedVersion?: number | null,
  ): Promise<AgencyDoc> {
    const command = build({ now: this.now(), actor });
    const result = await this.agencies.handle(
      agencyStreamId(agencyId),
      command,
      expectedRevisionOf(expectedVersion),
    );
    return this.readAgency(agencyId, result.position);
  }

  // ── letters ──────────────────────────────────────────────────────────────────────────────────────

  /** Stores uploaded bytes by hash and describes them for the letter; an existing blob may be named by hash. */
  async attachments(
    uploads: readonly AttachmentUpload[] | null | undefined,
  ): Promise<LetterAttachment[] | undefined> {
    if (!uploads) return undefined;
    const max = this.parts.correspondence.maxAttachmentBytes;
    const out: LetterAttachment[] = [];
    for (const [i, u] of uploads.entries()) {
      const field = `attachments[${i}]`;
      if (u.contentBase64) {
        const { bytes, sha256 } = decodeUpload(field, u.contentBase64, max, u.sha256);
        await this.blobs.put(bytes);
        out.push({ sha256, filename: u.filename, mediaType: u.mediaType, size: bytes.length });
      } else {
        if (!u.sha256)
          throw badInput(`${field} needs contentBase64 or the sha256 of a stored attachment`, { field });
        const info = await this.blobs.info(u.sha256.toLowerCase());
        if (!info) throw badInput(`${field}.sha256 names no stored attachment`, { field });
        out.push({ sha256: info.sha256, filename: u.filename, mediaType: u.mediaType, size: info.size });
      }
    }
    return out;
  }

  /**
   * Checks that the complaints exist and, for letters to an agency, were forwarded to it. Read from this
   * subgraph's projection of complaint events once it has caught up with the log.
   */
  async requireComplaints(
    complaintIds: readonly string[],
    agencyId: string | undefined,
    actor: Actor,
  ): Promise<void> {
    await this.caughtUp();
    for (const [i, id] of complaintIds.entries()) {
      const link = await this.runtime.readModels.get<ComplaintLinkDoc>(COMPLAINT_LINKS, id);
      if (!link || !canSeeComplaintLink(actor, link)) throw notFound('complaint', id);
      if (agencyId && !link.agencyIds.includes(agencyId)) {
        throw badInput(`complaintIds[${i}] was not forwarded to agency ${agencyId}`, {
          field: `complaintIds[${i}]`,
        });
      }
    }
  }

  /**
   * Any letter command other than approval: the guard on the letter as it stands (NOT_FOUND for a letter
   * the caller may not see or that does not exist, then the role rule), then the decider.
   */
  async executeLetter(
    actor: Actor,
    letterId: string,
    build: (m: Metadata) => LetterCommand,
    expectedVersion?: number | null,
  ): Promise<LetterDoc> {
    const command = build({ now: this.now(), actor });
    const result = await this.letters.handle(
      letterStreamId(letterId),
      command,
      expectedRevisionOf(expectedVersion),
    );
    return this.readLetter(letterId, result.position);
  }

  async draft(
    actor: Actor,
    input: {
      id?: string | null;
      kind: Extract<LetterCommand, { type: 'DraftLetter' }>['data']['kind'];
      agencyId?: string | null;
      complaintIds: readonly string[];
      subject: string;
      body: string;
      signer?: { name: string; position: string; userId?: string | null } | null;
      relatedLetterId?: string | null;
      attachments?: readonly AttachmentUpload[] | null;
    },
  ): Promise<LetterDoc> {
    const letterId = input.id ?? randomUUID();
    // Role first, before anything is stored.
    authorizeNewLetter(actor, 'DraftLetter');
    await this.requireComplaints(input.complaintIds, input.agencyId ?? undefined, actor);
    const attachments = await this.attachments(input.attachments);
    return this.executeLetter(actor, letterId, (metadata) => ({
      type: 'DraftLetter',
      data: {
        letterId,
        kind: input.kind,
        ...(input.agencyId ? { agencyId: input.agencyId } : {}),
        complaintIds: input.complaintIds,
        subject: input.subject,
        body: input.body,
        ...(input.signer ? { signer: signerOf(input.signer) } : {}),
        ...(input.relatedLetterId ? { relatedLetterId: input.relatedLetterId } : {}),
        ...(attachments ? { attachments } : {}),
      },
      metadata,
    }));
  }

  async revise(
    actor: Actor,
    letterId: string,
    input: {
      subject?: string | null;
      body?: string | null;
      complaintIds?: string[] | null;
      signer?: { name: string; position: string; userId?: string | null } | null;
      removeSigner?: boolean | null;
      relatedLetterId?: string | null;
      attachments?: readonly AttachmentUpload[] | null;
    },
    expectedVersion?: number | null,
  ): Promise<LetterDoc> {
    if (input.complaintIds) {
      // The letter's agency never changes after the draft: the read model tells it without a second
      // read of the stream (an absent letter is refused by the command itself).
      await this.caughtUp();
      const doc = await this.runtime.readModels.get<LetterDoc>(LETTERS, letterId);
      if (doc) await this.requireComplaints(input.complaintIds, doc.agencyId ?? undefined, actor);
    }
    const attachments = await this.attachments(input.attachments);
    return this.executeLetter(
      actor,
      letterId,
      (metadata) => ({
        type: 'ReviseLetter',
        data: {
          ...(input.subject != null ? { subject: input.subject } : {}),
          ...(input.body != null ? { body: input.body } : {}),
          ...(input.complaintIds ? { complaintIds: input.complaintIds } : {}),
          ...(input.removeSigner ? { signer: null } : input.signer ? { signer: signerOf(input.signer) } : {}),
          ...(input.relatedLetterId ? { relatedLetterId: input.relatedLetterId } : {}),
          ...(attachments ? { attachments } : {}),
        },
        metadata,
      }),
      expectedVersion,
    );
  }

  /** SUPERVISOR: approves and numbers (gap-free yearly register). */
  async approve(
    actor: Actor,
    letterId: string,
    signatureReference?: string | null,
    expectedVersion?: number | null,
  ): Promise<LetterDoc> {
    const result = await this.parts.numbering.approve(letterId, {
      actor,
      now: this.now(),
      ...(signatureReference ? { signatureReference } : {}),
      ...expectedRevisionOf(expectedVersion),
    });
    return this.readLetter(letterId, result.position);
  }

  /**
   * Records the sending. By EMAIL the Message-ID is derived from the letter, and the outbox flow writes the
   * message and records the delivery; other channels are delivered by hand (markLetterDelivered).
   */
  send(
    actor: Actor,
    letterId: string,
    input: {
      channel: Extract<LetterCommand, { type: 'SendLetter' }>['data']['channel'];
      eOfficeNumber?: string | null;
    },
    expectedVersion?: number | null,
  ): Promise<LetterDoc> {
    return this.executeLetter(
      actor,
      letterId,
      (metadata) => ({
        type: 'SendLetter',
        data: {
          channel: input.channel,
          ...(input.eOfficeNumber ? { eOfficeNumber: input.eOfficeNumber } : {}),
          ...(input.channel === 'EMAIL' ? { messageId: letterMessageId(letterId) } : {}),
        },
        metadata,
      }),
      expectedVersion,
    );
  }

  /**
   * An agency's reply, registered by its PIC (for its own agency only) or by an officer on its behalf. The
   * reply is a letter of its own; the letter it answers and the complaints it covers are moved on by the
   * agency-reply flow.
   */
  async registerReply(
    actor: Actor,
    input: {
      id?: string | null;
      agencyId?: string | null;
      relatedLetterId?: string | null;
      complaintIds?: string[] | null;
      subject: string;
      body: string;
      agencyLetterNumber?: string | null;
      agencyLetterDate?: string | null;
      eOfficeNumber?: string | null;
      receivedAt?: string | null;
      attachments?: readonly AttachmentUpload[] | null;
    },
  ): Promise<LetterDoc> {
    const agencyId = input.agencyId ?? actor.agencyId;
    if (!agencyId) throw badInput('agencyId is required', { field: 'agencyId' });
    // Role first, before anything is read or stored.
    authorizeNewLetter(actor, 'RegisterAgencyReply', agencyId);
    let complaintIds = input.complaintIds ?? undefined;
    if (input.relatedLetterId) {
      const { state: related } = await this.letters.load(letterStreamId(input.relatedLetterId));
      if (related.status === 'ABSENT' || !seesLetterState(actor, related)) {
        throw notFound('letter', input.relatedLetterId);
      }
      if (related.agencyId !== agencyId) {
        throw badInput('relatedLetterId is a letter to another agency', { field: 'relatedLetterId' });
      }
      complaintIds ??= [...related.complaintIds];
    }
    if (!complaintIds)
      throw badInput('complaintIds or relatedLetterId is required', { field: 'complaintIds' });
    const letterId = input.id ?? randomUUID();
    await this.requireComplaints(complaintIds, agencyId, actor);
    const attachments = await this.attachments(input.attachments);
    const ids = complaintIds;
    return this.executeLetter(actor, letterId, (metadata) => ({
      type: 'RegisterAgencyReply',
      data: {
        letterId,
        agencyId,
        complaintIds: ids,
        subject: input.subject,
        body: input.body,
        ...(input.relatedLetterId ? { relatedLetterId: input.relatedLetterId } : {}),
        ...(input.agencyLetterNumber ? { agencyLetterNumber: input.agencyLetterNumber } : {}),
        ...(input.agencyLetterDate ? { agencyLetterDate: input.agencyLetterDate } : {}),
        ...(input.eOfficeNumber ? { eOfficeNumber: input.eOfficeNumber } : {}),
        ...(input.receivedAt ? { receivedAt: input.receivedAt } : {}),
        ...(attachments ? { attachments } : {}),
      },
      metadata,
    }));
  }
}

function signerOf(s: { name: string; position: string; userId?: string | null }) {
  return { name: s.name, position: s.position, ...(s.userId ? { userId: s.userId } : {}) };
}
