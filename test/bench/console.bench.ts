/**
 * npm run bench:console — the console's monitoring page with a year of data for 30 agencies:
 * - time to a usable page (first load, empty cache: navigation until every chart and the overdue list
 *   are drawn), in Debian's headless Chromium;
 * - bytes transferred for that first page, gzip as served: the console's own files, and the API answers.
 *
 * The data: `npm start`'s stack on a throwaway data dir (the demo seed: 6 agencies), 24 more agencies
 * created through the API, then a year of complaints spread over the 30 agencies and the channels,
 * imported with the importer (`npm run import`, original times, whole histories). Size with
 * DUMAS_BENCH_COMPLAINTS (default 36,500: a year of ~100 a day). Goals: usable ≤ 1 s, first page ≤ 500 kB gzip.
 * DUMAS_BENCH_BREAKDOWN=1 prints each cold load's requests (when, how long, how big): where the time goes.
 * Figures on this shared 2-core machine (medians of the cold loads; load average beside each):
 * - session 5, 3,000 complaints (then the default): 989, 1,002, 1,072, 1,112, 1,153, 1,284 ms over six runs
 *   on a quiet machine; first page 270 kB gzip.
 * - session 6, 36,500 complaints, before its changes: the old settle (the events file's head, which stopped
 *   at the import's end) measured during the ~5 min in which a year's breaches were recorded, and the page
 *   was not usable within 120 s; once settled 2,298 ms (3 runs, load ~7). The ranking took 1.1–2.1 s of it
 *   (alone 270–375 ms: a clock read per open forwarding, ~7,000 day documents of the quarter parsed).
 * - session 6, 36,500 complaints, after (month and awaiting summaries, requests sent before React's first
 *   render, live updates after the figures): 1,189 ms (1,047–1,611, 5 runs, load 8 → 3 over the loads),
 *   1,081 and 1,088 ms (7 runs each, kept data dir, load ~6); 269 kB. The ranking alone 40–90 ms through
 *   the gateway (~30 ms in process, the same answers as from the entries: 363 ms for a quarter, 1.1 s
 *   for a year); in the page 0.3–1 s, and ~0.5 s of main thread (ECharts' evaluation and six SVG charts)
 *   after the answers: the 1 s goal is met in the fastest runs, not in the median, on this machine.
 * - session 7, 36,500 complaints, kept data dir, 15 cold loads, quiet machine: before 1,258 ms (9 loads);
 *   after 842 ms (695-1,547). A cold load's main thread was ~1 s, ECharts most of it: containLabel (and
 *   ECharts 6's outerBoundsMode 'auto') laid out every axis's labels twice, labels were truncated by
 *   measuring each character, each chart measured its element (a forced layout each), the pie had its own
 *   label layout code, and the page's first Intl.DateTimeFormat loaded ICU data (40-100 ms). Fixed room
 *   for the labels, labels cut in JS, sizes read once per render, bars instead of the pie, no ECharts aria
 *   (it replaced the Indonesian label with an English description), dates written out for WIB.
 * DUMAS_BENCH_DATA=<dir> imports into that dir once and reuses it on later runs (not deleted): to measure a
 * change without importing again. A projection whose version changed rebuilds at start (about 2 min for the
 * evaluation at a year's size; `npm start` waits for it, DUMAS_START_READY_TIMEOUT_MS).
 * DUMAS_BENCH_KEEP=1 leaves the stack up after the figures, with an officer's token printed, until SIGINT or
 * SIGTERM: to profile one query or the page by hand on the same data.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SUBGRAPHS } from '../../services/subgraphs';
import { launchChromium } from '../support/browser';

const ROOT = path.resolve(__dirname, '..', '..');
const PORT = Number(process.env.PORT ?? 6130);
const BASE = `http://127.0.0.1:${PORT}`;
// A year at the ministry: ~100 letters a day plus e-mail, WhatsApp and the apps (DOMAIN.md), ≥ 36,500.
const COMPLAINTS = Number(process.env.DUMAS_BENCH_COMPLAINTS ?? 36_500);
const RUNS = Number(process.env.DUMAS_BENCH_RUNS ?? 5);
const CHANNELS = ['WEB', 'EMAIL', 'WHATSAPP', 'LETTER', 'LAPOR', 'WALK_IN'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function gql<T>(query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const res = await fetch(`${BASE}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data: T; errors?: { message: string }[] };
  if (body.errors) throw new Error(body.errors[0]!.message);
  return body.data;
}

const token = (role: string) =>
  execFileSync(process.execPath, ['-r', '@swc-node/register', 'services/cli/token.ts', '--role', role], {
    cwd: ROOT,
    encoding: 'utf8',
  }).trim();

function pad(n: number) {
  return String(n).padStart(2, '0');
}

/** A year of complaints in the importer's `sheet` format, spread over agencies, channels and outcomes. */
function sheet(agencies: readonly string[], year: number): string {
  const rows = [
    'reference,channel,received_at,subject,description,category,region,name,nik,email,phone,address,anonymous,confidential,agencies,forwarded_at,responded_at,response,closed_at,status,rejection_reason',
  ];
  const lastDay = Math.floor((Date.now() - Date.parse(`${year}-01-01T00:00:00+07:00`)) / 86_400_000) - 3;
  for (let i = 0; i < COMPLAINTS; i++) {
    const day = (i * 7919) % Math.max(30, lastDay);
    const received = new Date(Date.parse(`${year}-01-01T09:00:00+07:00`) + day * 86_400_000);
    const at = (offsetDays: number) => {
      const d = new Date(received.getTime() + offsetDays * 86_400_000 + 7 * 3_600_000);
      return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:00`;
    };
    const agency = agencies[i % agencies.length]!;
    const outcome = i % 5; // 0 received, 1 forwarded, 2 responded, 3-4 closed
    const forwarded = outcome >= 1 && day + 2 < lastDay;
    const responded = outcome >= 2 && day + 2 + (i % 20) < lastDay;
    const closed = outcome >= 3 && day + 30 < lastDay;
    rows.push(
      [
        `BENCH-${year}-${i}`,
        CHANNELS[i % CHANNELS.length],
        at(0),
        `Pengaduan uji ${i}`,
        'Uraian pengaduan untuk pengukuran halaman pemantauan.',
        'pelayanan',
        'DI Yogyakarta',
        '',
        '',
        '',
        '',
        '',
        'yes',
        'no',
        forwarded ? agency : '',
        forwarded ? at(2) : '',
        responded ? at(2 + (i % 20)) : '',
        responded ? 'Telah ditindaklanjuti.' : '',
        closed ? at(30) : '',
        closed ? 'closed' : forwarded ? 'forwarded' : 'received',
        '',
      ].join(','),
    );
  }
  return `${rows.join('\n')}\n`;
}

/** One gauge's samples from a subgraph's /metrics (dev: on its API port, the gateway's port + 1 + i). */
async function gauge(port: number, name: string): Promise<number[]> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then(
    (r) => r.text(),
    () => '',
  );
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
}

/**
 * Waits until the import's aftermath is over, at most 15 minutes: no worker of any subgraph (projections,
 * flows) has moved for 15 s, each is at the log's head, and the breach scheduler has nothing left to
 * record. A year of imported cases leaves thousands of overdue clocks whose breaches the scheduler records
 * over minutes (and the flows draft letters for); a page loaded meanwhile measures that catch-up, not the
 * page. The subgraphs' own metrics say where they are: the events file read from here showed a head that
 * stopped at the import's end (the store keeps its WAL to itself).
 */
async function settled(): Promise<void> {
  const started = Date.now();
  const ports = SUBGRAPHS.map((_, i) => PORT + 1 + i);
  let seen = '';
  let since = Date.now();
  let head = 0;
  while (Date.now() - started < 900_000) {
    const positions = (await Promise.all(ports.map((p) => gauge(p, 'dumas_worker_position')))).flat();
    const now = positions.join(',');
    head = Math.max(head, ...positions);
    if (now !== seen) {
      seen = now;
      since = Date.now();
    } else if (Date.now() - since >= 15_000) {
      const behind = await Promise.all(
        ports.map(async (p) => [
          ...(await gauge(p, 'dumas_worker_lag_positions')),
          ...(await gauge(p, 'dumas_sla_breach_backlog')),
        ]),
      );
      if (behind.flat().every((n) => n === 0)) break;
      since = Date.now();
    }
    await sleep(2000);
  }
  console.log(`  settled at position ${head} after ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

async function main() {
  // DUMAS_BENCH_DATA: a data dir kept from an earlier run (imported once, measured again after a change).
  const kept = process.env.DUMAS_BENCH_DATA;
  const dataDir = kept ?? mkdtempSync(path.join(os.tmpdir(), 'dumas-console-bench-'));
  const file = path.join(dataDir, 'bench.csv');
  const imported = kept !== undefined && existsSync(file);
  // The breach scheduler and the checkpointer tick every 5 s here instead of every minute, so that the
  // import's aftermath (a year's breaches recorded, the case index and the checkpoint catching up) is
  // over before the cold loads: they measure the page on a settled stack, not during that catch-up.
  const env = {
    ...process.env,
    DUMAS_DATA_DIR: dataDir,
    PORT: String(PORT),
    LOG_LEVEL: 'warn',
    DUMAS_SLA_SCHEDULER_INTERVAL_MS: '5000',
    DUMAS_CHECKPOINT_INTERVAL_MS: '5000',
  };
  console.log(`building the console, starting the stack on ${BASE} (data ${dataDir})…`);
  execFileSync('npm', ['run', '-s', 'build:console'], { cwd: ROOT, stdio: 'inherit' });
  const stack: ChildProcess = spawn(process.execPath, ['-r', '@swc-node/register', 'services/cli/start.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (let i = 0; ; i++) {
      if (i > 600) throw new Error('the stack did not come up');
      const ready = await fetch(`${BASE}/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      await sleep(500);
    }
    const admin = token('ADMIN');
    const officer = token('OFFICER');
    const known = (
      await gql<{ agencies: { id: string }[] }>('{ agencies(limit: 200) { id } }', {}, admin)
    ).agencies.map((a) => a.id);
    for (let i = known.length; i < 30 && !imported; i++) {
      const id = `bench-agency-${pad(i)}`;
      await gql(
        'mutation C($input: CreateAgencyInput!) { createAgency(input: $input) { id } }',
        {
          input: {
            id,
            name: `Instansi Uji ${i}`,
            kind: 'REGENCY',
            region: 'DI Yogyakarta',
            regionCode: 'ID-YO',
            contact: { emails: [`${id}@example.go.id`] },
          },
        },
        admin,
      );
      known.push(id);
    }
    const year = new Date().getUTCFullYear();
    if (imported) console.log(`reusing the complaints already imported in ${dataDir}`);
    else {
      writeFileSync(file, sheet(known, year));
      console.log(`importing ${COMPLAINTS} complaints over ${known.length} agencies for ${year}…`);
      const started = Date.now();
      execFileSync(process.execPath, ['-r', '@swc-node/register', 'services/cli/import.ts', file], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      console.log(`  imported in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    const expected = COMPLAINTS;
    for (let i = 0; ; i++) {
      const total = (
        await gql<{ complaints: { totalCount: number } }>(
          '{ complaints(first: 0, filter: { text: "Pengaduan uji" }) { totalCount } }',
          {},
          officer,
        ).catch(() => ({ complaints: { totalCount: 0 } }))
      ).complaints.totalCount;
      if (total >= expected || i > 600) break;
      await sleep(1000);
    }

    await settled();

    const browser = await launchChromium();
    const usable: number[] = [];
    let assets = 0;
    let api = 0;
    for (let run = 0; run < RUNS; run++) {
      const context = await browser.createBrowserContext(); // empty cache, empty storage
      const page = await context.newPage();
      const cdp = await page.createCDPSession();
      await cdp.send('Network.enable');
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
      const urls = new Map<string, { url: string; what: string; sent: number }>();
      const requests: { what: string; start: number; ms: number; kB: number }[] = [];
      let assetBytes = 0;
      let apiBytes = 0;
      let origin = 0;
      cdp.on('Network.requestWillBeSent', (e) => {
        if (!origin) origin = e.timestamp;
        // Which operation (or batch of them) a POST carries, for the breakdown below.
        const body = e.request.postData ?? '';
        const names = [
          ...new Set([...body.matchAll(/(?:query|subscription|mutation) (\w+)/g)].map((m) => m[1])),
        ];
        const what = names.length
          ? `${names.join('+')}${body.startsWith('[') ? ` ×${JSON.parse(body).length}` : ''}`
          : e.request.url.replace(BASE, '');
        urls.set(e.requestId, { url: e.request.url, what, sent: e.timestamp });
      });
      cdp.on('Network.loadingFinished', (e) => {
        const request = urls.get(e.requestId);
        if (!request) return;
        if (request.url.includes('/console/')) assetBytes += e.encodedDataLength;
        else apiBytes += e.encodedDataLength;
        requests.push({
          what: request.what,
          start: (request.sent - origin) * 1000,
          ms: (e.timestamp - request.sent) * 1000,
          kB: e.encodedDataLength / 1024,
        });
      });
      await page.evaluateOnNewDocument((t: string) => sessionStorage.setItem('dumas.token', t), officer);
      await page.goto(`${BASE}/console/#/monitoring`, { waitUntil: 'domcontentloaded' });
      // Usable: every chart of the page drawn (ECharts arrives in a chunk of its own) and the overdue list.
      await page.waitForFunction(
        () => {
          const charts = [...document.querySelectorAll('.card .chart')];
          return (
            charts.length >= 6 &&
            charts.every((c) => c.querySelector('svg')) &&
            document.querySelector('[data-testid=overdue]') !== null
          );
        },
        { timeout: 120_000, polling: 'mutation' },
      );
      const ms = await page.evaluate(() => performance.now());
      usable.push(ms);
      await sleep(300);
      if (run === 0) {
        assets = assetBytes;
        api = apiBytes;
      }
      if (process.env.DUMAS_BENCH_BREAKDOWN) {
        console.log(`  run ${run + 1}: usable at ${ms.toFixed(0)} ms; requests (start, duration, size):`);
        for (const r of requests.sort((a, b) => a.start - b.start))
          console.log(
            `    ${r.start.toFixed(0).padStart(6)} ms +${r.ms.toFixed(0).padStart(5)} ms ${r.kB.toFixed(1).padStart(6)} kB  ${r.what}`,
          );
      }
      await context.close();
    }
    await browser.close();
    usable.sort((a, b) => a - b);
    const median = usable[Math.floor(usable.length / 2)]!;
    console.log('');
    console.log(
      `monitoring page, ${COMPLAINTS} complaints over a year, ${known.length} agencies, ${RUNS} cold loads`,
    );
    console.log(
      `  usable (navigation → charts and overdue list drawn): median ${median.toFixed(0)} ms, min ${usable[0]!.toFixed(0)} ms, max ${usable[usable.length - 1]!.toFixed(0)} ms   goal ≤ 1000 ms`,
    );
    console.log(`  every load, fastest first: ${usable.map((ms) => ms.toFixed(0)).join(', ')} ms`);
    console.log(
      `  transferred, gzip as served: console files ${(assets / 1024).toFixed(1)} kB, API answers ${(api / 1024).toFixed(1)} kB, total ${((assets + api) / 1024).toFixed(1)} kB   goal ≤ 500 kB`,
    );
    if (process.env.DUMAS_BENCH_KEEP) {
      console.log(`\nthe stack stays up on ${BASE} until SIGINT or SIGTERM; an officer's token:\n${officer}`);
      await new Promise((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    }
  } finally {
    stack.kill('SIGTERM');
    await sleep(1000);
    if (!kept) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
