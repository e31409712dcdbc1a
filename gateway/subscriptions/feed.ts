/**
 * Shared live feeds: subscribers of one class — the same visibility (role and agency) and the same
 * operation document and variables, `after` aside — share one upstream subscription and one execution.
 * Each event is resolved and serialised once per class and the same payload bytes go to every member's
 * connection (only the few bytes of the transport's envelope, the graphql-ws message id, differ).
 *
 * Why the class is (role, agency, operation, variables): the subgraph scopes and masks case events, and
 * every subgraph masks the complaint, by the caller's role and agency and nothing else (DOMAIN.md;
 * `maskComplaintForViewer`, `caseEventFor`: no rule reads the user id). A rule that came to depend on
 * more would have to join the key here (`classKeyOf`).
 *
 * Authorisation — no credential beyond the members' own tokens exists:
 * - every member is verified by the subgraph itself as it joins: its `<field>Head` query runs with its
 *   own token through the normal federated path (the subgraph's authenticator, focal-point roster
 *   included), which is also how the feed learns the live head;
 * - the feed's upstream and its entity reads run with the token of one current member of the class (the
 *   lead: the one whose token lives longest). Its scope is by construction the class's scope. When the
 *   lead leaves or its token nears expiry, the feed reopens with another member's token from the last
 *   position it delivered (no gap; positions dedupe anything seen twice);
 * - each member's own token still ends its own subscription (the transport's expiry timer, 4401 / SSE
 *   error) and is checked again before each delivery; nobody else's subscription is touched.
 *
 * Positions: a member joins at its cursor (`after`). At or past the position the feed has reached it
 * goes live at once and skips what it has seen; behind it, it catches up on its own upstream with its own
 * token (the per-subscriber path) until it has delivered the position the feed has reached, and then
 * takes the feed's events: everything up to its own last position is dropped, so nothing is missed and
 * nothing comes twice.
 *
 * Back-pressure is per connection, as before feeds: a member's deliveries wait in its own queue (shared
 * buffers) until the end of the event loop's turn, or longer while its connection holds more than a
 * little unsent; more events waiting than the limit, or more bytes unsent on its
 * connection, and it is cut off (4008 / SSE error) and leaves; the feed and the others never wait for it.
 */
import {
  type ExecutionResult,
  type FieldNode,
  GraphQLError,
  type GraphQLSchema,
  getNamedType,
  getOperationAST,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  print,
  visit,
} from 'graphql';
import { unauthenticated } from '../../services/shared/errors';
import { subscriptionFeedMembers, subscriptionFeedsOpen } from '../../services/shared/metrics';
import { bounded, type ConsumerLimits, slowConsumerReason } from './buffer';
import {
  type FederatedQuery,
  isIterator,
  type SubscribeArgs,
  type SubscriptionContext,
  type SubscriptionExecutor,
} from './executor';

/** A case-event cursor: the log position and the index inside an event that covers several cases. */
type Cursor = readonly [position: number, index: number];

/** The index of a bare position (`"123"`): an event covering one case, or all of the position seen. */
const ALL_OF_POSITION = Number.MAX_SAFE_INTEGER;

/**
 * `"123"` / `"123:1"`, as an event's `position` or an `after` (absent: the beginning of the log);
 * undefined if not one. Both read "everything up to here": the subgraph's own rule for `after`.
 */
function cursorOf(value: unknown): Cursor | undefined {
  if (value === null || value === undefined || value === '') return [0, ALL_OF_POSITION];
  const match = typeof value === 'string' ? /^(\d{1,15})(?::(\d{1,4}))?$/.exec(value) : null;
  if (!match) return undefined;
  return [Number(match[1]), match[2] === undefined ? ALL_OF_POSITION : Number(match[2])];
}

const compare = (a: Cursor, b: Cursor) => a[0] - b[0] || a[1] - b[1];
const cursorText = ([position, index]: Cursor) =>
  index === ALL_OF_POSITION ? String(position) : `${position}:${index}`;

/** How a subscription may share a feed: its root field and the variable that carries `after`. */
interface Shareable {
  readonly field: string;
  readonly afterVariable: string;
  readonly headQuery: string;
}

/**
 * Whether a subscription can join a shared feed: one root field (no directives) with a position-ordered
 * `after: String` passed as a variable used nowhere else and without a default, a returned type with a
 * `position`, and a `<field>Head` query for the live head. Anything else takes the per-subscriber path.
 */
export function shareableOf(schema: GraphQLSchema, args: SubscribeArgs): Shareable | undefined {
  const operation = getOperationAST(args.document, args.operationName ?? undefined);
  if (operation?.operation !== 'subscription') return undefined;
  const roots = operation.selectionSet.selections;
  const root = roots[0];
  if (roots.length !== 1 || root?.kind !== Kind.FIELD || root.directives?.length) return undefined;
  const field = schema.getSubscriptionType()?.getFields()[root.name.value];
  const returned = field && getNamedType(field.type);
  if (!field || !isObjectType(returned) || !returned.getFields().position) return undefined;
  if (!field.args.some((a) => a.name === 'after' && getNamedType(a.type).name === 'String')) return undefined;
  const head = schema.getQueryType()?.getFields()[`${field.name}Head`];
  if (!head || head.args.length > 0) return undefined;
  const given = (root as FieldNode).arguments?.find((a) => a.name.value === 'after')?.value;
  if (given?.kind !== Kind.VARIABLE) return undefined;
  const afterVariable = given.name.value;
  const definition = (operation as OperationDefinitionNode).variableDefinitions?.find(
    (d) => d.variable.name.value === afterVariable,
  );
  if (!definition || definition.defaultValue) return undefined;
  let uses = 0;
  visit(operation.selectionSet, {
    Variable(v) {
      if (v.name.value === afterVariable) uses++;
    },
  });
  for (const fragment of args.document.definitions)
    if (fragment.kind === Kind.FRAGMENT_DEFINITION)
      visit(fragment, {
        Variable(v) {
          if (v.name.value === afterVariable) uses++;
        },
      });
  if (uses !== 1) return undefined;
  return {
    field: field.name,
    afterVariable,
    headQuery: `query GatewaySubscriptionHead { head: ${head.name} }`,
  };
}

/**
 * Upstream events resolved in order, a few at a time, through the bounded buffer (whose consumer is the
 * context's: the feed never lags, a catching-up member is cut off as before), each with its position.
 */
function resolvedEvents(
  executor: SubscriptionExecutor,
  source: AsyncIterator<unknown>,
  args: SubscribeArgs,
  shareable: Shareable,
  limits: ConsumerLimits,
): AsyncGenerator<{ position: unknown; result: ExecutionResult }> {
  const operationKey = executor.operationKeyOf(args);
  return bounded(
    source,
    async (payload) => ({
      position: (payload as Record<string, { position?: unknown } | null>)?.[shareable.field]?.position,
      result: await executor.executeEvent(args, operationKey, payload),
    }),
    limits,
    args.contextValue as SubscriptionContext,
  );
}

/** Top-level keys sorted, so two clients sending the same variables in another order share a class. */
function canonical(variables: Readonly<Record<string, unknown>>, without: string): string {
  return JSON.stringify(
    Object.keys(variables)
      .filter((k) => k !== without && variables[k] !== undefined)
      .sort()
      .map((k) => [k, variables[k]]),
  );
}

/** The class of a subscription: what its events, their masking and their payload depend on. */
function classKeyOf(args: SubscribeArgs, shareable: Shareable): string {
  const ctx = args.contextValue as SubscriptionContext;
  return JSON.stringify([
    ctx.principal?.role ?? '',
    ctx.principal?.agencyId ?? '',
    args.operationName ?? '',
    canonical(args.variableValues ?? {}, shareable.afterVariable),
    print(args.document),
  ]);
}

/** What a member's transport does with serialised results (see SubscriptionContext.send). */
export type Send = (payloads: readonly Buffer[], flushed: () => void) => void;

/**
 * Members with deliveries waiting, written once per turn of the event loop: an event reaches every
 * member's queue first, then each connection gets one write with all it has waiting. Under load several
 * events share a write (one system call per connection instead of one per event); idle, an event waits
 * for nothing but the end of the current turn.
 */
const toWrite = new Set<Member>();
let writeScheduled = false;
function writeSoon(member: Member): void {
  toWrite.add(member);
  if (writeScheduled) return;
  writeScheduled = true;
  setImmediate(() => {
    writeScheduled = false;
    const members = [...toWrite];
    toWrite.clear();
    for (const m of members) m.write();
  });
}

interface Sent {
  readonly cursor: Cursor;
  /** The result as the client receives it, serialised once for every member. */
  readonly bytes: Buffer;
}

/** Seconds since the epoch; undefined never expires. */
const expiryRank = (ctx: SubscriptionContext) => ctx.tokenExpiresAt ?? Number.POSITIVE_INFINITY;

/** Rotate to another member this long before the lead's token expires, so its reads never fail. */
const LEAD_MARGIN_MS = 30_000;

export interface SharedFeedsOptions {
  readonly executor: SubscriptionExecutor;
  readonly apiSchema: GraphQLSchema;
  readonly federatedQuery: FederatedQuery;
  readonly limits: ConsumerLimits;
  /** The result as the client receives it (errors through the gateway's formatter). */
  readonly format: (result: ExecutionResult) => ExecutionResult;
}

/**
 * How much a member's connection may hold unsent (in the process, once the kernel's buffer is full)
 * before its deliveries wait in its queue, where they are the feed's shared buffers, not copies.
 */
const WRITE_AHEAD_BYTES = 16 * 1024;
/** Events handed to a connection in one write, at most (and about WRITE_AHEAD_BYTES). */
const WRITE_BATCH = 64;

/** One subscriber of a feed, as graphql-ws / graphql-sse iterate it (it never yields: it writes). */
class Member {
  /** The last position delivered to it (its `after` at first). */
  cursor: Cursor;
  /** Deliveries waiting for the connection to drain below WRITE_AHEAD_BYTES. */
  private readonly queue: Sent[] = [];
  private inFlight = 0;
  /** Whether the connection held the last write back (more than WRITE_AHEAD_BYTES unsent). */
  private blocked = false;
  private ended = false;
  private readonly endHooks: (() => void)[] = [];
  private settle!: { resolve: () => void; reject: (err: unknown) => void };
  private readonly done: Promise<void>;

  constructor(
    readonly args: SubscribeArgs,
    readonly ctx: SubscriptionContext & { readonly send: Send },
    from: Cursor,
    private readonly limits: ConsumerLimits,
  ) {
    this.cursor = from;
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.done.catch(() => undefined);
  }

  get open() {
    return !this.ended;
  }

  /** Runs once when the member ends, however it ends (at once if it has). */
  onEnd(hook: () => void): void {
    if (this.ended) hook();
    else this.endHooks.push(hook);
  }

  /**
   * Queues the event for the connection unless already seen. Cut off, as before shared feeds, when more
   * events wait than the limit or more bytes sit unsent on the connection.
   */
  deliver(sent: Sent): void {
    if (this.ended || compare(sent.cursor, this.cursor) <= 0) return;
    const expiresAt = this.ctx.tokenExpiresAt;
    if (expiresAt !== undefined && Date.now() >= expiresAt * 1000) {
      this.end(unauthenticated('the token has expired'));
      return;
    }
    this.cursor = sent.cursor;
    this.queue.push(sent);
    // Events count as waiting once the connection holds them back, not while they wait for the turn.
    if (this.blocked && this.queue.length > this.limits.maxBufferedEvents) this.slow('events');
    else if (this.ctx.pendingBytes() > this.limits.maxBufferedBytes) this.slow('bytes');
    else writeSoon(this);
  }

  /** Hands what waits to the connection unless it holds much unsent; its flush brings the rest. */
  write(): void {
    if (this.ended || this.queue.length === 0) return;
    this.blocked = this.inFlight > 0 && this.ctx.pendingBytes() >= WRITE_AHEAD_BYTES;
    if (this.blocked) {
      if (this.queue.length > this.limits.maxBufferedEvents) this.slow('events');
      return;
    }
    let count = 0;
    let bytes = 0;
    while (count < this.queue.length && count < WRITE_BATCH && bytes < WRITE_AHEAD_BYTES)
      bytes += this.queue[count++]!.bytes.length;
    const batch = this.queue.splice(0, count);
    this.inFlight++;
    this.ctx.send(
      batch.map((s) => s.bytes),
      () => {
        this.inFlight--;
        if (this.queue.length > 0) writeSoon(this);
      },
    );
    if (this.queue.length > 0) writeSoon(this);
  }

  slow(what: 'events' | 'bytes'): void {
    if (this.ended) return;
    const reason = slowConsumerReason(this.limits, what);
    this.end(new GraphQLError(reason, { extensions: { code: 'SLOW_CONSUMER' } }));
    this.ctx.disconnect(reason);
  }

  /** Ends the member: normally (the client left, the feed completed) or with an error for the client. */
  end(err?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.length = 0;
    if (err === undefined) this.settle.resolve();
    else this.settle.reject(err);
    for (const hook of this.endHooks.splice(0)) hook();
  }

  /** The iterator the transport drives: pending until the member ends. */
  iterator(): AsyncGenerator<ExecutionResult> {
    const finished = { done: true as const, value: undefined };
    return {
      next: async () => {
        await this.done;
        return finished;
      },
      return: async () => {
        this.end();
        return finished;
      },
      throw: async (err: unknown) => {
        this.end();
        throw err;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
      [Symbol.asyncDispose]: async () => {
        this.end();
      },
    } as AsyncGenerator<ExecutionResult>;
  }
}

/** One class's feed: one upstream (with the lead's token), one execution per event, many members. */
class Feed {
  readonly members = new Set<Member>();
  private lead: Member | undefined;
  private source: AsyncIterator<unknown> | undefined;
  private leadTimer: NodeJS.Timeout | undefined;
  private running = false;
  private closed = false;

  constructor(
    private readonly key: string,
    private readonly shareable: Shareable,
    /** The last position delivered (or the live head the feed started at). */
    public cursor: Cursor,
    private readonly options: SharedFeedsOptions,
    private readonly onClosed: (feed: Feed) => void,
  ) {
    subscriptionFeedsOpen.inc({ service: 'gateway' });
  }

  add(member: Member): void {
    if (!this.members.has(member)) subscriptionFeedMembers.inc({ service: 'gateway' });
    this.members.add(member);
    member.onEnd(() => this.remove(member));
    if (!this.running) {
      this.running = true;
      void this.run().catch((err: unknown) => {
        for (const m of [...this.members]) m.end(err);
        this.close();
      });
    } else if (this.lead && expiryRank(member.ctx) > expiryRank(this.lead.ctx)) this.armLeadTimer();
  }

  private remove(member: Member): void {
    if (!this.members.delete(member)) return;
    subscriptionFeedMembers.dec({ service: 'gateway' });
    if (this.members.size === 0) this.close();
    else if (member === this.lead) this.rotate();
  }

  /** The member whose token lives longest; the feed runs with its token. */
  private pickLead(): Member | undefined {
    let best: Member | undefined;
    for (const m of this.members) if (!best || expiryRank(m.ctx) > expiryRank(best.ctx)) best = m;
    return best;
  }

  /** Ends the current upstream; `run` goes on from the last delivered position with another lead. */
  private rotate(): void {
    this.lead = undefined;
    const source = this.source;
    this.source = undefined;
    void Promise.resolve(source?.return?.()).catch(() => undefined);
  }

  /** Near the lead's expiry, hand over to a member whose token lives longer (if there is one). */
  private armLeadTimer(): void {
    clearTimeout(this.leadTimer);
    const expiresAt = this.lead?.ctx.tokenExpiresAt;
    if (expiresAt === undefined) return;
    const due = Math.max(0, expiresAt * 1000 - LEAD_MARGIN_MS - Date.now());
    this.leadTimer = setTimeout(
      () => {
        const next = this.pickLead();
        if (next && this.lead && next !== this.lead && expiryRank(next.ctx) > expiryRank(this.lead.ctx))
          this.rotate();
      },
      Math.min(due, 2_147_483_647),
    );
    this.leadTimer.unref();
  }

  private async run(): Promise<void> {
    const { executor, limits, format } = this.options;
    let failures = 0;
    while (!this.closed) {
      const lead = this.pickLead();
      if (!lead) return this.close();
      this.lead = lead;
      this.armLeadTimer();
      const ctx: SubscriptionContext = {
        requestId: lead.ctx.requestId,
        logger: lead.ctx.logger,
        clientIp: lead.ctx.clientIp,
        ...(lead.ctx.principal ? { principal: lead.ctx.principal } : {}),
        ...(lead.ctx.authorization ? { authorization: lead.ctx.authorization } : {}),
        // The feed itself is never slow: it hands each event on as soon as it is resolved.
        pendingBytes: () => 0,
        disconnect: () => undefined,
      };
      const args: SubscribeArgs = {
        ...lead.args,
        contextValue: ctx,
        variableValues: {
          ...(lead.args.variableValues ?? {}),
          [this.shareable.afterVariable]: cursorText(this.cursor),
        },
      };
      let ending: unknown;
      try {
        const source = await executor.sourceOf(args);
        if (!isIterator(source)) {
          ending = new GraphQLError(source.errors?.[0]?.message ?? 'the subscription could not start', {
            extensions: source.errors?.[0]?.extensions ?? {},
          });
        } else if (this.lead !== lead || this.closed) {
          void Promise.resolve(source.return?.()).catch(() => undefined);
          continue;
        } else {
          this.source = source;
          const events = resolvedEvents(executor, source, args, this.shareable, limits);
          for await (const { position, result } of events) {
            // Past a rotation, what is still resolved for the previous lead is left to the next one.
            if (this.lead !== lead) continue;
            if (result.errors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) {
              // The subgraphs refused the lead's token on this event's reads (its focal point was
              // replaced, say): it ends, as its own subscription would have; the others go on, and the
              // event is read again with the next lead's token.
              lead.end(unauthenticated('the token is no longer accepted'));
              continue;
            }
            const cursor = cursorOf(position);
            if (!cursor || compare(cursor, this.cursor) <= 0) continue;
            this.cursor = cursor;
            failures = 0;
            const sent: Sent = { cursor, bytes: Buffer.from(JSON.stringify(format(result))) };
            for (const member of this.members) member.deliver(sent);
          }
          // Ended by a rotation (go on with the next lead) or by the upstream (it completed).
          if (this.lead === lead && !this.closed) ending = null;
        }
      } catch (err) {
        ending = err;
      }
      if (ending === undefined || this.closed) continue;
      const code = (ending as { extensions?: { code?: unknown } } | null)?.extensions?.code;
      if (code === 'UNAUTHENTICATED' && failures++ < 3) {
        // The lead's token was refused (it ran out, or its focal point was replaced): it ends as its own
        // upstream would have ended it, and so do members whose tokens ran out; the rest go on.
        const now = Date.now();
        for (const m of [...this.members])
          if (m.ctx.tokenExpiresAt !== undefined && m.ctx.tokenExpiresAt * 1000 <= now)
            m.end(unauthenticated('the token has expired'));
        lead.end(ending);
        continue;
      }
      // Anything else ends every member as it would have ended each one's own upstream.
      for (const m of [...this.members]) m.end(ending ?? undefined);
      return this.close();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.leadTimer);
    subscriptionFeedsOpen.dec({ service: 'gateway' });
    this.rotate();
    for (const m of [...this.members]) m.end();
    this.onClosed(this);
  }

  get name(): string {
    return this.key;
  }
}

/** The gateway's shared feeds, by class. */
/**
 * How far behind the head (in log positions, seen or not by the class) a member may be and still start
 * its class's feed at its own cursor. The feed reads that stretch once for the whole class, before it goes
 * live; further behind, a member catches up on its own, so that one old cursor does not hold back a class
 * whose other members are live. Found with bench:subscriptions: 10,000 subscribers given the head as their
 * cursor while the flows were still appending (a forwarding's letters, which focal points may not see);
 * each focal point caught up alone, 5,000 upstreams, until the first event of the case.
 */
const NEAR_HEAD_POSITIONS = 1_000;

export function createSharedFeeds(options: SharedFeedsOptions) {
  const feeds = new Map<string, Feed>();
  const { executor, federatedQuery, limits, format } = options;

  /** The class's feed, started at `cursor` if there is none. */
  function feedOf(key: string, shareable: Shareable, cursor: Cursor): Feed {
    let feed = feeds.get(key);
    if (!feed) {
      feed = new Feed(key, shareable, cursor, options, (closed) => {
        if (feeds.get(closed.name) === closed) feeds.delete(closed.name);
      });
      feeds.set(key, feed);
    }
    return feed;
  }

  /**
   * A member behind the feed: its own upstream with its own token from its cursor (the per-subscriber
   * path), until it has delivered the position the feed has reached — from there the feed's events are
   * exactly the ones it still needs (what both delivered is dropped by position).
   */
  async function catchUp(member: Member, key: string, shareable: Shareable, head: Cursor): Promise<void> {
    const source = await executor.sourceOf(member.args);
    if (!isIterator(source)) {
      const first = source.errors?.[0];
      return member.end(
        new GraphQLError(first?.message ?? 'the subscription could not start', {
          extensions: first?.extensions ?? {},
        }),
      );
    }
    // A member that leaves while catching up closes its upstream at once (its buffer ends with it).
    member.onEnd(() => void Promise.resolve(source.return?.()).catch(() => undefined));
    const events = resolvedEvents(executor, source, member.args, shareable, limits);
    try {
      for await (const { position, result } of events) {
        if (!member.open) return;
        const cursor = cursorOf(position);
        if (!cursor) continue;
        member.deliver({ cursor, bytes: Buffer.from(JSON.stringify(format(result))) });
        if (!member.open) return;
        const reached = feeds.get(key)?.cursor ?? head;
        if (compare(member.cursor, reached) >= 0) {
          feedOf(key, shareable, member.cursor).add(member);
          return;
        }
      }
      // The upstream completed before the member caught up: so does the member.
      member.end();
    } catch (err) {
      member.end(err);
    }
  }

  return {
    /**
     * The subscription as a member of its class's feed, or undefined when it cannot share one (the
     * caller takes the per-subscriber path).
     */
    async subscribe(args: SubscribeArgs): Promise<AsyncGenerator<ExecutionResult> | undefined> {
      const ctx = args.contextValue as SubscriptionContext;
      const send = ctx.send as Send | undefined;
      if (!ctx.principal || !send) return undefined;
      const shareable = shareableOf(options.apiSchema, args);
      if (!shareable) return undefined;
      const from = cursorOf(args.variableValues?.[shareable.afterVariable]);
      if (!from) return undefined;
      const member = new Member(args, { ...ctx, send }, from, limits);
      const iterator = member.iterator();
      void (async () => {
        // The subgraph verifies this member's own token (as it would for its own upstream) and says
        // where the log's head is.
        const answer = await federatedQuery(shareable.headQuery, {}, ctx);
        const head = cursorOf((answer.data as { head?: unknown } | null | undefined)?.head);
        if (!head || answer.errors?.length) {
          const first = answer.errors?.[0];
          throw new GraphQLError(first?.message ?? 'the event source is unavailable', {
            extensions: first?.extensions ?? { code: 'SERVICE_UNAVAILABLE' },
          });
        }
        if (!member.open) return;
        const key = classKeyOf(args, shareable);
        const reached = feeds.get(key)?.cursor ?? head;
        if (compare(member.cursor, reached) >= 0) feedOf(key, shareable, head).add(member);
        else if (!feeds.has(key) && head[0] - member.cursor[0] <= NEAR_HEAD_POSITIONS)
          // No feed yet and little to read up to the head: the class's feed starts at this member's
          // cursor, and members arriving at the same cursor (or later) join it instead of each catching up
          // on an upstream of its own, which they kept until an event *they* may see came by.
          feedOf(key, shareable, member.cursor).add(member);
        else await catchUp(member, key, shareable, head);
      })().catch((err: unknown) => member.end(err));
      return iterator;
    },
    /** Feeds open now (for tests and diagnostics). */
    get size() {
      return feeds.size;
    },
    close(): void {
      for (const feed of [...feeds.values()]) feed.close();
    },
  };
}

export type SharedFeeds = ReturnType<typeof createSharedFeeds>;
