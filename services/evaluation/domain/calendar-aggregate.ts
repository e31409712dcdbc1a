import { requiredText } from '../../shared/validation';
import type { Decider, DomainCommand, DomainEvent } from '../../shared/decider';
import { badInput, conflict, notFound } from '../../shared/errors';
import {
  bundledHolidays,
  type Holiday,
  type HolidayKind,
  HOLIDAY_KINDS,
  holidayKey,
  WorkingCalendar,
} from '../../shared/calendar/calendar';
import { dayNumber, type LocalDate } from '../../shared/calendar/dates';
import { assertNever } from '../../shared/never';

export const CALENDAR_STREAM = 'calendar-id';

export type CalendarCommand =
  | DomainCommand<
      'AddHoliday',
      {
        readonly date: LocalDate;
        readonly kind: HolidayKind;
        readonly name: string;
        readonly region?: string;
        readonly note?: string;
      }
    >
  | DomainCommand<
      'RemoveHoliday',
      { readonly date: LocalDate; readonly region?: string; readonly reason: string }
    >;

export type CalendarEvent =
  | DomainEvent<
      'HolidayAdded',
      {
        readonly date: LocalDate;
        readonly kind: HolidayKind;
        readonly name: string;
        readonly region?: string;
        readonly note?: string;
        readonly addedBy: string;
        readonly addedAt: string;
      }
    >
  | DomainEvent<
      'HolidayRemoved',
      {
        readonly date: LocalDate;
        readonly kind: HolidayKind;
        readonly region?: string;
        readonly reason: string;
        readonly removedBy: string;
        readonly removedAt: string;
      }
    >;

export const CALENDAR_EVENT_TYPES: readonly CalendarEvent['type'][] = ['HolidayAdded', 'HolidayRemoved'];

/** The calendar is always in force; `ACTIVE` is its only status. Holidays are keyed by holidayKey. */
export type CalendarState = {
  readonly status: 'ACTIVE';
  readonly holidays: Readonly<Record<string, Holiday>>;
};

const REGION_CODE = /^[A-Z]{2}-[A-Z0-9]{1,3}$/;
const MIN_YEAR = 2000;
const MAX_YEAR = 2100;

function validDate(date: LocalDate): void {
  dayNumber(date);
  const year = Number(date.slice(0, 4));
  if (year < MIN_YEAR || year > MAX_YEAR) throw badInput(`the calendar covers ${MIN_YEAR}..${MAX_YEAR}`);
}

function validRegion(kind: HolidayKind, region: string | undefined): void {
  if (kind === 'REGIONAL_HOLIDAY') {
    if (!region || !REGION_CODE.test(region)) {
      throw badInput('a regional holiday needs a region code such as ID-BA (ISO 3166-2)', {
        field: 'region',
      });
    }
  } else if (region !== undefined) {
    throw badInput(`a ${kind} applies nationally and takes no region`, { field: 'region' });
  }
}

/** A decider over a baseline (by default the bundled data file). */
export function createCalendarDecider(
  baseline: readonly Holiday[] = bundledHolidays(),
): Decider<CalendarCommand, CalendarEvent, CalendarState> {
  const initial: CalendarState = {
    status: 'ACTIVE',
    holidays: Object.fromEntries(baseline.map((h) => [holidayKey(h.date, h.region), h])),
  };
  return {
    initialState: () => initial,
    decide(command, state) {
      switch (state.status) {
        case 'ACTIVE':
          break;
        default:
          return assertNever(state.status);
      }
      const { actor, now } = command.metadata;
      switch (command.type) {
        case 'AddHoliday': {
          const { date, kind, region } = command.data;
          validDate(date);
          if (!HOLIDAY_KINDS.includes(kind)) throw badInput('unknown holiday kind', { field: 'kind' });
          validRegion(kind, region);
          const existing = state.holidays[holidayKey(date, region)];
          if (existing) {
            throw conflict(`${date} is already listed as ${existing.kind}${region ? ` in ${region}` : ''}`, {
              date,
              ...(region ? { region } : {}),
            });
          }
          return [
            {
              type: 'HolidayAdded',
              data: {
                date,
                kind,
                name: requiredText(command.data.name, 'name', 200),
                ...(region ? { region } : {}),
                ...(command.data.note !== undefined
                  ? { note: requiredText(command.data.note, 'note', 500) }
                  : {}),
                addedBy: actor.id,
                addedAt: now,
              },
            },
          ];
        }
        case 'RemoveHoliday': {
          const { date, region } = command.data;
          validDate(date);
          if (region !== undefined && !REGION_CODE.test(region))
            throw badInput('bad region code', { field: 'region' });
          const existing = state.holidays[holidayKey(date, region)];
          if (!existing) throw notFound('holiday', holidayKey(date, region));
          return [
            {
              type: 'HolidayRemoved',
              data: {
                date,
                kind: existing.kind,
                ...(region ? { region } : {}),
                reason: requiredText(command.data.reason, 'reason', 500),
                removedBy: actor.id,
                removedAt: now,
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
        case 'HolidayAdded': {
          const { date, kind, name, region, note } = event.data;
          const holiday: Holiday = {
            date,
            kind,
            name,
            ...(region ? { region } : {}),
            ...(note ? { note } : {}),
          };
          return { ...state, holidays: { ...state.holidays, [holidayKey(date, region)]: holiday } };
        }
        case 'HolidayRemoved': {
          const { [holidayKey(event.data.date, event.data.region)]: _removed, ...rest } = state.holidays;
          return { ...state, holidays: rest };
        }
        default:
          return assertNever(event);
      }
    },
  };
}

export const calendarDecider = createCalendarDecider();

/** The working calendar a calendar state describes. */
export function workingCalendarOf(state: CalendarState): WorkingCalendar {
  return new WorkingCalendar(Object.values(state.holidays));
}

/** Folds the calendar stream's events over the baseline into a working calendar. */
export function workingCalendarFromEvents(
  events: readonly CalendarEvent[],
  decider: Decider<CalendarCommand, CalendarEvent, CalendarState> = calendarDecider,
): WorkingCalendar {
  return workingCalendarOf(events.reduce(decider.evolve, decider.initialState()));
}

/** When a calendar change was made: the moment from which clocks starting later follow it. */
export const calendarChangeAt = (event: CalendarEvent): string =>
  event.type === 'HolidayAdded' ? event.data.addedAt : event.data.removedAt;

/**
 * Every version of the calendar: version 0 is the baseline, version n the baseline with the first n
 * recorded changes. A clock keeps the version in force when it started (as it keeps its SLA policy
 * version), so an administrator's edit moves only the due dates of clocks started after it and never
 * flips a verdict already reached.
 */
export class CalendarHistory {
  private readonly versions = new Map<number, WorkingCalendar>();
  private readonly changedAt: readonly number[];

  constructor(
    private readonly events: readonly CalendarEvent[],
    private readonly decider: Decider<CalendarCommand, CalendarEvent, CalendarState> = calendarDecider,
  ) {
    this.changedAt = events.map((e) => Date.parse(calendarChangeAt(e)));
  }

  /** The latest version. */
  get version(): number {
    return this.events.length;
  }

  /** The version in force at an instant: the changes made at or before it. */
  versionAt(instant: string): number {
    const at = Date.parse(instant);
    let version = 0;
    while (version < this.changedAt.length && this.changedAt[version]! <= at) version++;
    return version;
  }

  /** The working calendar of a version (built once per version asked for). */
  at(version: number): WorkingCalendar {
    const v = Math.max(0, Math.min(version, this.events.length));
    let calendar = this.versions.get(v);
    if (!calendar) {
      calendar = workingCalendarFromEvents(this.events.slice(0, v), this.decider);
      this.versions.set(v, calendar);
    }
    return calendar;
  }
}
