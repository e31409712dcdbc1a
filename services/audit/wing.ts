/**
 * The audit side of a subgraph runtime (settings: the audit section of services/shared/config.ts): the
 * checkpoints file, the keys, the witness and, in the replica that signs, the running checkpointer; kept
 * per runtime so the integrity resolver and `/ready` see the same state as the signer.
 */
import type { SubgraphRuntime } from '../shared/runtime';
import type { Work } from '../shared/workers/registry';
import { type Checkpointer, startCheckpointer } from './checkpointer';
import { type Checkpoint, type CheckpointKeys, CheckpointStore, loadCheckpointKeys } from './checkpoints';
import type { IntegrityProblem } from './integrity';
import { DirectoryWitness, readHead, WitnessHeadError } from './witness';

export interface AuditWing {
  readonly file: CheckpointStore;
  readonly keys: CheckpointKeys;
  readonly witness?: DirectoryWitness;
  /** The checkpointer, while it runs in this replica (it signs once across replicas). */
  readonly checkpointer?: Checkpointer;
  /** Starts the checkpointer (when its interval is not 0): a worker of the runtime, under its lease. */
  startCheckpointer(): Work;
  /** The newest witness head, verified; or the problem with it. */
  witnessHead(): { checkpoint?: Checkpoint; problem?: IntegrityProblem };
  stop(): Promise<void>;
}

const AUDIT = 'audit';

function openWing(runtime: SubgraphRuntime): AuditWing {
  const { dataDir, audit: settings, production } = runtime.config;
  const file = CheckpointStore.forDataDir(dataDir);
  const keys = loadCheckpointKeys(dataDir, settings, { production });
  const witness = settings.witnessDir ? new DirectoryWitness(settings.witnessDir) : undefined;
  let checkpointer: Checkpointer | undefined;
  const start = () => {
    if (!keys.anchored) {
      runtime.logger.warn(
        'checkpoints are signed with a development key under the data directory: set DUMAS_CHECKPOINT_PRIVATE_KEY_FILE outside it',
      );
    }
    return startCheckpointer(runtime.store, file, keys, {
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
    });
  };
  return {
    file,
    keys,
    ...(witness ? { witness } : {}),
    get checkpointer() {
      return checkpointer;
    },
    startCheckpointer() {
      if (settings.checkpointIntervalMs > 0) checkpointer ??= start();
      return {
        async stop() {
          await checkpointer?.stop();
          checkpointer = undefined;
        },
        state: {
          checkpointAgeSeconds: () => {
            const at = checkpointer?.lastPassAt();
            return at === undefined ? undefined : (Date.now() - at) / 1000;
          },
        },
      };
    },
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
    // The checkpointer, a worker done once, has stopped before: the runtime stops those first.
    async stop() {
      file.close();
    },
  };
}

/** The wing of a runtime, opened on first use (the complaint subgraph opens it as a worker: see mount.ts). */
export function auditWingOf(runtime: SubgraphRuntime): AuditWing {
  let wing = runtime.extensions.get(AUDIT) as AuditWing | undefined;
  if (!wing) {
    wing = openWing(runtime);
    runtime.extensions.set(AUDIT, wing);
  }
  return wing;
}
