/**
 * The state of a case as it stood at an instant, folded from the case's events by the very projections
 * that keep the live read models (complaint, letters, SLA clocks) into an in-memory read model. There
 * is no second implementation of any rule here: only the choice of events and an in-memory transaction.
 *
 * Two clocks answer two questions:
 * - OCCURRED — how the case stood in the world then: every event of the case that happened at or before
 *   the instant (`occurredAt`; an intake's original `receivedAt`), in log order. Imported cases and the
 *   demo data, whose history is dated by occurrence, read right only on this basis.
 * - RECORDED — what dumas knew then: the longest prefix of the case's events (in log order) recorded at
 *   or before the instant. Stopping at the first later event keeps the result a state the live read
 *   model really passed through, even if a writer's clock stepped back.
 */
import { COMPLAINTS_COLLECTION, type ComplaintDocument, complaintProjection } from '../complaint/contract';
import { LETTERS, type LetterDoc, lettersProjection } from '../correspondence/contract';
import {
  CALENDAR_EVENT_TYPES,
  createEvaluationProjection,
  SLA_CLOCKS,
  SLA_POLICY_EVENT_TYPES,
  type SlaClockDoc,
} from '../evaluation/contract';
import type { EventFilter, EventStore, RecordedEvent } from '../shared/eventstore/types';
import type { Projection, ReadModelTx } from '../shared/projections/types';
import type { ReadModelStore } from '../shared/projections/types';
import { type CaseEventsCache, readCaseEvents } from './case-events';
import { matchesFilter } from '../shared/eventstore/filter';

/** A read-model transaction over plain maps: what the projections write, kept in memory. */
export class InMemoryReadModel implements ReadModelTx {
  private readonly collections = new Map<string, Map<string, unknown>>();

  async get<T>(collection: string, id: string): Promise<T | undefined> {
    return this.collections.get(collection)?.get(id) as T | undefined;
  }
  async put<T>(collection: string, id: string, doc: T): Promise<void> {
    let docs = this.collections.get(collection);
    if (!docs) {
      docs = new Map();
      this.collections.set(collection, docs);
    }
    // Stored as JSON would store it, so the result compares equal to a persisted read model.
    docs.set(id, JSON.parse(JSON.stringify(doc)));
  }
  async delete(collection: string, id: string): Promise<void> {
    this.collections.get(collection)?.delete(id);
  }
  all<T>(collection: string): T[] {
    return [...(this.collections.get(collection)?.values() ?? [])] as T[];
  }
}

/** Folds events, in the order given, through each projection that accepts them. */
export async function foldProjections(
  projections: readonly Projection[],
  events: readonly RecordedEvent[],
): Promise<InMemoryReadModel> {
  const model = new InMemoryReadModel();
  for (const event of events) {
    for (const projection of projections) {
      if (matchesFilter(event, projection.filter)) await projection.apply(event, model);
    }
  }
  return model;
}

export interface CaseState {
  /** The instant asked for. */
  readonly at: string;
  /** The log position of the last event folded (0 when the case did not exist yet). */
  readonly position: number;
  /** Events of the case folded. */
  readonly events: number;
  /** Undefined when the case had not been received yet. */
  readonly complaint: ComplaintDocument | undefined;
  /** Letters covering the case, by id. */
  readonly letters: readonly LetterDoc[];
  /** SLA clocks of the case, in the order they started. */
  readonly clocks: readonly SlaClockDoc[];
}

export const TIME_BASES = ['OCCURRED', 'RECORDED'] as const;
export type TimeBasis = (typeof TIME_BASES)[number];

/** When an event happened in the world: an intake's original receipt time, else its occurredAt. */
export function occurredTimeOf(event: RecordedEvent): number {
  if (event.type === 'ComplaintReceived') {
    const receivedAt = (event.data as { receivedAt?: unknown }).receivedAt;
    if (typeof receivedAt === 'string') return Date.parse(receivedAt);
  }
  return Date.parse(event.metadata.occurredAt);
}

/** The case's events (in log order) that count as of `instant` on the basis. */
export function eventsAsOf(
  all: readonly RecordedEvent[],
  instant: number,
  basis: TimeBasis,
): readonly RecordedEvent[] {
  if (basis === 'OCCURRED') return all.filter((e) => occurredTimeOf(e) <= instant);
  const cut = all.findIndex((e) => Date.parse(e.recordedAt) > instant);
  return cut === -1 ? all : all.slice(0, cut);
}

export interface CaseStateOptions {
  /** Which clock `at` is read on (default OCCURRED: as the case stood in the world). */
  readonly basis?: TimeBasis;
  /** The projections to fold (default: the live ones of the complaint, correspondence and evaluation). */
  readonly projections?: readonly Projection[];
  /** The case index (see case-events.ts) to read the case's streams instead of scanning the log. */
  readonly index?: ReadModelStore;
  /** The case's events kept from an earlier read of it (see CaseEventsCache in case-events.ts). */
  readonly cache?: CaseEventsCache;
}

export function caseProjections(): Projection[] {
  return [complaintProjection, lettersProjection, createEvaluationProjection()];
}

/** The case as its events up to `at` (on the basis asked for) make it. */
export async function caseStateAsOf(
  store: EventStore,
  caseId: string,
  at: Date,
  options: CaseStateOptions = {},
): Promise<CaseState> {
  const all = await readCaseEvents(store, caseId, {
    ...(options.index ? { index: options.index } : {}),
    ...(options.cache ? { cache: options.cache } : {}),
  });
  const events = eventsAsOf(all, at.getTime(), options.basis ?? 'OCCURRED');
  const position = events.length ? events[events.length - 1]!.position : 0;
  return caseStateOfEvents(store, caseId, at.toISOString(), events, position, options);
}

/** The case as the given prefix of its events makes it, with the configuration in force at `position`. */
export async function caseStateOfEvents(
  store: EventStore,
  caseId: string,
  at: string,
  events: readonly RecordedEvent[],
  position: number,
  options: CaseStateOptions = {},
): Promise<CaseState> {
  const projections = options.projections ?? caseProjections();
  // SLA policy and calendar changes are no case's events, yet clocks depend on those in force then.
  const configTypes = configEventTypes(projections);
  const config =
    configTypes.length && position > 0
      ? (await store.readAll({ filter: { eventTypes: configTypes } })).filter((e) => e.position <= position)
      : [];
  const merged = mergeByPosition(config, events);
  const model = await foldProjections(projections, merged);
  const letters = model
    .all<LetterDoc>(LETTERS)
    .filter((l) => l.complaintIds.includes(caseId))
    .sort((a, b) => a.id.localeCompare(b.id));
  const clocks = model
    .all<SlaClockDoc>(SLA_CLOCKS)
    .filter((c) => c.complaintId === caseId)
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id));
  return {
    at,
    position,
    events: events.length,
    complaint: await model.get<ComplaintDocument>(COMPLAINTS_COLLECTION, caseId),
    letters,
    clocks,
  };
}

/** Event types a projection reads that no case carries: the SLA policy and the working-day calendar. */
function configEventTypes(projections: readonly Projection[]): string[] {
  const config: readonly string[] = [...SLA_POLICY_EVENT_TYPES, ...CALENDAR_EVENT_TYPES];
  return config.filter((t) => projections.some((p) => passesTypeFilter(t, p.filter)));
}

const passesTypeFilter = (type: string, filter: EventFilter | undefined) =>
  !filter?.eventTypes || filter.eventTypes.includes(type);

function mergeByPosition(a: readonly RecordedEvent[], b: readonly RecordedEvent[]): RecordedEvent[] {
  const byPosition = new Map<number, RecordedEvent>();
  for (const e of [...a, ...b]) byPosition.set(e.position, e);
  return [...byPosition.values()].sort((x, y) => x.position - y.position);
}
