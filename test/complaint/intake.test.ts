import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eraseComplainantData, prepareComplaintIntake } from '../../services/complaint/intake';
import {
  TRACKING_NUMBER_STREAM_PREFIX,
  TrackingNumberService,
} from '../../services/complaint/tracking-number';
import {
  type ComplaintCommand,
  complaintDecider,
  type ComplaintEvent,
  type ComplaintState,
  complaintStreamId,
} from '../../services/complaint/domain';
import { AccessCodeHasher } from '../../services/shared/access-code';
import { CommandHandler } from '../../services/shared/decider';
import { DomainError } from '../../services/shared/errors';
import { MemoryEventStore } from '../../services/shared/eventstore/memory';
import { ERASED, openComplainantIdentity, SqliteKeyVault } from '../../services/shared/pii';
import { admin, officer, publicActor } from './fixtures';

let dir: string;
let store: MemoryEventStore;
let vault: SqliteKeyVault;
let handler: CommandHandler<ComplaintCommand, ComplaintEvent, ComplaintState>;
const accessCodes = new AccessCodeHasher('intake-test-secret-0123456789abcdefghij');
let services: {
  vault: SqliteKeyVault;
  trackingNumbers: TrackingNumberService;
  accessCodes: AccessCodeHasher;
};
const now = '2026-12-31T18:30:00.000Z';

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-intake-'));
  store = new MemoryEventStore();
  vault = new SqliteKeyVault(path.join(dir, 'keys.sqlite'));
  handler = new CommandHandler(store, complaintDecider);
  services = { vault, trackingNumbers: new TrackingNumberService(store), accessCodes };
});
afterEach(async () => {
  await vault.close();
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const input = {
  subject: 'Pungutan liar di kelurahan',
  description: 'Diminta membayar untuk surat pengantar.',
  complainant: { name: 'Budi Santoso', nik: '3471010101800001', phone: '0812 1111 2222' },
};

describe('prepareComplaintIntake', () => {
  it('public filing: numbered in the WIB year, identity sealed, access code issued and only its hash kept', async () => {
    const prepared = await prepareComplaintIntake(
      services,
      input,
      { kind: 'PUBLIC' },
      { now, actor: publicActor },
    );
    expect(prepared.trackingNumber).toMatch(/^DUMAS-2027-\d{6}$/);
    expect(prepared.accessCode).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const result = await handler.handle(complaintStreamId(prepared.complaintId), prepared.command);
    expect(result.state).toMatchObject({
      status: 'RECEIVED',
      channel: 'WEB',
      trackingNumber: prepared.trackingNumber,
    });

    const [event] = await store.readStream(complaintStreamId(prepared.complaintId));
    const data = event!.data as Extract<ComplaintEvent, { type: 'ComplaintReceived' }>['data'];
    expect(JSON.stringify(event)).not.toMatch(/Budi|3471010101800001|1111/);
    expect(JSON.stringify(event)).not.toContain(prepared.accessCode!.replace(/-/g, ''));
    expect(await accessCodes.verify(prepared.accessCode!, data.accessCodeHash)).toBe(true);
    expect(await openComplainantIdentity(vault, data.complainant!.sealed)).toMatchObject({
      name: 'Budi Santoso',
      phone: '+6281211112222',
    });
    expect(await services.trackingNumbers.lookup(prepared.trackingNumber)).toBe(prepared.complaintId);
  });

  it('officer import: original year, channel reference, no access code unless asked', async () => {
    const prepared = await prepareComplaintIntake(
      services,
      { ...input, complainant: null, anonymous: true },
      {
        kind: 'OFFICER',
        channel: 'LAPOR',
        channelReference: 'LAPOR-55',
        receivedAt: '2025-05-01T02:00:00Z',
        imported: { source: 'e-LAPOR DIY 2025', originalId: '55' },
      },
      { now, actor: officer },
    );
    expect(prepared.trackingNumber).toMatch(/^DUMAS-2025-/);
    expect(prepared.accessCode).toBeNull();
    expect(prepared.command.data).toMatchObject({ complainant: null, accessCodeHash: null, anonymous: true });
  });

  it('bad input is refused before a tracking number is claimed', async () => {
    await expect(
      prepareComplaintIntake(
        services,
        { ...input, subject: '' },
        { kind: 'PUBLIC' },
        { now, actor: publicActor },
      ),
    ).rejects.toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'subject' } });
    await expect(
      prepareComplaintIntake(
        services,
        { ...input, complainant: { name: 'X', nik: '123' } },
        { kind: 'PUBLIC' },
        { now, actor: publicActor },
      ),
    ).rejects.toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'complainant.nik' } });
    await expect(
      prepareComplaintIntake(
        services,
        input,
        { kind: 'OFFICER', channel: 'LETTER' },
        { now, actor: officer },
      ),
    ).rejects.toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'channelReference' } });
    expect(await store.readAll({ filter: { streamPrefixes: [TRACKING_NUMBER_STREAM_PREFIX] } })).toEqual([]);
  });
});

describe('eraseComplainantData', () => {
  it('destroys the key, records the erasure once, and leaves the chain intact', async () => {
    const prepared = await prepareComplaintIntake(
      services,
      input,
      { kind: 'PUBLIC' },
      { now, actor: publicActor },
    );
    await handler.handle(complaintStreamId(prepared.complaintId), prepared.command);
    const erase = {
      type: 'EraseComplainantData',
      data: { reason: 'Permintaan pelapor' },
      metadata: { now, actor: admin },
    } as const;

    const first = await eraseComplainantData(handler, vault, prepared.complaintId, erase);
    expect(first.events.map((e) => e.type)).toEqual(['ComplainantDataErased']);
    const [received] = await store.readStream(complaintStreamId(prepared.complaintId));
    const sealed = (received!.data as { complainant: { sealed: never } }).complainant.sealed;
    expect(await openComplainantIdentity(vault, sealed)).toBe(ERASED);

    const again = await eraseComplainantData(handler, vault, prepared.complaintId, erase);
    expect(again.events).toEqual([]);
  });

  it('refuses an unknown complaint and a missing reason before destroying anything', async () => {
    const erase = {
      type: 'EraseComplainantData',
      data: { reason: '' },
      metadata: { now, actor: admin },
    } as const;
    await expect(eraseComplainantData(handler, vault, 'nope', erase)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const prepared = await prepareComplaintIntake(
      services,
      input,
      { kind: 'PUBLIC' },
      { now, actor: publicActor },
    );
    await handler.handle(complaintStreamId(prepared.complaintId), prepared.command);
    await expect(eraseComplainantData(handler, vault, prepared.complaintId, erase)).rejects.toBeInstanceOf(
      DomainError,
    );
    const subjectId = (prepared.command.data.complainant as { subjectId: string }).subjectId;
    expect(await vault.isDestroyed(subjectId)).toBe(false);
  });
});
