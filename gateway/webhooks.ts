/**
 * Webhooks of the intake channels on the gateway's host: the request is handed, raw body and signature
 * header untouched, to the subgraph that takes it in (the complaint subgraph), and its answer handed back.
 * The signature is checked there, over the very bytes the platform signed.
 */
import { PayloadTooLargeError, readBody, type RouteHandler, sendJson } from '../services/shared/http/server';
import type { Logger } from '../services/shared/logger';
import { pickHeaders, relay } from './relay';

const MAX_BODY_BYTES = 1024 * 1024;
/** The only request headers passed on: what the receiving route reads. */
const PASSED_HEADERS = ['content-type', 'x-hub-signature-256'] as const;

export function webhookRoute(
  path: string,
  subgraphUrl: () => string | undefined,
  logger: Logger,
): RouteHandler {
  return async (req, res) => {
    const base = subgraphUrl();
    if (!base) return void sendJson(res, 404, { error: 'not found' });
    if (req.method !== 'GET' && req.method !== 'POST')
      return void sendJson(res, 405, { error: 'method not allowed' });
    let body: Buffer | undefined;
    try {
      body = req.method === 'POST' ? await readBody(req, MAX_BODY_BYTES) : undefined;
    } catch (err) {
      if (err instanceof PayloadTooLargeError) return void sendJson(res, 413, { error: 'payload too large' });
      throw err;
    }
    const target = new URL(base);
    target.pathname = path;
    target.search = new URL(req.url ?? '/', 'http://gateway').search;
    const failed = await relay(res, target, {
      method: req.method,
      headers: pickHeaders(req, PASSED_HEADERS),
      ...(body ? { body } : {}),
      timeoutMs: 60_000,
    });
    if (failed) {
      logger.warn(
        { path, err: { name: (failed.error as Error)?.name } },
        'webhook could not reach its subgraph',
      );
      sendJson(res, 502, { error: 'upstream unavailable' });
    }
  };
}
