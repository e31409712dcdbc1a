/** Runs the evaluation subgraph as its own process: PORT (default 4003). */
import 'reflect-metadata';
import { runSubgraphProcess } from '../shared/graphql/process';
import { createEvaluationServer, startEvaluationRuntime } from './server';

runSubgraphProcess({
  name: 'evaluation',
  defaultPort: 4003,
  start: startEvaluationRuntime,
  create: createEvaluationServer,
});
