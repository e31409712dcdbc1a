/**
 * `npm run start:cluster -- --replicas 2`: every subgraph and the gateway as N replicas on one
 * PostgreSQL, on one machine, each service behind a small round-robin front (round-robin.ts):
 *
 *   PORT (4000)        the gateway front          → gateway replicas on PORT+100+r
 *   PORT+1 … PORT+3    the subgraph fronts         → subgraph replicas on PORT+110+10·i+r
 *
 * The database is DUMAS_POSTGRES_URL, or a throwaway server started here and removed on exit. Every
 * replica gets DUMAS_REPLICA_ID=r<n>: its own read models, the shared log, leases for the work done once
 * (README, "Replicas"). Demo data is seeded on the first run, as by `npm start`. Ctrl-C stops everything.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mintToken } from '../shared/auth';
import { loadConfig, subgraphUrlEnvName } from '../shared/config';
import { SUBGRAPHS } from '../subgraphs';
import { type RoundRobinFront, startRoundRobinFront } from './round-robin';
import { startThrowawayPostgres, type ThrowawayPostgres } from './throwaway-postgres';
import { waitReady } from './wait-ready';

const ROOT = path.resolve(__dirname, '..', '..');

export interface ReplicaProcess {
  /** `complaint`, …, `gateway`. */
  readonly service: string;
  /** 1-based. */
  readonly replica: number;
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
}

export interface Cluster {
  /** The gateway front's GraphQL URL. */
  readonly url: string;
  readonly postgresUrl: string;
  readonly dataDir: string;
  readonly replicas: readonly ReplicaProcess[];
  /** Starts a replica again (after a kill) on its port. */
  restart(replica: ReplicaProcess): Promise<ReplicaProcess>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  readonly replicas: number;
  readonly port: number;
  readonly postgresUrl?: string;
  readonly dataDir?: string;
  /** Added to every replica's environment (tests: a JWT secret, short intervals). */
  readonly env?: NodeJS.ProcessEnv;
  /** Seed demo data into an empty log (default true). */
  readonly seed?: boolean;
  /** Where the replicas' output goes (default: inherited). */
  readonly stdio?: 'inherit' | 'ignore';
}

/** The last few kB a replica wrote to stderr when its output is not shown: why it exited, if it did. */
const stderrTails = new WeakMap<ChildProcess, string>();
const STDERR_TAIL = 4096;

/** Readiness of a replica, with its last output if it exits first. */
const ready = (url: string, child: ChildProcess) =>
  waitReady(url, child, { timeoutMs: 120_000, lastOutput: () => stderrTails.get(child) });

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const n = options.replicas;
  if (!Number.isInteger(n) || n < 1 || n > 9) throw new Error('--replicas must be 1 to 9');
  const postgres: ThrowawayPostgres | undefined = options.postgresUrl
    ? undefined
    : await startThrowawayPostgres();
  const postgresUrl = options.postgresUrl ?? postgres!.url;
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-cluster-'));
  const baseEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.env,
    DUMAS_STORE: 'postgres',
    DUMAS_POSTGRES_URL: postgresUrl,
    DUMAS_DATA_DIR: dataDir,
  };
  const replicas: ReplicaProcess[] = [];
  const fronts: RoundRobinFront[] = [];
  const launch = (
    service: string,
    replica: number,
    port: number,
    entry: string,
    env: NodeJS.ProcessEnv,
    args: readonly string[] = [],
  ) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', entry, ...args], {
      cwd: ROOT,
      env: { ...env, PORT: String(port), DUMAS_REPLICA_ID: `r${replica}` },
      stdio: options.stdio === 'ignore' ? ['ignore', 'ignore', 'pipe'] : ['ignore', 'inherit', 'inherit'],
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderrTails.set(child, ((stderrTails.get(child) ?? '') + chunk.toString('utf8')).slice(-STDERR_TAIL));
    });
    return { service, replica, port, url: `http://127.0.0.1:${port}`, child, entry, env, args };
  };
  const entries = new Map<
    ReplicaProcess,
    { entry: string; env: NodeJS.ProcessEnv; args: readonly string[] }
  >();
  const stop = async () => {
    for (const f of fronts) await f.close();
    const alive = replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null);
    for (const r of alive) r.child.kill('SIGTERM');
    await Promise.all(
      alive.map(
        (r) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              r.child.kill('SIGKILL');
              resolve();
            }, 5000);
            r.child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
    postgres?.stop();
    // A data dir made here (no DUMAS_DATA_DIR given) is the cluster's own and goes with it.
    if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const subgraphUrls: Record<string, string> = {};
    for (const [i, { name }] of SUBGRAPHS.entries()) {
      const entry = path.join(ROOT, 'services', 'cli', 'subgraph.ts');
      const started: ReplicaProcess[] = [];
      for (let r = 1; r <= n; r++) {
        const launched = launch(name, r, options.port + 110 + 10 * i + r, entry, baseEnv, [name]);
        entries.set(launched, launched);
        started.push(launched);
      }
      replicas.push(...started);
      // One replica first: it creates the shared tables, then the others start beside it.
      await ready(`${started[0]!.url}/ready`, started[0]!.child);
      for (const r of started.slice(1)) await ready(`${r.url}/ready`, r.child);
      const front = await startRoundRobinFront(
        started.map((r) => ({ host: '127.0.0.1', port: r.port })),
        options.port + 1 + i,
      );
      fronts.push(front);
      subgraphUrls[subgraphUrlEnvName(name)] = `http://127.0.0.1:${front.port}/graphql`;
    }
    if (options.seed ?? true) {
      const { seedIfEmpty } = require('./seed') as typeof import('./seed');
      await seedIfEmpty(loadConfig(baseEnv));
    }
    const gatewayEnv = { ...baseEnv, ...subgraphUrls };
    const gateways: ReplicaProcess[] = [];
    for (let r = 1; r <= n; r++) {
      const launched = launch(
        'gateway',
        r,
        options.port + 100 + r,
        path.join(ROOT, 'gateway', 'index.ts'),
        gatewayEnv,
      );
      entries.set(launched, launched);
      gateways.push(launched);
    }
    replicas.push(...gateways);
    for (const g of gateways) await ready(`${g.url}/health`, g.child);
    const front = await startRoundRobinFront(
      gateways.map((g) => ({ host: '127.0.0.1', port: g.port })),
      options.port,
    );
    fronts.push(front);
    return {
      url: `http://127.0.0.1:${front.port}/graphql`,
      postgresUrl,
      dataDir,
      replicas,
      async restart(replica) {
        const spec = entries.get(replica);
        if (!spec) throw new Error('not a replica of this cluster');
        const again = launch(replica.service, replica.replica, replica.port, spec.entry, spec.env, spec.args);
        entries.set(again, spec);
        replicas[replicas.indexOf(replica)] = again;
        await ready(`${again.url}/${again.service === 'gateway' ? 'health' : 'ready'}`, again.child);
        return again;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const replicas = Number(flag(argv, '--replicas') ?? 2);
  const port = Number(process.env.PORT ?? 4000);
  const cluster = await startCluster({
    replicas,
    port,
    ...(process.env.DUMAS_POSTGRES_URL ? { postgresUrl: process.env.DUMAS_POSTGRES_URL } : {}),
    ...(process.env.DUMAS_DATA_DIR ? { dataDir: path.resolve(process.env.DUMAS_DATA_DIR) } : {}),
  });
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    cluster.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  const officer = await mintToken({ sub: 'demo-officer', role: 'OFFICER', ttl: '8h' });
  process.stdout.write(
    [
      '',
      `dumas cluster: ${replicas} replicas of each service on PostgreSQL`,
      `  GraphQL   ${cluster.url} (round-robin over the gateways)`,
      `  database  ${cluster.postgresUrl}`,
      ...cluster.replicas.map((r) => `  ${r.service.padEnd(15)} r${r.replica}  ${r.url}  pid ${r.child.pid}`),
      '',
      `OFFICER token (8 h): ${officer}`,
      'Kill a replica (kill -9 <pid>) and keep querying: the others carry on. Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `the cluster failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(1);
  });
}
