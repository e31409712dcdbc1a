/**
 * The SP4N-LAPOR! exchange against a local HTTP server that speaks the contract in the README (the
 * allowed stand-in for an internet service): reports pulled page by page into complaints with their
 * history at its original times, idempotent by tracking id; status updates pushed back at least once,
 * retried through an outage, never again after a recorded success, across a restart of the process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { type Channels } from '../../services/channels';
import { LAPOR_PUSHES_COLLECTION } from '../../services/channels/lapor';
import { channelsOf } from '../../services/channels/mount';
import { seedAgencies } from '../../services/cli/seed';
import { loadConfig } from '../../services/shared/config';
import { createEventStore } from '../../services/shared/eventstore';
import { COMPLAINTS_COLLECTION, type ComplaintDocument } from '../../services/complaint/projection';
import { complaintStreamId } from '../../services/complaint/domain/constants';
import { channelComplaintId } from '../../services/complaint/import/importer';
import { ComplaintService } from '../../services/complaint/service';
import { type Federation, startFederation } from '../support/federation';

const TOKEN = 'lapor-exchange-token';
const officer = { id: 'supervisor-1', role: 'SUPERVISOR' };

const report = (n: number, extra: Record<string, string> = {}) => ({
  'Nomor Tracking': `LAPOR-T-${String(n).padStart(4, '0')}`,
  'Tanggal Laporan': '12/05/2026 08:15',
  'Judul Laporan': `Laporan nomor ${n}`,
  'Isi Laporan': 'Jalan berlubang di depan pasar sejak musim hujan.',
  Kategori: 'infrastruktur',
  Lokasi: 'Kabupaten Bantul',
  'Nama Pelapor': 'Contoh Pelapor',
  'Email Pelapor': 'pelapor@contoh.invalid',
  ...extra,
});

interface Push {
  readonly trackingId: string;
  readonly key: string | undefined;
  readonly status: number;
  readonly body: { id: string; status: string; at: string; trackingNumber: string; agencyIds?: string[] };
}

/** The stand-in: pages of `reports` by an opaque cursor, status updates recorded (and failed on demand). */
const lapor = {
  reports: [] as Record<string, string>[],
  cursorsAsked: [] as (string | null)[],
  pushes: [] as Push[],
  failNextPushes: 0,
  refuse: new Set<string>(),
};

let server: http.Server;
let base: string;
let dataDir: string;
let fed: Federation;

const env = () => ({
  DUMAS_LAPOR_API_URL: `${base}/exchange/v1`,
  DUMAS_LAPOR_TOKEN: TOKEN,
  DUMAS_LAPOR_PAGE_SIZE: '2',
  DUMAS_LAPOR_POLL_MS: '3600000',
  DUMAS_LAPOR_RETRY_MS: '20',
  DUMAS_CHECKPOINT_INTERVAL_MS: '0',
});

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://lapor');
      const json = (status: number, body?: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body === undefined ? '' : JSON.stringify(body));
      };
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(401, { error: 'unauthorized' });
      if (req.method === 'GET' && url.pathname === '/exchange/v1/reports') {
        const cursor = url.searchParams.get('cursor');
        lapor.cursorsAsked.push(cursor);
        const from = cursor ? Number(cursor.replace(/^c/, '')) : 0;
        const limit = Number(url.searchParams.get('limit'));
        const page = lapor.reports.slice(from, from + limit);
        return json(200, { reports: page, nextCursor: `c${from + page.length}` });
      }
      const status = /^\/exchange\/v1\/reports\/([^/]+)\/status$/.exec(url.pathname);
      if (req.method === 'POST' && status) {
        const trackingId = decodeURIComponent(status[1]!);
        const answer = lapor.failNextPushes > 0 ? 503 : lapor.refuse.has(trackingId) ? 422 : 202;
        if (answer === 503) lapor.failNextPushes--;
        lapor.pushes.push({
          trackingId,
          key: req.headers['idempotency-key'] as string | undefined,
          status: answer,
          body: JSON.parse(Buffer.concat(chunks).toString()),
        });
        return json(answer, answer === 202 ? { accepted: true } : { error: 'no' });
      }
      json(404, { error: 'not found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Two reports before dumas starts: one new, one already forwarded by LAPOR (its history comes along).
  lapor.reports.push(
    report(1),
    report(2, {
      'Instansi Tujuan': 'Inspektorat Kabupaten Bantul',
      'Tanggal Disposisi': '13/05/2026 10:00',
    }),
  );
  // A data dir of our own: the restart below runs on the same one.
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'dumas-lapor-'));
  // The directory first: the pull worker takes LAPOR's reports in as it starts, and the forwarded one names
  // an agency that must already exist (seeded after the start, it raced the first pull).
  const seeding = await createEventStore(loadConfig({ ...env(), DUMAS_DATA_DIR: dataDir }).store);
  await seedAgencies(seeding, new Date('2026-01-02T00:00:00Z'));
  await seeding.close();
  fed = await startFederation({ subgraphs: ['complaint'], dataDir, env: env() });
});

afterAll(async () => {
  await fed?.close();
  await new Promise((r) => server.close(r));
  rmSync(dataDir, { recursive: true, force: true });
});

const channels = (): Channels => channelsOf(fed.runtimes.complaint!)!;

async function complaints(): Promise<ComplaintDocument[]> {
  await fed.runtimes.complaint!.catchUp();
  return fed.runtimes.complaint!.readModels.find<ComplaintDocument>(COMPLAINTS_COLLECTION);
}

/** The complaint of a LAPOR tracking id: the id follows from it, as for an imported export row. */
const byReference = async (trackingId: string) => channelComplaintId('LAPOR', trackingId);

const pushesSettled = async () => channels().work!.lapor!.push.waitFor(await fed.store.headPosition());

describe('given an SP4N-LAPOR! exchange configured', () => {
  it('pulls every report page by page into one complaint each, with LAPOR’s history at its times', async () => {
    // The worker pulled once when it started; a second pull finds nothing new.
    const again = await channels().work!.lapor!.pull.pullOnce();
    expect(again).toMatchObject({ imported: 0, refused: 0 });
    const docs = await complaints();
    expect(docs).toHaveLength(2);
    expect(docs.every((d) => d.channel === 'LAPOR')).toBe(true);
    expect(await channels().work!.lapor!.pull.cursor()).toBe('c2');

    const forwarded = (await byReference('LAPOR-T-0002'))!;
    const events = await fed.store.readStream(complaintStreamId(forwarded));
    expect(events.map((e) => e.type)).toEqual([
      'ComplaintReceived',
      'ComplaintVerified',
      'ComplaintForwarded',
    ]);
    expect(events[0]!.metadata).toMatchObject({
      occurredAt: '2026-05-12T01:15:00.000Z',
      actor: { id: 'channel:lapor', role: 'SYSTEM' },
      imported: { source: 'SP4N-LAPOR! exchange' },
    });
    expect(events[2]!.metadata.occurredAt).toBe('2026-05-13T03:00:00.000Z');
    expect(events[0]!.data).toMatchObject({ category: 'infrastruktur', region: 'Kabupaten Bantul' });
    // LAPOR's own history is not echoed back to it.
    await pushesSettled();
    expect(lapor.pushes).toHaveLength(0);
  });

  it('takes a report it already has as present (LAPOR sent it again), and refuses a bad one without stopping', async () => {
    lapor.reports.push(report(2), report(3, { 'Tanggal Laporan': 'kemarin sore' }), report(4));
    const head = await fed.store.headPosition();
    const pulled = await channels().work!.lapor!.pull.pullOnce();
    expect(pulled).toMatchObject({ pages: 2, imported: 1, present: 1, refused: 1 });
    expect(await complaints()).toHaveLength(3);
    expect(await fed.store.headPosition()).toBeGreaterThan(head);
    expect(await channels().work!.lapor!.pull.cursor()).toBe('c5');
  });

  it('pushes forwarded, responded and closed back, retrying through an outage, once each', async () => {
    const id = (await byReference('LAPOR-T-0001'))!;
    const service = new ComplaintService(fed.runtimes.complaint!);
    lapor.failNextPushes = 2;
    await service.execute(id, (metadata) => ({ type: 'VerifyComplaint', data: {}, metadata }), officer);
    await service.execute(
      id,
      (metadata) => ({ type: 'ForwardComplaint', data: { agencyIds: ['inspektorat-bantul'] }, metadata }),
      officer,
    );
    await service.execute(
      id,
      (metadata) => ({
        type: 'RecordAgencyResponse',
        data: { agencyId: 'inspektorat-bantul', response: 'Jalan sudah ditambal.' },
        metadata,
      }),
      officer,
    );
    await service.execute(
      id,
      (metadata) => ({ type: 'ResolveComplaint', data: { resolution: 'Ditambal.' }, metadata }),
      officer,
    );
    await service.execute(id, (metadata) => ({ type: 'CloseComplaint', data: {}, metadata }), officer);
    await pushesSettled();

    const delivered = lapor.pushes.filter((p) => p.status === 202);
    expect(delivered.map((p) => p.body.status)).toEqual(['FORWARDED', 'RESPONDED', 'CLOSED']);
    expect(delivered.every((p) => p.trackingId === 'LAPOR-T-0001' && p.key === p.body.id)).toBe(true);
    expect(delivered[0]!.body).toMatchObject({ agencyIds: ['inspektorat-bantul'] });
    // The outage: the first update was tried three times with the same key, then taken.
    const first = lapor.pushes.filter((p) => p.key === delivered[0]!.key);
    expect(first.map((p) => p.status)).toEqual([503, 503, 202]);
    const record = await fed.runtimes.complaint!.readModels.get(LAPOR_PUSHES_COLLECTION, delivered[0]!.key!);
    expect(record).toMatchObject({ outcome: 'DELIVERED', httpStatus: 202 });
  });

  it('records an update LAPOR refuses for good and moves on to the next', async () => {
    const refused = (await byReference('LAPOR-T-0004'))!;
    lapor.refuse.add('LAPOR-T-0004');
    const service = new ComplaintService(fed.runtimes.complaint!);
    const before = lapor.pushes.length;
    await service.execute(refused, (metadata) => ({ type: 'VerifyComplaint', data: {}, metadata }), officer);
    await service.execute(
      refused,
      (metadata) => ({ type: 'ForwardComplaint', data: { agencyIds: ['inspektorat-bantul'] }, metadata }),
      officer,
    );
    await pushesSettled();
    const tried = lapor.pushes.slice(before);
    expect(tried.map((p) => p.status)).toEqual([422]);
    expect(
      await fed.runtimes.complaint!.readModels.get(LAPOR_PUSHES_COLLECTION, tried[0]!.key!),
    ).toMatchObject({ outcome: 'REFUSED', httpStatus: 422 });
  });

  it('after a restart resumes from its cursor and sends nothing it had sent', async () => {
    const sent = lapor.pushes.length;
    lapor.reports.push(report(5));
    await fed.close();
    lapor.cursorsAsked.length = 0;
    fed = await startFederation({ subgraphs: ['complaint'], dataDir, env: env() });
    await channels().work!.lapor!.pull.pullOnce();
    expect(lapor.cursorsAsked[0]).toBe('c5');
    expect(await complaints()).toHaveLength(4);
    await pushesSettled();
    expect(lapor.pushes.length).toBe(sent);
  });
});
