/**
 * The correspondence slice end to end through the gateway over real HTTP, with the complaint subgraph on
 * the same log: file → verify → forward to two agencies → the follow-up flow drafts one letter per agency
 * → approve and send (the outbox writes the .eml and records the delivery) → Bantul's PIC acknowledges
 * (the complaint goes IN_FOLLOW_UP) and replies with an attachment (Bantul's forwarding RESPONDED) → the
 * complaint becomes RESPONDED only when Sleman has replied as well, since every current forwarding must
 * respond; meanwhile each PIC sees only its own agency's letters, and a third agency's PIC sees nothing.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { type Federation, startFederation } from '../support/federation';
import { pdfText } from '../support/pdf-text';

let fed: Federation;
let officer: string;
let supervisor: string;
let admin: string;
let bantul: string;
let sleman: string;
let gunungkidul: string;

const LETTER =
  'id kind state agencyId number complaintIds relatedLetterId deliveryEvidence version attachments { sha256 filename mediaType size }';

interface ComplaintView {
  status: string;
  forwardings: { agencyId: string; status: string }[];
  letters: LetterView[];
}

interface LetterView {
  id: string;
  kind: string;
  state: string;
  agencyId: string;
  number: string | null;
  deliveryEvidence: string;
}

async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not reached in ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function ok(query: string, variables: Record<string, unknown>, token: string) {
  const reply = await fed.gql(query, variables, token);
  expect(reply.errors).toBeUndefined();
  return reply.data;
}

async function setUpAgency(id: string, name: string, region: string) {
  await ok(
    `mutation C($input: CreateAgencyInput!) { createAgency(input: $input) { id } }`,
    { input: { id, name, kind: 'REGENCY', region, contact: { emails: [`${id}@example.go.id`] } } },
    admin,
  );
  const appointed = await ok(
    `mutation A($agencyId: ID!, $input: AppointFocalPointInput!) {
       appointFocalPoint(agencyId: $agencyId, input: $input) { currentFocalPoint { userId name email current } }
     }`,
    {
      agencyId: id,
      input: {
        userId: `pic-${id}`,
        name: `PIC ${name}`,
        position: 'Inspektur Pembantu',
        email: `pic@${id}.example.go.id`,
      },
    },
    admin,
  );
  expect(appointed.appointFocalPoint.currentFocalPoint).toMatchObject({ userId: `pic-${id}`, current: true });
  // Complaints are forwarded only to agencies that have joined (the pilot, after the MoU).
  await ok(`mutation P($id: ID!) { startAgencyPilot(id: $id) { id } }`, { id }, admin);
}

beforeAll(async () => {
  fed = await startFederation({ subgraphs: ['complaint', 'correspondence'] });
  officer = await fed.token({ role: 'OFFICER' });
  supervisor = await fed.token({ role: 'SUPERVISOR' });
  admin = await fed.token({ role: 'ADMIN' });
  bantul = await fed.token({ role: 'AGENCY', agencyId: 'inspektorat-bantul' });
  sleman = await fed.token({ role: 'AGENCY', agencyId: 'inspektorat-sleman' });
  gunungkidul = await fed.token({ role: 'AGENCY', agencyId: 'inspektorat-gunungkidul' });
  await setUpAgency('inspektorat-bantul', 'Inspektorat Kabupaten Bantul', 'Kabupaten Bantul');
  await setUpAgency('inspektorat-sleman', 'Inspektorat Kabupaten Sleman', 'Kabupaten Sleman');
  await setUpAgency('inspektorat-gunungkidul', 'Inspektorat Kabupaten Gunungkidul', 'Kabupaten Gunungkidul');
});

afterAll(async () => {
  await fed?.close();
});

const COMPLAINT_WITH_LETTERS = `query Q($id: ID!) {
  complaint(id: $id) { id status forwardings { agencyId status } letters { ${LETTER} } }
}`;

describe('given two agencies with focal points and a verified complaint', () => {
  it('carries the complaint from forwarding to RESPONDED through letters, each PIC seeing only its own', async () => {
    const filed = await ok(
      `mutation F($input: FileComplaintInput!) { fileComplaint(input: $input) { complaint { id trackingNumber } } }`,
      {
        input: {
          channel: 'LETTER',
          channelReference: 'B-12/DIY/2026',
          subject: 'Pungutan liar di kantor desa',
          description: 'Warga dimintai biaya untuk surat keterangan yang seharusnya gratis.',
          complainant: { name: 'Budi Santoso' },
        },
      },
      officer,
    );
    const complaintId: string = filed.fileComplaint.complaint.id;
    await ok(`mutation V($id: ID!) { verifyComplaint(id: $id) { status } }`, { id: complaintId }, officer);
    await ok(
      `mutation W($id: ID!, $agencyIds: [ID!]!) { forwardComplaint(id: $id, agencyIds: $agencyIds) { status } }`,
      { id: complaintId, agencyIds: ['inspektorat-bantul', 'inspektorat-sleman'] },
      officer,
    );

    // Two drafts appear, one per agency, linked to the complaint.
    const drafts = await eventually(
      async () => (await ok(COMPLAINT_WITH_LETTERS, { id: complaintId }, officer)).complaint.letters,
      (letters: LetterView[]) => letters.length === 2,
    );
    expect(drafts.map((l: { agencyId: string }) => l.agencyId).sort()).toEqual([
      'inspektorat-bantul',
      'inspektorat-sleman',
    ]);
    for (const d of drafts)
      expect(d).toMatchObject({
        kind: 'FOLLOW_UP_REQUEST',
        state: 'DRAFT',
        complaintIds: [complaintId],
        number: null,
      });

    // Drafts do not exist for agencies.
    const early = await ok(`{ letters { id } }`, {}, bantul);
    expect(early.letters).toEqual([]);

    // An officer may not approve; the supervisor approves (numbered), the officer sends by email.
    const refused = await fed.gql(
      `mutation P($id: ID!) { approveLetter(id: $id) { id } }`,
      { id: drafts[0].id },
      officer,
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const year = new Date().getUTCFullYear();
    for (const d of drafts) {
      const approved = await ok(
        `mutation P($id: ID!) { approveLetter(id: $id, signatureReference: "TTE-1") { ${LETTER} } }`,
        { id: d.id },
        supervisor,
      );
      expect(approved.approveLetter.state).toBe('APPROVED');
      expect(approved.approveLetter.number).toMatch(
        new RegExp(`^B-\\d+/Kemensetneg/D-4/PM\\.00\\.01/\\d{2}/${year}$`),
      );
      const sent = await ok(
        `mutation S($id: ID!) { sendLetter(id: $id, channel: EMAIL) { ${LETTER} } }`,
        { id: d.id },
        officer,
      );
      // The outbox flow may already have recorded the delivery by the time the letter is read back.
      expect(['SENT', 'DELIVERED']).toContain(sent.sendLetter.state);
    }
    const numbers = await ok(`{ letters(filter: { kind: [FOLLOW_UP_REQUEST] }) { number } }`, {}, officer);
    expect(new Set(numbers.letters.map((l: { number: string }) => l.number)).size).toBe(2);

    // The outbox writes one .eml per letter and records the delivery.
    const delivered = await eventually(
      async () => (await ok(COMPLAINT_WITH_LETTERS, { id: complaintId }, officer)).complaint.letters,
      (letters: LetterView[]) => letters.every((l) => l.state === 'DELIVERED'),
    );
    const outbox = path.join(fed.dataDir, 'outbox');
    const files = readdirSync(outbox).filter((f) => f.endsWith('.eml'));
    expect(files).toHaveLength(2);
    for (const l of delivered) expect(l.deliveryEvidence).toMatch(/^outbox:.+\.eml$/);
    const bantulLetter = delivered.find((l) => l.agencyId === 'inspektorat-bantul')!;
    const slemanLetter = delivered.find((l) => l.agencyId === 'inspektorat-sleman')!;
    const eml = readFileSync(
      path.join(outbox, bantulLetter.deliveryEvidence.slice('outbox:'.length)),
      'utf8',
    );
    expect(eml).toContain('To: inspektorat-bantul@example.go.id, pic@inspektorat-bantul.example.go.id');
    expect(eml).toContain(`Message-ID: <${bantulLetter.id}@dumas.setneg.go.id>`);
    // The letter goes out as a PDF document: letterhead, number, Indonesian date, addressee, complaint.
    const [letterPdf] = (await simpleParser(eml)).attachments;
    expect(letterPdf!.filename).toMatch(/^Surat-B-\d+_Kemensetneg_D-4_PM.00.01_\d{2}_\d{4}\.pdf$/);
    expect(letterPdf!.contentType).toBe('application/pdf');
    expect(letterPdf!.content.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const printed = pdfText(letterPdf!.content);
    expect(printed).toContain('KEMENTERIAN SEKRETARIAT NEGARA REPUBLIK INDONESIA');
    expect(printed).toContain(`: ${bantulLetter.number}`);
    expect(printed).toMatch(
      /: \d{1,2} (Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|November|Desember) \d{4}/,
    );
    expect(printed).toContain('Inspektorat Kabupaten Bantul');
    expect(printed).toContain(filed.fileComplaint.complaint.trackingNumber);

    // Each PIC sees its own agency's letter only.
    const seenByBantul = await ok(`{ letters { id agencyId } }`, {}, bantul);
    expect(seenByBantul.letters).toEqual([{ id: bantulLetter.id, agencyId: 'inspektorat-bantul' }]);
    const notSlemans = await fed.gql(
      `mutation K($id: ID!) { acknowledgeLetter(id: $id) { id } }`,
      { id: bantulLetter.id },
      sleman,
    );
    expect(notSlemans.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    // Bantul's PIC acknowledges: the complaint goes IN_FOLLOW_UP.
    const acked = await ok(
      `mutation K($id: ID!) { acknowledgeLetter(id: $id) { state } }`,
      { id: bantulLetter.id },
      bantul,
    );
    expect(acked.acknowledgeLetter.state).toBe('ACKNOWLEDGED');
    await eventually(
      async () => (await ok(COMPLAINT_WITH_LETTERS, { id: complaintId }, officer)).complaint,
      (c: { status: string }) => c.status === 'IN_FOLLOW_UP',
    );

    // Bantul replies with an attachment; the SHA-256 the client sent is checked.
    const pdf = Buffer.from('%PDF-1.4\nLaporan hasil tindak lanjut Inspektorat Bantul\n%%EOF\n');
    const sha256 = createHash('sha256').update(pdf).digest('hex');
    const reply = (sha: string) =>
      fed.gql(
        `mutation R($input: RegisterAgencyReplyInput!) { registerAgencyReply(input: $input) { ${LETTER} } }`,
        {
          input: {
            relatedLetterId: bantulLetter.id,
            subject: 'Laporan hasil tindak lanjut',
            body: 'Pungutan telah dihentikan dan oknum diberi sanksi.',
            agencyLetterNumber: '700/123/Insp/2026',
            attachments: [
              {
                filename: 'laporan.pdf',
                mediaType: 'application/pdf',
                contentBase64: pdf.toString('base64'),
                sha256: sha,
              },
            ],
          },
        },
        bantul,
      );
    const wrongHash = await reply('0'.repeat(64));
    expect(wrongHash.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const registered = await reply(sha256);
    expect(registered.errors).toBeUndefined();
    const replyLetter = registered.data.registerAgencyReply;
    expect(replyLetter).toMatchObject({
      kind: 'AGENCY_REPLY',
      state: 'DELIVERED',
      agencyId: 'inspektorat-bantul',
      complaintIds: [complaintId],
      relatedLetterId: bantulLetter.id,
      attachments: [{ sha256, filename: 'laporan.pdf', mediaType: 'application/pdf', size: pdf.length }],
    });
    const content = await ok(
      `query A($id: ID!, $sha: String!) { letter(id: $id) { attachmentContent(sha256: $sha) } }`,
      { id: replyLetter.id, sha: sha256 },
      officer,
    );
    expect(Buffer.from(content.letter.attachmentContent, 'base64').equals(pdf)).toBe(true);

    // Bantul's forwarding has responded; the complaint waits for Sleman.
    const afterBantul = await eventually(
      async () => (await ok(COMPLAINT_WITH_LETTERS, { id: complaintId }, officer)).complaint,
      (c: ComplaintView) =>
        c.forwardings.find((f) => f.agencyId === 'inspektorat-bantul')?.status === 'RESPONDED' &&
        c.letters.find((l) => l.id === bantulLetter.id)?.state === 'REPLIED',
    );
    expect(afterBantul.status).toBe('IN_FOLLOW_UP');

    // Sleman's PIC sees its own letter of this complaint, nothing of Bantul's.
    const slemanView = await ok(COMPLAINT_WITH_LETTERS, { id: complaintId }, sleman);
    expect(slemanView.complaint.letters.map((l: { id: string }) => l.id)).toEqual([slemanLetter.id]);
    expect(
      (await ok(`query L($id: ID!) { letter(id: $id) { id } }`, { id: replyLetter.id }, sleman)).letter,
    ).toBeNull();

    // Sleman replies without acknowledging first (a reply proves receipt): now every forwarding responded.
    await ok(
      `mutation R($input: RegisterAgencyReplyInput!) { registerAgencyReply(input: $input) { id } }`,
      {
        input: {
          relatedLetterId: slemanLetter.id,
          subject: 'Tanggapan',
          body: 'Tidak ada temuan di wilayah Sleman.',
        },
      },
      sleman,
    );
    const responded = await eventually(
      async () => (await ok(COMPLAINT_WITH_LETTERS, { id: complaintId }, officer)).complaint,
      (c: ComplaintView) => c.status === 'RESPONDED',
    );
    expect(responded.letters).toHaveLength(4);
    expect(responded.forwardings.every((f: { status: string }) => f.status === 'RESPONDED')).toBe(true);

    // Bantul's PIC sees the complaint with its two letters (request and reply) and nothing of Sleman's.
    const bantulView = await ok(COMPLAINT_WITH_LETTERS, { id: complaintId }, bantul);
    expect(bantulView.complaint.status).toBe('RESPONDED');
    expect(bantulView.complaint.letters.map((l: { id: string }) => l.id).sort()).toEqual(
      [bantulLetter.id, replyLetter.id].sort(),
    );

    // A third agency's PIC sees nothing of it at all.
    const outsider = await ok(COMPLAINT_WITH_LETTERS, { id: complaintId }, gunungkidul);
    expect(outsider.complaint).toBeNull();
    expect((await ok(`{ letters { id } }`, {}, gunungkidul)).letters).toEqual([]);
    expect(
      (await ok(`query L($id: ID!) { letter(id: $id) { id } }`, { id: bantulLetter.id }, gunungkidul)).letter,
    ).toBeNull();
    const outsiderReply = await fed.gql(
      `mutation R($input: RegisterAgencyReplyInput!) { registerAgencyReply(input: $input) { id } }`,
      { input: { complaintIds: [complaintId], subject: 'x', body: 'y' } },
      gunungkidul,
    );
    expect(outsiderReply.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    // The letter resolves its complaints through the complaint subgraph.
    const linked = await ok(
      `query L($id: ID!) { letter(id: $id) { complaints { id status } agency { id name currentFocalPoint { userId } } } }`,
      { id: bantulLetter.id },
      officer,
    );
    expect(linked.letter.complaints).toEqual([{ id: complaintId, status: 'RESPONDED' }]);
    expect(linked.letter.agency).toEqual({
      id: 'inspektorat-bantul',
      name: 'Inspektorat Kabupaten Bantul',
      currentFocalPoint: { userId: 'pic-inspektorat-bantul' },
    });
  });
});

describe('given the agency directory', () => {
  it('answers NOT_FOUND for commands on an absent agency or letter and keeps the directory to ADMIN', async () => {
    const absent = await fed.gql(
      `mutation { activateAgency(id: "inspektorat-tidak-ada") { id } }`,
      {},
      admin,
    );
    expect(absent.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const absentLetter = await fed.gql(`mutation { sendLetter(id: "no-such-letter") { id } }`, {}, officer);
    expect(absentLetter.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const byOfficer = await fed.gql(
      `mutation { activateAgency(id: "inspektorat-bantul") { id } }`,
      {},
      officer,
    );
    expect(byOfficer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    await ok(
      `mutation C($input: CreateAgencyInput!) { createAgency(input: $input) { id } }`,
      {
        input: {
          id: 'dinas-kominfo-kulonprogo',
          name: 'Dinas Kominfo Kabupaten Kulon Progo',
          kind: 'REGENCY',
          region: 'Kabupaten Kulon Progo',
          contact: { emails: ['dinas-kominfo-kulonprogo@example.go.id'] },
        },
      },
      admin,
    );
    const pilot = await ok(
      `mutation { startAgencyPilot(id: "dinas-kominfo-kulonprogo", mouReference: "MoU-7/2026") { onboardingStatus onboardingHistory { status remark } } }`,
      {},
      admin,
    );
    expect(pilot.startAgencyPilot.onboardingStatus).toBe('PILOT');
    const illegal = await fed.gql(
      `mutation { startAgencyPilot(id: "dinas-kominfo-kulonprogo") { id } }`,
      {},
      admin,
    );
    expect(illegal.errors?.[0]?.extensions?.code).toBe('INVALID_TRANSITION');

    // Another agency's PIC contacts are not shown to a PIC; its own are.
    const view = await ok(
      `{ agencies(filter: { search: "inspektorat" }) { id currentFocalPoint { email } } }`,
      {},
      bantul,
    );
    const byId = Object.fromEntries(
      view.agencies.map((a: { id: string; currentFocalPoint: { email: string | null } }) => [
        a.id,
        a.currentFocalPoint.email,
      ]),
    );
    expect(byId['inspektorat-bantul']).toBe('pic@inspektorat-bantul.example.go.id');
    expect(byId['inspektorat-sleman']).toBeNull();
  });
});

describe('given letters and agencies in the directory', () => {
  /** Every node of a connection, walked a page of `first` at a time from its start. */
  async function walk(field: string, selection: string, token: string, first: number, filter = '') {
    const seen: { id: string }[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 50; pages++) {
      const data = await ok(
        `query W($after: String) { ${field}(first: ${first}, after: $after${filter}) {
           edges { cursor node { ${selection} } } pageInfo { hasNextPage hasPreviousPage endCursor }
         } }`,
        { after },
        token,
      );
      const page = data[field];
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      seen.push(...page.edges.map((e: { node: { id: string } }) => e.node));
      if (!page.pageInfo.hasNextPage) return seen;
      after = page.pageInfo.endCursor;
    }
    throw new Error(`${field} did not end`);
  }

  it('pages through letters and agencies by cursor: the lists whole, once each, in their order, each caller its own', async () => {
    const all = (await ok(`{ letters(limit: 200) { id } }`, {}, officer)).letters.map(
      (l: { id: string }) => l.id,
    );
    expect(all.length).toBeGreaterThanOrEqual(4);
    const paged = await walk('letterConnection', 'id', officer, 1);
    expect(paged.map((l) => l.id)).toEqual(all);

    const own = (await ok(`{ letters(limit: 200) { id } }`, {}, bantul)).letters.map(
      (l: { id: string }) => l.id,
    );
    const bantulPaged = await walk('letterConnection', 'id agencyId', bantul, 2);
    expect(bantulPaged.map((l) => l.id)).toEqual(own);
    expect(
      bantulPaged.every((l) => (l as unknown as { agencyId: string }).agencyId === 'inspektorat-bantul'),
    ).toBe(true);
    const elsewhere = await walk(
      'letterConnection',
      'id',
      bantul,
      5,
      ', filter: { agencyId: "inspektorat-sleman" }',
    );
    expect(elsewhere).toEqual([]);

    const directory = (await ok(`{ agencies(limit: 200) { id } }`, {}, officer)).agencies.map(
      (a: { id: string }) => a.id,
    );
    expect((await walk('agencyConnection', 'id', officer, 2)).map((a) => a.id)).toEqual(directory);
  });

  it('refuses a cursor it did not make and a page size out of range, as bad input', async () => {
    for (const query of [
      `{ letterConnection(after: "bm90LWEtY3Vyc29y") { edges { cursor } } }`,
      `{ agencyConnection(after: "x") { edges { cursor } } }`,
      `{ letterConnection(first: -1) { edges { cursor } } }`,
      `{ agencyConnection(first: 201) { edges { cursor } } }`,
    ]) {
      const reply = await fed.gql(query, {}, officer);
      expect(reply.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });
});
