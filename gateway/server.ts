/**
 * The dumas gateway: @apollo/gateway over the static supergraph in schema/supergraph.graphql, on our
 * own node:http server. It verifies the caller's token itself (a bad token never reaches a subgraph),
 * applies the abuse limits, forwards the token and a request id to the subgraphs (which verify the token
 * again), masks internal errors, and serves /graphiql, /health and /ready.
 *
 * Subscriptions (gateway/subscriptions) share `/graphql`: graphql-ws upgrades on `http.server`, and SSE
 * requests (Accept: text/event-stream) are taken before the query handler.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ApolloGateway, IntrospectAndCompose } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { request } from 'undici';
import { type Authenticator, authOptions, createAuthenticator, defaultAuth } from '../services/shared/auth';
import { ambient, type DumasConfig, loadConfig } from '../services/shared/config';
import {
  GATEWAY_SIGNATURE_HEADER,
  gatewaySecretOf,
  signGatewayRequest,
  UPLOADS_PATH,
} from '../services/shared/gateway-signature';
import { uploadForwardRoute } from './uploads';
import { sharedLimits } from '../services/shared/graphql/postgres-rate-limiter';
import { createFormatError } from '../services/shared/graphql/errors';
import { errorReportingPlugin, metricsPlugin } from '../services/shared/graphql/plugins';
import {
  type MetricsExposure,
  metricsExposure,
  serveMetrics,
  startMetricsServer,
} from '../services/shared/metrics';
import { apolloLogger } from '../services/shared/graphql/subgraph';
import { type SubgraphEndpoint, subgraphEndpoints } from '../services/shared/graphql/supergraph';
import {
  createHttpServer,
  graphqlHandler,
  type HttpServerHandle,
  type RequestContext,
  sendJson,
} from '../services/shared/http/server';
import { createLogger, type Logger } from '../services/shared/logger';
import { createDataSource, createSubgraphAgent, type FetcherKind } from './datasources';
import { WHATSAPP_WEBHOOK_PATH } from '../services/channels/whatsapp';
import { graphiqlRoutes } from './graphiql';
import { attachSubscriptions, type SubscriptionOptions } from './subscriptions';
import { webhookRoute } from './webhooks';
import { type ConsoleOptions, consoleRoutes } from './console';
import { plainSubscriptionPlugin } from './subscriptions/plain-post';
import {
  aliasLimitRule,
  DEFAULT_LIMITS,
  depthLimitRule,
  type GatewayLimits,
  limitsPlugin,
} from '../services/shared/graphql/limits';
import { SUBGRAPHS } from '../services/subgraphs';

export const DEFAULT_SUPERGRAPH_PATH = path.resolve(__dirname, '..', 'schema', 'supergraph.graphql');

export interface GatewayOptions {
  /**
   * The PostgreSQL that keeps the per-client limits when the gateway runs as several replicas (set from
   * the store's URL when the store is PostgreSQL); unset, each process keeps its own buckets.
   */
  readonly sharedLimitsUrl?: string;
  /** The supergraph SDL itself; otherwise read from `supergraphPath`. */
  readonly supergraphSdl?: string;
  readonly supergraphPath?: string;
  /**
   * Development only: compose at start-up from the running subgraphs (`_service { sdl }`) instead of
   * the committed supergraph. Endpoints come from `subgraphs`, or the default ports with env overrides.
   */
  readonly introspectAndCompose?: boolean;
  readonly subgraphs?: readonly SubgraphEndpoint[];
  /** Default `undici` (keep-alive, lean); `stock` is Apollo's make-fetch-happen path, for comparison. */
  readonly fetcher?: FetcherKind;
  readonly limits?: Partial<GatewayLimits>;
  readonly logger?: Logger;
  readonly authenticator?: Authenticator;
  /** Default NODE_ENV === 'production': introspection and GraphiQL off, schema hints hidden. */
  readonly production?: boolean;
  /** Serve GraphiQL and allow introspection even in production (DUMAS_GRAPHIQL=true). */
  readonly graphiql?: boolean;
  /** Believe X-Forwarded-For for the rate limit's client address (behind a known reverse proxy). */
  readonly trustProxy?: boolean;
  /** Where `/metrics` is served (default: as the process's configuration says). */
  readonly metrics?: MetricsExposure;
  /** Subgraph name → URL over what the supergraph records (DUMAS_SUBGRAPH_<NAME>_URL). */
  readonly subgraphUrls?: Readonly<Record<string, string>>;
  /** Where the built console is and the OIDC sign-in it offers (default: console/dist, none). */
  readonly console?: ConsoleOptions;
  /**
   * The secret the gateway signs its subgraph calls with (services/shared/gateway-signature.ts); without
   * one, calls go unsigned and only subgraphs that accept any caller answer them.
   */
  readonly gatewaySecret?: string;
  /** The largest attachment accepted at /uploads (default: DUMAS_ATTACHMENT_MAX_BYTES). */
  readonly maxAttachmentBytes?: number;
  /** Subscription buffers and heartbeats (gateway/subscriptions). */
  readonly subscriptions?: SubscriptionOptions;
}

export interface Gateway {
  readonly apollo: ApolloServer<RequestContext>;
  readonly http: HttpServerHandle;
  readonly logger: Logger;
  readonly subgraphs: readonly SubgraphEndpoint[];
  readonly limits: GatewayLimits;
  listen(port: number, host?: string): Promise<{ port: number; url: string }>;
  close(): Promise<void>;
}

/** The gateway's options from the one configuration (services/shared/config.ts). */
export function gatewayOptions(config: DumasConfig): GatewayOptions {
  const g = config.gateway;
  return {
    ...(g.supergraphPath ? { supergraphPath: g.supergraphPath } : {}),
    introspectAndCompose: g.introspectAndCompose,
    fetcher: g.fetcher,
    limits: config.limits,
    graphiql: g.graphiql,
    trustProxy: g.trustProxy,
    production: config.production,
    subgraphUrls: g.subgraphUrls,
    gatewaySecret: gatewaySecretOf(config),
    maxAttachmentBytes: config.correspondence.maxAttachmentBytes,
    ...(g.oidc ? { console: { oidc: g.oidc } } : {}),
    metrics: metricsExposure(config),
    ...(config.store.kind === 'postgres' ? { sharedLimitsUrl: config.store.url } : {}),
    authenticator: createAuthenticator(authOptions(config)),
    ...(config.logLevel ? { logger: createLogger({ name: 'gateway', level: config.logLevel }) } : {}),
  };
}

function defaultEndpoints(overrides: Readonly<Record<string, string>>): SubgraphEndpoint[] {
  return SUBGRAPHS.map(({ name, defaultPort }) => ({
    name,
    url: overrides[name] || `http://localhost:${defaultPort}/graphql`,
  }));
}

export function createGateway(options: GatewayOptions = {}): Gateway {
  const overrides = options.subgraphUrls ?? {};
  const production = options.production ?? ambient.production();
  const exposeSchema = !production || (options.graphiql ?? false);
  const limits: GatewayLimits = { ...DEFAULT_LIMITS, ...options.limits };
  // Replicas on PostgreSQL give a client one budget between them (postgres-rate-limiter.ts).
  const sharedLimitsStore = options.sharedLimitsUrl ? sharedLimits(options.sharedLimitsUrl) : undefined;
  const logger = options.logger ?? createLogger({ name: 'gateway' });
  const fetcher = options.fetcher ?? 'undici';
  const agent = createSubgraphAgent();

  let subgraphs: SubgraphEndpoint[];
  let supergraphSdl: string | undefined;
  if (options.introspectAndCompose) {
    subgraphs = [...(options.subgraphs ?? defaultEndpoints(overrides))];
  } else {
    if (options.supergraphSdl) {
      supergraphSdl = options.supergraphSdl;
    } else {
      const file = options.supergraphPath ?? DEFAULT_SUPERGRAPH_PATH;
      if (!existsSync(file)) {
        throw new Error(
          `no supergraph at ${file}: run npm run compose (or set DUMAS_INTROSPECT=true in development)`,
        );
      }
      supergraphSdl = readFileSync(file, 'utf8');
    }
    subgraphs = subgraphEndpoints(supergraphSdl, overrides);
  }
  const urlByName = new Map(subgraphs.map((s) => [s.name, s.url]));

  const gateway = new ApolloGateway({
    ...(supergraphSdl
      ? { supergraphSdl }
      : { supergraphSdl: new IntrospectAndCompose({ subgraphs: subgraphs.map((s) => ({ ...s })) }) }),
    buildService: ({ name, url }) =>
      createDataSource(fetcher, urlByName.get(name) ?? url ?? '', agent, name, options.gatewaySecret),
    logger: apolloLogger(logger),
  });

  const http = createHttpServer(logger);
  const apollo = new ApolloServer<RequestContext>({
    gateway,
    formatError: createFormatError({ production }),
    includeStacktraceInErrorResponses: false,
    introspection: exposeSchema,
    hideSchemaDetailsFromClientErrors: production,
    // Our index.ts files own SIGINT/SIGTERM and stop in order (HTTP, then stores); Apollo's own handler
    // would race them and re-raise the signal into a process that is already stopping.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: limits.maxBatch > 1,
    maxRecursiveSelections: true,
    parseOptions: { maxTokens: limits.maxTokens },
    validationRules: [depthLimitRule(limits.maxDepth), aliasLimitRule(limits.maxAliases)],
    logger: apolloLogger(logger),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: http.server }),
      errorReportingPlugin<RequestContext>(),
      metricsPlugin<RequestContext>('gateway'),
      limitsPlugin(limits, sharedLimitsStore),
      plainSubscriptionPlugin<RequestContext>(),
    ],
  });

  const queries = graphqlHandler<RequestContext>({
    apollo,
    logger,
    authenticator: options.authenticator ?? defaultAuth(),
    bodyLimitBytes: limits.bodyLimitBytes,
    maxBatch: limits.maxBatch,
    trustProxy: options.trustProxy ?? false,
    service: 'gateway',
  });
  // Subscriptions share /graphql: WebSocket upgrades and SSE requests go there, the rest to `queries`.
  const subscriptions = attachSubscriptions({
    http,
    apollo,
    authenticator: options.authenticator ?? defaultAuth(),
    logger,
    subgraphUrl: (name) => urlByName.get(name),
    queries,
    validationRules: [depthLimitRule(limits.maxDepth), aliasLimitRule(limits.maxAliases)],
    bodyLimitBytes: limits.bodyLimitBytes,
    trustProxy: options.trustProxy ?? false,
    formatError: createFormatError({ production }),
    ...(options.subscriptions ? { options: options.subscriptions } : {}),
    ...(options.gatewaySecret ? { gatewaySecret: options.gatewaySecret } : {}),
  });
  gateway.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) =>
    subscriptions.schemaLoaded(apiSchema, coreSupergraphSdl),
  );
  http.route('/health', (_req, res) => sendJson(res, 200, { status: 'ok', service: 'gateway' }));
  // The WhatsApp Cloud API's webhook, answered by the complaint subgraph (where the channels run).
  http.route(
    WHATSAPP_WEBHOOK_PATH,
    webhookRoute(WHATSAPP_WEBHOOK_PATH, () => urlByName.get('complaint'), logger),
  );
  http.route(
    UPLOADS_PATH,
    uploadForwardRoute({
      subgraphUrl: () => urlByName.get('correspondence'),
      agent,
      maxBytes: options.maxAttachmentBytes ?? loadConfig().correspondence.maxAttachmentBytes,
      ...(options.gatewaySecret ? { gatewaySecret: options.gatewaySecret } : {}),
      logger,
    }),
  );
  const metrics = options.metrics ?? metricsExposure(loadConfig());
  if (metrics.onApiPort) http.route('/metrics', serveMetrics);
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  http.route('/ready', async (_req, res) => {
    const results = await Promise.all(subgraphs.map(async (s) => [s.name, await probe(s.url)] as const));
    const ready = results.every(([, up]) => up);
    sendJson(res, ready ? 200 : 503, {
      status: ready ? 'ready' : 'not ready',
      subgraphs: Object.fromEntries(results.map(([name, up]) => [name, up ? 'up' : 'down'])),
    });
  });
  if (exposeSchema)
    for (const [route, handler] of Object.entries(graphiqlRoutes())) http.route(route, handler);
  for (const [route, handler] of Object.entries(consoleRoutes(options.console))) http.route(route, handler);

  /** A subgraph is up when it answers `{ __typename }` over GraphQL within a second. */
  async function probe(url: string): Promise<boolean> {
    const query = '{"query":"{ __typename }"}';
    try {
      const res = await request(url, {
        method: 'POST',
        dispatcher: agent,
        headers: {
          'content-type': 'application/json',
          // Signed like every call of the gateway: a subgraph that answers only the gateway answers this.
          ...(options.gatewaySecret
            ? { [GATEWAY_SIGNATURE_HEADER]: signGatewayRequest(options.gatewaySecret, query) }
            : {}),
        },
        body: query,
        headersTimeout: 1000,
        bodyTimeout: 1000,
      });
      const body = (await res.body.json()) as { data?: { __typename?: string } };
      return res.statusCode === 200 && body.data?.__typename === 'Query';
    } catch {
      return false;
    }
  }

  let started: Promise<void> | undefined;
  return {
    apollo,
    http,
    logger,
    subgraphs,
    limits,
    async listen(port, host) {
      started ??= apollo.start();
      await started;
      const address = await http.listen(port, host);
      if (metrics.port !== undefined && !metricsServer)
        metricsServer = await startMetricsServer(metrics.port, metrics.host);
      logger.info(
        {
          port: address.port,
          ...(metricsServer ? { metricsPort: metricsServer.port } : {}),
          fetcher,
          subgraphs: subgraphs.map((s) => `${s.name}=${s.url}`),
        },
        'gateway listening',
      );
      return address;
    },
    async close() {
      await subscriptions.close();
      if (started) await apollo.stop();
      await http.close();
      await metricsServer?.close();
      await agent.close();
    },
  };
}
