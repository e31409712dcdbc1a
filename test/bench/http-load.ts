/**
 * What the HTTP benchmarks share: launching a service as its own process, waiting for it, and a closed
 * loop of concurrent clients measuring throughput, latency percentiles and the CPU the process under
 * test spent per request (from /proc).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';

export const ROOT = path.resolve(__dirname, '..', '..');
const CLK_TCK = 100;

export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat; after "pid (comm) " they are at 11 and 12.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

export function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return line ? Number(line.replace(/\D+/g, '')) / 1024 : Number.NaN;
}

/**
 * What production mode refuses to start without, made once per bench run and shared by every process it
 * launches (the gateway and the subgraphs must agree on the gateway secret). Unsigned calls stay allowed,
 * since the stock gateways a bench races against do not sign theirs.
 */
const PRODUCTION_SECRETS: NodeJS.ProcessEnv = {
  DUMAS_VAULT_MASTER_KEY: randomBytes(32).toString('base64'),
  DUMAS_CHECKPOINT_PRIVATE_KEY: generateKeyPairSync('ed25519')
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString(),
  DUMAS_GATEWAY_SECRET: randomBytes(32).toString('base64'),
  DUMAS_SUBGRAPH_GATEWAY_ONLY: 'false',
};

/**
 * A TypeScript entry point of this repo as its own process, in production mode with `secret`; `env`
 * overrides the run's production secrets (a kept store brings its own).
 */
export function launch(
  entry: string,
  env: NodeJS.ProcessEnv,
  secret: string,
  args: readonly string[] = [],
): ChildProcess {
  // BENCH_CPU_PROF=DIR: each launched process writes a V8 CPU profile there when it stops (where the time goes).
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  return spawn(process.execPath, [...profile, '-r', '@swc-node/register', entry, ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      LOG_LEVEL: 'silent',
      NODE_ENV: 'production',
      DUMAS_JWT_SECRET: secret,
      ...PRODUCTION_SECRETS,
      // A kept store names the file of the key that signed its checkpoints; the run's own key, which the
      // service would prefer, would make every checkpoint in it look forged (and the service degraded).
      ...(env.DUMAS_CHECKPOINT_PRIVATE_KEY_FILE ? { DUMAS_CHECKPOINT_PRIVATE_KEY: '' } : {}),
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/**
 * Waits until the processes are idle: under `maxCores` of CPU each on average over a `windowMs` window,
 * at most `timeoutMs`. A subgraph that has just become ready over a big store still works for a while
 * (its checkpointer's first pass re-derives the signed heads of every stream, the breach scheduler and
 * the flows catch up); a figure taken meanwhile measures that, not the query. An idle subgraph still
 * uses 2-5% of a core (its store's poll for new events). Resolves with the seconds waited.
 */
export async function waitIdle(
  pids: readonly number[],
  options: { windowMs?: number; maxCores?: number; timeoutMs?: number } = {},
): Promise<number> {
  const windowMs = options.windowMs ?? 5_000;
  const timeoutMs = options.timeoutMs ?? 600_000;
  const maxCores = (options.maxCores ?? 0.06) * pids.length;
  const started = Date.now();
  const total = () => pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
  for (;;) {
    const before = total();
    await new Promise((r) => setTimeout(r, windowMs));
    if ((total() - before) / windowMs <= maxCores) return (Date.now() - started) / 1000;
    if (Date.now() - started > timeoutMs) throw new Error(`still busy after ${timeoutMs} ms`);
  }
}

export async function waitUp(url: string, body: string, token?: string) {
  for (let i = 0; i < 600; i++) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body,
      });
      if (res.ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up`);
}

export interface LoadResult {
  readonly name: string;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuPerRequestMs: number;
  /** CPU per request of each of LoadOptions.alsoPids, in that order. */
  readonly alsoCpuPerRequestMs: readonly number[];
  readonly errors: number;
}

export interface LoadOptions {
  readonly clients: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly token?: string;
  /** The process whose CPU is charged to the requests. */
  readonly pid: number;
  /** Other processes whose CPU per request is reported beside it (a gateway in front of the subgraph). */
  readonly alsoPids?: readonly number[];
}

/** Closed loop: each client sends the next request when the last one answered. */
export async function load(
  name: string,
  url: string,
  body: string | (() => string),
  options: LoadOptions,
): Promise<LoadResult> {
  const dispatcher = new Agent({ connections: options.clients, keepAliveTimeout: 30_000 });
  const headers = {
    'content-type': 'application/json',
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
  };
  const one = async () => {
    const res = await request(url, {
      method: 'POST',
      body: typeof body === 'string' ? body : body(),
      headers,
      dispatcher,
    });
    const text = await res.body.text();
    return res.statusCode === 200 && !text.includes('"errors"');
  };
  const runFor = async (seconds: number, latencies?: number[]) => {
    const end = Date.now() + seconds * 1000;
    let errors = 0;
    await Promise.all(
      Array.from({ length: options.clients }, async () => {
        while (Date.now() < end) {
          const t0 = performance.now();
          if (!(await one())) errors++;
          latencies?.push(performance.now() - t0);
        }
      }),
    );
    return errors;
  };
  await runFor(options.warmupSeconds);
  const latencies: number[] = [];
  const cpu0 = cpuMs(options.pid);
  const also0 = (options.alsoPids ?? []).map(cpuMs);
  const t0 = performance.now();
  const errors = await runFor(options.seconds, latencies);
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = cpuMs(options.pid) - cpu0;
  const also = (options.alsoPids ?? []).map((pid, i) => cpuMs(pid) - also0[i]!);
  await dispatcher.close();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  return {
    name,
    rps: latencies.length / elapsed,
    p50: q(0.5),
    p99: q(0.99),
    cpuPerRequestMs: cpu / latencies.length,
    alsoCpuPerRequestMs: also.map((ms) => ms / latencies.length),
    errors,
  };
}

/**
 * Runs a benchmark over a temporary data directory: the processes it launches (handed to `started`) are
 * stopped and the directory removed however it ends; a failure exits non-zero.
 */
export function runBench(
  prefix: string,
  body: (dir: string, started: (...children: ChildProcess[]) => void) => Promise<void>,
): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const children: ChildProcess[] = [];
  body(dir, (...c) => children.push(...c))
    .finally(async () => {
      for (const c of children) c.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      rmSync(dir, { recursive: true, force: true });
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
