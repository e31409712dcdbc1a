/**
 * The console's only way to the server: the public GraphQL API on the same origin. Documents are the
 * typed strings GraphQL Code Generator wrote from src/operations.graphql, so results and variables are
 * typed. Subscriptions go over Server-Sent Events with graphql-sse's client.
 */
import { createClient } from 'graphql-sse';
import type { TypedDocumentString } from './gql/graphql';

export interface ApiErrorShape {
  readonly message: string;
  readonly code: string;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

let token: string | null = null;
export const setToken = (value: string | null) => {
  token = value;
};

const ENDPOINT = '/graphql';

/**
 * Read-your-writes for this tab: the highest position the gateway said our writes reached, sent back on
 * every request so a page shown after a change (the case's SLA, its letters) includes that change.
 */
let written = 0;
const consistencyHeaders = (): Record<string, string> =>
  written > 0 ? { 'dumas-read-after': String(written) } : {};
const noteWritten = (res: Response) => {
  const position = Number(res.headers.get('dumas-position') ?? 0);
  if (Number.isSafeInteger(position) && position > written) written = position;
};

export async function gql<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables?: NoInfer<TVariables>,
): Promise<TResult> {
  const res = await fetch(ENDPOINT, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...consistencyHeaders(),
    },
    body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
  });
  noteWritten(res);
  const body = await answerOf<{ data?: TResult | null }>(res);
  if (!body.data) throw new ApiError(`HTTP ${res.status}`, 'NETWORK');
  return body.data;
}

/** A JSON answer of the server, or its first error (GraphQL's shape) as an ApiError. */
async function answerOf<T>(res: Response): Promise<T> {
  let body: T & { errors?: { message: string; extensions?: { code?: string } }[] };
  try {
    body = await res.json();
  } catch {
    throw new ApiError(`HTTP ${res.status}`, 'NETWORK');
  }
  const first = body.errors?.[0];
  if (first) throw new ApiError(first.message, first.extensions?.code ?? 'ERROR');
  return body;
}

/** Subscribes; returns the function that ends the subscription. */
export function subscribe<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  on: { next: (data: TResult) => void; status: (connected: boolean) => void },
): () => void {
  const client = createClient({
    url: ENDPOINT,
    headers: (): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {}),
    retryAttempts: 5,
    on: { connected: () => on.status(true) },
  });
  const stop = client.subscribe<TResult>(
    { query: document.toString(), variables: variables as Record<string, unknown> },
    {
      next: (value) => {
        on.status(true);
        if (value.data) on.next(value.data);
      },
      error: () => on.status(false),
      complete: () => on.status(false),
    },
  );
  return () => {
    stop();
    client.dispose();
  };
}

/**
 * Uploads a file as the body of `POST /uploads` (streamed by the browser, up to the attachment limit) and
 * answers its SHA-256, by which a letter or a reply then names it.
 */
export async function uploadFile(file: File): Promise<{ sha256: string; size: number }> {
  const res = await fetch('/uploads', {
    method: 'POST',
    headers: {
      'content-type': file.type || 'application/octet-stream',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: file,
  });
  const body = await answerOf<{ sha256?: string; size?: number }>(res);
  if (!res.ok || !body.sha256) throw new ApiError(`HTTP ${res.status}`, 'NETWORK');
  return { sha256: body.sha256, size: body.size ?? file.size };
}
