/**
 * The baseline for `npm run bench:gateway`: a stock @apollo/gateway over the same supergraph, as a team
 * would run it from Apollo's docs (ApolloServer standalone, RemoteGraphQLDataSource with its default
 * fetcher), forwarding only the Authorization header the subgraphs need.
 * Env: SUPERGRAPH (file), PORT.
 */
import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

interface Ctx {
  authorization?: string;
}

async function main() {
  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(process.env.SUPERGRAPH!, 'utf8'),
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<Ctx>({
        url: url!,
        willSendRequest({ request, context }) {
          if (context.authorization) request.http?.headers.set('authorization', context.authorization);
        },
      }),
  });
  const server = new ApolloServer<Ctx>({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { port: Number(process.env.PORT) },
    context: async ({ req }) => ({
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    }),
  });
  process.stdout.write(`stock gateway at ${url}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
