import { inSpan } from './tracing';
import { randomUUID } from 'node:crypto';
import type {
  Actor,
  EventMetadata,
  EventStore,
  ExpectedRevision,
  NewEvent,
  RecordedEvent,
  StreamAppend,
} from './eventstore/types';
import { WrongExpectedRevisionError } from './eventstore/types';
import { conflict } from './errors';
import type { Guard } from './access';

/** A domain event as deciders see it: `{type, data}`; metadata is added by the command handler. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
}

/** A command as deciders see it. `now` is the injected time: deciders never read a clock. */
export interface DomainCommand<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
  readonly metadata: { readonly now: string; readonly actor: Actor };
}

/** Pure: no I/O, no clock. `decide` throws a DomainError to refuse a command. */
export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): readonly Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

export interface HandleOptions {
  /** The caller's view of the stream's last revision (GraphQL `expectedVersion`); CONFLICT when it moved on. */
  readonly expectedRevision?: ExpectedRevision;
  /** Retries on a concurrent append when the caller gave no expectedRevision. Default 3. */
  readonly retries?: number;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly caseId?: string;
  /**
   * Deterministic event ids (process managers): the same command replayed after a crash appends the same
   * ids, which the store treats as an idempotent retry.
   */
  readonly eventIds?: (index: number, event: DomainEvent) => string;
  /** Extra metadata copied onto every event (e.g. imported provenance). */
  readonly extraMetadata?: Readonly<Record<string, unknown>>;
  /**
   * Other streams' events committed in the same transaction, before the command's (EventStore.appendMany):
   * e.g. the tracking-number claim of an intake. A failed expected revision on one of them is rethrown
   * as it is (the caller's to judge), not retried or turned into a CONFLICT.
   */
  readonly alongside?: readonly StreamAppend[];
}

/** A client's nullable `expectedVersion` (GraphQL) as handle options: absent or null means no check. */
export const expectedRevisionOf = (
  version?: ExpectedRevision | null,
): Pick<HandleOptions, 'expectedRevision'> =>
  version !== undefined && version !== null ? { expectedRevision: version } : {};

export interface HandleResult<State, Event> {
  readonly state: State;
  readonly events: readonly Event[];
  /** The stream's last revision after the command (what the client sends back as expectedVersion). */
  readonly revision: number;
  /** Global position of the last appended event (0 when the command decided nothing). */
  readonly position: number;
}

/** Decides the commands in turn, each on the state the events before it left; throws what `decide` throws. */
export function decideAll<Command, Event, State>(
  decider: Decider<Command, Event, State>,
  state: State,
  commands: readonly Command[],
  guarded?: { readonly guard: Guard<Command, State>; readonly streamId: string },
): { state: State; decided: { event: Event; command: Command }[] } {
  let next = state;
  const decided: { event: Event; command: Command }[] = [];
  for (const command of commands) {
    guarded?.guard(command, next, guarded.streamId);
    for (const event of decider.decide(command, next)) {
      next = decider.evolve(next, event);
      decided.push({ event, command });
    }
  }
  return { state: next, decided };
}

/**
 * The events a decided sequence appends, each with its own command's time and actor and the handler's
 * metadata: what `handleAll` appends, for a caller that commits several streams at once (a bulk import).
 */
export function eventsToAppend<Command extends DomainCommand, Event extends DomainEvent>(
  decided: readonly { readonly event: Event; readonly command: Command }[],
  options: Pick<HandleOptions, 'eventIds' | 'extraMetadata' | 'correlationId' | 'causationId' | 'caseId'>,
): NewEvent[] {
  const correlationId = options.correlationId ?? randomUUID();
  return decided.map(({ event, command }, i) => ({
    id: options.eventIds ? options.eventIds(i, event) : randomUUID(),
    type: event.type,
    data: event.data,
    metadata: {
      ...options.extraMetadata,
      actor: command.metadata.actor,
      occurredAt: command.metadata.now,
      correlationId,
      ...(options.causationId ? { causationId: options.causationId } : {}),
      ...(options.caseId ? { caseId: options.caseId } : {}),
    } satisfies EventMetadata,
  }));
}

/**
 * The only code that talks to the store on behalf of a command: read the stream, fold `evolve`, ask the
 * subgraph's access guard, `decide`, append with the expected revision. A concurrent writer makes the
 * append fail; without a caller-given revision the whole cycle is retried a bounded number of times, with
 * one it is a CONFLICT. Handlers for callers carry their subgraph's guard (services/<subgraph>/access.ts);
 * process managers acting for the system run without one.
 */
export class CommandHandler<Command extends DomainCommand, Event extends DomainEvent, State> {
  constructor(
    private readonly store: EventStore,
    private readonly decider: Decider<Command, Event, State>,
    private readonly guard?: Guard<Command, State>,
  ) {}

  async load(
    streamId: string,
  ): Promise<{ state: State; revision: number | undefined; events: RecordedEvent[] }> {
    const events = await this.store.readStream(streamId);
    let state = this.decider.initialState();
    for (const e of events) state = this.decider.evolve(state, { type: e.type, data: e.data } as Event);
    const revision = events.length ? events[events.length - 1]!.revision : undefined;
    return { state, revision, events };
  }

  handle(
    streamId: string,
    command: Command,
    options: HandleOptions = {},
  ): Promise<HandleResult<State, Event>> {
    return this.handleAll(streamId, [command], options);
  }

  /**
   * Decides the commands one after the other, each on the state the previous ones left, and appends all
   * their events in one append: either every command happened or none did (a bulk import's whole case).
   * Each event keeps its own command's time and actor in its metadata.
   */
  handleAll(
    streamId: string,
    commands: readonly Command[],
    options: HandleOptions = {},
  ): Promise<HandleResult<State, Event>> {
    const name = commands.length === 1 ? commands[0]!.type : `${commands.length} commands`;
    return inSpan(`command ${name}`, { attributes: { 'dumas.stream': streamId } }, () =>
      this.decideAndAppend(streamId, commands, options),
    );
  }

  private async decideAndAppend(
    streamId: string,
    commands: readonly Command[],
    options: HandleOptions,
  ): Promise<HandleResult<State, Event>> {
    const maxAttempts = options.expectedRevision === undefined ? (options.retries ?? 3) + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      const { state, revision } = await this.load(streamId);
      if (typeof options.expectedRevision === 'number' && options.expectedRevision !== (revision ?? -1)) {
        // Access before the version: a refused caller learns nothing of the stream, not even its version.
        if (commands[0]) this.guard?.(commands[0], state, streamId);
        throw conflict(`${streamId} is at version ${revision ?? -1}, not ${options.expectedRevision}`, {
          expectedVersion: options.expectedRevision,
          actualVersion: revision ?? -1,
        });
      }
      const guarded = this.guard ? { guard: this.guard, streamId } : undefined;
      const { state: next, decided } = decideAll(this.decider, state, commands, guarded);
      const events = decided.map((d) => d.event);
      if (events.length === 0) return { state: next, events, revision: revision ?? -1, position: 0 };
      const toAppend = eventsToAppend(decided, options);
      try {
        const expectedRevision = revision === undefined ? 'no_stream' : revision;
        const result = options.alongside?.length
          ? await this.appendAlongside(options.alongside, { streamId, events: toAppend, expectedRevision })
          : await this.store.append(streamId, toAppend, { expectedRevision });
        return {
          state: next,
          events,
          revision: result.nextExpectedRevision,
          position: result.position,
        };
      } catch (err) {
        if (err instanceof WrongExpectedRevisionError && err.streamId === streamId) {
          if (attempt < maxAttempts) continue;
          throw conflict(`${streamId} was changed concurrently; reload and try again`, {
            actualVersion: err.actual === 'no_stream' ? -1 : err.actual,
          });
        }
        throw err;
      }
    }
  }

  /** The command's events after the others, in one transaction where the store can, else one by one. */
  private async appendAlongside(others: readonly StreamAppend[], own: StreamAppend) {
    if (this.store.appendMany) return (await this.store.appendMany([...others, own])).at(-1)!;
    for (const other of others) {
      await this.store.append(other.streamId, other.events, {
        expectedRevision: other.expectedRevision ?? 'any',
      });
    }
    return this.store.append(own.streamId, own.events, { expectedRevision: own.expectedRevision ?? 'any' });
  }
}
