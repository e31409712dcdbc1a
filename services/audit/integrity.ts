/**
 * Integrity verdicts: a case's streams, or the whole store, held against their hash chains, the signed
 * checkpoints and the ledger of what each checkpoint covered. Both checks judge every event with the same
 * function (`EventJudge`) and report damage the same way, so they agree: the first altered row by log
 * position, stream and revision, and the kind of damage.
 *
 * Kinds of damage:
 * - EDITED: a signed event's content changed (re-hashed or not);
 * - REMOVED: a signed event is gone while later events of its stream remain;
 * - TRUNCATED: the tail of a stream is gone;
 * - INSERTED: an event the store did not append: inside the signed range but not signed, back-dated
 *   before the last checkpoint, or not continuing its stream's chain;
 * - REORDERED: a signed event now lies at another log position or claims another revision;
 * - FORGED_CHECKPOINT: a checkpoint record without a valid signature of the configured key, a broken
 *   chain of checkpoints, records missing from the file or from the log, or a witness head the store
 *   no longer extends.
 *
 * What no check can catch: a writer with database access who appends a correctly hashed event after the
 * last checkpoint with a current timestamp; the next checkpoint signs it. Checkpoints often keep that
 * window short, and the witness keeps every earlier head safe.
 */
import { yieldToEventLoop } from '../shared/event-loop';
import type { EventStore, RecordedEvent } from '../shared/eventstore/types';
import type { ReadModelStore } from '../shared/projections/types';
import { readCaseEvents, streamsOf } from './case-events';
import {
  advanceDigest,
  type Checkpoint,
  type CheckpointAlert,
  type CheckpointKeys,
  type CheckpointStore,
  chainBreak,
  type HeadsView,
  checkpointDigest,
  type LedgerRow,
  readLogCheckpoints,
  signatureHolds,
} from './checkpoints';

/** How far a store's recordedAt may trail the checkpointer's clock (a commit racing the head read). */
export const RECORDED_AT_TOLERANCE_MS = 5_000;

export type DamageKind = 'EDITED' | 'REMOVED' | 'TRUNCATED' | 'INSERTED' | 'REORDERED' | 'FORGED_CHECKPOINT';

export interface IntegrityProblem {
  readonly kind: DamageKind;
  /** The log position of the altered row (where it was signed, or where it lies); null when unknown. */
  readonly position: number | null;
  /** '' for a problem of the checkpoints rather than of a stream. */
  readonly streamId: string;
  /** The first revision that does not hold; -1 for a checkpoint problem. */
  readonly revision: number;
  readonly reason: string;
}

export interface CheckpointRef {
  readonly seq: number;
  readonly takenAt: string;
  readonly headPosition: number;
}

export interface IntegrityVerdict {
  readonly ok: boolean;
  readonly streamsChecked: number;
  readonly eventsChecked: number;
  /** The newest trusted checkpoint held against, or null when there is none. */
  readonly checkpoint: CheckpointRef | null;
  /** Whether the verifying key came from configuration or a witness head (not from the data dir). */
  readonly anchored: boolean;
  /** The checkpointer's standing refusal to sign, when there is one. */
  readonly alert: CheckpointAlert | null;
  /** Every problem found, in log order (up to `maxProblems`); the first names the first altered row. */
  readonly problems: readonly IntegrityProblem[];
}

const ref = (cp: Checkpoint | undefined): CheckpointRef | null =>
  cp ? { seq: cp.body.seq, takenAt: cp.body.takenAt, headPosition: cp.body.headPosition } : null;

const byPosition = (a: IntegrityProblem, b: IntegrityProblem) =>
  (a.position ?? Number.MAX_SAFE_INTEGER) - (b.position ?? Number.MAX_SAFE_INTEGER);

const witnessOption = (witness: Checkpoint | undefined): AnchorOptions => (witness ? { witness } : {});

/** What verification holds the log against. */
export interface Anchors {
  /** The trusted chain of checkpoints, oldest first. */
  readonly chain: readonly Checkpoint[];
  readonly latest: Checkpoint | undefined;
  /** The latest checkpoint's heads map, when its stored copy still matches the signed digest. */
  readonly heads: HeadsView | undefined;
  /** Whether the checkpoints file's ledger can be used to name rows (it may still be checked further). */
  readonly ledger: CheckpointStore | undefined;
  /** How many checkpoint copies the log holds (it may lag the file by the one being written). */
  readonly logCopies: number;
  readonly problems: readonly IntegrityProblem[];
}

export interface AnchorOptions {
  /** A witness head (checkpoint verified by witness.readHead) the store must still extend. */
  readonly witness?: Checkpoint;
}

function forged(reason: string, position: number | null): IntegrityProblem {
  return { kind: 'FORGED_CHECKPOINT', position, streamId: '', revision: -1, reason };
}

/** The longest prefix of `cps` that is signed by the key and chained, and the first problem after it. */
function trustedPrefix(
  cps: readonly Checkpoint[],
  keys: CheckpointKeys,
  where: string,
  positionOf: (i: number) => number | null,
): { chain: Checkpoint[]; problem?: IntegrityProblem } {
  const chain: Checkpoint[] = [];
  for (const [i, cp] of cps.entries()) {
    const seq = i + 1;
    if (!signatureHolds(cp, keys.publicKey)) {
      return {
        chain,
        problem: forged(
          `checkpoint ${seq} in ${where} does not carry a valid signature of the configured key`,
          positionOf(i),
        ),
      };
    }
    const previous = chain[i - 1];
    if (cp.body.seq !== seq || cp.body.previous !== (previous ? checkpointDigest(previous) : '')) {
      return {
        chain,
        problem: forged(`the chain of checkpoints in ${where} breaks at checkpoint ${seq}`, positionOf(i)),
      };
    }
    if (previous && cp.body.headPosition < previous.body.headPosition) {
      return { chain, problem: forged(`checkpoint ${seq} in ${where} moves backwards`, positionOf(i)) };
    }
    chain.push(cp);
  }
  return { chain };
}

/**
 * The checkpoints to trust: the records in the checkpoints file and their copies in the log must both be
 * signed by the key, chained, and agree (the log may lag the file by the one copy being written); the
 * store must still hold the witness head, when one is given.
 */
export async function loadAnchors(
  store: EventStore,
  file: CheckpointStore | undefined,
  keys: CheckpointKeys,
  options: AnchorOptions = {},
): Promise<Anchors> {
  const problems: IntegrityProblem[] = [];
  const records = file?.all() ?? [];
  const copies = await readLogCheckpoints(store);
  const fromFile = trustedPrefix(
    records,
    keys,
    'the checkpoints file',
    (i) => records[i]?.body.headPosition ?? null,
  );
  if (fromFile.problem) problems.push(fromFile.problem);
  const fromLog = trustedPrefix(
    copies.map(
      (c) => c.checkpoint ?? ({ body: { seq: -1 }, bodyText: '', signature: '' } as unknown as Checkpoint),
    ),
    keys,
    'the log',
    (i) => copies[i]?.event.position ?? null,
  );
  if (fromLog.problem) problems.push(fromLog.problem);
  const a = fromFile.chain;
  const b = fromLog.chain;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i]!.bodyText !== b[i]!.bodyText) {
      problems.push(
        forged(
          `checkpoint ${i + 1} differs between the checkpoints file and the log`,
          copies[i]!.event.position,
        ),
      );
      break;
    }
  }
  if (!fromLog.problem && b.length > a.length && !fromFile.problem) {
    problems.push(
      forged(
        `the checkpoints file lacks checkpoint ${a.length + 1}${b.length > a.length + 1 ? `–${b.length}` : ''}, which the log holds: its records were removed`,
        copies[a.length]!.event.position,
      ),
    );
  }
  if (!fromFile.problem && a.length > b.length + 1 && !fromLog.problem) {
    problems.push(
      forged(
        `the log lacks the copies of checkpoints ${b.length + 1}–${a.length} that the checkpoints file holds: they were removed`,
        a[b.length]!.body.headPosition,
      ),
    );
  }
  // Trust the longer chain: both are signed, so the longer one is the truth the shorter lost.
  const chain = b.length > a.length ? b : a;
  const witness = options.witness;
  if (witness) {
    const held = chain[witness.body.seq - 1];
    if (!held) {
      problems.push(
        forged(
          `the store's checkpoints end at ${chain.length}, but the witness holds checkpoint ${witness.body.seq}: checkpoints were removed`,
          witness.body.headPosition,
        ),
      );
    } else if (held.bodyText !== witness.bodyText) {
      problems.push(
        forged(
          `checkpoint ${witness.body.seq} differs from the witness head: it was re-signed`,
          witness.body.headPosition,
        ),
      );
    }
  }
  const latest = chain[chain.length - 1];
  const usable = file && latest && a.length === chain.length;
  const heads = usable ? await file.heads(latest) : undefined;
  if (usable && !heads) {
    problems.push(
      forged(`the stream heads kept with checkpoint ${latest.body.seq} no longer match its signature`, null),
    );
  }
  return { chain, latest, heads, ledger: usable ? file : undefined, logCopies: b.length, problems };
}

/**
 * Judges events one at a time, each stream's events in log order: against the ledger row signed for the
 * same event id (position, stream, revision, hash), against its stream's chain, and, beyond the latest
 * checkpoint, against what that checkpoint already covers. One problem per stream.
 */
export class EventJudge {
  /** [revision, hash] reached per stream in the log. */
  readonly reached = new Map<string, readonly [number, string]>();
  /** Ids of signed events found at another position than signed (so their absence there is no removal). */
  readonly moved = new Set<string>();
  /** Streams with a problem already: their later events are not judged again (no cascade). */
  readonly broken = new Set<string>();
  private readonly found: IntegrityProblem[] = [];
  /** Signed rows not found where they were signed; judged at the end, once every move is known. */
  private readonly absent: LedgerRow[] = [];

  constructor(private readonly anchors: Anchors) {}

  private report(p: IntegrityProblem): void {
    if (p.streamId) this.broken.add(p.streamId);
    this.found.push(p);
  }

  /** Streams with a problem so far (to stop a long pass early). */
  get damagedStreams(): number {
    return this.broken.size;
  }

  /** The problems: per stream the one at the lowest position, in log order. */
  get problems(): IntegrityProblem[] {
    for (const row of this.absent.splice(0)) this.resolveAbsent(row);
    const first = new Map<string, IntegrityProblem>();
    const rest: IntegrityProblem[] = [];
    for (const p of this.found) {
      if (!p.streamId) rest.push(p);
      else if (!first.has(p.streamId) || byPosition(p, first.get(p.streamId)!) < 0) first.set(p.streamId, p);
    }
    return [...rest, ...first.values()].sort(byPosition);
  }

  see(event: RecordedEvent): void {
    const reached = this.reached.get(event.streamId);
    this.reached.set(event.streamId, [event.revision, event.hash]);
    if (this.broken.has(event.streamId)) return;
    const problem = this.judge(event, reached);
    if (problem) this.report(problem);
  }

  private judge(
    event: RecordedEvent,
    reached: readonly [number, string] | undefined,
  ): IntegrityProblem | undefined {
    const { latest: cp, ledger, heads } = this.anchors;
    const at = (
      kind: DamageKind,
      reason: string,
      row: Pick<LedgerRow, 'position' | 'streamId' | 'revision'> = event,
    ) => ({
      kind,
      position: row.position,
      streamId: row.streamId,
      revision: row.revision,
      reason,
    });
    const signed = ledger?.ledgerById(event.id);
    if (signed && cp && signed.position <= cp.body.headPosition) {
      if (signed.position !== event.position) {
        this.moved.add(event.id);
        const first = Math.min(signed.position, event.position);
        const named = ledger!.ledgerAt(first) ?? signed;
        return at(
          'REORDERED',
          `event ${event.id} was signed at position ${signed.position} and now lies at position ${event.position}`,
          named,
        );
      }
      if (signed.streamId !== event.streamId || signed.revision !== event.revision) {
        return at(
          'REORDERED',
          `the event signed as ${signed.streamId}@${signed.revision} now claims ${event.streamId}@${event.revision}`,
          signed,
        );
      }
      if (signed.hash !== event.hash) {
        return at(
          'EDITED',
          `its content differs from what checkpoint ${cp.body.seq} signed (altered and re-hashed)`,
        );
      }
      const reason = chainBreak(event, reached);
      // A missing predecessor is that predecessor's removal, reported where it was signed.
      if (reason && !/missing|previousHash/.test(reason)) return at('EDITED', reason);
      return undefined;
    }
    if (cp && event.position <= cp.body.headPosition) {
      if (ledger)
        return at(
          'INSERTED',
          `position ${event.position} lies inside checkpoint ${cp.body.seq} but the event is not part of it`,
        );
      // Without the ledger only the signed stream heads can tell.
      const head = heads?.get(event.streamId);
      if (head && head[0] === event.revision && head[1] !== event.hash) {
        return at('EDITED', `the stream differs from checkpoint ${cp.body.seq} at its signed head`);
      }
      const reason = chainBreak(event, reached);
      return reason ? at(/hash/.test(reason) ? 'EDITED' : 'REMOVED', reason) : undefined;
    }
    // Beyond the signed range: must continue the chain from where the checkpoint left the stream.
    const head = heads?.get(event.streamId);
    if (head && event.revision <= head[0]) {
      return at(
        'INSERTED',
        `revision ${event.revision} was already signed by checkpoint ${cp!.body.seq} at another position`,
      );
    }
    const reason = chainBreak(event, reached);
    if (reason) return at('INSERTED', `not appended by the store: ${reason}`);
    if (cp && Date.parse(event.recordedAt) < Date.parse(cp.body.takenAt) - RECORDED_AT_TOLERANCE_MS) {
      return at(
        'INSERTED',
        `recorded at ${event.recordedAt}, before checkpoint ${cp.body.seq} was taken, yet not part of it`,
      );
    }
    return undefined;
  }

  /** A signed row absent from where it was signed. */
  missing(row: LedgerRow): void {
    this.absent.push(row);
  }

  /** Removed, or truncated when its stream ends before it; nothing when it was moved (that is the damage). */
  private resolveAbsent(row: LedgerRow): void {
    if (this.moved.has(row.id)) return;
    const reached = this.reached.get(row.streamId);
    const truncated = !reached || reached[0] < row.revision;
    this.report({
      kind: truncated ? 'TRUNCATED' : 'REMOVED',
      position: row.position,
      streamId: row.streamId,
      revision: row.revision,
      reason: truncated
        ? `the stream ends at ${reached ? `revision ${reached[0]}` : 'nothing'}; revision ${row.revision} was signed at position ${row.position}`
        : `revision ${row.revision}, signed at position ${row.position}, is gone`,
    });
  }

  /** Without a ledger: streams shorter than their signed head. */
  truncatedAgainstHeads(streams: Iterable<string>): void {
    const { heads, latest } = this.anchors;
    if (!heads || !latest) return;
    for (const streamId of streams) {
      const head = heads.get(streamId);
      const reached = this.reached.get(streamId);
      if (head && (!reached || reached[0] < head[0])) {
        this.report({
          kind: 'TRUNCATED',
          position: head[2],
          streamId,
          revision: reached ? reached[0] + 1 : 0,
          reason: `checkpoint ${latest.body.seq} signed revision ${head[0]} at position ${head[2]}`,
        });
      }
    }
  }
}

function verdict(
  anchors: Anchors,
  keys: CheckpointKeys,
  alert: CheckpointAlert | undefined,
  problems: IntegrityProblem[],
  counts: { streams: number; events: number },
  max = 20,
): IntegrityVerdict {
  const sorted = [...problems].sort(byPosition);
  return {
    ok: sorted.length === 0,
    streamsChecked: counts.streams,
    eventsChecked: counts.events,
    checkpoint: ref(anchors.latest),
    anchored: keys.anchored,
    alert: alert ?? null,
    problems: sorted.slice(0, max),
  };
}

/** Every stream the case touches, judged as the whole-store check judges it. */
export async function verifyCaseIntegrity(
  store: EventStore,
  caseId: string,
  checkpoints: CheckpointStore | undefined,
  keys: CheckpointKeys,
  options: { index?: ReadModelStore; witness?: Checkpoint } = {},
): Promise<IntegrityVerdict> {
  const anchors = await loadAnchors(store, checkpoints, keys, witnessOption(options.witness));
  const judge = new EventJudge(anchors);
  const streams = streamsOf(
    await readCaseEvents(store, caseId, options.index ? { index: options.index } : {}),
  );
  let events = 0;
  for (const streamId of streams) {
    // Log order within the stream, as the whole-store pass meets them.
    const stream = (await store.readStream(streamId)).sort((a, b) => a.position - b.position);
    events += stream.length;
    for (const event of stream) judge.see(event);
    if (anchors.ledger && anchors.latest) {
      const present = new Set(stream.map((e) => e.id));
      for (const row of anchors.ledger.ledgerOfStream(streamId, anchors.latest.body.headPosition)) {
        if (!present.has(row.id)) judge.missing(row);
      }
    }
  }
  if (!anchors.ledger) judge.truncatedAgainstHeads(streams);
  const problems = [...anchors.problems, ...judge.problems];
  if (anchors.problems.length) {
    // The checkpoints themselves are in doubt: only the whole log against the signed digests can say
    // where the case's record stops holding, so the case reports what the whole-store check finds.
    const whole = await verifyStore(store, checkpoints, keys, witnessOption(options.witness));
    const mine = new Set(streams);
    const seen = new Set(problems.map((p) => JSON.stringify(p)));
    for (const p of whole.problems) {
      if ((!p.streamId || mine.has(p.streamId)) && !seen.has(JSON.stringify(p))) problems.push(p);
    }
  }
  return verdict(anchors, keys, checkpoints?.alert(), problems, {
    streams: streams.length,
    events,
  });
}

export interface VerifyStoreOptions {
  /** Called every page with the position reached and the head position. */
  readonly onProgress?: (position: number, head: number) => void;
  readonly maxProblems?: number;
  readonly pageSize?: number;
  readonly witness?: Checkpoint;
}

/** A digest mismatch known only as a range (no trusted ledger to name the row). */
interface RangeProblem extends IntegrityProblem {
  readonly coarse: true;
}

/**
 * The whole log in one pass, in log order and bounded memory (one head per stream): every event judged,
 * every signed checkpoint's count and digest recomputed over the log (and over the ledger, which is how
 * the ledger earns trust), every signed row accounted for.
 */
export async function verifyStore(
  store: EventStore,
  checkpoints: CheckpointStore | undefined,
  keys: CheckpointKeys,
  options: VerifyStoreOptions = {},
): Promise<IntegrityVerdict> {
  const max = options.maxProblems ?? 20;
  const pageSize = options.pageSize ?? 2_000;
  const anchors = await loadAnchors(store, checkpoints, keys, witnessOption(options.witness));
  const judge = new EventJudge(anchors);
  const ranges: RangeProblem[] = [];
  const witness = options.witness;
  const witnessHeld = !witness || anchors.chain[witness.body.seq - 1]?.bodyText === witness.bodyText;
  // A store that no longer holds the witness head is measured against that head alone, from the start.
  const chain = witnessHeld ? anchors.chain : [{ ...witness, body: { ...witness.body, fromPosition: 0 } }];
  const ledger = anchors.ledger?.ledgerRange(0, anchors.latest?.body.headPosition ?? 0);
  let pending = ledger?.next();
  const log = { digest: '', count: 0 };
  const signedRows = { digest: '', count: 0 };
  let ledgerTrusted = true;
  let next = 0;
  /** Checkpoints whose head lies below `upTo`: the log prefix and the ledger must reproduce each. */
  const passCheckpoints = (upTo: number) => {
    while (next < chain.length && chain[next]!.body.headPosition < upTo) {
      const cp = chain[next++]!.body;
      if (ledger && witnessHeld && (signedRows.count !== cp.eventCount || signedRows.digest !== cp.logDigest))
        ledgerTrusted = false;
      if (log.count !== cp.eventCount || log.digest !== cp.logDigest) {
        ranges.push({
          kind: log.count < cp.eventCount ? 'REMOVED' : log.count > cp.eventCount ? 'INSERTED' : 'EDITED',
          position: cp.fromPosition + 1,
          streamId: '',
          revision: -1,
          reason: `the log in positions ${cp.fromPosition + 1}–${cp.headPosition} differs from checkpoint ${cp.seq} (${log.count} events, ${cp.eventCount} signed)`,
          coarse: true,
        });
        // Later digests chain on this one: compare the rest from the signed value.
        log.digest = cp.logDigest;
        log.count = cp.eventCount;
      }
    }
  };
  const advance = (acc: { digest: string; count: number }, row: LedgerRow) => {
    acc.digest = advanceDigest(acc.digest, row);
    acc.count++;
  };
  const head = await store.headPosition();
  let position = 0;
  let events = 0;
  for (;;) {
    const page = await store.readAll({ fromPosition: position, maxCount: pageSize });
    await yieldToEventLoop();
    for (const event of page) {
      while (pending && !pending.done && pending.value.position < event.position) {
        advance(signedRows, pending.value);
        judge.missing(pending.value);
        pending = ledger!.next();
      }
      passCheckpoints(event.position);
      if (pending && !pending.done && pending.value.position === event.position) {
        advance(signedRows, pending.value);
        if (pending.value.id !== event.id) judge.missing(pending.value);
        pending = ledger!.next();
      }
      advance(log, event);
      events++;
      position = event.position;
      judge.see(event);
    }
    options.onProgress?.(position, Math.max(head, position));
    if (page.length < pageSize || judge.damagedStreams >= max) break;
  }
  while (pending && !pending.done) {
    advance(signedRows, pending.value);
    judge.missing(pending.value);
    pending = ledger!.next();
  }
  passCheckpoints(Number.MAX_SAFE_INTEGER);
  if (!anchors.ledger) judge.truncatedAgainstHeads(anchors.heads?.keys() ?? []);
  const named = judge.problems;
  const problems: IntegrityProblem[] = [...anchors.problems];
  if (anchors.ledger && !ledgerTrusted) {
    problems.push({
      kind: 'FORGED_CHECKPOINT',
      position: null,
      streamId: '',
      revision: -1,
      reason:
        'the ledger in the checkpoints file does not reproduce the signed digests: rows cannot be named exactly',
    });
  }
  // A trusted ledger names the rows exactly; the ranges are then only the same damage said coarsely.
  if (!(anchors.ledger && ledgerTrusted && named.length)) {
    for (const { coarse: _coarse, ...range } of ranges) problems.push(range);
  }
  return verdict(
    anchors,
    keys,
    checkpoints?.alert(),
    [...problems, ...named],
    {
      streams: judge.reached.size,
      events,
    },
    max,
  );
}

/**
 * The quick check: the newest checkpoint's signed head of every stream still in place, and every event
 * recorded since judged. O(streams + new events).
 */
export async function verifySinceCheckpoint(
  store: EventStore,
  checkpoints: CheckpointStore,
  keys: CheckpointKeys,
  options: VerifyStoreOptions = {},
): Promise<IntegrityVerdict> {
  const anchors = await loadAnchors(store, checkpoints, keys, witnessOption(options.witness));
  const cp = anchors.latest;
  if (!cp) return verifyStore(store, checkpoints, keys, options);
  const max = options.maxProblems ?? 20;
  const pageSize = options.pageSize ?? 2_000;
  const judge = new EventJudge(anchors);
  const extra: IntegrityProblem[] = [];
  for (const [streamId, [revision, hash, position]] of anchors.heads ?? []) {
    if (extra.length >= max) break;
    const [event] = await store.readStream(streamId, { fromRevision: revision, maxCount: 1 });
    if (event && event.revision === revision) {
      judge.reached.set(streamId, [revision, event.hash]);
      if (event.hash !== hash || event.position !== position) {
        judge.broken.add(streamId);
        extra.push({
          kind: event.hash !== hash ? 'EDITED' : 'REORDERED',
          position,
          streamId,
          revision,
          reason: `the stream differs from checkpoint ${cp.body.seq} at its signed head (verify --all names the first altered row)`,
        });
      }
    } else {
      const [last] = await store.readStream(streamId, { direction: 'backwards', maxCount: 1 });
      if (last) judge.reached.set(streamId, [last.revision, last.hash]);
      judge.missing(anchors.ledger?.ledgerAt(position) ?? { position, id: '', streamId, revision, hash });
    }
  }
  const head = await store.headPosition();
  let position = cp.body.headPosition;
  let count = 0;
  for (;;) {
    const page = await store.readAll({ fromPosition: position, maxCount: pageSize });
    await yieldToEventLoop();
    for (const event of page) {
      position = event.position;
      count++;
      judge.see(event);
    }
    options.onProgress?.(position, Math.max(head, position));
    if (page.length < pageSize || judge.damagedStreams >= max) break;
  }
  return verdict(
    anchors,
    keys,
    checkpoints.alert(),
    [...anchors.problems, ...extra, ...judge.problems],
    {
      streams: judge.reached.size,
      events: count,
    },
    max,
  );
}
