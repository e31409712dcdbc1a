/**
 * `npm run bench:replicas` — throughput with 1 and with 2 replicas of every service on PostgreSQL, in one
 * run: the README's cross-subgraph query ("A first query": complaints with their agencies' names and SLA
 * clocks, three subgraphs) as an OFFICER, and the public `fileComplaint` mutation (each request a new
 * complaint). Each cluster is started by `startCluster` (services/cli/cluster.ts, what `npm run
 * start:cluster` runs) on its own throwaway PostgreSQL server with the demo seed, and the load goes
 * through the gateways' round-robin front, as a client of the cluster would send it.
 *
 * On one 2-core machine a second replica of each service adds processes, not cores: the figures show what
 * replication costs and whether anything serialises across replicas (leases, the shared log), not how
 * it scales on more machines.
 *
 * Env: BENCH_CLIENTS (default 16), BENCH_SECONDS (default 8), BENCH_WARMUP_SECONDS (default 2),
 * BENCH_REPLICAS (default "1,2").
 */
import os from 'node:os';
import { mintToken } from '../../services/shared/auth';
import { type Cluster, startCluster } from '../../services/cli/cluster';
import { type LoadResult, load, waitUp } from './http-load';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const REPLICAS = (process.env.BENCH_REPLICAS ?? '1,2').split(',').map(Number);
const SECRET = 'bench-replicas-secret-0123456789-abcdefghij';

/** README, "A first query": one query, three subgraphs. */
const CROSS_SUBGRAPH = JSON.stringify({
  query:
    '{ complaints(first: 5, filter: {status: [FORWARDED, IN_FOLLOW_UP]}) { totalCount edges { node { trackingNumber status subject agencies { id name } sla { clocks { kind state dueAt } } } } } }',
});

const FILE = `mutation File($input: FileComplaintInput!) {
  fileComplaint(input: $input) { accessCode complaint { id trackingNumber status } }
}`;
let n = 0;
const filing = () =>
  JSON.stringify({
    query: FILE,
    variables: {
      input: {
        subject: 'Jalan rusak di Kabupaten Bantul',
        description: 'Jalan desa rusak sejak dua tahun dan belum diperbaiki.',
        complainant: { name: 'Siti Rahayu', phone: '081234567890' },
        idempotencyKey: `bench-replicas-${process.pid}-${++n}`,
      },
    },
  });

async function measure(replicas: number): Promise<LoadResult[]> {
  const port = 4700 + Math.floor(Math.random() * 200);
  const started = Date.now();
  let cluster: Cluster | undefined;
  try {
    cluster = await startCluster({
      replicas,
      port,
      stdio: 'ignore',
      env: {
        LOG_LEVEL: 'silent',
        DUMAS_JWT_SECRET: SECRET,
        // One client sends every filing: lift the per-client limit on public mutations for the run.
        DUMAS_LIMIT_PUBLIC_MUTATIONS_PER_MINUTE: String(1e9),
      },
    });
    const token = await mintToken({ sub: 'bench-officer', role: 'OFFICER', ttl: '1h' }, SECRET);
    await waitUp(cluster.url, CROSS_SUBGRAPH, token);
    console.log(
      `${replicas} replica${replicas > 1 ? 's' : ''} of each service up in ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    const gateway = cluster.replicas.find((r) => r.service === 'gateway')!;
    const options = { clients: CLIENTS, seconds: SECONDS, warmupSeconds: WARMUP, pid: gateway.child.pid! };
    const query = await load('cross-subgraph query', cluster.url, CROSS_SUBGRAPH, { ...options, token });
    const filed = await load('fileComplaint', cluster.url, filing, options);
    return [query, filed];
  } finally {
    await cluster?.stop();
  }
}

async function main(): Promise<void> {
  console.log(
    `bench:replicas — through the gateways' round-robin front on PostgreSQL, ${CLIENTS} concurrent clients, ` +
      `${SECONDS}s after ${WARMUP}s warm-up, ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)}`,
  );
  const rows: { replicas: number; result: LoadResult }[] = [];
  for (const replicas of REPLICAS) {
    for (const result of await measure(replicas)) rows.push({ replicas, result });
  }
  console.log('');
  console.log('replicas  operation                  req/s   p50 ms   p99 ms   errors');
  for (const { replicas, result: r } of rows) {
    console.log(
      `${String(replicas).padStart(8)}  ${r.name.padEnd(22)} ${r.rps.toFixed(0).padStart(9)} ${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${String(r.errors).padStart(8)}`,
    );
  }
  for (const name of ['cross-subgraph query', 'fileComplaint']) {
    const one = rows.find((r) => r.replicas === 1 && r.result.name === name)?.result;
    const two = rows.find((r) => r.replicas === 2 && r.result.name === name)?.result;
    if (one && two) console.log(`${name}: 2 replicas / 1 replica = ${(two.rps / one.rps).toFixed(2)}`);
  }
  console.log(`load average now ${os.loadavg()[0]!.toFixed(1)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
