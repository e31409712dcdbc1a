/**
 * How a subgraph knows a request comes from the gateway: the gateway signs each subgraph call with a
 * secret the two share (HMAC-SHA-256 over a timestamp and the digest of the request body), and a subgraph
 * configured to answer only the gateway refuses anything else — `_service` included — so the gateway's
 * limits, rate limits and token checks cannot be bypassed by calling a subgraph's port. A signature is
 * good for a minute: a captured request can be replayed only within that window, and only by someone
 * already inside the network between the two.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { DumasConfig } from './config';
import { devSecret } from './dev-secret';

export const GATEWAY_SIGNATURE_HEADER = 'x-dumas-gateway';
/** The client's address, passed on by the gateway; believed only on a call the gateway signed. */
export const CLIENT_HEADER = 'x-dumas-client';
/** What the gateway signs when it opens the subscriptions WebSocket to a subgraph (there is no body). */
export const GATEWAY_WEBSOCKET_BODY = 'graphql-ws';
const WINDOW_MS = 60_000;

/** Where attachments are uploaded, at the gateway and at the correspondence subgraph behind it. */
export const UPLOADS_PATH = '/uploads';

/**
 * What the gateway signs for an upload it forwards (the body is streamed on, not read first): the
 * caller's Authorization header, so a captured signature goes with that token only, for a minute.
 */
export const uploadSignatureBody = (authorization: string | undefined) => `upload\n${authorization ?? ''}`;
const DEV_GATEWAY_SECRET_FILE = 'gateway.secret';

const mac = (secret: string, at: number, body: string | Buffer) =>
  createHmac('sha256', secret)
    .update(`${at}.`)
    .update(createHash('sha256').update(body).digest('hex'))
    .digest('hex');

/** The header value for a subgraph call with this body: `t=<ms>,s=<hex>`. */
export function signGatewayRequest(secret: string, body: string | Buffer, now = Date.now()): string {
  return `t=${now},s=${mac(secret, now, body)}`;
}

/** Whether `header` is the gateway's signature of `body`, made within the last minute. */
export function verifyGatewayRequest(
  secret: string,
  header: string | undefined,
  body: string | Buffer,
  now = Date.now(),
): boolean {
  const match = header ? /^t=(\d{1,15}),s=([0-9a-f]{64})$/.exec(header) : null;
  if (!match) return false;
  const at = Number(match[1]);
  if (Math.abs(now - at) > WINDOW_MS) return false;
  const expected = Buffer.from(mac(secret, at, body), 'hex');
  return timingSafeEqual(expected, Buffer.from(match[2]!, 'hex'));
}

/** What a subgraph needs to tell the gateway's calls from others, and whether it refuses the others. */
export interface GatewayTrust {
  readonly secret: string;
  /** Refuse every call the gateway did not sign (DUMAS_SUBGRAPH_GATEWAY_ONLY; on in production). */
  readonly only: boolean;
}

/** DUMAS_GATEWAY_SECRET, or outside production a development secret under the data directory. */
export function gatewaySecretOf(config: DumasConfig): string {
  return config.gatewaySecret ?? devSecret(config.dataDir, DEV_GATEWAY_SECRET_FILE);
}

export function gatewayTrustOf(config: DumasConfig): GatewayTrust {
  return { secret: gatewaySecretOf(config), only: config.subgraphGatewayOnly };
}
