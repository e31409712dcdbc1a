/** Builds the correspondence subgraph's schema; opens no store (compose and tests use it as is). */
import 'reflect-metadata';
import { buildFederatedSubgraph, type FederatedSubgraph } from '../shared/graphql/subgraph';
import type { CorrespondenceContext } from './graphql/context';
import {
  resolveAgencyReference,
  resolveComplaintReference,
  resolveLetterReference,
} from './graphql/reference';
import {
  AgencyResolver,
  ComplaintLettersResolver,
  CorrespondenceMutations,
  LetterResolver,
} from './graphql/resolvers';

let built: Promise<FederatedSubgraph> | undefined;

export function buildCorrespondenceSubgraph(): Promise<FederatedSubgraph> {
  built ??= buildFederatedSubgraph<CorrespondenceContext>({
    resolvers: [AgencyResolver, LetterResolver, ComplaintLettersResolver, CorrespondenceMutations],
    referenceResolvers: {
      Agency: resolveAgencyReference,
      Letter: resolveLetterReference,
      Complaint: resolveComplaintReference,
    },
  });
  return built;
}

export async function buildSchemaSdl(): Promise<string> {
  return (await buildCorrespondenceSubgraph()).sdl;
}
