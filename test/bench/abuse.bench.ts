/**
 * `npm run bench:abuse` — the federation (three subgraphs and a gateway over real HTTP, in this process)
 * under hostile load:
 *   1. an honest complainant tracks their complaint alone: p50/p99 (the baseline);
 *   2. the same while 50 clients (each its own address, through a trusted X-Forwarded-For) flood the
 *      gateway with access-code guesses — aliased, at the honest tracking number, at random ones;
 *   3. a corpus of thousands of malformed and hostile requests at the gateway and at each subgraph:
 *      server errors, hangs, and every service's health after.
 * Env: BENCH_SECONDS (default 10), BENCH_FLOODERS (default 50), BENCH_HOSTILE (default 2000 per target).
 */
import { subgraphEntry } from '../../services/subgraphs';
import { createGateway } from '../../gateway/server';
import { createAuthenticator } from '../../services/shared/auth';
import { composeSupergraph } from '../../services/shared/graphql/supergraph';
import { createLogger } from '../../services/shared/logger';
import { loadConfig } from '../../services/shared/config';
import { gatewaySecretOf } from '../../services/shared/gateway-signature';
import { hostileRequests, sendHostile } from '../support/abuse';
import { FEDERATION_TEST_SECRET, startFederation } from '../support/federation';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const FLOODERS = Number(process.env.BENCH_FLOODERS ?? 50);
const HOSTILE = Number(process.env.BENCH_HOSTILE ?? 2000);

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

async function main() {
  const fed = await startFederation();
  const definitions = [];
  for (const [name, url] of Object.entries(fed.subgraphUrls)) {
    definitions.push({ name, url, sdl: await subgraphEntry(name).load().sdl() });
  }
  // Default limits, as deployed; X-Forwarded-For believed so that each flooder is its own client.
  const gateway = createGateway({
    supergraphSdl: composeSupergraph(definitions),
    authenticator: createAuthenticator({ secret: FEDERATION_TEST_SECRET }),
    logger: createLogger({ name: 'bench', level: 'silent' }),
    trustProxy: true,
    // Signed subgraph calls, as deployed: the subgraphs then take the client's address from the gateway
    // instead of counting every client as the gateway's one address.
    gatewaySecret: gatewaySecretOf(loadConfig({ DUMAS_DATA_DIR: fed.dataDir })),
  });
  const { url: base } = await gateway.listen(0, '127.0.0.1');
  const url = `${base}/graphql`;
  const post = async (body: unknown, client: string) => {
    const started = performance.now();
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    return { status: res.status, text, ms: performance.now() - started };
  };

  const filed = await post(
    {
      query:
        'mutation F($i: FileComplaintInput!) { fileComplaint(input: $i) { accessCode complaint { trackingNumber } } }',
      variables: { i: { subject: 'Jalan rusak', description: 'Jalan desa rusak sejak dua tahun.' } },
    },
    '192.0.2.1',
  );
  const { accessCode, complaint } = JSON.parse(filed.text).data.fileComplaint;
  const honestTrack = {
    query:
      'query T($t: String!, $c: String!) { trackComplaint(trackingNumber: $t, accessCode: $c) { status } }',
    variables: { t: complaint.trackingNumber, c: accessCode },
  };

  /** The honest complainant tracks every 250 ms (a browser refreshing), from one address. */
  const honest = async (seconds: number) => {
    const latencies: number[] = [];
    let failures = 0;
    const end = Date.now() + seconds * 1000;
    let i = 0;
    while (Date.now() < end) {
      // A fresh address every few requests, as a real user stays far under the per-client budget.
      const r = await post(honestTrack, `198.51.100.${1 + (Math.floor(i++ / 5) % 250)}`);
      latencies.push(r.ms);
      if (r.status !== 200 || !r.text.includes('"status"')) failures++;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return { n: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), failures };
  };

  const baseline = await honest(SECONDS);

  let stop = false;
  const floodStatus: Record<number, number> = {};
  let floodRequests = 0;
  const flooder = async (k: number) => {
    const client = `203.0.113.${k}`;
    for (let i = 0; !stop; i++) {
      const guess = `${String(i % 10000).padStart(4, '0')}-AAAA-BBBB`;
      const body =
        i % 3 === 0
          ? {
              query: `{ ${Array.from({ length: 30 }, (_, j) => `t${j}: trackComplaint(trackingNumber: "${complaint.trackingNumber}", accessCode: "${guess}") { status }`).join(' ')} }`,
            }
          : i % 3 === 1
            ? { ...honestTrack, variables: { t: complaint.trackingNumber, c: guess } }
            : {
                ...honestTrack,
                variables: { t: `DUMAS-2026-${String((k * 1000 + i) % 999999).padStart(6, '0')}`, c: guess },
              };
      try {
        const r = await post(body, client);
        floodStatus[r.status] = (floodStatus[r.status] ?? 0) + 1;
      } catch {
        floodStatus[0] = (floodStatus[0] ?? 0) + 1;
      }
      floodRequests++;
    }
  };
  const flood = Array.from({ length: FLOODERS }, (_, k) => flooder(k + 1));
  const during = await honest(SECONDS);
  stop = true;
  await Promise.all(flood);

  const corpus = await hostileRequests(HOSTILE, FEDERATION_TEST_SECRET);
  const hostile: Record<string, { sent: number; serverErrors: number; hangs: number; byStatus: unknown }> =
    {};
  for (const [name, target] of Object.entries({ gateway: url, ...fed.subgraphUrls })) {
    const tally = await sendHostile(target, corpus, 8);
    hostile[name] = {
      sent: tally.sent,
      serverErrors: tally.serverErrors.length,
      hangs: tally.hangs.length,
      byStatus: tally.byStatus,
    };
    if (tally.serverErrors.length) console.log(name, 'server errors:', tally.serverErrors.slice(0, 10));
  }
  const health: Record<string, number> = {};
  for (const [name, target] of Object.entries({ gateway: url, ...fed.subgraphUrls })) {
    health[name] = (await fetch(target.replace(/\/graphql$/, '/health'))).status;
  }

  const round = (n: number) => Math.round(n * 10) / 10;
  console.log(
    `honest tracking alone:        n=${baseline.n} p50=${round(baseline.p50)} ms p99=${round(baseline.p99)} ms failures=${baseline.failures}`,
  );
  console.log(
    `honest tracking, ${FLOODERS} flooding: n=${during.n} p50=${round(during.p50)} ms p99=${round(during.p99)} ms failures=${during.failures}`,
  );
  console.log(`flood: ${floodRequests} requests in ${SECONDS} s, by status ${JSON.stringify(floodStatus)}`);
  console.log(`hostile corpus: ${JSON.stringify(hostile)}`);
  console.log(`health after: ${JSON.stringify(health)}`);
  await gateway.close();
  await fed.close();
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
