/**
 * The upload path for attachments (issue 11, finding 10): the bytes go in the body of a plain
 * `POST /uploads`, streamed, never inside a GraphQL document. They are hashed and counted while they
 * arrive, refused with a 413 as soon as they pass the attachment limit (or at once when Content-Length
 * says so), and stored in the blob store under their SHA-256. The answer is `{ sha256, size }`; a letter
 * or a reply then names the attachment by that hash (`AttachmentInput.sha256`), and the mutation checks
 * the blob is there. The base64 field stays for small files and older clients.
 *
 * The same rules as the GraphQL route: a bearer token of a role that may attach (staff who draft letters,
 * an agency's focal point replying), and, where the subgraph answers only the gateway, the gateway's
 * signature — over the request's Authorization header, since the body is not read before forwarding.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticator, Principal } from '../shared/auth';
import type { BlobStore } from '../shared/blobs';
import { DomainError } from '../shared/errors';
import {
  GATEWAY_SIGNATURE_HEADER,
  type GatewayTrust,
  uploadSignatureBody,
  verifyGatewayRequest,
} from '../shared/gateway-signature';
import {
  PayloadTooLargeError,
  readBody,
  type RouteHandler,
  sendGraphQLError,
  sendJson,
} from '../shared/http/server';
import type { Logger } from '../shared/logger';

const UPLOADERS: ReadonlySet<Principal['role']> = new Set(['OFFICER', 'SUPERVISOR', 'AGENCY']);

export interface UploadRouteOptions {
  readonly blobs: BlobStore;
  readonly maxBytes: number;
  readonly authenticator: Authenticator;
  readonly gateway?: GatewayTrust;
  readonly logger: Logger;
}

/** Answers a refused upload and stops reading it: the connection is closed once the answer is out. */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string) {
  res.setHeader('connection', 'close');
  sendGraphQLError(res, status, code, message);
  req.resume();
}

export function uploadRoute(options: UploadRouteOptions): RouteHandler {
  const { maxBytes } = options;
  return async (req, res) => {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return void sendGraphQLError(res, 405, 'BAD_REQUEST', 'uploads are sent with POST');
    }
    const authorization = req.headers.authorization;
    if (options.gateway?.only) {
      const signature = req.headers[GATEWAY_SIGNATURE_HEADER];
      const signed = verifyGatewayRequest(
        options.gateway.secret,
        typeof signature === 'string' ? signature : undefined,
        uploadSignatureBody(authorization),
      );
      if (!signed) return refuse(req, res, 403, 'FORBIDDEN', 'this service answers only the gateway');
    }
    let principal: Principal | undefined;
    try {
      principal = await options.authenticator.authenticate(authorization);
    } catch (err) {
      if (err instanceof DomainError && err.code === 'UNAUTHENTICATED')
        return refuse(req, res, 401, 'UNAUTHENTICATED', err.message);
      throw err;
    }
    if (!principal) return refuse(req, res, 401, 'UNAUTHENTICATED', 'an upload needs a bearer token');
    if (!UPLOADERS.has(principal.role))
      return refuse(req, res, 403, 'FORBIDDEN', 'this role does not attach documents');
    // Counted and hashed as it arrives; refused by Content-Length or as soon as it passes the limit.
    const hash = createHash('sha256');
    let bytes: Buffer;
    try {
      bytes = await readBody(req, maxBytes, (chunk) => hash.update(chunk));
    } catch (err) {
      if (err instanceof PayloadTooLargeError)
        return refuse(req, res, 413, 'PAYLOAD_TOO_LARGE', `an attachment may hold at most ${maxBytes} bytes`);
      options.logger.warn({ err: { name: (err as Error)?.name } }, 'an upload broke off');
      return refuse(req, res, 400, 'BAD_REQUEST', 'the upload broke off');
    }
    if (bytes.length === 0) return refuse(req, res, 400, 'BAD_USER_INPUT', 'the upload is empty');
    const stored = await options.blobs.put(bytes);
    // put computes the hash again from the same bytes: a mismatch would be a fault here, not the client's.
    if (stored.sha256 !== hash.digest('hex')) throw new Error('the blob store hashed the upload differently');
    sendJson(res, 201, { sha256: stored.sha256, size: stored.size });
  };
}
