/**
 * The complaint subgraph's application service: what resolvers call. It builds nothing itself: it runs
 * commands through the one generic CommandHandler (with the guard of ./access.ts, so authorisation is
 * judged on the same state the command is decided on), waits for the read model to reach the appended
 * position (read-your-writes), and reads documents back.
 */
import { createHash } from 'node:crypto';
import { sha256Uuid } from '../shared/ids';
import { type AccessCodeGuard, accessCodeGuardOf } from '../shared/access-code-guard';
import { CommandHandler, expectedRevisionOf } from '../shared/decider';
import { badInput, DomainError, notFound } from '../shared/errors';
import type { Actor } from '../shared/eventstore/types';
import type { SubgraphRuntime } from '../shared/runtime';
import type { DocQuery } from '../shared/projections/types';
import { TrackingNumberService } from './tracking-number';
import { type AccessCodeHasher, openAccessCodeHasher } from '../shared/access-code';
import { complaintGuard, requireEraser } from './access';
import {
  CHANNELS,
  type Channel,
  type ComplaintCommand,
  type ComplaintEvent,
  type ComplaintState,
  complaintDecider,
  complaintStreamId,
} from './domain';
import {
  type ComplaintIntakeInput,
  eraseComplainantData,
  type OfficerIntake,
  type PublicIntake,
  sealComplaintIntake,
} from './intake';
import type { ComplaintViewer } from './access';
import {
  AGENCY_CASES_COLLECTION,
  type AgencyCaseDocument,
  agencyCasesQuery,
  maintainedCount,
  applyComplaintEvent,
  COMPLAINTS_COLLECTION,
  type ComplaintDocument,
  type ComplaintFilter,
  complaintDocQuery,
} from './projection';
import { RoutingRules } from './routing';
import { AgencyRoster, FORWARDABLE_STATUSES } from '../correspondence/contract';

/** The actor recorded for the public WEB form: no identity of the caller goes into the log. */
export const PUBLIC_ACTOR: Actor = { id: 'public', role: 'PUBLIC' };

/** A UUID derived from an idempotency key, so a retried intake lands on the same complaint stream. */
export function complaintIdFromIdempotencyKey(scope: string, key: string): string {
  // Shaped as a version-8 (custom) UUID.
  return sha256Uuid(`dumas:fileComplaint:${scope}:${key}`, '8', 'a');
}

/**
 * The digest an idempotency key is bound to: the request as the decider will read it (text trimmed,
 * absent and empty alike, defaults applied, keys sorted), salted with the key and its scope so that the
 * digest in the log cannot be matched against guessed identities without the key.
 */
export function intakeDigest(
  scope: string,
  key: string,
  input: ComplaintIntakeInput,
  how: PublicIntake | OfficerIntake,
): string {
  const text = (v: string | null | undefined) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
  const who = input.complainant ?? null;
  const normalised = {
    anonymous: input.anonymous ?? false,
    category: text(input.category),
    channel: how.kind === 'PUBLIC' ? 'WEB' : how.channel,
    channelReference: how.kind === 'PUBLIC' ? null : text(how.channelReference),
    complainant: who
      ? {
          address: text(who.address),
          email: text(who.email),
          name: text(who.name),
          nik: text(who.nik),
          phone: text(who.phone),
        }
      : null,
    confidential: input.confidential ?? false,
    description: text(input.description),
    issueAccessCode: how.kind === 'PUBLIC' ? true : (how.issueAccessCode ?? false),
    region: text(input.region),
    subject: text(input.subject),
  };
  return createHash('sha256')
    .update(`dumas:intake:v1\n${scope}\n${key}\n${JSON.stringify(normalised)}`)
    .digest('base64url');
}

/** The same idempotency key with another request: refused, never answered with the first complaint. */
const keyReused = () =>
  badInput('this idempotencyKey was already used for a different request', {
    field: 'idempotencyKey',
    detail: 'IDEMPOTENCY_KEY_REUSED',
  });

export interface Page<T> {
  readonly items: readonly T[];
  /** The number of matches, counted when called (a count is the dearest part of a page). */
  readonly total: () => Promise<number>;
  readonly hasNextPage: boolean;
}

/** Where a page starts: right after a complaint's (receivedAt, id), or at an offset. */
export type ComplaintPagePosition =
  | { readonly after: readonly [receivedAt: string, id: string] }
  | { readonly offset: number };

export class ComplaintService {
  readonly handler: CommandHandler<ComplaintCommand, ComplaintEvent, ComplaintState>;
  readonly trackingNumbers: TrackingNumberService;
  readonly routing: RoutingRules;
  /** The agency directory as the log holds it: forwardings go only to agencies that have joined. */
  readonly roster: AgencyRoster;
  readonly accessCodes: AccessCodeHasher;
  /** One access-code check per request, a budget per tracking number (see AccessCodeGuard). */
  readonly accessCodeGuard: AccessCodeGuard;

  constructor(readonly runtime: SubgraphRuntime) {
    this.accessCodeGuard = accessCodeGuardOf(runtime);
    this.routing = new RoutingRules(runtime.store);
    this.roster = new AgencyRoster(runtime.store);
    this.handler = new CommandHandler(runtime.store, complaintDecider, complaintGuard);
    this.trackingNumbers = new TrackingNumberService(runtime.store);
    this.accessCodes = openAccessCodeHasher(runtime.config);
  }

  /**
   * Refuses a forwarding to an agency outside the directory (NOT_FOUND) or one that has not joined, or
   * is suspended (INVALID_TRANSITION): its focal point could not act on it, and a dangling reference
   * would break every page that lists the complaint's agencies.
   */
  async assertForwardable(agencyIds: readonly string[]): Promise<void> {
    for (const [i, agencyId] of agencyIds.entries()) {
      const agency = await this.roster.agency(agencyId);
      if (!agency) throw notFound('agency', agencyId);
      if (!FORWARDABLE_STATUSES.includes(agency.status))
        throw new DomainError(
          'INVALID_TRANSITION',
          `agencyIds[${i}] is ${agency.status}: complaints are forwarded only to agencies in the pilot or active`,
          { field: `agencyIds[${i}]`, currentState: agency.status },
        );
    }
  }

  now(): string {
    return this.runtime.clock.now().toISOString();
  }

  async get(id: string): Promise<ComplaintDocument | undefined> {
    return this.runtime.readModels.get<ComplaintDocument>(COMPLAINTS_COLLECTION, id);
  }

  /** The document after a command, once the projection has applied it. */
  private async readBack(id: string, position: number): Promise<ComplaintDocument> {
    await this.runtime.settle(position);
    const doc = await this.get(id);
    if (!doc) throw notFound('complaint', id);
    return doc;
  }

  async byTrackingNumber(trackingNumber: string): Promise<ComplaintDocument | undefined> {
    const [doc] = await this.runtime.readModels.find<ComplaintDocument>(COMPLAINTS_COLLECTION, {
      where: { trackingNumber: trackingNumber.trim().toUpperCase() },
      limit: 1,
    });
    return doc;
  }

  /**
   * How many complaints the viewer may see each channel received in each range (inclusive bounds), the
   * filter's other conditions applying: a dashboard's inflow in one request, one indexed count per range
   * and channel, all at once.
   */
  async inflow(
    /** Its receivedFrom, receivedTo and channel give way to each range and channel. */
    filter: ComplaintFilter,
    ranges: readonly { readonly from: string; readonly to: string }[],
    viewer: ComplaintViewer,
  ): Promise<{ from: string; to: string; channels: { channel: Channel; count: number }[] }[]> {
    return Promise.all(
      ranges.map(async ({ from, to }) => ({
        from,
        to,
        channels: await Promise.all(
          CHANNELS.map(async (channel) => {
            const query = complaintDocQuery(
              { ...filter, receivedFrom: from, receivedTo: to, channel: [channel] },
              viewer,
            );
            return { channel, count: await this.countOf(query) };
          }),
        ),
      })),
    );
  }

  /**
   * One page of the complaints the viewer may see: after a keyset position (read off the index from
   * there) or an offset (old cursors). One document more than the page tells whether another follows.
   */
  async list(
    filter: ComplaintFilter,
    viewer: ComplaintViewer,
    position: ComplaintPagePosition,
    limit: number,
  ): Promise<Page<ComplaintDocument>> {
    const query = complaintDocQuery(filter, viewer);
    const page = {
      limit: limit + 1,
      ...('after' in position ? { after: position.after } : { offset: position.offset }),
    };
    const byAgency = agencyCasesQuery(query);
    // Counted only when asked (totalCount), once.
    let counting: Promise<number> | undefined;
    const total = () => {
      counting ??= this.countOf(query);
      return counting;
    };
    // A count alone (`first: 0`, as a dashboard asks for dozens at once) reads no document: from an
    // offset, whether more follow is known from the total.
    if (limit === 0 && 'offset' in position) {
      return { items: [], hasNextPage: (await total()) > position.offset, total };
    }
    const found = byAgency
      ? await this.agencyPage(byAgency, page)
      : await this.runtime.readModels.find<ComplaintDocument>(COMPLAINTS_COLLECTION, { ...query, ...page });
    return { items: found.slice(0, limit), hasNextPage: found.length > limit, total };
  }

  /**
   * How many complaints a query (complaintDocQuery) matches: from the maintained counts when it filters
   * by status, channel and the privacy flags only, else off an index; the agency's share of them when it
   * is held to one agency.
   */
  private async countOf(query: DocQuery): Promise<number> {
    const byAgency = agencyCasesQuery(query);
    const counted = byAgency ?? query;
    const maintained = await maintainedCount(this.runtime.readModels, counted);
    if (maintained !== undefined) return maintained;
    return this.runtime.readModels.count(byAgency ? AGENCY_CASES_COLLECTION : COMPLAINTS_COLLECTION, {
      ...(counted.where ? { where: counted.where } : {}),
      ...(counted.text ? { text: counted.text } : {}),
    });
  }

  /** A page of one agency's cases, read off their indexes, then their complaints in one read. */
  private async agencyPage(query: DocQuery, page: Pick<DocQuery, 'limit' | 'offset' | 'after'>) {
    const cases = await this.runtime.readModels.find<AgencyCaseDocument>(AGENCY_CASES_COLLECTION, {
      ...query,
      ...page,
    });
    const docs = await this.runtime.readModels.getMany<ComplaintDocument>(
      COMPLAINTS_COLLECTION,
      cases.map((c) => c.id),
    );
    return docs.filter((doc): doc is ComplaintDocument => doc !== undefined);
  }

  /**
   * What the first intake under a key answered, folded from its ComplaintReceived event alone: a replay
   * learns the tracking number and RECEIVED, never the complaint's later state (forwardings, responses).
   * The key must come with the same request (digest), else IDEMPOTENCY_KEY_REUSED.
   */
  private async replay(complaintId: string, digest: string): Promise<ComplaintDocument> {
    const [first] = await this.runtime.store.readStream(complaintStreamId(complaintId), { maxCount: 1 });
    const received = first as unknown as ComplaintEvent | undefined;
    if (received?.type !== 'ComplaintReceived' || received.data.intakeDigest !== digest) {
      throw keyReused();
    }
    const doc = applyComplaintEvent(undefined, received, 0);
    if (!doc) throw keyReused();
    return doc;
  }

  /**
   * Files or receives a complaint. With an idempotency key a retry (after a lost reply) returns the
   * complaint the first attempt created instead of a second one; its access code was shown only once, so
   * the retry answers without it.
   */
  async intake(
    input: ComplaintIntakeInput,
    how: PublicIntake | OfficerIntake,
    actor: Actor,
    idempotencyKey?: string | null,
  ): Promise<{ complaint: ComplaintDocument; accessCode: string | null; replayed: boolean }> {
    const scope = actor.role === 'PUBLIC' ? 'public' : actor.id;
    const complaintId = idempotencyKey ? complaintIdFromIdempotencyKey(scope, idempotencyKey) : undefined;
    const digest = idempotencyKey ? intakeDigest(scope, idempotencyKey, input, how) : undefined;
    if (complaintId && digest) {
      const existing = await this.runtime.store.streamRevision(complaintStreamId(complaintId));
      if (existing !== undefined) {
        return { complaint: await this.replay(complaintId, digest), accessCode: null, replayed: true };
      }
    }
    const intake = await sealComplaintIntake(
      { vault: this.runtime.vault, accessCodes: this.accessCodes },
      { ...input, ...(complaintId ? { complaintId } : {}), ...(digest ? { intakeDigest: digest } : {}) },
      how,
      { now: this.now(), actor },
    );
    try {
      // The number's claim and the complaint in one append (one commit); a taken number draws again.
      const result = await this.trackingNumbers.claimAlong(
        intake.complaintId,
        intake.year,
        { now: this.now(), actor },
        (claim, trackingNumber) =>
          this.handler.handle(complaintStreamId(intake.complaintId), intake.build(trackingNumber), {
            caseId: intake.complaintId,
            retries: 0,
            alongside: [claim],
          }),
      );
      return {
        complaint: await this.readBack(intake.complaintId, result.position),
        accessCode: intake.accessCode,
        replayed: false,
      };
    } catch (err) {
      // Two identical retries raced: the other one created it.
      if (
        complaintId &&
        digest &&
        err instanceof DomainError &&
        (err.code === 'INVALID_TRANSITION' || err.code === 'CONFLICT')
      ) {
        return { complaint: await this.replay(complaintId, digest), accessCode: null, replayed: true };
      }
      throw err;
    }
  }

  /** Any lifecycle command on an existing complaint. */
  async execute(
    id: string,
    command: (metadata: { now: string; actor: Actor }) => ComplaintCommand,
    actor: Actor,
    expectedVersion?: number | null,
  ): Promise<ComplaintDocument> {
    const built = command({ now: this.now(), actor });
    if (built.type === 'EraseComplainantData') requireEraser(actor);
    const result =
      built.type === 'EraseComplainantData'
        ? await eraseComplainantData(
            this.handler,
            this.runtime.vault,
            id,
            built,
            this.options(id, expectedVersion),
          )
        : await this.handler.handle(complaintStreamId(id), built, this.options(id, expectedVersion));
    return this.readBack(id, result.position);
  }

  private options(id: string, expectedVersion?: number | null) {
    return { caseId: id, ...expectedRevisionOf(expectedVersion) };
  }
}
