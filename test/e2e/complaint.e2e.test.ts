/**
 * The complaint slice end to end through the gateway over real HTTP: every role's token, the AGENCY
 * isolation rule, privacy masking, erasure, optimistic concurrency, and a direct call to the subgraph.
 */
import { verifyStream } from '../../services/shared/eventstore/hash';
import { type Federation, startFederation } from '../support/federation';

const COMPLAINT_FIELDS = `
  id trackingNumber status channel subject version confidential anonymous
  complainant { access name nik email phone }
  agencies { id }
  forwardings { agencyId status acknowledgedAt respondedAt response current }
`;

const FILE = `mutation File($input: FileComplaintInput!) {
  fileComplaint(input: $input) { accessCode complaint { ${COMPLAINT_FIELDS} } }
}`;

let fed: Federation;
let officer: string;
let supervisor: string;
let bantul: string;
let sleman: string;
let auditor: string;
let admin: string;

beforeAll(async () => {
  fed = await startFederation({
    subgraphs: ['complaint'],
    agencies: ['inspektorat-bantul', 'inspektorat-sleman'],
  });
  officer = await fed.token({ role: 'OFFICER' });
  supervisor = await fed.token({ role: 'SUPERVISOR' });
  bantul = await fed.token({ role: 'AGENCY', agencyId: 'inspektorat-bantul' });
  sleman = await fed.token({ role: 'AGENCY', agencyId: 'inspektorat-sleman' });
  auditor = await fed.token({ role: 'AUDITOR' });
  admin = await fed.token({ role: 'ADMIN' });
});

afterAll(async () => {
  await fed?.close();
});

const identity = {
  name: 'Siti Rahayu',
  nik: '3402015507900001',
  email: 'siti@example.id',
  phone: '081234567890',
  address: 'Jl. Parangtritis 10, Bantul',
};

async function fileAsOfficer(extra: Record<string, unknown> = {}) {
  const reply = await fed.gql(
    FILE,
    {
      input: {
        channel: 'LETTER',
        channelReference: 'B-77/DIY/2026',
        subject: 'Jalan rusak di Bantul',
        description: 'Jalan desa rusak sejak dua tahun dan belum diperbaiki.',
        category: 'infrastructure',
        region: 'Kabupaten Bantul',
        complainant: identity,
        ...extra,
      },
    },
    officer,
  );
  expect(reply.errors).toBeUndefined();
  return reply.data.fileComplaint.complaint;
}

const mutate = async (token: string, name: string, args: string, vars: Record<string, unknown>) =>
  fed.gql(
    `mutation M(${args}) { ${name}(${Object.keys(vars)
      .map((k) => `${k}: $${k}`)
      .join(', ')}) { ${COMPLAINT_FIELDS} } }`,
    vars,
    token,
  );

describe('given a complaint filed by an officer', () => {
  it('walks the whole lifecycle through the gateway, each step visible on the next read', async () => {
    const c = await fileAsOfficer();
    expect(c.status).toBe('RECEIVED');
    expect(c.trackingNumber).toMatch(/^DUMAS-\d{4}-\d{6}$/);
    expect(c.complainant).toMatchObject({ access: 'VISIBLE', name: identity.name, nik: identity.nik });

    let r = await mutate(officer, 'verifyComplaint', '$id: ID!', { id: c.id });
    expect(r.data.verifyComplaint.status).toBe('VERIFIED');
    r = await mutate(officer, 'forwardComplaint', '$id: ID!, $agencyIds: [ID!]!', {
      id: c.id,
      agencyIds: ['inspektorat-bantul', 'inspektorat-sleman'],
    });
    expect(r.data.forwardComplaint.status).toBe('FORWARDED');
    expect(r.data.forwardComplaint.agencies.map((a: { id: string }) => a.id)).toEqual([
      'inspektorat-bantul',
      'inspektorat-sleman',
    ]);

    r = await mutate(bantul, 'acknowledgeComplaint', '$id: ID!', { id: c.id });
    expect(r.errors).toBeUndefined();
    expect(r.data.acknowledgeComplaint.status).toBe('IN_FOLLOW_UP');
    // The focal point sees its own forwarding only.
    expect(r.data.acknowledgeComplaint.forwardings).toHaveLength(1);

    r = await mutate(bantul, 'recordAgencyResponse', '$id: ID!, $response: String!', {
      id: c.id,
      response: 'Perbaikan dijadwalkan bulan depan.',
    });
    // One of two agencies has answered: the complaint waits for the other.
    expect(r.data.recordAgencyResponse.status).toBe('IN_FOLLOW_UP');
    r = await mutate(sleman, 'recordAgencyResponse', '$id: ID!, $response: String!', {
      id: c.id,
      response: 'Tidak ada temuan di wilayah Sleman.',
    });
    expect(r.data.recordAgencyResponse.status).toBe('RESPONDED');

    r = await mutate(supervisor, 'resolveComplaint', '$id: ID!, $resolution: String!', {
      id: c.id,
      resolution: 'Agency committed to repair.',
    });
    expect(r.data.resolveComplaint.status).toBe('RESOLVED');
    r = await mutate(supervisor, 'closeComplaint', '$id: ID!', { id: c.id });
    expect(r.data.closeComplaint.status).toBe('CLOSED');
    r = await mutate(supervisor, 'reopenComplaint', '$id: ID!, $reason: String!', {
      id: c.id,
      reason: 'The complainant reports the road is still broken.',
    });
    expect(r.errors).toBeUndefined();
    expect(['RECEIVED', 'VERIFIED', 'FORWARDED']).toContain(r.data.reopenComplaint.status);

    const read = await fed.gql(
      `query Q($id: ID!) { complaint(id: $id) { status version } }`,
      { id: c.id },
      officer,
    );
    expect(read.data.complaint).toEqual({
      status: r.data.reopenComplaint.status,
      version: r.data.reopenComplaint.version,
    });
  });

  it('refuses an illegal transition with INVALID_TRANSITION naming both states', async () => {
    const c = await fileAsOfficer();
    const r = await mutate(supervisor, 'closeComplaint', '$id: ID!', { id: c.id });
    expect(r.errors?.[0]?.extensions?.code).toBe('INVALID_TRANSITION');
    expect(r.errors?.[0]?.message).toMatch(/RECEIVED/);
    expect(r.errors?.[0]?.extensions).toMatchObject({ currentState: 'RECEIVED' });
  });

  it('answers CONFLICT when expectedVersion is stale, and writes nothing', async () => {
    const c = await fileAsOfficer();
    const ok = await mutate(officer, 'verifyComplaint', '$id: ID!, $expectedVersion: Int', {
      id: c.id,
      expectedVersion: c.version,
    });
    expect(ok.errors).toBeUndefined();
    const stale = await mutate(
      officer,
      'rejectComplaint',
      '$id: ID!, $reason: RejectionReason!, $note: String!, $expectedVersion: Int',
      {
        id: c.id,
        reason: 'OUT_OF_SCOPE',
        note: 'x',
        expectedVersion: c.version,
      },
    );
    expect(stale.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const read = await fed.gql(
      `query Q($id: ID!) { complaint(id: $id) { status version } }`,
      { id: c.id },
      officer,
    );
    expect(read.data.complaint).toEqual({ status: 'VERIFIED', version: ok.data.verifyComplaint.version });
  });

  it('gives roles only what DOMAIN.md allows', async () => {
    const c = await fileAsOfficer();
    // An agency cannot verify, an officer cannot resolve, an admin cannot read complaints.
    expect(
      (await mutate(bantul, 'verifyComplaint', '$id: ID!', { id: c.id })).errors?.[0]?.extensions?.code,
    ).toMatch(/FORBIDDEN|NOT_FOUND/);
    await mutate(officer, 'verifyComplaint', '$id: ID!', { id: c.id });
    await mutate(officer, 'forwardComplaint', '$id: ID!, $agencyIds: [ID!]!', {
      id: c.id,
      agencyIds: ['inspektorat-bantul'],
    });
    await mutate(bantul, 'recordAgencyResponse', '$id: ID!, $response: String!', {
      id: c.id,
      response: 'Done.',
    });
    // A misrouted complaint: the agency answers that it is not its matter (counted in its evaluation).
    const misrouted = await fileAsOfficer({ subject: 'Sengketa tanah di luar wilayah' });
    await mutate(officer, 'verifyComplaint', '$id: ID!', { id: misrouted.id });
    await mutate(officer, 'forwardComplaint', '$id: ID!, $agencyIds: [ID!]!', {
      id: misrouted.id,
      agencyIds: ['inspektorat-bantul'],
    });
    const notOurs = await mutate(
      bantul,
      'recordAgencyResponse',
      '$id: ID!, $response: String!, $outcome: AgencyResponseOutcome',
      { id: misrouted.id, response: 'Bukan kewenangan kami.', outcome: 'NOT_COMPETENT' },
    );
    expect(notOurs.data.recordAgencyResponse.status).toBe('RESPONDED');
    const recorded = (await fed.store.readStream(`complaint-${misrouted.id}`)).find(
      (e) => e.type === 'AgencyResponseRecorded',
    );
    expect(recorded?.data).toMatchObject({ agencyId: 'inspektorat-bantul', outcome: 'NOT_COMPETENT' });
    const officerResolve = await mutate(officer, 'resolveComplaint', '$id: ID!, $resolution: String!', {
      id: c.id,
      resolution: 'r',
    });
    expect(officerResolve.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const adminRead = await fed.gql(`query Q($id: ID!) { complaint(id: $id) { id } }`, { id: c.id }, admin);
    expect(adminRead.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymousRead = await fed.gql(`query Q($id: ID!) { complaint(id: $id) { id } }`, { id: c.id });
    expect(anonymousRead.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // The auditor reads everything, identity masked.
    const audit = await fed.gql(
      `query Q($id: ID!) { complaint(id: $id) { status complainant { access name } } }`,
      { id: c.id },
      auditor,
    );
    expect(audit.data.complaint).toEqual({
      status: 'RESPONDED',
      complainant: { access: 'MASKED', name: null },
    });
  });
});

describe('given complaints forwarded to different agencies', () => {
  it('shows an AGENCY focal point only its own, through the gateway and straight at the subgraph', async () => {
    const mine = await fileAsOfficer({ subject: 'Pungutan liar di Bantul' });
    const theirs = await fileAsOfficer({ subject: 'Sampah menumpuk di Sleman', anonymous: true });
    for (const [c, agency] of [
      [mine, 'inspektorat-bantul'],
      [theirs, 'inspektorat-sleman'],
    ] as const) {
      await mutate(officer, 'verifyComplaint', '$id: ID!', { id: c.id });
      await mutate(officer, 'forwardComplaint', '$id: ID!, $agencyIds: [ID!]!', {
        id: c.id,
        agencyIds: [agency],
      });
    }
    const q = `query Q($id: ID!) { complaint(id: $id) { id subject complainant { access name } } }`;
    const own = await fed.gql(q, { id: mine.id }, bantul);
    expect(own.data.complaint).toMatchObject({
      id: mine.id,
      complainant: { access: 'VISIBLE', name: identity.name },
    });
    expect((await fed.gql(q, { id: theirs.id }, bantul)).data.complaint).toBeNull();
    // Anonymous: Sleman's own focal point does not see the identity.
    expect((await fed.gql(q, { id: theirs.id }, sleman)).data.complaint.complainant).toEqual({
      access: 'MASKED',
      name: null,
    });

    const list = await fed.gql(
      `{ complaints(first: 100) { totalCount edges { node { id agencies { id } } } } }`,
      {},
      bantul,
    );
    const ids = list.data.complaints.edges.map((e: { node: { id: string } }) => e.node.id);
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(theirs.id);
    for (const e of list.data.complaints.edges)
      expect(e.node.agencies).toEqual([{ id: 'inspektorat-bantul' }]);

    // Acting on another agency's complaint reveals nothing either.
    const ack = await mutate(bantul, 'acknowledgeComplaint', '$id: ID!', { id: theirs.id });
    expect(ack.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    // Straight at the subgraph, _entities included: no more than through the gateway.
    const direct = await fed.gql(
      `query E($r: [_Any!]!) { _entities(representations: $r) { ... on Complaint { id subject } } }`,
      {
        r: [
          { __typename: 'Complaint', id: theirs.id },
          { __typename: 'Complaint', id: mine.id },
        ],
      },
      bantul,
      fed.subgraphUrls.complaint,
    );
    expect(direct.data._entities).toEqual([null, { id: mine.id, subject: 'Pungutan liar di Bantul' }]);
    const noToken = await fed.gql(
      `query Q($id: ID!) { complaint(id: $id) { id } }`,
      { id: mine.id },
      undefined,
      fed.subgraphUrls.complaint,
    );
    expect(noToken.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('given the public WEB form', () => {
  it('files without a token, tracks with the access code, and refuses other channels', async () => {
    const filed = await fed.gql(FILE, {
      input: {
        subject: 'Bantuan sosial tidak sampai',
        description: 'Bantuan sosial untuk keluarga kami tidak pernah diterima.',
        complainant: { name: 'Budi', phone: '+6281234567890' },
        idempotencyKey: 'web-form-0001-abc',
      },
    });
    expect(filed.errors).toBeUndefined();
    const { accessCode, complaint } = filed.data.fileComplaint;
    expect(accessCode).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    // What the complainant typed is not echoed back to an unauthenticated caller.
    expect(complaint.complainant).toEqual({
      access: 'MASKED',
      name: null,
      nik: null,
      email: null,
      phone: null,
    });

    // A retry of the same request with the same idempotency key creates nothing new.
    const retry = await fed.gql(FILE, {
      input: {
        subject: 'Bantuan sosial tidak sampai',
        description: 'Bantuan sosial untuk keluarga kami tidak pernah diterima.',
        complainant: { name: 'Budi', phone: '+6281234567890' },
        idempotencyKey: 'web-form-0001-abc',
      },
    });
    expect(retry.data.fileComplaint.complaint.id).toBe(complaint.id);
    expect(retry.data.fileComplaint.accessCode).toBeNull();

    const track = `query T($t: String!, $c: String!) { trackComplaint(trackingNumber: $t, accessCode: $c) { trackingNumber status } }`;
    const ok = await fed.gql(track, { t: complaint.trackingNumber, c: accessCode });
    expect(ok.data.trackComplaint).toEqual({ trackingNumber: complaint.trackingNumber, status: 'RECEIVED' });
    const wrong = await fed.gql(track, { t: complaint.trackingNumber, c: 'AAAA-BBBB-CCCC' });
    expect(wrong.data.trackComplaint).toBeNull();

    const letter = await fed.gql(FILE, { input: { channel: 'LETTER', subject: 's', description: 'd' } });
    expect(letter.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('answers bad input with BAD_USER_INPUT and never echoes personal data', async () => {
    const r = await fed.gql(FILE, {
      input: {
        subject: 'Jalan rusak',
        description: 'Rusak parah.',
        complainant: { name: 'Ani', nik: '12345-SECRET-NIK' },
      },
    });
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.raw).not.toContain('SECRET');
    expect(r.raw).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe('given an erasure request', () => {
  it('makes the identity unreadable everywhere while the hash chain still verifies', async () => {
    const c = await fileAsOfficer();
    const refused = await fed.gql(
      `mutation { eraseComplainantData(complaintId: "${c.id}", reason: "UU PDP request") { id } }`,
      {},
      officer,
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const erased = await fed.gql(
      `mutation { eraseComplainantData(complaintId: "${c.id}", reason: "UU PDP request 2026/11") { id } }`,
      {},
      admin,
    );
    expect(erased.errors).toBeUndefined();
    const read = await fed.gql(
      `query Q($id: ID!) { complaint(id: $id) { complainant { access name nik } } }`,
      { id: c.id },
      officer,
    );
    expect(read.data.complaint.complainant).toEqual({ access: 'ERASED', name: null, nik: null });
    const verification = await verifyStream(fed.store, `complaint-${c.id}`);
    expect(verification.ok).toBe(true);
  });
});
