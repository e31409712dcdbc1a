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
  start(runtime) {
    const wing = startAuditWing(runtime);
    const checkpointer = wing.checkpointer;
    const untrack = checkpointer
      ? trackState({
          service: 'complaint',
          checkpointAgeSeconds: () => {
            const at = checkpointer.lastPassAt();
            return at === undefined ? undefined : (Date.now() - at) / 1000;
          },
        })
      : () => {};
    return {
      async stop() {
        untrack();
        await wing.close();
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
