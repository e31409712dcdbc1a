/**
 * Cross-subgraph lag on SQLite: from `forwardComplaint` (the complaint service's command, as the mutation
 * runs it) to the FOLLOW_UP_REQUEST draft being queryable in the correspondence read model, under a steady
 * load of forwards. Both runtimes share one SQLite event store in one process, as in the test federation;
 * the follow-up flow and the letters projection each follow the log on their own subscription.
 *
 *   npm run bench:flows
 *   FLOWS_BENCH_FORWARDS=1000 FLOWS_BENCH_RATE=50 npm run bench:flows
 */
import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { complaintStreamId } from '../../services/complaint/domain';
import { subgraphEntry } from '../../services/subgraphs';
import { ComplaintService } from '../../services/complaint/service';
import { followUpLetterId } from '../../services/correspondence/flows';
import { LETTERS } from '../../services/correspondence/projections';
import { startCorrespondenceRuntime } from '../../services/correspondence/subgraph';
import { loadConfig } from '../../services/shared/config';
import { SqliteEventStore } from '../../services/shared/eventstore/sqlite';
import type { Actor } from '../../services/shared/eventstore/types';
import { createLogger } from '../../services/shared/logger';
import { openKeyVault } from '../../services/shared/pii';
import { received, verified } from '../complaint/fixtures';

const FORWARDS = Number(process.env.FLOWS_BENCH_FORWARDS ?? 400);
/** Forwards per second: far above Asdep Dumas's ~100 letters a day, to see the lag under pressure. */
const RATE = Number(process.env.FLOWS_BENCH_RATE ?? 20);
const TARGET_P99_MS = 50;
const AGENCIES = [
  'inspektorat-diy',
  'inspektorat-bantul',
  'inspektorat-sleman',
  'inspektorat-gunungkidul',
  'inspektorat-kulon-progo',
  'inspektorat-kota-yogyakarta',
];
const officer: Actor = { id: 'officer-bench', role: 'OFFICER' };

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-flows-bench-'));
  const config = loadConfig({ DUMAS_DATA_DIR: dir });
  const logger = createLogger({ name: 'bench', level: 'silent' });
  const store = new SqliteEventStore({ file: path.join(dir, 'events.sqlite') });
  const vault = openKeyVault(config);
  const complaintRuntime = await subgraphEntry('complaint').load().start({ config, store, vault, logger });
  const correspondence = await startCorrespondenceRuntime({
    config,
    store,
    vault,
    logger,
    correspondence: { reminderTickMs: 0 },
  });
  const complaints = new ComplaintService(complaintRuntime);
  try {
    // Verified complaints to forward, written straight to the log.
    const ids: string[] = [];
    for (let i = 0; i < FORWARDS; i++) {
      const id = `bench-${String(i).padStart(6, '0')}`;
      ids.push(id);
      const events = [
        {
          ...received,
          data: { ...received.data, complaintId: id, trackingNumber: `DUMAS-2026-${String(100000 + i)}` },
        },
        verified,
      ];
      await store.append(
        complaintStreamId(id),
        events.map((e) => ({ ...e, metadata: { occurredAt: e.data.at, actor: officer, caseId: id } })),
      );
    }
    await complaintRuntime.projections.waitFor(await store.headPosition(), 60_000);
    await correspondence.flows!.runner.waitFor(await store.headPosition(), 60_000);

    const lags: number[] = [];
    const interval = 1000 / RATE;
    const started = performance.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < FORWARDS; i++) {
      const due = started + i * interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const id = ids[i]!;
      const agency = AGENCIES[i % AGENCIES.length]!;
      const letterId = followUpLetterId(id, `${agency}/1`);
      pending.push(
        (async () => {
          const t0 = performance.now();
          await complaints.execute(
            id,
            (metadata) => ({ type: 'ForwardComplaint', data: { agencyIds: [agency], note: null }, metadata }),
            officer,
          );
          // Poll the read model as a client would query it.
          for (;;) {
            if (await correspondence.readModels.get(LETTERS, letterId)) break;
            await new Promise((r) => setTimeout(r, 1));
          }
          lags.push(performance.now() - t0);
        })(),
      );
    }
    await Promise.all(pending);
    const elapsed = (performance.now() - started) / 1000;
    const sorted = [...lags].sort((a, b) => a - b);
    const p99 = percentile(sorted, 99);
    const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
    console.log(`bench:flows — forwardComplaint → FOLLOW_UP_REQUEST draft queryable (SQLite, one process)`);
    console.log(
      `  forwards: ${FORWARDS} at ${RATE}/s target (${(FORWARDS / elapsed).toFixed(1)}/s achieved)`,
    );
    console.log(
      `  lag p50 ${fmt(percentile(sorted, 50))}  p90 ${fmt(percentile(sorted, 90))}  p99 ${fmt(p99)}  max ${fmt(sorted[sorted.length - 1]!)}`,
    );
    console.log(`  target p99 ≤ ${TARGET_P99_MS} ms: ${p99 <= TARGET_P99_MS ? 'met' : 'NOT met'}`);
    console.log(
      `  load average: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} on ${os.cpus().length} cores`,
    );
  } finally {
    await correspondence.close();
    await complaintRuntime.close();
    await vault.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
