/** The complaint subgraph over a runtime: tests start it in-process; index.ts only listens. */
import { defaultAuth } from '../shared/auth';
import { createSubgraphServer, type SubgraphServer } from '../shared/graphql/subgraph';
import { type SubgraphRuntime, startRuntime, type RuntimeOptions } from '../shared/runtime';
import type { ComplaintContext } from './graphql/context';
import { attachCaseEventSubscriptions } from './graphql/subscriptions';
import { caseIndexProjection } from '../audit/case-events';
import { CheckpointStore, loadCheckpointKeys, startCheckpointer } from '../audit/checkpoints';
import { trackState } from '../shared/metrics';
import { complaintProjection } from './projection';
import { buildComplaintSubgraph } from './schema';
import { ComplaintService } from './service';

export const COMPLAINT_PROJECTIONS = [complaintProjection, caseIndexProjection];

/**
 * The complaint runtime also signs checkpoints of the log's stream heads at intervals
 * (DUMAS_CHECKPOINT_INTERVAL_MS, default a minute; 0 turns it off), so auditors can tell a truncated tail
 * from an intact one.
 */
export async function startComplaintRuntime(
  options: Omit<RuntimeOptions, 'name' | 'projections'> = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<SubgraphRuntime> {
  const runtime = await startRuntime({ ...options, name: 'complaint', projections: COMPLAINT_PROJECTIONS });
  const intervalMs = Number(env.DUMAS_CHECKPOINT_INTERVAL_MS ?? 60_000);
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) return runtime;
  const checkpoints = CheckpointStore.forDataDir(runtime.config.dataDir);
  const checkpointer = startCheckpointer(
    runtime.store,
    checkpoints,
    loadCheckpointKeys(runtime.config.dataDir, env),
    {
      intervalMs,
      onError: (err) => runtime.logger.error({ err }, 'signed checkpoint failed'),
    },
  );
  const untrack = trackState({
    service: 'complaint',
    checkpointAgeSeconds: () => {
      const at = checkpointer.lastPassAt();
      return at === undefined ? undefined : (Date.now() - at) / 1000;
    },
  });
  return {
    ...runtime,
    async close() {
      untrack();
      await checkpointer.stop();
      checkpoints.close();
      await runtime.close();
    },
  };
}

export async function createComplaintServer(
  runtime: SubgraphRuntime,
  options: Partial<Parameters<typeof createSubgraphServer<ComplaintContext>>[0]> = {},
): Promise<SubgraphServer<ComplaintContext>> {
  const { schema } = await buildComplaintSubgraph();
  const complaints = new ComplaintService(runtime);
  const server = createSubgraphServer<ComplaintContext>({
    name: 'complaint',
    schema,
    logger: runtime.logger,
    context: (base) => ({ ...base, complaints }),
    ready: () => true,
    ...options,
  });
  // Subscription.caseEvents over graphql-ws on the same port (the gateway's upstream).
  return attachCaseEventSubscriptions(
    server,
    schema,
    runtime,
    complaints,
    options.authenticator ?? defaultAuth(),
  );
}
