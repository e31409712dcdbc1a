/**
 * The one subscribe / checkpoint / retry / wait core under every follower of the log: the projections
 * (services/shared/projections/runner.ts) and the flows (flow-runner.ts). Each consumer has its own
 * checkpoint; the core reads the log from it in batches, hands each batch to the consumer (which commits
 * its effects and its new checkpoint), retries failures from the stored checkpoint with backoff, and
 * answers `waitFor(position)` once every consumer has passed it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError, notFound } from '../errors';
import { eventMatcher } from '../eventstore/filter';
import type { EventFilter, EventStore, RecordedEvent, Subscription } from '../eventstore/types';

/** pino's shape, so a pino logger can be passed as is. */
export interface WorkerLogger {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

/** One follower of the log with its own checkpoint. */
export interface LogConsumer {
  readonly name: string;
  /** The events it handles (all when absent); the others only move its checkpoint. */
  readonly filter?: EventFilter;
  /** Its checkpoint, after resetting it when asked to (`rebuild`) or when it must (a new version). */
  prepare(rebuild: boolean): Promise<number>;
  /**
   * Handles the events of a batch that match its filter and commits its checkpoint up to `last` (at once
   * or later: the core re-reads from the stored checkpoint after a failure). An `EventFailed` names the
   * event it could not handle.
   */
  commit(matched: readonly RecordedEvent[], last: number, signal: AbortSignal): Promise<void>;
}

/** Thrown by a consumer for the event it could not handle (its cause is not logged: it may hold PII). */
export class EventFailed extends Error {
  constructor(
    readonly event: RecordedEvent,
    override readonly cause: unknown,
  ) {
    super('a consumer failed to handle an event');
  }
}

/** A consumer stopped: its checkpoint stays where it was, and waiting past it is refused. */
export class WorkerFailedError extends Error {
  constructor(
    readonly kind: string,
    readonly worker: string,
    /** The checkpoint the consumer stopped at. */
    readonly position: number,
    /** The position of the event it could not handle, when it was an event that failed. */
    readonly failedAt: number | undefined,
    reason = failedAt === undefined
      ? 'repeated store failures'
      : `applying the event at position ${failedAt} failed`,
  ) {
    super(`${kind} ${worker} stopped at position ${position}: ${reason}`);
  }
}

export interface LogRunnerOptions {
  readonly store: EventStore;
  /** Names it in logs, errors and /metrics. */
  readonly kind: 'projection' | 'flow';
  readonly consumers: readonly LogConsumer[];
  readonly logger?: WorkerLogger;
  /** Most events read into one batch. */
  readonly batchSize?: number;
  /** Attempts at the same checkpoint before the consumer stops. */
  readonly maxAttempts: number;
  /** First retry delay, doubled each time up to 5 s. Default 50 ms. */
  readonly retryDelayMs?: number;
  /** Whether an event the consumer failed on is retried (flows: a mail server may come back) or stops it. */
  readonly retryFailedEvents: boolean;
}

interface Waiter {
  readonly position: number;
  resolve(): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

const DEFAULT_WAIT_MS = 10_000;

const consoleLogger: WorkerLogger = {
  info: () => {},
  warn: (details, message) => console.warn(message, details),
  error: (details, message) => console.error(message, details),
};

export class LogRunner {
  private readonly consumers = new Map<string, Follower>();
  private readonly waiters = new Set<Waiter>();
  private stopped = false;

  constructor(readonly options: LogRunnerOptions) {
    for (const consumer of options.consumers) {
      if (this.consumers.has(consumer.name))
        throw new Error(`two ${options.kind}s are named ${consumer.name}`);
      this.consumers.set(consumer.name, new Follower(consumer, this));
    }
  }

  get logger(): WorkerLogger {
    return this.options.logger ?? consoleLogger;
  }

  async start(): Promise<void> {
    for (const f of this.consumers.values()) await f.prepare(false);
    for (const f of this.consumers.values()) f.run();
  }

  /** The lowest checkpoint among the consumers. */
  position(): number {
    let lowest = Number.POSITIVE_INFINITY;
    for (const f of this.consumers.values()) lowest = Math.min(lowest, f.position);
    return lowest === Number.POSITIVE_INFINITY ? 0 : lowest;
  }

  positions(): Record<string, number> {
    return Object.fromEntries([...this.consumers].map(([name, f]) => [name, f.position]));
  }

  /** What /metrics reads of a runner the runtime's workers run (registry.ts). */
  get followers(): { kind: 'projection' | 'flow'; positions(): Record<string, number> } {
    return { kind: this.options.kind, positions: () => this.positions() };
  }

  /** Why each stopped consumer stopped. */
  failures(): Record<string, string> {
    return Object.fromEntries(
      [...this.consumers].filter(([, f]) => f.failure).map(([name, f]) => [name, f.failure!.message]),
    );
  }

  /** Resolves once every consumer has passed `position`; rejects when one stopped before it. */
  waitFor(position: number, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const blocked = this.blockedBefore(position);
      if (blocked) return reject(blocked);
      if (this.consumers.size === 0 || this.position() >= position) return resolve();
      const waiter: Waiter = {
        position,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          const behind = [...this.consumers.values()]
            .filter((f) => f.position < position)
            .map((f) => ({ name: f.name, position: f.position }));
          reject(this.timedOut(position, timeoutMs, behind));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Resets one consumer and replays it from zero while the others keep running. */
  async rebuild(name: string): Promise<void> {
    if (this.stopped) throw new Error(`the ${this.options.kind} runner has stopped`);
    const follower = this.consumers.get(name);
    if (!follower) throw notFound(this.options.kind, name);
    await follower.stop();
    await follower.prepare(true);
    follower.run();
  }

  /** Ends every subscription after committing what was already read; pending waitFor calls reject. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all([...this.consumers.values()].map((f) => f.stop()));
    this.settle();
  }

  /** The error a waitFor that ran out of time rejects with. */
  protected timedOut(
    position: number,
    timeoutMs: number,
    behind: readonly { name: string; position: number }[],
  ): Error {
    const list = behind.map((b) => `${b.name} at ${b.position}`).join(', ');
    return new Error(
      `${this.options.kind}s did not reach position ${position} within ${timeoutMs} ms (${list})`,
    );
  }

  /** The error a consumer stops with. */
  failed(name: string, position: number, failedAt?: number, reason?: string): WorkerFailedError {
    return new WorkerFailedError(this.options.kind, name, position, failedAt, reason);
  }

  /** Called whenever a checkpoint moves or a consumer stops. */
  settle(): void {
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
    for (const f of this.consumers.values()) if (f.failure && f.position < position) return f.failure;
    if (this.stopped && this.position() < position)
      return new Error(`the ${this.options.kind} runner has stopped`);
    return undefined;
  }
}

class Follower {
  position = 0;
  failure: WorkerFailedError | undefined;
  private controller = new AbortController();
  private subscription: Subscription | undefined;
  private loop: Promise<void> | undefined;
  private readonly matches: (event: RecordedEvent) => boolean;

  constructor(
    readonly consumer: LogConsumer,
    private readonly runner: LogRunner,
  ) {
    this.matches = eventMatcher(consumer.filter);
  }

  get name(): string {
    return this.consumer.name;
  }

  private get stopping(): boolean {
    return this.controller.signal.aborted;
  }

  async prepare(rebuild: boolean): Promise<void> {
    this.position = await this.consumer.prepare(rebuild);
    this.failure = undefined;
    this.controller = new AbortController();
    this.runner.settle();
  }

  run(): void {
    this.loop = this.supervise();
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.subscription?.close().catch(() => {});
    await this.loop;
  }

  private fail(failure: WorkerFailedError, details: Record<string, unknown>, message = failure.message) {
    this.failure = failure;
    this.runner.logger.error(
      { [this.runner.options.kind]: this.name, checkpoint: this.position, ...details },
      message,
    );
    this.runner.settle();
  }

  /** Follows the log; failures are retried from the stored checkpoint until the attempts run out. */
  private async supervise(): Promise<void> {
    const { kind, maxAttempts, retryFailedEvents, retryDelayMs = 50 } = this.runner.options;
    let attempts = 0;
    while (!this.stopping) {
      const before = this.position;
      try {
        await this.follow();
        // The store ended the subscription (it was closed): nothing more will arrive, say so.
        if (!this.stopping)
          this.fail(
            this.runner.failed(this.name, this.position, undefined, 'the event store subscription ended'),
            {},
          );
        return;
      } catch (error) {
        if (this.stopping) return;
        const event = error instanceof EventFailed ? error.event : undefined;
        const cause = error instanceof EventFailed ? error.cause : error;
        const details = event
          ? {
              eventId: event.id,
              eventType: event.type,
              eventPosition: event.position,
              streamId: event.streamId,
            }
          : {};
        attempts = this.position > before ? 1 : attempts + 1;
        if ((event && !retryFailedEvents) || attempts >= maxAttempts) {
          const failure = this.runner.failed(this.name, this.position, event?.position);
          this.fail(
            failure,
            { ...details, ...describeError(cause) },
            event ? `${kind} failed to handle an event and has stopped` : failure.message,
          );
          return;
        }
        const delayMs = Math.min(retryDelayMs * 2 ** (attempts - 1), 5000);
        this.runner.logger.warn(
          {
            [kind]: this.name,
            checkpoint: this.position,
            attempt: attempts,
            delayMs,
            ...details,
            ...describeError(cause),
          },
          `${kind} failed; retrying from its checkpoint`,
        );
        await sleep(delayMs, undefined, { signal: this.controller.signal }).catch(() => {});
        if (this.stopping) return;
        try {
          this.position = await this.consumer.prepare(false);
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
    const { store, batchSize } = this.runner.options;
    // The store reads only what this consumer takes (an index on type or stream), instead of every event
    // of the log parsed and dropped here; its progress reports carry the position past the rest.
    const filtered = store.reportsProgress === true && this.consumer.filter !== undefined;
    const subscription = store.subscribe({
      from: this.position,
      signal: this.controller.signal,
      ...(batchSize ? { batchSize } : {}),
      ...(filtered ? { filter: this.consumer.filter, onProgress: (position) => progressTo(position) } : {}),
    });
    this.subscription = subscription;
    const events = subscription[Symbol.asyncIterator]();
    let batch: RecordedEvent[] = [];
    let committing: Promise<void> = Promise.resolve();
    let commitFailure: { error: unknown } | undefined;
    let waitingForLog = false;
    let idleCheckScheduled = false;

    // Commits run one after another, in log order.
    const enqueue = (work: () => Promise<void> | undefined): Promise<void> => {
      committing = committing
        .then(() => (commitFailure ? undefined : work()))
        .catch((error: unknown) => {
          commitFailure ??= { error };
          // Wakes the reader, which then reports the failure.
          void subscription.close().catch(() => {});
        });
      return committing;
    };
    const flush = (): Promise<void> => {
      if (batch.length > 0) {
        const full = batch;
        batch = [];
        enqueue(() => this.commit(full, full[full.length - 1]!.position));
      }
      return committing;
    };
    // The log was read up to `position` and nothing more matches yet: after what was read, the consumer
    // commits its checkpoint there, with no event (read-your-writes waits on its position).
    const progressTo = (position: number) => {
      void flush();
      enqueue(() => (position > this.position ? this.commit([], position) : undefined));
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
        if (batch.length >= (batchSize ?? Number.POSITIVE_INFINITY)) await flush();
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

  private async commit(batch: readonly RecordedEvent[], last: number): Promise<void> {
    await this.consumer.commit(batch.filter(this.matches), last, this.controller.signal);
    this.position = last;
    this.runner.settle();
  }
}

/**
 * Only a DomainError's message is logged: by this project's rule it names states and ids, never values a
 * complainant typed. Any other error may carry document content, so only its kind and stack frames go out.
 */
export function describeError(error: unknown): Record<string, unknown> {
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
