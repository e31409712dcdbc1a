/**
 * The audit wing: what concerns a whole case across the three subgraphs (history, the case as of an
 * instant, integrity against signed checkpoints, the live case-events subscription), mounted into the
 * complaint subgraph by the registry (services/subgraphs.ts). It reads the other subgraphs only through
 * their contracts.
 *
 * The wing also signs checkpoints of the log's stream heads at intervals (DUMAS_CHECKPOINT_INTERVAL_MS,
 * default a minute; 0 turns it off), so auditors can tell a truncated tail from an intact one.
 */
import type { ComplaintWing } from '../complaint/contract-entity';
import { trackState } from '../shared/metrics';
import { caseIndexProjection } from './case-events';
import { CheckpointStore, loadCheckpointKeys, startCheckpointer } from './checkpoints';
import { ComplaintAudit } from './graphql/case-audit';
import {
  attachCaseEventSubscriptions,
  ComplaintSubscriptions,
  NO_PUBSUB,
} from './graphql/case-events-subscription';

export const auditWing: ComplaintWing = {
  resolvers: [ComplaintAudit, ComplaintSubscriptions],
  projections: [caseIndexProjection],
  buildOptions: { pubSub: NO_PUBSUB },
  start(runtime) {
    const intervalMs = runtime.config.audit.checkpointIntervalMs;
    if (intervalMs <= 0) return undefined;
    const checkpoints = CheckpointStore.forDataDir(runtime.config.dataDir);
    const checkpointer = startCheckpointer(
      runtime.store,
      checkpoints,
      loadCheckpointKeys(runtime.config.dataDir, runtime.config.audit),
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
      async stop() {
        untrack();
        await checkpointer.stop();
        checkpoints.close();
      },
    };
  },
  attach: attachCaseEventSubscriptions,
};
