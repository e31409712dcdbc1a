/** Builds the evaluation subgraph's schema; opens no store (compose and tests use it as is). */
import 'reflect-metadata';
import { buildFederatedSubgraph, type FederatedSubgraph } from '../shared/graphql/subgraph';
import type { EvaluationContext } from './graphql/context';
import {
  resolveAgencyReference,
  resolveComplaintReference,
  resolveEvaluationReference,
} from './graphql/reference';
import {
  AgencyPerformanceResolver,
  ComplaintSlaResolver,
  EvaluationMutations,
  EvaluationQueries,
} from './graphql/resolvers';
import { Agency, Complaint, Evaluation } from './graphql/types';

let built: Promise<FederatedSubgraph> | undefined;

export function buildEvaluationSubgraph(): Promise<FederatedSubgraph> {
  built ??= buildFederatedSubgraph<EvaluationContext>({
    resolvers: [EvaluationQueries, EvaluationMutations, ComplaintSlaResolver, AgencyPerformanceResolver],
    // Complaint is only extended here (no query returns it), so it must be named to be in the schema.
    orphanedTypes: [Complaint, Agency, Evaluation],
    referenceResolvers: {
      Complaint: resolveComplaintReference,
      Agency: resolveAgencyReference,
      Evaluation: resolveEvaluationReference,
    },
  });
  return built;
}

export async function buildSchemaSdl(): Promise<string> {
  return (await buildEvaluationSubgraph()).sdl;
}
