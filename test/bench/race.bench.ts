/**
 * `npm run bench:race` — the peer race: stock @apollo/gateway, Hive Gateway and our gateway in front of the
 * same three subgraphs over the same store, in one run, at the same concurrency, on the same queries:
 *   - the README's first query ("A first query": a page of complaints with their agencies' names and SLA
 *     clocks — complaint, correspondence and evaluation subgraphs), and
 *   - `complaints(first: 20, filter: …)` (complaint subgraph only).
 * Each gateway and each subgraph is its own process (production mode); the load generator and the CPU
 * per request (from /proc, the gateway's process only) are bench:gateway's (http-load.ts). Figures are
 * printed, not asserted.
 *
 * The store: BENCH_COMPLAINTS cases (default 20,000) written as an import file (complaints-csv.ts: a
 * quarter each received only, forwarded, answered, closed) and loaded by the real importer, then projected
 * by the subgraphs as they start. It is kept in BENCH_RACE_DIR (default <tmp>/dumas-bench-race-<size>) and
 * reused by the next run at the same size; delete the directory (or BENCH_RACE_FRESH=1) to build it again.
 * At 20,000 on the shared 2-core machine (load ~8): the import took 1 min and the subgraphs' first
 * projection of its 90k events 5 min; with the store kept, a subgraph is ready again in seconds.
 * 100k: `BENCH_COMPLAINTS=100000 npm run bench:race` (expect about five times that on the first run).
 * Figures are taken once the subgraphs are idle (waitIdle): just ready over a big store, the complaint
 * subgraph's checkpointer re-derives the signed heads of every stream (~10 s at 100k), which the first
 * rounds used to measure.
 *
 * Session 8, 100k complaints (450k events; load ~1): store built in 49 s, subgraphs ready in 265 s from
 * no read models. README query: ours 137 req/s, p99 237 ms, against stock 111 and Hive 120 (1.24x,
 * 1.14x); the complaint subgraph spent 4.8 of its 6 ms a request counting FORWARDED and IN_FOLLOW_UP
 * off the index. With the counts the projection keeps (complaint projection v3): ours 275 req/s, p50 57
 * ms, p99 116 ms; stock 133, Hive 171 (2.07x, 1.60x); our gateway's CPU a request 0.30x stock's, 0.41x
 * Hive's. complaints(first: 20, filter): 403 req/s, p99 94 ms (stock 425, Hive 361). With 16 clients
 * always waiting, the mean latency is 16 / rate: 58 ms at 275 req/s, so a p99 of 50 ms needs the rate
 * at least doubled again, on the two cores that also run the subgraphs and the load.
 *
 * Hive Gateway lives in bench/hive with its own package.json and lock file (the main tree's versions stay
 * as they are); the first run installs it there with `npm ci`. Its configuration, bench/hive/
 * gateway.config.mjs: request deduplication off, Authorization forwarded. Stock @apollo/gateway:
 * test/bench/stock-gateway.ts. Ours: gateway/index.ts, what `npm start` runs; it signs its subgraph calls
 * (DUMAS_GATEWAY_SECRET), the subgraphs also accept unsigned calls (DUMAS_SUBGRAPH_GATEWAY_ONLY=false) so
 * the other two can reach them.
 *
 * Env: BENCH_COMPLAINTS, BENCH_RACE_DIR, BENCH_RACE_FRESH, BENCH_CLIENTS (default 16), BENCH_SECONDS
 * (default 8), BENCH_WARMUP_SECONDS (default 2), BENCH_ROUNDS (default 3: interleaved, medians printed).
 * Ports 6401–6403 (subgraphs) and 6410–6412 (gateways).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mintToken } from '../../services/shared/auth';
import { composeSupergraph } from '../../services/shared/graphql/supergraph';
import { SUBGRAPHS } from '../../services/subgraphs';
import { waitReady } from '../../services/cli/wait-ready';
import { type LoadResult, launch, load, ROOT, runBench, waitIdle, waitUp } from './http-load';
import { ensureStore } from './volume-store';

const COMPLAINTS = Number(process.env.BENCH_COMPLAINTS ?? 20_000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const STORE_ROOT = process.env.BENCH_RACE_DIR ?? path.join(os.tmpdir(), `dumas-bench-race-${COMPLAINTS}`);
const HIVE_DIR = path.join(ROOT, 'bench', 'hive');
const HIVE_BIN = path.join(HIVE_DIR, 'node_modules', '@graphql-hive', 'gateway', 'dist', 'bin.js');
const SECRET = 'bench-race-secret-0123456789-abcdefghijkl';
const PORT = { subgraphs: 6401, stock: 6410, hive: 6411, ours: 6412 };

/** README, "A first query": one query, three subgraphs. */
const README_QUERY =
  '{ complaints(first: 5, filter: {status: [FORWARDED, IN_FOLLOW_UP]}) { totalCount edges { node { trackingNumber status subject agencies { id name } sla { clocks { kind state dueAt } } } } } }';
/** A filtered page of the complaints list, one subgraph. */
const LIST_QUERY =
  '{ complaints(first: 20, filter: {status: [FORWARDED], channel: [EMAIL]}) { totalCount edges { node { id trackingNumber status subject receivedAt channel } } pageInfo { endCursor hasNextPage } } }';
const QUERIES: readonly [string, string][] = [
  ['README first query', README_QUERY],
  ['complaints(first: 20, filter)', LIST_QUERY],
];

/** Hive Gateway from bench/hive's own lock file, installed there once. */
function ensureHive(): void {
  if (existsSync(HIVE_BIN)) return;
  console.log(`installing Hive Gateway in ${path.relative(ROOT, HIVE_DIR)} (npm ci, once)…`);
  // Without the main tree's engine-strict (which `npm run` passes down as npm_config_engine_strict): a
  // few of Hive Gateway's locked dependencies (@whatwg-node/disposablestack 0.1.0) declare Node >= 22.15,
  // yet the gateway runs on this machine's Node 20, as every race here has; the main tree stays strict.
  const result = spawnSync(
    'npm',
    ['ci', '--no-audit', '--no-fund', '--loglevel=error', '--engine-strict=false'],
    {
      cwd: HIVE_DIR,
      stdio: 'inherit',
    },
  );
  if (result.status !== 0 || !existsSync(HIVE_BIN)) throw new Error('npm ci in bench/hive failed');
}

const fixed = (n: number, digits = 1) => n.toFixed(digits);

runBench('dumas-bench-race-', async (dir, started) => {
  ensureHive();
  const env = await ensureStore(STORE_ROOT, COMPLAINTS, SECRET);

  const t0 = performance.now();
  const subgraphs = SUBGRAPHS.map(({ name }, i) => {
    const port = PORT.subgraphs + i;
    const child = launch('services/cli/subgraph.ts', { ...env, PORT: String(port) }, SECRET, [name]);
    started(child);
    return { name, url: `http://127.0.0.1:${port}/graphql`, ready: `http://127.0.0.1:${port}/ready`, child };
  });
  const supergraphFile = path.join(dir, 'supergraph.graphql');
  writeFileSync(
    supergraphFile,
    composeSupergraph(
      await Promise.all(
        SUBGRAPHS.map(async (entry, i) => ({
          name: entry.name,
          url: subgraphs[i]!.url,
          sdl: await entry.load().sdl(),
        })),
      ),
    ),
  );
  // A first projection of the store can take minutes.
  for (const s of subgraphs) await waitReady(s.ready, s.child, { timeoutMs: 15 * 60_000 });
  console.log(`subgraphs ready in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const settling = await waitIdle(subgraphs.map((s) => s.child.pid!));
  console.log(
    `subgraphs idle ${settling.toFixed(0)} s later (first checkpoint pass, scheduler and flows done)`,
  );

  const stock = launch(
    'test/bench/stock-gateway.ts',
    { SUPERGRAPH: supergraphFile, PORT: String(PORT.stock) },
    SECRET,
  );
  const hive = spawn(
    process.execPath,
    [
      HIVE_BIN,
      'supergraph',
      supergraphFile,
      '--config-path',
      'gateway.config.mjs',
      '--port',
      String(PORT.hive),
    ],
    {
      cwd: HIVE_DIR,
      env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'error', FORK: '1' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const ours = launch(
    'gateway/index.ts',
    { ...env, DUMAS_SUPERGRAPH: supergraphFile, PORT: String(PORT.ours) },
    SECRET,
  );
  started(stock, hive, ours);

  const token = await mintToken({ sub: 'bench-officer', role: 'OFFICER', ttl: '2h' }, SECRET);
  const gateways: [string, string, ChildProcess][] = [
    ['stock @apollo/gateway', `http://127.0.0.1:${PORT.stock}/`, stock],
    ['Hive Gateway', `http://127.0.0.1:${PORT.hive}/graphql`, hive],
    ['dumas gateway', `http://127.0.0.1:${PORT.ours}/graphql`, ours],
  ];
  // The same answer from each, before any figure counts.
  const answers = new Map<string, string>();
  for (const [name, url] of gateways) {
    for (const [, query] of QUERIES) {
      const body = JSON.stringify({ query });
      await waitUp(url, body, token);
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
      });
      const text = await res.text();
      if (text.includes('"errors"')) throw new Error(`${name} answered with errors: ${text.slice(0, 500)}`);
      const seen = answers.get(query);
      if (seen === undefined) answers.set(query, text);
      else if (JSON.stringify(JSON.parse(seen)) !== JSON.stringify(JSON.parse(text)))
        console.log(`note: ${name} answers ${query.slice(0, 40)}… differently from the first gateway`);
    }
  }
  const sample = JSON.parse(answers.get(README_QUERY)!) as { data: { complaints: { totalCount: number } } };

  console.log(
    `bench:race — ${COMPLAINTS.toLocaleString('en')} complaints, ${CLIENTS} concurrent clients, ${ROUNDS} interleaved rounds of ${SECONDS}s per gateway and query after ${WARMUP}s warm-up (medians over the rounds), ${os.cpus().length} cores; the README query matches ${sample.data.complaints.totalCount.toLocaleString('en')} complaints`,
  );
  console.log(
    `load average before: ${os
      .loadavg()
      .map((l) => fixed(l))
      .join(' ')}`,
  );
  // Rounds interleave the gateways, each round in a rotated order, so drift in the machine's other load
  // falls on all three alike; each figure printed is the median over the rounds.
  const rounds: { query: string; gateway: string; result: LoadResult }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [queryName, query] of QUERIES) {
      const body = JSON.stringify({ query });
      for (let k = 0; k < gateways.length; k++) {
        const [name, url, child] = gateways[(round + k) % gateways.length]!;
        const result = await load(name, url, body, {
          clients: CLIENTS,
          seconds: SECONDS,
          warmupSeconds: WARMUP,
          token,
          pid: child.pid!,
        });
        rounds.push({ query: queryName, gateway: name, result });
      }
    }
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;
  const results = QUERIES.flatMap(([query]) =>
    gateways.map(([gateway]) => {
      const of = rounds.filter((r) => r.query === query && r.gateway === gateway).map((r) => r.result);
      const result: LoadResult = {
        name: gateway,
        rps: median(of.map((r) => r.rps)),
        p50: median(of.map((r) => r.p50)),
        p99: median(of.map((r) => r.p99)),
        cpuPerRequestMs: median(of.map((r) => r.cpuPerRequestMs)),
        alsoCpuPerRequestMs: [],
        errors: of.reduce((sum, r) => sum + r.errors, 0),
      };
      return { query, gateway, result };
    }),
  );

  console.log('');
  console.log(
    'query                          gateway                  req/s   p50 ms   p99 ms  gateway CPU ms/req  errors',
  );
  for (const { query, gateway, result: r } of results) {
    console.log(
      `${query.padEnd(30)} ${gateway.padEnd(22)} ${fixed(r.rps, 0).padStart(7)} ${fixed(r.p50).padStart(8)} ${fixed(r.p99).padStart(8)} ${fixed(r.cpuPerRequestMs, 2).padStart(19)} ${String(r.errors).padStart(7)}`,
    );
  }
  console.log('');
  for (const [queryName] of QUERIES) {
    const of = (gateway: string) =>
      results.find((r) => r.query === queryName && r.gateway === gateway)!.result;
    const [stockR, hiveR, oursR] = gateways.map(([name]) => of(name)) as [LoadResult, LoadResult, LoadResult];
    console.log(
      `${queryName}: ours/stock ${fixed(oursR.rps / stockR.rps, 2)}× req/s, ours/hive ${fixed(oursR.rps / hiveR.rps, 2)}× req/s; gateway CPU per request ours/stock ${fixed(oursR.cpuPerRequestMs / stockR.cpuPerRequestMs, 2)}, ours/hive ${fixed(oursR.cpuPerRequestMs / hiveR.cpuPerRequestMs, 2)}`,
    );
  }
  console.log(
    'goals (issue 15, at 100k): README query p99 ≤ 50 ms and ≥ 2× both peers in req/s; complaints(first: 20, filter…) p99 ≤ 20 ms',
  );
  console.log(
    `load average after: ${os
      .loadavg()
      .map((l) => fixed(l))
      .join(' ')}`,
  );
});
