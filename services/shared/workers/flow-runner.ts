/**
 * Process managers (flows) between subgraphs. Each flow is its own subscriber on the log with its own
 * checkpoint in the correspondence read-model store. An event's effect is a command on another stream,
 * appended with event ids derived from the event (`handleOnce`), and the flow's checkpoint (with any state
 * the flow keeps in its own collections) commits after the effect. So a crash anywhere between reading an
 * event and committing its checkpoint replays the event on restart, and the replay finds its effect already
 * in the target stream: nothing is lost and nothing is done twice.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandHandler, DomainCommand, DomainEvent } from '../decider';
import { DomainError } from '../errors';
import {
  DuplicateEventIdError,
  type EventFilter,
  type EventStore,
  type RecordedEvent,
  type Subscription,
} from '../eventstore/types';
import type { Logger } from '../logger';
import type { ReadModelStore, ReadModelTx } from '../projections/types';
import { uuidV5 } from '../ids';
import { eventMatcher } from '../eventstore/filter';
import { continueEventTrace } from '../tracing';

export interface Flow {
  /** The checkpoint's key, e.g. `flow.follow_up_drafts`. */
  readonly name: string;
  /** Collections the flow keeps its own state in (written only through the tx it is handed). */
  readonly collections?: readonly string[];
  readonly filter: EventFilter;
  /** Carries out the event's effect; throwing (other than a handled refusal) retries the event later. */
  handle(event: RecordedEvent, tx: ReadModelTx): Promise<void>;
}

export interface FlowRunnerOptions {
  readonly store: EventStore;
  readonly readModels: ReadModelStore;
  readonly flows: readonly Flow[];
  readonly logger: Logger;
  /** Attempts per event before the flow stops and reports itself failed. Default 8 (about 13 s of backoff). */
  readonly maxAttempts?: number;
  /** First retry delay, doubled each time. Default 50 ms. */
  readonly retryDelayMs?: number;
}

/** How many consecutive events of no interest to a flow are passed before its checkpoint is moved over them. */
const IDLE_CHECKPOINT_EVERY = 500;

export class FlowFailedError extends Error {
  readonly code = 'FLOW_FAILED';
  constructor(
    readonly flow: string,
    readonly position: number,
  ) {
    super(`flow ${flow} stopped before the event at position ${position}`);
    this.name = 'FlowFailedError';
  }
}

export class FlowRunner {
  private readonly workers: FlowWorker[];
  private readonly waiters = new Set<{ position: number; resolve(): void; reject(e: Error): void }>();
  private stopped = false;

  constructor(readonly options: FlowRunnerOptions) {
    const names = new Set<string>();
    for (const f of options.flows) {
      if (names.has(f.name)) throw new Error(`two flows are named ${f.name}`);
      names.add(f.name);
    }
    this.workers = options.flows.map((f) => new FlowWorker(f, this));
  }

  async start(): Promise<void> {
    for (const w of this.workers) await w.prepare();
    for (const w of this.workers) w.run();
  }

  /** The lowest position every flow has passed. */
  position(): number {
    return Math.min(...this.workers.map((w) => w.position), Number.MAX_SAFE_INTEGER);
  }

  positions(): Record<string, number> {
    return Object.fromEntries(this.workers.map((w) => [w.flow.name, w.position]));
  }

  failures(): Record<string, string> {
    return Object.fromEntries(
      this.workers.filter((w) => w.failure).map((w) => [w.flow.name, w.failure!.message]),
    );
  }

  /** Resolves once every flow has handled the log up to `position` (their effects are appended). */
  waitFor(position: number, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const blocked = this.blocked(position);
      if (blocked) return reject(blocked);
      if (this.position() >= position) return resolve();
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`flows did not reach position ${position} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.add(waiter);
    });
  }

  settle(): void {
    if (this.waiters.size === 0) return;
    const reached = this.position();
    for (const w of this.waiters) {
      const blocked = this.blocked(w.position);
      if (reached >= w.position) w.resolve();
      else if (blocked) w.reject(blocked);
      else continue;
      this.waiters.delete(w);
    }
  }

  private blocked(position: number): Error | undefined {
    for (const w of this.workers) if (w.failure && w.position < position) return w.failure;
    if (this.stopped && this.position() < position) return new Error('the flows have stopped');
    return undefined;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(this.workers.map((w) => w.stop()));
    this.settle();
  }
}

class FlowWorker {
  position = 0;
  failure: FlowFailedError | undefined;
  private readonly controller = new AbortController();
  private subscription: Subscription | undefined;
  private loop: Promise<void> | undefined;
  private readonly matches: (e: RecordedEvent) => boolean;

  constructor(
    readonly flow: Flow,
    private readonly runner: FlowRunner,
  ) {
    this.matches = eventMatcher(flow.filter);
  }

  async prepare(): Promise<void> {
    const { position } = await this.runner.options.readModels.checkpoint(this.flow.name);
    this.position = position;
  }

  run(): void {
    this.loop = this.follow().catch((err: unknown) => {
      this.runner.options.logger.error({ flow: this.flow.name, err: describe(err) }, 'flow loop ended');
    });
  }

  private async follow(): Promise<void> {
    const { store, logger } = this.runner.options;
    // Unfiltered, so that the position moves with the log and `waitFor(head)` can be answered; events of
    // no interest cost one comparison.
    this.subscription = store.subscribe({ from: this.position, signal: this.controller.signal });
    let skipped = 0;
    for await (const event of this.subscription) {
      if (this.controller.signal.aborted) break;
      if (this.matches(event)) {
        const ok = await this.handleWithRetry(event);
        if (!ok) return;
        skipped = 0;
      } else if (++skipped >= IDLE_CHECKPOINT_EVERY) {
        await this.runner.options.readModels.applyBatch(this.flow.name, event.position, async () => {});
        skipped = 0;
      }
      this.position = event.position;
      this.runner.settle();
    }
    logger.debug({ flow: this.flow.name, position: this.position }, 'flow subscription ended');
  }

  private async handleWithRetry(event: RecordedEvent): Promise<boolean> {
    const { readModels, logger } = this.runner.options;
    const maxAttempts = this.runner.options.maxAttempts ?? 8;
    let delay = this.runner.options.retryDelayMs ?? 50;
    for (let attempt = 1; ; attempt++) {
      try {
        await continueEventTrace(
          event,
          `flow ${this.flow.name}`,
          { 'dumas.service': 'correspondence', 'dumas.position': event.position },
          () => readModels.applyBatch(this.flow.name, event.position, (tx) => this.flow.handle(event, tx)),
        );
        return true;
      } catch (err) {
        if (this.controller.signal.aborted) return false;
        const details = { flow: this.flow.name, position: event.position, eventType: event.type, attempt };
        if (attempt >= maxAttempts) {
          this.failure = new FlowFailedError(this.flow.name, event.position);
          logger.error({ ...details, err: describe(err) }, 'flow stopped: the event could not be handled');
          this.runner.settle();
          return false;
        }
        logger.warn({ ...details, err: describe(err) }, 'flow will retry an event');
        await sleep(delay, undefined, { signal: this.controller.signal }).catch(() => undefined);
        if (this.controller.signal.aborted) return false;
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.subscription?.close();
    await this.loop;
  }
}

/** Only a DomainError's message is logged (it names states and ids); other errors only by name and code. */
export function describe(err: unknown): Record<string, unknown> {
  if (err instanceof DomainError) return { name: err.name, code: err.code, message: err.message };
  if (err instanceof Error) return { name: err.name, code: (err as { code?: unknown }).code };
  return { name: typeof err };
}

export type OnceOutcome = 'APPLIED' | 'ALREADY_APPLIED' | 'UNCHANGED' | 'REFUSED';

export interface OnceOptions {
  /** Unique per effect: the event ids are derived from it, so the same key never appends twice. */
  readonly key: string;
  /** The event that caused the effect: causation, correlation and case travel on. */
  readonly cause?: RecordedEvent;
  readonly caseId?: string;
  readonly logger: Logger;
}

/** The id of the `index`-th event an effect appends. */
export const effectEventId = (key: string, index: number) => uuidV5(`flow-effect/${key}#${index}`);

/**
 * Runs a command at most once in effect: when the target stream already holds the effect's first event id
 * it is not decided again (a replay after a crash), and a refusal by the decider (the agency already
 * acknowledged by hand, say) is logged and counts as done, because the same state would refuse it again.
 */
export async function handleOnce<C extends DomainCommand, E extends DomainEvent, S>(
  handler: CommandHandler<C, E, S>,
  store: EventStore,
  streamId: string,
  command: C,
  options: OnceOptions,
): Promise<OnceOutcome> {
  const first = effectEventId(options.key, 0);
  const existing = await store.readStream(streamId);
  if (existing.some((e) => e.id === first)) return 'ALREADY_APPLIED';
  const cause = options.cause;
  const caseId = options.caseId ?? cause?.metadata.caseId;
  try {
    const result = await handler.handle(streamId, command, {
      eventIds: (index) => effectEventId(options.key, index),
      ...(cause ? { causationId: cause.id } : {}),
      ...(cause?.metadata.correlationId ? { correlationId: cause.metadata.correlationId } : {}),
      ...(caseId ? { caseId } : {}),
    });
    return result.events.length > 0 ? 'APPLIED' : 'UNCHANGED';
  } catch (err) {
    if (err instanceof DuplicateEventIdError) return 'ALREADY_APPLIED';
    if (err instanceof DomainError && err.code !== 'CONFLICT') {
      options.logger.warn(
        { effect: options.key, streamId, command: command.type, err: describe(err) },
        'a flow effect was refused by the target aggregate; it is not retried',
      );
      return 'REFUSED';
    }
    throw err;
  }
}
