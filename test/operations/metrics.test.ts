/**
 * Prometheus metrics move when work happens: one complaint filed, verified and forwarded through the
 * gateway over real HTTP raises the request counters and histograms at the gateway and in the subgraph,
 * the subgraph fetch and event-store histograms, the workers' positions (and their lag falls back to 0),
 * and a refused query counts as a limit refusal. The exposition itself is checked by `promtool check
 * metrics` when promtool is installed (CI installs it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadConfig } from '../../services/shared/config';
import { metricsExposure } from '../../services/shared/metrics';

const metricsExposureOf = (env: Record<string, string>) => metricsExposure(loadConfig(env));
import { type Federation, startFederation } from '../support/federation';

let fed: Federation;
let officer: string;
let admin: string;

const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));

beforeAll(async () => {
  fed = await startFederation();
  officer = await fed.token({ role: 'OFFICER' });
  admin = await fed.token({ role: 'ADMIN' });
});

afterAll(async () => {
  await fed?.close();
});

async function scrape(graphqlUrl: string): Promise<string> {
  const res = await fetch(graphqlUrl.replace(/\/graphql$/, '/metrics'));
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
}

/** The sum of every sample of `name` whose labels include all of `labels`. */
function value(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const wanted = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (wanted) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

async function ok(query: string, variables: Record<string, unknown>, token?: string) {
  const reply = await fed.gql(query, variables, token);
  expect(reply.errors).toBeUndefined();
  return reply.data;
}

describe('given the federation with its /metrics endpoints', () => {
  it('counts operations, fetches, appends and worker progress as a complaint is filed and forwarded', async () => {
    const gatewayBefore = await scrape(fed.gatewayUrl);
    const complaintBefore = await scrape(fed.subgraphUrls.complaint!);

    await ok(
      `mutation C($input: CreateAgencyInput!) { createAgency(input: $input) { id } }`,
      {
        input: {
          id: 'inspektorat-bantul',
          name: 'Inspektorat Kabupaten Bantul',
          kind: 'REGENCY',
          region: 'Kabupaten Bantul',
          contact: { emails: ['inspektorat@bantulkab.example.go.id'] },
        },
      },
      admin,
    );
    await ok(`mutation { startAgencyPilot(id: "inspektorat-bantul") { id } }`, {}, admin);
    const filed = await ok(
      `mutation File($input: FileComplaintInput!) { fileComplaint(input: $input) { complaint { id } } }`,
      {
        input: {
          channel: 'LETTER',
          channelReference: 'B-77/DIY/2026',
          subject: 'Jalan rusak di Bantul',
          description: 'Jalan desa rusak sejak dua tahun dan belum diperbaiki.',
          complainant: { name: 'Siti Rahayu' },
        },
      },
      officer,
    );
    const id = filed.fileComplaint.complaint.id as string;
    await ok(`mutation Verify($id: ID!) { verifyComplaint(id: $id) { status } }`, { id }, officer);
    await ok(
      `mutation Forward($id: ID!) { forwardComplaint(id: $id, agencyIds: ["inspektorat-bantul"]) { status } }`,
      { id },
      officer,
    );
    // A cross-subgraph read: the gateway fetches from complaint, then correspondence and evaluation.
    await ok(
      `query Case($id: ID!) { complaint(id: $id) { status agencies { name } letters { state } sla { clocks { kind } } } }`,
      { id },
      officer,
    );
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: complaints(first: 1) { totalCount }`);
    const refused = await fed.gql(`query Many { ${aliases.join(' ')} }`, {}, officer);
    expect(refused.errors?.[0]?.extensions?.code).toBe('TOO_MANY_ALIASES');

    const gateway = await scrape(fed.gatewayUrl);
    const ops = (text: string, operation: string, outcome = 'ok') =>
      value(text, 'dumas_graphql_requests_total', { service: 'gateway', operation, outcome });
    expect(ops(gateway, 'File') - ops(gatewayBefore, 'File')).toBe(1);
    expect(ops(gateway, 'Forward') - ops(gatewayBefore, 'Forward')).toBe(1);
    expect(
      value(gateway, 'dumas_graphql_request_duration_seconds_count', {
        service: 'gateway',
        operation: 'Case',
      }),
    ).toBe(1);
    for (const subgraph of ['complaint', 'correspondence', 'evaluation'])
      expect(value(gateway, 'dumas_subgraph_fetch_duration_seconds_count', { subgraph })).toBeGreaterThan(0);
    expect(
      value(gateway, 'dumas_rate_limit_refusals_total', { service: 'gateway', limit: 'TOO_MANY_ALIASES' }),
    ).toBe(1);
    expect(
      value(gateway, 'dumas_http_responses_total', { service: 'gateway', status: '2xx' }),
    ).toBeGreaterThan(
      value(gatewayBefore, 'dumas_http_responses_total', { service: 'gateway', status: '2xx' }),
    );

    // The subgraph's own view: the command handled and its append timed.
    await fed.runtimes.correspondence!.catchUp();
    const complaint = await scrape(fed.subgraphUrls.complaint!);
    const appends = (text: string) =>
      value(text, 'dumas_eventstore_operation_duration_seconds_count', {
        service: 'complaint',
        operation: 'append',
        outcome: 'ok',
      });
    expect(appends(complaint) - appends(complaintBefore)).toBeGreaterThanOrEqual(3);
    expect(
      value(complaint, 'dumas_graphql_requests_total', { service: 'complaint', outcome: 'ok' }),
    ).toBeGreaterThan(
      value(complaintBefore, 'dumas_graphql_requests_total', { service: 'complaint', outcome: 'ok' }),
    );

    // Workers: every projection and flow has a position that moved, and no lag once caught up.
    const head = await fed.store.headPosition();
    for (const runtime of Object.values(fed.runtimes)) await runtime.catchUp();
    const settled = await scrape(fed.subgraphUrls.complaint!);
    expect(value(settled, 'dumas_worker_position', { service: 'complaint', worker: 'complaints' })).toBe(
      head,
    );
    expect(
      value(settled, 'dumas_worker_position', { kind: 'flow', worker: 'flow.follow_up_drafts' }),
    ).toBeGreaterThan(0);
    expect(value(settled, 'dumas_worker_lag_positions', { service: 'evaluation' })).toBe(0);
    expect(settled).toMatch(/^dumas_worker_lag_seconds\{service="correspondence",kind="flow"/m);
    expect(settled).toMatch(/^dumas_checkpoint_age_seconds\{service="complaint"\} /m);
    expect(settled).toMatch(/^dumas_outbox_backlog\{service="correspondence"\} 0$/m);

    // Our own families (prom-client's process defaults carry names promtool's linter dislikes).
    const ours = settled
      .split('\n')
      .filter((line) => !/^(# (HELP|TYPE) )?dumas_process_/.test(line))
      .join('\n');
    if (PROMTOOL) execFileSync(PROMTOOL, ['check', 'metrics'], { input: ours, stdio: 'pipe' });
  });

  it('does not serve /metrics on the API port in production unless a metrics port is set', () => {
    expect(metricsExposureOf({ NODE_ENV: 'production' })).toEqual({ onApiPort: false, host: '127.0.0.1' });
    expect(metricsExposureOf({ NODE_ENV: 'production', DUMAS_METRICS_PORT: '9464' })).toEqual({
      onApiPort: false,
      port: 9464,
      host: '127.0.0.1',
    });
    expect(metricsExposureOf({})).toEqual({ onApiPort: true, host: '127.0.0.1' });
    expect(() => metricsExposureOf({ DUMAS_METRICS_PORT: 'x' })).toThrow(/DUMAS_METRICS_PORT/);
  });
});
