/**
 * Subscriptions at the gateway, on the same URL as queries (`/graphql`):
 * - graphql-ws over WebSocket (the token in the connection parameters: `{ authorization: "Bearer …" }`);
 * - GraphQL over SSE (graphql-sse; a request with `Accept: text/event-stream`, token in the header).
 *
 * Operations are parsed and validated against the supergraph's API schema with the gateway's depth and
 * alias limits, and errors are mapped by the same formatter as queries. Heartbeats: WebSocket ping/pong
 * (a client that does not answer is dropped) and SSE comment lines. A token ends its subscriptions when
 * it expires (WebSocket close 4401, SSE error event). A slow client is cut off with a reason (close 4008,
 * SSE error event) once its buffer passes the limits. Resuming is the client's: it passes the last
 * `position` it saw as `after`, across reconnects and gateway restarts alike. Subscribers of one class
 * (role, agency, operation, variables) share one live feed (feed.ts); the others, and a subscriber
 * catching up, have an upstream of their own (executor.ts).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import {
  buildASTSchema,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  getOperationAST,
  parse,
  printSchema,
  specifiedRules,
  type ValidationRule,
  validate,
} from 'graphql';
import { createHandler as createSseHandler } from 'graphql-sse/lib/use/http';
import { useServer as serveGraphQLOverWebSocket } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { type Authenticator, type Principal, tokenExpiry } from '../../services/shared/auth';
import { subscriptionsOpen } from '../../services/shared/metrics';
import { DomainError } from '../../services/shared/errors';
import {
  clientIpOf,
  type HttpServerHandle,
  type RequestContext,
  type RouteHandler,
  requestIdOf,
  sendGraphQLError,
} from '../../services/shared/http/server';
import type { Logger } from '../../services/shared/logger';
import { type ConsumerLimits, DEFAULT_CONSUMER_LIMITS } from './buffer';
import { createSubscriptionExecutor, type SubscribeArgs, type SubscriptionContext } from './executor';
import { createSharedFeeds, type SharedFeeds } from './feed';
import { UpstreamPool } from './upstream';

export { DEFAULT_CONSUMER_LIMITS, type ConsumerLimits } from './buffer';

/** WebSocket close codes a client can act on. */
export const CLOSE_CODES = {
  /** The token is missing, invalid or has expired: get a new one, then resume with `after`. */
  UNAUTHORIZED: 4401,
  /** The client did not keep up: resume with `after`. */
  SLOW_CONSUMER: 4008,
} as const;

export interface SubscriptionOptions extends Partial<ConsumerLimits> {
  /** WebSocket ping interval; a client silent for as long is dropped. Default 12 s. */
  readonly keepAliveMs?: number;
  /**
   * How long a slow WebSocket client has to read up to the close frame (which waits behind its unsent
   * data) before its connection is dropped without it. Default 10 s.
   */
  readonly slowConsumerGraceMs?: number;
}

export interface GatewaySubscriptionsSetup {
  readonly http: HttpServerHandle;
  readonly apollo: ApolloServer<RequestContext>;
  readonly authenticator: Authenticator;
  readonly logger: Logger;
  readonly subgraphUrl: (name: string) => string | undefined;
  /** The `/graphql` handler for queries and mutations; SSE requests are taken before it. */
  readonly queries: RouteHandler;
  readonly validationRules: readonly ValidationRule[];
  readonly bodyLimitBytes: number;
  readonly trustProxy: boolean;
  readonly formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  readonly options?: SubscriptionOptions;
  /** Signs the WebSocket connections to subgraphs (services/shared/gateway-signature.ts). */
  readonly gatewaySecret?: string;
}

export interface GatewaySubscriptions {
  /** Called with the API schema whenever the gateway loads its supergraph. */
  schemaLoaded(apiSchema: GraphQLSchema, supergraphSdl: string): void;
  close(): Promise<void>;
}

const CLOSING_BRACE = Buffer.from('}');
const SSE_NEXT = Buffer.from('event: next\ndata: ');
const SSE_END = Buffer.from('\n\n');

/** Distinct subscription documents kept parsed and validated (the oldest is forgotten first). */
const KNOWN_DOCUMENTS = 500;

/** Largest delay setTimeout takes; longer expiries are checked again when it fires. */
const MAX_TIMER_MS = 2_147_483_647;

/** Counts a subscription as open (dumas_subscriptions_open) from its start until its stream ends. */
async function counted(
  started: Promise<AsyncGenerator<ExecutionResult> | ExecutionResult>,
  transport: 'ws' | 'sse',
): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
  const stream = await started;
  if (!(Symbol.asyncIterator in stream)) return stream;
  const labels = { service: 'gateway', transport };
  subscriptionsOpen.inc(labels);
  let open = true;
  const closed = () => {
    if (open) subscriptionsOpen.dec(labels);
    open = false;
  };
  return {
    next: async () => {
      const result = await stream.next().catch((err: unknown) => {
        closed();
        throw err;
      });
      if (result.done) closed();
      return result;
    },
    return: (value) => {
      closed();
      return stream.return(value);
    },
    throw: (err) => {
      closed();
      return stream.throw(err);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
    [Symbol.asyncDispose]: async () => {
      closed();
      await stream.return(undefined);
    },
  } as AsyncGenerator<ExecutionResult>;
}

/** Calls `fn` at the token's expiry; returns the cancel. */
function atExpiry(expiresAt: number | undefined, fn: () => void): () => void {
  if (expiresAt === undefined) return () => undefined;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const left = expiresAt * 1000 - Date.now();
    if (left <= 0) return fn();
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}

export function attachSubscriptions(setup: GatewaySubscriptionsSetup): GatewaySubscriptions {
  const limits: ConsumerLimits = {
    maxBufferedEvents: setup.options?.maxBufferedEvents ?? DEFAULT_CONSUMER_LIMITS.maxBufferedEvents,
    maxBufferedBytes: setup.options?.maxBufferedBytes ?? DEFAULT_CONSUMER_LIMITS.maxBufferedBytes,
  };
  const upstream = new UpstreamPool(setup.gatewaySecret ? { gatewaySecret: setup.gatewaySecret } : {});
  let current:
    | {
        apiSchema: GraphQLSchema;
        executor: ReturnType<typeof createSubscriptionExecutor>;
        feeds: SharedFeeds;
        /** Valid subscription documents by query text, for this schema. */
        documents: Map<string, DocumentNode>;
      }
    | undefined;
  /** Every generation's feeds (a reloaded supergraph leaves the old ones to their members). */
  const allFeeds = new Set<SharedFeeds>();

  /** A member of its class's shared feed when it can be one, its own upstream otherwise. */
  const subscribe = async (args: SubscribeArgs) => {
    if (!current) throw new Error('the gateway is starting');
    const { feeds, executor } = current;
    return (await feeds.subscribe(args)) ?? executor.subscribe(args);
  };

  const formatErrors = (errors: readonly GraphQLError[]): GraphQLError[] =>
    errors.map((e) => {
      const f = setup.formatError(e.toJSON(), e);
      return new GraphQLError(f.message, {
        ...(f.extensions ? { extensions: f.extensions } : {}),
        ...(e.path ? { path: e.path } : {}),
      });
    });
  const formatResult = (result: ExecutionResult): ExecutionResult | undefined =>
    result.errors ? { ...result, errors: formatErrors(result.errors) } : undefined;

  /** Parses and validates a subscription; GraphQL errors for the client otherwise. */
  function prepare(
    query: unknown,
    operationName: string | null | undefined,
  ): { document: DocumentNode; schema: GraphQLSchema } | GraphQLError[] {
    if (!current)
      return [new GraphQLError('the gateway is starting', { extensions: { code: 'SERVICE_UNAVAILABLE' } })];
    if (typeof query !== 'string' || query.length === 0) {
      return [new GraphQLError('a query is required', { extensions: { code: 'BAD_REQUEST' } })];
    }
    // Thousands of subscribers send the same few documents: each is parsed and validated once, and its
    // (immutable) AST is shared by all of them instead of held once per subscription.
    const known = current.documents.get(query);
    let document: DocumentNode;
    if (known) document = known;
    else
      try {
        document = parse(query);
      } catch (err) {
        return [
          new GraphQLError(err instanceof GraphQLError ? err.message : 'the query could not be parsed', {
            extensions: { code: 'GRAPHQL_PARSE_FAILED' },
          }),
        ];
      }
    const errors = known
      ? []
      : validate(current.apiSchema, document, [...specifiedRules, ...setup.validationRules]);
    if (!known && errors.length === 0) {
      if (current.documents.size >= KNOWN_DOCUMENTS)
        current.documents.delete(current.documents.keys().next().value!);
      current.documents.set(query, document);
    }
    if (errors.length > 0) {
      return errors.map(
        (e) =>
          new GraphQLError(e.message, {
            ...(e.nodes ? { nodes: e.nodes } : {}),
            extensions: { ...e.extensions, code: e.extensions.code ?? 'GRAPHQL_VALIDATION_FAILED' },
          }),
      );
    }
    const operation = getOperationAST(document, operationName ?? undefined);
    if (!operation)
      return [new GraphQLError('unable to identify the operation', { extensions: { code: 'BAD_REQUEST' } })];
    if (operation.operation !== 'subscription') {
      return [
        new GraphQLError(
          'only subscriptions are served on this transport; send queries and mutations as POST',
          {
            extensions: { code: 'BAD_REQUEST' },
          },
        ),
      ];
    }
    return { document, schema: current.apiSchema };
  }

  const federatedQuery = async (
    query: string,
    variables: Record<string, unknown>,
    ctx: SubscriptionContext,
  ): Promise<ExecutionResult> => {
    const response = await setup.apollo.executeOperation(
      { query, variables },
      {
        contextValue: {
          requestId: ctx.requestId,
          logger: ctx.logger,
          clientIp: ctx.clientIp,
          ...(ctx.principal ? { principal: ctx.principal } : {}),
          ...(ctx.authorization ? { authorization: ctx.authorization } : {}),
        },
      },
    );
    if (response.body.kind !== 'single') throw new GraphQLError('unexpected incremental response');
    return response.body.singleResult as ExecutionResult;
  };

  // --- graphql-ws ---------------------------------------------------------------------------------
  const wss = new WebSocketServer({ server: setup.http.server, path: '/graphql' });
  interface Connection {
    principal?: Principal;
    authorization?: string;
    tokenExpiresAt?: number;
    requestId: string;
    cancelExpiry?: () => void;
  }
  const connections = new WeakMap<object, Connection>();
  const ws = serveGraphQLOverWebSocket(
    {
      onConnect: async (ctx) => {
        const socket = (ctx.extra as { socket: import('ws').WebSocket }).socket;
        const params = ctx.connectionParams ?? {};
        const given = params.authorization ?? params.Authorization;
        const authorization =
          typeof given === 'string'
            ? given
            : typeof params.token === 'string'
              ? `Bearer ${params.token}`
              : undefined;
        let principal: Principal | undefined;
        try {
          principal = await setup.authenticator.authenticate(authorization);
        } catch (err) {
          socket.close(
            CLOSE_CODES.UNAUTHORIZED,
            err instanceof DomainError ? err.message : 'the token is invalid',
          );
          return false;
        }
        if (!principal) {
          socket.close(CLOSE_CODES.UNAUTHORIZED, 'subscriptions need a token in the connection parameters');
          return false;
        }
        const tokenExpiresAt = tokenExpiry(authorization);
        const connection: Connection = {
          principal,
          ...(authorization ? { authorization } : {}),
          ...(tokenExpiresAt !== undefined ? { tokenExpiresAt } : {}),
          requestId: randomUUID(),
        };
        connection.cancelExpiry = atExpiry(tokenExpiresAt, () =>
          socket.close(CLOSE_CODES.UNAUTHORIZED, 'the token has expired'),
        );
        connections.set(ctx, connection);
        return true;
      },
      onClose: (ctx) => {
        connections.get(ctx)?.cancelExpiry?.();
      },
      onSubscribe: (ctx, _id, payload) => {
        const prepared = prepare(payload.query, payload.operationName);
        if (Array.isArray(prepared)) return formatErrors(prepared);
        const connection = connections.get(ctx);
        const extra = ctx.extra as { socket: import('ws').WebSocket; request: IncomingMessage };
        const socket = extra.socket;
        const envelope = Buffer.from(`{"id":${JSON.stringify(_id)},"type":"next","payload":`);
        const contextValue: SubscriptionContext = {
          requestId: connection?.requestId ?? randomUUID(),
          logger: setup.logger.child({ requestId: connection?.requestId, transport: 'ws' }),
          clientIp: clientIpOf(extra.request, setup.trustProxy),
          ...(connection?.principal ? { principal: connection.principal } : {}),
          ...(connection?.authorization ? { authorization: connection.authorization } : {}),
          ...(connection?.tokenExpiresAt !== undefined ? { tokenExpiresAt: connection.tokenExpiresAt } : {}),
          pendingBytes: () => socket.bufferedAmount,
          // graphql-ws's `next` message as three fragments of one WebSocket message — this subscription's
          // envelope, the payload buffer every member of the feed shares (not copied), the closing brace —
          // and several messages in one write (a corked socket), not one system call each.
          send: (payloads, flushed) => {
            if (socket.readyState !== socket.OPEN) return flushed();
            const raw = (socket as unknown as { _socket?: import('node:net').Socket })._socket;
            raw?.cork();
            const last = payloads.length - 1;
            for (const [i, payload] of payloads.entries()) {
              socket.send(envelope, { binary: false, fin: false });
              socket.send(payload, { binary: false, fin: false });
              socket.send(
                CLOSING_BRACE,
                { binary: false, fin: true },
                i === last ? () => flushed() : undefined,
              );
            }
            raw?.uncork();
          },
          disconnect: (reason) => {
            socket.close(CLOSE_CODES.SLOW_CONSUMER, reason);
            // The close frame waits behind the unsent data: do not wait for a client that is not reading.
            setTimeout(() => socket.terminate(), setup.options?.slowConsumerGraceMs ?? 10_000).unref();
          },
        };
        const args: ExecutionArgs = {
          schema: prepared.schema,
          document: prepared.document,
          contextValue,
          ...(payload.operationName ? { operationName: payload.operationName } : {}),
          ...(payload.variables ? { variableValues: payload.variables } : {}),
        };
        return args;
      },
      subscribe: (args) => counted(subscribe(args), 'ws'),
      execute: () => ({ errors: [new GraphQLError('only subscriptions are served over WebSocket')] }),
      onNext: (_ctx, _id, _payload, _args, result) => formatResult(result as ExecutionResult),
      onError: (_ctx, _id, _payload, errors) => formatErrors(errors),
    },
    wss,
    setup.options?.keepAliveMs ?? 12_000,
  );

  // --- SSE (graphql-sse, distinct connections) ----------------------------------------------------
  interface SseRequest {
    principal: Principal;
    authorization: string;
    tokenExpiresAt?: number;
    requestId: string;
    res: ServerResponse;
    handedBytes: number;
    startBytes: number;
    /** Messages written before graphql-sse has sent the response's head (it does so right after). */
    early?: { message: Buffer; flushed: () => void }[];
  }
  const sseRequests = new WeakMap<IncomingMessage, SseRequest>();
  const sse = createSseHandler<SubscriptionContext>({
    onSubscribe: (req, params) => {
      const prepared = prepare(params.query, params.operationName);
      if (Array.isArray(prepared)) {
        return [
          JSON.stringify({ errors: formatErrors(prepared).map((e) => e.toJSON()) }),
          {
            status: 400,
            statusText: 'Bad Request',
            headers: { 'content-type': 'application/json; charset=utf-8' },
          },
        ];
      }
      const state = sseRequests.get(req.raw)!;
      const contextValue: SubscriptionContext = {
        requestId: state.requestId,
        logger: setup.logger.child({ requestId: state.requestId, transport: 'sse' }),
        clientIp: clientIpOf(req.raw, setup.trustProxy),
        principal: state.principal,
        authorization: state.authorization,
        ...(state.tokenExpiresAt !== undefined ? { tokenExpiresAt: state.tokenExpiresAt } : {}),
        pendingBytes: () => state.handedBytes - ((state.res.socket?.bytesWritten ?? 0) - state.startBytes),
        send: (payloads, flushed) =>
          writeSse(state, Buffer.concat(payloads.flatMap((p) => [SSE_NEXT, p, SSE_END])), flushed),
        disconnect: (reason) => endSse(state.res, reason, 'SLOW_CONSUMER'),
      };
      return {
        schema: prepared.schema,
        document: prepared.document,
        contextValue,
        ...(params.operationName ? { operationName: params.operationName } : {}),
        ...(params.variables ? { variableValues: params.variables } : {}),
      };
    },
    subscribe: (args) => counted(subscribe(args), 'sse'),
    onNext: (_ctx, req, result) => {
      const formatted = formatResult(result as ExecutionResult) ?? result;
      const state = sseRequests.get(req.raw);
      if (state) state.handedBytes += Buffer.byteLength(JSON.stringify(formatted)) + 20;
      return formatted;
    },
  });

  /** A feed's message on the SSE stream, in order, once graphql-sse has written the head. */
  function writeSse(state: SseRequest, message: Buffer, flushed: () => void) {
    const { res } = state;
    if (res.writableEnded || res.destroyed) return flushed();
    state.handedBytes += message.length;
    if (state.early || !res.headersSent) {
      if (!state.early) state.early = [];
      const early = state.early;
      early.push({ message, flushed });
      if (early.length > 1) return;
      const flush = () => {
        if (res.writableEnded || res.destroyed) {
          for (const e of early.splice(0)) e.flushed();
          state.early = undefined;
        } else if (!res.headersSent) setImmediate(flush);
        else {
          state.early = undefined;
          for (const e of early.splice(0)) res.write(e.message, () => e.flushed());
        }
      };
      setImmediate(flush);
      return;
    }
    res.write(message, () => flushed());
  }

  function endSse(res: ServerResponse, message: string, code: string) {
    if (res.writableEnded) return;
    const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
    res.write(`event: next\ndata: ${body}\n\nevent: complete\ndata:\n\n`);
    res.end();
    setTimeout(() => res.destroy(), 1_000).unref();
  }

  const streamRoute: RouteHandler = async (req, res) => {
    const requestId = requestIdOf(req);
    res.setHeader('x-request-id', requestId);
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > setup.bodyLimitBytes) {
      sendGraphQLError(
        res,
        413,
        'PAYLOAD_TOO_LARGE',
        `the request body exceeds ${setup.bodyLimitBytes} bytes`,
      );
      return;
    }
    const authorization = req.headers.authorization;
    let principal: Principal | undefined;
    try {
      principal = await setup.authenticator.authenticate(authorization);
    } catch (err) {
      sendGraphQLError(
        res,
        401,
        'UNAUTHENTICATED',
        err instanceof DomainError ? err.message : 'the token is invalid',
        {
          'www-authenticate': 'Bearer error="invalid_token"',
        },
      );
      return;
    }
    if (!principal || !authorization) {
      sendGraphQLError(res, 401, 'UNAUTHENTICATED', 'subscriptions need a token', {
        'www-authenticate': 'Bearer',
      });
      return;
    }
    const tokenExpiresAt = tokenExpiry(authorization);
    sseRequests.set(req, {
      principal,
      authorization,
      ...(tokenExpiresAt !== undefined ? { tokenExpiresAt } : {}),
      requestId,
      res,
      handedBytes: 0,
      startBytes: req.socket.bytesWritten,
    });
    const cancel = atExpiry(tokenExpiresAt, () => endSse(res, 'the token has expired', 'UNAUTHENTICATED'));
    res.once('close', cancel);
    await sse(req, res);
  };

  const isStream = (req: IncomingMessage) =>
    /text\/event-stream/i.test(String(req.headers.accept ?? '')) ||
    req.headers['x-graphql-event-stream-token'] !== undefined;
  setup.http.route('/graphql', (req, res) =>
    isStream(req) ? streamRoute(req, res) : setup.queries(req, res),
  );

  return {
    schemaLoaded(loaded, supergraphSdl) {
      // A copy without resolvers: Apollo Server wraps the resolvers of the schema it was handed in place
      // (for its plugins), which would take over fields the subscription executor resolves itself.
      const apiSchema = buildASTSchema(parse(printSchema(loaded)));
      const executor = createSubscriptionExecutor({
        apiSchema,
        supergraphSdl,
        subgraphUrl: setup.subgraphUrl,
        upstream,
        federatedQuery,
        limits,
      });
      const feeds = createSharedFeeds({
        executor,
        apiSchema,
        federatedQuery,
        limits,
        format: (result) => formatResult(result) ?? result,
      });
      allFeeds.add(feeds);
      current = { apiSchema, executor, feeds, documents: new Map() };
    },
    async close() {
      for (const feeds of allFeeds) feeds.close();
      for (const client of wss.clients) client.terminate();
      await Promise.resolve(ws.dispose()).catch(() => undefined);
      await upstream.close();
    },
  };
}
