/**
 * `npm run bench:gateway` — one complaint query at a fixed number of concurrent clients, in one run:
 *   1. straight at the complaint subgraph,
 *   2. through a stock @apollo/gateway over the same supergraph,
 *   3. through our gateway (undici keep-alive data source, our HTTP path), and our gateway with Apollo's
 *      stock fetcher, to show what the data source alone is worth.
 * Each server is its own process; CPU time per request is read from /proc for the process under test.
 * Env: BENCH_CLIENTS (default 16), BENCH_SECONDS (default 8), BENCH_WARMUP_SECONDS (default 2).
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mintToken } from '../../services/shared/auth';
import { loadConfig } from '../../services/shared/config';
import { composeSupergraph } from '../../services/shared/graphql/supergraph';
import { subgraphEntry } from '../../services/subgraphs';
import { seedIfEmpty } from '../../services/cli/seed';
import { createEventStore } from '../../services/shared/eventstore';
import { launch, runBench, type LoadResult as Result, load, waitUp } from './http-load';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
// Production mode (no introspection, masked errors) with a bench-only secret, as a deployment would run.
const SECRET = 'bench-gateway-secret-0123456789-abcdefgh';

runBench('dumas-bench-gateway-', async (dir, started) => {
  const config = loadConfig({ DUMAS_DATA_DIR: dir });
  await seedIfEmpty(config);
  const store = await createEventStore(config.store);
  const [someReceived] = await store.readAll({
    filter: { eventTypes: ['ComplaintReceived'] },
    maxCount: 1,
  });
  await store.close();
  const complaintId = (someReceived!.data as { complaintId: string }).complaintId;

  const base = 4600 + Math.floor(Math.random() * 300);
  const ports = { subgraph: base, stock: base + 1, ours: base + 2, oursStock: base + 3 };
  const subgraphUrl = `http://127.0.0.1:${ports.subgraph}/graphql`;
  const supergraphFile = path.join(dir, 'supergraph.graphql');
  writeFileSync(
    supergraphFile,
    composeSupergraph([
      { name: 'complaint', url: subgraphUrl, sdl: await subgraphEntry('complaint').load().sdl() },
    ]),
  );

  const env = { DUMAS_DATA_DIR: dir };
  const subgraph = launch('services/cli/subgraph.ts', { ...env, PORT: String(ports.subgraph) }, SECRET, [
    'complaint',
  ]);
  const stock = launch(
    'test/bench/stock-gateway.ts',
    {
      SUPERGRAPH: supergraphFile,
      PORT: String(ports.stock),
    },
    SECRET,
  );
  const ours = launch(
    'gateway/index.ts',
    { DUMAS_SUPERGRAPH: supergraphFile, PORT: String(ports.ours) },
    SECRET,
  );
  const oursStock = launch(
    'gateway/index.ts',
    {
      DUMAS_SUPERGRAPH: supergraphFile,
      PORT: String(ports.oursStock),
      DUMAS_GATEWAY_FETCHER: 'stock',
    },
    SECRET,
  );
  started(subgraph, stock, ours, oursStock);

  const token = await mintToken({ sub: 'bench-officer', role: 'OFFICER', ttl: '1h' }, SECRET);
  const body = JSON.stringify({
    query:
      'query Complaint($id: ID!) { complaint(id: $id) { id trackingNumber status subject receivedAt agencies { id } } }',
    variables: { id: complaintId },
  });
  const targets: [string, string, ChildProcess][] = [
    ['direct subgraph', subgraphUrl, subgraph],
    ['stock @apollo/gateway', `http://127.0.0.1:${ports.stock}/`, stock],
    ['dumas gateway (undici)', `http://127.0.0.1:${ports.ours}/graphql`, ours],
    ['dumas gateway (stock fetcher)', `http://127.0.0.1:${ports.oursStock}/graphql`, oursStock],
  ];
  for (const [, url] of targets) await waitUp(url, body, token);

  console.log(
    `bench:gateway — ${CLIENTS} concurrent clients, ${SECONDS}s per target after ${WARMUP}s warm-up, ${os.cpus().length} cores`,
  );
  const results: Result[] = [];
  for (const [name, url, child] of targets)
    results.push(
      await load(name, url, body, {
        clients: CLIENTS,
        seconds: SECONDS,
        warmupSeconds: WARMUP,
        token,
        pid: child.pid!,
      }),
    );
  const direct = results[0]!;
  const stockResult = results[1]!;
  console.log('');
  console.log(
    'target                           req/s     p50 ms   p99 ms   CPU ms/req (process under test)   ×direct  ×stock  errors',
  );
  for (const r of results) {
    console.log(
      `${r.name.padEnd(30)} ${r.rps.toFixed(0).padStart(7)} ${r.p50.toFixed(2).padStart(9)} ${r.p99.toFixed(2).padStart(8)} ${r.cpuPerRequestMs.toFixed(3).padStart(12)}                      ${(r.rps / direct.rps).toFixed(2).padStart(6)} ${(r.rps / stockResult.rps).toFixed(2).padStart(7)} ${String(r.errors).padStart(7)}`,
    );
  }
  const ourResult = results[2]!;
  console.log('');
  console.log(
    `targets: ours ≥ 0.35× direct → ${(ourResult.rps / direct.rps).toFixed(2)}×; ours ≥ 1.5× stock → ${(ourResult.rps / stockResult.rps).toFixed(2)}×`,
  );
});
