/**
 * Abuse limits: one rule set, applied by the gateway before any subgraph is called and by each subgraph
 * to whoever calls it.
 *
 * Parse: graphql's `maxTokens` refuses a pathological document before it is built (a 400).
 * Depth and aliases are validation rules: Apollo caches a validated document, so a query string is
 * checked once. Cost depends on variables (`first: $n`), so it is computed per request once the
 * operation is resolved, together with the per-client rate limit on public (no-token) mutations.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import {
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValueNode,
} from 'graphql';
import type { RequestContext } from '../http/server';
import { limitError } from './errors';
import type { GatewayLimits } from './limit-settings';
import type { ClientLimiter } from './postgres-rate-limiter';

export { DEFAULT_LIMITS, type GatewayLimits, LIMIT_ENV } from './limit-settings';

/** Root fields that check a complainant's access code: each costs a deliberately slow hash. */
export const ACCESS_CODE_FIELDS: ReadonlySet<string> = new Set(['trackComplaint', 'rateComplaintHandling']);

/** How many access-code fields the operation selects at its root, fragments included. */
export function accessCodeChecks(operation: OperationDefinitionNode, document: DocumentNode): number {
  const fragments = fragmentsOf(document);
  const seen = new Set<string>();
  const count = (selectionSet: SelectionSetNode): number => {
    let n = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) n += ACCESS_CODE_FIELDS.has(selection.name.value) ? 1 : 0;
      else if (selection.kind === Kind.INLINE_FRAGMENT) n += count(selection.selectionSet);
      else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) continue;
        seen.add(fragment.name.value);
        n += count(fragment.selectionSet);
        seen.delete(fragment.name.value);
      }
    }
    return n;
  };
  return count(operation.selectionSet);
}

/** A refusal by a rate limit: 429 with Retry-After. */
export function rateLimited(
  retryAfter: number,
  message = 'too many requests from this client; try again later',
) {
  return new GraphQLError(message, {
    extensions: {
      code: 'RATE_LIMITED',
      retryAfterSeconds: retryAfter,
      http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfter)]]) },
    },
  });
}

/**
 * At most one access-code check per request. The gateway refuses a document that asks for more (400,
 * before any subgraph); the subgraph refuses a second check in one request the same way.
 */
export const tooManyAccessCodeChecks = () =>
  limitError('TOO_MANY_ACCESS_CODE_CHECKS', 'a request may check at most one access code', 400, { limit: 1 });

/** Page size assumed when a pagination argument's variable was not sent (the subgraph's default applies). */
const ASSUMED_PAGE_SIZE = 20;
const PAGE_ARGUMENTS = new Set(['first', 'last', 'limit']);

/** Fields that read the schema rather than the data: `__schema` and `__type` (not `__typename`). */
const isIntrospection = (field: FieldNode) =>
  field.name.value === '__schema' || field.name.value === '__type';

/**
 * How deep the standard introspection query (graphql's getIntrospectionQuery, GraphiQL's) nests, with
 * fragments counted: introspection is measured too, against this allowance rather than exempted.
 */
export const INTROSPECTION_MAX_DEPTH = 18; // graphql 16's query measures exactly 18

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const map = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions)
    if (def.kind === Kind.FRAGMENT_DEFINITION) map.set(def.name.value, def);
  return map;
}

/**
 * Nesting of a selection set: each field, inline fragment and fragment spread is one level, so a tower of
 * `... on Query { ... }` is as deep as it looks. Fragments memoised, cycles (refused by graphql) cut.
 * With `skipIntrospection` the schema's own fields are left to INTROSPECTION_MAX_DEPTH.
 */
export function selectionDepth(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  skipIntrospection = true,
  memo = new Map<string, number>(),
  visiting = new Set<string>(),
): number {
  let deepest = 0;
  for (const selection of selectionSet.selections) {
    let depth = 0;
    if (selection.kind === Kind.FIELD) {
      if (skipIntrospection && isIntrospection(selection)) continue;
      depth =
        1 +
        (selection.selectionSet
          ? selectionDepth(selection.selectionSet, fragments, skipIntrospection, memo, visiting)
          : 0);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      depth = 1 + selectionDepth(selection.selectionSet, fragments, skipIntrospection, memo, visiting);
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (!fragment || visiting.has(name)) continue;
      let known = memo.get(name);
      if (known === undefined) {
        visiting.add(name);
        known = selectionDepth(fragment.selectionSet, fragments, skipIntrospection, memo, visiting);
        visiting.delete(name);
        memo.set(name, known);
      }
      depth = 1 + known;
    }
    if (depth > deepest) deepest = depth;
  }
  return deepest;
}

export function depthLimitRule(maxDepth: number) {
  const refuse = (context: ValidationContext, depth: number, limit: number) =>
    context.reportError(
      limitError('QUERY_TOO_DEEP', `the query is ${depth} levels deep; the limit is ${limit}`, 400, {
        depth,
        limit,
      }),
    );
  return (context: ValidationContext): ASTVisitor => ({
    Document(document) {
      const fragments = fragmentsOf(document);
      const dataMemo = new Map<string, number>();
      const allMemo = new Map<string, number>();
      const introspectionLimit = Math.max(maxDepth, INTROSPECTION_MAX_DEPTH);
      for (const def of document.definitions) {
        if (def.kind !== Kind.OPERATION_DEFINITION) continue;
        const depth = selectionDepth(def.selectionSet, fragments, true, dataMemo);
        if (depth > maxDepth) {
          refuse(context, depth, maxDepth);
          continue;
        }
        const withSchema = selectionDepth(def.selectionSet, fragments, false, allMemo);
        if (withSchema > introspectionLimit) refuse(context, withSchema, introspectionLimit);
      }
    },
  });
}

export function aliasLimitRule(maxAliases: number) {
  return (context: ValidationContext): ASTVisitor => {
    let aliases = 0;
    let reported = false;
    return {
      Field(node) {
        if (!node.alias || reported) return;
        aliases++;
        if (aliases > maxAliases) {
          reported = true;
          context.reportError(
            limitError('TOO_MANY_ALIASES', `the query uses more than ${maxAliases} aliases`, 400, {
              limit: maxAliases,
            }),
          );
        }
      },
    };
  };
}

function pageSize(field: FieldNode, variables: Readonly<Record<string, unknown>>): number {
  for (const arg of field.arguments ?? []) {
    if (!PAGE_ARGUMENTS.has(arg.name.value)) continue;
    const value: ValueNode = arg.value;
    if (value.kind === Kind.INT) return Math.max(1, Number.parseInt(value.value, 10));
    if (value.kind === Kind.VARIABLE) {
      const given = variables[value.name.value];
      return typeof given === 'number' && Number.isFinite(given)
        ? Math.max(1, Math.floor(given))
        : ASSUMED_PAGE_SIZE;
    }
  }
  return 1;
}

/**
 * Estimated cost: each field costs 1 plus its children's cost, times the field's page size. Fragments
 * are memoised, so a "fragment bomb" costs its expanded size without being expanded.
 */
export function operationCost(
  operation: OperationDefinitionNode,
  document: DocumentNode,
  variables: Readonly<Record<string, unknown>> = {},
): number {
  const fragments = fragmentsOf(document);
  const memo = new Map<string, number>();
  const visiting = new Set<string>();
  const cost = (selectionSet: SelectionSetNode): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const children = selection.selectionSet ? cost(selection.selectionSet) : 0;
        total += (1 + children) * pageSize(selection, variables);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        total += cost(selection.selectionSet);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || visiting.has(name)) continue;
        let known = memo.get(name);
        if (known === undefined) {
          visiting.add(name);
          known = cost(fragment.selectionSet);
          visiting.delete(name);
          memo.set(name, known);
        }
        total += known;
      }
    }
    return total;
  };
  return cost(operation.selectionSet);
}

/** A token bucket per client: `perMinute` tokens, refilled continuously. */
export class RateLimiter implements ClientLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly ratePerMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
    /** Forget idle clients beyond this many, oldest first, so memory stays bounded under spoofed floods. */
    private readonly maxClients = 100_000,
  ) {
    this.ratePerMs = perMinute / 60_000;
  }

  /** Takes one token; returns 0 when allowed, else the seconds until one is available. */
  take(client: string): number {
    const now = this.now();
    let bucket = this.buckets.get(client);
    if (bucket) {
      bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * this.ratePerMs);
      bucket.at = now;
      // Re-insert so Map order is least-recently-used first.
      this.buckets.delete(client);
    } else {
      bucket = { tokens: this.perMinute, at: now };
      if (this.buckets.size >= this.maxClients) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
    }
    this.buckets.set(client, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerMs / 1000));
  }
}

/** Cost limit and public-mutation rate limit, once the operation (and its variables) are known. */
export function limitsPlugin(
  limits: GatewayLimits,
  /** Buckets shared by the gateway replicas (postgres-rate-limiter.ts); this process's own by default. */
  shared?: { limiter(scope: string, perMinute: number): ClientLimiter },
): ApolloServerPlugin<RequestContext> {
  const limiter: ClientLimiter =
    shared?.limiter('public_mutations', limits.publicMutationsPerMinute) ??
    new RateLimiter(limits.publicMutationsPerMinute);
  const accessCodeLimiter: ClientLimiter =
    shared?.limiter('access_code_checks', limits.accessCodeChecksPerMinute) ??
    new RateLimiter(limits.accessCodeChecksPerMinute);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request, contextValue }) {
          // With a gateway Apollo leaves an unknown operationName to the executor, which throws a plain
          // Error (a 500): the caller named an operation the document does not have, a 400.
          if (!operation) {
            throw new GraphQLError(
              request.operationName
                ? `the document has no operation named ${JSON.stringify(request.operationName.slice(0, 100))}`
                : 'the document has several operations: name one with operationName',
              { extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } } },
            );
          }
          // A subscription sent as a plain POST has no transport to stream on (the gateway's executor
          // would fail with a 500): the client is told where subscriptions are served.
          if (operation.operation === 'subscription') {
            throw new GraphQLError(
              'subscriptions are served over WebSocket (graphql-ws) or Server-Sent Events (Accept: text/event-stream)',
              { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } },
            );
          }
          const cost = operationCost(operation, document, request.variables ?? {});
          if (cost > limits.maxCost) {
            throw limitError(
              'QUERY_TOO_COSTLY',
              `the query's estimated cost ${cost} exceeds ${limits.maxCost}`,
              400,
              {
                cost,
                limit: limits.maxCost,
              },
            );
          }
          // Cheap refusals before any access code is hashed: one check per request, a budget per client.
          const checks = accessCodeChecks(operation, document);
          if (checks > 1) throw tooManyAccessCodeChecks();
          // A subgraph's call from the gateway was rate-limited there, per real client; counting it
          // again here would put every client in the gateway's one bucket.
          if (contextValue.viaGateway) return;
          if (checks === 1) {
            const retryAfter = await accessCodeLimiter.take(contextValue.clientIp);
            if (retryAfter > 0) throw rateLimited(retryAfter);
          }
          if (operation.operation === 'mutation' && !contextValue.principal) {
            const retryAfter = await limiter.take(contextValue.clientIp);
            if (retryAfter > 0) throw rateLimited(retryAfter);
          }
        },
      };
    },
  };
}
