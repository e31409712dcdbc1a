/**
 * Upstream graphql-ws connections from the gateway to the subgraphs that own subscription fields.
 * One connection per (subgraph, caller token), shared by that caller's subscriptions and closed with
 * the last of them: the subgraph verifies the same token again and scopes the events by it. A shared
 * feed (feed.ts) subscribes here once for its whole class, with its lead member's token.
 */
import { type Client, createClient } from 'graphql-ws';
import { GATEWAY_WEBSOCKET_BODY, signGatewayRequest } from '../../services/shared/gateway-signature';
import { type FormattedExecutionResult, GraphQLError } from 'graphql';
import WebSocket from 'ws';
import { subscriptionUpstreamsOpen } from '../../services/shared/metrics';

/** The subgraph's graphql-ws URL: its HTTP GraphQL URL with a ws scheme. */
export function webSocketUrlOf(httpUrl: string): string {
  return httpUrl.replace(/^http(s?):/i, 'ws$1:');
}

/** An upstream failure as a GraphQL error the client may read (its code survives formatting). */
export function upstreamError(err: unknown): GraphQLError {
  if (Array.isArray(err) && err.length > 0) {
    const first = err[0] as { message?: string; extensions?: Record<string, unknown> };
    return new GraphQLError(first.message ?? 'the event source failed', {
      ...(first.extensions ? { extensions: first.extensions } : {}),
    });
  }
  if (err instanceof GraphQLError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'number') {
    // A CloseEvent from the subgraph. 4401/4403 are its refusal of the connection: the caller's token
    // (expired, or its focal point replaced); the gateway's own signature is always right. Read as what
    // it is, a refused token ends only that caller's subscriptions (feed.ts), not everyone's on the feed.
    if (code === 4401 || code === 4403) {
      return new GraphQLError('the event source no longer accepts the token', {
        extensions: { code: 'UNAUTHENTICATED', closeCode: code },
      });
    }
    // Any other: its reason is ours to show only for the codes we set.
    return new GraphQLError('the event source closed the subscription', {
      extensions: { code: 'SERVICE_UNAVAILABLE', closeCode: code },
    });
  }
  return new GraphQLError('the event source is unavailable', {
    extensions: { code: 'SERVICE_UNAVAILABLE' },
  });
}

interface Pooled {
  readonly client: Client;
  refs: number;
}

export class UpstreamPool {
  private readonly pool = new Map<string, Pooled>();

  constructor(
    private readonly options: { readonly keepAliveMs?: number; readonly gatewaySecret?: string } = {},
  ) {}

  /** Upstream results of one subscription; `return()` unsubscribes (and closes an unused connection). */
  subscribe(
    httpUrl: string,
    authorization: string | undefined,
    request: { readonly query: string; readonly variables: Record<string, unknown> },
  ): AsyncIterableIterator<FormattedExecutionResult<Record<string, unknown>, unknown>> {
    const key = `${httpUrl}\n${authorization ?? ''}`;
    let pooled = this.pool.get(key);
    if (!pooled) {
      const client = createClient({
        url: webSocketUrlOf(httpUrl),
        webSocketImpl: WebSocket,
        // Evaluated at each (re)connection, so the gateway's signature is always fresh.
        connectionParams: () => {
          const secret = this.options.gatewaySecret;
          return {
            ...(authorization ? { authorization } : {}),
            ...(secret ? { gateway: signGatewayRequest(secret, GATEWAY_WEBSOCKET_BODY) } : {}),
          };
        },
        lazy: true,
        lazyCloseTimeout: 0,
        retryAttempts: 0,
        keepAlive: this.options.keepAliveMs ?? 10_000,
      });
      pooled = { client, refs: 0 };
      this.pool.set(key, pooled);
    }
    const entry = pooled;
    entry.refs++;
    subscriptionUpstreamsOpen.inc({ service: 'gateway' });
    const inner = entry.client.iterate({ query: request.query, variables: request.variables });
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      subscriptionUpstreamsOpen.dec({ service: 'gateway' });
      entry.refs--;
      if (entry.refs === 0 && this.pool.get(key) === entry) {
        this.pool.delete(key);
        void entry.client.dispose();
      }
    };
    return {
      async next() {
        try {
          const step = await inner.next();
          if (step.done) release();
          return step;
        } catch (err) {
          release();
          throw upstreamError(err);
        }
      },
      async return() {
        try {
          await inner.return?.();
        } finally {
          release();
        }
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  async close(): Promise<void> {
    const all = [...this.pool.values()];
    this.pool.clear();
    await Promise.all(all.map((p) => p.client.dispose()));
  }
}
