import { continueEventTrace } from '../tracing';
import {
  LogRunner,
  EventFailed,
  type LogConsumer,
  WorkerFailedError,
  type WorkerLogger,
} from '../workers/log-runner';
import type { EventStore } from '../eventstore/types';
import type { Projection, ReadModelStore } from './types';

/** pino's shape, so a pino logger can be passed as is. */
export type ProjectionLogger = WorkerLogger;

export interface StartProjectionsOptions {
  readonly store: EventStore;
  readonly readModels: ReadModelStore;
  readonly projections: readonly Projection[];
  /** Most events applied in one read-model transaction. Default 5000: a rebuild commits far fewer document
   *  writes per event with larger batches, and live batches stay small because they commit when idle. */
  readonly batchSize?: number;
  readonly logger?: ProjectionLogger;
  /** Failed reads or commits are retried this many times (with backoff) before the projection stops. */
  readonly maxRetries?: number;
  /** The subgraph whose projections these are (traces name it). */
  readonly service?: string;
}

/** A projection's `apply` threw: the event is not skipped, the projection stops at the batch before it. */
export class ProjectionFailedError extends WorkerFailedError {
  readonly code = 'PROJECTION_FAILED';
  constructor(projection: string, position: number, failedAt: number | undefined, reason?: string) {
    super('projection', projection, position, failedAt, reason);
    this.name = 'ProjectionFailedError';
  }
  get projection(): string {
    return this.worker;
  }
}

export class ProjectionTimeoutError extends Error {
  readonly code = 'PROJECTION_TIMEOUT';
  constructor(
    readonly position: number,
    readonly timeoutMs: number,
    readonly behind: readonly { readonly projection: string; readonly position: number }[],
  ) {
    super(
      `read models did not reach position ${position} within ${timeoutMs} ms (${behind
        .map((b) => `${b.projection} at ${b.position}`)
        .join(', ')})`,
    );
    this.name = 'ProjectionTimeoutError';
  }
}

/** waitFor(position) is read-your-writes: it resolves once every projection has applied the log up to it. */
export type ProjectionRunner = LogRunner;

const DEFAULT_BATCH_SIZE = 5000;
const DEFAULT_MAX_RETRIES = 5;
/** setTimeout's longest delay (about 24.8 days): a longer one would fire at once. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/**
 * Starts every projection: a projection whose stored version differs from its code's is reset and rebuilt
 * from zero, then each one follows the log from its checkpoint, applying events in batches, each batch in
 * one read-model transaction together with its new checkpoint.
 */
export async function startProjections(options: StartProjectionsOptions): Promise<ProjectionRunner> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1)
    throw new Error('batchSize must be a whole number ≥ 1');
  const runner = new Projections(options, batchSize);
  await options.readModels.ensureIndexes(options.projections.flatMap((p) => p.indexes ?? []));
  await runner.start();
  // Indexes deferred while a collection was built are made once the projections reach the head seen now
  // (a read of a collection before then makes its own at once).
  const head = await options.store.headPosition();
  runner.waitFor(head, LONGEST_TIMER_MS).then(
    () => options.readModels.settleIndexes(),
    () => undefined, // a projection that stopped is reported by the runner; reads still make their indexes
  );
  return runner;
}

class Projections extends LogRunner {
  constructor(options: StartProjectionsOptions, batchSize: number) {
    super({
      store: options.store,
      kind: 'projection',
      batchSize,
      maxAttempts: (options.maxRetries ?? DEFAULT_MAX_RETRIES) + 1,
      retryFailedEvents: false,
      consumers: options.projections.map((p) => projectionConsumer(p, options, () => this.logger)),
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }

  protected override timedOut(
    position: number,
    timeoutMs: number,
    behind: readonly { name: string; position: number }[],
  ): Error {
    return new ProjectionTimeoutError(
      position,
      timeoutMs,
      behind.map((b) => ({ projection: b.name, position: b.position })),
    );
  }

  override failed(name: string, position: number, failedAt?: number, reason?: string) {
    return new ProjectionFailedError(name, position, failedAt, reason);
  }
}

/** A projection as the core sees it: its batch and its checkpoint commit in one read-model transaction. */
function projectionConsumer(
  projection: Projection,
  { readModels, service }: StartProjectionsOptions,
  logger: () => ProjectionLogger,
): LogConsumer {
  const { name, version, collections, filter } = projection;
  return {
    name,
    filter,
    /** Resets the checkpoint when the code's version differs, or when asked to rebuild. */
    async prepare(rebuild) {
      const stored = await readModels.checkpoint(name);
      if (!rebuild && stored.version === version) return stored.position;
      logger().info(
        {
          projection: name,
          storedVersion: stored.version,
          version,
          reason: rebuild ? 'requested' : 'version',
        },
        'rebuilding projection from zero',
      );
      await readModels.reset(name, version, collections);
      return 0;
    },
    commit: (matched, last) =>
      readModels.applyBatch(name, last, async (tx) => {
        for (const event of matched) {
          try {
            await continueEventTrace(
              event,
              `project ${name}`,
              { 'dumas.service': service ?? 'unknown', 'dumas.position': event.position },
              async () => projection.apply(event, tx),
            );
          } catch (error) {
            throw new EventFailed(event, error);
          }
        }
      }),
  };
}
