import {
  type AgencyCommand,
  agencyDecider,
  agencyStreamId,
} from '../../services/correspondence/domain/agency';
import {
  type LetterCommand,
  letterDecider,
  letterStreamId,
} from '../../services/correspondence/domain/letter';
import { LetterNumbering } from '../../services/correspondence/numbering';
import {
  AGENCIES,
  type AgencyDoc,
  LETTERS,
  type LetterDoc,
  agencyQuery,
  correspondenceProjections,
  type ComplaintLettersDoc,
  LETTERS_BY_COMPLAINT,
  letterQuery,
} from '../../services/correspondence/projections';
import { CommandHandler } from '../../services/shared/decider';
import { MemoryEventStore } from '../../services/shared/eventstore/memory';
import type { Actor } from '../../services/shared/eventstore/types';
import { type ProjectionRunner, startProjections } from '../../services/shared/projections/runner';
import { SqliteReadModelStore } from '../../services/shared/projections/sqlite-read-model';

const admin: Actor = { id: 'admin-1', role: 'ADMIN' };
const officer: Actor = { id: 'officer-1', role: 'OFFICER' };
const supervisor: Actor = { id: 'supervisor-1', role: 'SUPERVISOR' };
const picBantul: Actor = { id: 'pic-bantul-2', role: 'AGENCY', agencyId: 'inspektorat-bantul' };
const picSleman: Actor = { id: 'pic-sleman-1', role: 'AGENCY', agencyId: 'inspektorat-sleman' };
const pdf = { sha256: 'b'.repeat(64), filename: 'lhp.pdf', mediaType: 'application/pdf', size: 1234 };

describe('correspondence projections', () => {
  let store: MemoryEventStore;
  let readModels: SqliteReadModelStore;
  let runner: ProjectionRunner;
  let agencies: CommandHandler<AgencyCommand, never, never>;
  let letters: CommandHandler<LetterCommand, never, never>;
  let last = 0;

  const agency = async (id: string, type: AgencyCommand['type'], data: unknown, now: string) => {
    const r = await agencies.handle(agencyStreamId(id), {
      type,
      data,
      metadata: { now, actor: admin },
    } as AgencyCommand);
    last = Math.max(last, r.position);
  };
  const letter = async (
    id: string,
    type: LetterCommand['type'],
    data: unknown,
    now: string,
    actor = officer,
  ) => {
    const r = await letters.handle(letterStreamId(id), {
      type,
      data,
      metadata: { now, actor },
    } as LetterCommand);
    last = Math.max(last, r.position);
  };
  const draft = (id: string, agencyId: string, complaintIds: string[], kind = 'FOLLOW_UP_REQUEST') =>
    letter(
      id,
      'DraftLetter',
      {
        letterId: id,
        kind,
        agencyId,
        complaintIds,
        subject: 'Permintaan tindak lanjut',
        body: 'Dengan hormat',
      },
      '2026-03-02T01:00:00Z',
    );

  beforeAll(async () => {
    store = new MemoryEventStore();
    readModels = new SqliteReadModelStore({ file: ':memory:' });
    agencies = new CommandHandler(store, agencyDecider as never);
    letters = new CommandHandler(store, letterDecider as never);
    runner = await startProjections({ store, readModels, projections: correspondenceProjections });

    const contact = { emails: ['inspektorat@bantulkab.go.id'] };
    await agency(
      'inspektorat-diy',
      'CreateAgency',
      {
        agencyId: 'inspektorat-diy',
        name: 'Inspektorat Daerah DIY',
        kind: 'PROVINCE',
        region: 'DI Yogyakarta',
      },
      '2026-01-02T01:00:00Z',
    );
    await agency(
      'inspektorat-bantul',
      'CreateAgency',
      {
        agencyId: 'inspektorat-bantul',
        name: 'Inspektorat Kabupaten Bantul',
        kind: 'REGENCY',
        region: 'DI Yogyakarta',
        parentAgencyId: 'inspektorat-diy',
        contact,
      },
      '2026-01-02T02:00:00Z',
    );
    await agency(
      'inspektorat-sleman',
      'CreateAgency',
      {
        agencyId: 'inspektorat-sleman',
        name: 'Inspektorat Kabupaten Sleman',
        kind: 'REGENCY',
        region: 'DI Yogyakarta',
        parentAgencyId: 'inspektorat-diy',
      },
      '2026-01-02T03:00:00Z',
    );
    await agency(
      'inspektorat-bantul',
      'StartAgencyPilot',
      { mouReference: 'MoU-3/2026' },
      '2026-01-10T01:00:00Z',
    );
    await agency(
      'inspektorat-bantul',
      'AppointFocalPoint',
      { appointmentId: 'ap-1', userId: 'pic-bantul-1', name: 'Sari Wulandari', position: 'Irban I' },
      '2026-01-11T01:00:00Z',
    );
    await agency(
      'inspektorat-bantul',
      'AppointFocalPoint',
      {
        appointmentId: 'ap-2',
        userId: 'pic-bantul-2',
        name: 'Budi Santoso',
        position: 'Irban II',
        contact: { email: 'budi@bantulkab.go.id' },
      },
      '2026-02-01T01:00:00Z',
    );
    await agency('inspektorat-bantul', 'ActivateAgency', {}, '2026-02-15T01:00:00Z');
    await agency(
      'inspektorat-bantul',
      'UpdateAgency',
      { contact: { emails: ['pengaduan@bantulkab.go.id'], phone: '(0274) 367509' } },
      '2026-02-16T01:00:00Z',
    );
    await agency(
      'inspektorat-sleman',
      'AppointFocalPoint',
      { appointmentId: 'ap-3', userId: 'pic-sleman-1', name: 'Dewi', position: 'Irban I' },
      '2026-01-12T01:00:00Z',
    );
    await agency(
      'inspektorat-sleman',
      'EndFocalPointAppointment',
      { appointmentId: 'ap-3', note: 'moved' },
      '2026-02-12T01:00:00Z',
    );

    // letter-1 to Bantul goes the whole way and is answered by reply-1; letter-2 to Sleman stays a draft
    await draft('letter-1', 'inspektorat-bantul', ['c-1', 'c-2']);
    await letter('letter-1', 'ReviseLetter', { attachments: [pdf] }, '2026-03-02T01:30:00Z');
    const approved = await new LetterNumbering(store).approve('letter-1', {
      actor: supervisor,
      now: '2026-03-02T03:00:00Z',
    });
    last = Math.max(last, approved.position);
    await letter(
      'letter-1',
      'SendLetter',
      { channel: 'EOFFICE', eOfficeNumber: 'SRK-42' },
      '2026-03-02T04:00:00Z',
    );
    await letter('letter-1', 'MarkLetterDelivered', {}, '2026-03-02T05:00:00Z');
    await letter('letter-1', 'AcknowledgeLetter', {}, '2026-03-03T01:00:00Z', picBantul);
    await letter(
      'reply-1',
      'RegisterAgencyReply',
      {
        letterId: 'reply-1',
        agencyId: 'inspektorat-bantul',
        complaintIds: ['c-1'],
        subject: 'LHP',
        body: 'Hasil',
        attachments: [pdf],
        relatedLetterId: 'letter-1',
        agencyLetterNumber: '700/12/Itda/2026',
      },
      '2026-03-05T01:00:00Z',
      picBantul,
    );
    await letter(
      'letter-1',
      'RecordLetterReply',
      { replyLetterId: 'reply-1' },
      '2026-03-05T01:00:00Z',
      picBantul,
    );
    await draft('letter-2', 'inspektorat-sleman', ['c-3']);
    await draft('notice-1', 'inspektorat-bantul', ['c-1'], 'COMPLAINANT_NOTICE');
    await runner.waitFor(last);
  });

  afterAll(async () => {
    await runner.stop();
    await readModels.close();
    await store.close();
  });

  it('keeps the agency document with its onboarding and focal-point history', async () => {
    const bantul = await readModels.get<AgencyDoc>(AGENCIES, 'inspektorat-bantul');
    expect(bantul).toMatchObject({
      id: 'inspektorat-bantul',
      parentAgencyId: 'inspektorat-diy',
      onboardingStatus: 'ACTIVE',
      contact: { emails: ['pengaduan@bantulkab.go.id'], phone: '(0274) 367509' },
      currentFocalPointUserId: 'pic-bantul-2',
      currentFocalPoint: { appointmentId: 'ap-2', name: 'Budi Santoso', to: null },
      createdAt: '2026-01-02T02:00:00Z',
      updatedAt: '2026-02-16T01:00:00Z',
    });
    expect(bantul!.onboardingHistory.map((h) => [h.status, h.at, h.remark])).toEqual([
      ['REGISTERED', '2026-01-02T02:00:00Z', null],
      ['PILOT', '2026-01-10T01:00:00Z', 'MoU-3/2026'],
      ['ACTIVE', '2026-02-15T01:00:00Z', null],
    ]);
    expect(
      bantul!.focalPoints.map((f) => [f.userId, f.from, f.to, f.endReason, f.replacedByAppointmentId]),
    ).toEqual([
      ['pic-bantul-1', '2026-01-11T01:00:00Z', '2026-02-01T01:00:00Z', 'REPLACED', 'ap-2'],
      ['pic-bantul-2', '2026-02-01T01:00:00Z', null, null, null],
    ]);
    // created, pilot, appointed, (ended + appointed), activated, updated
    expect(bantul!.version).toBe(6);

    const sleman = await readModels.get<AgencyDoc>(AGENCIES, 'inspektorat-sleman');
    expect(sleman).toMatchObject({
      currentFocalPoint: null,
      currentFocalPointUserId: null,
      onboardingStatus: 'REGISTERED',
    });
    expect(sleman!.focalPoints[0]).toMatchObject({
      endReason: 'ENDED',
      endNote: 'moved',
      to: '2026-02-12T01:00:00Z',
    });
  });

  it('answers agency queries by parent, status, name and PIC', async () => {
    const ids = async (q: ReturnType<typeof agencyQuery>) =>
      (await readModels.find<AgencyDoc>(AGENCIES, q)).map((a) => a.id);
    expect(await ids(agencyQuery({ parentAgencyId: 'inspektorat-diy' }))).toEqual([
      'inspektorat-bantul',
      'inspektorat-sleman',
    ]);
    expect(await ids(agencyQuery({ onboardingStatus: ['PILOT', 'ACTIVE'] }))).toEqual(['inspektorat-bantul']);
    expect(await ids(agencyQuery({ search: 'sLEMAN' }))).toEqual(['inspektorat-sleman']);
    expect(await ids(agencyQuery({ kind: 'PROVINCE' }))).toEqual(['inspektorat-diy']);
    expect(await ids(agencyQuery({ focalPointUserId: 'pic-bantul-2' }))).toEqual(['inspektorat-bantul']);
    expect(await ids(agencyQuery({ focalPointUserId: 'pic-bantul-1' }))).toEqual([]);
  });

  it('keeps the letter document with its number, attachments, replies and a time per state', async () => {
    const doc = await readModels.get<LetterDoc>(LETTERS, 'letter-1');
    expect(doc).toMatchObject({
      kind: 'FOLLOW_UP_REQUEST',
      direction: 'OUTBOUND',
      agencyId: 'inspektorat-bantul',
      complaintIds: ['c-1', 'c-2'],
      state: 'REPLIED',
      number: 'B-1/Kemensetneg/D-4/PM.00.01/03/2026',
      numberSequence: 1,
      numberYear: 2026,
      attachments: [pdf],
      channel: 'EOFFICE',
      eOfficeNumber: 'SRK-42',
      replyLetterIds: ['reply-1'],
      draftedAt: '2026-03-02T01:00:00Z',
      revisedAt: '2026-03-02T01:30:00Z',
      approvedAt: '2026-03-02T03:00:00Z',
      approvedBy: 'supervisor-1',
      sentAt: '2026-03-02T04:00:00Z',
      deliveredAt: '2026-03-02T05:00:00Z',
      acknowledgedAt: '2026-03-03T01:00:00Z',
      acknowledgedBy: 'pic-bantul-2',
      repliedAt: '2026-03-05T01:00:00Z',
    });
    const reply = await readModels.get<LetterDoc>(LETTERS, 'reply-1');
    expect(reply).toMatchObject({
      kind: 'AGENCY_REPLY',
      direction: 'INBOUND',
      state: 'DELIVERED',
      relatedLetterId: 'letter-1',
      agencyLetterNumber: '700/12/Itda/2026',
      number: null,
      registeredBy: 'pic-bantul-2',
    });
  });

  it('answers letter queries by agency, complaint, kind and state', async () => {
    const ids = async (q: ReturnType<typeof letterQuery>) =>
      (await readModels.find<LetterDoc>(LETTERS, q!)).map((l) => l.id).sort();
    expect(await ids(letterQuery({ complaintId: 'c-1' }, officer))).toEqual([
      'letter-1',
      'notice-1',
      'reply-1',
    ]);
    expect(await ids(letterQuery({ agencyId: 'inspektorat-sleman' }, officer))).toEqual(['letter-2']);
    expect(await ids(letterQuery({ kind: 'AGENCY_REPLY' }, officer))).toEqual(['reply-1']);
    expect(await ids(letterQuery({ state: 'DRAFT' }, officer))).toEqual(['letter-2', 'notice-1']);
    expect(
      await ids(letterQuery({ state: ['REPLIED', 'DELIVERED'], agencyId: 'inspektorat-bantul' }, officer)),
    ).toEqual(['letter-1', 'reply-1']);
  });

  it("confines an agency's PIC to its own agency's sent letters", async () => {
    const ids = async (q: ReturnType<typeof letterQuery>) =>
      q ? (await readModels.find<LetterDoc>(LETTERS, q)).map((l) => l.id).sort() : [];
    expect(await ids(letterQuery({}, picBantul))).toEqual(['letter-1', 'reply-1']);
    expect(await ids(letterQuery({ complaintId: 'c-1' }, picBantul))).toEqual(['letter-1', 'reply-1']);
    expect(await ids(letterQuery({ state: 'DRAFT' }, picBantul))).toEqual([]);
    expect(await ids(letterQuery({ agencyId: 'inspektorat-bantul' }, picSleman))).toEqual([]);
    expect(await ids(letterQuery({}, picSleman))).toEqual([]);
    expect(letterQuery({}, admin)).toBeUndefined();
    expect(letterQuery({}, undefined)).toBeUndefined();
  });

  it('rebuilds to the same documents from the log', async () => {
    const before = await readModels.find<LetterDoc>(LETTERS, { orderBy: [{ path: 'id' }] });
    const fresh = new SqliteReadModelStore({ file: ':memory:' });
    const again = await startProjections({
      store,
      readModels: fresh,
      projections: correspondenceProjections,
    });
    await again.waitFor(last);
    expect(await fresh.find<LetterDoc>(LETTERS, { orderBy: [{ path: 'id' }] })).toEqual(before);
    await again.stop();
    await fresh.close();
  });

  it("keeps each complaint's letters as the letters name them, also when a revision moves one", async () => {
    const lettersOf = async (complaintId: string) =>
      (await readModels.get<ComplaintLettersDoc>(LETTERS_BY_COMPLAINT, complaintId))?.letterIds;
    expect(await lettersOf('c-1')).toEqual(['letter-1', 'reply-1', 'notice-1']);
    expect(await lettersOf('c-2')).toEqual(['letter-1']);
    expect(await lettersOf('c-3')).toEqual(['letter-2']);
    await letter('letter-2', 'ReviseLetter', { complaintIds: ['c-9'] }, '2026-03-06T01:00:00Z');
    await runner.waitFor(last);
    expect(await lettersOf('c-3')).toBeUndefined();
    expect(await lettersOf('c-9')).toEqual(['letter-2']);
  });
});
