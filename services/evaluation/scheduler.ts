/**
 * The breach scheduler: on every tick it looks for SLA clocks that ran out and appends DeadlineBreached
 * for each, so the breach is on the record (and the clock's state becomes BREACHED in the read model).
 *
 * Exactly once per clock, across restarts and racing processes: the event id is derived from the clock id
 * (deadlineBreachedEventId), so a second append of the same breach is refused by the store as a duplicate
 * id and counted as already recorded. "Now" is the injected clock's, so tests drive it with a FixedClock.
 */
import type { Clock } from '../shared/clock';
import { DuplicateEventIdError, type EventStore } from '../shared/eventstore/types';
import type { Logger } from '../shared/logger';
import { breachBacklog, breachesRecorded, schedulerLastPass } from '../shared/metrics';
import type { ProjectionRunner, ReadModelStore } from '../shared/projections';
import {
  deadlineBreached,
  deadlineBreachedEventId,
  dueBreaches,
  evaluateClock,
  type SlaClock,
  slaStreamId,
  calendarOfClock,
  type ClockContext,
} from './domain/clocks';
import { compareInstants } from '../shared/calendar/dates';
import { clockContextFromReadModel, clockOfDoc, SLA_CLOCKS, type SlaClockDoc } from './projections';

/** The orders of the scheduler's two queries: those of its two indexes (EVALUATION_INDEXES). */
export const DUE_ORDER = [{ path: 'dueWatch' }, { path: 'id' }] as const;
export const LATE_STOP_ORDER = [{ path: 'lateStopWatch' }, { path: 'id' }] as const;

/** The actor on the record for breaches: the system, not a person. */
export const SCHEDULER_ACTOR = { id: 'sla-scheduler', role: 'SYSTEM' } as const;

/** Clocks stopped within this long before a tick are checked for a late stop the scheduler missed. */
const LATE_STOP_LOOKBACK_MS = 45 * 24 * 60 * 60 * 1000;

export interface BreachSchedulerOptions {
  readonly store: EventStore;
  readonly readModels: ReadModelStore;
  readonly projections: Pick<ProjectionRunner, 'waitFor'>;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** The clock context held in memory (default: read from the read models on each pass). */
  readonly context?: () => Promise<ClockContext>;
}

export interface TickResult {
  readonly now: string;
  /** Breaches appended by this tick. */
  readonly recorded: readonly string[];
  /** Breaches another tick (or process) had already recorded. */
  readonly alreadyRecorded: readonly string[];
}

/** Ticked by hand (tests, tools) or by the timer the evaluation runtime runs once across replicas. */
export class BreachScheduler {
  private running: Promise<TickResult> | undefined;

  constructor(private readonly options: BreachSchedulerOptions) {}

  /** One pass; overlapping calls share the pass in progress. */
  tick(): Promise<TickResult> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<TickResult> {
    const { store, readModels, projections, clock, logger } = this.options;
    const now = clock.now().toISOString();
    // Judge clocks on everything already in the log: a stop appended just before must not read as a breach.
    await projections.waitFor(await store.headPosition());
    const ctx = await (this.options.context?.() ?? clockContextFromReadModel(readModels));
    const nowMs = Date.parse(now);
    // Both from an index of when each clock needs looking at, so a pass reads the clocks falling due
    // (and the few that stopped late), not every open clock of the store.
    const [running, stopped] = await Promise.all([
      readModels.find<SlaClockDoc>(SLA_CLOCKS, {
        where: { dueWatch: { lt: now } },
        orderBy: DUE_ORDER,
      }),
      readModels.find<SlaClockDoc>(SLA_CLOCKS, {
        where: { lateStopWatch: { gt: new Date(nowMs - LATE_STOP_LOOKBACK_MS).toISOString() } },
        orderBy: LATE_STOP_ORDER,
      }),
    ]);
    const candidates = new Map<string, SlaClock>();
    for (const doc of [...running, ...stopped]) {
      if (doc.breachRecordedAt) continue;
      const stored = clockOfDoc(doc);
      const judged = evaluateClock(stored, calendarOfClock(ctx, stored), now);
      candidates.set(doc.id, { ...stored, dueDate: judged.dueDate, dueAt: judged.dueAt });
    }
    const recorded: string[] = [];
    const alreadyRecorded: string[] = [];
    const due = dueBreaches([...candidates.values()], now).filter(
      (breach) => breach.dueAt !== null && compareInstants(now, breach.dueAt) > 0,
    );
    breachBacklog.set({ service: 'evaluation' }, due.length);
    for (const breach of due) {
      const event = deadlineBreached(breach, now);
      try {
        const appended = await store.append(
          slaStreamId(breach.complaintId),
          [
            {
              id: deadlineBreachedEventId(breach.id),
              type: event.type,
              data: event.data,
              metadata: { occurredAt: now, actor: SCHEDULER_ACTOR, caseId: breach.complaintId },
            },
          ],
          { expectedRevision: 'any' },
        );
        // Another scheduler wrote the very same breach (same id, same stream) since this one looked.
        if (appended.alreadyStored) alreadyRecorded.push(breach.id);
        else recorded.push(breach.id);
      } catch (err) {
        // The same id with another detectedAt: a previous run recorded this breach already.
        if (err instanceof DuplicateEventIdError) alreadyRecorded.push(breach.id);
        else throw err;
      }
    }
    if (recorded.length > 0) logger?.info({ recorded: recorded.length, now }, 'SLA breaches recorded');
    breachesRecorded.inc({ service: 'evaluation' }, recorded.length);
    breachBacklog.set({ service: 'evaluation' }, 0);
    schedulerLastPass.set({ service: 'evaluation', scheduler: 'sla_breaches' }, Date.now() / 1000);
    return { now, recorded, alreadyRecorded };
  }
}
