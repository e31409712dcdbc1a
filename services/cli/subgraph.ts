/** Runs one subgraph of the registry as its own process: `node services/cli/subgraph.ts <name>`, PORT (default its own). */
import 'reflect-metadata';
import { runSubgraphProcess } from '../shared/graphql/process';
import { subgraphEntry } from '../subgraphs';

runSubgraphProcess(subgraphEntry(process.argv[2] ?? '').load());
