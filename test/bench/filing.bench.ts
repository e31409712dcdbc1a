/**
 * `npm run bench:filing` — the public `fileComplaint` mutation through the gateway, each request a new
 * complaint (its own idempotency key), at a fixed number of concurrent clients, on the embedded store.
 * The complaint subgraph and the gateway are their own processes; CPU per filing is the subgraph's.
 * The gateway's per-client limit on public mutations is lifted for the run (one client sends everything).
 * Env: BENCH_CLIENTS (default 16), BENCH_SECONDS (default 8), BENCH_WARMUP_SECONDS (default 2).
 * Figures (load ~2, 2 cores, 16 clients): 277 filings/s, p50 56.6, p99 94.4 ms, subgraph 3.23 ms of CPU a
 * filing at the start of session 6; with group commit (one fsync for the appends and the vault's keys asked
 * for together) 317/s, p50 48.7, p99 90.3 ms, subgraph 2.69 ms, gateway 1.61 ms. The goal of 1,000/s would
 * leave 2 ms of CPU a filing for the gateway, the subgraph and the load generator together on 2 cores.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { subgraphEntry } from '../../services/subgraphs';
import { composeSupergraph } from '../../services/shared/graphql/supergraph';
import { launch, runBench, load, waitUp } from './http-load';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const SECRET = 'bench-filing-secret-0123456789-abcdefghij';

const MUTATION = `mutation File($input: FileComplaintInput!) {
  fileComplaint(input: $input) { accessCode complaint { id trackingNumber status } }
}`;

let n = 0;
const filing = () =>
  JSON.stringify({
    query: MUTATION,
    variables: {
      input: {
        subject: 'Jalan rusak di Kabupaten Bantul',
        description: 'Jalan desa rusak sejak dua tahun dan belum diperbaiki.',
        complainant: { name: 'Siti Rahayu', phone: '081234567890' },
        idempotencyKey: `bench-${process.pid}-${++n}`,
      },
    },
  });

runBench('dumas-bench-filing-', async (dir, started) => {
  const base = 4600 + Math.floor(Math.random() * 300);
  const subgraphUrl = `http://127.0.0.1:${base}/graphql`;
  const supergraphFile = path.join(dir, 'supergraph.graphql');
  writeFileSync(
    supergraphFile,
    composeSupergraph([
      { name: 'complaint', url: subgraphUrl, sdl: await subgraphEntry('complaint').load().sdl() },
    ]),
  );
  const env = { DUMAS_DATA_DIR: dir };
  const subgraph = launch('services/cli/subgraph.ts', { ...env, PORT: String(base) }, SECRET, ['complaint']);
  const gateway = launch(
    'gateway/index.ts',
    {
      DUMAS_SUPERGRAPH: supergraphFile,
      PORT: String(base + 1),
      DUMAS_LIMIT_PUBLIC_MUTATIONS_PER_MINUTE: String(1e9),
    },
    SECRET,
  );
  started(subgraph, gateway);
  const url = `http://127.0.0.1:${base + 1}/graphql`;
  await waitUp(url, filing());

  console.log(
    `bench:filing — fileComplaint through the gateway, ${CLIENTS} concurrent clients, ${SECONDS}s after ${WARMUP}s warm-up, ${os.cpus().length} cores, SQLite`,
  );
  const r = await load('fileComplaint', url, filing, {
    clients: CLIENTS,
    seconds: SECONDS,
    warmupSeconds: WARMUP,
    pid: subgraph.pid!,
    alsoPids: [gateway.pid!],
  });
  console.log('');
  console.log(
    'operation        filings/s   p50 ms   p99 ms   subgraph CPU ms/filing   gateway CPU ms/filing   errors',
  );
  console.log(
    `${r.name.padEnd(16)} ${r.rps.toFixed(0).padStart(9)} ${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${r.cpuPerRequestMs.toFixed(2).padStart(24)} ${r.alsoCpuPerRequestMs[0]!.toFixed(2).padStart(23)} ${String(r.errors).padStart(8)}`,
  );
  console.log(
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log('goal (issue 15): ≥ 1,000 filings/s, p99 ≤ 50 ms; before HMAC + one append: 38/s, p99 610 ms');
});
