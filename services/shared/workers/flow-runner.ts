/**
 * Process managers (flows) between subgraphs. Each flow is its own subscriber on the log with its own
 * checkpoint in the correspondence read-model store. An event's effect is a command on another stream,
 * appended with event ids derived from the event (`handleOnce`), and the flow's checkpoint (with any state
 * the flow keeps in its own collections) commits after the effect. So a crash anywhere between reading an
 * event and committing its checkpoint replays the event on restart, and the replay finds its effect already
 * in the target stream: nothing is lost and nothing is done twice.
 */
import type { CommandHandler, DomainCommand, DomainEvent } from '../decider';
import { DomainError } from '../errors';
import {
  DuplicateEventIdError,
  type EventFilter,
  type EventStore,
  type RecordedEvent,
} from '../eventstore/types';
import type { Logger } from '../logger';
import type { ReadModelStore, ReadModelTx } from '../projections/types';
import { uuidV5 } from '../ids';
import { continueEventTrace } from '../tracing';
import { describeError, EventFailed, type LogConsumer, LogRunner } from './log-runner';

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
  /** The subgraph running the flows (traces name it). */
  readonly service: string;
  /** Attempts per event before the flow stops and reports itself failed. Default 8 (about 13 s of backoff). */
  readonly maxAttempts?: number;
  /** First retry delay, doubled each time. Default 50 ms. */
  readonly retryDelayMs?: number;
}

/** How far a flow passes over events of no interest to it before its checkpoint is moved over them. */
const IDLE_CHECKPOINT_EVERY = 500;

/** The flows, each following the log on the shared core (log-runner.ts); an event's effect is retried. */
export class FlowRunner extends LogRunner {
  constructor(options: FlowRunnerOptions) {
    const { store, readModels, flows, logger, maxAttempts = 8, retryDelayMs } = options;
    super({
      store,
      kind: 'flow',
      logger,
      // Small batches: a flow's effects (mail, appends) take time, and a stop waits for the batch in hand.
      batchSize: 100,
      maxAttempts,
      ...(retryDelayMs !== undefined ? { retryDelayMs } : {}),
      retryFailedEvents: true,
      consumers: flows.map((flow) => flowConsumer(flow, readModels, options.service)),
    });
  }
}

/** A flow as the core sees it: each event's effect commits with the checkpoint at that event. */
function flowConsumer(flow: Flow, readModels: ReadModelStore, service: string): LogConsumer {
  let saved = 0;
  return {
    name: flow.name,
    filter: flow.filter,
    async prepare() {
      saved = (await readModels.checkpoint(flow.name)).position;
      return saved;
    },
    async commit(matched, last, signal) {
      for (const event of matched) {
        if (signal.aborted) throw new Error('the flow is stopping');
        try {
          await continueEventTrace(
            event,
            `flow ${flow.name}`,
            { 'dumas.service': service, 'dumas.position': event.position },
            () => readModels.applyBatch(flow.name, event.position, (tx) => flow.handle(event, tx)),
          );
        } catch (err) {
          throw new EventFailed(event, err);
        }
        saved = event.position;
      }
      if (last - saved >= IDLE_CHECKPOINT_EVERY) {
        await readModels.applyBatch(flow.name, last, async () => {});
        saved = last;
      }
    },
  };
}

export type OnceOutcome = 'APPLIED' | 'ALREADY_APPLIED' | 'UNCHANGED' | 'REFUSED';

export interface OnceOptions {
  /** Unique per effect: the event ids are derived from it, so the same key never appends twice. */
  readonly key: string;
  /** The event that caused the effect: causation, correlation and case travel on. */
  readonly cause?: RecordedEvent;
  readonly caseId?: string;
  readonly logger: Logger;
  /**
   * Asked when the decider refuses the command: true when the target no longer needs the effect because
   * someone did it meanwhile (the PIC acknowledged by hand between the flow's check and its command). Such
   * a refusal is the expected end of a race, not a fault: it is logged at debug, not as a warning.
   */
  readonly doneMeanwhile?: () => Promise<boolean>;
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
      if (options.doneMeanwhile && (await options.doneMeanwhile())) {
        options.logger.debug(
          { effect: options.key, streamId, command: command.type },
          'a flow effect was no longer needed: the target got there meanwhile',
        );
        return 'UNCHANGED';
      }
      options.logger.warn(
        { effect: options.key, streamId, command: command.type, ...describeError(err) },
        'a flow effect was refused by the target aggregate; it is not retried',
      );
      return 'REFUSED';
    }
    throw err;
  }
}
