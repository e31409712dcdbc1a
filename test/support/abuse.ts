/**
 * Hostile and malformed requests, generated deterministically: the in-suite abuse test sends a few
 * hundred, `npm run bench:abuse` a few thousand. A server error (5xx) or a hang is a bug, whatever the input.
 */
import { SignJWT } from 'jose';

export interface HostileRequest {
  readonly name: string;
  readonly method: 'POST' | 'GET';
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly search?: string;
}

const json = { 'content-type': 'application/json' };

/** Tokens a stranger might present: garbage, unsigned, wrongly signed, expired, and far-future ones. */
export async function hostileTokens(secret: string): Promise<string[]> {
  const key = new TextEncoder().encode(secret);
  const now = Math.floor(Date.now() / 1000);
  const expired = await new SignJWT({ role: 'OFFICER' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('user-officer')
    .setIssuedAt(now - 7200)
    .setExpirationTime(now - 3600)
    .sign(key);
  const wrongKey = await new SignJWT({ role: 'ADMIN' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('x')
    .setExpirationTime(now + 600)
    .sign(new TextEncoder().encode('not-the-secret-not-the-secret-not-the-secret'));
  const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
    JSON.stringify({ sub: 'x', role: 'ADMIN', exp: now + 600 }),
  ).toString('base64url')}.`;
  return ['garbage', 'a.b.c', expired, wrongKey, none, 'x'.repeat(10_000)];
}

const deep = (n: number) => `{ ${'complaints { edges { node { '.repeat(n)}id${' } } }'.repeat(n)} }`;
const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ')} }`;
const inline = (n: number) => `{ ${'... on Query { '.repeat(n)}__typename${' }'.repeat(n)} }`;
const introspectionBomb = (n: number) =>
  `{ __schema { types { fields { type { ${'ofType { '.repeat(n)}name${' }'.repeat(n)} } } } } }`;
const fragmentBomb = (levels: number) => {
  let source = '{ ...F0 }\n';
  for (let i = 0; i < levels; i++)
    source += `fragment F${i} on Query { a: __typename ...F${i + 1} b: __typename ...F${i + 1} }\n`;
  return `${source}fragment F${levels} on Query { __typename }`;
};
const tracks = (n: number) =>
  `{ ${Array.from({ length: n }, (_, i) => `t${i}: trackComplaint(trackingNumber: "DUMAS-2026-${String(i).padStart(6, '0')}", accessCode: "AAAA-BBBB-CCCC") { status }`).join(' ')} }`;

/** The corpus, `size` requests long (cycling through every kind with varying parameters). */
export async function hostileRequests(size: number, secret: string): Promise<HostileRequest[]> {
  const tokens = await hostileTokens(secret);
  const post = (name: string, body: unknown, headers: Record<string, string> = {}): HostileRequest => ({
    name,
    method: 'POST',
    headers: { ...json, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const kinds: ((i: number) => HostileRequest)[] = [
    () => post('invalid JSON', '{"query": "{ __typename }"'),
    () => post('empty body', ''),
    () => post('JSON null', 'null'),
    () => post('JSON number', '42'),
    () => post('query not a string', { query: 42 }),
    () => post('variables not an object', { query: '{ __typename }', variables: 'x' }),
    (i) => post('deep', { query: deep(5 + (i % 30)) }),
    (i) => post('aliases', { query: aliases(31 + i * 7) }),
    (i) => post('nested inline fragments', { query: inline(50 + i * 13) }),
    (i) => post('introspection depth bomb', { query: introspectionBomb(10 + (i % 40)) }),
    (i) => post('fragment bomb', { query: fragmentBomb(10 + (i % 20)) }),
    () =>
      post('fragment cycle', { query: '{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }' }),
    () => post('unknown operationName', { query: 'query A { __typename }', operationName: 'B' }),
    () => post('two operations, no name', { query: 'query A { __typename } query B { __typename }' }),
    (i) => post('many tokens', { query: `{ ${'__typename '.repeat(10_000 + i)}}` }),
    (i) => post('aliased trackComplaint', { query: tracks(2 + (i % 30)) }),
    () =>
      post('unknown input field', {
        query: 'mutation F($i: FileComplaintInput!) { fileComplaint(input: $i) { accessCode } }',
        variables: { i: { subject: 's', description: 'd', shoe: 1, complainant: { name: 'x', nik: '1' } } },
      }),
    () =>
      post('wrong variable types', {
        query: 'query Q($n: Int) { complaints(first: $n) { totalCount } }',
        variables: { n: 'many' },
      }),
    () => post('huge page', { query: '{ complaints(first: 2147483647) { totalCount } }' }),
    () => post('negative page', { query: '{ complaints(first: -1) { totalCount } }' }),
    () => post('bad cursor', { query: '{ complaints(after: "!!!") { totalCount } }' }),
    () => post('bad id', { query: `{ complaint(id: "${'\\u0000'.repeat(10)}") { id } }` }),
    () =>
      post('entities with nonsense', {
        query: 'query E($r: [_Any!]!) { _entities(representations: $r) { __typename } }',
        variables: { r: [{ __typename: 'Nope' }, { id: 1 }, null, 'x'] },
      }),
    () => post('service sdl', { query: '{ _service { sdl } }' }),
    () => post('subscription over POST', { query: 'subscription { caseEvents { position } }' }),
    (i) =>
      post(
        'hostile token',
        { query: '{ complaints { totalCount } }' },
        { authorization: `Bearer ${tokens[i % tokens.length]}` },
      ),
    () => post('not a bearer', { query: '{ __typename }' }, { authorization: 'Basic Zm9vOmJhcg==' }),
    (i) =>
      post(
        'batch',
        Array.from({ length: 1 + (i % 30) }, () => ({ query: '{ __typename }' })),
      ),
    () => post('directive bomb', { query: `{ __typename ${'@skip(if: false) '.repeat(500)}}` }),
    () => post('long string', { query: `{ complaint(id: "${'x'.repeat(200_000)}") { id } }` }),
    () =>
      post(
        'deep JSON variables',
        `{"query":"{ __typename }","variables":{"a":${'['.repeat(5000)}${']'.repeat(5000)}}}`,
      ),
    () => ({
      name: 'text/plain',
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{ __typename }',
    }),
    () => ({
      name: 'GET query',
      method: 'GET',
      headers: {},
      search: `?query=${encodeURIComponent('{ __typename }')}`,
    }),
    () => ({
      name: 'GET mutation',
      method: 'GET',
      headers: {},
      search: `?query=${encodeURIComponent('mutation { __typename }')}`,
    }),
    () => ({ name: 'GET nonsense', method: 'GET', headers: {}, search: '?query=%7B&variables=%7B' }),
  ];
  const out: HostileRequest[] = [];
  for (let i = 0; out.length < size; i++) out.push(kinds[i % kinds.length]!(Math.floor(i / kinds.length)));
  return out;
}

export interface AbuseTally {
  sent: number;
  byStatus: Record<number, number>;
  serverErrors: { name: string; status: number }[];
  hangs: string[];
}

/** Sends the corpus to a /graphql URL with `concurrency` in flight; each request times out after 15 s. */
export async function sendHostile(
  url: string,
  requests: readonly HostileRequest[],
  concurrency = 8,
  timeoutMs = 15_000,
): Promise<AbuseTally> {
  const tally: AbuseTally = { sent: 0, byStatus: {}, serverErrors: [], hangs: [] };
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const r = requests[next++]!;
      try {
        const res = await fetch(`${url}${r.search ?? ''}`, {
          method: r.method,
          headers: r.headers,
          ...(r.body !== undefined ? { body: r.body } : {}),
          signal: AbortSignal.timeout(timeoutMs),
        });
        await res.arrayBuffer();
        tally.byStatus[res.status] = (tally.byStatus[res.status] ?? 0) + 1;
        if (res.status >= 500) tally.serverErrors.push({ name: r.name, status: res.status });
      } catch (err) {
        if ((err as Error).name === 'TimeoutError') tally.hangs.push(r.name);
        else tally.serverErrors.push({ name: `${r.name}: ${(err as Error).message}`, status: 0 });
      }
      tally.sent++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return tally;
}
