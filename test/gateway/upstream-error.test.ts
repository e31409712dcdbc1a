import { GraphQLError } from 'graphql';
import { upstreamError } from '../../gateway/subscriptions/upstream';

describe('an upstream subscription that fails', () => {
  it('refusing the connection (4401, 4403: the token) reads as UNAUTHENTICATED, so only that caller ends', () => {
    for (const code of [4401, 4403]) {
      const error = upstreamError({ code, reason: 'Forbidden' });
      expect(error).toBeInstanceOf(GraphQLError);
      expect(error.extensions).toMatchObject({ code: 'UNAUTHENTICATED', closeCode: code });
    }
  });

  it('closing otherwise, or failing to connect, reads as SERVICE_UNAVAILABLE without its reason', () => {
    expect(upstreamError({ code: 4500, reason: 'stack trace here' }).extensions).toEqual({
      code: 'SERVICE_UNAVAILABLE',
      closeCode: 4500,
    });
    expect(upstreamError(new Error('ECONNREFUSED')).extensions).toEqual({ code: 'SERVICE_UNAVAILABLE' });
  });

  it("answering with GraphQL errors passes the first one's code on", () => {
    const error = upstreamError([{ message: 'no', extensions: { code: 'FORBIDDEN' } }]);
    expect(error.message).toBe('no');
    expect(error.extensions).toEqual({ code: 'FORBIDDEN' });
  });
});
