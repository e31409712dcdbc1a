/**
 * The fixture subgraph and the gateway over real HTTP on ephemeral ports. Limits are set low so each
 * refusal is cheap to provoke.
 */
import { bearer, type Harness, post, startHarness } from './harness';

const LIMITS = {
  bodyLimitBytes: 4096,
  maxDepth: 5,
  maxAliases: 3,
  maxCost: 100,
  maxBatch: 2,
  publicMutationsPerMinute: 3,
};

let h: Harness;
let gql: string;
beforeAll(async () => {
  h = await startHarness({ limits: LIMITS });
  gql = `${h.gatewayUrl}/graphql`;
});
afterAll(() => h.close());

const codes = (body: { errors?: { extensions?: { code?: string } }[] }) =>
  (body.errors ?? []).map((e) => e.extensions?.code);

describe('authentication at the gateway', () => {
  it('answers a public caller on a protected field with UNAUTHENTICATED', async () => {
    const reply = await post(gql, { query: '{ me { id } }' });
    expect(codes(reply.body)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses a malformed token with 401 before any subgraph is called', async () => {
    const reply = await post(gql, { query: '{ me { id } }' }, bearer('not-a-jwt'));
    expect(reply.status).toBe(401);
    expect(reply.headers.get('www-authenticate')).toMatch(/invalid_token/);
    expect(codes(reply.body)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses an expired token and one signed with another secret', async () => {
    const expired = await h.token({ role: 'OFFICER', ttl: '-1m' });
    const forged = await h.token({ role: 'ADMIN' }, 'some-other-secret-that-is-32-bytes-long');
    for (const token of [expired, forged]) {
      const reply = await post(gql, { query: '{ me { id } }' }, bearer(token));
      expect(reply.status).toBe(401);
      expect(codes(reply.body)).toEqual(['UNAUTHENTICATED']);
    }
  });

  it.each(['OFFICER', 'SUPERVISOR', 'AUDITOR', 'ADMIN'] as const)(
    'passes a %s principal to the subgraph',
    async (role) => {
      const reply = await post(
        gql,
        { query: '{ me { id role agencyId } }' },
        bearer(await h.token({ role })),
      );
      expect(reply.body).toEqual({
        data: { me: { id: `user-${role.toLowerCase()}`, role, agencyId: null } },
      });
    },
  );

  it('passes an AGENCY principal with its agency, and the subgraph applies its role rule', async () => {
    const token = await h.token({ role: 'AGENCY', agencyId: 'inspektorat-bantul' });
    const me = await post(gql, { query: '{ me { role agencyId } }' }, bearer(token));
    expect(me.body.data.me).toEqual({ role: 'AGENCY', agencyId: 'inspektorat-bantul' });
    const parcel = await post(gql, { query: '{ parcel(id: "p1") { id } }' }, bearer(token));
    expect(codes(parcel.body)).toEqual(['FORBIDDEN']);
  });
});

describe('a request straight to the subgraph', () => {
  const entities =
    '{ _entities(representations: [{ __typename: "Parcel", id: "p1" }]) { ... on Parcel { label } } }';

  it('is refused with a bad token, as through the gateway', async () => {
    const reply = await post(h.subgraphUrl, { query: '{ me { id } }' }, bearer('bad.token.here'));
    expect(reply.status).toBe(401);
    expect(codes(reply.body)).toEqual(['UNAUTHENTICATED']);
  });

  it('reveals no entity to a public caller or a role that may not see it', async () => {
    const anonymous = await post(h.subgraphUrl, { query: entities });
    expect(codes(anonymous.body)).toEqual(['UNAUTHENTICATED']);
    const agency = await post(
      h.subgraphUrl,
      { query: entities },
      bearer(await h.token({ role: 'AGENCY', agencyId: 'inspektorat-diy' })),
    );
    expect(codes(agency.body)).toEqual(['FORBIDDEN']);
    const officer = await post(
      h.subgraphUrl,
      { query: entities },
      bearer(await h.token({ role: 'OFFICER' })),
    );
    expect(officer.body).toEqual({ data: { _entities: [{ label: 'parcel p1' }] } });
  });
});

describe('error mapping', () => {
  let officer: Record<string, string>;
  beforeAll(async () => {
    officer = bearer(await h.token({ role: 'OFFICER' }));
  });

  it.each(['BAD_USER_INPUT', 'INVALID_TRANSITION', 'CONFLICT', 'NOT_FOUND', 'FORBIDDEN', 'UNAUTHENTICATED'])(
    'carries a DomainError %s to the client in extensions.code with its safe details',
    async (code) => {
      const reply = await post(
        gql,
        { query: 'query ($c: String!) { refuse(code: $c) }', variables: { c: code } },
        officer,
      );
      expect(reply.body.errors).toHaveLength(1);
      expect(reply.body.errors[0]).toMatchObject({
        message: `refused with ${code}`,
        path: ['refuse'],
        extensions: { code, currentState: 'RECEIVED' },
      });
    },
  );

  it('masks an internal error: generic message, request id, no stack and nothing of the original', async () => {
    const reply = await post(gql, { query: '{ crash }' }, { ...officer, 'x-request-id': 'req-crash-1' });
    expect(reply.body.errors).toEqual([
      {
        message: 'Internal server error',
        path: ['crash'],
        extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-crash-1' },
      },
    ]);
    expect(reply.headers.get('x-request-id')).toBe('req-crash-1');
    expect(JSON.stringify(reply.body)).not.toMatch(/nik|complaints|stack/i);
  });

  it('maps an argument validation failure to BAD_USER_INPUT without echoing the value', async () => {
    const reply = await post(
      gql,
      {
        query: 'mutation ($i: NoteInput!) { leaveNote(input: $i) }',
        variables: { i: { text: 'ok text', email: 'not-an-email 3171234567890123' } },
      },
      officer,
    );
    expect(reply.body.errors[0].extensions).toEqual({
      code: 'BAD_USER_INPUT',
      invalid: [{ field: 'email', constraints: ['isEmail'] }],
      serviceName: 'fixture',
    });
    expect(JSON.stringify(reply.body)).not.toContain('3171234567890123');
  });

  it('answers parse and validation errors as Apollo does', async () => {
    expect(codes((await post(gql, { query: '{ me { ' }, officer)).body)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(codes((await post(gql, { query: '{ nope }' }, officer)).body)).toEqual([
      'GRAPHQL_VALIDATION_FAILED',
    ]);
  });
});

describe('abuse limits', () => {
  let officer: Record<string, string>;
  beforeAll(async () => {
    officer = bearer(await h.token({ role: 'OFFICER' }));
  });

  it('refuses a query deeper than the limit, and accepts one at the limit', async () => {
    const atLimit = '{ parcel(id: "p1") { next { next { next { id } } } } }';
    const tooDeep = '{ parcel(id: "p1") { next { next { next { next { id } } } } } }';
    expect((await post(gql, { query: atLimit }, officer)).body.errors).toBeUndefined();
    const reply = await post(gql, { query: tooDeep }, officer);
    expect(reply.status).toBe(400);
    expect(reply.body.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_DEEP', depth: 6, limit: 5 });
  });

  it('counts depth through fragments', async () => {
    const query = `{ parcel(id: "p1") { ...A } }
      fragment A on Parcel { next { ...B } }
      fragment B on Parcel { next { next { next { next { id } } } } }`;
    expect(codes((await post(gql, { query }, officer)).body)).toEqual(['QUERY_TOO_DEEP']);
  });

  it('refuses more aliases than allowed', async () => {
    const query = '{ a: me { id } b: me { id } c: me { id } d: me { id } }';
    const reply = await post(gql, { query }, officer);
    expect(reply.status).toBe(400);
    expect(codes(reply.body)).toEqual(['TOO_MANY_ALIASES']);
  });

  it('refuses a query whose estimated cost is too high, page sizes from variables included', async () => {
    expect((await post(gql, { query: '{ echo(first: 50) }' }, officer)).body.errors).toBeUndefined();
    const reply = await post(
      gql,
      { query: 'query ($n: Int!) { echo(first: $n) }', variables: { n: 500 } },
      officer,
    );
    expect(reply.status).toBe(400);
    expect(reply.body.errors[0].extensions).toMatchObject({
      code: 'QUERY_TOO_COSTLY',
      cost: 500,
      limit: 100,
    });
  });

  it('accepts a batch up to the limit and refuses a larger one', async () => {
    const op = { query: '{ me { role } }' };
    const ok = await post(gql, [op, op], officer);
    expect(ok.status).toBe(200);
    expect(ok.body).toHaveLength(2);
    const tooMany = await post(gql, [op, op, op], officer);
    expect(tooMany.status).toBe(400);
    expect(codes(tooMany.body)).toEqual(['BATCH_TOO_LARGE']);
  });

  it('refuses a body over the size limit with 413', async () => {
    const reply = await post(gql, { query: `{ me { id } } # ${'x'.repeat(5000)}` }, officer);
    expect(reply.status).toBe(413);
    expect(codes(reply.body)).toEqual(['PAYLOAD_TOO_LARGE']);
  });

  it('rate-limits public mutations per client but not authenticated ones', async () => {
    const note = { query: 'mutation { leaveNote(input: { text: "hello", email: "a@b.id" }) }' };
    for (let i = 0; i < LIMITS.publicMutationsPerMinute; i++) {
      expect((await post(gql, note)).body).toEqual({ data: { leaveNote: 'noted 5' } });
    }
    const limited = await post(gql, note);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(codes(limited.body)).toEqual(['RATE_LIMITED']);
    expect((await post(gql, note, officer)).body).toEqual({ data: { leaveNote: 'noted 5' } });
    // Public queries are not counted.
    expect((await post(gql, { query: '{ __typename }' })).status).toBe(200);
  });
});

describe('health and GraphiQL', () => {
  it('answers /health and reports the subgraph in /ready', async () => {
    const health = await fetch(`${h.gatewayUrl}/health`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${h.gatewayUrl}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', subgraphs: { fixture: 'up' } });
  });

  it('serves the GraphiQL page with its own assets and an Authorization field', async () => {
    const page = await fetch(`${h.gatewayUrl}/graphiql`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const html = await page.text();
    expect(html).toContain('id="authorization"');
    expect(html).not.toMatch(/https?:\/\//);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toEqual(
      expect.arrayContaining([
        '/graphiql/graphiql.min.js',
        '/graphiql/graphiql.min.css',
        '/graphiql/react.production.min.js',
        '/graphiql/react-dom.production.min.js',
        '/graphiql/app.js',
      ]),
    );
    for (const asset of assets) {
      const res = await fetch(`${h.gatewayUrl}${asset}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(asset.endsWith('.css') ? /text\/css/ : /javascript/);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
      const again = await fetch(`${h.gatewayUrl}${asset}`, {
        headers: { 'if-none-match': res.headers.get('etag')! },
      });
      expect(again.status).toBe(304);
    }
  });

  it('answers an unknown path with 404', async () => {
    expect((await fetch(`${h.gatewayUrl}/nope`)).status).toBe(404);
  });
});
