/** The complaint subgraph over a runtime: tests start it in-process; index.ts only listens. */
import { defaultAuth } from '../shared/auth';
import { createSubgraphServer, type SubgraphServer } from '../shared/graphql/subgraph';
import { type SubgraphRuntime, startRuntime, type RuntimeOptions } from '../shared/runtime';
import type { ComplaintContext } from './graphql/context';
import { attachCaseEventSubscriptions } from './graphql/subscriptions';
import { caseIndexProjection } from '../audit/case-events';
import { auditWingOf, startAuditWing } from '../audit/wing';
import { type Channels, channelsConfigured, startChannels } from '../channels';
import { trackState } from '../shared/metrics';
import { complaintProjection } from './projection';
import { buildComplaintSubgraph } from './schema';
import { ComplaintService } from './service';

export const COMPLAINT_PROJECTIONS = [complaintProjection, caseIndexProjection];

/** The complaint runtime runs the intake channels when any is configured (services/channels). */
export interface ComplaintRuntime extends SubgraphRuntime {
  readonly channels?: Channels;
}

/**
 * The complaint runtime also runs the checkpointer (DUMAS_CHECKPOINT_INTERVAL_MS, default a minute; 0
 * turns it off): it verifies what was appended since the last signed checkpoint and signs the next one,
 * or refuses and raises the integrity alert that `/ready` and `integrity` report.
 */
export async function startComplaintRuntime(
  options: Omit<RuntimeOptions, 'name' | 'projections'> = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<ComplaintRuntime> {
  const runtime = await startRuntime({ ...options, name: 'complaint', projections: COMPLAINT_PROJECTIONS });
  let channels: Channels | undefined;
  try {
    if (channelsConfigured(env))
      channels = await startChannels(runtime, new ComplaintService(runtime), { env });
  } catch (err) {
    await runtime.close();
    throw err;
  }
  const wings: ReturnType<typeof startAuditWing>[] = [];
  let untrack = () => {};
  const withWing: ComplaintRuntime = {
    ...runtime,
    ...(channels ? { channels } : {}),
    async close() {
      untrack();
      await channels?.stop();
      await runtime.close(); // gives up the checkpointer's lease first
      for (const wing of wings) await wing.close();
    },
  };
  try {
    // One checkpointer across replicas: it signs in the holder of its lease (on SQLite, always here);
    // the other replicas keep a verification-only wing (auditWingOf) for integrity and /ready.
    await runtime.leases.run('audit.checkpointer', async () => {
      const wing = startAuditWing(withWing, env);
      wings.push(wing);
      const checkpointer = wing.checkpointer;
      if (checkpointer) {
        untrack();
        untrack = trackState({
          service: 'complaint',
          checkpointAgeSeconds: () => {
            const at = checkpointer.lastPassAt();
            return at === undefined ? undefined : (Date.now() - at) / 1000;
          },
        });
      }
      return { stop: async () => checkpointer?.stop() };
    });
  } catch (err) {
    await channels?.stop();
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
    // The channels' webhooks (WhatsApp), which the gateway serves on its own host.
    routes: { ...(runtime as ComplaintRuntime).channels?.routes, ...options.routes },
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
