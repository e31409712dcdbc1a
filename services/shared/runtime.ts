/**
 * What every subgraph process runs on, built in one place: the event store chosen by configuration, the
 * subgraph's own read-model store, the personal-data vault, and its workers (services/shared/workers/
 * registry.ts), the first of which is its projections following the log.
 * Each subgraph's `serve` takes a runtime; tests build one over a temporary directory or hand in an
 * existing store so several subgraphs can share one log in one process.
 */
import { mkdirSync } from 'node:fs';
import { type Clock, systemClock } from './clock';
import { type DumasConfig, loadConfig } from './config';
import { noteWritten, readAfterPosition } from './consistency';
import { createEventStore } from './eventstore';
import { instrumentStore } from './eventstore/instrumented';
import type { EventStore } from './eventstore/types';
import { createLogger, type Logger } from './logger';
import { type Leases, localLeases, postgresLeases } from './leases';
import { type KeyVault, openKeyVault } from './pii';
import { createReadModelStore, type ProjectionRunner, startProjections } from './projections';
import { batchingReadModels } from './projections/batching';
import type { Projection, ReadModelStore } from './projections/types';
import { createWorkers, type Workers } from './workers/registry';

export interface SubgraphRuntime {
  readonly name: string;
  readonly config: DumasConfig;
  readonly store: EventStore;
  readonly readModels: ReadModelStore;
  readonly vault: KeyVault;
  readonly projections: ProjectionRunner;
  /**
   * Where work done once across replicas keeps its state (the flows' checkpoints): the subgraph's shared
   * read-model store. Without replicas it is `readModels` itself.
   */
  readonly sharedReadModels: ReadModelStore;
  /** Everything long-running this process owns, started in order and stopped by `close`. */
  readonly workers: Workers;
  /** DUMAS_REPLICA_ID: this replica's name among the subgraph's replicas, when there are several. */
  readonly replicaId?: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * What wings mounted into this subgraph keep for it (the audit wing's checkpointer, the channels), by
   * wing name. A runtime is passed on as a copy with its own `close`; the map is shared by every copy, so
   * a wing finds its part whichever copy it is handed.
   */
  readonly extensions: Map<string, unknown>;
  /** Resolves once this subgraph's read models include `position` (read-your-writes; 0 waits for nothing). */
  settle(position: number, timeoutMs?: number): Promise<void>;
  /** Resolves once this subgraph's read models include everything in the log now (another subgraph's writes). */
  catchUp(timeoutMs?: number): Promise<void>;
  /**
   * Resolves once this subgraph's read models include what the current request asked its reads to include
   * (its `dumas-read-after` token and its own writes, see consistency.ts); at once when it asked for nothing.
   */
  readYourWrites(timeoutMs?: number): Promise<void>;
  /** Stops the workers (the projections last) and closes what this runtime opened (not what was handed in). */
  close(): Promise<void>;
}

export interface RuntimeOptions {
  readonly name: string;
  readonly projections: readonly Projection[];
  readonly config?: DumasConfig;
  /** Share an already open store (in-process tests, benchmarks); it is not closed by `close()`. */
  readonly store?: EventStore;
  readonly vault?: KeyVault;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Lease time to live on PostgreSQL (default 5 s). */
  readonly leaseTtlMs?: number;
}

export async function startRuntime(options: RuntimeOptions): Promise<SubgraphRuntime> {
  const config = options.config ?? loadConfig();
  mkdirSync(config.dataDir, { recursive: true });
  const logger =
    options.logger ??
    createLogger({ name: options.name, ...(config.logLevel ? { level: config.logLevel } : {}) });
  const opened = options.store ?? (await createEventStore(config.store));
  const store = instrumentStore(opened, options.name, options.store ? 'shared' : config.store.kind);
  // Replicas on PostgreSQL: each has its own read models (see README, "Replicas"), and they share the
  // subgraph's own schema for the state of work done once (flows' checkpoints).
  const replicaId = config.replicaId;
  const perReplica = replicaId !== undefined && config.readModels.kind === 'postgres';
  const ownReadModels = await createReadModelStore(
    config.readModels,
    perReplica ? `${options.name}_${replicaId}` : options.name,
  );
  // Reads by id in one request go out as one query per collection (see projections/batching.ts).
  const readModels = batchingReadModels(ownReadModels);
  const sharedReadModels = perReplica
    ? await createReadModelStore(config.readModels, options.name)
    : readModels;
  const leases: Leases =
    config.store.kind === 'postgres' && !options.store
      ? await postgresLeases({
          url: config.store.url,
          holder: `${options.name}-${replicaId ?? process.pid}`,
          logger,
          ...(options.leaseTtlMs !== undefined ? { ttlMs: options.leaseTtlMs } : {}),
        })
      : localLeases();
  const vault = options.vault ?? openKeyVault(config);
  const workers = createWorkers(options.name, store, leases);
  const projections = await workers.start('projections', () =>
    startProjections({
      store,
      readModels: ownReadModels,
      projections: options.projections,
      logger,
      service: options.name,
    }),
  );
  return {
    name: options.name,
    config,
    store,
    readModels,
    vault,
    projections,
    sharedReadModels,
    workers,
    ...(replicaId !== undefined ? { replicaId } : {}),
    clock: options.clock ?? systemClock,
    logger,
    extensions: new Map(),
    async settle(position, timeoutMs) {
      if (position <= 0) return;
      noteWritten(position);
      await projections.waitFor(position, timeoutMs);
    },
    async readYourWrites(timeoutMs) {
      const wanted = readAfterPosition();
      if (wanted <= 0 || projections.position() >= wanted) return;
      // A token past the head (made up, or from another store) waits for the head and no longer.
      await projections.waitFor(Math.min(wanted, await store.headPosition()), timeoutMs);
    },
    async catchUp(timeoutMs) {
      await projections.waitFor(await store.headPosition(), timeoutMs);
    },
    async close() {
      await workers.stop();
      await readModels.close();
      if (sharedReadModels !== readModels) await sharedReadModels.close();
      if (!options.vault) await vault.close();
      if (!options.store) await store.close();
    },
  };
}
