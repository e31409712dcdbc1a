/**
 * The audit side of a subgraph runtime (settings: the audit section of services/shared/config.ts): the checkpoints file, the keys, the witness and the running
 * checkpointer, kept per runtime so the integrity resolver and `/ready` see the same state as the signer.
 */
import type { SubgraphRuntime } from '../shared/runtime';
import { type Checkpointer, startCheckpointer } from './checkpointer';
import { type Checkpoint, type CheckpointKeys, CheckpointStore, loadCheckpointKeys } from './checkpoints';
import type { IntegrityProblem } from './integrity';
import { DirectoryWitness, readHead, WitnessHeadError } from './witness';

export interface AuditWing {
  readonly file: CheckpointStore;
  readonly keys: CheckpointKeys;
  readonly witness?: DirectoryWitness;
  readonly checkpointer?: Checkpointer;
  /** The newest witness head, verified; or the problem with it. */
  witnessHead(): { checkpoint?: Checkpoint; problem?: IntegrityProblem };
  close(): Promise<void>;
}

const AUDIT = 'audit';

function openWing(runtime: SubgraphRuntime, run: boolean): AuditWing {
  const { dataDir, audit: settings, production } = runtime.config;
  const file = CheckpointStore.forDataDir(dataDir);
  const keys = loadCheckpointKeys(dataDir, settings, { production });
  const witness = settings.witnessDir ? new DirectoryWitness(settings.witnessDir) : undefined;
  const checkpointer =
    run && settings.checkpointIntervalMs > 0
      ? startCheckpointer(runtime.store, file, keys, {
          intervalMs: settings.checkpointIntervalMs,
          ...(witness ? { witness } : {}),
          onRefused: (alert) =>
            runtime.logger.fatal(
              { alert },
              `INTEGRITY ALERT: the checkpointer refused to sign (${alert.kind}${alert.position !== null ? ` at log position ${alert.position}` : ''}); the store was altered outside the application`,
            ),
          onError: (err) => runtime.logger.error({ err }, 'signed checkpoint failed'),
          onSigned: (cp) =>
            runtime.logger.debug({ seq: cp.body.seq, head: cp.body.headPosition }, 'checkpoint signed'),
        })
      : undefined;
  if (!keys.anchored && run) {
    runtime.logger.warn(
      'checkpoints are signed with a development key under the data directory: set DUMAS_CHECKPOINT_PRIVATE_KEY_FILE outside it',
    );
  }
  return {
    file,
    keys,
    ...(witness ? { witness } : {}),
    ...(checkpointer ? { checkpointer } : {}),
    witnessHead() {
      const text = witness?.newest();
      if (!text) return {};
      try {
        return { checkpoint: readHead(text, keys).checkpoint };
      } catch (err) {
        if (!(err instanceof WitnessHeadError)) throw err;
        return {
          problem: {
            kind: 'FORGED_CHECKPOINT',
            position: null,
            streamId: '',
            revision: -1,
            reason: `the newest witness head cannot be trusted: ${err.message}`,
          },
        };
      }
    },
    async close() {
      await checkpointer?.stop();
      file.close();
    },
  };
}

/** Starts the checkpointer for a runtime (when the interval is not 0) and keeps its wing. */
export function startAuditWing(runtime: SubgraphRuntime): AuditWing {
  const wing = openWing(runtime, true);
  runtime.extensions.set(AUDIT, wing);
  return wing;
}

/** The wing of a runtime; one without a checkpointer (verification only) when none was started. */
export function auditWingOf(runtime: SubgraphRuntime): AuditWing {
  let wing = runtime.extensions.get(AUDIT) as AuditWing | undefined;
  if (!wing) {
    wing = openWing(runtime, false);
    runtime.extensions.set(AUDIT, wing);
  }
  return wing;
}
