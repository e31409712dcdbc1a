/**
 * Executing a client's subscription at the gateway, over the supergraph's API schema.
 *
 * For a root subscription field the gateway opens one upstream graphql-ws subscription to the subgraph
 * that owns it (from the supergraph's join directives), selecting the leaf fields of the event and the
 * key of each entity in it (`complaint { id }`). For each event, graphql-js runs the client's own
 * selection over the event; an entity field (`complaint { ... }`) is resolved by executing
 * `query($id: ID!) { complaint(id: $id) { <the client's selection> } }` through the gateway's normal
 * federated path with the client's token, so fields of every subgraph arrive resolved and masked.
 *
 * Many subscribers receive the same event: an entity query with the same text, variables, event and
 * visibility (role and agency: DOMAIN.md's rules depend on nothing else) runs once and is shared. Live
 * subscribers of one class share more than that: one upstream and one execution (feed.ts), built from
 * `sourceOf` and `executeEvent` here.
 */
import { withConsistency } from '../../services/shared/consistency';
import {
  createSourceEventStream,
  type DocumentNode,
  execute,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  isLeafType,
  isNonNullType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  parse,
  print,
  type SelectionNode,
  type subscribe,
  type VariableDefinitionNode,
  visit,
} from 'graphql';
import type { Logger } from 'pino';

const isAsyncIterable = (v: unknown): v is AsyncIterable<unknown> =>
  typeof (v as { [Symbol.asyncIterator]?: unknown } | null)?.[Symbol.asyncIterator] === 'function';
import type { Principal } from '../../services/shared/auth';
import { unauthenticated } from '../../services/shared/errors';
import { bounded, type ConsumerHandle, type ConsumerLimits } from './buffer';
import { type UpstreamPool, upstreamError } from './upstream';

/** What each subscription operation carries (per client connection / SSE request). */
export interface SubscriptionContext extends ConsumerHandle {
  readonly [extra: PropertyKey]: unknown;
  readonly principal?: Principal;
  readonly authorization?: string;
  readonly requestId: string;
  readonly logger: Logger;
  readonly clientIp: string;
  /**
   * Writes one `next` message per serialised result (UTF-8 JSON), in order and in as few writes to the
   * connection as it can, and calls `flushed` once the connection has taken them: how a shared feed
   * (feed.ts) hands every member the same bytes.
   */
  readonly send?: (payloads: readonly Buffer[], flushed: () => void) => void;
}

/** Runs a query through the gateway's own executor as the subscriber. */
export type FederatedQuery = (
  query: string,
  variables: Record<string, unknown>,
  ctx: SubscriptionContext,
) => Promise<ExecutionResult>;

/** Which subgraph serves each Subscription field, read from the supergraph's join directives. */
export function subscriptionOwners(supergraphSdl: string): Map<string, string> {
  const doc = parse(supergraphSdl);
  const graphs = new Map<string, string>();
  const owners = new Map<string, string>();
  const arg = (
    node: { arguments?: readonly { name: { value: string }; value: unknown }[] },
    name: string,
  ) => {
    const v = node.arguments?.find((a) => a.name.value === name)?.value as
      | { kind: string; value: string }
      | undefined;
    return v && (v.kind === Kind.STRING || v.kind === Kind.ENUM) ? v.value : undefined;
  };
  for (const def of doc.definitions) {
    if (def.kind === Kind.ENUM_TYPE_DEFINITION && def.name.value === 'join__Graph') {
      for (const value of def.values ?? []) {
        const joinGraph = value.directives?.find((d) => d.name.value === 'join__graph');
        const name = joinGraph && arg(joinGraph, 'name');
        if (name) graphs.set(value.name.value, name);
      }
    }
  }
  for (const def of doc.definitions) {
    if (
      (def.kind === Kind.OBJECT_TYPE_DEFINITION || def.kind === Kind.OBJECT_TYPE_EXTENSION) &&
      def.name.value === 'Subscription'
    ) {
      const typeGraphs = (def.directives ?? [])
        .filter((d) => d.name.value === 'join__type')
        .map((d) => arg(d, 'graph'))
        .filter((g): g is string => !!g);
      for (const field of def.fields ?? []) {
        const fieldGraph = field.directives?.find((d) => d.name.value === 'join__field');
        const graph = (fieldGraph && arg(fieldGraph, 'graph')) ?? typeGraphs[0];
        const name = graph ? graphs.get(graph) : undefined;
        if (name) owners.set(field.name.value, name);
      }
    }
  }
  return owners;
}

/** `{ __typename id }` for an entity, the leaf fields of everything else: what the owner serves. */
function upstreamSelection(type: GraphQLObjectType, depth = 0): string {
  const parts: string[] = [];
  for (const field of Object.values(type.getFields())) {
    if (field.args.some((a) => isNonNullType(a.type))) continue;
    const named = getNamedType(field.type);
    if (isLeafType(named)) parts.push(field.name);
    else if (isObjectType(named) && named.getFields().id) parts.push(`${field.name} { __typename id }`);
    else if (isObjectType(named) && depth < 2)
      parts.push(`${field.name} ${upstreamSelection(named, depth + 1)}`);
  }
  return `{ ${parts.join(' ')} }`;
}

function upstreamOperation(field: GraphQLField<unknown, unknown>): string {
  const defs = field.args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  const args = field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const returned = getNamedType(field.type) as GraphQLObjectType;
  return `subscription GatewayUpstream${defs ? `(${defs})` : ''} { ${field.name}${args ? `(${args})` : ''} ${upstreamSelection(returned)} }`;
}

/** The Query field that loads an entity of this type by `id`. */
function entityQueryField(schema: GraphQLSchema, type: GraphQLNamedType): string | undefined {
  const query = schema.getQueryType();
  if (!query) return undefined;
  for (const field of Object.values(query.getFields())) {
    if (getNamedType(field.type) === type && field.args.length === 1 && field.args[0]!.name === 'id') {
      return field.name;
    }
  }
  return undefined;
}

/** The fragments a selection uses, transitively. */
function fragmentsUsed(
  selections: readonly SelectionNode[],
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
): FragmentDefinitionNode[] {
  const seen = new Map<string, FragmentDefinitionNode>();
  const walk = (node: unknown) =>
    visit(node as DocumentNode, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        const def = fragments[name];
        if (def && !seen.has(name)) {
          seen.set(name, def);
          walk(def);
        }
      },
    });
  for (const s of selections) walk(s);
  return [...seen.values()];
}

function variablesUsed(nodes: readonly unknown[]): Set<string> {
  const names = new Set<string>();
  for (const node of nodes)
    visit(node as DocumentNode, {
      Variable(v) {
        names.add(v.name.value);
      },
    });
  return names;
}

const ENTITY_ID_VARIABLE = 'subscriptionEntityId';

interface EntityQuery {
  readonly text: string;
  readonly variableNames: readonly string[];
}

export interface SubscriptionExecutorOptions {
  readonly apiSchema: GraphQLSchema;
  readonly supergraphSdl: string;
  /** Subgraph name → its HTTP GraphQL URL. */
  readonly subgraphUrl: (name: string) => string | undefined;
  readonly upstream: UpstreamPool;
  readonly federatedQuery: FederatedQuery;
  readonly limits: ConsumerLimits;
  /** How long an entity result is shared between subscribers of the same event. Default 10 s. */
  readonly shareMs?: number;
}

export type SubscribeArgs = Parameters<typeof subscribe>[0];

export function createSubscriptionExecutor(options: SubscriptionExecutorOptions) {
  const { apiSchema, upstream, federatedQuery, limits } = options;
  const owners = subscriptionOwners(options.supergraphSdl);
  const upstreamOps = new Map<string, string>();
  const entityQueries = new WeakMap<FieldNode, EntityQuery>();
  const shared = new Map<string, { at: number; result: Promise<ExecutionResult> }>();
  const shareMs = options.shareMs ?? 10_000;
  const SHARED_MAX = 20_000;

  const subscribeField: GraphQLFieldResolver<unknown, SubscriptionContext> = (_source, args, ctx, info) => {
    if (!ctx.principal) throw unauthenticated('subscriptions need a token');
    const owner = owners.get(info.fieldName);
    const url = owner ? options.subgraphUrl(owner) : undefined;
    if (!url) throw new GraphQLError(`no subgraph serves Subscription.${info.fieldName}`);
    let op = upstreamOps.get(info.fieldName);
    if (!op) {
      const field = info.parentType.getFields()[info.fieldName]!;
      op = upstreamOperation(field);
      upstreamOps.set(info.fieldName, op);
    }
    const variables = Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined));
    const source = upstream.subscribe(url, ctx.authorization, { query: op, variables });
    const payloads: AsyncIterator<unknown> = {
      async next() {
        const step = await source.next();
        if (step.done) return { done: true, value: undefined };
        const result = step.value;
        if (result.errors?.length) throw upstreamError(result.errors);
        // The upstream data is keyed by field name, which is how the root field resolves below.
        return { done: false, value: result.data };
      },
      async return() {
        await source.return?.();
        return { done: true, value: undefined };
      },
    };
    return { [Symbol.asyncIterator]: () => payloads };
  };

  function entityQuery(
    info: Parameters<GraphQLFieldResolver<unknown, unknown>>[3],
    rootField: string,
  ): EntityQuery {
    const first = info.fieldNodes[0]!;
    const cached = entityQueries.get(first);
    if (cached) return cached;
    const selections = info.fieldNodes.flatMap((n) => n.selectionSet?.selections ?? []);
    const fragments = fragmentsUsed(selections, info.fragments);
    const used = variablesUsed([...selections, ...fragments]);
    const defs = (info.operation as OperationDefinitionNode).variableDefinitions ?? [];
    const kept = defs.filter((d: VariableDefinitionNode) => used.has(d.variable.name.value));
    const varDefs = [`$${ENTITY_ID_VARIABLE}: ID!`, ...kept.map((d) => print(d))].join(', ');
    const body = selections.map((s) => print(s)).join(' ');
    const text = `query GatewaySubscriptionEntity(${varDefs}) { entity: ${rootField}(id: $${ENTITY_ID_VARIABLE}) { ${body} } }${fragments.map((f) => `\n${print(f)}`).join('')}`;
    const made = { text, variableNames: kept.map((d) => d.variable.name.value) };
    entityQueries.set(first, made);
    return made;
  }

  function sharedResult(key: string, run: () => Promise<ExecutionResult>): Promise<ExecutionResult> {
    const now = Date.now();
    const hit = shared.get(key);
    if (hit && now - hit.at < shareMs) return hit.result;
    if (shared.size >= SHARED_MAX) {
      for (const [k, v] of shared) {
        if (now - v.at < shareMs && shared.size < SHARED_MAX) break;
        shared.delete(k);
      }
    }
    const result = run();
    const entry = { at: now, result };
    shared.set(key, entry);
    // A failure is not shared: it may be the caller's own (a token the subgraphs no longer accept), and
    // the next subscriber of the class reads again with its own.
    const forget = () => {
      if (shared.get(key) === entry) shared.delete(key);
    };
    result.then((r) => r.errors?.length && forget(), forget);
    return result;
  }

  const resolveField: GraphQLFieldResolver<unknown, SubscriptionContext> = (source, _args, ctx, info) => {
    const record = source as Record<string, unknown> | null;
    if (record === null || typeof record !== 'object') return null;
    let depth = 0;
    for (let p: typeof info.path | undefined = info.path; p; p = p.prev)
      if (typeof p.key === 'string') depth++;
    // Below an entity the gateway's query answered by response key (aliases included).
    if (depth >= 3) return record[info.path.key as string];
    const value = record[info.fieldName];
    const named = getNamedType(info.returnType);
    if (depth !== 2 || !isObjectType(named) || value === null || typeof value !== 'object') return value;
    const id = (value as { id?: unknown }).id;
    const rootField = entityQueryField(apiSchema, named);
    if (typeof id !== 'string' || !rootField) return value;
    const query = entityQuery(info, rootField);
    const variables: Record<string, unknown> = { [ENTITY_ID_VARIABLE]: id };
    for (const name of query.variableNames) variables[name] = info.variableValues[name];
    const principal = ctx.principal;
    const event = JSON.stringify(record.position ?? record);
    const key = `${principal?.role}|${principal?.agencyId ?? ''}|${event}|${query.text}|${JSON.stringify(variables)}`;
    // The complaint as it stands at least after this event: the entity's subgraphs read after its position.
    const position = /^(\d{1,15})/.exec(String(record.position ?? ''))?.[1];
    const resolve = () => federatedQuery(query.text, variables, ctx);
    return sharedResult(key, () => (position ? withConsistency(Number(position), resolve) : resolve())).then(
      (result) => {
        const entity = (result.data as { entity?: unknown } | null | undefined)?.entity;
        if (entity === null || entity === undefined) {
          const first = result.errors?.[0];
          if (first) throw new GraphQLError(first.message, { extensions: first.extensions ?? {} });
        }
        return entity ?? null;
      },
    );
  };

  /** The upstream events of a subscription (its own upstream, opened with its context's token). */
  async function sourceOf(args: SubscribeArgs): Promise<AsyncIterator<unknown> | ExecutionResult> {
    const stream = await createSourceEventStream({ ...args, subscribeFieldResolver: subscribeField });
    if (!isAsyncIterable(stream)) return stream as ExecutionResult;
    return stream[Symbol.asyncIterator]();
  }

  /**
   * Runs the client's operation over one upstream event. Subscribers with the same operation, variables
   * and visibility get the same result for an event: `operationKey` says which.
   */
  function executeEvent(
    args: SubscribeArgs,
    operationKey: string,
    payload: unknown,
  ): Promise<ExecutionResult> {
    return sharedResult(`${operationKey}|${JSON.stringify(payload)}`, async () =>
      execute({ ...args, rootValue: payload, fieldResolver: resolveField }),
    );
  }

  const operationKeyOf = (args: SubscribeArgs) => {
    const ctx = args.contextValue as SubscriptionContext;
    return `${ctx.principal?.role}|${ctx.principal?.agencyId ?? ''}|${args.operationName ?? ''}|${JSON.stringify(args.variableValues ?? {})}|${print(args.document)}`;
  };

  return {
    owners,
    sourceOf,
    executeEvent,
    operationKeyOf,
    /**
     * graphql-js's subscribe over the API schema with the gateway's resolvers, each event resolved
     * through the consumer buffer (in order, a few at a time) instead of one by one as the client reads.
     */
    async subscribe(args: SubscribeArgs): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
      const source = await sourceOf(args);
      if (!isIterator(source)) return source;
      const operationKey = operationKeyOf(args);
      return bounded(
        source,
        (payload) => executeEvent(args, operationKey, payload),
        limits,
        args.contextValue as SubscriptionContext,
      );
    },
  };
}

export type SubscriptionExecutor = ReturnType<typeof createSubscriptionExecutor>;

export const isIterator = (v: AsyncIterator<unknown> | ExecutionResult): v is AsyncIterator<unknown> =>
  typeof (v as { next?: unknown }).next === 'function';
