/**
 * The audit wing as mounted into the complaint subgraph by the registry (services/subgraphs.ts): what
 * concerns a whole case across the three subgraphs (history, the case as of an instant, integrity against
 * signed checkpoints, the live case-events subscription). It reads the other subgraphs only through their
 * contracts.
 *
 * The wing also runs the checkpointer (DUMAS_CHECKPOINT_INTERVAL_MS, default a minute; 0 turns it off):
 * it verifies what was appended since the last signed checkpoint and signs the next one, or refuses and
 * raises the integrity alert that `/ready` and `integrity` report.
 */
import type { ComplaintWing } from '../complaint/contract-entity';
import { trackState } from '../shared/metrics';
import { caseIndexProjection } from './case-events';
import { ComplaintAudit } from './graphql/case-audit';
import {
  attachCaseEventSubscriptions,
  ComplaintSubscriptions,
  NO_PUBSUB,
} from './graphql/case-events-subscription';
import { auditWingOf, startAuditWing } from './wing';

export const auditWing: ComplaintWing = {
  resolvers: [ComplaintAudit, ComplaintSubscriptions],
  projections: [caseIndexProjection],
  buildOptions: { pubSub: NO_PUBSUB },
  // One checkpointer across replicas: it signs in the holder of its lease (on SQLite, always here); the
  // other replicas keep a verification-only wing (auditWingOf) for integrity and /ready.
  async start(runtime) {
    const started: ReturnType<typeof startAuditWing>[] = [];
    let untrack = () => {};
    await runtime.leases.run('audit.checkpointer', async () => {
      const wing = startAuditWing(runtime);
      started.push(wing);
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
    return {
      async stop() {
        untrack();
        for (const wing of started) await wing.close();
      },
    };
  },
  // Degraded while the checkpointer refuses to sign: the store was altered outside the application.
  ready(runtime) {
    const alert = auditWingOf(runtime).checkpointer?.alert();
    return alert ? `integrity alert: ${alert.kind}` : true;
  },
  attach: attachCaseEventSubscriptions,
};
