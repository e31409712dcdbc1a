/** Runs the correspondence subgraph as its own process: PORT (default 4002). */
import 'reflect-metadata';
import { runSubgraphProcess } from '../shared/graphql/process';
import { createCorrespondenceServer, startCorrespondenceRuntime } from './server';

runSubgraphProcess({
  name: 'correspondence',
  defaultPort: 4002,
  start: startCorrespondenceRuntime,
  create: createCorrespondenceServer,
});
