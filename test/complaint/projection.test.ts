import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateAccessCode } from '../../services/shared/access-code';
import {
  type ComplaintCommand,
  type ComplaintCommandType,
  complaintDecider,
  type ComplaintEvent,
  type ComplaintState,
  complaintStreamId,
} from '../../services/complaint/domain';
import { AccessCodeHasher } from '../../services/shared/access-code';
import {
  AGENCY_CASES_COLLECTION,
  agencyCasesQuery,
  applyComplaintEvent,
  type ComplaintDocument,
  complaintDocQuery,
  type ComplaintFilter,
  complaintProjection,
  COMPLAINTS_COLLECTION,
  maintainedCount,
  publicComplaintView,
} from '../../services/complaint/projection';
import { maskComplaintForViewer } from '../../services/complaint/access';
import { CommandHandler } from '../../services/shared/decider';
import type { Actor } from '../../services/shared/eventstore/types';
import { verifyStream } from '../../services/shared/eventstore/hash';
import { MemoryEventStore } from '../../services/shared/eventstore/memory';
import {
  ERASED,
  openComplainantIdentity,
  sealComplainantIdentity,
  SqliteKeyVault,
} from '../../services/shared/pii';
import { type ProjectionRunner, startProjections } from '../../services/shared/projections';
import { SqliteReadModelStore } from '../../services/shared/projections/sqlite-read-model';
import { admin, auditor, bantulPic, officer, slemanPic, supervisor } from './fixtures';

const identity = {
  name: 'Siti Rahayu',
  nik: '3402015501900001',
  email: 'siti@example.id',
  phone: '081227334455',
};

let dir: string;
let store: MemoryEventStore;
let readModels: SqliteReadModelStore;
let vault: SqliteKeyVault;
let runner: ProjectionRunner;
let handler: CommandHandler<ComplaintCommand, ComplaintEvent, ComplaintState>;
let clock: number;
let serial: number;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-complaint-projection-'));
  store = new MemoryEventStore();
  readModels = new SqliteReadModelStore({ file: path.join(dir, 'complaint.sqlite') });
  vault = new SqliteKeyVault(path.join(dir, 'keys.sqlite'));
  runner = await startProjections({ store, readModels, projections: [complaintProjection] });
  handler = new CommandHandler(store, complaintDecider);
  clock = Date.UTC(2026, 1, 2, 2, 0);
  serial = 100;
});

afterEach(async () => {
  await runner.stop();
  await readModels.close();
  await store.close();
  await vault.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Gives a command on a complaint and waits until the read model has it (read-your-writes). */
async function give<T extends ComplaintCommandType>(
  id: string,
  type: T,
  data: Extract<ComplaintCommand, { type: T }>['data'],
  actor: Actor = officer,
) {
  clock += 60_000;
  const result = await handler.handle(complaintStreamId(id), {
    type,
    data,
    metadata: { now: new Date(clock).toISOString(), actor },
  } as ComplaintCommand);
  if (result.position) await runner.waitFor(result.position);
  return result;
}

async function file(patch: Record<string, unknown> = {}) {
  const id = randomUUID();
  const subjectId = randomUUID();
  const accessCode = generateAccessCode();
  await give(id, 'ReceiveComplaint', {
    complaintId: id,
    trackingNumber: `DUMAS-2026-${String(serial++).padStart(6, '0')}`,
    channel: 'EMAIL',
    channelReference: '<wamid-6281227334455@wa>',
    subject: 'Jalan rusak',
    description: 'Jalan kabupaten berlubang',
    category: 'infrastructure',
    region: 'Kabupaten Bantul',
    confidential: false,
    anonymous: false,
    complainant: { subjectId, sealed: await sealComplainantIdentity(vault, subjectId, identity) },
    accessCodeHash: new AccessCodeHasher('projection-test-secret-0123456789abcdef').hash(accessCode),
    ...patch,
  } as never);
  return { id, subjectId, accessCode };
}

const doc = async (id: string) => (await readModels.get<ComplaintDocument>(COMPLAINTS_COLLECTION, id))!;

async function forwardedTo(agencyIds: string[], patch: Record<string, unknown> = {}) {
  const c = await file(patch);
  await give(c.id, 'VerifyComplaint', {});
  await give(c.id, 'ForwardComplaint', { agencyIds });
  return c;
}

describe('complaints projection', () => {
  it('follows a complaint through the whole lifecycle, per agency', async () => {
    const { id } = await forwardedTo(['inspektorat-bantul', 'inspektorat-sleman']);
    let d = await doc(id);
    expect(d).toMatchObject({
      id,
      status: 'FORWARDED',
      channel: 'EMAIL',
      intake: 'OFFICER',
      agencyIds: ['inspektorat-bantul', 'inspektorat-sleman'],
      version: 2,
    });
    expect(d.verifiedAt).not.toBeNull();
    expect(d.agencies.map((a) => [a.forwardingId, a.status, a.current])).toEqual([
      ['inspektorat-bantul/1', 'FORWARDED', true],
      ['inspektorat-sleman/1', 'FORWARDED', true],
    ]);

    await give(id, 'AcknowledgeComplaint', { agencyId: 'inspektorat-bantul' }, bantulPic);
    await give(
      id,
      'RecordAgencyResponse',
      { agencyId: 'inspektorat-bantul', response: 'Dijadwalkan.' },
      bantulPic,
    );
    expect((await doc(id)).status).toBe('IN_FOLLOW_UP');
    await give(
      id,
      'RecordAgencyResponse',
      { agencyId: 'inspektorat-sleman', response: 'Bukan wilayah kami.', outcome: 'NOT_COMPETENT' },
      officer,
    );
    d = await doc(id);
    expect(d.status).toBe('RESPONDED');
    expect(d.agencies[0]).toMatchObject({
      status: 'RESPONDED',
      acknowledgedBy: bantulPic.id,
      respondedBy: bantulPic.id,
      response: 'Dijadwalkan.',
      responseOutcome: 'FOLLOWED_UP',
    });
    expect(d.agencies[1]).toMatchObject({ responseOutcome: 'NOT_COMPETENT', respondedBy: officer.id });

    await give(id, 'MarkResponseInsufficient', {
      agencyIds: ['inspektorat-sleman'],
      note: 'Mohon koordinasi.',
    });
    d = await doc(id);
    expect(d.status).toBe('FORWARDED');
    expect(
      d.forwardings.map((f) => [f.forwardingId, f.status, f.current, f.insufficient?.replacedBy ?? null]),
    ).toEqual([
      ['inspektorat-bantul/1', 'RESPONDED', true, null],
      ['inspektorat-sleman/1', 'RESPONDED', false, 'inspektorat-sleman/2'],
      ['inspektorat-sleman/2', 'FORWARDED', true, null],
    ]);
    expect(d.agencies.map((a) => a.forwardingId)).toEqual(['inspektorat-bantul/1', 'inspektorat-sleman/2']);

    await give(
      id,
      'RecordAgencyResponse',
      { agencyId: 'inspektorat-sleman', response: 'Sudah koordinasi.' },
      slemanPic,
    );
    await give(id, 'ResolveComplaint', { resolution: 'Jalan diperbaiki.' }, supervisor);
    await give(id, 'CloseComplaint', {}, supervisor);
    d = await doc(id);
    expect(d).toMatchObject({
      status: 'CLOSED',
      resolution: { resolution: 'Jalan diperbaiki.', by: supervisor.id },
    });
    expect(d.closedAt).toBe(d.updatedAt);

    const reopened = await give(id, 'ReopenComplaint', { reason: 'Rusak lagi.' }, supervisor);
    d = await doc(id);
    expect(d).toMatchObject({
      status: 'VERIFIED',
      reopenCount: 1,
      lastReopen: { from: 'CLOSED', to: 'VERIFIED', reason: 'Rusak lagi.' },
      resolution: null,
      closedAt: null,
      agencyIds: ['inspektorat-bantul', 'inspektorat-sleman'],
      version: reopened.revision,
    });
    expect(d.forwardings.every((f) => !f.current)).toBe(true);
  });

  it('records the information pause and a rejection', async () => {
    const { id } = await file();
    await give(id, 'RequestInformation', { question: 'Lokasi tepatnya?' });
    let d = await doc(id);
    expect(d).toMatchObject({
      status: 'AWAITING_INFORMATION',
      informationRequest: { question: 'Lokasi tepatnya?', by: officer.id },
    });
    await give(id, 'RejectComplaint', { reason: 'INCOMPLETE', note: 'Tidak dijawab.' });
    d = await doc(id);
    expect(d).toMatchObject({
      status: 'REJECTED',
      informationRequest: null,
      rejection: { reason: 'INCOMPLETE', note: 'Tidak dijawab.' },
    });
    await give(id, 'ReopenComplaint', { reason: 'Pelapor menjawab.' }, supervisor);
    expect(await doc(id)).toMatchObject({ status: 'RECEIVED', rejection: null, reopenCount: 1 });
  });

  it('keeps the privacy history with who and when', async () => {
    const { id } = await file();
    await give(id, 'SetComplaintPrivacy', { anonymous: true, reason: 'Permintaan pelapor' });
    await give(id, 'SetComplaintPrivacy', { confidential: true }, supervisor);
    const d = await doc(id);
    expect(d).toMatchObject({ anonymous: true, confidential: true });
    expect(d.privacyHistory).toEqual([
      expect.objectContaining({
        anonymous: true,
        confidential: false,
        by: officer.id,
        reason: 'Permintaan pelapor',
      }),
      expect.objectContaining({
        anonymous: true,
        confidential: true,
        previous: { confidential: false, anonymous: true },
        by: supervisor.id,
      }),
    ]);
    expect(d.privacyHistory[1]!.at).toBe(d.updatedAt);
  });

  it('holds the identity sealed; erasure makes it unreadable at once and everywhere, and the chain still verifies', async () => {
    const { id, subjectId } = await file();
    const before = await doc(id);
    expect(JSON.stringify(before)).not.toMatch(/Siti|3402015501900001|siti@example/);
    if (before.complainant?.access !== 'SEALED') throw new Error('expected a sealed complainant');
    const sealedInDoc = before.complainant.sealed;
    expect(await openComplainantIdentity(vault, sealedInDoc)).toMatchObject({
      name: 'Siti Rahayu',
    });

    await vault.destroy(subjectId);
    // Before the erasure event is even projected, the read model's blob no longer opens.
    expect(await openComplainantIdentity(vault, sealedInDoc)).toBe(ERASED);
    const [received] = await store.readStream(complaintStreamId(id), { maxCount: 1 });
    const eventBlob = (received!.data as { complainant: { sealed: typeof sealedInDoc } }).complainant.sealed;
    expect(await openComplainantIdentity(vault, eventBlob)).toBe(ERASED);

    await give(id, 'EraseComplainantData', { reason: 'Permintaan penghapusan' }, admin);
    const after = await doc(id);
    expect(after.complainant).toEqual({ access: 'ERASED', erasedAt: after.updatedAt });
    expect(JSON.stringify(after)).not.toContain(sealedInDoc.ciphertext);
    expect((await verifyStream(store, complaintStreamId(id))).ok).toBe(true);
  });

  it('answers the API filters, newest first with id as tie-breaker', async () => {
    const a = await forwardedTo(['inspektorat-bantul']);
    const b = await file({ channel: 'WHATSAPP', subject: 'Bantuan sosial tidak cair', category: 'social' });
    const c = await forwardedTo(['inspektorat-sleman', 'inspektorat-diy'], {
      channel: 'LETTER',
      channelReference: 'B-7/2026',
    });
    const imported = await file({
      channel: 'LAPOR',
      channelReference: 'LAPOR-1',
      receivedAt: '2025-06-01T03:00:00Z',
      imported: { source: 'e-LAPOR DIY 2025' },
    });
    const ids = async (
      filter: Parameters<typeof complaintDocQuery>[0],
      viewer?: Parameters<typeof complaintDocQuery>[1],
    ) =>
      (
        await readModels.find<ComplaintDocument>(COMPLAINTS_COLLECTION, complaintDocQuery(filter, viewer))
      ).map((d) => d.id);

    expect(await ids({})).toEqual([c.id, b.id, a.id, imported.id]);
    expect(await ids({ status: ['FORWARDED'] })).toEqual([c.id, a.id]);
    expect(await ids({ status: ['RECEIVED'], channel: ['WHATSAPP', 'LAPOR'] })).toEqual([b.id, imported.id]);
    expect(await ids({ agencyId: 'inspektorat-diy' })).toEqual([c.id]);
    expect(await ids({ receivedTo: '2025-12-31T23:59:59+07:00' })).toEqual([imported.id]);
    expect(await ids({ receivedFrom: '2026-01-01T00:00:00Z' })).toHaveLength(3);
    expect(await ids({ text: 'BANTUAN' })).toEqual([b.id]);
    expect(await ids({ text: (await doc(a.id)).trackingNumber })).toEqual([a.id]);
    expect(await ids({ text: 'Siti' })).toEqual([]);
    expect(await ids({}, bantulPic)).toEqual([a.id]);
    expect(await ids({ agencyId: 'inspektorat-sleman' }, bantulPic)).toEqual([]);
    expect(await ids({ agencyId: 'inspektorat-bantul' }, bantulPic)).toEqual([a.id]);
    expect(() => complaintDocQuery({ receivedFrom: 'kemarin' })).toThrow(/receivedFrom/);
  });

  it("an agency's cases answer its filters and counts as the complaints do, through every status change", async () => {
    const both = await forwardedTo(['inspektorat-bantul', 'inspektorat-sleman']);
    const bantulOnly = await forwardedTo(['inspektorat-bantul'], {
      channel: 'LETTER',
      channelReference: 'B-1',
    });
    await file(); // never forwarded: in no agency's list
    const same = async (
      filter: Parameters<typeof complaintDocQuery>[0],
      viewer?: Parameters<typeof complaintDocQuery>[1],
    ) => {
      const query = complaintDocQuery(filter, viewer);
      const byAgency = agencyCasesQuery(query)!;
      const viaCases = (await readModels.find<{ id: string }>(AGENCY_CASES_COLLECTION, byAgency)).map(
        (c) => c.id,
      );
      const viaComplaints = (await readModels.find<ComplaintDocument>(COMPLAINTS_COLLECTION, query)).map(
        (d) => d.id,
      );
      expect(viaCases).toEqual(viaComplaints);
      expect(await readModels.count(AGENCY_CASES_COLLECTION, { where: byAgency.where! })).toBe(
        viaCases.length,
      );
      return viaCases;
    };

    expect(await same({ agencyId: 'inspektorat-bantul' })).toEqual([bantulOnly.id, both.id]);
    expect(await same({}, slemanPic)).toEqual([both.id]);
    expect(await same({ agencyId: 'inspektorat-bantul' }, slemanPic)).toEqual([]);
    expect(await same({ agencyId: 'inspektorat-bantul', channel: ['LETTER'] })).toEqual([bantulOnly.id]);

    await give(both.id, 'AcknowledgeComplaint', { agencyId: 'inspektorat-sleman' }, slemanPic);
    expect(await same({ agencyId: 'inspektorat-sleman', status: ['IN_FOLLOW_UP'] })).toEqual([both.id]);
    expect(await same({ agencyId: 'inspektorat-bantul', status: ['IN_FOLLOW_UP'] })).toEqual([both.id]);
    expect(await same({ agencyId: 'inspektorat-bantul', status: ['FORWARDED'] })).toEqual([bantulOnly.id]);
    await give(bantulOnly.id, 'SetComplaintPrivacy', { confidential: true, anonymous: false });
    expect(await same({ agencyId: 'inspektorat-bantul', confidential: true })).toEqual([bantulOnly.id]);
  });

  it('counts status, channel and privacy filters from the maintained counts as counting the index does', async () => {
    const both = await forwardedTo(['inspektorat-bantul', 'inspektorat-sleman']);
    const letter = await forwardedTo(['inspektorat-bantul'], { channel: 'LETTER', channelReference: 'B-2' });
    const secret = await file({ confidential: true, channel: 'WEB', channelReference: null });
    await file();
    const filters: ComplaintFilter[] = [
      {},
      { status: ['FORWARDED'] },
      { status: ['FORWARDED', 'IN_FOLLOW_UP'] },
      { status: ['RECEIVED'], channel: ['EMAIL', 'WEB'] },
      { channel: ['LETTER'] },
      { confidential: true },
      { confidential: false, anonymous: false, status: ['VERIFIED', 'RECEIVED'] },
      { agencyId: 'inspektorat-bantul' },
      { agencyId: 'inspektorat-bantul', status: ['IN_FOLLOW_UP'] },
      { agencyId: 'inspektorat-sleman', channel: ['EMAIL'], confidential: false },
    ];
    const agree = async () => {
      for (const filter of filters) {
        const query = complaintDocQuery(filter);
        const byAgency = agencyCasesQuery(query);
        const counted = byAgency ?? query;
        const indexed = await readModels.count(byAgency ? AGENCY_CASES_COLLECTION : COMPLAINTS_COLLECTION, {
          where: counted.where!,
        });
        expect([filter, await maintainedCount(readModels, counted)]).toEqual([filter, indexed]);
      }
    };
    await agree();
    await give(both.id, 'AcknowledgeComplaint', { agencyId: 'inspektorat-sleman' }, slemanPic);
    await give(letter.id, 'SetComplaintPrivacy', { confidential: true, anonymous: true });
    await give(secret.id, 'VerifyComplaint', {});
    await agree();
    // A filter the counts do not tell apart is counted off the index.
    expect(await maintainedCount(readModels, complaintDocQuery({ text: 'jalan' }))).toBeUndefined();
    expect(
      await maintainedCount(readModels, complaintDocQuery({ receivedFrom: '2026-01-01T00:00:00Z' })),
    ).toBeUndefined();
  });

  it('applying an event it has already applied changes nothing', async () => {
    const { id } = await file();
    await give(id, 'VerifyComplaint', {});
    const d = await doc(id);
    const [first] = await store.readStream(complaintStreamId(id), { maxCount: 1 });
    await readModels.applyBatch('replay-check', 1, (tx) =>
      Promise.resolve(complaintProjection.apply(first!, tx)),
    );
    expect(await doc(id)).toEqual(d);
  });
});

describe('masking a complaint for a viewer', () => {
  const base = (patch: Partial<ComplaintDocument> = {}): ComplaintDocument => {
    const events: ComplaintEvent[] = [];
    let d: ComplaintDocument | undefined;
    events.push({
      type: 'ComplaintReceived',
      data: {
        complaintId: 'c-1',
        trackingNumber: 'DUMAS-2026-000001',
        intake: 'PUBLIC',
        channel: 'WHATSAPP',
        channelReference: 'wamid.6281227334455',
        subject: 's',
        description: 'd',
        category: null,
        region: null,
        confidential: false,
        anonymous: false,
        complainant: {
          subjectId: 'subject-1',
          sealed: {
            v: 1,
            alg: 'A256GCM',
            keyId: 'key-00001',
            iv: 'AAAAAAAAAAAAAAAA',
            ciphertext: 'AAAA',
            tag: 'AAAAAAAAAAAAAAAAAAAAAA==',
          },
        },
        accessCodeHash: 'scrypt$1$1$1$x$y',
        receivedAt: '2026-01-05T01:00:00.000Z',
        imported: null,
        by: null,
        at: '2026-01-05T01:00:00.000Z',
      },
    });
    events.push({
      type: 'ComplaintForwarded',
      data: {
        forwardings: [
          { forwardingId: 'inspektorat-bantul/1', agencyId: 'inspektorat-bantul' },
          { forwardingId: 'inspektorat-sleman/1', agencyId: 'inspektorat-sleman' },
        ],
        note: null,
        by: 'officer-ani',
        at: '2026-01-05T02:00:00.000Z',
      },
    });
    for (const [i, e] of events.entries()) d = applyComplaintEvent(d, e, i);
    return { ...d!, ...patch };
  };
  const diyPic = { role: 'AGENCY', agencyId: 'inspektorat-diy' };

  it('OFFICER and SUPERVISOR see everything but the access-code hash', () => {
    for (const viewer of [officer, supervisor]) {
      const seen = maskComplaintForViewer(base(), viewer)!;
      expect(seen.complainant).toMatchObject({ access: 'SEALED', subjectId: 'subject-1' });
      expect(seen.channelReference).toBe('wamid.6281227334455');
      expect(seen.accessCodeHash).toBeNull();
      expect(seen.agencies).toHaveLength(2);
    }
  });

  it('AGENCY sees only complaints forwarded to it, only its own forwarding, identity only when neither flag is set', () => {
    expect(maskComplaintForViewer(base(), diyPic)).toBeNull();
    expect(maskComplaintForViewer(base(), { role: 'AGENCY' })).toBeNull();
    const open = maskComplaintForViewer(base(), bantulPic)!;
    expect(open.complainant).toMatchObject({ access: 'SEALED' });
    expect(open.agencies.map((a) => a.agencyId)).toEqual(['inspektorat-bantul']);
    expect(open.forwardings.map((a) => a.agencyId)).toEqual(['inspektorat-bantul']);
    expect(open.agencyIds).toEqual(['inspektorat-bantul']);
    for (const flags of [{ anonymous: true }, { confidential: true }]) {
      const hidden = maskComplaintForViewer(base(flags), bantulPic)!;
      expect(hidden.complainant).toEqual({ access: 'MASKED' });
      expect(hidden.channelReference).toBeNull();
      expect(JSON.stringify(hidden)).not.toContain('subject-1');
    }
  });

  it('AUDITOR sees the case with identity masked unless granted; ADMIN and unknown roles see nothing', () => {
    expect(maskComplaintForViewer(base(), auditor)!.complainant).toEqual({ access: 'MASKED' });
    expect(maskComplaintForViewer(base(), auditor)!.channelReference).toBeNull();
    expect(maskComplaintForViewer(base(), { ...auditor, identityGranted: true })!.complainant).toMatchObject({
      access: 'SEALED',
    });
    expect(maskComplaintForViewer(base(), admin)).toBeNull();
    expect(maskComplaintForViewer(base(), { role: 'PUBLIC' })).toBeNull();
  });

  it('a complaint without identity stays without identity', () => {
    expect(maskComplaintForViewer(base({ complainant: null }), auditor)!.complainant).toBeNull();
  });

  it('the public sees the status only', () => {
    expect(publicComplaintView(base())).toEqual({
      trackingNumber: 'DUMAS-2026-000001',
      status: 'FORWARDED',
      receivedAt: '2026-01-05T01:00:00.000Z',
      updatedAt: '2026-01-05T02:00:00.000Z',
    });
  });
});
