/**
 * `npm run bench:volume` — the complaints list at volume, on the complaint subgraph's read model (SQLite):
 * BENCH_COMPLAINTS complaints (default 20,000) over 32 agencies, each folded by the real decider and the
 * real projection (received, ~70% verified, ~50% forwarded), written in batches; then
 * `complaints(first: 20, filter…)` as the subgraph asks it (one page of 21 + totalCount) for each filter,
 * first on the read model as it was (no index: json_extract over every document, an agency filter over
 * the complaints' agencyIds), then with the projection's indexes (an agency filter over the agency
 * cases, text through the trigram index), with the next page by keyset cursor. Prints p50/p99 per query.
 * Figures at 100,000 (load 7–8, 2 cores): indexed p50 1–13 ms for every equality and range filter, the
 * agency ones 1–2 ms (1.6–1.8 s before); a rare text needle 54 ms (2.0 s); a needle in every complaint
 * 589 ms, its count being the whole cost (1.3 s).
 * BENCH_PARTS=complaints, clocks, history or letters runs one part only (default: all four).
 * Then the evaluation's SLA clocks of the same complaints: a page's `sla` and one breach-scheduler pass,
 * before and after their indexes (see clocksAtVolume).
 * Letters (session 9), 200,000 of them at 100,000 complaints: `letterConnection(first: 20)` p50 0.11 ms;
 * a page after a cursor half-way down 13.2 ms p50 while SQLite walked the index from its start to the
 * cursor (a row value over expressions is no seek), 0.13 ms once the cursor's leading key bounds the read;
 * a focal point's 0.22 ms; the offset list half-way down (`letters(offset: 100000)`) 82–108 ms.
 * Not covered yet: PostgreSQL, evaluation rounds; the gateway at volume and the peer race are
 * `npm run bench:race`.
 */
import { randomUUID } from 'node:crypto';
import {
  type ComplaintCommand,
  type ComplaintEvent,
  complaintDecider,
  type ComplaintState,
} from '../../services/complaint/domain';
import { CHANNELS } from '../../services/complaint/domain/constants';
import { formatTrackingNumber } from '../../services/complaint/tracking-number';
import {
  AGENCY_CASES_COLLECTION,
  agencyCasesOf,
  agencyCasesQuery,
  applyComplaintEvent,
  COMPLAINT_INDEXES,
  COMPLAINTS_COLLECTION,
  type ComplaintDocument,
  type ComplaintFilter,
  complaintDocQuery,
} from '../../services/complaint/projection';
import type { SlaClock } from '../../services/evaluation/domain/clocks';
import {
  CLOCK_ORDER,
  clocksOfComplaint,
  EVALUATION_INDEXES,
  SLA_CLOCKS,
  toClockDoc,
} from '../../services/evaluation/projections';
import { DUE_ORDER, LATE_STOP_ORDER } from '../../services/evaluation/scheduler';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { caseStateAsOf } from '../../services/audit/as-of';
import { CaseEventsCache } from '../../services/audit/case-events';
import { complaintStreamId } from '../../services/complaint/domain';
import { CommandHandler } from '../../services/shared/decider';
import { SqliteEventStore } from '../../services/shared/eventstore/sqlite';
import { withConsistency } from '../../services/shared/consistency';
import type { Actor } from '../../services/shared/eventstore/types';
import { SqliteReadModelStore } from '../../services/shared/projections/sqlite-read-model';
import { LETTERS, letterQuery, lettersProjection } from '../../services/correspondence/projections';

const COMPLAINTS = Number(process.env.BENCH_COMPLAINTS ?? 20_000);
const AGENCIES = Array.from({ length: 32 }, (_, i) => `agency-${String(i).padStart(2, '0')}`);
const officer: Actor = { id: 'officer-bench', role: 'OFFICER' };
const YEAR_START = Date.UTC(2026, 0, 1);

function fold(commands: ComplaintCommand[]): ComplaintDocument {
  let state: ComplaintState = complaintDecider.initialState();
  let doc: ComplaintDocument | undefined;
  let revision = 0;
  for (const command of commands) {
    for (const event of complaintDecider.decide(command, state) as ComplaintEvent[]) {
      state = complaintDecider.evolve(state, event);
      doc = applyComplaintEvent(doc, event, revision++) ?? doc;
    }
  }
  return doc!;
}

function complaint(i: number): ComplaintDocument {
  const at = (offsetMs: number) => new Date(YEAR_START + i * 300_000 + offsetMs).toISOString();
  const id = randomUUID();
  const channel = CHANNELS[i % CHANNELS.length]!;
  const commands: ComplaintCommand[] = [
    {
      type: 'ReceiveComplaint',
      data: {
        complaintId: id,
        trackingNumber: formatTrackingNumber(2026, i),
        subject: `Keluhan layanan publik nomor ${i}`,
        description: `Uraian keluhan warga ${i}: pelayanan lambat dan biaya tidak resmi.`,
        category: ['infrastructure', 'education', 'health', 'licensing'][i % 4]!,
        region: `Region ${i % 34}`,
        confidential: i % 11 === 0,
        anonymous: i % 7 === 0,
        complainant: null,
        accessCodeHash: null,
        channel,
        channelReference: channel === 'WEB' || channel === 'WALK_IN' ? null : `ref-${i}`,
        imported: null,
      },
      metadata: { now: at(0), actor: officer },
    } as ComplaintCommand,
  ];
  if (i % 10 < 7)
    commands.push({ type: 'VerifyComplaint', data: {}, metadata: { now: at(60_000), actor: officer } });
  if (i % 10 < 5) {
    commands.push({
      type: 'ForwardComplaint',
      data: { agencyIds: [AGENCIES[i % AGENCIES.length]!] },
      metadata: { now: at(120_000), actor: officer },
    });
  }
  return fold(commands);
}

const FILTERS: Record<string, ComplaintFilter> = {
  'none (newest first)': {},
  'status FORWARDED': { status: ['FORWARDED'] },
  'status RECEIVED+VERIFIED': { status: ['RECEIVED', 'VERIFIED'] },
  'channel WEB': { channel: ['WEB'] },
  'received in March': { receivedFrom: '2026-03-01T00:00:00Z', receivedTo: '2026-03-31T23:59:59Z' },
  confidential: { confidential: true },
  'status FORWARDED + channel EMAIL': { status: ['FORWARDED'], channel: ['EMAIL'] },
  agency: { agencyId: 'agency-07' },
  'agency + status FORWARDED': { agencyId: 'agency-07', status: ['FORWARDED'] },
  'text, rare needle': { text: 'nomor 12345' },
  'text, common needle': { text: 'keluhan' },
};

/**
 * One page of 21 and totalCount as ComplaintService.list asks them: with the indexes, a list held to
 * one agency reads the agency cases; before them, the complaints (as the service did).
 */
async function time(store: SqliteReadModelStore, filter: ComplaintFilter, reps: number, indexed: boolean) {
  const query = complaintDocQuery(filter);
  const byAgency = indexed ? agencyCasesQuery(query) : undefined;
  const collection = byAgency ? AGENCY_CASES_COLLECTION : COMPLAINTS_COLLECTION;
  const asked = byAgency ?? query;
  const page = async (after?: string[]) => {
    const found = await store.find<{ id: string; receivedAt: string }>(collection, {
      ...asked,
      limit: 21,
      ...(after ? { after } : {}),
    });
    return byAgency
      ? store.getMany<ComplaintDocument>(
          COMPLAINTS_COLLECTION,
          found.map((f) => f.id),
        )
      : found;
  };
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const [found] = await Promise.all([
      page(),
      store.count(collection, {
        ...(asked.where ? { where: asked.where } : {}),
        ...(asked.text ? { text: asked.text } : {}),
      }),
    ]);
    const last = found[19];
    if (indexed && last) await page([last.receivedAt, last.id]);
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!;
  return { p50: q(0.5), p99: q(0.99) };
}

/** BENCH_PARTS: which parts to run, comma-separated (complaints, clocks); default both. */
const PARTS = new Set(
  (process.env.BENCH_PARTS ?? 'complaints,clocks,history,letters').split(',').map((p) => p.trim()),
);

async function main() {
  if (PARTS.has('complaints')) await complaintsAtVolume();
  if (PARTS.has('clocks')) await clocksAtVolume();
  if (PARTS.has('history')) await longCaseAsOf();
  if (PARTS.has('letters')) await lettersAtVolume();
}

// ── letters: the list and its connection ─────────────────────────────────────────────────────────

/**
 * Two letters per complaint (a follow-up request, and a reply or reminder) over the 32 agencies, in the
 * letters read model with its indexes. Measured, as `letterConnection` and `letters` ask (a page of 20,
 * one more to know whether another follows): an officer's first page, a page after a cursor half-way
 * down, a focal point's page after a cursor, and for contrast the offset list half-way down (`letters(offset:
 * N)`), which reads every row before its page.
 */
async function lettersAtVolume() {
  const store = new SqliteReadModelStore({ file: ':memory:', documentCacheSize: 0 });
  await store.ensureIndexes(lettersProjection.indexes ?? []);
  const t0 = performance.now();
  const total = COMPLAINTS * 2;
  const letterAt = (i: number) => {
    const complaint = Math.floor(i / 2);
    const createdAt = new Date(YEAR_START + complaint * 300_000 + (i % 2) * 86_400_000).toISOString();
    return {
      id: `letter-${String(i).padStart(7, '0')}`,
      kind: i % 2 === 0 ? 'FOLLOW_UP_REQUEST' : i % 4 === 1 ? 'AGENCY_REPLY' : 'REMINDER',
      state: i % 3 === 0 ? 'DRAFT' : 'SENT',
      agencyId: AGENCIES[complaint % AGENCIES.length]!,
      number: i % 3 === 0 ? null : `B-${i}/Kemensetneg/D-4/PM.00.01/2026`,
      complaintIds: [`c-${complaint}`],
      createdAt,
      subject: `Permintaan tindak lanjut pengaduan ${complaint}`,
    };
  };
  const BATCH = 2000;
  for (let start = 0, position = 1; start < total; start += BATCH, position++) {
    await store.applyBatch('bench-letters', position, async (tx) => {
      for (let i = start; i < Math.min(total, start + BATCH); i++) {
        const l = letterAt(i);
        await tx.put(LETTERS, l.id, l);
      }
    });
  }
  await store.settleIndexes();
  console.log('');
  console.log(
    `letters — ${total.toLocaleString('en')} letters of ${AGENCIES.length} agencies stored in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const officer = { id: 'officer', role: 'OFFICER' } as const;
  const pic = { id: 'pic', role: 'AGENCY', agencyId: AGENCIES[3]! } as const;
  const middle = letterAt(Math.floor(total / 2));
  const cursor = [middle.createdAt, middle.id];
  const find = (query: ReturnType<typeof letterQuery>) => store.find(LETTERS, query!);
  const rows: [string, () => Promise<unknown>][] = [
    ['letterConnection(first: 20), an officer', () => find(letterQuery({}, officer, { limit: 21 }))],
    [
      'letterConnection(first: 20, after: half-way)',
      () => find(letterQuery({}, officer, { limit: 21, after: cursor })),
    ],
    [
      'letterConnection(first: 20, after: half-way), a focal point',
      () => find(letterQuery({}, pic, { limit: 21, after: cursor })),
    ],
    [
      'letterConnection(first: 20, filter: {kind, state})',
      () => find(letterQuery({ kind: ['REMINDER'], state: ['SENT'] }, officer, { limit: 21 })),
    ],
    [
      'letters(limit: 20, offset: half-way)',
      () => find(letterQuery({}, officer, { limit: 20, offset: Math.floor(total / 2) })),
    ],
  ];
  console.log('                                                          p50 ms   p99 ms');
  for (const [label, run] of rows) {
    const { p50, p99 } = await sample(label.includes('offset') ? 5 : 200, run);
    console.log(`${label.padEnd(58)}${p50.toFixed(2).padStart(7)}${p99.toFixed(2).padStart(9)}`);
  }
  await store.close();
}

// ── one long case, as of any instant ─────────────────────────────────────────────────────────────

/**
 * A case of about 1,000 events (BENCH_CASE_EVENTS): an officer asks the complainant for information and
 * gets an answer, again and again (each pause and resume also folds into the verification clock), then
 * verifies and forwards it. Measured: `asOf(at)` at random instants on the OCCURRED basis, as the audit
 * resolver computes it (the case's events read from the store, folded through the live projections).
 * The store holds this case alone, so reading its events costs what the case index's read costs.
 * Goal (issue 15): p99 ≤ 10 ms. First figures (load 7 on 2 cores, three other processes busy): p50
 * 10–13 ms, p99 25–28 ms; reading the 1,000 events is 10 ms of it, folding them 1 ms. BENCH_KEEP=1
 * keeps the store (its folder is printed) for profiling. Session 7 (load ~1.6): reading each time p50
 * 5.8–6.1 ms, p99 10.0–10.2 ms; the resolver now keeps a case's events while the case has no newer
 * event (CaseEventsCache), so a time slider's later instants only fold: measured below as the second line.
 */
async function longCaseAsOf() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dumas-bench-case-'));
  const store = new SqliteEventStore({ file: path.join(dir, 'events.sqlite') });
  try {
    const handler = new CommandHandler(store, complaintDecider);
    const id = randomUUID();
    const stream = complaintStreamId(id);
    let clock = YEAR_START;
    const give = (type: string, data: object) => {
      clock += 600_000;
      return handler.handle(stream, {
        type,
        data,
        metadata: { now: new Date(clock).toISOString(), actor: officer },
      } as ComplaintCommand);
    };
    await give('ReceiveComplaint', {
      complaintId: id,
      trackingNumber: formatTrackingNumber(2026, 1),
      subject: 'Keluhan yang panjang',
      description: 'Banyak pertanyaan dan jawaban',
      category: 'health',
      region: null,
      confidential: false,
      anonymous: false,
      complainant: null,
      accessCodeHash: null,
      channel: 'WHATSAPP',
      channelReference: 'wamid-1',
      imported: null,
    });
    const cycles = Math.floor((Number(process.env.BENCH_CASE_EVENTS ?? 1000) - 3) / 2);
    for (let i = 0; i < cycles; i++) {
      await give('RequestInformation', { question: `Pertanyaan ${i}` });
      await give('ProvideInformation', { information: `Jawaban ${i}` });
    }
    await give('VerifyComplaint', {});
    await give('ForwardComplaint', { agencyIds: [AGENCIES[0]] });
    const events = await store.headPosition();
    /** 200 random instants; with `cache`, the case's events are read once and kept (the resolver's way). */
    const measure = async (cache?: CaseEventsCache) => {
      const samples: number[] = [];
      for (let r = 0; r < 200; r++) {
        const at = new Date(YEAR_START + Math.random() * (clock - YEAR_START));
        const t0 = performance.now();
        await caseStateAsOf(store, id, at, cache ? { cache } : {});
        samples.push(performance.now() - t0);
      }
      samples.sort((a, b) => a - b);
      const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!;
      return `p50 ${q(0.5).toFixed(1)} ms, p99 ${q(0.99).toFixed(1)} ms`;
    };
    console.log('');
    console.log(
      `asOf(at) of one case of ${events} events, 200 random instants (goal p99 ≤ 10 ms):\n` +
        `  each reading the case's events: ${await measure()}\n` +
        `  the events kept between reads, as the asOf resolver does for a time slider: ${await measure(new CaseEventsCache())}`,
    );
  } finally {
    await store.close();
    if (process.env.BENCH_KEEP) console.log(dir);
    else rmSync(dir, { recursive: true, force: true });
  }
}

async function complaintsAtVolume() {
  const store = new SqliteReadModelStore({ file: ':memory:', documentCacheSize: 0 });
  const t0 = performance.now();
  const BATCH = 1000;
  for (let start = 0, position = 1; start < COMPLAINTS; start += BATCH, position++) {
    const docs = Array.from({ length: Math.min(BATCH, COMPLAINTS - start) }, (_, k) => complaint(start + k));
    await store.applyBatch('bench', position, async (tx) => {
      for (const doc of docs) {
        await tx.put(COMPLAINTS_COLLECTION, doc.id, doc);
        for (const [key, agencyCase] of agencyCasesOf(doc))
          await tx.put(AGENCY_CASES_COLLECTION, key, agencyCase);
      }
    });
  }
  const generated = (performance.now() - t0) / 1000;
  console.log(
    `bench:volume — ${COMPLAINTS.toLocaleString('en')} complaints, ${AGENCIES.length} agencies, generated through the decider and projection in ${generated.toFixed(1)} s (SQLite read model in memory)`,
  );
  const before: Record<string, { p50: number; p99: number }> = {};
  for (const [name, filter] of Object.entries(FILTERS)) before[name] = await time(store, filter, 3, false);
  const t1 = performance.now();
  await store.ensureIndexes(COMPLAINT_INDEXES);
  console.log(`indexes built in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  console.log('');
  console.log(
    'complaints(first: 20, filter…) + totalCount   before p50/p99 ms     indexed p50/p99 ms (+ next page by keyset)',
  );
  for (const [name, filter] of Object.entries(FILTERS)) {
    const after = await time(store, filter, 30, true);
    const b = before[name]!;
    console.log(
      `${name.padEnd(44)} ${b.p50.toFixed(1).padStart(8)} / ${b.p99.toFixed(1).padStart(7)}     ${after.p50.toFixed(1).padStart(8)} / ${after.p99.toFixed(1).padStart(7)}`,
    );
  }
  await store.close();
}

// ── the evaluation's clocks at volume ────────────────────────────────────────────────────────────

/**
 * Clocks of a national year as the evaluation projection stores them (toClockDoc): per complaint a
 * VERIFICATION clock, and for the half forwarded an AGENCY_FIRST_FOLLOW_UP and a WRITTEN_RESPONSE; most
 * stopped in time, some open, a few past due. Measured: a page's `sla` (20 complaints' clocks) and one
 * breach-scheduler pass's two queries, before (no index: every clock parsed, one query per complaint, the
 * old open-and-due-within-45-days condition) and after (the complaint index batched into one `in` query;
 * the due and late-stop indexes).
 */
function clocksOf(i: number): SlaClock[] {
  const complaintId = `c-${i}`;
  const startedMs = YEAR_START + i * 300_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  const clock = (
    kind: SlaClock['kind'],
    offsetMs: number,
    days: number,
    stopAfterDays?: number,
  ): SlaClock => ({
    id: `${complaintId}/${kind}#1`,
    complaintId,
    kind,
    cycle: 1,
    policyVersion: 0,
    calendarVersion: 0,
    length: days,
    unit: 'CALENDAR_DAYS',
    startedAt: iso(startedMs + offsetMs),
    pauses: [],
    dueDate: iso(startedMs + offsetMs + days * DAY_MS).slice(0, 10),
    dueAt: iso(startedMs + offsetMs + days * DAY_MS),
    ...(stopAfterDays !== undefined ? { stoppedAt: iso(startedMs + offsetMs + stopAfterDays * DAY_MS) } : {}),
  });
  // Most clocks stop in time; one in 13 late; one in 5 still open.
  const stop = (k: number) => (k % 5 === 0 ? undefined : k % 13 === 0 ? 30 : 2);
  const clocks = [clock('VERIFICATION', 0, 3, stop(i))];
  if (i % 2 === 0) {
    clocks.push(clock('AGENCY_FIRST_FOLLOW_UP', 120_000, 5, stop(i + 1)));
    clocks.push(clock('WRITTEN_RESPONSE', 120_000, 14, stop(i + 2)));
  }
  return clocks;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function quantiles(samples: number[]) {
  samples.sort((a, b) => a - b);
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!;
  return { p50: q(0.5), p99: q(0.99) };
}

async function sample(reps: number, run: (r: number) => Promise<unknown>) {
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await run(r);
    samples.push(performance.now() - t0);
  }
  return quantiles(samples);
}

async function clocksAtVolume() {
  const store = new SqliteReadModelStore({ file: ':memory:', documentCacheSize: 0 });
  const t0 = performance.now();
  let clocks = 0;
  const BATCH = 1000;
  for (let start = 0, position = 1; start < COMPLAINTS; start += BATCH, position++) {
    const docs = Array.from({ length: Math.min(BATCH, COMPLAINTS - start) }, (_, k) =>
      clocksOf(start + k),
    ).flat();
    clocks += docs.length;
    await store.applyBatch('bench-clocks', position, async (tx) => {
      for (const doc of docs) await tx.put(SLA_CLOCKS, doc.id, toClockDoc(doc));
    });
  }
  console.log('');
  console.log(
    `evaluation clocks — ${clocks.toLocaleString('en')} clocks of ${COMPLAINTS.toLocaleString('en')} complaints stored in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  // "Now": the middle of the generated span, where some clocks are open and past due.
  const now = new Date(YEAR_START + Math.floor(COMPLAINTS / 2) * 300_000).toISOString();
  const nowMs = Date.parse(now);
  const page = (r: number) =>
    Array.from({ length: 20 }, (_, k) => `c-${(r * 7919 + k * 104_729) % COMPLAINTS}`);
  const scheduler = {
    before: () =>
      Promise.all([
        store.find(SLA_CLOCKS, {
          where: { open: true, dueAt: { lt: new Date(nowMs + 45 * DAY_MS).toISOString() } },
          orderBy: [{ path: 'dueAt' }, { path: 'id' }],
        }),
        store.find(SLA_CLOCKS, {
          where: { stoppedAt: { gt: new Date(nowMs - 45 * DAY_MS).toISOString() }, dueAt: { lt: now } },
          orderBy: [{ path: 'dueAt' }, { path: 'id' }],
        }),
      ]),
    after: () =>
      Promise.all([
        store.find(SLA_CLOCKS, { where: { dueWatch: { lt: now } }, orderBy: DUE_ORDER }),
        store.find(SLA_CLOCKS, {
          where: { lateStopWatch: { gt: new Date(nowMs - 45 * DAY_MS).toISOString() } },
          orderBy: LATE_STOP_ORDER,
        }),
      ]),
  };
  // Before: a few rounds only, each is a scan of every clock per complaint.
  const beforePage = await sample(2, (r) =>
    Promise.all(
      page(r).map((complaintId) => store.find(SLA_CLOCKS, { where: { complaintId }, orderBy: CLOCK_ORDER })),
    ),
  );
  const beforePass = await sample(2, () => scheduler.before());
  const [dueBefore, lateBefore] = await scheduler.before();
  const t1 = performance.now();
  await store.ensureIndexes(EVALUATION_INDEXES);
  console.log(`indexes built in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  const afterPage = await sample(50, (r) =>
    withConsistency(0, () =>
      Promise.all(page(r).map((complaintId) => clocksOfComplaint(store, complaintId))),
    ),
  );
  const afterPass = await sample(50, () => scheduler.after());
  const [dueAfter, lateAfter] = await scheduler.after();
  console.log('                                              before p50/p99 ms     indexed p50/p99 ms');
  const line = (name: string, b: { p50: number; p99: number }, a: { p50: number; p99: number }) =>
    console.log(
      `${name.padEnd(44)} ${b.p50.toFixed(1).padStart(8)} / ${b.p99.toFixed(1).padStart(7)}     ${a.p50.toFixed(1).padStart(8)} / ${a.p99.toFixed(1).padStart(7)}`,
    );
  line('sla of a page (20 complaints)', beforePage, afterPage);
  line('breach scheduler pass (both queries)', beforePass, afterPass);
  console.log(
    `clocks a pass reads: before ${dueBefore.length + lateBefore.length}, indexed ${dueAfter.length + lateAfter.length} (open and due, or stopped late unrecorded)`,
  );
  await store.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
