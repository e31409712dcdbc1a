import { requiredText } from '../../shared/validation';
import type { Decider, DomainCommand, DomainEvent } from '../../shared/decider';
import { badInput, invalidTransition, notFound } from '../../shared/errors';
import { dayNumber, jakartaDate, type LocalDate } from '../../shared/calendar/dates';
import type { CaseFactKind } from './case-facts';
import { assertNever } from '../../shared/never';

export const SLA_POLICY_STREAM = 'sla-policy';

export type ClockKind =
  | 'VERIFICATION'
  | 'AGENCY_FIRST_FOLLOW_UP'
  | 'WRITTEN_RESPONSE'
  | 'COMPLETION'
  | 'AUTO_CLOSE';
export const CLOCK_KINDS: readonly ClockKind[] = [
  'VERIFICATION',
  'AGENCY_FIRST_FOLLOW_UP',
  'WRITTEN_RESPONSE',
  'COMPLETION',
  'AUTO_CLOSE',
];

export type DurationUnit = 'WORKING_DAYS' | 'CALENDAR_DAYS';

export interface ClockLimit {
  /** Whole days, 1..365. */
  readonly length: number;
  readonly unit: DurationUnit;
}

export type ClockLimits = Readonly<Record<ClockKind, ClockLimit>>;

/** DOMAIN.md's defaults. */
export const DEFAULT_CLOCK_LIMITS: ClockLimits = {
  VERIFICATION: { length: 3, unit: 'WORKING_DAYS' },
  AGENCY_FIRST_FOLLOW_UP: { length: 5, unit: 'WORKING_DAYS' },
  WRITTEN_RESPONSE: { length: 14, unit: 'CALENDAR_DAYS' },
  COMPLETION: { length: 60, unit: 'CALENDAR_DAYS' },
  AUTO_CLOSE: { length: 10, unit: 'WORKING_DAYS' },
};

/**
 * What starts, pauses and stops each clock, in terms of case facts (case-facts.ts maps the complaint and
 * correspondence events onto them). These follow the process itself, so they are code, not settings.
 * Every clock of a complaint pauses while it awaits information from the complainant, and every running
 * clock stops when the complaint is resolved, closed or rejected.
 */
/** What starts a clock: a fact, or a reopening into a given state. */
export type ClockTrigger = CaseFactKind | 'REOPENED_TO_RECEIVED' | 'REOPENED_TO_VERIFIED';

export interface ClockRule {
  /** COMPLAINT: one clock per complaint; FORWARDING: one per forwarding (complaint × agency × round). */
  readonly scope: 'COMPLAINT' | 'FORWARDING';
  readonly startsOn: readonly ClockTrigger[];
  /** Facts that stop it (ACKNOWLEDGED and RESPONDED stop only the clocks of their own forwarding). */
  readonly stopsOn: readonly CaseFactKind[];
  readonly pausesOn: readonly CaseFactKind[];
  readonly resumesOn: readonly CaseFactKind[];
  readonly description: string;
}

const PAUSE: Pick<ClockRule, 'pausesOn' | 'resumesOn'> = {
  pausesOn: ['INFORMATION_REQUESTED'],
  resumesOn: ['INFORMATION_PROVIDED'],
};
const TERMINAL: readonly CaseFactKind[] = ['RESOLVED', 'CLOSED', 'REJECTED'];

export const CLOCK_RULES: Readonly<Record<ClockKind, ClockRule>> = {
  VERIFICATION: {
    scope: 'COMPLAINT',
    startsOn: ['RECEIVED', 'REOPENED_TO_RECEIVED'],
    stopsOn: ['FORWARDED', ...TERMINAL],
    ...PAUSE,
    description: 'Asdep Dumas verifies and forwards (or rejects) a complaint after receiving it.',
  },
  AGENCY_FIRST_FOLLOW_UP: {
    scope: 'FORWARDING',
    startsOn: ['FORWARDED', 'RESPONSE_INSUFFICIENT'],
    stopsOn: ['ACKNOWLEDGED', 'RESPONDED', ...TERMINAL],
    ...PAUSE,
    description:
      'The agency takes up (acknowledges or answers) a complaint forwarded to it; a forwarding that replaces ' +
      'one found insufficient starts its own.',
  },
  WRITTEN_RESPONSE: {
    scope: 'FORWARDING',
    startsOn: ['FORWARDED', 'RESPONSE_INSUFFICIENT'],
    stopsOn: ['RESPONDED', ...TERMINAL],
    ...PAUSE,
    description: 'The agency responds in writing to a complaint forwarded to it (UU 25/2009).',
  },
  COMPLETION: {
    scope: 'COMPLAINT',
    startsOn: ['VERIFIED', 'REOPENED_TO_VERIFIED'],
    stopsOn: [...TERMINAL],
    ...PAUSE,
    description: 'The complaint is completed once its file is complete, i.e. verified (Perpres 76/2013).',
  },
  AUTO_CLOSE: {
    scope: 'COMPLAINT',
    startsOn: ['RESPONDED'],
    stopsOn: ['RESPONSE_INSUFFICIENT', 'REOPENED', ...TERMINAL],
    ...PAUSE,
    description:
      'Starts when every agency the complaint awaits has responded; when it runs out with no reply from the ' +
      'complainant the complaint may be closed automatically (SP4N-LAPOR!).',
  },
};

export interface SlaPolicyVersion {
  /** 0 is the built-in default; changes are numbered 1, 2, … */
  readonly version: number;
  /** The first Jakarta date on which clocks start under this version. */
  readonly effectiveFrom: LocalDate;
  readonly limits: ClockLimits;
  readonly reason: string;
  readonly changedBy?: string;
  readonly changedAt?: string;
}

export const DEFAULT_POLICY_VERSION: SlaPolicyVersion = {
  version: 0,
  effectiveFrom: '2000-01-01',
  limits: DEFAULT_CLOCK_LIMITS,
  reason: 'defaults of DOMAIN.md (SP4N-LAPOR!, UU 25/2009, Perpres 76/2013)',
};

export type SlaPolicyCommand =
  | DomainCommand<
      'ChangeSlaPolicy',
      {
        readonly effectiveFrom: LocalDate;
        /** Only the clocks that change; the others keep the limits in force on effectiveFrom. */
        readonly limits: Partial<Record<ClockKind, ClockLimit>>;
        readonly reason: string;
      }
    >
  | DomainCommand<'WithdrawSlaPolicyChange', { readonly version: number; readonly reason: string }>;

export type SlaPolicyEvent =
  | DomainEvent<
      'SlaPolicyChanged',
      {
        readonly version: number;
        readonly effectiveFrom: LocalDate;
        /** The complete limits of this version. */
        readonly limits: ClockLimits;
        readonly reason: string;
        readonly changedBy: string;
        readonly changedAt: string;
      }
    >
  | DomainEvent<
      'SlaPolicyChangeWithdrawn',
      {
        readonly version: number;
        readonly reason: string;
        readonly withdrawnBy: string;
        readonly withdrawnAt: string;
      }
    >;

export const SLA_POLICY_EVENT_TYPES: readonly SlaPolicyEvent['type'][] = [
  'SlaPolicyChanged',
  'SlaPolicyChangeWithdrawn',
];

/** DEFAULT: no change ever made; VERSIONED: at least one change recorded (some may be withdrawn). */
export type SlaPolicyState =
  | { readonly status: 'DEFAULT'; readonly versions: readonly [SlaPolicyVersion]; readonly lastVersion: 0 }
  | {
      readonly status: 'VERSIONED';
      readonly versions: readonly SlaPolicyVersion[];
      readonly lastVersion: number;
    };

/** The version in force for clocks starting on a date: the latest effectiveFrom ≤ date, later version on a tie. */
export function policyVersionAt(versions: readonly SlaPolicyVersion[], date: LocalDate): SlaPolicyVersion {
  let best: SlaPolicyVersion = DEFAULT_POLICY_VERSION;
  for (const v of versions) {
    if (v.effectiveFrom > date) continue;
    if (
      v.effectiveFrom > best.effectiveFrom ||
      (v.effectiveFrom === best.effectiveFrom && v.version > best.version)
    ) {
      best = v;
    }
  }
  return best;
}

function validLimit(kind: string, limit: ClockLimit): ClockLimit {
  if (!CLOCK_KINDS.includes(kind as ClockKind)) throw badInput(`unknown clock ${kind}`, { field: 'limits' });
  if (!Number.isInteger(limit.length) || limit.length < 1 || limit.length > 365) {
    throw badInput(`the length of ${kind} must be a whole number of days 1..365`, {
      field: `limits.${kind}`,
    });
  }
  if (limit.unit !== 'WORKING_DAYS' && limit.unit !== 'CALENDAR_DAYS') {
    throw badInput(`the unit of ${kind} must be WORKING_DAYS or CALENDAR_DAYS`, { field: `limits.${kind}` });
  }
  return { length: limit.length, unit: limit.unit };
}

export const slaPolicyDecider: Decider<SlaPolicyCommand, SlaPolicyEvent, SlaPolicyState> = {
  initialState: () => ({ status: 'DEFAULT', versions: [DEFAULT_POLICY_VERSION], lastVersion: 0 }),
  decide(command, state) {
    const { actor, now } = command.metadata;
    const today = jakartaDate(now);
    switch (command.type) {
      case 'ChangeSlaPolicy': {
        const { effectiveFrom } = command.data;
        dayNumber(effectiveFrom);
        // Clocks that already started keep their rules: a change can only reach forward.
        if (effectiveFrom < today) {
          throw badInput(`a policy change cannot take effect before today (${today})`, {
            field: 'effectiveFrom',
          });
        }
        const entries = Object.entries(command.data.limits);
        if (entries.length === 0)
          throw badInput('a policy change must change at least one clock', { field: 'limits' });
        const base = policyVersionAt(state.versions, effectiveFrom).limits;
        const limits = { ...base };
        for (const [kind, limit] of entries)
          limits[kind as ClockKind] = validLimit(kind, limit as ClockLimit);
        return [
          {
            type: 'SlaPolicyChanged',
            data: {
              version: state.lastVersion + 1,
              effectiveFrom,
              limits,
              reason: requiredText(command.data.reason, 'reason', 500),
              changedBy: actor.id,
              changedAt: now,
            },
          },
        ];
      }
      case 'WithdrawSlaPolicyChange': {
        switch (state.status) {
          case 'DEFAULT':
            throw invalidTransition('DEFAULT', 'withdraw a policy change');
          case 'VERSIONED':
            break;
          default:
            return assertNever(state);
        }
        const target = state.versions.find((v) => v.version === command.data.version && v.version > 0);
        if (!target) throw notFound('SLA policy version', String(command.data.version));
        // Once in force, clocks have started under it; withdrawing would rewrite their history.
        if (target.effectiveFrom <= today) {
          throw invalidTransition('IN_FORCE', 'withdraw a policy change', { version: target.version });
        }
        return [
          {
            type: 'SlaPolicyChangeWithdrawn',
            data: {
              version: target.version,
              reason: requiredText(command.data.reason, 'reason', 500),
              withdrawnBy: actor.id,
              withdrawnAt: now,
            },
          },
        ];
      }
      default:
        return assertNever(command);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'SlaPolicyChanged': {
        const { version, effectiveFrom, limits, reason, changedBy, changedAt } = event.data;
        return {
          status: 'VERSIONED',
          versions: [...state.versions, { version, effectiveFrom, limits, reason, changedBy, changedAt }],
          lastVersion: Math.max(state.lastVersion, version),
        };
      }
      case 'SlaPolicyChangeWithdrawn':
        return {
          status: 'VERSIONED',
          versions: state.versions.filter((v) => v.version !== event.data.version),
          lastVersion: state.lastVersion,
        };
      default:
        return assertNever(event);
    }
  },
};

/** The policy versions recorded by a stream's events (the default included). */
export function policyVersionsFromEvents(events: readonly SlaPolicyEvent[]): readonly SlaPolicyVersion[] {
  return events.reduce(slaPolicyDecider.evolve, slaPolicyDecider.initialState()).versions;
}
