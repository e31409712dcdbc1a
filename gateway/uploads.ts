/**
 * Attachment uploads on the gateway's host: `POST /uploads` is streamed on to the correspondence
 * subgraph, which authenticates it, counts and hashes the bytes as they come and stores them (see
 * services/correspondence/uploads.ts). The gateway reads nothing of the body: it refuses early only what
 * the caller declares too large or sends without a token, and signs the call as it signs every other.
 */
import type { Dispatcher } from 'undici';
import {
  GATEWAY_SIGNATURE_HEADER,
  signGatewayRequest,
  UPLOADS_PATH,
  uploadSignatureBody,
} from '../services/shared/gateway-signature';
import { type RouteHandler, sendGraphQLError } from '../services/shared/http/server';
import type { Logger } from '../services/shared/logger';
import { pickHeaders, relay } from './relay';

/** The request headers passed on: what the receiving route reads. */
const PASSED_HEADERS = ['authorization', 'content-type', 'content-length', 'x-request-id'] as const;

export interface UploadForwarding {
  readonly subgraphUrl: () => string | undefined;
  readonly agent: Dispatcher;
  /** The attachment limit, checked here too against Content-Length so an oversized upload costs no hop. */
  readonly maxBytes: number;
  readonly gatewaySecret?: string;
  readonly logger: Logger;
}

export function uploadForwardRoute(options: UploadForwarding): RouteHandler {
  return async (req, res) => {
    const base = options.subgraphUrl();
    if (!base) return void sendGraphQLError(res, 404, 'NOT_FOUND', 'uploads are not served here');
    const refuse = (status: number, code: string, message: string) => {
      res.setHeader('connection', 'close');
      sendGraphQLError(res, status, code, message);
      req.resume();
    };
    if (req.method !== 'POST') return refuse(405, 'BAD_REQUEST', 'uploads are sent with POST');
    const authorization = req.headers.authorization;
    if (!authorization) return refuse(401, 'UNAUTHENTICATED', 'an upload needs a bearer token');
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > options.maxBytes)
      return refuse(413, 'PAYLOAD_TOO_LARGE', `an attachment may hold at most ${options.maxBytes} bytes`);
    const target = new URL(base);
    target.pathname = UPLOADS_PATH;
    target.search = '';
    const headers = pickHeaders(req, PASSED_HEADERS);
    if (options.gatewaySecret)
      headers[GATEWAY_SIGNATURE_HEADER] = signGatewayRequest(
        options.gatewaySecret,
        uploadSignatureBody(authorization),
      );
    const failed = await relay(res, target, {
      method: 'POST',
      headers,
      body: req,
      dispatcher: options.agent,
      timeoutMs: 120_000,
    });
    if (failed) {
      options.logger.warn(
        { err: { name: (failed.error as Error)?.name } },
        'an upload could not reach its subgraph',
      );
      // The subgraph may have answered (a 413) and closed while the body was still streaming.
      refuse(502, 'BAD_GATEWAY', 'the upload could not be completed; try again');
    }
  };
}
