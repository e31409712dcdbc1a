/**
 * The in-suite abuse run (issue 11): every kind of hostile request of test/support/abuse.ts, a few times
 * each, at the gateway and straight at each subgraph. Not one may answer 5xx or hang, and every service
 * must be healthy after. `npm run bench:abuse` sends thousands and measures an honest complainant meanwhile.
 */
import { hostileRequests, sendHostile } from '../support/abuse';
import { FEDERATION_TEST_SECRET, type Federation, startFederation } from '../support/federation';

let fed: Federation;

beforeAll(async () => {
  fed = await startFederation();
});

afterAll(async () => {
  await fed?.close();
});

it('answers every hostile request with a 4xx or a 200, never a 5xx or a hang, and stays healthy', async () => {
  const requests = await hostileRequests(70, FEDERATION_TEST_SECRET);
  const targets = { gateway: fed.gatewayUrl, ...fed.subgraphUrls };
  for (const [name, url] of Object.entries(targets)) {
    const tally = await sendHostile(url, requests, 4);
    expect({ name, serverErrors: tally.serverErrors, hangs: tally.hangs }).toEqual({
      name,
      serverErrors: [],
      hangs: [],
    });
    const health = await fetch(url.replace(/\/graphql$/, '/health'));
    expect(health.status).toBe(200);
  }
});
