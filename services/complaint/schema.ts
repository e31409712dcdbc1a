/** Builds the complaint subgraph's schema; opens no store (compose and tests use it as is). */
import 'reflect-metadata';
import { buildFederatedSubgraph, type FederatedSubgraph } from '../shared/graphql/subgraph';
import type { ComplaintContext } from './graphql/context';
import { resolveComplaintReference } from './graphql/reference';
import { ComplaintAudit } from './graphql/audit';
import { ComplaintMutations, ComplaintQueries } from './graphql/resolvers';
import { ComplaintRouting } from './graphql/routing';
import { ComplaintSubscriptions, NO_PUBSUB } from './graphql/subscriptions';

let built: Promise<FederatedSubgraph> | undefined;

export function buildComplaintSubgraph(): Promise<FederatedSubgraph> {
  built ??= buildFederatedSubgraph<ComplaintContext>({
    resolvers: [
      ComplaintQueries,
      ComplaintMutations,
      ComplaintAudit,
      ComplaintRouting,
      ComplaintSubscriptions,
    ],
    referenceResolvers: { Complaint: resolveComplaintReference },
    buildOptions: { pubSub: NO_PUBSUB },
  });
  return built;
}

export async function buildSchemaSdl(): Promise<string> {
  return (await buildComplaintSubgraph()).sdl;
}
