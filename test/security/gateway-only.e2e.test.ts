/**
 * Issue 11, finding 6: a subgraph's port is no way around the gateway. With DUMAS_SUBGRAPH_GATEWAY_ONLY
 * (on by default in production) a subgraph answers only calls the gateway signed with the secret they
 * share — `_service` included — so the gateway's token checks, limits and rate limits hold for every
 * caller. Without it (development, tools), a direct call still meets the same depth and alias limits.
 */
import { randomBytes } from 'node:crypto';
import { gatewaySecretOf, signGatewayRequest } from '../../services/shared/gateway-signature';
import { type Federation, startFederation } from '../support/federation';
import { forwardedComplaint, subscribeSse, subscribeWs } from '../subscriptions/support';

const SDL = JSON.stringify({ query: '{ _service { sdl } }' });

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: res.status, text: await res.text() };
}

describe('given subgraphs that answer only the gateway', () => {
  let fed: Federation;
  let officer: string;
  let secret: string;

  beforeAll(async () => {
    fed = await startFederation({
      env: { DUMAS_SUBGRAPH_GATEWAY_ONLY: 'true' },
      agencies: ['inspektorat-bantul'],
    });
    officer = await fed.token({ role: 'OFFICER' });
    secret = gatewaySecretOf({ dataDir: fed.dataDir } as Parameters<typeof gatewaySecretOf>[0]);
  });
  afterAll(async () => {
    await fed?.close();
  });

  it('refuses an unsigned call at every subgraph, its SDL included, with a 403 and nothing of the schema', async () => {
    for (const url of Object.values(fed.subgraphUrls)) {
      const direct = await post(url, SDL, { authorization: `Bearer ${officer}` });
      expect(direct.status).toBe(403);
      expect(JSON.parse(direct.text).errors[0].extensions.code).toBe('FORBIDDEN');
      expect(direct.text).not.toContain('type Query');
    }
  });

  it('refuses a signature made with another secret, for another body, or more than a minute old', async () => {
    const url = fed.subgraphUrls.complaint!;
    const other = randomBytes(32).toString('base64');
    const attempts = [
      signGatewayRequest(other, SDL),
      signGatewayRequest(secret, '{"query":"{ __typename }"}'),
      signGatewayRequest(secret, SDL, Date.now() - 61_000),
      't=1,s=00',
    ];
    for (const signature of attempts) {
      expect((await post(url, SDL, { 'x-dumas-gateway': signature })).status).toBe(403);
    }
    // The gateway's own signature of this very body is taken (what the gateway does on every call).
    const signed = await post(url, SDL, { 'x-dumas-gateway': signGatewayRequest(secret, SDL) });
    expect(signed.status).toBe(200);
    expect(signed.text).toContain('type Query');
  });

  it('answers through the gateway: queries, mutations and subscriptions', async () => {
    const id = await forwardedComplaint(fed, officer, ['inspektorat-bantul']);
    const read = await fed.gql('query C($id: ID!) { complaint(id: $id) { id status } }', { id }, officer);
    expect(read.errors).toBeUndefined();
    expect(read.data.complaint).toEqual({ id, status: 'FORWARDED' });
    const wsUrl = fed.gatewayUrl.replace('http', 'ws');
    const query = 'subscription { caseEvents(after: "0") { type complaint { id } } }';
    for (const feed of [subscribeSse(fed.gatewayUrl, officer, query), subscribeWs(wsUrl, officer, query)]) {
      try {
        await feed.until((events) =>
          events.some((e) => e.type === 'ComplaintForwarded' && e.complaint.id === id),
        );
      } finally {
        await feed.stop();
      }
    }
  });
});

describe('given a subgraph called directly in development', () => {
  let fed: Federation;
  let officer: string;

  beforeAll(async () => {
    fed = await startFederation({ subgraphs: ['complaint'] });
    officer = await fed.token({ role: 'OFFICER' });
  });
  afterAll(async () => {
    await fed?.close();
  });

  it('meets the gateway depth and alias limits there too (a 400 before any resolver)', async () => {
    const url = fed.subgraphUrls.complaint!;
    const deep = `{ __schema { types { fields { type { ${'ofType { '.repeat(20)}name${' }'.repeat(20)} } } } } }`;
    const tooDeep = await fed.gql(deep, {}, officer, url);
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_DEEP');
    const aliases = Array.from({ length: 200 }, (_, i) => `a${i}: __typename`).join(' ');
    const tooMany = await fed.gql(`{ ${aliases} }`, {}, officer, url);
    expect(tooMany.status).toBe(400);
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('TOO_MANY_ALIASES');
    // An ordinary call is answered.
    expect((await fed.gql('{ __typename }', {}, officer, url)).status).toBe(200);
  });
});
