/** The gateway's options: Apollo's stock fetcher, production masking, and /ready when a subgraph is down. */
import { bearer, post, startHarness } from './harness';

describe('with the stock fetcher', () => {
  it('forwards the token and request id as the undici path does', async () => {
    const h = await startHarness({ fetcher: 'stock' });
    try {
      const token = await h.token({ role: 'AGENCY', agencyId: 'inspektorat-sleman' });
      const reply = await post(`${h.gatewayUrl}/graphql`, { query: '{ me { id agencyId } }' }, bearer(token));
      expect(reply.body).toEqual({ data: { me: { id: 'user-agency', agencyId: 'inspektorat-sleman' } } });
      const crash = await post(
        `${h.gatewayUrl}/graphql`,
        { query: '{ crash }' },
        { ...bearer(await h.token({ role: 'OFFICER' })), 'x-request-id': 'stock-1' },
      );
      expect(crash.body.errors[0].extensions).toEqual({
        code: 'INTERNAL_SERVER_ERROR',
        requestId: 'stock-1',
      });
    } finally {
      await h.close();
    }
  });
});

describe('in production', () => {
  it('serves no GraphiQL or introspection and hides which subgraph answered', async () => {
    const h = await startHarness({ production: true });
    try {
      expect((await fetch(`${h.gatewayUrl}/graphiql`)).status).toBe(404);
      const officer = bearer(await h.token({ role: 'OFFICER' }));
      const introspection = await post(
        `${h.gatewayUrl}/graphql`,
        { query: '{ __schema { types { name } } }' },
        officer,
      );
      expect(introspection.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const refused = await post(
        `${h.gatewayUrl}/graphql`,
        { query: '{ refuse(code: "CONFLICT") }' },
        officer,
      );
      expect(refused.body.errors[0].extensions).toEqual({ code: 'CONFLICT', currentState: 'RECEIVED' });
      const crash = await post(`${h.gatewayUrl}/graphql`, { query: '{ crash }' }, officer);
      expect(crash.body.errors[0].message).toBe('Internal server error');
    } finally {
      await h.close();
    }
  });
});

describe('readiness', () => {
  it('turns /ready to 503 when a subgraph stops answering, while /health stays up', async () => {
    const h = await startHarness();
    try {
      await h.subgraph.close();
      const ready = await fetch(`${h.gatewayUrl}/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'not ready', subgraphs: { fixture: 'down' } });
      expect((await fetch(`${h.gatewayUrl}/health`)).status).toBe(200);
      const query = await post(
        `${h.gatewayUrl}/graphql`,
        { query: '{ me { id } }' },
        bearer(await h.token({ role: 'ADMIN' })),
      );
      expect(query.body.errors[0].message).toBe('Internal server error');
      expect(JSON.stringify(query.body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
    } finally {
      await h.close();
    }
  });
});
