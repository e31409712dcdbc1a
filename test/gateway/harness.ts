/** Starts the fixture subgraph and a gateway over it on ephemeral ports, over real HTTP. */
import {
  type Authenticator,
  createAuthenticator,
  type MintTokenInput,
  mintToken,
} from '../../services/shared/auth';
import { createSubgraphServer, type SubgraphServer } from '../../services/shared/graphql/subgraph';
import { composeSupergraph } from '../../services/shared/graphql/supergraph';
import type { RequestContext } from '../../services/shared/http/server';
import { createLogger } from '../../services/shared/logger';
import type { FetcherKind } from '../../gateway/datasources';
import type { GatewayLimits } from '../../services/shared/graphql/limits';
import { createGateway, type Gateway } from '../../gateway/server';
import { buildFixtureSubgraph } from './fixture/schema';

export const TEST_SECRET = 'test-secret-for-the-gateway-suite-0123456789';

export interface Harness {
  readonly gatewayUrl: string;
  readonly subgraphUrl: string;
  readonly gateway: Gateway;
  readonly subgraph: SubgraphServer<RequestContext>;
  readonly supergraphSdl: string;
  token(input: Omit<MintTokenInput, 'sub'> & { sub?: string }, secret?: string): Promise<string>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly limits?: Partial<GatewayLimits>;
  readonly fetcher?: FetcherKind;
  readonly production?: boolean;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const authenticator: Authenticator = createAuthenticator({ secret: TEST_SECRET });
  const logger = createLogger({ name: 'test', level: 'silent' });
  const { schema, sdl } = await buildFixtureSubgraph();
  const subgraph = createSubgraphServer<RequestContext>({ name: 'fixture', schema, authenticator, logger });
  const { url: subgraphBase } = await subgraph.listen(0, '127.0.0.1');
  const subgraphUrl = `${subgraphBase}/graphql`;
  const supergraphSdl = composeSupergraph([{ name: 'fixture', url: subgraphUrl, sdl }]);
  const gateway = createGateway({
    supergraphSdl,
    authenticator,
    logger,
    env: {},
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.fetcher ? { fetcher: options.fetcher } : {}),
    ...(options.production !== undefined ? { production: options.production } : {}),
  });
  const { url: gatewayBase } = await gateway.listen(0, '127.0.0.1');
  return {
    gatewayUrl: gatewayBase,
    subgraphUrl,
    gateway,
    subgraph,
    supergraphSdl,
    token: (input, secret) =>
      mintToken({ sub: `user-${input.role.toLowerCase()}`, ...input }, secret ?? TEST_SECRET),
    async close() {
      await gateway.close();
      await subgraph.close();
    },
  };
}

export interface GraphQLReply {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: test replies are inspected field by field
  readonly body: any;
}

/** POSTs a GraphQL request (or any body) and parses the JSON reply. */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<GraphQLReply> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, body: parsed };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
