/**
 * Prometheus metrics (prom-client), one registry per process.
 *
 * Why one process-wide registry rather than one per server: the measuring points (the store adapter, the
 * projection core, the flows, the gateway's data sources) live far from the HTTP server that exposes
 * them, and threading a registry through every constructor would change every signature for no gain.
 * Every series carries a `service` label, so in-process tests (three subgraphs in one process) still
 * tell them apart, and a real process has one value of it.
 *
 * Gauges that describe state someone else owns (worker positions, checkpoint age, outbox backlog) are
 * read when Prometheus scrapes, from sources the runtime registers and removes on close; nothing polls.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { EventStore } from './eventstore/types';
import type { DumasConfig } from './config';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'dumas_process_' });

/** Seconds; from a fast indexed read to a slow cross-subgraph query. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds; delivery lag of live events and age-like durations. */
const LAG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export const graphqlRequests = new Counter({
  name: 'dumas_graphql_requests_total',
  help: 'GraphQL operations answered, by operation name and outcome (ok or the first error code)',
  labelNames: ['service', 'operation', 'type', 'outcome'] as const,
  registers: [registry],
});

export const graphqlDuration = new Histogram({
  name: 'dumas_graphql_request_duration_seconds',
  help: 'Time from receiving a GraphQL operation to sending its answer',
  labelNames: ['service', 'operation', 'type', 'outcome'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const httpResponses = new Counter({
  name: 'dumas_http_responses_total',
  help: 'HTTP answers on /graphql by status class (2xx, 4xx, 5xx), refusals before GraphQL included',
  labelNames: ['service', 'status'] as const,
  registers: [registry],
});

export const subgraphFetchDuration = new Histogram({
  name: 'dumas_subgraph_fetch_duration_seconds',
  help: "The gateway's calls to a subgraph, by subgraph and outcome",
  labelNames: ['subgraph', 'outcome'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const storeDuration = new Histogram({
  name: 'dumas_eventstore_operation_duration_seconds',
  help: 'Event-store calls: append, readStream, readAll, by adapter and outcome',
  labelNames: ['service', 'store', 'operation', 'outcome'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const storeAppendedEvents = new Counter({
  name: 'dumas_eventstore_appended_events_total',
  help: 'Events appended through this process',
  labelNames: ['service', 'store'] as const,
  registers: [registry],
});

export const subscriptionsOpen = new Gauge({
  name: 'dumas_subscriptions_open',
  help: 'Live subscriptions (WebSocket and SSE) open now',
  labelNames: ['service', 'transport'] as const,
  registers: [registry],
});

export const subscriptionFeedsOpen = new Gauge({
  name: 'dumas_subscription_feeds_open',
  help: 'Shared live feeds open now: one per class of subscribers (role, agency, operation, variables)',
  labelNames: ['service'] as const,
  registers: [registry],
});

export const subscriptionFeedMembers = new Gauge({
  name: 'dumas_subscription_feed_members',
  help: "Subscribers taking their shared feed's events (live; a subscriber still catching up is not counted)",
  labelNames: ['service'] as const,
  registers: [registry],
});

export const subscriptionUpstreamsOpen = new Gauge({
  name: 'dumas_subscription_upstreams_open',
  help: 'Subscriptions the gateway holds open to subgraphs (one per shared feed, one per catching-up subscriber)',
  labelNames: ['service'] as const,
  registers: [registry],
});

export const subscriptionDeliveryLag = new Histogram({
  name: 'dumas_subscription_delivery_lag_seconds',
  help: 'From an event being recorded to its delivery to a subscriber',
  labelNames: ['service'] as const,
  buckets: LAG_BUCKETS,
  registers: [registry],
});

export const rateLimitRefusals = new Counter({
  name: 'dumas_rate_limit_refusals_total',
  help: 'Requests refused by a limit (rate, depth, aliases, cost, batch, body size)',
  labelNames: ['service', 'limit'] as const,
  registers: [registry],
});

export const breachesRecorded = new Counter({
  name: 'dumas_sla_breaches_recorded_total',
  help: 'SLA breaches the scheduler appended',
  labelNames: ['service'] as const,
  registers: [registry],
});

export const breachBacklog = new Gauge({
  name: 'dumas_sla_breach_backlog',
  help: 'Overdue SLA clocks whose breach the last scheduler pass found and could not record (0 after a pass that finished)',
  labelNames: ['service'] as const,
  registers: [registry],
});

export const schedulerLastPass = new Gauge({
  name: 'dumas_scheduler_last_pass_timestamp_seconds',
  help: 'When a scheduler pass last completed (Unix seconds)',
  labelNames: ['service', 'scheduler'] as const,
  registers: [registry],
});

export const workerEvents = new Counter({
  name: 'dumas_worker_events_total',
  help: 'Events a projection or flow handled (applied or passed over), by outcome',
  labelNames: ['service', 'kind', 'worker', 'outcome'] as const,
  registers: [registry],
});

/** A long-running follower of the log (projection, flow), as the scrape sees it. */
export interface WorkerSource {
  readonly service: string;
  readonly kind: 'projection' | 'flow';
  readonly store: EventStore;
  positions(): Record<string, number>;
}

/** State read at scrape time. Each returns its values, or undefined when it has none to report. */
export interface StateSource {
  readonly service: string;
  /** Seconds since the last signed checkpoint. */
  checkpointAgeSeconds?(): number | undefined;
  /** Messages queued for delivery and not yet delivered. */
  outboxBacklog?(): Promise<number | undefined> | number | undefined;
}

const workerSources = new Set<WorkerSource>();
const stateSources = new Set<StateSource>();

/** Registers a source until the returned function is called (the runtime calls it on close). */
export function trackWorkers(source: WorkerSource): () => void {
  workerSources.add(source);
  return () => workerSources.delete(source);
}

export function trackState(source: StateSource): () => void {
  stateSources.add(source);
  return () => stateSources.delete(source);
}

interface WorkerRow {
  readonly labels: { service: string; kind: string; worker: string };
  readonly position: number;
  readonly lagPositions: number;
  readonly lagSeconds: number;
}

/**
 * Reads every registered worker's position and lag once per scrape: prom-client collects the three
 * gauges concurrently, so they share the reading in flight instead of each reading the store. Only the
 * one in flight: a reading kept for a while answered the next scrape with positions from before it.
 */
let workerReading: Promise<WorkerRow[]> | undefined;
function readWorkers(): Promise<WorkerRow[]> {
  if (workerReading) return workerReading;
  const now = Date.now();
  const rows = (async () => {
    const out: WorkerRow[] = [];
    for (const source of workerSources) {
      let head: number;
      try {
        head = await source.store.headPosition();
      } catch {
        continue; // a store that cannot answer leaves the series absent: `absent()` alerts see it
      }
      for (const [worker, position] of Object.entries(source.positions())) {
        let lagSeconds = 0;
        if (position < head) {
          const [next] = await source.store.readAll({ fromPosition: position, maxCount: 1 }).catch(() => []);
          if (next) lagSeconds = Math.max(0, (now - Date.parse(next.recordedAt)) / 1000);
        }
        out.push({
          labels: { service: source.service, kind: source.kind, worker },
          position,
          lagPositions: Math.max(0, head - position),
          lagSeconds,
        });
      }
    }
    return out;
  })();
  workerReading = rows;
  const done = () => {
    workerReading = undefined;
  };
  rows.then(done, done);
  return rows;
}

function workerGauge(name: string, help: string, value: (row: WorkerRow) => number) {
  return new Gauge({
    name,
    help,
    labelNames: ['service', 'kind', 'worker'] as const,
    registers: [registry],
    async collect() {
      const rows = await readWorkers();
      this.reset();
      for (const row of rows) this.set(row.labels, value(row));
    },
  });
}

workerGauge(
  'dumas_worker_position',
  'The log position a projection or flow has committed',
  (r) => r.position,
);
workerGauge(
  'dumas_worker_lag_positions',
  "The log's head position minus the worker's committed position",
  (r) => r.lagPositions,
);
workerGauge(
  'dumas_worker_lag_seconds',
  'How long the oldest event the worker has not yet handled has been in the log (0 when caught up)',
  (r) => r.lagSeconds,
);

new Gauge({
  name: 'dumas_checkpoint_age_seconds',
  help: 'Seconds since the last signed checkpoint of the log',
  labelNames: ['service'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const source of stateSources) {
      const age = source.checkpointAgeSeconds?.();
      if (age !== undefined) this.set({ service: source.service }, age);
    }
  },
});

new Gauge({
  name: 'dumas_outbox_backlog',
  help: 'Letters sent by e-mail whose delivery is not yet recorded',
  labelNames: ['service'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    for (const source of stateSources) {
      const backlog = await source.outboxBacklog?.();
      if (backlog !== undefined) this.set({ service: source.service }, backlog);
    }
  },
});

/** Seconds since a `process.hrtime.bigint()` reading. */
export const secondsSince = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e9;

/** The Prometheus text of every metric of this process. */
export function metricsText(): Promise<string> {
  return registry.metrics();
}

/** The `/metrics` route handler. */
export async function serveMetrics(_req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const body = await metricsText();
  res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
  res.end(body);
}

/**
 * Where `/metrics` is served. DUMAS_METRICS_PORT set: on its own listener (DUMAS_METRICS_HOST, default
 * 127.0.0.1), which a production deployment keeps off the public network, and not on the API port.
 * Unset: on the API port, except in production, where it is then not served at all.
 */
export interface MetricsExposure {
  readonly onApiPort: boolean;
  readonly port?: number;
  readonly host: string;
}

export function metricsExposure(config: Pick<DumasConfig, 'production' | 'metrics'>): MetricsExposure {
  const { port, host } = config.metrics;
  if (port !== undefined) return { onApiPort: false, port, host };
  return { onApiPort: !config.production, host };
}

/** A listener that answers only `/metrics`; resolves with its port (0 picks a free one). */
export async function startMetricsServer(
  port: number,
  host: string,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if ((req.url ?? '').split('?')[0] === '/metrics') {
      serveMetrics(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
