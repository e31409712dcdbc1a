/**
 * Building and serving a Federation 2 subgraph from type-graphql classes.
 *
 * The pattern every subgraph follows: `services/<name>/schema.ts` builds the schema with
 * `buildFederatedSubgraph` and exports `buildSchemaSdl()` for `npm run compose`; `server.ts` wires stores
 * and resolvers and calls `createSubgraphServer`; `index.ts` only listens.
 *
 * Why this recipe (STACK.md): type-graphql's own printer drops `@key`, so the schema is built with
 * `skipCheck`, printed with `printSchemaWithDirectives`, the Federation 2 `@link` is prepended, and the
 * SDL plus type-graphql's resolver map (with `__resolveReference` added) goes to `buildSubgraphSchema`.
 */
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { type GraphQLSchema, parse } from 'graphql';
import { type BuildSchemaOptions, buildSchema, createResolversMap, type NonEmptyArray } from 'type-graphql';
import { type Authenticator, defaultAuth } from '../auth';
import {
  createHttpServer,
  graphqlHandler,
  type HttpServerHandle,
  type RequestContext,
  type RouteHandler,
  sendJson,
} from '../http/server';
import { createLogger, type Logger } from '../logger';
import { createFormatError } from './errors';
import { type MetricsExposure, metricsExposure, serveMetrics, startMetricsServer } from '../metrics';
import { aliasLimitRule, DEFAULT_LIMITS, depthLimitRule, type GatewayLimits, limitsPlugin } from './limits';
import { errorReportingPlugin, metricsPlugin } from './plugins';
import { ambient, type DumasConfig, loadConfig } from '../config';
import { gatewayTrustOf } from '../gateway-signature';

export const FEDERATION_SPEC_URL = 'https://specs.apollo.dev/federation/v2.7';

/** Federation directives a subgraph may use without prefix. */
export const FEDERATION_IMPORTS = [
  '@key',
  '@shareable',
  '@external',
  '@requires',
  '@provides',
  '@inaccessible',
  '@tag',
  '@override',
  '@interfaceObject',
] as const;

/**
 * `__resolveReference` per entity type name: how this subgraph loads an entity from its key fields.
 * `_entities` is reachable by anyone who can reach the subgraph, so each one must apply the same role
 * and visibility rules as the type's own queries (see test/gateway/fixture/schema.ts).
 */
export type ReferenceResolvers<Ctx = RequestContext> = Record<
  string,
  (reference: Record<string, unknown>, context: Ctx, info: unknown) => unknown
>;

export interface FederatedSubgraphOptions<Ctx = RequestContext> {
  readonly resolvers: NonEmptyArray<Function>;
  readonly orphanedTypes?: Function[];
  readonly referenceResolvers?: ReferenceResolvers<Ctx>;
  /** Passed through to type-graphql (validate, authChecker, globalMiddlewares, container, scalarsMap...). */
  readonly buildOptions?: Omit<BuildSchemaOptions, 'resolvers' | 'orphanedTypes' | 'skipCheck'>;
}

export interface FederatedSubgraph {
  /** The executable subgraph schema (with `_service` and `_entities`). */
  readonly schema: GraphQLSchema;
  /** This subgraph's SDL with federation directives: what `npm run compose` writes and composes. */
  readonly sdl: string;
}

export async function buildFederatedSubgraph<Ctx = RequestContext>(
  options: FederatedSubgraphOptions<Ctx>,
): Promise<FederatedSubgraph> {
  const typeGraphQLSchema = await buildSchema({
    ...options.buildOptions,
    resolvers: options.resolvers,
    ...(options.orphanedTypes ? { orphanedTypes: options.orphanedTypes } : {}),
    skipCheck: true,
  });
  const link = `extend schema @link(url: "${FEDERATION_SPEC_URL}", import: [${FEDERATION_IMPORTS.map((d) => `"${d}"`).join(', ')}])`;
  const sdl = `${link}\n\n${printSchemaWithDirectives(typeGraphQLSchema).trim()}\n`;

  const resolvers = createResolversMap(typeGraphQLSchema) as Record<string, Record<string, unknown>>;
  for (const [typeName, resolveReference] of Object.entries(options.referenceResolvers ?? {})) {
    if (!typeGraphQLSchema.getType(typeName)) {
      throw new Error(`reference resolver for ${typeName}, which is not a type of this subgraph`);
    }
    resolvers[typeName] = { ...resolvers[typeName], __resolveReference: resolveReference };
  }
  const schema = buildSubgraphSchema({
    typeDefs: parse(sdl),
    resolvers: resolvers as GraphQLResolverMap<unknown>,
  });
  return { schema, sdl };
}

export interface SubgraphServerOptions<Ctx extends RequestContext> {
  /** `complaint`, `correspondence`, `evaluation`: the logger's and the health report's name. */
  readonly name: string;
  readonly schema: GraphQLSchema;
  /** Adds the service's own things (stores, loaders) to each request's context. */
  readonly context?: (base: RequestContext) => Ctx | Promise<Ctx>;
  readonly logger?: Logger;
  /** Defaults to the environment's (DUMAS_JWT_SECRET / DUMAS_JWKS_URL). */
  readonly authenticator?: Authenticator;
  /** Default 1 MiB: the gateway sends plans, not uploads. */
  readonly bodyLimitBytes?: number;
  /**
   * Reported by /ready (e.g. projections caught up, store open); /health only says the process is alive.
   * A string means degraded (503 with that reason, which must hold no personal data).
   */
  readonly ready?: () => boolean | string | Promise<boolean | string>;
  readonly plugins?: ApolloServerPlugin<Ctx>[];
  /**
   * The process's configuration: the request limits (one rule set with the gateway's) and whether this
   * subgraph answers only the gateway. Default: loaded from the environment.
   */
  readonly config?: DumasConfig;
  /** Extra routes on the same server (e.g. an SSE endpoint later). */
  readonly routes?: Record<string, RouteHandler>;
  /** Default: NODE_ENV === 'production' (introspection off, error details minimal). */
  readonly production?: boolean;
  /** Where `/metrics` is served (default: as the process's configuration says). */
  readonly metrics?: MetricsExposure;
}

export interface SubgraphServer<Ctx extends RequestContext> {
  readonly name: string;
  readonly apollo: ApolloServer<Ctx>;
  /** The node:http server: attach WebSocket upgrade handlers here. */
  readonly http: HttpServerHandle;
  readonly logger: Logger;
  /** Starts Apollo (once) and listens; port 0 picks a free one. */
  listen(port: number, host?: string): Promise<{ port: number; url: string }>;
  close(): Promise<void>;
}

export function createSubgraphServer<Ctx extends RequestContext = RequestContext>(
  options: SubgraphServerOptions<Ctx>,
): SubgraphServer<Ctx> {
  const production = options.production ?? ambient.production();
  const logger = options.logger ?? createLogger({ name: options.name });
  const http = createHttpServer(logger, options.routes);
  const config = options.config ?? loadConfig();
  // The same depth, alias, cost and size limits as the gateway: a call straight to this port (where the
  // configuration allows one) meets the rules a call through the gateway meets.
  const limits: GatewayLimits = { ...DEFAULT_LIMITS, ...config.limits };
  const apollo = new ApolloServer<Ctx>({
    schema: options.schema,
    formatError: createFormatError({ production }),
    includeStacktraceInErrorResponses: false,
    // The gateway composes from `_service { sdl }`, an ordinary field, so introspection can follow the
    // same rule as at the gateway: on in development for tooling, off in production.
    introspection: !production,
    hideSchemaDetailsFromClientErrors: production,
    parseOptions: { maxTokens: limits.maxTokens },
    validationRules: [depthLimitRule(limits.maxDepth), aliasLimitRule(limits.maxAliases)],
    // Our index.ts files own SIGINT/SIGTERM and stop in order (HTTP, then stores); Apollo's own handler
    // would race them and re-raise the signal into a process that is already stopping.
    stopOnTerminationSignals: false,
    logger: apolloLogger(logger),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: http.server }),
      errorReportingPlugin<Ctx>(),
      metricsPlugin<Ctx>(options.name),
      limitsPlugin(limits) as ApolloServerPlugin<Ctx>,
      ...(options.plugins ?? []),
    ],
  });
  http.route(
    '/graphql',
    graphqlHandler<Ctx>({
      apollo,
      logger,
      authenticator: options.authenticator ?? defaultAuth(),
      bodyLimitBytes: options.bodyLimitBytes ?? limits.bodyLimitBytes,
      service: options.name,
      gateway: gatewayTrustOf(config),
      ...(options.context ? { buildContext: options.context } : {}),
    }),
  );
  const metrics = options.metrics ?? metricsExposure(config);
  if (metrics.onApiPort) http.route('/metrics', serveMetrics);
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  http.route('/health', (_req, res) => sendJson(res, 200, { status: 'ok', service: options.name }));
  http.route('/ready', async (_req, res) => {
    let ready: boolean | string = false;
    try {
      ready = options.ready ? await options.ready() : true;
    } catch (err) {
      logger.warn({ err }, 'readiness check failed');
    }
    if (typeof ready === 'string') {
      sendJson(res, 503, { status: 'degraded', reason: ready, service: options.name });
    } else {
      sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', service: options.name });
    }
  });

  let started: Promise<void> | undefined;
  return {
    name: options.name,
    apollo,
    http,
    logger,
    async listen(port, host) {
      started ??= apollo.start();
      await started;
      const address = await http.listen(port, host);
      if (metrics.port !== undefined && !metricsServer)
        metricsServer = await startMetricsServer(metrics.port, metrics.host);
      logger.info(
        { port: address.port, ...(metricsServer ? { metricsPort: metricsServer.port } : {}) },
        `${options.name} subgraph listening`,
      );
      return address;
    },
    async close() {
      if (started) await apollo.stop();
      await http.close();
      await metricsServer?.close();
    },
  };
}

/** Apollo's internal messages through pino, so every line of a process is JSON. */
export function apolloLogger(logger: Logger) {
  return {
    debug: (message: unknown) => logger.debug(String(message)),
    info: (message: unknown) => logger.info(String(message)),
    warn: (message: unknown) => logger.warn(String(message)),
    error: (message: unknown) => logger.error(String(message)),
  };
}
