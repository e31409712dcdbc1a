/**
 * `npm run bench:startup` — the three subgraphs over a big store, as production runs them (the compiled
 * `dist/`, NODE_ENV=production), on a copy of bench:race's store (volume-store.ts, BENCH_COMPLAINTS cases,
 * default 20,000; built once and kept):
 *   1. rebuild: every read model deleted, the three subgraphs started together as `npm start` does; the
 *      time until all are ready, the log's events per second over it, each one's CPU-seconds and RSS;
 *   2. restart: the same three again over the read models just built: time to ready, CPU, RSS.
 * Goals (issue 15, at 1.5M events): ready ≤ 5 s, RSS ≤ 200 MB per subgraph, a rebuild of all read models
 * ≥ 100k events/s. Env: BENCH_COMPLAINTS, BENCH_RACE_DIR, BENCH_STARTUP_BUILD=0 (use dist/ as it is).
 *
 * Figures at 20,000 complaints (120,025 events), load ~2 on the 2-core machine, the session's start → its end
 * (group commit, the search index re-tokenising only changed text, partial indexes, consumers reading only
 * their events, unchanged documents not rewritten; the end also carries the evaluation's new summaries):
 *   rebuild, all three together: 57.1 s (2,102 events of the log a second) → 45.0 s (2,670/s); CPU-s
 *   complaint 21.9 → 16.9, correspondence 16.8 → 6.6, evaluation 47.8 → 41.8; RSS right after it
 *   516/143/355 → 499/260/522 MB (heap not yet given back).
 *   restart over built read models: 3.0 → 2.2 s; RSS 201/106/93 → 197/104/93 MB.
 * Where a rebuild goes now: the evaluation writes ~264k documents for 120k events (a bigger batch halves
 * that at a higher RSS); the search index tokenises each complaint's text once (~350 µs); the complaint's
 * restart re-hashes every stream's signed head (O(streams), now yielding to requests).
 *
 * Session 9 (indexes of a collection built from nothing made once it is built; the signed heads packed
 * into typed arrays), load ~1.3:
 *   20,000 complaints (120,025 events): rebuild 45.0 → 36.2 s (3,315 events/s); CPU-s complaint 15.6,
 *   correspondence 7.2, evaluation 41.8 → 33.0; restart 1.7 s, RSS 197/104/93 → 143/104/94 MB.
 *   100,000 complaints (600,032 events): rebuild 350 → 253 s (1,712 → 2,371 events/s); CPU-s complaint
 *   117 → 78.6, correspondence 37 → 29.6, evaluation 314 → 239.6; RSS right after it 229/156/331 MB;
 *   restart 3.2 s, RSS 272/105/94 → 169/105/93 MB.
 * The evaluation's cost per event grows with the store (233 µs at 20k, 400 at 100k): its agency documents
 * are sharded by a fixed count (8 per agency-day, 32 per agency-month), and with this store's 6 agencies a
 * month's open-forwardings shard holds ~45 entries (26 kB, up to 77 kB), parsed and rewritten whole by
 * every batch that touches it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SUBGRAPHS } from '../../services/subgraphs';
import { waitReady } from '../../services/cli/wait-ready';
import { cpuMs, ROOT, rssMb } from './http-load';
import { ensureStore } from './volume-store';

const COMPLAINTS = Number(process.env.BENCH_COMPLAINTS ?? 20_000);
const STORE_ROOT = process.env.BENCH_RACE_DIR ?? path.join(os.tmpdir(), `dumas-bench-race-${COMPLAINTS}`);
const SECRET = 'bench-race-secret-0123456789-abcdefghijkl';
const FIRST_PORT = 6421;

interface Started {
  readonly name: string;
  readonly child: ChildProcess;
  readonly ready: string;
}

function startAll(env: Record<string, string>): Started[] {
  return SUBGRAPHS.map(({ name }, i) => {
    const port = FIRST_PORT + i;
    const child = spawn(process.execPath, ['dist/services/cli/subgraph.js', name], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        LOG_LEVEL: 'silent',
        DUMAS_JWT_SECRET: SECRET,
        ...env,
        PORT: String(port),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return { name, child, ready: `http://127.0.0.1:${port}/ready` };
  });
}

async function measure(label: string, env: Record<string, string>, events?: number): Promise<void> {
  const t0 = performance.now();
  const started = startAll(env);
  try {
    const readyAfter = await Promise.all(
      started.map(async (s) => {
        await waitReady(s.ready, s.child, { timeoutMs: 60 * 60_000 });
        return (performance.now() - t0) / 1000;
      }),
    );
    const all = Math.max(...readyAfter);
    const cpu = started.map((s) => cpuMs(s.child.pid!) / 1000);
    await new Promise((r) => setTimeout(r, 3000));
    const rss = started.map((s) => rssMb(s.child.pid!));
    console.log(
      `\n${label}: all ready after ${all.toFixed(1)} s${events ? ` (${Math.round(events / all)} events of the log a second)` : ''}`,
    );
    console.log('subgraph          ready s   CPU s   RSS MB');
    started.forEach((s, i) => {
      console.log(
        `${s.name.padEnd(16)} ${readyAfter[i]!.toFixed(1).padStart(8)} ${cpu[i]!.toFixed(1).padStart(7)} ${rss[i]!.toFixed(0).padStart(8)}`,
      );
    });
  } finally {
    for (const s of started) s.child.kill('SIGTERM');
    await Promise.all(started.map((s) => new Promise((r) => s.child.once('exit', r))));
  }
}

async function main(): Promise<void> {
  if (process.env.BENCH_STARTUP_BUILD !== '0') {
    const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  const stored = await ensureStore(STORE_ROOT, COMPLAINTS, SECRET);
  const copy = mkdtempSync(path.join(os.tmpdir(), 'dumas-bench-startup-'));
  try {
    const dataDir = path.join(copy, 'data');
    cpSync(stored.DUMAS_DATA_DIR!, dataDir, { recursive: true });
    rmSync(path.join(dataDir, 'readmodels'), { recursive: true, force: true });
    const log = new Database(path.join(dataDir, 'events.sqlite'), { readonly: true });
    const events = log.prepare('SELECT count(*) FROM events').pluck().get() as number;
    log.close();
    const env = { ...stored, DUMAS_DATA_DIR: dataDir };
    console.log(
      `bench:startup — ${COMPLAINTS} complaints, ${events} events, ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}`,
    );
    await measure('rebuild of every read model', env, events);
    await measure('restart over the built read models', env);
    console.log(
      '\ngoal (issue 15, at 1.5M events): ready ≤ 5 s, RSS ≤ 200 MB per subgraph, rebuild ≥ 100k events/s',
    );
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
