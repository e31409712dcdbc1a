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
import { caseIndexProjection } from './case-events';
import { ComplaintAudit } from './graphql/case-audit';
import {
  attachCaseEventSubscriptions,
  ComplaintSubscriptions,
  NO_PUBSUB,
} from './graphql/case-events-subscription';
import { auditWingOf } from './wing';

export const auditWing: ComplaintWing = {
  resolvers: [ComplaintAudit, ComplaintSubscriptions],
  projections: [caseIndexProjection],
  buildOptions: { pubSub: NO_PUBSUB },
  // One checkpointer across replicas: it signs in the holder of its lease (on SQLite, always here); the
  // other replicas keep a verification-only wing (auditWingOf) for integrity and /ready.
  async start(runtime) {
    const wing = await runtime.workers.start('audit', () => auditWingOf(runtime));
    await runtime.workers.startOnce('audit.checkpointer', () => wing.startCheckpointer());
  },
  // Degraded while the checkpointer refuses to sign: the store was altered outside the application.
  ready(runtime) {
    const alert = auditWingOf(runtime).checkpointer?.alert();
    return alert ? `integrity alert: ${alert.kind}` : true;
  },
  attach: attachCaseEventSubscriptions,
};
