/**
 * A small node:http front for Apollo Server, shared by the subgraphs and the gateway.
 *
 * Why not Apollo's standalone server: we need the body-size limit, batch limit, request id and token
 * check before Apollo parses anything, and we own the http.Server so WebSocket/SSE subscription
 * handlers can be attached to it later (`httpServer.on('upgrade', ...)` or an extra route).
 */
import {
  CLIENT_HEADER,
  GATEWAY_SIGNATURE_HEADER,
  type GatewayTrust,
  verifyGatewayRequest,
} from '../gateway-signature';
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ApolloServer, type BaseContext, HeaderMap } from '@apollo/server';
import type { Logger } from 'pino';
import type { Authenticator, Principal } from '../auth';
import {
  currentConsistency,
  POSITION_HEADER,
  parseReadAfter,
  READ_AFTER_HEADER,
  withConsistency,
} from '../consistency';
import { DomainError } from '../errors';
import { httpResponses, rateLimitRefusals } from '../metrics';
import { bindToCurrentContext, extractContext, inSpan, SpanKind } from '../tracing';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** What every request carries into resolvers, at the gateway and in each subgraph. */
export interface RequestContext extends BaseContext {
  readonly principal?: Principal;
  /** Correlates the gateway's and the subgraphs' log lines for one client request. */
  readonly requestId: string;
  readonly logger: Logger;
  readonly clientIp: string;
  /** The raw header, forwarded by the gateway to subgraphs (they verify it again). */
  readonly authorization?: string;
  /**
   * At a subgraph: the call carries the gateway's signature, so the gateway's limits and rate limits
   * were already applied to it (services/shared/gateway-signature.ts).
   */
  readonly viaGateway?: boolean;
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

/** The client's address the gateway passed on (x-dumas-client), when it is plausibly one. */
function gatewayClientOf(req: IncomingMessage): string | undefined {
  const value = req.headers[CLIENT_HEADER];
  return typeof value === 'string' && /^[0-9A-Fa-f:.]{2,45}$/.test(value) ? value : undefined;
}

/** A client- or gateway-supplied `x-request-id` when it is well-formed, otherwise a new one. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
}

/** The caller's address; X-Forwarded-For is only believed behind a proxy we were told about. */
export function clientIpOf(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(payload);
}

/** A GraphQL-shaped error body, so clients read refusals made before Apollo the same way. */
export function sendGraphQLError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
  extra: Record<string, unknown> = {},
) {
  sendJson(res, status, { errors: [{ message, extensions: { code, ...extra } }] }, headers);
}

export class PayloadTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the request body exceeds ${limit} bytes`);
  }
}

/**
 * Reads the whole body, refusing early (by Content-Length) or as soon as the limit is crossed. `onChunk`
 * sees each chunk as it arrives (an upload is hashed while it streams).
 */
export function readBody(
  req: IncomingMessage,
  limit: number,
  onChunk?: (chunk: Buffer) => void,
): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new PayloadTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        chunks.length = 0;
        req.resume();
        reject(new PayloadTooLargeError(limit));
        return;
      }
      onChunk?.(chunk);
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      if (done) return;
      done = true;
      reject(err);
    });
  });
}

export interface GraphQLHandlerOptions<Ctx extends RequestContext> {
  readonly apollo: ApolloServer<Ctx>;
  readonly logger: Logger;
  readonly authenticator: Authenticator;
  /** Largest accepted request body in bytes. */
  readonly bodyLimitBytes: number;
  /** Largest accepted batch (array body); 0 leaves batches to Apollo (refused unless enabled there). */
  readonly maxBatch?: number;
  readonly trustProxy?: boolean;
  /** Adds what a service needs (stores, loaders) to the base context of a request. */
  readonly buildContext?: (base: RequestContext) => Ctx | Promise<Ctx>;
  /** The `service` label of this route's metrics. */
  readonly service?: string;
  /** At a subgraph: how to recognise the gateway's calls, and whether to refuse all others. */
  readonly gateway?: GatewayTrust;
}

/** The /graphql route: limits, request id and token first, then Apollo. */
export function graphqlHandler<Ctx extends RequestContext>(
  options: GraphQLHandlerOptions<Ctx>,
): RouteHandler {
  const { apollo, logger, authenticator, bodyLimitBytes } = options;
  const maxBatch = options.maxBatch ?? 0;
  const trustProxy = options.trustProxy ?? false;
  const buildContext = options.buildContext ?? ((base: RequestContext) => base as Ctx);
  const service = options.service ?? String(logger.bindings().service ?? 'unknown');

  return (req, res) =>
    // A server span continuing the caller's trace (W3C traceparent), if it sent one.
    inSpan(
      'graphql',
      {
        kind: SpanKind.SERVER,
        parent: extractContext(req.headers),
        attributes: { 'dumas.service': service },
      },
      () => consistent(req, res),
    );

  /** The request's read-after token checked first: a malformed one is the client's mistake (400). */
  async function consistent(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let readAfter: number;
    try {
      readAfter = parseReadAfter(req.headers[READ_AFTER_HEADER]);
    } catch (err) {
      res.setHeader('x-request-id', requestIdOf(req));
      sendGraphQLError(res, 400, 'BAD_USER_INPUT', (err as Error).message);
      return;
    }
    await withConsistency(readAfter, () => handle(req, res));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(req);
    res.setHeader('x-request-id', requestId);
    const log = logger.child({ requestId });
    res.once(
      'finish',
      bindToCurrentContext(() => {
        httpResponses.inc({ service, status: `${Math.floor(res.statusCode / 100)}xx` });
        log.info(
          {
            method: req.method,
            path: (req.url ?? '').split('?')[0],
            status: res.statusCode,
            ms: Number(process.hrtime.bigint() - started) / 1e6,
          },
          'request',
        );
      }),
    );

    try {
      const method = (req.method ?? 'GET').toUpperCase();
      let body: unknown;
      let raw: Buffer = Buffer.alloc(0);
      if (method === 'POST') {
        raw = await readBody(req, bodyLimitBytes);
        const contentType = String(req.headers['content-type'] ?? '');
        if (/^application\/(graphql-response\+)?json/i.test(contentType)) {
          try {
            body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
          } catch {
            sendGraphQLError(res, 400, 'BAD_REQUEST', 'the request body is not valid JSON');
            return;
          }
        } else {
          body = raw.toString('utf8');
        }
        if (Array.isArray(body) && maxBatch > 0 && body.length > maxBatch) {
          rateLimitRefusals.inc({ service, limit: 'BATCH_TOO_LARGE' });
          sendGraphQLError(
            res,
            400,
            'BATCH_TOO_LARGE',
            `a batch may hold at most ${maxBatch} operations`,
            {},
            {
              limit: maxBatch,
            },
          );
          return;
        }
      }

      const gateway = options.gateway;
      const signature = req.headers[GATEWAY_SIGNATURE_HEADER];
      const viaGateway =
        gateway !== undefined &&
        verifyGatewayRequest(
          gateway.secret,
          typeof signature === 'string' ? signature : undefined,
          method === 'POST' ? raw : (req.url ?? ''),
        );
      if (gateway?.only && !viaGateway) {
        rateLimitRefusals.inc({ service, limit: 'NOT_THE_GATEWAY' });
        sendGraphQLError(res, 403, 'FORBIDDEN', 'this service answers only the gateway');
        return;
      }

      const authorization = req.headers.authorization;
      let principal: Principal | undefined;
      try {
        principal = await authenticator.authenticate(authorization);
      } catch (err) {
        if (err instanceof DomainError && err.code === 'UNAUTHENTICATED') {
          sendGraphQLError(res, 401, 'UNAUTHENTICATED', err.message, {
            'www-authenticate': 'Bearer error="invalid_token"',
          });
          return;
        }
        throw err;
      }

      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
      }
      const url = req.url ?? '';
      const q = url.indexOf('?');
      const base: RequestContext = {
        requestId,
        logger: log,
        clientIp: (viaGateway && gatewayClientOf(req)) || clientIpOf(req, trustProxy),
        ...(principal ? { principal } : {}),
        ...(authorization ? { authorization } : {}),
        ...(viaGateway ? { viaGateway } : {}),
      };
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method, headers, search: q >= 0 ? url.slice(q) : '', body },
        context: async () => buildContext(base),
      });
      for (const [key, value] of response.headers) res.setHeader(key, value);
      // What this request wrote, as a token the caller may send back to read its own writes.
      const written = currentConsistency()?.written ?? 0;
      if (written > 0) res.setHeader(POSITION_HEADER, String(written));
      res.statusCode = response.status ?? 200;
      if (response.body.kind === 'complete') {
        res.end(response.body.string);
        return;
      }
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    } catch (err) {
      if (err instanceof PayloadTooLargeError) {
        rateLimitRefusals.inc({ service, limit: 'PAYLOAD_TOO_LARGE' });
        sendGraphQLError(
          res,
          413,
          'PAYLOAD_TOO_LARGE',
          err.message,
          { connection: 'close' },
          { limit: err.limit },
        );
        return;
      }
      log.error({ err }, 'request failed');
      if (!res.headersSent)
        sendGraphQLError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error', {}, { requestId });
      else res.destroy();
    }
  }
}

export interface HttpServerHandle {
  readonly server: http.Server;
  /** Adds or replaces a route (exact path match, query string ignored): the seam for SSE and others. */
  route(path: string, handler: RouteHandler): void;
  listen(port: number, host?: string): Promise<{ port: number; url: string }>;
  close(): Promise<void>;
}

/** An http.Server dispatching on exact paths; unknown paths get a JSON 404. */
export function createHttpServer(
  logger: Logger,
  routes: Record<string, RouteHandler> = {},
): HttpServerHandle {
  const table = new Map(Object.entries(routes));
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q >= 0 ? url.slice(0, q) : url;
    const handler = table.get(path);
    if (!handler) {
      sendJson(res, 404, { error: 'not found' });
      return;
    }
    Promise.resolve(handler(req, res)).catch((err) => {
      logger.error({ err, path }, 'route failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal server error' });
      else res.destroy();
    });
  });
  // Keep-alive longer than typical client/proxy idle timeouts so pooled gateway connections are reused.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return {
    server,
    route(path, handler) {
      table.set(path, handler);
    },
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const shownHost = host && host !== '0.0.0.0' && host !== '::' ? host : 'localhost';
          resolve({ port: address.port, url: `http://${shownHost}:${address.port}` });
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        if (!server.listening) {
          resolve();
          return;
        }
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
  };
}
