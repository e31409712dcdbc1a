/**
 * The audit side of a subgraph runtime: the checkpoints file, the keys, the witness and the running
 * checkpointer, kept per runtime so the integrity resolver and `/ready` see the same state as the signer.
 */
import path from 'node:path';
import type { SubgraphRuntime } from '../shared/runtime';
import { type Checkpointer, startCheckpointer } from './checkpointer';
import { type Checkpoint, type CheckpointKeys, CheckpointStore, loadCheckpointKeys } from './checkpoints';
import type { IntegrityProblem } from './integrity';
import { DirectoryWitness, readHead, WitnessHeadError } from './witness';

/** The checkpoint settings, validated: a bad value stops the process with the variable's name. */
export interface CheckpointSettings {
  /** 0: no checkpointer in this process. */
  readonly intervalMs: number;
  readonly witnessDir?: string;
}

export function checkpointSettings(env: NodeJS.ProcessEnv = process.env): CheckpointSettings {
  const raw = env.DUMAS_CHECKPOINT_INTERVAL_MS;
  const intervalMs = raw === undefined || raw === '' ? 60_000 : Number(raw);
  if (!Number.isInteger(intervalMs) || intervalMs < 0) {
    throw new Error('DUMAS_CHECKPOINT_INTERVAL_MS must be a whole number of milliseconds (0: off)');
  }
  const witnessDir = env.DUMAS_CHECKPOINT_WITNESS_DIR || undefined;
  return { intervalMs, ...(witnessDir ? { witnessDir: path.resolve(witnessDir) } : {}) };
}

export interface AuditWing {
  readonly file: CheckpointStore;
  readonly keys: CheckpointKeys;
  readonly witness?: DirectoryWitness;
  readonly checkpointer?: Checkpointer;
  /** The newest witness head, verified; or the problem with it. */
  witnessHead(): { checkpoint?: Checkpoint; problem?: IntegrityProblem };
  close(): Promise<void>;
}

const wings = new WeakMap<SubgraphRuntime, AuditWing>();

function openWing(
  runtime: SubgraphRuntime,
  env: NodeJS.ProcessEnv,
  settings: CheckpointSettings,
  run: boolean,
): AuditWing {
  const dataDir = runtime.config.dataDir;
  const file = CheckpointStore.forDataDir(dataDir);
  const keys = loadCheckpointKeys(dataDir, env);
  const witness = settings.witnessDir ? new DirectoryWitness(settings.witnessDir) : undefined;
  const checkpointer =
    run && settings.intervalMs > 0
      ? startCheckpointer(runtime.store, file, keys, {
          intervalMs: settings.intervalMs,
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
export function startAuditWing(runtime: SubgraphRuntime, env: NodeJS.ProcessEnv = process.env): AuditWing {
  const wing = openWing(runtime, env, checkpointSettings(env), true);
  wings.set(runtime, wing);
  return wing;
}

/** The wing of a runtime; one without a checkpointer (verification only) when none was started. */
export function auditWingOf(runtime: SubgraphRuntime, env: NodeJS.ProcessEnv = process.env): AuditWing {
  let wing = wings.get(runtime);
  if (!wing) {
    wing = openWing(runtime, env, checkpointSettings(env), false);
    wings.set(runtime, wing);
  }
  return wing;
}
