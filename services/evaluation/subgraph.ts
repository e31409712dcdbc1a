/** The evaluation subgraph as the registry sees it (services/subgraphs.ts): schema, runtime and server. */
import 'reflect-metadata';
import { AgencyRoster } from '../correspondence/contract';
import {
  buildFederatedSubgraph,
  createSubgraphServer,
  type SubgraphServer,
} from '../shared/graphql/subgraph';
import { type RuntimeOptions, type SubgraphRuntime, startRuntime } from '../shared/runtime';
import type { SubgraphModule } from '../shared/subgraph-module';
import { every } from '../shared/workers/registry';
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
import { ClockContextHolder, createEvaluationProjection } from './projections';
import { evaluationRecordsProjection } from './records';
import { BreachScheduler } from './scheduler';
import { EvaluationService } from './service';

export interface EvaluationRuntime extends SubgraphRuntime {
  readonly scheduler: BreachScheduler;
  /** SLA policy, calendar and agency regions held in memory, reloaded after their events. */
  readonly clockContext: ClockContextHolder;
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
  const clockContext = new ClockContextHolder();
  const runtime = await startRuntime({
    ...runtimeOptions,
    name: 'evaluation',
    projections: [createEvaluationProjection({ configuration: clockContext }), evaluationRecordsProjection],
  });
  clockContext.bind(runtime.readModels, () => runtime.projections.position());
  // One scheduler: ticked by hand (tests, tools) anywhere, ticking on its own once across replicas.
  const scheduler = new BreachScheduler({
    context: () => clockContext.context(),
    store: runtime.store,
    readModels: runtime.readModels,
    projections: runtime.projections,
    clock: runtime.clock,
    logger: runtime.logger,
  });
  await runtime.workers.startOnce('evaluation.breach_scheduler', () =>
    every(
      schedulerIntervalMs ?? runtime.config.evaluation.schedulerIntervalMs,
      () => scheduler.tick(),
      (err) => runtime.logger.error({ err }, 'SLA breach tick failed'),
    ),
  );
  return { ...runtime, scheduler, clockContext };
}

export async function createEvaluationServer(
  runtime: SubgraphRuntime,
  options: Partial<Parameters<typeof createSubgraphServer<EvaluationContext>>[0]> = {},
): Promise<SubgraphServer<EvaluationContext>> {
  const { schema } = await buildEvaluationSubgraph();
  // A runtime not started by startEvaluationRuntime has no projection telling a holder of changes.
  const clockContext =
    (runtime as Partial<EvaluationRuntime>).clockContext ??
    new ClockContextHolder().bind(runtime.readModels, () => runtime.projections.position(), false);
  const evaluation = new EvaluationService(runtime, clockContext);
  const authenticator = new AgencyRoster(runtime.store).authenticatorOver(options.authenticator);
  return createSubgraphServer<EvaluationContext>({
    name: 'evaluation',
    schema,
    logger: runtime.logger,
    config: runtime.config,
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
  serve: createEvaluationServer,
};
