import { DomainError, notFound } from '../errors';
import type { EventStore, RecordedEvent, Subscription } from '../eventstore/types';
import { continueEventTrace } from '../tracing';
import type { Projection, ProjectionRunnerHandle, ReadModelStore } from './types';
import { eventMatcher } from '../eventstore/filter';

/** pino's shape, so a pino logger can be passed as is. */
export interface ProjectionLogger {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

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
export class ProjectionFailedError extends Error {
  readonly code = 'PROJECTION_FAILED';
  constructor(
    readonly projection: string,
    /** The checkpoint the projection stopped at. */
    readonly position: number,
    /** The position of the event it could not apply, when the failure was in `apply`. */
    readonly failedAt: number | undefined,
    reason = failedAt === undefined
      ? 'repeated store failures'
      : `applying the event at position ${failedAt} failed`,
  ) {
    super(`projection ${projection} stopped at position ${position}: ${reason}`);
    this.name = 'ProjectionFailedError';
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

export interface ProjectionRunner extends ProjectionRunnerHandle {
  /** Each projection's checkpoint as this runner knows it. */
  positions(): Record<string, number>;
}

const DEFAULT_BATCH_SIZE = 5000;
const DEFAULT_WAIT_MS = 10_000;
const DEFAULT_MAX_RETRIES = 5;

const silentLogger: ProjectionLogger = {
  info: () => {},
  warn: (details, message) => console.warn(message, details),
  error: (details, message) => console.error(message, details),
};

/**
 * Starts every projection: a projection whose stored version differs from its code's is reset and rebuilt
 * from zero, then each one follows the log from its checkpoint, applying events in batches, each batch in
 * one read-model transaction together with its new checkpoint.
 */
export async function startProjections(options: StartProjectionsOptions): Promise<ProjectionRunner> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1)
    throw new Error('batchSize must be a whole number ≥ 1');
  const names = new Set<string>();
  for (const p of options.projections) {
    if (names.has(p.name)) throw new Error(`two projections are named ${p.name}`);
    names.add(p.name);
  }
  const runner = new Runner(options, batchSize);
  await runner.start();
  return runner;
}

interface Waiter {
  readonly position: number;
  resolve(): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

class Runner implements ProjectionRunner {
  private readonly workers = new Map<string, ProjectionWorker>();
  private readonly waiters = new Set<Waiter>();
  private stopped = false;

  constructor(
    readonly options: StartProjectionsOptions,
    readonly batchSize: number,
  ) {
    for (const projection of options.projections) {
      this.workers.set(projection.name, new ProjectionWorker(projection, this));
    }
  }

  get logger(): ProjectionLogger {
    return this.options.logger ?? silentLogger;
  }

  async start(): Promise<void> {
    await this.options.readModels.ensureIndexes(this.options.projections.flatMap((p) => p.indexes ?? []));
    for (const worker of this.workers.values()) await worker.prepare(false);
    for (const worker of this.workers.values()) worker.run();
  }

  position(): number {
    let lowest = Number.POSITIVE_INFINITY;
    for (const worker of this.workers.values()) lowest = Math.min(lowest, worker.position);
    return lowest === Number.POSITIVE_INFINITY ? 0 : lowest;
  }

  positions(): Record<string, number> {
    return Object.fromEntries([...this.workers].map(([name, w]) => [name, w.position]));
  }

  waitFor(position: number, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const blocked = this.blockedBefore(position);
      if (blocked) return reject(blocked);
      if (this.workers.size === 0 || this.position() >= position) return resolve();
      const waiter: Waiter = {
        position,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          const behind = [...this.workers.values()]
            .filter((w) => w.position < position)
            .map((w) => ({ projection: w.name, position: w.position }));
          reject(new ProjectionTimeoutError(position, timeoutMs, behind));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  async rebuild(name: string): Promise<void> {
    if (this.stopped) throw new Error('the projection runner has stopped');
    const worker = this.workers.get(name);
    if (!worker) throw notFound('projection', name);
    await worker.stop();
    await worker.prepare(true);
    worker.run();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all([...this.workers.values()].map((w) => w.stop()));
    this.settleWaiters();
  }

  /** Called whenever a checkpoint moves or a projection stops. */
  settleWaiters(): void {
    if (this.waiters.size === 0) return;
    const reached = this.position();
    for (const waiter of this.waiters) {
      const blocked = this.blockedBefore(waiter.position);
      if (reached >= waiter.position) waiter.resolve();
      else if (blocked) waiter.reject(blocked);
      else continue;
      clearTimeout(waiter.timer);
      this.waiters.delete(waiter);
    }
  }

  /** Why `position` can never be reached, if it cannot. */
  private blockedBefore(position: number): Error | undefined {
    for (const worker of this.workers.values()) {
      if (worker.failure && worker.position < position) return worker.failure;
    }
    if (this.stopped && this.position() < position) return new Error('the projection runner has stopped');
    return undefined;
  }
}

class ApplyError extends Error {
  constructor(
    readonly event: RecordedEvent,
    override readonly cause: unknown,
  ) {
    super('projection apply failed');
  }
}

class ProjectionWorker {
  position = 0;
  failure: ProjectionFailedError | undefined;
  private controller = new AbortController();
  private subscription: Subscription | undefined;
  private loop: Promise<void> | undefined;
  private readonly matches: (event: RecordedEvent) => boolean;

  constructor(
    readonly projection: Projection,
    private readonly runner: Runner,
  ) {
    this.matches = eventMatcher(projection.filter);
  }

  get name(): string {
    return this.projection.name;
  }

  /** Reads the checkpoint; resets it when the code's version differs, or when asked to rebuild. */
  async prepare(rebuild: boolean): Promise<void> {
    const { readModels } = this.runner.options;
    const { name, version, collections } = this.projection;
    const stored = await readModels.checkpoint(name);
    if (rebuild || stored.version !== version) {
      this.runner.logger.info(
        {
          projection: name,
          storedVersion: stored.version,
          version,
          reason: rebuild ? 'requested' : 'version',
        },
        'rebuilding projection from zero',
      );
      await readModels.reset(name, version, collections);
      this.position = 0;
    } else {
      this.position = stored.position;
    }
    this.failure = undefined;
    this.controller = new AbortController();
    this.runner.settleWaiters();
  }

  run(): void {
    this.loop = this.supervise();
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.subscription?.close().catch(() => {});
    await this.loop;
  }

  private get stopping(): boolean {
    return this.controller.signal.aborted;
  }

  /** Follows the log; store failures are retried from the stored checkpoint, projection failures stop it. */
  private async supervise(): Promise<void> {
    const { logger } = this.runner;
    const maxRetries = this.runner.options.maxRetries ?? DEFAULT_MAX_RETRIES;
    let failures = 0;
    while (!this.stopping) {
      const before = this.position;
      try {
        await this.follow();
        if (!this.stopping) {
          // The store ended the subscription (it was closed): nothing more will arrive, say so.
          this.failure = new ProjectionFailedError(
            this.name,
            this.position,
            undefined,
            'the event store subscription ended',
          );
          logger.error({ projection: this.name, checkpoint: this.position }, this.failure.message);
          this.runner.settleWaiters();
        }
        return;
      } catch (error) {
        if (error instanceof ApplyError) {
          this.failure = new ProjectionFailedError(this.name, this.position, error.event.position);
          logger.error(
            {
              projection: this.name,
              checkpoint: this.position,
              eventId: error.event.id,
              eventType: error.event.type,
              eventPosition: error.event.position,
              streamId: error.event.streamId,
              ...describeError(error.cause),
            },
            'projection failed to apply an event and has stopped',
          );
          this.runner.settleWaiters();
          return;
        }
        if (this.stopping) return;
        failures = this.position > before ? 1 : failures + 1;
        if (failures > maxRetries) {
          this.failure = new ProjectionFailedError(this.name, this.position, undefined);
          logger.error(
            { projection: this.name, checkpoint: this.position, ...describeError(error) },
            this.failure.message,
          );
          this.runner.settleWaiters();
          return;
        }
        const delayMs = Math.min(50 * 2 ** failures, 5000);
        logger.warn(
          {
            projection: this.name,
            checkpoint: this.position,
            attempt: failures,
            delayMs,
            ...describeError(error),
          },
          'projection could not read or commit; retrying from its checkpoint',
        );
        await sleep(delayMs, this.controller.signal);
        if (this.stopping) return;
        try {
          this.position = (await this.runner.options.readModels.checkpoint(this.name)).position;
        } catch {
          // the next attempt fails and counts again
        }
      }
    }
  }

  /**
   * Reads the log into batches. A full batch commits at once. A partial one commits when the event loop
   * comes round while the reader is waiting for the log: catching up, the next event is always at hand
   * (that check never runs in between), so batches fill; following live, what has arrived commits at once.
   * Commits run one after another, in log order, also when an idle check starts one while the reader waits.
   */
  private async follow(): Promise<void> {
    const { store } = this.runner.options;
    const { batchSize } = this.runner;
    const subscription = store.subscribe({ from: this.position, batchSize, signal: this.controller.signal });
    this.subscription = subscription;
    const events = subscription[Symbol.asyncIterator]();
    let batch: RecordedEvent[] = [];
    let committing: Promise<void> = Promise.resolve();
    let commitFailure: { error: unknown } | undefined;
    let waitingForLog = false;
    let idleCheckScheduled = false;

    const flush = (): Promise<void> => {
      if (batch.length > 0) {
        const full = batch;
        batch = [];
        committing = committing
          .then(() => (commitFailure ? undefined : this.commit(full)))
          .catch((error: unknown) => {
            commitFailure ??= { error };
            // Wakes the reader, which then reports the failure.
            void subscription.close().catch(() => {});
          });
      }
      return committing;
    };
    const scheduleIdleCheck = () => {
      if (idleCheckScheduled) return;
      idleCheckScheduled = true;
      setImmediate(() => {
        idleCheckScheduled = false;
        if (waitingForLog) void flush();
        else if (batch.length > 0) scheduleIdleCheck();
      });
    };

    try {
      for (;;) {
        let result: IteratorResult<RecordedEvent>;
        waitingForLog = true;
        try {
          result = await events.next();
        } catch (error) {
          if (this.stopping || commitFailure) break;
          throw error;
        } finally {
          waitingForLog = false;
        }
        if (result.done) break;
        batch.push(result.value);
        if (batch.length >= batchSize) await flush();
        else scheduleIdleCheck();
        if (this.stopping || commitFailure) break;
      }
      // Draining: what was read before the stop is committed, never half of it.
      await flush();
    } finally {
      this.subscription = undefined;
      await subscription.close().catch(() => {});
      await committing;
    }
    if (commitFailure) throw commitFailure.error;
  }

  private async commit(batch: readonly RecordedEvent[]): Promise<void> {
    const last = batch[batch.length - 1]!.position;
    const { projection } = this;
    await this.runner.options.readModels.applyBatch(this.name, last, async (tx) => {
      for (const event of batch) {
        if (!this.matches(event)) continue;
        try {
          await continueEventTrace(
            event,
            `project ${this.name}`,
            { 'dumas.service': this.runner.options.service ?? 'unknown', 'dumas.position': event.position },
            async () => projection.apply(event, tx),
          );
        } catch (error) {
          throw new ApplyError(event, error);
        }
      }
    });
    this.position = last;
    this.runner.settleWaiters();
  }
}

/**
 * Only a DomainError's message is logged: by this project's rule it names states and ids, never values a
 * complainant typed. Any other error may carry document content, so only its kind and stack frames go out.
 */
function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof DomainError)
    return { errorName: error.name, errorCode: error.code, error: error.message };
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      errorName: error.name,
      ...(typeof code === 'string' ? { errorCode: code } : {}),
      stack: error.stack?.split('\n').slice(1).join('\n'),
    };
  }
  return { errorName: typeof error };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
