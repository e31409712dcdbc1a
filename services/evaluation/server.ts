/** The evaluation subgraph over a runtime: tests start it in-process; index.ts only listens. */
import { createSubgraphServer, type SubgraphServer } from '../shared/graphql/subgraph';
import { type RuntimeOptions, type SubgraphRuntime, startRuntime } from '../shared/runtime';
import type { EvaluationContext } from './graphql/context';
import { createEvaluationProjection } from './projections';
import { evaluationRecordsProjection } from './records';
import { BreachScheduler } from './scheduler';
import { buildEvaluationSubgraph } from './schema';
import { EvaluationService } from './service';

/** Default minutes between breach-scheduler ticks (DUMAS_SLA_SCHEDULER_INTERVAL_MS overrides; 0 turns it off). */
export const DEFAULT_SCHEDULER_INTERVAL_MS = 60_000;

export interface EvaluationRuntime extends SubgraphRuntime {
  readonly scheduler: BreachScheduler;
}

export interface EvaluationRuntimeOptions extends Omit<RuntimeOptions, 'name' | 'projections'> {
  /** Milliseconds between breach-scheduler ticks; 0 or less: no ticking on its own. */
  readonly schedulerIntervalMs?: number;
}

function intervalFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.DUMAS_SLA_SCHEDULER_INTERVAL_MS;
  if (raw === undefined || raw === '') return DEFAULT_SCHEDULER_INTERVAL_MS;
  const ms = Number(raw);
  if (!Number.isFinite(ms))
    throw new Error('DUMAS_SLA_SCHEDULER_INTERVAL_MS must be a number of milliseconds');
  return ms;
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
  const intervalMs = schedulerIntervalMs ?? intervalFromEnv();
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
  return createSubgraphServer<EvaluationContext>({
    name: 'evaluation',
    schema,
    logger: runtime.logger,
    context: (base) => ({ ...base, evaluation }),
    ready: () => true,
    ...options,
  });
}
