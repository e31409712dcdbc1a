/**
 * `npm run bench:volume` — the complaints list at volume, on the complaint subgraph's read model (SQLite):
 * BENCH_COMPLAINTS complaints (default 20,000) over 32 agencies, each folded by the real decider and the
 * real projection (received, ~70% verified, ~50% forwarded), written in batches; then
 * `complaints(first: 20, filter…)` as the subgraph asks it (one page of 21 + totalCount) for each filter,
 * first on the read model as it was (no index: json_extract over every document), then with the
 * projection's indexes, with the next page by keyset cursor. Prints p50/p99 per query.
 * Not covered yet: the gateway, PostgreSQL, letters/clocks/evaluations, the peer race (see the issue notes).
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
  applyComplaintEvent,
  COMPLAINT_INDEXES,
  COMPLAINTS_COLLECTION,
  type ComplaintDocument,
  type ComplaintFilter,
  complaintDocQuery,
} from '../../services/complaint/projection';
import type { Actor } from '../../services/shared/eventstore/types';
import { SqliteReadModelStore } from '../../services/shared/projections/sqlite-read-model';

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
  'agency (not indexed)': { agencyId: 'agency-07' },
  'text (not indexed)': { text: 'nomor 1234' },
};

async function time(store: SqliteReadModelStore, filter: ComplaintFilter, reps: number, keyset: boolean) {
  const query = complaintDocQuery(filter);
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const [page] = await Promise.all([
      store.find<ComplaintDocument>(COMPLAINTS_COLLECTION, { ...query, limit: 21 }),
      store.count(
        COMPLAINTS_COLLECTION,
        query.where ? { where: query.where, ...(query.text ? { text: query.text } : {}) } : {},
      ),
    ]);
    const last = page[19];
    if (keyset && last) {
      await store.find(COMPLAINTS_COLLECTION, { ...query, limit: 21, after: [last.receivedAt, last.id] });
    }
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!;
  return { p50: q(0.5), p99: q(0.99) };
}

async function main() {
  const store = new SqliteReadModelStore({ file: ':memory:', documentCacheSize: 0 });
  const t0 = performance.now();
  const BATCH = 1000;
  for (let start = 0, position = 1; start < COMPLAINTS; start += BATCH, position++) {
    const docs = Array.from({ length: Math.min(BATCH, COMPLAINTS - start) }, (_, k) => complaint(start + k));
    await store.applyBatch('bench', position, async (tx) => {
      for (const doc of docs) await tx.put(COMPLAINTS_COLLECTION, doc.id, doc);
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

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
