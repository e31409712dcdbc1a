/**
 * Issue 11, one test per finding, through the gateway over real HTTP (and straight at a subgraph where
 * the finding was about bypassing the gateway). Each was red before its fix.
 */
import { type Federation, startFederation } from '../support/federation';

let fed: Federation;
let officer: string;

beforeAll(async () => {
  fed = await startFederation();
  officer = await fed.token({ role: 'OFFICER' });
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
