/**
 * One trace for a forwarded complaint: the client sends a W3C `traceparent` with forwardComplaint; the
 * gateway continues it, calls the complaint subgraph with it, the command and its append are spans of
 * it, and the events carry it on through the log to the correspondence flow that drafts the follow-up
 * letter (whose own append carries it further) and to the evaluation projection that starts the SLA
 * clock. Spans are collected by an in-memory exporter; log lines written inside a span carry its ids.
 */
import { Writable } from 'node:stream';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createLogger } from '../../services/shared/logger';
import { startTracing, type TracingHandle, inSpan } from '../../services/shared/tracing';
import { type Federation, startFederation } from '../support/federation';

const exporter = new InMemorySpanExporter();
let tracing: TracingHandle | undefined;
let fed: Federation;

beforeAll(async () => {
  tracing = startTracing('test', { exporter });
  fed = await startFederation();
});

afterAll(async () => {
  await fed?.close();
  await tracing?.shutdown();
});

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';

async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('not reached in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('given the federation with tracing on', () => {
  it('follows a forwarded complaint in one trace across gateway, complaint, correspondence flow and evaluation clock', async () => {
    const officer = await fed.token({ role: 'OFFICER' });
    const admin = await fed.token({ role: 'ADMIN' });
    await fed.gql(
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
    await fed.gql(`mutation { startAgencyPilot(id: "inspektorat-bantul") { id } }`, {}, admin);
    const filed = await fed.gql(
      `mutation F($input: FileComplaintInput!) { fileComplaint(input: $input) { complaint { id } } }`,
      {
        input: {
          channel: 'LETTER',
          channelReference: 'B-5/DIY/2026',
          subject: 'Pungutan liar',
          description: 'Warga dimintai biaya untuk surat keterangan.',
          complainant: { name: 'Budi Santoso' },
        },
      },
      officer,
    );
    const id = filed.data.fileComplaint.complaint.id as string;
    await fed.gql(`mutation V($id: ID!) { verifyComplaint(id: $id) { status } }`, { id }, officer);
    for (const runtime of Object.values(fed.runtimes)) await runtime.catchUp();
    exporter.reset();

    const res = await fetch(fed.gatewayUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${officer}`,
        traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01`,
      },
      body: JSON.stringify({
        query: `mutation Forward($id: ID!) { forwardComplaint(id: $id, agencyIds: ["inspektorat-bantul"]) { status } }`,
        variables: { id },
      }),
    });
    expect(((await res.json()) as { data: unknown }).data).toEqual({
      forwardComplaint: { status: 'FORWARDED' },
    });

    const inTrace = () => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === TRACE_ID);
    const named = (pattern: RegExp) => (s: ReadableSpan) => pattern.test(s.name);
    const service = (s: ReadableSpan) => s.attributes['dumas.service'];
    await eventually(
      () =>
        inTrace().some(named(/^flow flow\.follow_up_drafts$/)) &&
        inTrace().some((s) => /^project /.test(s.name) && service(s) === 'evaluation') &&
        inTrace()
          .filter(named(/^eventstore\.append$/))
          .some((s) => service(s) === 'correspondence'),
    );
    const spans = inTrace();
    const gatewayServer = spans.find((s) => service(s) === 'gateway' && s.name.startsWith('graphql'));
    expect(gatewayServer?.parentSpanContext?.spanId).toBe(CLIENT_SPAN);
    expect(gatewayServer?.name).toBe('graphql mutation Forward');
    expect(spans.some((s) => s.name === 'fetch complaint')).toBe(true);
    expect(spans.some((s) => service(s) === 'complaint' && s.name.startsWith('graphql'))).toBe(true);
    expect(spans.some((s) => s.name === 'command ForwardComplaint')).toBe(true);
    expect(spans.some((s) => s.name === 'eventstore.append' && service(s) === 'complaint')).toBe(true);
    // Every span of the trace hangs from the client's: no orphan roots.
    const ids = new Set(spans.map((s) => s.spanContext().spanId));
    for (const s of spans) expect([CLIENT_SPAN, ...ids]).toContain(s.parentSpanContext?.spanId);

    // The events the command appended carry the trace on.
    const [forwarded] = (await fed.store.readStream(`complaint-${id}`)).filter(
      (e) => e.type === 'ComplaintForwarded',
    );
    expect(String(forwarded?.metadata.traceparent)).toContain(TRACE_ID);
  });

  it('puts the trace id on log lines written inside a span', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      name: 'trace-test',
      level: 'info',
      destination: new Writable({
        write(chunk, _enc, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    });
    let traceId = '';
    await inSpan('logging', {}, async (span) => {
      traceId = span.spanContext().traceId;
      logger.info('inside');
    });
    logger.info('outside');
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'inside', traceId });
    expect(JSON.parse(lines[1]!).traceId).toBeUndefined();
  });
});
