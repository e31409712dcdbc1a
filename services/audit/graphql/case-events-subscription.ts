/**
 * `Subscription.caseEvents`: the live feed of case events for partner agencies and officers, served by
 * the complaint subgraph over graphql-ws on its own HTTP server (the gateway opens one upstream
 * subscription here per shared feed — per class of its subscribers — and per subscriber catching up, and
 * resolves the rest of the payload itself).
 *
 * Source: the event log. One tail per store follows the head and keeps a window of recent events in
 * memory, so a thousand subscribers cost one store subscription; a subscriber further behind (a resume
 * from an old `after`) reads the log in pages until it reaches the window. Positions are strictly
 * increasing, `after` is exclusive, so a resume has no gap and no duplicate.
 *
 * Which events: every event that names a case (`metadata.caseId`, a letter's `complaintIds`, a
 * `complaintId`) and the later events of a letter stream that covers the case. A letter covering several
 * complaints is one event per complaint, its position suffixed `:<index>` so a cursor stays exact.
 *
 * Scope, decided as a pure function of the log so that live delivery and a resume agree:
 * - an AGENCY subscriber (and any `agencyId` filter) gets the events of a case from the position of its
 *   first forwarding to that agency onwards — the ComplaintForwarded event itself included, earlier
 *   events never (neither live nor on resume: what happened before the forwarding is in
 *   `Complaint.history`, which applies the same rule as the complaint);
 * - within those cases an agency sees only what concerns it (history.ts's rule): other agencies'
 *   forwardings, acknowledgements, responses and letters are left out, and summaries name only its own;
 * - `complaint` is the complaint masked for the caller as in every other query.
 * The token's `exp` ends the subscription: checked before each event and by a timer while idle.
 */
import { GATEWAY_WEBSOCKET_BODY, gatewayTrustOf, verifyGatewayRequest } from '../../shared/gateway-signature';
import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  parse,
  validate,
} from 'graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { useServer as serveGraphQLOverWebSocket } from 'graphql-ws/use/ws';
import {
  Arg,
  Ctx,
  Field,
  ID,
  ObjectType,
  type PubSub,
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import { WebSocketServer } from 'ws';
import { summarizeEvent } from '../summary';
import { LETTER_STREAM_PREFIX, type LetterSight, letterSightAfter } from '../../correspondence/contract';
import { requireCaseReader } from '../../shared/access';
import { type Authenticator, tokenExpiry } from '../../shared/auth';
import { badInput, unauthenticated } from '../../shared/errors';
import { type CaseEventScope, caseEventFor, caseEventScope } from '../access';
import type {
  EventStore,
  RecordedEvent,
  Subscription as StoreSubscription,
} from '../../shared/eventstore/types';
import { createFormatError } from '../../shared/graphql/errors';
import type { SubgraphServer } from '../../shared/graphql/subgraph';
import type { RequestContext } from '../../shared/http/server';
import { subscriptionDeliveryLag } from '../../shared/metrics';
import type { SubgraphRuntime } from '../../shared/runtime';
import { COMPLAINT_STREAM_PREFIX, complaintStreamId, maskComplaintForViewer } from '../../complaint/contract';
import {
  Complaint,
  type ComplaintContext,
  type ComplaintService,
  toComplaint,
} from '../../complaint/contract-entity';

@ObjectType({
  description:
    'One event of a case as it happens (*notifikasi*): resume after a disconnect by passing the last `position` seen as `after`.',
})
export class CaseEvent {
  @Field({
    description:
      'The cursor of this event in the log: strictly increasing; pass the last one seen as `after` to resume.',
  })
  position!: string;

  @Field({ description: 'The event type, e.g. ComplaintForwarded, LetterSent, DeadlineBreached.' })
  type!: string;

  @Field(() => GraphQLDateTime, { description: 'When it happened in the domain.' })
  occurredAt!: string;

  @Field({ description: 'A readable one-line summary, without personal data.' })
  summary!: string;

  @Field(() => Complaint, { description: 'The case, as the subscriber may see it.' })
  complaint!: Complaint;
}

/** `after` as given: a log position, optionally `:<index>` inside an event covering several cases. */
export interface CaseEventCursor {
  readonly position: number;
  readonly index: number;
}

export function parseCaseEventCursor(after: string | null | undefined): CaseEventCursor {
  if (after === null || after === undefined || after === '') return { position: 0, index: -1 };
  const match = /^(\d{1,15})(?::(\d{1,4}))?$/.exec(after);
  if (!match) throw badInput('after must be a position from an earlier CaseEvent', { field: 'after' });
  return {
    position: Number(match[1]),
    index: match[2] === undefined ? Number.MAX_SAFE_INTEGER : Number(match[2]),
  };
}

type Data = Readonly<Record<string, unknown>>;
const dataOf = (e: RecordedEvent): Data => (e.data && typeof e.data === 'object' ? (e.data as Data) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.length > 0) : [];
const forwardedAgencies = (d: Data): string[] =>
  Array.isArray(d.forwardings)
    ? d.forwardings.map((f) => str((f as Data | null)?.agencyId)).filter((a): a is string => !!a)
    : [];

interface LetterFact {
  readonly revision: number;
  readonly complaintIds: readonly string[];
  readonly agencyId: string | null;
  /** Who may see the letter after this event (`canSeeLetter`): an agency, nothing before it was sent. */
  readonly sight: LetterSight | undefined;
}

/** A Map that forgets its oldest entries past a size: facts are re-read from the log on a miss. */
class Bounded<K, V> extends Map<K, V> {
  constructor(private readonly limit: number) {
    super();
  }
  override set(key: K, value: V): this {
    if (!this.has(key) && this.size >= this.limit) this.delete(this.keys().next().value as K);
    return super.set(key, value);
  }
}

/**
 * What scoping needs to know about the log before a position: when each case was forwarded to which
 * agency, and which complaints and agency each letter stream is about. Loaded per case or letter from its
 * stream on first need, then kept current by the tail, which sees every event in log order.
 */
export class CaseFacts {
  private readonly forwardings = new Bounded<string, { position: number; agencyId: string }[]>(50_000);
  private readonly letters = new Bounded<string, LetterFact[]>(50_000);
  private readonly loading = new Map<string, Promise<unknown>>();

  constructor(private readonly store: EventStore) {}

  /** Called by the tail for each event in log order. */
  observe(event: RecordedEvent): void {
    const d = dataOf(event);
    if (event.streamId.startsWith(COMPLAINT_STREAM_PREFIX)) {
      const known = this.forwardings.get(event.streamId);
      const added = forwardedAgencies(d);
      if (known && added.length > 0 && !known.some((f) => f.position === event.position)) {
        for (const agencyId of added) known.push({ position: event.position, agencyId });
      }
    } else if (event.streamId.startsWith(LETTER_STREAM_PREFIX)) {
      const known = this.letters.get(event.streamId);
      if (known && !known.some((f) => f.revision === event.revision)) {
        known.push(letterFact(known[known.length - 1], event));
      }
    }
  }

  /** Whether the case had been forwarded to the agency at or before this position. */
  async forwardedBy(caseId: string, agencyId: string, position: number): Promise<boolean> {
    const stream = complaintStreamId(caseId);
    let list = this.forwardings.get(stream);
    if (!list) {
      list = await this.load(stream, async () => {
        const events = await this.store.readStream(stream);
        return events.flatMap((e) =>
          forwardedAgencies(dataOf(e)).map((a) => ({ position: e.position, agencyId: a })),
        );
      });
      this.forwardings.set(stream, list);
    }
    return list.some((f) => f.agencyId === agencyId && f.position <= position);
  }

  /** The letter stream's complaints and agency as of this revision (undefined: not yet known to cover any). */
  async letter(streamId: string, revision: number): Promise<LetterFact | undefined> {
    let list = this.letters.get(streamId);
    if (!list) {
      list = await this.load(streamId, async () => {
        const facts: LetterFact[] = [];
        for (const e of await this.store.readStream(streamId))
          facts.push(letterFact(facts[facts.length - 1], e));
        return facts;
      });
      this.letters.set(streamId, list);
    }
    let found: LetterFact | undefined;
    for (const f of list) if (f.revision <= revision && (!found || f.revision > found.revision)) found = f;
    return found && found.complaintIds.length > 0 ? found : undefined;
  }

  private async load<T>(key: string, read: () => Promise<T>): Promise<T> {
    const pending = this.loading.get(key) as Promise<T> | undefined;
    if (pending) return pending;
    const p = read().finally(() => this.loading.delete(key));
    this.loading.set(key, p);
    return p;
  }
}

/** The letter as of this event, folded on the fact before it. */
function letterFact(before: LetterFact | undefined, event: RecordedEvent): LetterFact {
  const d = dataOf(event);
  const named = strings(d.complaintIds);
  const sight = letterSightAfter(before?.sight, event);
  return {
    revision: event.revision,
    complaintIds: named.length > 0 ? named : (before?.complaintIds ?? []),
    agencyId: sight?.agencyId ?? before?.agencyId ?? null,
    sight,
  };
}

/**
 * One subscription to the store per process, following the head, with the most recent events kept in a
 * window. Every event with position in (floor, head] is in the window.
 */
export class CaseEventTail {
  private readonly window: RecordedEvent[] = [];
  private floor = 0;
  private head = 0;
  private wakers = new Set<() => void>();
  private subscription: StoreSubscription | undefined;
  private failure: unknown;
  readonly facts: CaseFacts;
  /** Scoped events recently delivered, per (event, case, role, agency): see sharedCaseEvent. */
  readonly recent = new Map<string, Promise<CaseEvent | null>>();

  private constructor(
    private readonly store: EventStore,
    private readonly capacity: number,
  ) {
    this.facts = new CaseFacts(store);
  }

  static async start(store: EventStore, capacity = 10_000): Promise<CaseEventTail> {
    const tail = new CaseEventTail(store, capacity);
    tail.floor = tail.head = await store.headPosition();
    tail.follow();
    return tail;
  }

  private follow(): void {
    const subscription = this.store.subscribe({ from: this.head });
    this.subscription = subscription;
    (async () => {
      for await (const event of subscription) {
        this.facts.observe(event);
        this.window.push(event);
        this.head = event.position;
        if (this.window.length > this.capacity) {
          const dropped = this.window.splice(0, this.window.length - this.capacity);
          this.floor = dropped[dropped.length - 1]!.position;
        }
        this.wake();
      }
    })().catch((err: unknown) => {
      this.failure = err;
      this.wake();
    });
  }

  private wake(): void {
    const wakers = this.wakers;
    this.wakers = new Set();
    for (const w of wakers) w();
  }

  /**
   * Events after `position` (exclusive), at most `max`: from the window when it covers the position,
   * from the log otherwise.
   */
  async after(position: number, max: number): Promise<readonly RecordedEvent[]> {
    if (this.failure) throw this.failure;
    if (position < this.floor) return this.store.readAll({ fromPosition: position, maxCount: max });
    // Binary search for the first event past the position.
    let lo = 0;
    let hi = this.window.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.window[mid]!.position <= position) lo = mid + 1;
      else hi = mid;
    }
    return this.window.slice(lo, lo + max);
  }

  /** Resolves when the tail has seen a new event, or when `signal` aborts. */
  waitForMore(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        signal.removeEventListener('abort', done);
        this.wakers.delete(done);
        resolve();
      };
      this.wakers.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  async close(): Promise<void> {
    await this.subscription?.close();
    this.wake();
  }
}

const tails = new WeakMap<EventStore, Promise<CaseEventTail>>();

/** The process's tail over this store (one per store, started on first use). */
export function caseEventTail(store: EventStore): Promise<CaseEventTail> {
  let tail = tails.get(store);
  if (!tail) {
    tail = CaseEventTail.start(store);
    tails.set(store, tail);
  }
  return tail;
}

/** The cases an event belongs to, in order (several only for a letter covering several complaints). */
async function casesOf(
  event: RecordedEvent,
  facts: CaseFacts,
): Promise<{ caseIds: readonly string[]; letter?: LetterFact | null }> {
  const d = dataOf(event);
  // A letter event is judged by its letter (null: not yet known, so shown to no agency).
  const letter = event.streamId.startsWith(LETTER_STREAM_PREFIX)
    ? ((await facts.letter(event.streamId, event.revision)) ?? null)
    : undefined;
  const withLetter = letter !== undefined ? { letter } : {};
  const caseId = str(event.metadata.caseId);
  if (caseId) return { caseIds: [caseId], ...withLetter };
  const named = strings(d.complaintIds);
  if (named.length > 0) return { caseIds: named, ...withLetter };
  const one = str(d.complaintId);
  if (one) return { caseIds: [one] };
  if (letter) return { caseIds: letter.complaintIds, letter };
  return { caseIds: [] };
}

/** The event's data as the scope may see it, or undefined when the event is not for this subscriber. */
async function scopedData(
  event: RecordedEvent,
  caseId: string,
  letter: LetterFact | null | undefined,
  scope: CaseEventScope,
  facts: CaseFacts,
): Promise<Data | undefined> {
  if (scope.agencyId && !(await facts.forwardedBy(caseId, scope.agencyId, event.position))) return undefined;
  return caseEventFor(
    scope.principal,
    dataOf(event),
    letter !== undefined ? { sight: letter?.sight } : undefined,
  );
}

export interface CaseEventContext extends ComplaintContext {
  /** The token's expiry (seconds since epoch): the subscription ends then. */
  readonly tokenExpiresAt?: number;
}

const PAGE = 256;

/**
 * A thousand subscribers of one scope receive the same event: it is scoped, masked and summarised once
 * per (event, case, role, agency) — what the masking depends on — and shared while it is recent.
 */
const RECENT_MAX = 5_000;

function sharedCaseEvent(
  event: RecordedEvent,
  index: number,
  caseIds: readonly string[],
  letter: LetterFact | null | undefined,
  scope: CaseEventScope,
  tail: CaseEventTail,
  runtime: SubgraphRuntime,
  complaints: ComplaintService,
): Promise<CaseEvent | null> {
  const { facts, recent: recentlyDelivered } = tail;
  const { principal } = scope;
  const key = `${event.position}|${index}|${principal.role}|${principal.agencyId ?? ''}|${scope.agencyId ?? ''}`;
  let shared = recentlyDelivered.get(key);
  if (shared) return shared;
  shared = (async () => {
    const caseId = caseIds[index]!;
    const data = await scopedData(event, caseId, letter, scope, facts);
    if (!data) return null;
    // Read-your-writes: the complaint as it stands at least after this event.
    await runtime.settle(event.position);
    const doc = await complaints.get(caseId);
    const visible = doc ? maskComplaintForViewer(doc, principal) : null;
    if (!visible) return null;
    return {
      position: caseIds.length > 1 ? `${event.position}:${index}` : String(event.position),
      type: event.type,
      occurredAt: event.metadata.occurredAt,
      summary: summarizeEvent({ type: event.type, data }),
      complaint: toComplaint(visible),
    };
  })();
  if (recentlyDelivered.size >= RECENT_MAX) recentlyDelivered.delete(recentlyDelivered.keys().next().value!);
  recentlyDelivered.set(key, shared);
  shared.catch(() => recentlyDelivered.delete(key));
  return shared;
}

/**
 * The case events after the cursor for this scope, catching up from the log then following live.
 * Ends when the signal aborts; throws UNAUTHENTICATED when the token expires.
 */
export async function* caseEventsFor(
  runtime: SubgraphRuntime,
  complaints: ComplaintService,
  scope: CaseEventScope,
  after: CaseEventCursor,
  options: { readonly signal: AbortSignal; readonly tokenExpiresAt?: number; readonly now?: () => number },
): AsyncGenerator<CaseEvent> {
  const subscribedAt = Date.now();
  const tail = await caseEventTail(runtime.store);
  const now = options.now ?? Date.now;
  const expiresAtMs = options.tokenExpiresAt !== undefined ? options.tokenExpiresAt * 1000 : undefined;
  const checkExpiry = () => {
    if (expiresAtMs !== undefined && now() >= expiresAtMs) throw unauthenticated('the token has expired');
  };
  let position = after.position;
  let skipUpToIndex = after.index;
  while (!options.signal.aborted) {
    checkExpiry();
    const events = await tail.after(position, PAGE);
    if (events.length === 0) {
      // Idle: wake on a new event, or at the token's expiry.
      const idle = new AbortController();
      const onAbort = () => idle.abort();
      options.signal.addEventListener('abort', onAbort, { once: true });
      const timer =
        expiresAtMs !== undefined
          ? setTimeout(() => idle.abort(), Math.max(0, expiresAtMs - now()))
          : undefined;
      try {
        await tail.waitForMore(idle.signal);
      } finally {
        if (timer) clearTimeout(timer);
        options.signal.removeEventListener('abort', onAbort);
      }
      continue;
    }
    for (const event of events) {
      const { caseIds, letter } = await casesOf(event, tail.facts);
      for (const index of caseIds.keys()) {
        if (event.position === after.position && index <= skipUpToIndex) continue;
        const delivered = await sharedCaseEvent(
          event,
          index,
          caseIds,
          letter,
          scope,
          tail,
          runtime,
          complaints,
        );
        if (!delivered) continue;
        if (options.signal.aborted) return;
        checkExpiry();
        // Live events only: a resume from an old position is catching up, not lagging.
        const recordedAt = Date.parse(event.recordedAt);
        if (recordedAt >= subscribedAt)
          subscriptionDeliveryLag.observe(
            { service: runtime.name },
            Math.max(0, (Date.now() - recordedAt) / 1000),
          );
        yield delivered;
      }
      position = event.position;
      skipUpToIndex = -1;
    }
  }
}

/** Ends the generator's wait when the consumer stops (graphql-ws calls `return`). */
function withAbort<T>(make: (signal: AbortSignal) => AsyncGenerator<T>): AsyncGenerator<T> {
  const controller = new AbortController();
  const inner = make(controller.signal);
  return {
    next: () => inner.next(),
    return: (value) => {
      controller.abort();
      return inner.return(value as T);
    },
    throw: (err) => {
      controller.abort();
      return inner.throw(err);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
    [Symbol.asyncDispose]: async () => {
      controller.abort();
      await inner.return(undefined as T);
    },
  } as AsyncGenerator<T>;
}

/**
 * type-graphql insists on a PubSub once a schema has a subscription; ours read the event log through
 * `subscribe`, so topics are never used and anything that tries is a programming error.
 */
export const NO_PUBSUB: PubSub = {
  publish() {
    throw new Error('case events come from the event log, not from topics');
  },
  subscribe() {
    throw new Error('case events come from the event log, not from topics');
  },
};

@Resolver()
export class ComplaintSubscriptions {
  @Query(() => String, {
    description:
      'The cursor of the newest event in the log: pass it as `caseEvents(after:)` to follow cases from now on, without the past (a monitor).',
  })
  async caseEventsHead(@Ctx() ctx: CaseEventContext): Promise<string> {
    requireCaseReader(ctx);
    return String(await ctx.complaints.runtime.store.headPosition());
  }

  @Subscription(() => CaseEvent, {
    description:
      'Events of cases as they happen, from `after` (exclusive) on: every event since, with no gap and no duplicate. A focal point gets only the cases forwarded to its agency, from the forwarding on.',
    subscribe: ({ args, context }) => {
      const ctx = context as CaseEventContext;
      const principal = requireCaseReader(ctx);
      const scope = caseEventScope(principal, args.agencyId as string | null | undefined);
      const cursor = parseCaseEventCursor(args.after as string | null | undefined);
      const runtime = ctx.complaints.runtime;
      return withAbort((signal) =>
        caseEventsFor(runtime, ctx.complaints, scope, cursor, {
          signal,
          ...(ctx.tokenExpiresAt !== undefined ? { tokenExpiresAt: ctx.tokenExpiresAt } : {}),
        }),
      );
    },
  })
  caseEvents(
    @Root() event: CaseEvent,
    @Ctx() _ctx: CaseEventContext,
    @Arg('agencyId', () => ID, { nullable: true }) _agencyId?: string | null,
    @Arg('after', () => String, {
      nullable: true,
      description: 'The last position seen; omitted: from the beginning of the log.',
    })
    _after?: string | null,
  ): CaseEvent {
    return event;
  }
}

/** The bearer header from graphql-ws connection parameters: `authorization` or `Authorization`, or `token`. */
export function authorizationFromParams(
  params: Readonly<Record<string, unknown>> | undefined,
): string | undefined {
  if (!params) return undefined;
  const header = params.authorization ?? params.Authorization;
  if (typeof header === 'string' && header.length > 0) return header;
  if (typeof params.token === 'string' && params.token.length > 0) return `Bearer ${params.token}`;
  return undefined;
}

/**
 * Serves the subgraph's schema over graphql-ws on `/graphql` of its HTTP server (subscriptions only are
 * expected there; the gateway is the one client). Returns the server with a `close` that stops it first.
 */
export function attachCaseEventSubscriptions<Ctx extends RequestContext>(
  server: SubgraphServer<Ctx>,
  schema: GraphQLSchema,
  runtime: SubgraphRuntime,
  complaints: ComplaintService,
  authenticator: Authenticator,
): SubgraphServer<Ctx> {
  const wss = new WebSocketServer({ server: server.http.server, path: '/graphql' });
  const formatError = createFormatError();
  const gateway = gatewayTrustOf(runtime.config);
  const format = (errors: readonly GraphQLError[]) =>
    errors.map((e) => {
      const f = formatError(e.toJSON(), e);
      return new GraphQLError(f.message, { ...(f.extensions ? { extensions: f.extensions } : {}) });
    });
  const ws = serveGraphQLOverWebSocket(
    {
      onConnect: async (ctx) => {
        // Answering only the gateway: its signature in the connection parameters, or nothing at all.
        const signature = ctx.connectionParams?.gateway;
        if (
          gateway.only &&
          !verifyGatewayRequest(
            gateway.secret,
            typeof signature === 'string' ? signature : undefined,
            GATEWAY_WEBSOCKET_BODY,
          )
        )
          return false;
        try {
          const principal = await authenticator.authenticate(authorizationFromParams(ctx.connectionParams));
          return principal !== undefined;
        } catch {
          return false;
        }
      },
      onSubscribe: async (ctx, _id, payload) => {
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (err) {
          return [
            err instanceof GraphQLError ? err : new GraphQLError('the subscription could not be parsed'),
          ];
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        if (getOperationAST(document, payload.operationName)?.operation !== 'subscription') {
          return [new GraphQLError('only subscriptions are served over WebSocket here')];
        }
        const authorization = authorizationFromParams(ctx.connectionParams);
        const principal = await authenticator.authenticate(authorization).catch(() => undefined);
        const tokenExpiresAt = tokenExpiry(authorization);
        const contextValue: CaseEventContext = {
          requestId: `ws-${Math.random().toString(36).slice(2, 10)}`,
          logger: runtime.logger,
          clientIp: (ctx.extra as { request?: IncomingMessage }).request?.socket.remoteAddress ?? 'unknown',
          complaints,
          ...(principal ? { principal } : {}),
          ...(authorization ? { authorization } : {}),
          ...(tokenExpiresAt !== undefined ? { tokenExpiresAt } : {}),
        };
        return {
          schema,
          document,
          ...(payload.operationName ? { operationName: payload.operationName } : {}),
          ...(payload.variables ? { variableValues: payload.variables } : {}),
          contextValue,
        };
      },
      onError: (_ctx, _id, _payload, errors) => format(errors),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: format(result.errors) } : undefined,
    },
    wss,
  );
  return {
    ...server,
    async close() {
      await Promise.resolve(ws.dispose()).catch(() => undefined);
      await server.close();
    },
  };
}
