/**
 * `npm run bench:subscriptions` — delivery latency of Subscription.caseEvents through the gateway, from
 * the append to the event store to receipt by the client, for many concurrent subscribers under a steady
 * event rate; and the gateway's memory (RSS, heap) idle, with every subscriber connected, and at the end.
 *
 * The three subgraphs run in this process over one SQLite store (test/support/federation.ts); the
 * gateway runs in a child process of its own (so its memory is its own), over the composed supergraph;
 * the subscribers are separate WebSocket connections from this process: half officers, half focal
 * points of five agencies, all following one case forwarded to those agencies, each selecting
 * `position type summary complaint { id trackingNumber status }` (the complaint resolved by the gateway).
 * Env: BENCH_SUBSCRIBERS (default 1000), BENCH_RATE events/s (default 5), BENCH_SECONDS (default 20),
 * BENCH_CPU_PROF=<dir> (the gateway's CPU profile).
 *
 * Events start once every subscriber is live on its class's feed (dumas_subscription_feed_members), not
 * after a fixed wait. Session 7, 10,000 subscribers, this 2-core machine (gateway, subgraphs and the
 * 10,000 clients share it):
 * - before: the fixed wait ended with focal points still catching up, one upstream each (their cursor was
 *   behind the head by a forwarding's letters, which they may not see), until the case's first event:
 *   5 events/s p50 2.9 s, p99 6.3 s; 1 event/s p50 310 ms, p90 2.4 s, p99 3.3 s; gateway RSS with
 *   everyone subscribed 627-637 MB;
 * - after (a class's feed starts at a near cursor, feed.ts NEAR_HEAD_POSITIONS): all live 0.4-0.6 s after
 *   the last connection; 1 event/s p50 207-223 ms, p99 469-498 ms; 5 events/s p50 2.0 s, p99 3.9 s with
 *   the gateway (87% of a core) and the clients' process (91%) both saturated; gateway RSS 501-523 MB.
 *   What a delivery costs now is mostly its write: one writev per connection per turn (12% of the
 *   gateway's profile), about 38 µs of gateway CPU per delivery at 1 event/s, 20 µs at 5 (batched).
 */
import { subgraphEntry } from '../../services/subgraphs';
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createGateway } from '../../gateway/server';
import { createAuthenticator } from '../../services/shared/auth';
import { composeSupergraph } from '../../services/shared/graphql/supergraph';
import { createLogger } from '../../services/shared/logger';
import { subscriptionFeedMembers } from '../../services/shared/metrics';
import { FEDERATION_TEST_SECRET, startFederation } from '../support/federation';
import { forwardedComplaint } from '../subscriptions/support';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
const RATE = Number(process.env.BENCH_RATE ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONNECT_WAVE = 250;
const AGENCIES = [
  'inspektorat-bantul',
  'inspektorat-sleman',
  'inspektorat-gunungkidul',
  'inspektorat-kulon-progo',
  'inspektorat-diy',
];

interface MemoryReport {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

/** The child: our gateway over the supergraph file, answering `memory` over IPC. */
async function gatewayChild(supergraphPath: string) {
  const gateway = createGateway({
    supergraphPath,
    authenticator: createAuthenticator({ secret: FEDERATION_TEST_SECRET }),
    logger: createLogger({ name: 'gateway', level: 'silent' }),
    production: true,
  });
  const { url } = await gateway.listen(0, '127.0.0.1');
  process.on('message', (message) => {
    if (message === 'memory') {
      global.gc?.();
      const m = process.memoryUsage();
      process.send?.({
        memory: { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external },
      });
    }
    if (message === 'members')
      void subscriptionFeedMembers.get().then((m) => process.send?.({ members: m.values[0]?.value ?? 0 }));
    if (message === 'stop') void gateway.close().then(() => process.exit(0));
  });
  process.send?.({ url });
}

/** Subscribers live on their shared feeds in the gateway (dumas_subscription_feed_members). */
function members(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const on = (message: { members?: number }) => {
      if (message.members !== undefined) {
        child.off('message', on);
        resolve(message.members);
      }
    };
    child.on('message', on);
    child.send('members');
  });
}

function ask(child: ChildProcess): Promise<MemoryReport> {
  return new Promise((resolve) => {
    const on = (message: { memory?: MemoryReport }) => {
      if (message.memory) {
        child.off('message', on);
        resolve(message.memory);
      }
    };
    child.on('message', on);
    child.send('memory');
  });
}

/** CPU seconds × 1000 of a process, from /proc (utime + stime, in clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const quantile = (sorted: readonly number[], q: number) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** The gateway's process, ended with the bench whatever happens. */
let child: ChildProcess | undefined;

async function main() {
  const fed = await startFederation({ agencies: AGENCIES });
  const definitions = [];
  for (const [name, url] of Object.entries(fed.subgraphUrls)) {
    const schema = { buildSchemaSdl: () => subgraphEntry(name).load().sdl() };
    definitions.push({ name, url, sdl: await schema.buildSchemaSdl() });
  }
  const supergraphPath = path.join(fed.dataDir, 'supergraph.graphql');
  writeFileSync(supergraphPath, composeSupergraph(definitions));
  const gateway = fork(__filename, ['--gateway-child', supergraphPath], {
    // BENCH_CPU_PROF=<dir>: the gateway's CPU profile, written there when it stops.
    execArgv: [
      '--expose-gc',
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
      '-r',
      '@swc-node/register',
    ],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  child = gateway;
  const gatewayUrl = await new Promise<string>((resolve, reject) => {
    gateway.once('message', (m: { url?: string }) => (m.url ? resolve(m.url) : reject(new Error('no url'))));
    gateway.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
  });
  const wsUrl = `${gatewayUrl.replace('http', 'ws')}/graphql`;

  const officer = await fed.token({ role: 'OFFICER' });
  const agencyTokens = await Promise.all(AGENCIES.map((agencyId) => fed.token({ role: 'AGENCY', agencyId })));
  const caseId = await forwardedComplaint(fed, officer, AGENCIES);
  const after = String(await fed.store.headPosition());
  const idle = await ask(gateway);

  const appendedAt = new Map<number, number>();
  const latencies: number[] = [];
  let received = 0;
  let others = 0;
  let errors = 0;
  const clients: Client[] = [];
  let connected = 0;
  const query = `subscription S($after: String) { caseEvents(after: $after) { position type summary complaint { id trackingNumber status } } }`;
  let refused = 0;
  /** Opens one subscriber; resolves once it is connected or has failed to. */
  const open = (i: number) =>
    new Promise<void>((resolve) => {
      const token = i % 2 === 0 ? officer : agencyTokens[(i >> 1) % agencyTokens.length]!;
      let settled = false;
      const settle = (ok: boolean) => {
        if (settled) return;
        settled = true;
        if (ok) connected++;
        else refused++;
        resolve();
      };
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        retryAttempts: 0,
        on: { connected: () => settle(true), closed: () => settle(false), error: () => settle(false) },
      });
      clients.push(client);
      client.subscribe(
        { query, variables: { after } },
        {
          next: (result) => {
            if (result.errors) {
              errors++;
              return;
            }
            const event = (result.data as { caseEvents: { position: string } }).caseEvents;
            const at = appendedAt.get(Number(event.position));
            if (at === undefined) {
              // Not one of the bench's events: what the flows appended after the case was forwarded (its
              // letters), which officers may see and are rightly sent.
              others++;
              return;
            }
            latencies.push(performance.now() - at);
            received++;
          },
          error: () => {
            errors++;
          },
          complete: () => undefined,
        },
      );
    });
  // In waves: ten thousand connections at once overflow the listen backlog and are refused.
  const connectStarted = performance.now();
  for (let i = 0; i < SUBSCRIBERS; i += CONNECT_WAVE) {
    await Promise.all(Array.from({ length: Math.min(CONNECT_WAVE, SUBSCRIBERS - i) }, (_, k) => open(i + k)));
  }
  const joinStarted0 = performance.now();
  // Every subscription joins its feed (each is verified by the subgraph with its own token) before the
  // first event: a fixed wait (it was 2 s + 0.5 ms a subscriber) ended while thousands were still joining,
  // and the events then measured the joins' work, not delivery.
  const connectSeconds = (joinStarted0 - connectStarted) / 1000;
  const joinStarted = performance.now();
  let live = 0;
  while (performance.now() - joinStarted < 300_000) {
    live = await members(gateway);
    if (live >= connected) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const joinSeconds = (performance.now() - joinStarted) / 1000;
  await new Promise((r) => setTimeout(r, 1_000));
  const subscribed = await ask(gateway);

  const total = RATE * SECONDS;
  const cpuBefore = { gateway: cpuMs(gateway.pid!), here: process.cpuUsage() };
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const t0 = performance.now();
    const { position } = await fed.store.append(`bench-case-notes`, [
      {
        type: 'CaseNoteIndexed',
        data: { sequence: i },
        metadata: { occurredAt: new Date().toISOString(), caseId },
      },
    ]);
    appendedAt.set(position, t0);
  }
  const expected = total * connected;
  const deadline = performance.now() + 60_000;
  while (received < expected && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const elapsed = (performance.now() - started) / 1000;
  const gatewayCpu = (cpuMs(gateway.pid!) - cpuBefore.gateway) / 1000;
  const here = process.cpuUsage(cpuBefore.here);
  const hereCpu = (here.user + here.system) / 1e6;
  const end = await ask(gateway);

  latencies.sort((a, b) => a - b);
  const line = (label: string, m: MemoryReport) =>
    `  ${label.padEnd(26)} RSS ${mb(m.rss).padStart(9)}   heap used ${mb(m.heapUsed).padStart(9)} of ${mb(m.heapTotal).padStart(9)}   external ${mb(m.external).padStart(9)}`;
  process.stdout.write(
    [
      `bench:subscriptions — ${SUBSCRIBERS} subscribers over WebSocket through the gateway, ${RATE} events/s for ${SECONDS} s (${total} events)`,
      `  ${live} of ${connected} connected subscribers live on their feeds ${joinSeconds.toFixed(1)} s after the last connected (the connections took ${connectSeconds.toFixed(1)} s)`,
      `  delivered ${received} of ${expected} to ${connected} connected subscribers (${refused} not connected, ${errors} errors), and ${others} deliveries of the flows' own events`,
      `  latency append → receipt   p50 ${quantile(latencies, 0.5).toFixed(1)} ms   p90 ${quantile(latencies, 0.9).toFixed(1)} ms   p99 ${quantile(latencies, 0.99).toFixed(1)} ms   max ${latencies[latencies.length - 1]?.toFixed(1)} ms`,
      `  CPU over ${elapsed.toFixed(1)} s: gateway ${gatewayCpu.toFixed(1)} s, subgraphs + subscribers (one process) ${hereCpu.toFixed(1)} s`,
      'gateway memory (after a GC):',
      line('idle', idle),
      line(`${SUBSCRIBERS} subscribed`, subscribed),
      line('after the run', end),
      '',
    ].join('\n'),
  );
  await Promise.all(clients.map((c) => c.dispose()));
  gateway.send('stop');
  await new Promise((r) => gateway.once('exit', r));
  await fed.close();
}

if (process.argv.includes('--gateway-child')) {
  gatewayChild(process.argv[process.argv.indexOf('--gateway-child') + 1]!).catch((err: unknown) => {
    process.stderr.write(`gateway child failed: ${String(err)}\n`);
    process.exit(1);
  });
} else {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(
        `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      child?.kill();
      process.exit(1);
    },
  );
}
