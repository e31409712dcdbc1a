/**
 * Thin resolvers: check the caller, build a command, hand it to the service, read the projection.
 * Rules live in the domain (services/correspondence/domain); errors are mapped once at the edge.
 */
import { agencyHeldTo, requireCaseReader } from '../../shared/access';
import { randomUUID } from 'node:crypto';
import { GraphQLDateTime } from 'graphql-scalars';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { type Principal, requireAuthenticated, requireRole } from '../../shared/auth';
import { badInput } from '../../shared/errors';
import { connectionOf, keysetArgs } from '../../shared/graphql/connection';
import type { LetterChannel } from '../domain';
import type { CorrespondenceContext } from './context';
import {
  Agency,
  AgencyConnection,
  AgencyFilterInput,
  AppointFocalPointInput,
  Complaint,
  CreateAgencyInput,
  DraftLetterInput,
  Letter,
  LetterChannelEnum,
  LetterConnection,
  LetterFilterInput,
  RegisterAgencyReplyInput,
  ReviseLetterInput,
  UpdateAgencyInput,
} from './types';
import { toAgency, toLetter } from './view';

const MAX_PAGE = 200;

function page(limit?: number | null, offset?: number | null) {
  const l = limit ?? 50;
  const o = offset ?? 0;
  if (!Number.isInteger(l) || l < 0 || l > MAX_PAGE)
    throw badInput(`limit must be between 0 and ${MAX_PAGE}`, { field: 'limit' });
  if (!Number.isInteger(o) || o < 0) throw badInput('offset must be 0 or more', { field: 'offset' });
  return { limit: l, offset: o };
}

function agencyFilter(filter: AgencyFilterInput | null | undefined) {
  return {
    ...(filter?.kind ? { kind: filter.kind } : {}),
    ...(filter?.region ? { region: filter.region } : {}),
    ...(filter?.onboardingStatus?.length ? { onboardingStatus: filter.onboardingStatus } : {}),
    ...(filter?.parentAgencyId ? { parentAgencyId: filter.parentAgencyId } : {}),
    ...(filter?.search ? { search: filter.search } : {}),
    ...(filter?.focalPointUserId ? { focalPointUserId: filter.focalPointUserId } : {}),
  };
}

function letterFilter(filter: LetterFilterInput | null | undefined) {
  return {
    ...(filter?.agencyId ? { agencyId: filter.agencyId } : {}),
    ...(filter?.complaintId ? { complaintId: filter.complaintId } : {}),
    ...(filter?.kind?.length ? { kind: filter.kind } : {}),
    ...(filter?.state?.length ? { state: filter.state } : {}),
    ...(filter?.number ? { number: filter.number } : {}),
  };
}

@Resolver(() => Agency)
export class AgencyResolver {
  @Query(() => Agency, { nullable: true, description: 'An agency of the directory (*instansi*).' })
  async agency(@Arg('id', () => ID) id: string, @Ctx() ctx: CorrespondenceContext): Promise<Agency | null> {
    const principal = requireAuthenticated(ctx);
    const doc = await ctx.correspondence.agency(id);
    return doc ? toAgency(doc, principal) : null;
  }

  @Query(() => [Agency], { description: 'The agency directory, by name.' })
  async agencies(
    @Ctx() ctx: CorrespondenceContext,
    @Arg('filter', () => AgencyFilterInput, { nullable: true }) filter?: AgencyFilterInput | null,
    @Arg('limit', () => Int, { nullable: true }) limit?: number | null,
    @Arg('offset', () => Int, { nullable: true }) offset?: number | null,
  ): Promise<Agency[]> {
    const principal = requireAuthenticated(ctx);
    const docs = await ctx.correspondence.listAgencies(agencyFilter(filter), page(limit, offset));
    return docs.map((d) => toAgency(d, principal));
  }

  @Query(() => AgencyConnection, {
    description:
      'The agency directory by name, a page at a time (`first`, default 50, at most 200; `after` an endCursor).',
  })
  async agencyConnection(
    @Ctx() ctx: CorrespondenceContext,
    @Arg('filter', () => AgencyFilterInput, { nullable: true }) filter?: AgencyFilterInput | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<AgencyConnection> {
    const principal = requireAuthenticated(ctx);
    const page = keysetArgs(first, after, { fallback: 50, max: MAX_PAGE });
    const docs = await ctx.correspondence.listAgencies(agencyFilter(filter), {
      ...page,
      limit: page.limit + 1,
    });
    return connectionOf(
      docs,
      page,
      (d) => [d.name, d.id],
      (d) => toAgency(d, principal),
    );
  }

  @FieldResolver(() => Agency, { nullable: true })
  async parentAgency(@Root() agency: Agency, @Ctx() ctx: CorrespondenceContext): Promise<Agency | null> {
    const principal = requireAuthenticated(ctx);
    if (!agency.parentAgencyId) return null;
    const doc = await ctx.correspondence.agency(agency.parentAgencyId);
    return doc ? toAgency(doc, principal) : null;
  }

  @FieldResolver(() => [Letter], { description: "The agency's letters the caller may see, newest first." })
  async letters(
    @Root() agency: Agency,
    @Ctx() ctx: CorrespondenceContext,
    @Arg('filter', () => LetterFilterInput, { nullable: true }) filter?: LetterFilterInput | null,
    @Arg('limit', () => Int, { nullable: true }) limit?: number | null,
    @Arg('offset', () => Int, { nullable: true }) offset?: number | null,
  ): Promise<Letter[]> {
    const principal = requireCaseReader(ctx);
    const docs = await ctx.correspondence.listLetters(
      { ...letterFilter(filter), agencyId: agency.id },
      principal,
      page(limit, offset),
    );
    return docs.map(toLetter);
  }
}

@Resolver(() => Letter)
export class LetterResolver {
  @Query(() => Letter, {
    nullable: true,
    description: 'A letter; null when absent or not visible to the caller.',
  })
  async letter(@Arg('id', () => ID) id: string, @Ctx() ctx: CorrespondenceContext): Promise<Letter | null> {
    const principal = requireCaseReader(ctx);
    const doc = await ctx.correspondence.letter(id, principal);
    return doc ? toLetter(doc) : null;
  }

  @Query(() => [Letter], {
    description: 'Letters visible to the caller, newest first (an agency: its own, once sent).',
  })
  async letters(
    @Ctx() ctx: CorrespondenceContext,
    @Arg('filter', () => LetterFilterInput, { nullable: true }) filter?: LetterFilterInput | null,
    @Arg('limit', () => Int, { nullable: true }) limit?: number | null,
    @Arg('offset', () => Int, { nullable: true }) offset?: number | null,
  ): Promise<Letter[]> {
    const principal = requireCaseReader(ctx);
    const docs = await ctx.correspondence.listLetters(letterFilter(filter), principal, page(limit, offset));
    return docs.map(toLetter);
  }

  @Query(() => LetterConnection, {
    description:
      'Letters visible to the caller, newest first, a page at a time (`first`, default 50, at most 200; `after` an endCursor).',
  })
  async letterConnection(
    @Ctx() ctx: CorrespondenceContext,
    @Arg('filter', () => LetterFilterInput, { nullable: true }) filter?: LetterFilterInput | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<LetterConnection> {
    const principal = requireCaseReader(ctx);
    const page = keysetArgs(first, after, { fallback: 50, max: MAX_PAGE });
    const docs = await ctx.correspondence.listLetters(letterFilter(filter), principal, {
      ...page,
      limit: page.limit + 1,
    });
    return connectionOf(docs, page, (d) => [d.createdAt, d.id], toLetter);
  }

  @FieldResolver(() => Agency, { nullable: true })
  async agency(@Root() letter: Letter, @Ctx() ctx: CorrespondenceContext): Promise<Agency | null> {
    const principal = requireAuthenticated(ctx);
    if (!letter.agencyId) return null;
    const doc = await ctx.correspondence.agency(letter.agencyId);
    return doc ? toAgency(doc, principal) : null;
  }

  @FieldResolver(() => [Complaint], {
    nullable: 'items',
    description: 'The complaints the letter covers; null where the caller may not see one.',
  })
  complaints(@Root() letter: Letter): Complaint[] {
    return letter.complaintIds.map((id) => ({ id }));
  }

  @FieldResolver(() => Letter, { nullable: true })
  async relatedLetter(@Root() letter: Letter, @Ctx() ctx: CorrespondenceContext): Promise<Letter | null> {
    const principal = requireCaseReader(ctx);
    if (!letter.relatedLetterId) return null;
    const doc = await ctx.correspondence.letter(letter.relatedLetterId, principal);
    return doc ? toLetter(doc) : null;
  }

  @FieldResolver(() => [Letter], {
    description: 'Replies registered against this letter, visible to the caller.',
  })
  async replies(@Root() letter: Letter, @Ctx() ctx: CorrespondenceContext): Promise<Letter[]> {
    const principal = requireCaseReader(ctx);
    const docs = await Promise.all(
      letter.replyLetterIds.map((id) => ctx.correspondence.letter(id, principal)),
    );
    return docs.flatMap((d) => (d ? [toLetter(d)] : []));
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'The content of an attachment as base64, verified against its SHA-256 (null when absent).',
  })
  async attachmentContent(
    @Root() letter: Letter,
    @Arg('sha256') sha256: string,
    @Ctx() ctx: CorrespondenceContext,
  ): Promise<string | null> {
    requireCaseReader(ctx);
    if (!letter.attachments.some((a) => a.sha256 === sha256.toLowerCase())) return null;
    const bytes = await ctx.correspondence.blobs.get(sha256.toLowerCase());
    return bytes ? bytes.toString('base64') : null;
  }
}

@Resolver(() => Complaint)
export class ComplaintLettersResolver {
  @FieldResolver(() => [Letter], {
    description: 'The letters about this complaint that the caller may see, newest first.',
  })
  async letters(@Root() complaint: Complaint, @Ctx() ctx: CorrespondenceContext): Promise<Letter[]> {
    const principal = requireCaseReader(ctx);
    // A PIC sees the letters of a complaint only once it was forwarded to its agency.
    const held = agencyHeldTo(principal) !== undefined;
    if (held && !(await ctx.correspondence.complaintLink(complaint.id, principal))) return [];
    const docs = await ctx.correspondence.listLetters({ complaintId: complaint.id }, principal, {
      limit: MAX_PAGE,
      offset: 0,
    });
    return docs.map(toLetter);
  }
}

const agencyId = (principal: Principal) => principal.agencyId;

@Resolver()
export class CorrespondenceMutations {
  // ── agency directory (ADMIN) ──

  @Mutation(() => Agency, { description: 'ADMIN: adds an agency to the directory (REGISTERED).' })
  createAgency(
    @Arg('input', () => CreateAgencyInput) input: CreateAgencyInput,
    @Ctx() ctx: CorrespondenceContext,
  ) {
    const principal = requireRole(ctx, 'ADMIN');
    return ctx.correspondence
      .executeAgency(principal, input.id, (metadata) => ({
        type: 'CreateAgency',
        data: {
          agencyId: input.id,
          name: input.name,
          kind: input.kind,
          region: input.region,
          ...(input.regionCode ? { regionCode: input.regionCode } : {}),
          parentAgencyId: input.parentAgencyId ?? null,
          ...(input.contact ? { contact: contactOf(input.contact) } : {}),
        },
        metadata,
      }))
      .then((doc) => toAgency(doc, principal));
  }

  @Mutation(() => Agency)
  updateAgency(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateAgencyInput) input: UpdateAgencyInput,
    @Ctx() ctx: CorrespondenceContext,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ) {
    const principal = requireRole(ctx, 'ADMIN');
    return ctx.correspondence
      .executeAgency(
        principal,
        id,
        (metadata) => ({
          type: 'UpdateAgency',
          data: {
            ...(input.name != null ? { name: input.name } : {}),
            ...(input.kind != null ? { kind: input.kind } : {}),
            ...(input.region != null ? { region: input.region } : {}),
            ...(input.regionCode != null
              ? { regionCode: input.regionCode === '' ? null : input.regionCode }
              : {}),
            ...(input.parentAgencyId !== undefined ? { parentAgencyId: input.parentAgencyId } : {}),
            ...(input.contact ? { contact: contactOf(input.contact) } : {}),
          },
          metadata,
        }),
        expectedVersion,
      )
      .then((doc) => toAgency(doc, principal));
  }

  @Mutation(() => Agency, { description: 'ADMIN: the MoU is signed; the agency joins the pilot.' })
  startAgencyPilot(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: CorrespondenceContext,
    @Arg('mouReference', () => String, { nullable: true }) mouReference?: string | null,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ) {
    const principal = requireRole(ctx, 'ADMIN');
    return ctx.correspondence
      .executeAgency(
        principal,
        id,
        (metadata) => ({ type: 'StartAgencyPilot', data: mouReference ? { mouReference } : {}, metadata }),
        expectedVersion,
      )
      .then((doc) => toAgency(doc, principal));
  }

  @Mutation(() => Agency)
  activateAgency(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: CorrespondenceContext,
    @Arg('note', () => String, { nullable: true }) note?: string | null,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ) {
    const principal = requireRole(ctx, 'ADMIN');
    return ctx.correspondence
      .executeAgency(
        principal,
        id,
        (metadata) => ({ type: 'ActivateAgency', data: note ? { note } : {}, metadata }),
        expectedVersion,
      )
      .then((doc) => toAgency(doc, principal));
  }

  @Mutation(() => Agency)
  suspendAgency(
    @Arg('id', () => ID) id: string,
    @Arg('reason') reason: string,
    @Ctx() ctx: CorrespondenceContext,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ) {
    const principal = requireRole(ctx, 'ADMIN');
    return ctx.correspondence
      .executeAgency(
        principal,
        id,
        (metadata) => ({ type: 'SuspendAgency', data: { reason }, metadata }),
        expectedVersion,
      )
      .then((doc) => toAgency(doc, principal));
  }

  @Mutation(() => Agency, {
    description: 'ADMIN: appoints a focal point (PIC); a current one is replaced, on the record.',
  })
  appointFocalPoint(
    @Arg('agencyId', () => ID) id: string,
    @Arg('input', () => AppointFocalPointInput) input: AppointFocalPointInput,
    @Ctx() ctx: CorrespondenceContext,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ) {
    const principal = requireRole(ctx, 'ADMIN');
    const appointmentId = input.appointmentId ?? randomUUID();
    return ctx.correspondence
      .executeAgency(
        principal,
        id,
        (metadata) => ({
          type: 'AppointFocalPoint',
          data: {
            appointmentId,
            userId: input.userId,
            name: input.name,
            position: input.position,
            contact: { email: input.email ?? null, phone: input.phone ?? null },
          },
          metadata,
        }),
        expectedVersion,
      )
      .then((doc) => toAgency(doc, principal));
  }

  @Mutation(() => Agency)
  endFocalPointAppointment(
    @Arg('agencyId', () => ID) id: string,
    @Arg('appointmentId', () => ID) appointmentId: string,
    @Ctx() ctx: CorrespondenceContext,
    @Arg('note', () => String, { nullable: true }) note?: string | null,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ) {
    const principal = requireRole(ctx, 'ADMIN');
    return ctx.correspondence
      .executeAgency(
        principal,
        id,
        (metadata) => ({
          type: 'EndFocalPointAppointment',
          data: { appointmentId, ...(note ? { note } : {}) },
          metadata,
        }),
        expectedVersion,
      )
      .then((doc) => toAgency(doc, principal));
  }

  // ── letters ──

  @Mutation(() => Letter, {
    description: 'OFFICER/SUPERVISOR: drafts a letter (uploads as base64 attachments).',
  })
  async draftLetter(
    @Arg('input', () => DraftLetterInput) input: DraftLetterInput,
    @Ctx() ctx: CorrespondenceContext,
  ) {
    const principal = requireAuthenticated(ctx);
    return toLetter(await ctx.correspondence.draft(principal, input));
  }

  @Mutation(() => Letter, { description: 'Revises a DRAFT.' })
  async reviseLetter(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => ReviseLetterInput) input: ReviseLetterInput,
    @Ctx() ctx: CorrespondenceContext,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ) {
    const principal = requireAuthenticated(ctx);
    return toLetter(await ctx.correspondence.revise(principal, id, input, expectedVersion));
  }

  @Mutation(() => Letter, {
    description: 'SUPERVISOR: approves (signs) a draft; its number (*nomor surat*) is assigned.',
  })
  async approveLetter(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: CorrespondenceContext,
    @Arg('signatureReference', () => String, { nullable: true }) signatureReference?: string | null,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ) {
    const principal = requireAuthenticated(ctx);
    return toLetter(await ctx.correspondence.approve(principal, id, signatureReference, expectedVersion));
  }

  @Mutation(() => Letter, {
    description: 'SUPERVISOR: records the BSrE/TTE signature reference of an approved letter.',
  })
  async signLetter(
    @Arg('id', () => ID) id: string,
    @Arg('signatureReference') signatureReference: string,
    @Ctx() ctx: CorrespondenceContext,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ) {
    const principal = requireAuthenticated(ctx);
    return toLetter(
      await ctx.correspondence.executeLetter(
        principal,
        id,
        (metadata) => ({ type: 'SignLetter', data: { signatureReference }, metadata }),
        expectedVersion,
      ),
    );
  }

  @Mutation(() => Letter, {
    description:
      'Sends an approved letter. EMAIL is delivered by the configured adapter (the .eml outbox, or SMTP when DUMAS_SMTP_HOST is set), which records the delivery.',
  })
  async sendLetter(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: CorrespondenceContext,
    @Arg('channel', () => LetterChannelEnum, { nullable: true }) channel?: LetterChannel | null,
    @Arg('eOfficeNumber', () => String, { nullable: true }) eOfficeNumber?: string | null,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ) {
    const principal = requireAuthenticated(ctx);
    return toLetter(
      await ctx.correspondence.send(
        principal,
        id,
        { channel: channel ?? 'EMAIL', eOfficeNumber: eOfficeNumber ?? null },
        expectedVersion,
      ),
    );
  }

  @Mutation(() => Letter, { description: 'Records delivery of a letter sent by post, courier or e-office.' })
  async markLetterDelivered(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: CorrespondenceContext,
    @Arg('deliveredAt', () => GraphQLDateTime, { nullable: true }) deliveredAt?: Date | null,
    @Arg('evidence', () => String, { nullable: true }) evidence?: string | null,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ) {
    const principal = requireAuthenticated(ctx);
    return toLetter(
      await ctx.correspondence.executeLetter(
        principal,
        id,
        (metadata) => ({
          type: 'MarkLetterDelivered',
          data: {
            ...(deliveredAt ? { deliveredAt: deliveredAt.toISOString() } : {}),
            ...(evidence ? { evidence } : {}),
          },
          metadata,
        }),
        expectedVersion,
      ),
    );
  }

  @Mutation(() => Letter, {
    description: "The agency's PIC confirms receipt of a letter to its agency (staff: of an agency reply).",
  })
  async acknowledgeLetter(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: CorrespondenceContext,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ) {
    const principal = requireAuthenticated(ctx);
    return toLetter(
      await ctx.correspondence.executeLetter(
        principal,
        id,
        (metadata) => ({ type: 'AcknowledgeLetter', data: {}, metadata }),
        expectedVersion,
      ),
    );
  }

  @Mutation(() => Letter, {
    description:
      "Registers an agency's reply (by its PIC, or by an officer on its behalf), with attachments.",
  })
  async registerAgencyReply(
    @Arg('input', () => RegisterAgencyReplyInput) input: RegisterAgencyReplyInput,
    @Ctx() ctx: CorrespondenceContext,
  ) {
    const principal = requireAuthenticated(ctx);
    return toLetter(
      await ctx.correspondence.registerReply(principal, {
        ...input,
        agencyId: input.agencyId ?? agencyId(principal) ?? null,
        receivedAt: input.receivedAt ? input.receivedAt.toISOString() : null,
      }),
    );
  }
}

function contactOf(c: { emails?: string[] | null; phone?: string | null; address?: string | null }) {
  return { emails: c.emails ?? [], phone: c.phone ?? null, address: c.address ?? null };
}
