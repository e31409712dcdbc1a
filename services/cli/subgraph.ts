/** Runs one subgraph of the registry as its own process: `node services/cli/subgraph.ts <name>`, PORT (default its own). */
import 'reflect-metadata';
import { loadConfig } from '../shared/config';
import { runSubgraphProcess } from '../shared/graphql/process';
import { subgraphEntry } from '../subgraphs';
import { assertProductionReady } from './production';

try {
  // Each process checks for itself: a subgraph started alone in production refuses as the launcher does.
  assertProductionReady(process.env, loadConfig(process.env).dataDir);
  runSubgraphProcess(subgraphEntry(process.argv[2] ?? '').load(), process.env);
} catch (err) {
  process.stderr.write(`${process.argv[2] ?? 'subgraph'} failed to start: ${(err as Error).message}\n`);
  process.exit(1);
}
