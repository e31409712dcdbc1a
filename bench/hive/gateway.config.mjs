/**
 * Hive Gateway for `npm run bench:race`, configured as its docs describe (the-guild.dev/graphql/hive/docs/
 * gateway): the supergraph file comes on the command line; in-flight request deduplication is off, so
 * every client request reaches the subgraphs as it does through stock @apollo/gateway and ours (the race
 * measures work, not coalescing of identical concurrent requests); the client's Authorization header
 * goes on to every subgraph, which checks the officer's token itself.
 */
import { defineConfig } from '@graphql-hive/gateway';

export const gatewayConfig = defineConfig({
  transportEntries: {
    '*.http': { options: { deduplicateInflightRequests: false } },
  },
  propagateHeaders: {
    fromClientToSubgraphs({ request }) {
      const authorization = request.headers.get('authorization');
      return authorization ? { authorization } : {};
    },
  },
});
