import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { StoreConfig } from '../config';
import type { EventStore } from './types';

export * from './types';
export { canonicalJson, computeEventHash, verifyChain, verifyStream } from './hash';

/** How a process that is not a subgraph (a bulk import) wants its store connection sized. */
export interface EventStoreTuning {
  /** SQLite only: the connection's page cache in MB (SqliteEventStoreOptions.cacheMb). */
  readonly sqliteCacheMb?: number;
}

/**
 * Opens the event store the configuration names. Each adapter is loaded only when chosen, so the
 * default SQLite path never loads `pg` or the EventStoreDB gRPC client (and their start-up cost).
 * Plain `require` because this package compiles to CommonJS, where `import()` would mean an ES module.
 */
export async function createEventStore(
  config: StoreConfig,
  tuning: EventStoreTuning = {},
): Promise<EventStore> {
  switch (config.kind) {
    case 'sqlite': {
      mkdirSync(path.dirname(config.file), { recursive: true });
      const { SqliteEventStore } = require('./sqlite') as typeof import('./sqlite');
      return new SqliteEventStore({
        file: config.file,
        ...(tuning.sqliteCacheMb !== undefined ? { cacheMb: tuning.sqliteCacheMb } : {}),
      });
    }
    case 'postgres': {
      const { PostgresEventStore } = require('./postgres') as typeof import('./postgres');
      return PostgresEventStore.connect({ url: config.url });
    }
    case 'eventstoredb': {
      const { EventStoreDbEventStore } = require('./eventstoredb') as typeof import('./eventstoredb');
      return EventStoreDbEventStore.connect({ url: config.url });
    }
    default:
      return unknownKind(config);
  }
}

function unknownKind(config: never): never {
  throw new Error(`unknown event store kind ${(config as { kind?: unknown }).kind as string}`);
}
