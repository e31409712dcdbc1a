/** Runs the complaint subgraph as its own process: PORT (default 4001). */
import 'reflect-metadata';
import { runSubgraphProcess } from '../shared/graphql/process';
import { createComplaintServer, startComplaintRuntime } from './server';

runSubgraphProcess({
  name: 'complaint',
  defaultPort: 4001,
  start: startComplaintRuntime,
  create: createComplaintServer,
});
