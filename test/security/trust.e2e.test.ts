/**
 * Issue 11, one test per finding, through the gateway over real HTTP (and straight at a subgraph where
 * the finding was about bypassing the gateway). Each was red before its fix.
 */
import { loadConfig } from '../../services/shared/config';
import { AccessCodeGuard } from '../../services/shared/access-code-guard';
import { type Federation, startFederation } from '../support/federation';
import { forwardedComplaint, subscribeSse } from '../subscriptions/support';

let fed: Federation;
let officer: string;
let supervisor: string;
let admin: string;
let bantul: string;

async function ok(query: string, variables: Record<string, unknown>, token: string, url?: string) {
  const reply = await fed.gql(query, variables, token, url);
  expect(reply.errors).toBeUndefined();
  return reply.data;
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not reached: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function setUpAgency(id: string, name: string) {
  await ok(
    `mutation C($input: CreateAgencyInput!) { createAgency(input: $input) { id } }`,
    { input: { id, name, kind: 'REGENCY', region: 'DIY', contact: { emails: [`${id}@example.go.id`] } } },
    admin,
  );
  await ok(
    `mutation A($agencyId: ID!, $input: AppointFocalPointInput!) {
       appointFocalPoint(agencyId: $agencyId, input: $input) { id }
     }`,
    {
      agencyId: id,
      input: {
        userId: `pic-${id}`,
        name: `PIC ${name}`,
        position: 'Inspektur',
        email: `pic@${id}.example.go.id`,
      },
    },
    admin,
  );
}

beforeAll(async () => {
  fed = await startFederation();
  officer = await fed.token({ role: 'OFFICER' });
  supervisor = await fed.token({ role: 'SUPERVISOR' });
  admin = await fed.token({ role: 'ADMIN' });
  bantul = await fed.token({ role: 'AGENCY', agencyId: 'inspektorat-bantul' });
  await setUpAgency('inspektorat-bantul', 'Inspektorat Kabupaten Bantul');
  await ok(`mutation { startAgencyPilot(id: "inspektorat-bantul") { id } }`, {}, admin);
});

afterAll(async () => {
  await fed?.close();
});

const FILE = `mutation File($input: FileComplaintInput!) {
  fileComplaint(input: $input) {
    accessCode
    complaint { id trackingNumber status confidential description forwardings { agencyId response } }
  }
}`;

describe('finding 1: a public idempotency key is bound to the request that first used it', () => {
  const original = {
    subject: 'Pungutan liar di kantor desa',
    description: 'Kepala desa meminta uang untuk surat keterangan.',
    confidential: true,
    anonymous: true,
    complainant: { name: 'Rahmat', phone: '081298765432' },
    idempotencyKey: 'web-2026-11-28-0001',
  };

  it('refuses the key with another body and replays only the first answer for the same body', async () => {
    const first = await fed.gql(FILE, { input: original });
    expect(first.errors).toBeUndefined();
    const { complaint } = first.data.fileComplaint;
    await fed.gql(`mutation V($id: ID!) { verifyComplaint(id: $id) { id } }`, { id: complaint.id }, officer);

    // An attacker with someone's key but not their request learns nothing.
    const guess = await fed.gql(FILE, {
      input: { subject: 'x', description: 'y', idempotencyKey: original.idempotencyKey },
    });
    expect(guess.data).toBeNull();
    expect(guess.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      detail: 'IDEMPOTENCY_KEY_REUSED',
    });
    expect(guess.raw).not.toContain('Kepala desa');

    // The complainant's own retry (same body, spaces aside) answers what the first answer said.
    const retry = await fed.gql(FILE, {
      input: { ...original, subject: `  ${original.subject} ` },
    });
    expect(retry.errors).toBeUndefined();
    expect(retry.data.fileComplaint.accessCode).toBeNull();
    expect(retry.data.fileComplaint.complaint).toMatchObject({
      id: complaint.id,
      trackingNumber: complaint.trackingNumber,
      status: 'RECEIVED',
      forwardings: [],
    });
  });
});

describe('finding 4: errors never carry input values', () => {
  const identity = {
    name: 'Siti Rahayu',
    phone: '081234567890',
    email: 'siti@example.id',
    nik: '3402015507900001',
  };
  const secrets = [identity.name, identity.phone, identity.email, identity.nik];

  it.each([
    ['an unknown field', { subject: 's', description: 'd', complainant: identity, shoeSize: 42 }],
    ['a wrong type', { subject: 's', description: 'd', complainant: { ...identity, name: 12 } }],
    ['a missing field', { description: 'd', complainant: identity }],
  ])('says which path is wrong for %s, at the gateway and the subgraph', async (_what, input) => {
    for (const url of [fed.gatewayUrl, fed.subgraphUrls.complaint]) {
      const reply = await fed.gql(FILE, { input }, officer, url);
      expect(reply.status).toBe(400);
      expect(reply.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(reply.errors?.[0]?.message).toMatch(/^Variable "\$input" got an invalid value/);
      for (const secret of secrets) expect(reply.raw).not.toContain(secret);
    }
  });

  it('does not echo a literal either', async () => {
    const reply = await fed.gql(
      `mutation { fileComplaint(input: { subject: "s", description: "d", complainant: { name: "${identity.name}", phone: 81234567890 } }) { accessCode } }`,
      {},
      officer,
    );
    expect(reply.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(reply.raw).not.toContain('81234567890');
    expect(reply.raw).not.toContain(identity.name);
  });
});

describe('finding 7: no input makes a 500; limits see through fragments and introspection', () => {
  const post = async (url: string, body: unknown, token?: string) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return {
      status: res.status,
      body: (await res.json()) as { errors?: { extensions?: { code?: string } }[] },
    };
  };

  it('answers an unknown operationName with a 400 at the gateway and the subgraph', async () => {
    for (const url of [fed.gatewayUrl, fed.subgraphUrls.complaint]) {
      const r = await post(url, { query: 'query A { __typename }', operationName: 'B' }, officer);
      expect(r.status).toBe(400);
    }
  });

  it('refuses 2,500 nested inline fragments with a 400, not a RangeError', async () => {
    const query = `{ ${'... on Query { '.repeat(2500)}__typename${' }'.repeat(2500)} }`;
    const r = await post(fed.gatewayUrl, { query }, officer);
    expect(r.status).toBe(400);
  });

  it('counts introspection in the depth limit', async () => {
    const deep = `{ __schema { types { fields { type { ${'ofType { '.repeat(20)}name${' }'.repeat(20)} } } } } }`;
    const r = await post(fed.gatewayUrl, { query: deep }, officer);
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_DEEP');
  });

  it('refuses a pathological document at parse (maxTokens) with a 400', async () => {
    const query = `{ ${'__typename '.repeat(20_000)}}`;
    for (const url of [fed.gatewayUrl, fed.subgraphUrls.complaint]) {
      const r = await post(url, { query }, officer);
      expect(r.status).toBe(400);
      expect(r.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    }
  });
});

describe('finding 2: an agency sees a letter from the moment it was sent to it, on every read path', () => {
  const UNSENT = ['LetterDrafted', 'LetterRevised', 'LetterApproved', 'LetterNumberAssigned', 'LetterSigned'];
  const HISTORY = `query H($id: ID!) { complaint(id: $id) { history(first: 100) { edges { node { type data } } } } }`;
  const AS_OF = `query A($id: ID!, $at: DateTime!) { complaint(id: $id) { asOf(at: $at) { letters { state number } } } }`;
  const ENTITIES = `query E($reps: [_Any!]!) { _entities(representations: $reps) { ... on Complaint { history(first: 100) { edges { node { type } } } asOf(at: "2100-01-01T00:00:00Z") { letters { state } } } } }`;

  const readPaths = async (id: string) => {
    const history = await ok(HISTORY, { id }, bantul);
    const direct = await ok(HISTORY, { id }, bantul, fed.subgraphUrls.complaint);
    const asOf = await ok(AS_OF, { id, at: new Date(Date.now() + 60_000).toISOString() }, bantul);
    const entities = await ok(
      ENTITIES,
      { reps: [{ __typename: 'Complaint', id }] },
      bantul,
      fed.subgraphUrls.complaint,
    );
    return {
      types: [
        ...history.complaint.history.edges.map((e: { node: { type: string } }) => e.node.type),
        ...direct.complaint.history.edges.map((e: { node: { type: string } }) => e.node.type),
        ...entities._entities[0].history.edges.map((e: { node: { type: string } }) => e.node.type),
      ] as string[],
      raw: JSON.stringify([history, direct, entities]),
      letters: [...asOf.complaint.asOf.letters, ...entities._entities[0].asOf.letters] as { state: string }[],
    };
  };

  it('shows no draft, approval or number before, and the letter once sent', async () => {
    const id = await forwardedComplaint(fed, officer, ['inspektorat-bantul']);
    const [draft] = await eventually(
      async () =>
        (await ok(`query Q($id: ID!) { complaint(id: $id) { letters { id state } } }`, { id }, officer))
          .complaint.letters,
      (letters: { id: string }[]) => letters.length === 1,
    );
    await ok(
      `mutation P($id: ID!) { approveLetter(id: $id, signatureReference: "TTE-1") { id } }`,
      { id: draft.id },
      supervisor,
    );

    const before = await readPaths(id);
    expect(before.types.filter((t) => t.startsWith('Letter'))).toEqual([]);
    expect(before.letters).toEqual([]);
    expect(before.raw).not.toContain('/Kemensetneg/');

    await ok(
      `mutation S($id: ID!) { sendLetter(id: $id, channel: EMAIL) { id } }`,
      { id: draft.id },
      officer,
    );
    const after = await readPaths(id);
    expect(after.types).toContain('LetterSent');
    expect(after.types.filter((t) => UNSENT.includes(t))).toEqual([]);
    expect(after.letters.length).toBeGreaterThan(0);

    const feed = subscribeSse(
      fed.gatewayUrl,
      bantul,
      'subscription { caseEvents(after: "0") { type complaint { id } } }',
    );
    try {
      await feed.until((events) => events.some((e) => e.type === 'LetterSent' && e.complaint.id === id));
      const mine = feed.events.filter((e) => e.complaint.id === id).map((e) => e.type as string);
      expect(mine.filter((t) => UNSENT.includes(t))).toEqual([]);
    } finally {
      await feed.stop();
    }
  });
});

describe('finding 3: erasure seals every personal field and shows as ERASED', () => {
  it('leaves no channel reference in events, read model or history, and tells every role', async () => {
    const auditor = await fed.token({ role: 'AUDITOR' });
    const phone = '+6281377700099';
    const filed = await ok(
      `mutation F($input: FileComplaintInput!) { fileComplaint(input: $input) { complaint { id channelReference } } }`,
      {
        input: {
          channel: 'WHATSAPP',
          channelReference: `wa:${phone}`,
          subject: 'Pungli',
          description: 'Pungutan liar.',
          anonymous: true,
          complainant: { name: 'Dewi Lestari', phone },
        },
      },
      officer,
    );
    const id = filed.fileComplaint.complaint.id;
    expect(filed.fileComplaint.complaint.channelReference).toBe(`wa:${phone}`);
    const digits = phone.slice(1);
    const events = JSON.stringify(await fed.store.readAll());
    expect(events).not.toContain(digits);

    await ok(
      `mutation E($id: ID!) { eraseComplainantData(complaintId: $id, reason: "UU PDP request 17") { id } }`,
      { id },
      admin,
    );
    const VIEW = `query Q($id: ID!) { complaint(id: $id) { channelReference complainant { access }
      history(first: 100) { edges { node { type actor { id role } occurredAt data } } } } }`;
    for (const token of [officer, auditor]) {
      const view = (await ok(VIEW, { id }, token)).complaint;
      expect(view.channelReference).toBeNull();
      expect(view.complainant.access).toBe('ERASED');
      const erasure = view.history.edges.find(
        (e: { node: { type: string } }) => e.node.type === 'ComplainantDataErased',
      );
      expect(erasure.node).toMatchObject({ actor: { role: 'ADMIN' }, data: { reason: 'UU PDP request 17' } });
      expect(JSON.stringify(view)).not.toContain(digits);
    }
    const doc = await fed.runtimes.complaint!.readModels.get('complaints', id);
    expect(JSON.stringify(doc)).not.toContain(digits);
  });
});

describe('finding 5: one access-code check per request, budgets per client and tracking number', () => {
  const track = (n: number, trackingNumber: string) =>
    `{ ${Array.from({ length: n }, (_, i) => `t${i}: trackComplaint(trackingNumber: "${trackingNumber}", accessCode: "AAAA-BBBB-CCCC") { status }`).join(' ')} }`;

  it('refuses several checks in one request at the gateway before any subgraph', async () => {
    const r = await fed.gql(track(30, 'DUMAS-2026-000001'), {});
    expect(r.status).toBe(400);
    expect(r.errors?.[0]?.extensions?.code).toBe('TOO_MANY_ACCESS_CODE_CHECKS');
  });

  it('refuses several checks in one request at the subgraph too, whole, before any resolver', async () => {
    // The subgraph applies the gateway's limits to a call that did not come through it; behind them, the
    // guard checks at most one code per request (see the guard's own test below).
    const r = await fed.gql(track(30, 'DUMAS-2026-000002'), {}, undefined, fed.subgraphUrls.complaint);
    expect(r.status).toBe(400);
    expect(r.errors).toHaveLength(1);
    expect(r.errors?.[0]?.extensions?.code).toBe('TOO_MANY_ACCESS_CODE_CHECKS');
  });

  it('slows guesses at one tracking number from one client, refusing before any hash', async () => {
    const guard = new AccessCodeGuard(10, () => 0);
    const flooder = () => ({ clientIp: '203.0.113.50' });
    for (let i = 0; i < 10; i++) await guard.admit(flooder(), 'dumas-2026-000003 ');
    await expect(guard.admit(flooder(), 'DUMAS-2026-000003')).rejects.toThrow(/too many attempts/);
    await expect(guard.admit(flooder(), 'DUMAS-2026-000004')).resolves.toBeUndefined();
    // The complainant, from their own address, is not locked out of their case by the flood.
    await expect(guard.admit({ clientIp: '198.51.100.7' }, 'DUMAS-2026-000003')).resolves.toBeUndefined();
    const request = flooder();
    await guard.admit(request, 'DUMAS-2026-000005');
    await expect(guard.admit(request, 'DUMAS-2026-000006')).rejects.toThrow(/at most one access code/);
  });

  it('gives each client a budget at the gateway', async () => {
    // A malformed code is answered without hashing: the budget is spent all the same.
    const query = '{ trackComplaint(trackingNumber: "DUMAS-2026-100001", accessCode: "x") { status } }';
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await fed.gql(query, {})).status);
    expect(statuses.slice(0, 25).every((s) => s === 200)).toBe(true);
    expect(statuses).toContain(429);
  });
});

describe('finding 6: subgraphs listen on 127.0.0.1 unless told otherwise', () => {
  it('binds the loopback address by default and DUMAS_SUBGRAPH_HOST when set', () => {
    expect(loadConfig({}).subgraphHost).toBe('127.0.0.1');
    expect(loadConfig({ DUMAS_SUBGRAPH_HOST: '0.0.0.0' }).subgraphHost).toBe('0.0.0.0');
  });
});

describe('finding 7 (abuse run): a subscription sent as a plain POST', () => {
  it('is a 400 at the gateway, not a 500', async () => {
    const r = await fed.gql('subscription { caseEvents { position } }', {}, officer);
    expect(r.status).toBe(400);
  });
});

describe('finding 8: an AGENCY token is refused once its focal point is replaced', () => {
  it('answers the current focal point and refuses the replaced one, at the gateway and at each subgraph', async () => {
    await setUpAgency('inspektorat-gunungkidul', 'Inspektorat Kabupaten Gunungkidul');
    const before = await fed.token({ role: 'AGENCY', agencyId: 'inspektorat-gunungkidul' });
    const whoAmI = '{ agency(id: "inspektorat-gunungkidul") { id } }';
    expect((await fed.gql(whoAmI, {}, before)).errors).toBeUndefined();
    await ok(
      `mutation A($input: AppointFocalPointInput!) {
         appointFocalPoint(agencyId: "inspektorat-gunungkidul", input: $input) { id }
       }`,
      { input: { userId: 'pic-baru', name: 'PIC Baru', position: 'Inspektur', email: 'baru@example.go.id' } },
      admin,
    );
    const replaced = await fed.gql(whoAmI, {}, before);
    expect(replaced.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    for (const url of Object.values(fed.subgraphUrls)) {
      const direct = await fed.gql('{ __typename }', {}, before, url);
      expect(direct.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    const successor = await fed.token({
      role: 'AGENCY',
      agencyId: 'inspektorat-gunungkidul',
      sub: 'pic-baru',
    });
    expect((await fed.gql(whoAmI, {}, successor)).errors).toBeUndefined();
  });
});

describe('finding 9: forwardings go only to agencies of the directory that have joined', () => {
  async function received(): Promise<string> {
    const filed = await ok(
      `mutation F($input: FileComplaintInput!) { fileComplaint(input: $input) { complaint { id } } }`,
      { input: { subject: 'Jalan rusak', description: 'Jalan desa rusak berat', channel: 'WEB' } },
      officer,
    );
    const id = filed.fileComplaint.complaint.id as string;
    await ok(`mutation V($id: ID!) { verifyComplaint(id: $id) { id } }`, { id }, officer);
    return id;
  }
  const FORWARD = `mutation Fw($id: ID!, $agencyIds: [ID!]) { forwardComplaint(id: $id, agencyIds: $agencyIds) { id status } }`;

  it('refuses an agency outside the directory (NOT_FOUND) and a REGISTERED one (INVALID_TRANSITION), and writes nothing', async () => {
    const id = await received();
    const head = await fed.store.headPosition();
    const unknown = await fed.gql(FORWARD, { id, agencyIds: ['dinas-fiktif'] }, officer);
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    await ok(
      `mutation C($input: CreateAgencyInput!) { createAgency(input: $input) { id } }`,
      {
        input: {
          id: 'dinas-baru',
          name: 'Dinas Baru',
          kind: 'REGENCY',
          region: 'DIY',
          contact: { emails: ['d@example.go.id'] },
        },
      },
      admin,
    );
    const afterCreate = await fed.store.headPosition();
    const registered = await fed.gql(
      FORWARD,
      { id, agencyIds: ['inspektorat-bantul', 'dinas-baru'] },
      officer,
    );
    expect(registered.errors?.[0]?.extensions?.code).toBe('INVALID_TRANSITION');
    expect(await fed.store.headPosition()).toBe(afterCreate);
    expect(afterCreate).toBeGreaterThan(head);
  });

  it('forwards to an agency in its pilot, and every list that shows the agency keeps its whole result', async () => {
    const id = await received();
    const forwarded = await ok(FORWARD, { id, agencyIds: ['inspektorat-bantul'] }, officer);
    expect(forwarded.forwardComplaint.status).toBe('FORWARDED');
    const list = await ok(
      `{ complaints(first: 50) { edges { node { id forwardings { agencyId agency { name } } } } } }`,
      {},
      officer,
    );
    const node = list.complaints.edges.find((e: { node: { id: string } }) => e.node.id === id).node;
    expect(node.forwardings[0].agency.name).toBe('Inspektorat Kabupaten Bantul');
  });
});
