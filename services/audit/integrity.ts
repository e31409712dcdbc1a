/**
 * Integrity verdicts: a case's streams, or the whole store, held against their hash chains and the last
 * signed checkpoint.
 *
 * What each check catches:
 * - the chain: an edited, deleted, reordered or inserted row, and a row appended with a hash the store
 *   did not compute (verifyChain in services/shared/eventstore/hash.ts);
 * - the checkpoint's stream heads: a truncated tail (the stream is shorter than it was when signed), or a
 *   rewritten chain (the hash at the signed revision differs);
 * - the checkpoint's coverage: a row whose position lies inside the signed range, or that claims to have
 *   been recorded before the checkpoint was taken, yet is not part of it — written around the store;
 * - (whole store) the signed event count and log digest: rows deleted or slipped in anywhere in the
 *   signed range, whole streams included.
 * What no check can catch: a writer with database access who appends a correctly hashed event after the
 * last checkpoint with a current timestamp; the next checkpoint signs it. Checkpoints often keep that
 * window short.
 */
import type { EventStore, RecordedEvent } from '../shared/eventstore/types';
import { verifyChain } from '../shared/eventstore/hash';
import type { ReadModelStore } from '../shared/projections/types';
import { readCaseEvents, streamsOf } from './case-events';
import {
  advanceDigest,
  type Checkpoint,
  type CheckpointKeys,
  CheckpointSignatureError,
  type CheckpointStore,
  chainBreak,
  type StreamHead,
} from './checkpoints';

/** How far a store's recordedAt may trail the checkpointer's clock (a commit racing the head read). */
export const RECORDED_AT_TOLERANCE_MS = 5_000;

export interface IntegrityProblem {
  readonly streamId: string;
  /** The first revision at which the stream does not hold. */
  readonly revision: number;
  readonly reason: string;
}

export interface IntegrityVerdict {
  readonly ok: boolean;
  readonly streamsChecked: number;
  readonly eventsChecked: number;
  /** The checkpoint held against, or null when none was ever taken (tails are then unchecked). */
  readonly checkpoint: {
    readonly seq: number;
    readonly takenAt: string;
    readonly headPosition: number;
  } | null;
  /** The first problem found (the whole-store check lists up to `maxProblems`). */
  readonly problems: readonly IntegrityProblem[];
}

function checkpointRef(cp: Checkpoint | undefined) {
  return cp ? { seq: cp.seq, takenAt: cp.body.takenAt, headPosition: cp.body.headPosition } : null;
}

/** Why an event the checkpoint does not cover should have been covered, or undefined. */
function outsideCheckpoint(event: RecordedEvent, cp: Checkpoint): string | undefined {
  if (event.position <= cp.body.headPosition) {
    return `position ${event.position} lies inside checkpoint ${cp.seq} but the event is not part of it`;
  }
  if (Date.parse(event.recordedAt) < Date.parse(cp.body.takenAt) - RECORDED_AT_TOLERANCE_MS) {
    return `recorded at ${event.recordedAt}, before checkpoint ${cp.seq} was taken, yet not part of it`;
  }
  return undefined;
}

/** A stream's events (in revision order) against its chain and the checkpoint's head for it. */
export function verifyStreamAgainst(
  streamId: string,
  events: readonly RecordedEvent[],
  cp: Checkpoint | undefined,
): IntegrityProblem | undefined {
  const chain = verifyChain(streamId, events);
  if (!chain.ok) return { streamId, revision: chain.brokenAt, reason: chain.reason };
  if (!cp) return undefined;
  const head = cp.body.streams[streamId];
  if (head) {
    const [revision, hash] = head;
    if (events.length - 1 < revision) {
      return {
        streamId,
        revision: events.length,
        reason: `truncated: checkpoint ${cp.seq} signed revision ${revision}, the stream ends at ${events.length - 1}`,
      };
    }
    if (events[revision]!.hash !== hash) {
      return { streamId, revision, reason: `the chain differs from checkpoint ${cp.seq} at this revision` };
    }
  }
  for (const event of events.slice(head ? head[0] + 1 : 0)) {
    const reason = outsideCheckpoint(event, cp);
    if (reason) return { streamId, revision: event.revision, reason };
  }
  return undefined;
}

function latestOrProblem(
  checkpoints: CheckpointStore | undefined,
  keys: CheckpointKeys | undefined,
): { cp?: Checkpoint; problem?: IntegrityProblem } {
  if (!checkpoints || !keys) return {};
  try {
    const cp = checkpoints.latest(keys);
    return cp ? { cp } : {};
  } catch (err) {
    if (err instanceof CheckpointSignatureError) {
      return { problem: { streamId: '', revision: -1, reason: err.message } };
    }
    throw err;
  }
}

/** Every stream the case touches, against its chain and the last signed checkpoint. */
export async function verifyCaseIntegrity(
  store: EventStore,
  caseId: string,
  checkpoints?: CheckpointStore,
  keys?: CheckpointKeys,
  index?: ReadModelStore,
): Promise<IntegrityVerdict> {
  const { cp, problem } = latestOrProblem(checkpoints, keys);
  const streams = streamsOf(await readCaseEvents(store, caseId, index ? { index } : {}));
  let eventsChecked = 0;
  const problems: IntegrityProblem[] = problem ? [problem] : [];
  for (const streamId of streams) {
    if (problems.length) break;
    const events = await store.readStream(streamId);
    eventsChecked += events.length;
    const found = verifyStreamAgainst(streamId, events, cp);
    if (found) problems.push(found);
  }
  return {
    ok: problems.length === 0,
    streamsChecked: streams.length,
    eventsChecked,
    checkpoint: checkpointRef(cp),
    problems,
  };
}

export interface VerifyStoreOptions {
  /** Called every page with the position reached and the head position. */
  readonly onProgress?: (position: number, head: number) => void;
  readonly maxProblems?: number;
  readonly pageSize?: number;
}

/**
 * The whole log in one pass, in log order and bounded memory (one head per stream): every chain, every
 * signed checkpoint's count and digest at its head position, and the last checkpoint's stream heads.
 */
export async function verifyStore(
  store: EventStore,
  checkpoints: CheckpointStore | undefined,
  keys: CheckpointKeys | undefined,
  options: VerifyStoreOptions = {},
): Promise<IntegrityVerdict> {
  const max = options.maxProblems ?? 20;
  const pageSize = options.pageSize ?? 2_000;
  const problems: IntegrityProblem[] = [];
  let signed: Checkpoint[] = [];
  if (checkpoints && keys) {
    try {
      signed = checkpoints.all(keys);
    } catch (err) {
      if (!(err instanceof CheckpointSignatureError)) throw err;
      problems.push({ streamId: '', revision: -1, reason: err.message });
    }
  }
  const last = signed[signed.length - 1];
  const heads = new Map<string, StreamHead>();
  /** Streams already reported: one problem per stream, and its later events are not judged again. */
  const broken = new Set<string>();
  const report = (p: IntegrityProblem) => {
    if (!broken.has(p.streamId)) problems.push(p);
    broken.add(p.streamId);
  };
  let digest = '';
  let count = 0;
  let next = 0;
  const head = await store.headPosition();
  let position = 0;
  const passCheckpoints = (upTo: number) => {
    while (next < signed.length && signed[next]!.body.headPosition <= upTo) {
      const cp = signed[next++]!;
      if (cp.body.eventCount !== count || cp.body.logDigest !== digest) {
        problems.push({
          streamId: '',
          revision: -1,
          reason: `the log up to position ${cp.body.headPosition} differs from checkpoint ${cp.seq} (${count} events, ${cp.body.eventCount} signed)`,
        });
      }
    }
  };
  for (;;) {
    const page = await store.readAll({ fromPosition: position, maxCount: pageSize });
    for (const event of page) {
      passCheckpoints(event.position - 1);
      digest = advanceDigest(digest, event);
      count++;
      position = event.position;
      if (broken.has(event.streamId)) continue;
      const reached = heads.get(event.streamId);
      const reason = chainBreak(event, reached);
      if (reason) {
        // The first revision that does not hold, as the per-stream check names it.
        report({ streamId: event.streamId, revision: reached ? reached[0] + 1 : 0, reason });
        continue;
      }
      heads.set(event.streamId, [event.revision, event.hash]);
      const signedHead = last?.body.streams[event.streamId];
      if (last && signedHead && event.revision === signedHead[0] && event.hash !== signedHead[1]) {
        report({
          streamId: event.streamId,
          revision: event.revision,
          reason: `the chain differs from checkpoint ${last.seq}`,
        });
      } else if (last && (!signedHead || event.revision > signedHead[0])) {
        const outside = outsideCheckpoint(event, last);
        if (outside) report({ streamId: event.streamId, revision: event.revision, reason: outside });
      }
    }
    options.onProgress?.(position, Math.max(head, position));
    if (page.length < pageSize || problems.length >= max) break;
  }
  if (problems.length < max) {
    passCheckpoints(Number.MAX_SAFE_INTEGER);
    for (const [streamId, [revision]] of Object.entries(last?.body.streams ?? {})) {
      const reached = heads.get(streamId);
      if (!broken.has(streamId) && (!reached || reached[0] < revision)) {
        report({
          streamId,
          revision: reached ? reached[0] + 1 : 0,
          reason: `truncated: checkpoint ${last!.seq} signed revision ${revision}`,
        });
      }
    }
  }
  return {
    ok: problems.length === 0,
    streamsChecked: heads.size,
    eventsChecked: count,
    checkpoint: checkpointRef(last),
    problems: problems.slice(0, max),
  };
}

/**
 * The quick check: every stream head the last checkpoint signed is still there with the same hash, and
 * every event recorded since continues its chain from those heads. O(streams + new events).
 */
export async function verifySinceCheckpoint(
  store: EventStore,
  checkpoints: CheckpointStore,
  keys: CheckpointKeys,
  options: VerifyStoreOptions = {},
): Promise<IntegrityVerdict> {
  const { cp, problem } = latestOrProblem(checkpoints, keys);
  if (problem || !cp) {
    return problem
      ? { ok: false, streamsChecked: 0, eventsChecked: 0, checkpoint: null, problems: [problem] }
      : verifyStore(store, undefined, undefined, options);
  }
  const max = options.maxProblems ?? 20;
  const problems: IntegrityProblem[] = [];
  const heads = new Map<string, StreamHead>(Object.entries(cp.body.streams));
  const broken = new Set<string>();
  for (const [streamId, [revision, hash]] of heads) {
    if (problems.length >= max) break;
    const [event] = await store.readStream(streamId, { fromRevision: revision, maxCount: 1 });
    if (!event || event.revision !== revision) {
      problems.push({
        streamId,
        revision,
        reason: `truncated: checkpoint ${cp.seq} signed revision ${revision}`,
      });
      broken.add(streamId);
    } else if (event.hash !== hash) {
      problems.push({
        streamId,
        revision,
        reason: `the chain differs from checkpoint ${cp.seq} at this revision`,
      });
      broken.add(streamId);
    }
  }
  const head = await store.headPosition();
  let position = cp.body.headPosition;
  let count = 0;
  while (problems.length < max) {
    const page = await store.readAll({ fromPosition: position, maxCount: options.pageSize ?? 2_000 });
    for (const event of page) {
      position = event.position;
      count++;
      if (broken.has(event.streamId)) continue;
      const reached = heads.get(event.streamId);
      const reason = chainBreak(event, reached) ?? outsideCheckpoint(event, cp);
      if (reason) {
        problems.push({ streamId: event.streamId, revision: reached ? reached[0] + 1 : 0, reason });
        broken.add(event.streamId);
        continue;
      }
      heads.set(event.streamId, [event.revision, event.hash]);
    }
    options.onProgress?.(position, Math.max(head, position));
    if (page.length < (options.pageSize ?? 2_000)) break;
  }
  return {
    ok: problems.length === 0,
    streamsChecked: heads.size,
    eventsChecked: count,
    checkpoint: checkpointRef(cp),
    problems: problems.slice(0, max),
  };
}
