/**
 * How the gateway calls subgraphs. Both data sources forward the caller's Authorization header (each
 * subgraph verifies it again) and the request id (one id across every process's log lines).
 *
 * - `stock`: Apollo's RemoteGraphQLDataSource with its make-fetch-happen fetcher.
 * - `undici` (default): a lean keep-alive path on an undici Agent. The stock path builds a node-fetch
 *   Request and Headers and goes through minipass streams for every subgraph call, which costs CPU per
 *   request; this one sends the JSON body and reads the JSON answer directly. `npm run bench:gateway`
 *   compares them.
 */
import {
  type GraphQLDataSource,
  type GraphQLDataSourceProcessOptions,
  RemoteGraphQLDataSource,
} from '@apollo/gateway';
// Not re-exported from the package root.
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { GraphQLError } from 'graphql';
import { Agent, request } from 'undici';
import {
  noteWritten,
  POSITION_HEADER,
  READ_AFTER_HEADER,
  readAfterPosition,
} from '../services/shared/consistency';
import type { RequestContext } from '../services/shared/http/server';
import {
  CLIENT_HEADER,
  GATEWAY_SIGNATURE_HEADER,
  signGatewayRequest,
} from '../services/shared/gateway-signature';
import { secondsSince, subgraphFetchDuration } from '../services/shared/metrics';
import { currentTraceHeaders, inSpan, SpanKind } from '../services/shared/tracing';

export type FetcherKind = 'undici' | 'stock';

/** Headers a subgraph call carries on behalf of the client request that caused it. */
export function forwardedHeaders(
  options: GraphQLDataSourceProcessOptions<RequestContext>,
): Record<string, string> {
  if (options.kind !== GraphQLDataSourceRequestKind.INCOMING_OPERATION) return {};
  const context = options.context as Partial<RequestContext>;
  const headers: Record<string, string> = {};
  if (context.authorization) headers.authorization = context.authorization;
  if (context.requestId) headers['x-request-id'] = context.requestId;
  // The caller's address as the gateway saw it: a subgraph keys its per-client budgets by it (it takes
  // the header only from a call the gateway signed).
  if (context.clientIp) headers[CLIENT_HEADER] = context.clientIp;
  // The W3C trace context of this subgraph call (nothing while tracing is off).
  Object.assign(headers, currentTraceHeaders());
  // What the client asked to read after, or what this operation's earlier calls wrote (consistency.ts).
  const readAfter = readAfterPosition();
  if (readAfter > 0) headers[READ_AFTER_HEADER] = String(readAfter);
  return headers;
}

/** Keeps the position a subgraph's writes reached, for the later calls of this operation and the client. */
function noteSubgraphWrites(value: string | string[] | null | undefined): void {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw && /^\d{1,15}$/.test(raw)) noteWritten(Number(raw));
}

/** The stock fetcher's response (its package is not a direct dependency). */
type SubgraphFetchResponse = Parameters<RemoteGraphQLDataSource['errorFromResponse']>[0];

const INPUT_REFUSAL_CODES: ReadonlySet<unknown> = new Set(['GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']);

/**
 * The supergraph knows DateTime, LocalDate and SafeInt by name only, so a malformed value of one of them
 * passes the gateway's validation and is refused by the subgraph's coercion with a 400. That is the
 * client's mistake, not ours: it becomes BAD_USER_INPUT with the subgraph's message (which speaks of the
 * client's own value and type) instead of a masked internal error. Any other non-2xx stays an error of
 * the fetch.
 */
export function inputRefusalFrom(status: number, body: unknown): GraphQLError | undefined {
  if (status !== 400 || body === null || typeof body !== 'object') return undefined;
  const errors = (body as { errors?: unknown }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  const refusals = errors as { message?: unknown; extensions?: { code?: unknown } }[];
  if (!refusals.every((e) => INPUT_REFUSAL_CODES.has(e?.extensions?.code) && typeof e.message === 'string'))
    return undefined;
  const message = refusals.map((e) => e.message).join('; ');
  return new GraphQLError(message.length > 500 ? `${message.slice(0, 499)}…` : message, {
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

export class ForwardingRemoteDataSource extends RemoteGraphQLDataSource<RequestContext> {
  constructor(config: { url: string }, gatewaySecret?: string) {
    super(config);
    if (gatewaySecret) {
      // Signs the exact body Apollo's fetcher sends (see services/shared/gateway-signature.ts).
      const unsigned = this.fetcher;
      this.fetcher = (url, init) =>
        unsigned(url, {
          ...init,
          headers: {
            ...(init?.headers as Record<string, string> | undefined),
            [GATEWAY_SIGNATURE_HEADER]: signGatewayRequest(gatewaySecret, String(init?.body ?? '')),
          },
        });
    }
  }

  override willSendRequest(options: GraphQLDataSourceProcessOptions<RequestContext>) {
    const http = options.request.http;
    if (!http) return;
    for (const [name, value] of Object.entries(forwardedHeaders(options))) http.headers.set(name, value);
  }

  override async errorFromResponse(response: SubgraphFetchResponse): Promise<GraphQLError> {
    if (response.status === 400) {
      const refusal = inputRefusalFrom(
        400,
        await response
          .clone()
          .json()
          .catch(() => undefined),
      );
      if (refusal) return refusal;
    }
    return super.errorFromResponse(response);
  }

  override didReceiveResponse({
    response,
  }: Parameters<NonNullable<RemoteGraphQLDataSource<RequestContext>['didReceiveResponse']>>[0]) {
    noteSubgraphWrites(response.http?.headers.get(POSITION_HEADER));
    return response;
  }
}

/** Minimal FetcherHeaders over a plain object: the gateway only reads cache-control from it. */
class ResponseHeaders {
  private readonly map = new Map<string, string>();
  constructor(raw: Record<string, string | string[] | undefined>) {
    for (const [k, v] of Object.entries(raw))
      if (v !== undefined) this.map.set(k, Array.isArray(v) ? v.join(', ') : v);
  }
  append(name: string, value: string) {
    const key = name.toLowerCase();
    const current = this.map.get(key);
    this.map.set(key, current ? `${current}, ${value}` : value);
  }
  delete(name: string) {
    this.map.delete(name.toLowerCase());
  }
  get(name: string) {
    return this.map.get(name.toLowerCase()) ?? null;
  }
  has(name: string) {
    return this.map.has(name.toLowerCase());
  }
  set(name: string, value: string) {
    this.map.set(name.toLowerCase(), value);
  }
  entries() {
    return this.map.entries();
  }
  keys() {
    return this.map.keys();
  }
  values() {
    return this.map.values();
  }
  [Symbol.iterator]() {
    return this.map.entries();
  }
}

export interface UndiciDataSourceOptions {
  readonly url: string;
  readonly agent: Agent;
  /** Per subgraph call; a slow subgraph answers the client with an error rather than hanging it. */
  readonly timeoutMs?: number;
  /** Signs each call so a subgraph that answers only the gateway accepts it. */
  readonly gatewaySecret?: string;
}

export class UndiciDataSource implements GraphQLDataSource<RequestContext> {
  readonly url: string;
  private readonly agent: Agent;
  private readonly timeoutMs: number;
  private readonly gatewaySecret: string | undefined;

  constructor(options: UndiciDataSourceOptions) {
    this.url = options.url;
    this.agent = options.agent;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.gatewaySecret = options.gatewaySecret;
  }

  async process(options: GraphQLDataSourceProcessOptions<RequestContext>): Promise<GatewayGraphQLResponse> {
    const { query, operationName, variables, extensions } = options.request;
    if (!query) throw new Error('Missing query');
    const body = JSON.stringify({ query, operationName, variables, extensions });
    const response = await request(this.url, {
      method: 'POST',
      dispatcher: this.agent,
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...forwardedHeaders(options),
        ...(this.gatewaySecret
          ? { [GATEWAY_SIGNATURE_HEADER]: signGatewayRequest(this.gatewaySecret, body) }
          : {}),
      },
      body,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
    const text = await response.body.text();
    noteSubgraphWrites(response.headers[POSITION_HEADER]);
    const contentType = String(response.headers['content-type'] ?? '');
    const isJson = /^application\/(graphql-response\+)?json/i.test(contentType);
    if (response.statusCode < 200 || response.statusCode >= 300) {
      if (response.statusCode === 400 && isJson) {
        const refusal = inputRefusalFrom(400, parseJsonOrUndefined(text));
        if (refusal) throw refusal;
      }
      // Same contract as the stock data source: a non-2xx answer is an error of this fetch. The
      // subgraph's body is not copied into the error (it may name internals); the status says enough.
      const code =
        response.statusCode === 401
          ? 'UNAUTHENTICATED'
          : response.statusCode === 403
            ? 'FORBIDDEN'
            : undefined;
      throw new GraphQLError(`${response.statusCode}: subgraph answered with an error status`, {
        extensions: { ...(code ? { code } : {}), subgraphStatus: response.statusCode },
      });
    }
    if (!isJson)
      throw new Error(`expected a JSON response from the subgraph, got ${contentType || 'no content type'}`);
    const parsed = JSON.parse(text) as GatewayGraphQLResponse;
    if (parsed === null || typeof parsed !== 'object')
      throw new Error('the subgraph answered with a non-object body');
    return {
      ...parsed,
      http: { headers: new ResponseHeaders(response.headers), status: response.statusCode },
    };
  }
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A keep-alive connection pool shared by every subgraph call of one gateway. */
export function createSubgraphAgent(): Agent {
  return new Agent({
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 600_000,
    connections: 256,
    pipelining: 1,
  });
}

export function createDataSource(
  kind: FetcherKind,
  url: string,
  agent: Agent,
  subgraph = 'unknown',
  gatewaySecret?: string,
): GraphQLDataSource<RequestContext> {
  const source =
    kind === 'undici'
      ? new UndiciDataSource({ url, agent, ...(gatewaySecret ? { gatewaySecret } : {}) })
      : new ForwardingRemoteDataSource({ url }, gatewaySecret);
  return timedDataSource(source, subgraph);
}

/** Times every subgraph call (dumas_subgraph_fetch_duration_seconds), whichever fetcher makes it. */
function timedDataSource(
  source: GraphQLDataSource<RequestContext>,
  subgraph: string,
): GraphQLDataSource<RequestContext> {
  return {
    process(options) {
      return inSpan(
        `fetch ${subgraph}`,
        { kind: SpanKind.CLIENT, attributes: { 'dumas.subgraph': subgraph } },
        async () => {
          const started = process.hrtime.bigint();
          let outcome = 'error';
          try {
            const response = await source.process(options);
            outcome = response.errors?.length ? 'graphql_errors' : 'ok';
            return response;
          } finally {
            subgraphFetchDuration.observe({ subgraph, outcome }, secondsSince(started));
          }
        },
      );
    },
  };
}
