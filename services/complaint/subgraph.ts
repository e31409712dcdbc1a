/**
 * The complaint subgraph as the registry sees it (services/subgraphs.ts): its schema, its runtime and its
 * server. Whole-case features (history, as-of, integrity, case events) are not complaint code: the
 * registry mounts them as a wing (services/audit/mount.ts), which adds resolvers, projections, workers
 * and a WebSocket endpoint to this subgraph.
 */
import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import type { BuildSchemaOptions } from 'type-graphql';
import type { Authenticator } from '../shared/auth';
import {
  buildFederatedSubgraph,
  createSubgraphServer,
  type SubgraphServer,
} from '../shared/graphql/subgraph';
import type { Projection } from '../shared/projections/types';
import { startRuntime, type SubgraphRuntime } from '../shared/runtime';
import type { SubgraphModule } from '../shared/subgraph-module';
import type { ComplaintContext } from './graphql/context';
import { resolveComplaintReference } from './graphql/reference';
import { ComplaintMutations, ComplaintQueries } from './graphql/resolvers';
import { ComplaintRouting } from './graphql/routing';
import { complaintProjection } from './projection';
import { ComplaintService } from './service';

/** What a wing mounted into the complaint subgraph brings. */
export interface ComplaintWing {
  readonly resolvers: readonly Function[];
  readonly projections: readonly Projection[];
  readonly buildOptions?: Omit<BuildSchemaOptions, 'resolvers' | 'orphanedTypes' | 'skipCheck'>;
  /** Starts its background work as workers of the runtime (`runtime.workers`), which stops them. */
  start?(runtime: SubgraphRuntime, complaints: ComplaintService): Promise<void>;
  /** What `/ready` reports for the wing: true, or why it is degraded. */
  ready?(runtime: SubgraphRuntime): boolean | string;
  /** Additions to the HTTP server (e.g. subscriptions over WebSocket on the same port). */
  attach?(
    server: SubgraphServer<ComplaintContext>,
    schema: GraphQLSchema,
    runtime: SubgraphRuntime,
    complaints: ComplaintService,
    authenticator: Authenticator,
  ): SubgraphServer<ComplaintContext>;
}

export function complaintSubgraph(wings: readonly ComplaintWing[] = []): SubgraphModule {
  let built: ReturnType<typeof buildFederatedSubgraph> | undefined;
  const build = () =>
    (built ??= buildFederatedSubgraph<ComplaintContext>({
      resolvers: [
        ComplaintQueries,
        ComplaintMutations,
        ComplaintRouting,
        ...wings.flatMap((w) => w.resolvers),
      ],
      referenceResolvers: { Complaint: resolveComplaintReference },
      buildOptions: Object.assign({}, ...wings.map((w) => w.buildOptions ?? {})),
    }));
  return {
    name: 'complaint',
    defaultPort: 4001,
    sdl: async () => (await build()).sdl,
    async start(options = {}) {
      const runtime = await startRuntime({
        ...options,
        name: 'complaint',
        projections: [complaintProjection, ...wings.flatMap((w) => w.projections)],
      });
      try {
        const complaints = new ComplaintService(runtime);
        for (const wing of wings) await wing.start?.(runtime, complaints);
      } catch (err) {
        await runtime.close();
        throw err;
      }
      return runtime;
    },
    async serve(runtime, options = {}) {
      const { schema } = await build();
      const complaints = new ComplaintService(runtime);
      // An AGENCY token whose focal point was replaced or ended is refused here and on every other subgraph.
      const authenticator = complaints.roster.authenticatorOver(options.authenticator);
      let server = createSubgraphServer<ComplaintContext>({
        name: 'complaint',
        schema,
        logger: options.logger ?? runtime.logger,
        authenticator,
        config: runtime.config,
        context: (base) => ({ ...base, complaints }),
        ready: () => {
          for (const w of wings) {
            const ready = w.ready?.(runtime) ?? true;
            if (ready !== true) return ready;
          }
          return true;
        },
      });
      for (const w of wings)
        server = w.attach?.(server, schema, runtime, complaints, authenticator) ?? server;
      return server;
    },
  };
}
