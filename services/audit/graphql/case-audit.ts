/**
 * What auditors read on a complaint: its history across every stream of the case, its state as of an
 * instant, and an integrity verdict. The work is in services/audit; this file checks the caller, masks
 * per role and shapes the reply.
 */
import { GraphQLDateTime, GraphQLJSON, GraphQLSafeInt } from 'graphql-scalars';
import {
  Arg,
  Ctx,
  Field,
  FieldResolver,
  ID,
  Int,
  ObjectType,
  Resolver,
  Root,
  registerEnumType,
} from 'type-graphql';
import { caseStateAsOf, type TimeBasis } from '../as-of';
import { CaseEventsCache, readCaseEvents } from '../case-events';
import { auditWingOf } from '../wing';
import { maskCaseHistory, pageOfHistory } from '../history';
import { verifyCaseIntegrity } from '../integrity';
import { requireCaseReader } from '../../shared/access';
import { requireRole } from '../../shared/auth';
import { clocksAsOfFor, INTEGRITY_READERS, lettersAsOfFor } from '../access';
import { badInput } from '../../shared/errors';
import type { SubgraphRuntime } from '../../shared/runtime';
import { type ComplaintStatus, maskComplaintForViewer } from '../../complaint/contract';
import {
  Complaint,
  type ComplaintContext,
  ComplaintStatusEnum,
  Forwarding,
  toComplaint,
} from '../../complaint/contract-entity';
import { PageInfo } from '../../shared/graphql/connection';

const MAX_PAGE = 200;

/** The two clocks of time travel (see services/audit/as-of.ts). */
export enum TimeBasisEnum {
  OCCURRED = 'OCCURRED',
  RECORDED = 'RECORDED',
}
registerEnumType(TimeBasisEnum, {
  name: 'TimeBasis',
  description: 'Which clock an instant is read on in time travel.',
  valuesConfig: {
    OCCURRED: {
      description:
        'As the case stood in the world then: every event that happened by then (occurredAt; an intake at its original receipt time), whenever it was recorded.',
    },
    RECORDED: {
      description: 'As dumas knew the case then: the events recorded by then (recordedAt).',
    },
  },
});

@ObjectType({ description: 'Who recorded an event: the user id, role and (for a focal point) agency.' })
export class CaseEventActor {
  @Field(() => ID)
  id!: string;

  @Field()
  role!: string;

  @Field(() => ID, { nullable: true })
  agencyId!: string | null;
}

@ObjectType({ description: 'One event of a case, from any stream it touches (complaint, letters, clocks).' })
export class CaseHistoryEvent {
  @Field(() => GraphQLSafeInt, { description: 'Position in the log: events are listed in this order.' })
  position!: number;

  @Field()
  streamId!: string;

  @Field(() => Int)
  revision!: number;

  @Field()
  type!: string;

  @Field(() => GraphQLDateTime, { description: 'When it happened (imports keep their original time).' })
  occurredAt!: string;

  @Field(() => GraphQLDateTime, { description: 'When the store recorded it.' })
  recordedAt!: string;

  @Field(() => CaseEventActor, { nullable: true })
  actor!: CaseEventActor | null;

  @Field({ description: 'A readable one-line summary, without personal data.' })
  summary!: string;

  @Field(() => GraphQLJSON, {
    description: 'The event data as the caller may see it (sealed identity never).',
  })
  data!: unknown;
}

@ObjectType()
export class CaseHistoryEdge {
  @Field()
  cursor!: string;

  @Field(() => CaseHistoryEvent)
  node!: CaseHistoryEvent;
}

@ObjectType({ description: "A case's history (*riwayat penanganan*), oldest first." })
export class CaseHistoryConnection {
  @Field(() => [CaseHistoryEdge])
  edges!: CaseHistoryEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int)
  totalCount!: number;
}

@ObjectType({ description: 'A letter covering the case, as it stood then.' })
export class CaseLetterAsOf {
  @Field(() => ID)
  id!: string;

  @Field()
  kind!: string;

  @Field()
  state!: string;

  @Field(() => ID, { nullable: true })
  agencyId!: string | null;

  @Field(() => String, { nullable: true, description: 'The nomor surat, once numbered.' })
  number!: string | null;
}

@ObjectType({ description: 'An SLA clock of the case, as it stood then.' })
export class CaseClockAsOf {
  @Field(() => ID)
  id!: string;

  @Field()
  kind!: string;

  @Field(() => ID, { nullable: true })
  agencyId!: string | null;

  @Field(() => GraphQLDateTime)
  startedAt!: string;

  @Field(() => GraphQLDateTime, { nullable: true })
  dueAt!: string | null;

  @Field(() => GraphQLDateTime, { nullable: true })
  stoppedAt!: string | null;

  @Field({ description: 'Neither stopped nor with its breach on record.' })
  open!: boolean;
}

@ObjectType({ description: 'The case as it stood at an instant, folded from its events.' })
export class ComplaintAsOf {
  @Field(() => GraphQLDateTime)
  at!: string;

  @Field(() => TimeBasisEnum, { description: 'The clock `at` was read on.' })
  basis!: TimeBasis;

  @Field(() => GraphQLSafeInt, { description: 'The log position of the last event taken into account.' })
  position!: number;

  @Field(() => ComplaintStatusEnum, { nullable: true, description: 'Null when not yet received then.' })
  status!: ComplaintStatus | null;

  @Field(() => [Forwarding])
  forwardings!: Forwarding[];

  @Field(() => [CaseLetterAsOf])
  letters!: CaseLetterAsOf[];

  @Field(() => [CaseClockAsOf])
  clocks!: CaseClockAsOf[];
}

export enum IntegrityDamage {
  EDITED = 'EDITED',
  REMOVED = 'REMOVED',
  TRUNCATED = 'TRUNCATED',
  INSERTED = 'INSERTED',
  REORDERED = 'REORDERED',
  FORGED_CHECKPOINT = 'FORGED_CHECKPOINT',
}
registerEnumType(IntegrityDamage, {
  name: 'IntegrityDamage',
  description:
    'EDITED: content changed; REMOVED: a signed event gone; TRUNCATED: a stream tail gone; INSERTED: an event the store did not append; REORDERED: a signed event moved; FORGED_CHECKPOINT: a checkpoint forged, removed or re-signed.',
});

@ObjectType({ description: 'Whether the record of the case is intact (hash chains and signed checkpoint).' })
export class CaseIntegrity {
  @Field()
  ok!: boolean;

  @Field(() => Int)
  streamsChecked!: number;

  @Field(() => Int)
  eventsChecked!: number;

  @Field(() => IntegrityDamage, {
    nullable: true,
    description: 'The kind of damage to the first altered row.',
  })
  damage!: IntegrityDamage | null;

  @Field(() => GraphQLSafeInt, { nullable: true, description: 'The log position of the first altered row.' })
  brokenPosition!: number | null;

  @Field(() => String, { nullable: true, description: 'The first stream that does not hold.' })
  brokenStream!: string | null;

  @Field(() => Int, { nullable: true, description: 'Its first revision that does not hold.' })
  brokenRevision!: number | null;

  @Field(() => String, { nullable: true })
  reason!: string | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'The signed checkpoint held against.' })
  checkpointAt!: string | null;

  @Field(() => GraphQLSafeInt, { nullable: true })
  checkpointPosition!: number | null;

  @Field(() => Int, { nullable: true, description: 'The sequence number of that checkpoint in its chain.' })
  checkpointSeq!: number | null;

  @Field({
    description:
      'Whether the verifying key came from configuration or a witness head; false with the development key under the data directory, which proves nothing against someone who can write there.',
  })
  anchored!: boolean;

  @Field(() => String, {
    nullable: true,
    description: 'Set while the checkpointer refuses to sign because the log was altered: what it found.',
  })
  checkpointerAlert!: string | null;
}

const encodeCursor = (position: number) => Buffer.from(`position:${position}`).toString('base64url');
function decodeCursor(cursor: string): number {
  const match = /^position:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw badInput('after is not a cursor of this history', { field: 'after' });
  return Number(match[1]);
}

/**
 * Each subgraph runtime's kept case events for `asOf` (the console's time slider asks it for one case at
 * one instant after another); history and integrity read the store every time.
 */
const asOfCaches = new WeakMap<SubgraphRuntime, CaseEventsCache>();
function asOfCache(runtime: SubgraphRuntime): CaseEventsCache {
  let cache = asOfCaches.get(runtime);
  if (!cache) {
    cache = new CaseEventsCache();
    asOfCaches.set(runtime, cache);
  }
  return cache;
}

/**
 * The case index of this runtime once it includes what the caller asked to read after (its own write in
 * another subgraph, see shared/consistency.ts), without waiting for the log head on a plain read; a scan
 * of the log when it cannot reach that position in time.
 */
async function caseIndex(runtime: SubgraphRuntime) {
  try {
    await runtime.readYourWrites(5_000);
    return runtime.readModels;
  } catch {
    return undefined;
  }
}

@Resolver(() => Complaint)
export class ComplaintAudit {
  @FieldResolver(() => CaseHistoryConnection, {
    description:
      'Every event of the case across complaint, letters and clocks, in log order; masked per role.',
  })
  async history(
    @Root() complaint: Complaint,
    @Ctx() ctx: ComplaintContext,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<CaseHistoryConnection> {
    const principal = requireCaseReader(ctx);
    const limit = first ?? 50;
    if (!Number.isInteger(limit) || limit < 0 || limit > MAX_PAGE) {
      throw badInput(`first must be between 0 and ${MAX_PAGE}`, { field: 'first' });
    }
    const afterPosition = after ? decodeCursor(after) : 0;
    const current = await ctx.complaints.get(complaint.id);
    const entries = current
      ? maskCaseHistory(
          await readCaseEvents(ctx.complaints.runtime.store, complaint.id, {
            ...(await caseIndex(ctx.complaints.runtime).then((index) => (index ? { index } : {}))),
          }),
          current,
          principal,
        )
      : null;
    const page = pageOfHistory(entries ?? [], limit, afterPosition);
    const edges = page.entries.map((node) => ({ cursor: encodeCursor(node.position), node }));
    return {
      edges,
      totalCount: page.totalCount,
      pageInfo: {
        hasNextPage: page.hasNextPage,
        hasPreviousPage: afterPosition > 0,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges[edges.length - 1]?.cursor ?? null,
      },
    };
  }

  @FieldResolver(() => ComplaintAsOf, {
    nullable: true,
    description:
      'The case as it stood at an instant, folded from its events by the live projections. By default (OCCURRED) as it stood in the world then; RECORDED: as dumas knew it then.',
  })
  async asOf(
    @Root() complaint: Complaint,
    @Arg('at', () => GraphQLDateTime) at: Date,
    @Arg('basis', () => TimeBasisEnum, { defaultValue: TimeBasisEnum.OCCURRED }) basis: TimeBasisEnum,
    @Ctx() ctx: ComplaintContext,
  ): Promise<ComplaintAsOf | null> {
    const principal = requireCaseReader(ctx);
    const current = await ctx.complaints.get(complaint.id);
    if (!current || !maskComplaintForViewer(current, principal)) return null;
    const index = await caseIndex(ctx.complaints.runtime);
    const state = await caseStateAsOf(ctx.complaints.runtime.store, complaint.id, at, {
      basis,
      ...(index ? { index } : {}),
      cache: asOfCache(ctx.complaints.runtime),
    });
    const then = state.complaint ? maskComplaintForViewer(state.complaint, principal) : null;
    return {
      at: state.at,
      basis,
      position: state.position,
      status: then?.status ?? null,
      forwardings: then ? toComplaint(then).forwardings : [],
      letters: lettersAsOfFor(principal, state.letters).map((l) => ({
        id: l.id,
        kind: l.kind,
        state: l.state,
        agencyId: l.agencyId,
        number: l.number,
      })),
      clocks: clocksAsOfFor(principal, state.clocks).map((c) => ({
        id: c.id,
        kind: c.kind,
        agencyId: c.agencyId ?? null,
        startedAt: c.startedAt,
        dueAt: c.dueAt,
        stoppedAt: c.stoppedAt ?? null,
        open: c.open,
      })),
    };
  }

  @FieldResolver(() => CaseIntegrity, {
    description:
      'Verifies the hash chain of every stream the case touches against the last signed checkpoint.',
  })
  async integrity(@Root() complaint: Complaint, @Ctx() ctx: ComplaintContext): Promise<CaseIntegrity> {
    requireRole(ctx, ...INTEGRITY_READERS);
    const runtime = ctx.complaints.runtime;
    const wing = auditWingOf(runtime);
    const witness = wing.witnessHead();
    const index = await caseIndex(runtime);
    const verdict = await verifyCaseIntegrity(runtime.store, complaint.id, wing.file, wing.keys, {
      ...(index ? { index } : {}),
      ...(witness.checkpoint ? { witness: witness.checkpoint } : {}),
    });
    const problem = witness.problem ?? verdict.problems[0];
    const alert = verdict.alert;
    return {
      ok: verdict.ok && !witness.problem,
      streamsChecked: verdict.streamsChecked,
      eventsChecked: verdict.eventsChecked,
      damage: problem ? IntegrityDamage[problem.kind] : null,
      brokenPosition: problem?.position ?? null,
      brokenStream: problem ? problem.streamId || null : null,
      brokenRevision: problem && problem.revision >= 0 ? problem.revision : null,
      reason: problem?.reason ?? null,
      checkpointAt: verdict.checkpoint?.takenAt ?? null,
      checkpointPosition: verdict.checkpoint?.headPosition ?? null,
      checkpointSeq: verdict.checkpoint?.seq ?? null,
      anchored: verdict.anchored,
      checkpointerAlert: alert
        ? `${alert.kind}${alert.position !== null ? ` at log position ${alert.position}` : ''}: ${alert.reason} (since ${alert.at})`
        : null,
    };
  }
}
