/**
 * Subscriptions through a real gateway: the in-process federation (test/support/federation.ts) plus
 * gateways of our own over the same subgraphs, so a test can choose the buffer limits or restart one.
 */
import { createClient as createSseClient } from 'graphql-sse';
import { type Client, createClient } from 'graphql-ws';
import type { Gauge } from 'prom-client';
import WebSocket from 'ws';
import { createGateway, type Gateway, type GatewayOptions } from '../../gateway/server';
import { createAuthenticator } from '../../services/shared/auth';
import { composeSupergraph } from '../../services/shared/graphql/supergraph';
import { createLogger } from '../../services/shared/logger';
import { subgraphEntry } from '../../services/subgraphs';
import { FEDERATION_TEST_SECRET, type Federation } from '../support/federation';

export async function startSubscriptionGateway(
  fed: Federation,
  subscriptions: GatewayOptions['subscriptions'] = {},
): Promise<{ gateway: Gateway; httpUrl: string; wsUrl: string }> {
  const definitions = [];
  for (const [name, url] of Object.entries(fed.subgraphUrls)) {
    definitions.push({ name, url, sdl: await subgraphEntry(name).load().sdl() });
  }
  const gateway = createGateway({
    supergraphSdl: composeSupergraph(definitions),
    authenticator: createAuthenticator({ secret: FEDERATION_TEST_SECRET }),
    logger: createLogger({ name: 'test', level: 'silent' }),
    limits: { publicMutationsPerMinute: 10_000 },
    subscriptions,
  });
  const { url } = await gateway.listen(0, '127.0.0.1');
  return { gateway, httpUrl: `${url}/graphql`, wsUrl: `${url.replace('http', 'ws')}/graphql` };
}

export interface Received {
  // biome-ignore lint/suspicious/noExplicitAny: payloads are inspected field by field
  readonly events: any[];
  readonly errors: unknown[];
  closed?: { code: number; reason: string };
  completed: boolean;
  /** Resolves once `count` events have arrived (rejects after the timeout). */
  // biome-ignore lint/suspicious/noExplicitAny: payloads are inspected field by field
  until(predicate: (events: any[]) => boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function receiver(): Received & { notify(): void } {
  const waiters = new Set<() => void>();
  const r: Received & { notify(): void } = {
    events: [],
    errors: [],
    completed: false,
    notify() {
      for (const w of waiters) w();
    },
    until(predicate, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (predicate(r.events)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          } else if (r.completed || r.closed) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(
              new Error(
                `subscription ended after ${r.events.length} events: ${JSON.stringify({ errors: r.errors, closed: r.closed })}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out with ${r.events.length} events; errors ${JSON.stringify(r.errors)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async stop() {},
  };
  return r;
}

/** A graphql-ws subscription; events are `data.caseEvents`. */
export function subscribeWs(
  wsUrl: string,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): Received {
  const r = receiver();
  const client: Client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: true,
    on: {
      closed: (event) => {
        const e = event as { code: number; reason: string };
        r.closed = { code: e.code, reason: String(e.reason) };
        r.notify();
      },
    },
  });
  const dispose = client.subscribe(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) r.errors.push(...result.errors);
        const event = (result.data as { caseEvents?: unknown } | null | undefined)?.caseEvents;
        if (event) r.events.push(event);
        r.notify();
      },
      error: (err) => {
        r.errors.push(err);
        r.completed = true;
        r.notify();
      },
      complete: () => {
        r.completed = true;
        r.notify();
      },
    },
  );
  r.stop = async () => {
    dispose();
    await client.dispose();
  };
  return r;
}

/** A GraphQL-over-SSE subscription (graphql-sse, distinct connections). */
export function subscribeSse(
  httpUrl: string,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): Received {
  const r = receiver();
  const client = createSseClient({
    url: httpUrl,
    headers: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  const dispose = client.subscribe(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) r.errors.push(...result.errors);
        const event = (result.data as { caseEvents?: unknown } | null | undefined)?.caseEvents;
        if (event) r.events.push(event);
        r.notify();
      },
      error: (err) => {
        r.errors.push(err);
        r.completed = true;
        r.notify();
      },
      complete: () => {
        r.completed = true;
        r.notify();
      },
    },
  );
  r.stop = async () => {
    dispose();
    client.dispose();
  };
  return r;
}

/**
 * A graphql-ws client on a bare socket that can stop reading (`pause`): the kernel's buffers fill, then
 * the gateway's. Resolves once subscribed.
 */
export async function subscribeSlowWs(
  wsUrl: string,
  token: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<{
  readonly closed: Promise<{ code: number; reason: string }>;
  received(): number;
  pause(): void;
  resume(): void;
  terminate(): void;
}> {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  let received = 0;
  await new Promise<void>((resolve) => {
    socket.on('open', () =>
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
    );
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw));
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
        resolve();
      }
      if (message.type === 'next') received++;
    });
  });
  const raw = (socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  return {
    closed,
    received: () => received,
    pause: () => raw.pause(),
    resume: () => raw.resume(),
    terminate: () => socket.terminate(),
  };
}

/** The gateway's value of a gauge of ours (the gateway runs in the test's process). */
export const gatewayGauge = async (metric: Gauge) =>
  (await metric.get()).values.find((v) => v.labels.service === 'gateway')?.value ?? 0;

/** Waits until `read` gives `value` (the gateway opens and closes upstreams asynchronously). */
export async function settles(read: () => Promise<number>, value: number, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while ((await read()) !== value && Date.now() < until) await sleep(25);
  expect(await read()).toBe(value);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Files, verifies and forwards a complaint as an officer; returns its id. */
export async function forwardedComplaint(
  fed: Federation,
  officer: string,
  agencyIds: readonly string[],
  description = 'Jalan desa rusak sejak dua tahun dan belum diperbaiki.',
): Promise<string> {
  const filed = await fed.gql(
    `mutation F($input: FileComplaintInput!) { fileComplaint(input: $input) { complaint { id } } }`,
    {
      input: {
        channel: 'LETTER',
        channelReference: 'B-77/DIY/2026',
        subject: 'Jalan rusak',
        description,
        category: 'infrastructure',
        region: 'Kabupaten Bantul',
        complainant: { name: 'Siti Rahayu', nik: '3402015507900001' },
      },
    },
    officer,
  );
  if (filed.errors) throw new Error(JSON.stringify(filed.errors));
  const id = filed.data.fileComplaint.complaint.id as string;
  const verified = await fed.gql(`mutation V($id: ID!) { verifyComplaint(id: $id) { id } }`, { id }, officer);
  if (verified.errors) throw new Error(JSON.stringify(verified.errors));
  if (agencyIds.length > 0) {
    const forwarded = await fed.gql(
      `mutation W($id: ID!, $agencyIds: [ID!]!) { forwardComplaint(id: $id, agencyIds: $agencyIds) { id } }`,
      { id, agencyIds },
      officer,
    );
    if (forwarded.errors) throw new Error(JSON.stringify(forwarded.errors));
  }
  return id;
}

/** Appends `count` events of the case in one transaction (a burst), in a stream of their own. */
export async function appendBurst(
  fed: Federation,
  caseId: string,
  count: number,
  tag: string,
): Promise<number> {
  const result = await fed.store.append(
    `test-burst-${tag}`,
    Array.from({ length: count }, (_, i) => ({
      type: 'CaseNoteIndexed',
      data: { sequence: i },
      metadata: { occurredAt: new Date().toISOString(), caseId },
    })),
  );
  return result.position;
}
