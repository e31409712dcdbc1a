/**
 * GraphiQL opens on dumas examples and carries a client that subscribes over SSE; a subscription sent as a
 * plain POST is refused with a 400 that says how to subscribe (before: @apollo/gateway's 500). The
 * browser suite (test/console) runs a subscription in GraphiQL itself.
 */
import { type Federation, startFederation } from '../support/federation';

let fed: Federation;
let base: string;

beforeAll(async () => {
  fed = await startFederation({ subgraphs: ['complaint'] });
  base = fed.gatewayUrl.replace(/\/graphql$/, '');
});

afterAll(async () => {
  await fed?.close();
});

describe('GraphiQL', () => {
  it('opens on dumas examples, a subscription among them, with graphql-sse served from our own origin', async () => {
    const page = await (await fetch(`${base}/graphiql`)).text();
    expect(page).toContain('/graphiql/graphql-sse.min.js');
    expect(page).toContain('/graphiql/examples.js');
    const examples = await (await fetch(`${base}/graphiql/examples.js`)).text();
    expect(examples).toContain('complaints(first: $first');
    expect(examples).toContain('subscription CaseEvents');
    const sse = await fetch(`${base}/graphiql/graphql-sse.min.js`);
    expect(sse.status).toBe(200);
    expect(await sse.text()).toContain('graphqlSse');
  });
});

describe('a subscription sent as a plain POST', () => {
  it('answers 400 naming the two transports, not a 500', async () => {
    const token = await fed.token({ role: 'OFFICER' });
    const res = await fetch(fed.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'subscription { caseEvents { position type } }' }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
    expect(body.errors[0]!.message).toMatch(/graphql-ws/);
    expect(body.errors[0]!.message).toMatch(/text\/event-stream/);
  });
});
