/**
 * Passing a plain HTTP request on to a subgraph's own route and its answer back: the channels' webhooks
 * and attachment uploads, which are not GraphQL and do not go through the query planner.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Dispatcher, request } from 'undici';

/** The request's single-valued headers among `names`: only what the receiving route reads is passed on. */
export function pickHeaders(req: IncomingMessage, names: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of names) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}

export interface Relayed {
  readonly method: string;
  readonly headers: Record<string, string>;
  /** A body read already, or the request itself streamed on. */
  readonly body?: Buffer | IncomingMessage;
  readonly dispatcher?: Dispatcher;
  readonly timeoutMs: number;
}

/** A subgraph that could not be reached or broke off before its answer; nothing was answered yet. */
export interface RelayFailure {
  readonly error: unknown;
}

/**
 * Sends the request to `target` and the subgraph's answer (status, content type, body) back. Resolves
 * a RelayFailure, having answered nothing, when the subgraph could not be reached: the caller answers
 * that in its own terms.
 */
export async function relay(
  res: ServerResponse,
  target: URL,
  sent: Relayed,
): Promise<RelayFailure | undefined> {
  try {
    const answer = await request(target, {
      method: sent.method as Dispatcher.HttpMethod,
      headers: sent.headers,
      ...(sent.body ? { body: sent.body } : {}),
      ...(sent.dispatcher ? { dispatcher: sent.dispatcher } : {}),
      headersTimeout: sent.timeoutMs,
      bodyTimeout: sent.timeoutMs,
    });
    const bytes = Buffer.from(await answer.body.arrayBuffer());
    const type = answer.headers['content-type'];
    res.writeHead(answer.statusCode, typeof type === 'string' ? { 'content-type': type } : {});
    res.end(bytes);
    return undefined;
  } catch (error) {
    if (!res.headersSent) return { error };
    res.destroy();
    return undefined;
  }
}
