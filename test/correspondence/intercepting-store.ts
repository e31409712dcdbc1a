import type {
  AppendOptions,
  AppendResult,
  EventStore,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
  Subscription,
} from '../../services/shared/eventstore/types';

/**
 * A real event store with a hook around `append`, to put a crash at an exact point of a multi-step
 * operation: `before` throwing means the append never happened; `after` throwing (or killing the
 * process) means it was committed but the caller never learned of it.
 */
export class InterceptingEventStore implements EventStore {
  constructor(
    private readonly inner: EventStore,
    private readonly hooks: {
      before?: (streamId: string, events: readonly NewEvent[]) => void;
      after?: (streamId: string, events: readonly NewEvent[]) => void;
      /** The append was refused (e.g. a WrongExpectedRevisionError from a lost race). */
      refused?: (streamId: string, error: unknown) => void;
    },
  ) {}

  async append(
    streamId: string,
    events: readonly NewEvent[],
    options?: AppendOptions,
  ): Promise<AppendResult> {
    this.hooks.before?.(streamId, events);
    let result: AppendResult;
    try {
      result = await this.inner.append(streamId, events, options);
    } catch (err) {
      this.hooks.refused?.(streamId, err);
      throw err;
    }
    this.hooks.after?.(streamId, events);
    return result;
  }
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.inner.readStream(streamId, options);
  }
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.inner.readAll(options);
  }
  subscribe(options?: SubscribeOptions): Subscription {
    return this.inner.subscribe(options);
  }
  headPosition(): Promise<number> {
    return this.inner.headPosition();
  }
  streamRevision(streamId: string): Promise<number | undefined> {
    return this.inner.streamRevision(streamId);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
