/** The evaluation subgraph as the registry sees it (services/subgraphs.ts): schema, runtime and server. */
import 'reflect-metadata';
import { checkedAuthenticator, defaultAuth } from '../shared/auth';
import { AgencyRoster } from '../correspondence/contract';
import {
  buildFederatedSubgraph,
  createSubgraphServer,
  type SubgraphServer,
} from '../shared/graphql/subgraph';
import type { RequestContext } from '../shared/http/server';
import { type RuntimeOptions, type SubgraphRuntime, startRuntime } from '../shared/runtime';
import type { SubgraphModule } from '../shared/subgraph-module';
import type { EvaluationContext } from './graphql/context';
import {
  resolveAgencyReference,
  resolveComplaintReference,
  resolveEvaluationReference,
} from './graphql/reference';
import {
  AgencyPerformanceResolver,
  ComplaintSlaResolver,
  EvaluationMutations,
  EvaluationQueries,
} from './graphql/resolvers';
import { Agency, Complaint, Evaluation } from './graphql/types';
import { createEvaluationProjection } from './projections';
import { evaluationRecordsProjection } from './records';
import { BreachScheduler } from './scheduler';
import { EvaluationService } from './service';

export interface EvaluationRuntime extends SubgraphRuntime {
  readonly scheduler: BreachScheduler;
}

export interface EvaluationRuntimeOptions extends Omit<RuntimeOptions, 'name' | 'projections'> {
  /** Milliseconds between breach-scheduler ticks; 0 or less: no ticking on its own. */
  readonly schedulerIntervalMs?: number;
}

let built: ReturnType<typeof buildFederatedSubgraph> | undefined;

function buildEvaluationSubgraph() {
  built ??= buildFederatedSubgraph<EvaluationContext>({
    resolvers: [EvaluationQueries, EvaluationMutations, ComplaintSlaResolver, AgencyPerformanceResolver],
    // Complaint is only extended here (no query returns it), so it must be named to be in the schema.
    orphanedTypes: [Complaint, Agency, Evaluation],
    referenceResolvers: {
      Complaint: resolveComplaintReference,
      Agency: resolveAgencyReference,
      Evaluation: resolveEvaluationReference,
    },
  });
  return built;
}

export async function startEvaluationRuntime(
  options: EvaluationRuntimeOptions = {},
): Promise<EvaluationRuntime> {
  const { schedulerIntervalMs, ...runtimeOptions } = options;
  const runtime = await startRuntime({
    ...runtimeOptions,
    name: 'evaluation',
    projections: [createEvaluationProjection(), evaluationRecordsProjection],
  });
  const schedulerOptions = {
    store: runtime.store,
    readModels: runtime.readModels,
    projections: runtime.projections,
    clock: runtime.clock,
    logger: runtime.logger,
  };
  // Ticks by hand (tests, tools); the ticking one runs once across replicas, in the lease holder.
  const scheduler = new BreachScheduler({ ...schedulerOptions, intervalMs: 0 });
  const intervalMs = schedulerIntervalMs ?? runtime.config.evaluation.schedulerIntervalMs;
  if (intervalMs > 0)
    await runtime.leases.run('evaluation.breach_scheduler', async () => {
      const ticking = new BreachScheduler({ ...schedulerOptions, intervalMs });
      ticking.start();
      return ticking;
    });
  return {
    ...runtime,
    scheduler,
    async close() {
      await scheduler.stop();
      await runtime.close();
    },
  };
}

export async function createEvaluationServer(
  runtime: SubgraphRuntime,
  options: Partial<Parameters<typeof createSubgraphServer<EvaluationContext>>[0]> = {},
): Promise<SubgraphServer<EvaluationContext>> {
  const { schema } = await buildEvaluationSubgraph();
  const evaluation = new EvaluationService(runtime);
  // An AGENCY token whose focal point was replaced or ended is refused here and on every other subgraph.
  const roster = new AgencyRoster(runtime.store);
  const authenticator = checkedAuthenticator(options.authenticator ?? defaultAuth(), (p) =>
    roster.speaksForAgency(p),
  );
  return createSubgraphServer<EvaluationContext>({
    name: 'evaluation',
    schema,
    logger: runtime.logger,
    context: (base) => ({ ...base, evaluation }),
    ready: () => true,
    ...options,
    authenticator,
  });
}

export const evaluationSubgraph: SubgraphModule = {
  name: 'evaluation',
  defaultPort: 4003,
  sdl: async () => (await buildEvaluationSubgraph()).sdl,
  start: startEvaluationRuntime,
  serve: async (runtime, options) =>
    (await createEvaluationServer(runtime, options)) as unknown as SubgraphServer<RequestContext>,
};
