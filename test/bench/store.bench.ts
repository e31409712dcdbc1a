/**
 * bench:store — the SQLite event store side by side with raw better-sqlite3 on the same table, the
 * same rows and the same pragmas, in one run. Prints events/s and the store's ratio to raw.
 *
 *   npm run bench:store
 *   BENCH_EVENTS=200000 BENCH_SINGLE=1000 BENCH_BATCHED=50000 BENCH_DIR=/some/disk npm run bench:store
 *
 * - BENCH_EVENTS  events in the log for readAll and subscription catch-up (default 1,000,000)
 * - BENCH_SINGLE  single-event commands appended (default 1,000; each one is a durable commit)
 * - BENCH_BATCHED events appended in batches of 100 (default 100,000)
 * - BENCH_STREAMS streams the loaded log spreads over (default a tenth of BENCH_EVENTS: ten events per
 *                 case stream, as in the office); the checkpointer's figures depend on it
 * - BENCH_CHECKPOINTS checkpoints taken one after another to show a tick's cost as the chain of checkpoints
 *                 grows (default 1,000)
 * - BENCH_ROUNDS append rounds, raw and store taking turns; the best of each counts (default 2)
 * - BENCH_DIR     where the database files go (default the OS temp dir; the files are removed)
 *
 * Raw appends insert the same columns (JSON text, a 64-character hash, a UUID) in a BEGIN IMMEDIATE
 * transaction per command; what the store adds is reading the stream head, the expected-revision and
 * idempotency checks, canonical JSON and SHA-256. Raw reads page through the same rows by position and
 * JSON.parse data and metadata, which every consumer of an event needs anyway.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startCheckpointer, takeCheckpoint } from '../../services/audit/checkpointer';
import { type CheckpointKeys, CheckpointStore, keysOf } from '../../services/audit/checkpoints';
import { verifySinceCheckpoint, verifyStore } from '../../services/audit/integrity';
import { SQLITE_EVENTS_SCHEMA, SqliteEventStore } from '../../services/shared/eventstore/sqlite';
import type { NewEvent } from '../../services/shared/eventstore/types';

type Durability = 'full' | 'normal';

const EVENTS = positiveInt('BENCH_EVENTS', 1_000_000);
const SINGLE = positiveInt('BENCH_SINGLE', 1_000);
const BATCHED = positiveInt('BENCH_BATCHED', 100_000);
const BATCH = 100;
const STREAMS = 1_000;
const PAGE = 1_000;
const ROUNDS = positiveInt('BENCH_ROUNDS', 2);
const CHECKPOINTS = positiveInt('BENCH_CHECKPOINTS', 1_000);
const LOAD_STREAMS = positiveInt('BENCH_STREAMS', Math.max(1, Math.floor(EVENTS / 10)));

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
  return n;
}

const workDir = fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'dumas-bench-store-'));
let fileCounter = 0;
const freshFile = () => path.join(workDir, `bench-${++fileCounter}.sqlite`);

/** A realistic complaint event: a filed complaint's summary and routing, with full metadata. */
function complaintEvent(n: number): NewEvent {
  return {
    id: randomUUID(),
    type: n % 5 === 0 ? 'ComplaintFiled' : 'ComplaintNoteAdded',
    data: {
      complaintId: `complaint-${n % STREAMS}`,
      channel: 'WHATSAPP',
      category: 'INFRASTRUKTUR',
      region: 'DIY/Bantul',
      note: `Jalan rusak di Kapanewon Sewon belum diperbaiki (catatan ${n})`,
      agencyIds: ['inspektorat-bantul'],
    },
    metadata: {
      occurredAt: '2026-11-28T08:00:00.000Z',
      actor: { id: 'officer-7', role: 'OFFICER' },
      correlationId: '5d0f3c1e-8b1a-4e53-9f55-2c9a8f1b7e10',
      caseId: `complaint-${n % STREAMS}`,
    },
  };
}

function openRaw(file: string, durability: Durability): Database.Database {
  const db = new Database(file, { timeout: 10_000 });
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${durability === 'normal' ? 'NORMAL' : 'FULL'}`);
  db.exec(SQLITE_EVENTS_SCHEMA);
  return db;
}

/** Raw appends: one BEGIN IMMEDIATE transaction per command, inserting the same columns the store writes. */
function rawAppender(db: Database.Database) {
  const insert = db.prepare(
    `INSERT INTO events (id, stream_id, revision, type, data, metadata, recorded_at, hash, previous_hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const revisions = new Map<string, number>();
  const hash = 'a'.repeat(64);
  const append = db.transaction((streamId: string, events: readonly NewEvent[]) => {
    const recordedAt = new Date().toISOString();
    let revision = revisions.get(streamId) ?? -1;
    for (const e of events) {
      revision++;
      insert.run(
        e.id!,
        streamId,
        revision,
        e.type,
        JSON.stringify(e.data),
        JSON.stringify(e.metadata),
        recordedAt,
        hash,
        hash,
      );
    }
    revisions.set(streamId, revision);
  });
  return (streamId: string, events: readonly NewEvent[]) => append.immediate(streamId, events);
}

interface Figure {
  readonly what: string;
  readonly storeRate: number;
  readonly rawRate: number;
  readonly target?: number;
}
const figures: Figure[] = [];

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function report(
  what: string,
  events: number,
  storeSeconds: number,
  rawSeconds: number,
  target?: number,
): void {
  const figure = { what, storeRate: events / storeSeconds, rawRate: events / rawSeconds, target };
  figures.push(figure);
  const ratio = figure.storeRate / figure.rawRate;
  console.log(
    `${what.padEnd(44)} store ${fmt(figure.storeRate).padStart(11)} ev/s   raw ${fmt(figure.rawRate).padStart(11)} ev/s` +
      `   ratio ${ratio.toFixed(2)}${target ? (ratio >= target ? `  (target ≥ ${target}: met)` : `  (target ≥ ${target}: MISSED)`) : ''}`,
  );
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * Appends `count` events as commands of `batch` events each, spread over STREAMS streams. Raw and store
 * take turns for ROUNDS rounds on fresh files and the best round of each counts, so that a burst of
 * load from elsewhere on the machine does not decide the ratio.
 */
async function benchAppends(
  what: string,
  count: number,
  batch: number,
  durability: Durability,
): Promise<void> {
  const commands = Math.ceil(count / batch);
  const make = () =>
    Array.from({ length: commands }, (_, c) =>
      Array.from({ length: Math.min(batch, count - c * batch) }, (_, i) => complaintEvent(c * batch + i)),
    );
  let rawSeconds = Number.POSITIVE_INFINITY;
  let storeSeconds = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const rawDb = openRaw(freshFile(), durability);
    const rawAppend = rawAppender(rawDb);
    const rawCommands = make();
    let start = process.hrtime.bigint();
    for (let c = 0; c < commands; c++) rawAppend(`complaint-${c % STREAMS}`, rawCommands[c]!);
    rawSeconds = Math.min(rawSeconds, seconds(start));
    rawDb.close();

    const store = new SqliteEventStore({ file: freshFile(), durability });
    const storeCommands = make();
    const revisions = new Map<string, number>();
    start = process.hrtime.bigint();
    for (let c = 0; c < commands; c++) {
      const streamId = `complaint-${c % STREAMS}`;
      const result = await store.append(streamId, storeCommands[c]!, {
        expectedRevision: revisions.get(streamId) ?? 'no_stream',
      });
      revisions.set(streamId, result.nextExpectedRevision);
    }
    storeSeconds = Math.min(storeSeconds, seconds(start));
    await store.close();
  }
  report(what, count, storeSeconds, rawSeconds, 0.5);
}

async function benchReads(durability: Durability): Promise<void> {
  const file = freshFile();
  // Loaded without an fsync per append (ten-event appends to many streams would otherwise measure the
  // disk); read back below on a store opened with `durability`.
  const loader = new SqliteEventStore({ file, durability: 'normal' });
  let start = process.hrtime.bigint();
  const load = await loadLog(loader, EVENTS, LOAD_STREAMS);
  await loader.close();
  let store = new SqliteEventStore({ file, durability });
  console.log(
    `loaded ${fmt(EVENTS)} events over ${fmt(loadedStreams(EVENTS))} streams through the store (synchronous=NORMAL) in batches of ${load}: ${fmt(EVENTS / seconds(start))} ev/s ` +
      `(${(fs.statSync(file).size / 1e6).toFixed(0)} MB)`,
  );

  // Raw paging over the very same rows, on its own connection with the same pragmas.
  const rawDb = openRaw(file, durability);
  const page = rawDb.prepare('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?');
  const rawScan = () => {
    let from = 0;
    let seen = 0;
    for (;;) {
      const rows = page.all(from, PAGE) as { position: number; data: string; metadata: string }[];
      if (rows.length === 0) break;
      for (const row of rows) {
        JSON.parse(row.data);
        JSON.parse(row.metadata);
      }
      seen += rows.length;
      from = rows[rows.length - 1]!.position;
    }
    return seen;
  };
  rawScan(); // warm the page cache for both sides alike
  start = process.hrtime.bigint();
  const rawSeen = rawScan();
  const rawSeconds = seconds(start);
  rawDb.close();
  if (rawSeen !== EVENTS) throw new Error(`raw scan saw ${rawSeen} of ${EVENTS}`);

  start = process.hrtime.bigint();
  let from = 0;
  let seen = 0;
  for (;;) {
    const events = await store.readAll({ fromPosition: from, maxCount: PAGE });
    if (events.length === 0) break;
    seen += events.length;
    from = events[events.length - 1]!.position;
  }
  const readAllSeconds = seconds(start);
  if (seen !== EVENTS) throw new Error(`readAll saw ${seen} of ${EVENTS}`);
  report(`readAll, pages of ${PAGE}, ${fmt(EVENTS)} events`, EVENTS, readAllSeconds, rawSeconds);

  start = process.hrtime.bigint();
  const sub = store.subscribe({ batchSize: PAGE });
  seen = 0;
  let last = 0;
  for await (const event of sub) {
    if (event.position <= last) throw new Error('subscription went backwards');
    last = event.position;
    if (++seen === EVENTS) break;
  }
  await sub.close();
  const catchUpSeconds = seconds(start);
  report(`subscription catch-up, ${fmt(EVENTS)} events`, EVENTS, catchUpSeconds, rawSeconds);
  // The checkpointer's figures are about verifying and signing, not the appends between ticks.
  await store.close();
  store = new SqliteEventStore({ file, durability: 'normal' });
  await benchCheckpointer(store);
  await store.close();
}

/** Events per append when loading `events` over `streams` streams: as many as the streams allow. */
const loadBatch = (events: number, streams: number) =>
  Math.max(1, Math.min(1_000, Math.floor(events / streams)));

/** How many streams a log of `events` loaded by `loadLog` (BENCH_STREAMS' shape) spreads over. */
const loadedStreams = (events: number) => {
  const streams = Math.max(1, Math.floor((events * LOAD_STREAMS) / EVENTS));
  return Math.min(streams, Math.ceil(events / loadBatch(events, streams)));
};

/** Loads `events` events, round-robin over `streams` streams; returns the events per append. */
async function loadLog(store: SqliteEventStore, events: number, streams: number): Promise<number> {
  const load = loadBatch(events, streams);
  for (let n = 0, b = 0; n < events; n += load, b++) {
    const batch = Array.from({ length: Math.min(load, events - n) }, (_, i) => complaintEvent(n + i));
    await store.append(`import-${b % streams}`, batch);
  }
  return load;
}

/** Events appended between the measured checkpointer ticks, one per existing stream. */
const TICK_EVENTS = 1_000;
/** The small log the ticks over the loaded log are held against. */
const LOAD_BASELINE = Math.min(EVENTS, 10_000);

/** Three ticks, each after TICK_EVENTS more events to as many existing streams; their times in ms. */
async function ticksAfterMore(
  store: SqliteEventStore,
  file: CheckpointStore,
  keys: CheckpointKeys,
  loaded: number,
  streamsNow: number,
): Promise<number[]> {
  const times: number[] = [];
  for (let tick = 0; tick < 3; tick++) {
    for (let n = 0; n < TICK_EVENTS; n++) {
      const stream = (tick * TICK_EVENTS + n) * Math.max(1, Math.floor(streamsNow / (3 * TICK_EVENTS)));
      await store.append(`import-${stream % streamsNow}`, [complaintEvent(loaded + tick * TICK_EVENTS + n)]);
    }
    const start = process.hrtime.bigint();
    await takeCheckpoint(store, file, keys);
    times.push(seconds(start) * 1000);
  }
  return times;
}

/** The same ticks over a log of LOAD_BASELINE events, spread like the loaded one, checkpointed once. */
async function baselineTicks(keys: CheckpointKeys): Promise<number[]> {
  const runFile = freshFile();
  const store = new SqliteEventStore({ file: runFile, durability: 'normal' });
  const file = new CheckpointStore(`${runFile}.checkpoints`);
  try {
    await loadLog(store, LOAD_BASELINE, loadedStreams(LOAD_BASELINE));
    await takeCheckpoint(store, file, keys);
    return await ticksAfterMore(store, file, keys, LOAD_BASELINE, loadedStreams(LOAD_BASELINE));
  } finally {
    file.close();
    await store.close();
  }
}

/**
 * What a tick costs as checkpoints accumulate: each pass reads back and checks the whole chain of
 * checkpoints (the file's records and their copies in the log), so with one checkpoint a minute
 * (DUMAS_CHECKPOINT_INTERVAL_MS' default) while the office works, the chain grows by up to 1,440 a day.
 * Takes BENCH_CHECKPOINTS checkpoints, one event each, on a small log and prints the tick time early
 * and late, the growth per checkpoint and what that growth comes to after a year of ticks.
 */
async function benchCheckpointChain(keys: CheckpointKeys): Promise<void> {
  const runFile = freshFile();
  const store = new SqliteEventStore({ file: runFile, durability: 'normal' });
  const file = new CheckpointStore(`${runFile}.checkpoints`);
  const window = 20;
  const times: number[] = [];
  try {
    await loadLog(store, LOAD_BASELINE, loadedStreams(LOAD_BASELINE));
    await takeCheckpoint(store, file, keys); // the first covers the whole log: not a tick's cost
    for (let n = 0; n < CHECKPOINTS; n++) {
      await store.append(`import-${n % 100}`, [complaintEvent(LOAD_BASELINE + n)]);
      const start = process.hrtime.bigint();
      await takeCheckpoint(store, file, keys);
      times.push(seconds(start) * 1000);
    }
  } finally {
    file.close();
    await store.close();
  }
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const early = mean(times.slice(0, window));
  const late = mean(times.slice(-window));
  const perCheckpoint = (late - early) / (CHECKPOINTS - window);
  const year = 365 * 24 * 60;
  console.log(
    `checkpointer tick (1 new event) with ${window} checkpoints: ${early.toFixed(1)} ms, with ${fmt(CHECKPOINTS)}: ${late.toFixed(1)} ms ` +
      `(+${(perCheckpoint * 1000).toFixed(1)} µs per checkpoint in the chain; at one a minute, ${fmt(year)} a year: ≈ ${((early + perCheckpoint * year) / 1000).toFixed(1)} s a tick after a year)`,
  );
}

/**
 * The checkpointer's cost over the loaded log: the first checkpoint (verify and sign everything), a tick
 * after 1,000 more events (verify since the last one, sign), the whole-store verification, and append
 * throughput with a checkpointer ticking beside it against the same appends without.
 */
async function benchCheckpointer(store: SqliteEventStore): Promise<void> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keys = keysOf(privateKey, publicKey, true);
  let file = new CheckpointStore(path.join(workDir, 'checkpoints.sqlite'));
  try {
    let start = process.hrtime.bigint();
    const first = await takeCheckpoint(store, file, keys);
    console.log(
      `checkpoint over ${fmt(first!.body.eventCount)} events, ${fmt(first!.body.streamCount)} streams (verify + sign + ledger): ${seconds(start).toFixed(2)} s`,
    );
    // Ticks after 1,000 more events each, one per stream over 1,000 streams the log already holds: every
    // one of them moves a signed head. Before the heads became incremental a tick rewrote and re-hashed
    // the whole heads map, so it grew with the streams; now it should follow the 1,000 events. The
    // baseline is the same three ticks over a log of LOAD_BASELINE events of the same shape: a bounded
    // tick costs the same over both.
    const streamsNow = loadedStreams(EVENTS);
    const tickTimes = await ticksAfterMore(store, file, keys, EVENTS, streamsNow);
    const baseline = await baselineTicks(keys);
    const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(
      `checkpointer ticks after ${fmt(TICK_EVENTS)} more events each, over ${fmt(TICK_EVENTS)} existing streams (verify since + sign): ` +
        `${fmt(EVENTS)}-event log ${tickTimes.map((t) => `${t.toFixed(0)} ms`).join(', ')}; ` +
        `baseline ${fmt(LOAD_BASELINE)}-event log ${baseline.map((t) => `${t.toFixed(0)} ms`).join(', ')}; ` +
        `median ratio ${(median(tickTimes) / median(baseline)).toFixed(2)} (bounded: ≈ 1 whatever the log's size)`,
    );
    start = process.hrtime.bigint();
    await takeCheckpoint(store, file, keys);
    console.log(`checkpointer tick with nothing new: ${(seconds(start) * 1000).toFixed(0)} ms`);
    // A process that restarts reads the signed heads back and checks them against the digest once.
    file.close();
    file = new CheckpointStore(path.join(workDir, 'checkpoints.sqlite'));
    for (let n = 0; n < TICK_EVENTS; n++) {
      await store.append(`import-${(n * 7) % streamsNow}`, [complaintEvent(EVENTS + 3 * TICK_EVENTS + n)]);
    }
    start = process.hrtime.bigint();
    await takeCheckpoint(store, file, keys);
    console.log(
      `first tick of a restarted checkpointer after ${fmt(TICK_EVENTS)} more events (reads and checks every signed head once): ${(seconds(start) * 1000).toFixed(0)} ms`,
    );
    start = process.hrtime.bigint();
    const quick = await verifySinceCheckpoint(store, file, keys);
    console.log(
      `audit verify (signed heads + since): ${(seconds(start) * 1000).toFixed(0)} ms, ok=${quick.ok}`,
    );
    start = process.hrtime.bigint();
    const whole = await verifyStore(store, file, keys);
    console.log(
      `audit verify --all over ${fmt(whole.eventsChecked)} events: ${seconds(start).toFixed(1)} s, ok=${whole.ok}`,
    );
  } finally {
    file.close();
  }
  // Appends with and without a checkpointer ticking every 250 ms on the same kind of store.
  const appendRun = async (withCheckpointer: boolean) => {
    const runFile = freshFile();
    const runStore = new SqliteEventStore({ file: runFile, durability: 'full' });
    const cps = new CheckpointStore(`${runFile}.checkpoints`);
    const checkpointer = withCheckpointer
      ? startCheckpointer(runStore, cps, keys, { intervalMs: 250, onError: (err) => console.error(err) })
      : undefined;
    const count = Math.min(BATCHED, 50_000);
    const start = process.hrtime.bigint();
    for (let c = 0; c < count / BATCH; c++) {
      await runStore.append(
        `complaint-${c % STREAMS}`,
        Array.from({ length: BATCH }, (_, i) => complaintEvent(c * BATCH + i)),
      );
    }
    const took = seconds(start);
    await checkpointer?.stop();
    cps.close();
    await runStore.close();
    return count / took;
  };
  let without = 0;
  let beside = 0;
  for (let round = 0; round < ROUNDS; round++) {
    without = Math.max(without, await appendRun(false));
    beside = Math.max(beside, await appendRun(true));
  }
  console.log(
    `append, batches of ${BATCH}, checkpointer every 250 ms beside it: ${fmt(beside)} ev/s, baseline without: ${fmt(without)} ev/s, ratio ${(beside / without).toFixed(2)} (unchanged: ≈ 1)`,
  );
  await benchCheckpointChain(keys);
}

async function main(): Promise<void> {
  console.log(
    `bench:store — SQLite event store vs raw better-sqlite3, same table, rows and pragmas (WAL); node ${process.version}, ` +
      `${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)}, files in ${workDir}`,
  );
  const started = process.hrtime.bigint();
  try {
    console.log('\nsynchronous=FULL (the store default: every commit is durable, one WAL fsync per append)');
    await benchAppends(`append, single-event commands (${fmt(SINGLE)})`, SINGLE, 1, 'full');
    await benchAppends(`append, batches of ${BATCH} (${fmt(BATCHED)} events)`, BATCHED, BATCH, 'full');
    await benchReads('full');
    console.log('\nsynchronous=NORMAL (no fsync per commit: shows the store’s own CPU cost against raw)');
    await benchAppends(`append, single-event commands (${fmt(SINGLE * 5)})`, SINGLE * 5, 1, 'normal');
    await benchAppends(`append, batches of ${BATCH} (${fmt(BATCHED)} events)`, BATCHED, BATCH, 'normal');
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
  console.log(`\ntotal ${seconds(started).toFixed(1)} s, load average now ${os.loadavg()[0]!.toFixed(1)}`);
  const missed = figures.filter((f) => f.target !== undefined && f.storeRate / f.rawRate < f.target);
  if (missed.length) {
    console.log(`targets missed: ${missed.map((f) => f.what).join('; ')}`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  fs.rmSync(workDir, { recursive: true, force: true });
  process.exit(1);
});
