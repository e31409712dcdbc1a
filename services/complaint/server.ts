/** The complaint subgraph over a runtime: tests start it in-process; index.ts only listens. */
import { defaultAuth } from '../shared/auth';
import { createSubgraphServer, type SubgraphServer } from '../shared/graphql/subgraph';
import { type SubgraphRuntime, startRuntime, type RuntimeOptions } from '../shared/runtime';
import type { ComplaintContext } from './graphql/context';
import { attachCaseEventSubscriptions } from './graphql/subscriptions';
import { caseIndexProjection } from '../audit/case-events';
import { auditWingOf, startAuditWing } from '../audit/wing';
import { trackState } from '../shared/metrics';
import { complaintProjection } from './projection';
import { buildComplaintSubgraph } from './schema';
import { ComplaintService } from './service';

export const COMPLAINT_PROJECTIONS = [complaintProjection, caseIndexProjection];

/**
 * The complaint runtime also runs the checkpointer (DUMAS_CHECKPOINT_INTERVAL_MS, default a minute; 0
 * turns it off): it verifies what was appended since the last signed checkpoint and signs the next one,
 * or refuses and raises the integrity alert that `/ready` and `integrity` report.
 */
export async function startComplaintRuntime(
  options: Omit<RuntimeOptions, 'name' | 'projections'> = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<SubgraphRuntime> {
  const runtime = await startRuntime({ ...options, name: 'complaint', projections: COMPLAINT_PROJECTIONS });
  let wing: ReturnType<typeof startAuditWing>;
  let untrack = () => {};
  const withWing: SubgraphRuntime = {
    ...runtime,
    async close() {
      untrack();
      await wing.close();
      await runtime.close();
    },
  };
  try {
    wing = startAuditWing(withWing, env);
    const checkpointer = wing.checkpointer;
    if (checkpointer) {
      untrack = trackState({
        service: 'complaint',
        checkpointAgeSeconds: () => {
          const at = checkpointer.lastPassAt();
          return at === undefined ? undefined : (Date.now() - at) / 1000;
        },
      });
    }
  } catch (err) {
    await runtime.close();
    throw err;
  }
  return withWing;
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
    // Degraded while the checkpointer refuses to sign: the store was altered outside the application.
    ready: () => {
      const alert = auditWingOf(runtime).checkpointer?.alert();
      return alert ? `integrity alert: ${alert.kind}` : true;
    },
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
