/**
 * The checkpointer: verifies what was appended since the last checkpoint, then signs and keeps the next
 * one (checkpoints file, a copy in the log, the witness). It never signs over damage: it refuses, records
 * an alert (seen by `integrity`, the CLI and `/ready`), and says so loudly in the log.
 */
import { yieldToEventLoop } from '../shared/event-loop';
import type { EventStore } from '../shared/eventstore/types';
import {
  advanceDigest,
  appendToLog,
  CHECKPOINT_STREAM,
  type Checkpoint,
  type CheckpointAlert,
  type CheckpointKeys,
  type CheckpointStore,
  checkpointDigest,
  HeadsLattice,
  type LedgerRow,
  type StreamHead,
  signBody,
} from './checkpoints';
import { EventJudge, type IntegrityProblem, loadAnchors } from './integrity';
import { type DirectoryWitness, headOf, readHead, WitnessHeadError } from './witness';

export class CheckpointRefusedError extends Error {
  constructor(readonly problem: IntegrityProblem) {
    super(
      `checkpoint refused: ${problem.kind}${problem.position !== null ? ` at position ${problem.position}` : ''}` +
        `${problem.streamId ? ` (${problem.streamId}@${problem.revision})` : ''}: ${problem.reason}`,
    );
    this.name = 'CheckpointRefusedError';
  }
}

export interface TakeCheckpointOptions {
  readonly now?: () => Date;
  /** Publishes each head, and holds the store to the newest head published. */
  readonly witness?: DirectoryWitness;
  /** The last checkpoint this process signed: the store must still hold it. */
  readonly memory?: { last?: Checkpoint };
  readonly pageSize?: number;
}

const PAGE = 2_000;

/**
 * Verifies, then signs the next checkpoint over everything appended since the last one. Returns the
 * latest checkpoint (the new one, or the last one when nothing but checkpoint copies was appended since;
 * undefined for an empty log). Throws CheckpointRefusedError, having signed nothing, on any damage.
 */
export async function takeCheckpoint(
  store: EventStore,
  file: CheckpointStore,
  keys: CheckpointKeys,
  options: TakeCheckpointOptions = {},
): Promise<Checkpoint | undefined> {
  const refuse = (problem: IntegrityProblem): never => {
    throw new CheckpointRefusedError(problem);
  };
  const forged = (reason: string): never =>
    refuse({ kind: 'FORGED_CHECKPOINT', position: null, streamId: '', revision: -1, reason });
  const takenAt = (options.now ?? (() => new Date()))().toISOString();
  let witnessed: Checkpoint | undefined;
  const newestHead = options.witness?.newest();
  if (newestHead) {
    try {
      witnessed = readHead(newestHead, keys).checkpoint;
    } catch (err) {
      if (!(err instanceof WitnessHeadError)) throw err;
      forged(`the newest head in the witness cannot be trusted: ${err.message}`);
    }
  }
  const anchors = await loadAnchors(store, file, keys, witnessed ? { witness: witnessed } : {});
  if (anchors.problems[0]) refuse(anchors.problems[0]);
  const remembered = options.memory?.last;
  if (remembered && anchors.chain[remembered.body.seq - 1]?.bodyText !== remembered.bodyText) {
    forged(`checkpoint ${remembered.body.seq}, signed by this process, is no longer in the store`);
  }
  const latest = anchors.latest;
  if (latest && anchors.logCopies < latest.body.seq) await appendToLog(store, latest);
  // The signed heads stay as they are; what this pass moves goes into `changed` (a tick's cost follows
  // what was appended, not how many streams there are).
  const signedHeads = latest ? await file.signedHeads(latest) : undefined;
  const changed = new Map<string, StreamHead>();
  let added = 0;
  const judge = new EventJudge(anchors);
  let position = latest?.body.headPosition ?? 0;
  if (latest && latest.body.eventCount > 0) {
    // The signed prefix still ends where it was signed.
    const [last] = await store.readAll({ fromPosition: position - 1, maxCount: 1 });
    const signed = file.ledgerAt(position);
    if (!signed) forged(`the ledger lacks the head of checkpoint ${latest.body.seq}`);
    if (!last || last.position !== position) judge.missing(signed!);
    else judge.see(last);
    if (judge.problems[0]) refuse(judge.problems[0]);
  }
  let count = latest?.body.eventCount ?? 0;
  let digest = latest?.body.logDigest ?? '';
  const covered: LedgerRow[] = [];
  for (;;) {
    const page = await store.readAll({ fromPosition: position, maxCount: options.pageSize ?? PAGE });
    for (const event of page) {
      const signedHead = signedHeads?.heads.get(event.streamId);
      if (signedHead && !judge.reached.has(event.streamId))
        judge.reached.set(event.streamId, [signedHead[0], signedHead[1]]);
      judge.see(event);
      if (judge.damagedStreams) refuse(judge.problems[0]!);
      if (!signedHead && !changed.has(event.streamId)) added++;
      changed.set(event.streamId, [event.revision, event.hash, event.position]);
      digest = advanceDigest(digest, event);
      count++;
      position = event.position;
      covered.push({
        position: event.position,
        id: event.id,
        streamId: event.streamId,
        revision: event.revision,
        hash: event.hash,
      });
    }
    if (page.length < (options.pageSize ?? PAGE)) break;
    await yieldToEventLoop();
  }
  if (covered.every((row) => row.streamId === CHECKPOINT_STREAM)) {
    file.clearAlert();
    return latest;
  }
  // The set digest moves by what changed: each changed stream's signed head out, its new head in.
  const lattice = signedHeads?.lattice.clone() ?? new HeadsLattice();
  for (const [streamId, head] of changed) {
    const before = signedHeads?.heads.get(streamId);
    if (before) lattice.remove(streamId, before);
    lattice.add(streamId, head);
  }
  const cp = signBody(
    {
      v: 3,
      seq: (latest?.body.seq ?? 0) + 1,
      previous: latest ? checkpointDigest(latest) : '',
      takenAt,
      fromPosition: latest?.body.headPosition ?? 0,
      headPosition: position,
      eventCount: count,
      logDigest: digest,
      streamCount: (signedHeads?.heads.size ?? 0) + added,
      headsDigest: lattice.digest(),
      keyId: keys.keyId,
    },
    keys,
  );
  // The file first: a copy missing from the log is written again on the next tick, never the reverse.
  file.record(cp, { base: signedHeads, changed, lattice }, covered);
  await appendToLog(store, cp);
  options.witness?.publish(headOf(cp, keys));
  if (options.memory) options.memory.last = cp;
  return cp;
}

export interface CheckpointerOptions extends TakeCheckpointOptions {
  readonly intervalMs?: number;
  /** A refusal: the alert was recorded; say it loudly. */
  readonly onRefused?: (alert: CheckpointAlert) => void;
  /** Anything else that failed (the store unreachable, a full disk). */
  readonly onError?: (err: unknown) => void;
  /** A checkpoint was signed. */
  readonly onSigned?: (cp: Checkpoint) => void;
}

export interface Checkpointer {
  /** The standing refusal, when the last tick refused to sign. */
  alert(): CheckpointAlert | undefined;
  /** When a pass last verified and signed (or found nothing new), in epoch ms; undefined before the first. */
  lastPassAt(): number | undefined;
  /** Runs one tick now (after any running one). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

export function alertOf(problem: IntegrityProblem, at: Date = new Date()): CheckpointAlert {
  return {
    at: at.toISOString(),
    kind: problem.kind,
    reason: problem.reason,
    position: problem.position,
    streamId: problem.streamId || null,
    revision: problem.revision >= 0 ? problem.revision : null,
  };
}

/** Takes a checkpoint now and then at intervals until stopped; one at a time. */
export function startCheckpointer(
  store: EventStore,
  file: CheckpointStore,
  keys: CheckpointKeys,
  options: CheckpointerOptions = {},
): Checkpointer {
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let alert: CheckpointAlert | undefined;
  let lastPassAt: number | undefined;
  const memory = options.memory ?? {};
  const once = async () => {
    if (stopped) return;
    try {
      const before = memory.last;
      const cp = await takeCheckpoint(store, file, keys, { ...options, memory });
      alert = undefined;
      lastPassAt = Date.now();
      if (cp && cp !== before && cp.body.seq !== before?.body.seq) options.onSigned?.(cp);
    } catch (err) {
      if (!(err instanceof CheckpointRefusedError)) throw err;
      alert = alertOf(err.problem);
      file.raiseAlert(alert);
      options.onRefused?.(alert);
    }
  };
  const tick = () => {
    running = running.then(once).catch((err) => options.onError?.(err));
    return running as Promise<void>;
  };
  void tick();
  const timer = setInterval(tick, options.intervalMs ?? 60_000);
  timer.unref();
  return {
    alert: () => alert,
    lastPassAt: () => lastPassAt,
    tick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
