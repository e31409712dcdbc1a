import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { DumasConfig } from '../config';
import type { ReadModelStore } from './types';

export * from './types';
export { SqliteReadModelStore, type SqliteReadModelOptions } from './sqlite-read-model';
export type { PostgresReadModelStore, PostgresReadModelOptions } from './postgres-read-model';
export {
  type ProjectionLogger,
  type ProjectionRunner,
  ProjectionFailedError,
  ProjectionTimeoutError,
  type StartProjectionsOptions,
  startProjections,
} from './runner';

const SUBGRAPH_NAME = /^[a-z][a-z0-9_]{0,40}$/;

/**
 * Opens one subgraph's read-model store: `<dir>/<subgraph>.sqlite` by default, or the PostgreSQL schema
 * `rm_<subgraph>` when configured. Each adapter is loaded only when chosen, so SQLite never loads `pg` (plain `require`:
 * this package compiles to CommonJS, where `import()` would mean an ES module).
 */
export async function createReadModelStore(
  config: DumasConfig['readModels'],
  subgraph: string,
): Promise<ReadModelStore> {
  if (!SUBGRAPH_NAME.test(subgraph)) {
    throw new Error(
      `a subgraph name must be lower-case letters, digits and _, got ${JSON.stringify(subgraph)}`,
    );
  }
  switch (config.kind) {
    case 'sqlite': {
      mkdirSync(config.dir, { recursive: true });
      const { SqliteReadModelStore } = require('./sqlite-read-model') as typeof import('./sqlite-read-model');
      return new SqliteReadModelStore({ file: path.join(config.dir, `${subgraph}.sqlite`) });
    }
    case 'postgres': {
      const { PostgresReadModelStore } =
        require('./postgres-read-model') as typeof import('./postgres-read-model');
      return PostgresReadModelStore.connect({ url: config.url, schema: `rm_${subgraph}` });
    }
    default:
      throw new Error(`unknown read-model store kind ${String((config as { kind?: unknown }).kind)}`);
  }
}
