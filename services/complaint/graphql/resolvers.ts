/**
 * Thin resolvers: check the caller, build a command, hand it to the service, read the projection.
 * Rules live in the decider (services/complaint/domain); errors are mapped once at the edge.
 */
import { plausibleAccessCode } from '../../shared/access-code';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { requireCaseReader } from '../../shared/access';
import { keyCursor, keyOfCursor, pageInfoOf, pageSize } from '../../shared/graphql/connection';
import { type Principal, requireAuthenticated, requireRole } from '../../shared/auth';
import { badInput, unauthenticated } from '../../shared/errors';
import type { Actor } from '../../shared/eventstore/types';
import { type ComplaintCommand, type RejectionReason } from '../domain';
import { type ComplaintDocument, type ComplaintFilter, publicComplaintView } from '../projection';
import { type ComplaintPagePosition, PUBLIC_ACTOR } from '../service';
import type { ComplaintContext } from './context';
import {
  type AgencyResponseOutcome,
  AgencyResponseOutcomeEnum,
  Complainant,
  Complaint,
  ComplaintConnection,
  ComplaintFilterInput,
  ComplaintInflow,
  FileComplaintInput,
  FiledComplaint,
  PublicComplaintStatus,
  ReceivedRangeInput,
  RejectionReasonEnum,
} from './types';
import { channelReferenceView, complainantView, documentOf, toComplaint, visibleComplaint } from './view';

const MAX_PAGE = 100;
/** A year by week and a bit: 318 indexed counts at most. */
const MAX_RANGES = 53;
const DEFAULT_PAGE = 20;

/**
 * Keyset cursors: the (receivedAt, id) of the last complaint seen, so the next page starts from the index
 * right after it whatever the store holds. Offset cursors handed out before still page (by offset).
 */
const encodeCursor = (doc: ComplaintDocument) => keyCursor([doc.receivedAt, doc.id]);
function decodeCursor(cursor: string): ComplaintPagePosition {
  const offset = /^offset:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (offset) return { offset: Number(offset[1]) + 1 };
  const key = keyOfCursor(cursor, 2);
  if (key) return { after: [key[0]!, key[1]!] };
  throw badInput('after is not a cursor of this connection', { field: 'after' });
}

const filterOf = (filter?: ComplaintFilterInput | null): ComplaintFilter => ({
  ...(filter?.status ? { status: filter.status } : {}),
  ...(filter?.agencyId ? { agencyId: filter.agencyId } : {}),
  ...(filter?.channel ? { channel: filter.channel } : {}),
  ...(filter?.receivedFrom ? { receivedFrom: filter.receivedFrom.toISOString() } : {}),
  ...(filter?.receivedTo ? { receivedTo: filter.receivedTo.toISOString() } : {}),
  ...(filter?.text ? { text: filter.text } : {}),
  ...(typeof filter?.confidential === 'boolean' ? { confidential: filter.confidential } : {}),
  ...(typeof filter?.anonymous === 'boolean' ? { anonymous: filter.anonymous } : {}),
});

@Resolver(() => Complaint)
export class ComplaintQueries {
  @Query(() => Complaint, {
    nullable: true,
    description: 'A complaint by id; null when absent or not visible to the caller.',
  })
  async complaint(@Arg('id', () => ID) id: string, @Ctx() ctx: ComplaintContext): Promise<Complaint | null> {
    const principal = requireCaseReader(ctx);
    const doc = visibleComplaint(await ctx.complaints.get(id), principal);
    return doc ? toComplaint(doc) : null;
  }

  @Query(() => Complaint, { nullable: true })
  async complaintByTrackingNumber(
    @Arg('trackingNumber') trackingNumber: string,
    @Ctx() ctx: ComplaintContext,
  ): Promise<Complaint | null> {
    const principal = requireCaseReader(ctx);
    const doc = visibleComplaint(await ctx.complaints.byTrackingNumber(trackingNumber), principal);
    return doc ? toComplaint(doc) : null;
  }

  @Query(() => ComplaintConnection, { description: 'Complaints visible to the caller, newest first.' })
  async complaints(
    @Ctx() ctx: ComplaintContext,
    @Arg('filter', () => ComplaintFilterInput, { nullable: true }) filter?: ComplaintFilterInput | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<ComplaintConnection> {
    const principal = requireCaseReader(ctx);
    const limit = pageSize(first, DEFAULT_PAGE, MAX_PAGE);
    const position = after ? decodeCursor(after) : { offset: 0 };
    const page = await ctx.complaints.list(filterOf(filter), principal, position, limit);
    const edges = page.items.flatMap((doc) => {
      const visible = visibleComplaint(doc, principal);
      return visible ? [{ cursor: encodeCursor(doc), node: toComplaint(visible) }] : [];
    });
    return {
      edges,
      get totalCount() {
        return page.total();
      },
      pageInfo: pageInfoOf(edges, page.hasNextPage, 'after' in position || position.offset > 0),
    };
  }

  @Query(() => [ComplaintInflow], {
    description:
      'How many complaints each channel received in each range, among those `complaints(filter)` would list (its ' +
      'receivedFrom, receivedTo and channel give way to each range and channel): a dashboard’s inflow in one request.',
  })
  async complaintInflow(
    @Arg('ranges', () => [ReceivedRangeInput]) ranges: ReceivedRangeInput[],
    @Ctx() ctx: ComplaintContext,
    @Arg('filter', () => ComplaintFilterInput, { nullable: true }) filter?: ComplaintFilterInput | null,
  ): Promise<ComplaintInflow[]> {
    const principal = requireCaseReader(ctx);
    if (ranges.length > MAX_RANGES) {
      throw badInput(`at most ${MAX_RANGES} ranges at a time`, { field: 'ranges' });
    }
    return ctx.complaints.inflow(
      filterOf(filter),
      ranges.map((r) => ({ from: r.from.toISOString(), to: r.to.toISOString() })),
      principal,
    );
  }

  @Query(() => PublicComplaintStatus, {
    nullable: true,
    description:
      'The public tracking page: no token, the tracking number plus its access code. Null when they do not match.',
  })
  async trackComplaint(
    @Arg('trackingNumber') trackingNumber: string,
    @Arg('accessCode') accessCode: string,
    @Ctx() ctx: ComplaintContext,
  ): Promise<PublicComplaintStatus | null> {
    if (!plausibleAccessCode(trackingNumber, accessCode)) return null;
    await ctx.complaints.accessCodeGuard.admit(ctx, trackingNumber);
    const doc = await ctx.complaints.byTrackingNumber(trackingNumber);
    // One HMAC whether or not the number is known: timing tells nothing.
    const ok = await ctx.complaints.accessCodes.matchesFound(accessCode, doc);
    return ok && doc ? publicComplaintView(doc) : null;
  }

  @FieldResolver(() => String, { nullable: true })
  async channelReference(@Root() complaint: Complaint, @Ctx() ctx: ComplaintContext): Promise<string | null> {
    const doc = documentOf(complaint);
    return doc ? channelReferenceView(doc, ctx.complaints.runtime.vault) : null;
  }

  @FieldResolver(() => Complainant, { nullable: true })
  async complainant(@Root() complaint: Complaint, @Ctx() ctx: ComplaintContext): Promise<Complainant | null> {
    const doc = documentOf(complaint);
    return doc ? complainantView(doc, ctx.complaints.runtime.vault) : null;
  }
}

type Build = (m: { now: string; actor: Actor }) => ComplaintCommand;

async function run(ctx: ComplaintContext, id: string, build: Build, expectedVersion?: number | null) {
  const principal = requireAuthenticated(ctx);
  const doc = await ctx.complaints.execute(id, build, principal, expectedVersion);
  const visible = visibleComplaint(doc, principal);
  // The caller acted on it, so it may see it; an ADMIN (erasure) gets the officer's view of a masked identity.
  return toComplaint(
    visible ?? {
      ...doc,
      complainant: doc.complainant ? { access: 'MASKED' } : null,
      accessCodeHash: null,
      channelReference: null,
      sealedChannelReference: null,
    },
  );
}

const agencyOf = (principal: Principal, given?: string | null): string => {
  const agencyId = given ?? principal.agencyId;
  if (!agencyId) throw badInput('agencyId is required', { field: 'agencyId' });
  return agencyId;
};

@Resolver()
export class ComplaintMutations {
  @Mutation(() => FiledComplaint, {
    description: 'Files a complaint: the public WEB form needs no token; officers record any channel.',
  })
  async fileComplaint(
    @Arg('input', () => FileComplaintInput) input: FileComplaintInput,
    @Ctx() ctx: ComplaintContext,
  ): Promise<FiledComplaint> {
    const principal = ctx.principal;
    const channel = input.channel ?? 'WEB';
    if (!principal && channel !== 'WEB')
      throw unauthenticated('only the WEB channel is open without a token');
    if (principal && principal.role !== 'OFFICER' && principal.role !== 'SUPERVISOR') {
      requireRole(ctx, 'OFFICER', 'SUPERVISOR');
    }
    const intake = {
      subject: input.subject,
      description: input.description,
      category: input.category ?? null,
      region: input.region ?? null,
      confidential: input.confidential ?? false,
      anonymous: input.anonymous ?? false,
      complainant: input.complainant ?? null,
    };
    const how = principal
      ? ({
          kind: 'OFFICER',
          channel,
          channelReference: input.channelReference ?? null,
          issueAccessCode: input.issueAccessCode ?? channel === 'WEB',
        } as const)
      : ({ kind: 'PUBLIC' } as const);
    if (
      input.idempotencyKey !== undefined &&
      input.idempotencyKey !== null &&
      !/^[\w.:-]{8,100}$/.test(input.idempotencyKey)
    ) {
      throw badInput('idempotencyKey must be 8 to 100 letters, digits or . _ : -', {
        field: 'idempotencyKey',
      });
    }
    const actor: Actor = principal ?? PUBLIC_ACTOR;
    const { complaint, accessCode } = await ctx.complaints.intake(intake, how, actor, input.idempotencyKey);
    if (!principal) {
      // The complainant sees what they filed, never another's: the identity they typed is not echoed back.
      return {
        complaint: toComplaint({
          ...complaint,
          complainant: complaint.complainant ? { access: 'MASKED' } : null,
          accessCodeHash: null,
          channelReference: null,
          sealedChannelReference: null,
        }),
        accessCode,
      };
    }
    const visible = visibleComplaint(complaint, principal);
    return { complaint: toComplaint(visible ?? complaint), accessCode };
  }

  @Mutation(() => Complaint, { description: 'Asks the complainant for missing information; clocks pause.' })
  requestInformation(
    @Arg('id', () => ID) id: string,
    @Arg('question') question: string,
    @Ctx() ctx: ComplaintContext,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ) {
    return run(
      ctx,
      id,
      (metadata) => ({ type: 'RequestInformation', data: { question }, metadata }),
      expectedVersion,
    );
  }

  @Mutation(() => Complaint, { description: "Records the complainant's answer; clocks run again." })
  provideInformation(
    @Arg('id', () => ID) id: string,
    @Arg('information') information: string,
    @Ctx() ctx: ComplaintContext,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ) {
    return run(
      ctx,
      id,
      (metadata) => ({ type: 'ProvideInformation', data: { information }, metadata }),
      expectedVersion,
    );
  }

  @Mutation(() => Complaint, {
    description: 'Verifies a complaint (*verifikasi*), optionally classifying it.',
  })
  verifyComplaint(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: ComplaintContext,
    @Arg('category', () => String, { nullable: true }) category?: string | null,
    @Arg('region', () => String, { nullable: true }) region?: string | null,
    @Arg('note', () => String, { nullable: true }) note?: string | null,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ) {
    return run(
      ctx,
      id,
      (metadata) => ({
        type: 'VerifyComplaint',
        data: { category: category ?? null, region: region ?? null, note: note ?? null },
        metadata,
      }),
      expectedVersion,
    );
  }

  @Mutation(() => Complaint)
  rejectComplaint(
    @Arg('id', () => ID) id: string,
    @Arg('reason', () => RejectionReasonEnum) reason: RejectionReason,
    @Arg('note') note: string,
    @Ctx() ctx: ComplaintContext,
    @Arg('duplicateOf', () => ID, { nullable: true }) duplicateOf?: string | null,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ) {
    return run(
      ctx,
      id,
      (metadata) => ({
        type: 'RejectComplaint',
        data: { reason, note, duplicateOf: duplicateOf ?? null },
        metadata,
      }),
      expectedVersion,
    );
  }

  @Mutation(() => Complaint, {
    description:
      'Forwards to one or more agencies with a follow-up request (*surat tindak lanjut*). Without agencyIds, to the agencies the routing rules propose (see Complaint.suggestedAgencies).',
  })
  async forwardComplaint(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: ComplaintContext,
    @Arg('agencyIds', () => [ID], { nullable: true }) agencyIds?: string[] | null,
    @Arg('note', () => String, { nullable: true }) note?: string | null,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ) {
    let routingRuleId: string | null = null;
    if (agencyIds === undefined || agencyIds === null) {
      requireRole(ctx, 'OFFICER', 'SUPERVISOR');
      const doc = await ctx.complaints.get(id);
      const rule = doc ? await ctx.complaints.routing.suggest(doc, ctx.complaints.now()) : undefined;
      if (doc && !rule) {
        throw badInput('no routing rule proposes agencies for this complaint: name agencyIds', {
          field: 'agencyIds',
        });
      }
      agencyIds = rule ? [...rule.agencyIds] : [];
      routingRuleId = rule?.ruleId ?? null;
    }
    const chosen = agencyIds;
    // Staff only: anyone else is refused by the decider, before learning anything of the directory.
    const principal = requireAuthenticated(ctx);
    if (principal.role === 'OFFICER' || principal.role === 'SUPERVISOR')
      await ctx.complaints.assertForwardable(chosen);
    return run(
      ctx,
      id,
      (metadata) => ({
        type: 'ForwardComplaint',
        data: { agencyIds: chosen, note: note ?? null, ...(routingRuleId ? { routingRuleId } : {}) },
        metadata,
      }),
      expectedVersion,
    );
  }

  @Mutation(() => Complaint, { description: "The agency's focal point confirms receipt." })
  acknowledgeComplaint(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: ComplaintContext,
    @Arg('agencyId', () => ID, { nullable: true }) agencyId?: string | null,
    @Arg('note', () => String, { nullable: true }) note?: string | null,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ) {
    const principal = requireAuthenticated(ctx);
    return run(
      ctx,
      id,
      (metadata) => ({
        type: 'AcknowledgeComplaint',
        data: { agencyId: agencyOf(principal, agencyId), note: note ?? null },
        metadata,
      }),
      expectedVersion,
    );
  }

  @Mutation(() => Complaint, { description: "Records an agency's response (*laporan hasil tindak lanjut*)." })
  recordAgencyResponse(
    @Arg('id', () => ID) id: string,
    @Arg('response') response: string,
    @Ctx() ctx: ComplaintContext,
    @Arg('agencyId', () => ID, { nullable: true }) agencyId?: string | null,
    @Arg('outcome', () => AgencyResponseOutcomeEnum, { nullable: true })
    outcome?: AgencyResponseOutcome | null,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ) {
    const principal = requireAuthenticated(ctx);
    return run(
      ctx,
      id,
      (metadata) => ({
        type: 'RecordAgencyResponse',
        data: { agencyId: agencyOf(principal, agencyId), response, outcome: outcome ?? 'FOLLOWED_UP' },
        metadata,
      }),
      expectedVersion,
    );
  }

  @Mutation(() => Complaint, {
    description: 'The response does not settle the complaint: back to the agencies.',
  })
  markResponseInsufficient(
    @Arg('id', () => ID) id: string,
    @Arg('agencyIds', () => [ID]) agencyIds: string[],
    @Arg('note') note: string,
    @Ctx() ctx: ComplaintContext,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ) {
    return run(
      ctx,
      id,
      (metadata) => ({ type: 'MarkResponseInsufficient', data: { agencyIds, note }, metadata }),
      expectedVersion,
    );
  }

  @Mutation(() => Complaint)
  resolveComplaint(
    @Arg('id', () => ID) id: string,
    @Arg('resolution') resolution: string,
    @Ctx() ctx: ComplaintContext,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ) {
    return run(
      ctx,
      id,
      (metadata) => ({ type: 'ResolveComplaint', data: { resolution }, metadata }),
      expectedVersion,
    );
  }

  @Mutation(() => Complaint)
  closeComplaint(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: ComplaintContext,
    @Arg('note', () => String, { nullable: true }) note?: string | null,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ) {
    return run(
      ctx,
      id,
      (metadata) => ({ type: 'CloseComplaint', data: { note: note ?? null }, metadata }),
      expectedVersion,
    );
  }

  @Mutation(() => Complaint, {
    description: 'Reopens a resolved, closed or rejected complaint (a REOPENED event, never an edit).',
  })
  reopenComplaint(
    @Arg('id', () => ID) id: string,
    @Arg('reason') reason: string,
    @Ctx() ctx: ComplaintContext,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ) {
    return run(
      ctx,
      id,
      (metadata) => ({ type: 'ReopenComplaint', data: { reason }, metadata }),
      expectedVersion,
    );
  }

  @Mutation(() => Complaint, {
    description: 'Sets the confidential (*rahasia*) and/or anonymous (*anonim*) flags.',
  })
  setComplaintPrivacy(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: ComplaintContext,
    @Arg('confidential', () => Boolean, { nullable: true }) confidential?: boolean | null,
    @Arg('anonymous', () => Boolean, { nullable: true }) anonymous?: boolean | null,
    @Arg('reason', () => String, { nullable: true }) reason?: string | null,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number | null,
  ) {
    return run(
      ctx,
      id,
      (metadata) => ({
        type: 'SetComplaintPrivacy',
        data: { confidential: confidential ?? null, anonymous: anonymous ?? null, reason: reason ?? null },
        metadata,
      }),
      expectedVersion,
    );
  }

  @Mutation(() => Complaint, {
    description:
      "ADMIN: erases the complainant's identity (UU PDP) by destroying its key; the audit trail stays verifiable.",
  })
  eraseComplainantData(
    @Arg('complaintId', () => ID) complaintId: string,
    @Arg('reason') reason: string,
    @Ctx() ctx: ComplaintContext,
  ) {
    requireRole(ctx, 'ADMIN');
    return run(ctx, complaintId, (metadata) => ({
      type: 'EraseComplainantData',
      data: { reason },
      metadata,
    }));
  }
}
