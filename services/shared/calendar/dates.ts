/**
 * Local dates in Asia/Jakarta (WIB, UTC+7, no daylight saving time) and the instants that bound them.
 *
 * A `LocalDate` is an ISO calendar date `YYYY-MM-DD` as people in Jakarta read it off the wall. Every SLA
 * rule speaks in such days, while events carry UTC instants: an instant at 2025-03-31T17:30:00Z is already
 * 2025-04-01 in Jakarta. All day arithmetic goes through day numbers (days since 1970-01-01) so it never
 * depends on the host's time zone.
 */
import { badInput } from '../errors';
import { JAKARTA_OFFSET_MS } from '../wib-date';

// WIB's offset is written once, with the dates people read (wib-date.ts, which the console bundles too).
export { JAKARTA_OFFSET_MS };

export type LocalDate = string;
const DAY_MS = 24 * 60 * 60 * 1000;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of a local date; BAD_USER_INPUT when it is not a real calendar date. */
export function dayNumber(date: LocalDate): number {
  const m = LOCAL_DATE.exec(date);
  if (!m) throw badInput(`a date must look like YYYY-MM-DD`, { field: 'date' });
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    throw badInput(`${date} is not a calendar date`, { field: 'date' });
  }
  return Math.round(ms / DAY_MS);
}

export function fromDayNumber(day: number): LocalDate {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function isLocalDate(value: string): boolean {
  try {
    dayNumber(value);
    return true;
  } catch {
    return false;
  }
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return fromDayNumber(dayNumber(date) + days);
}

/** 0 = Sunday … 6 = Saturday, as `Date#getUTCDay`. */
export function weekday(date: LocalDate): number {
  return weekdayOfDayNumber(dayNumber(date));
}

export function weekdayOfDayNumber(day: number): number {
  // 1970-01-01 was a Thursday (4).
  return (((day + 4) % 7) + 7) % 7;
}

function instantMs(instant: string): number {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw badInput('an instant must be an ISO 8601 date-time', { field: 'instant' });
  return ms;
}

/** The Jakarta calendar date on which an instant falls. */
export function jakartaDate(instant: string): LocalDate {
  return new Date(instantMs(instant) + JAKARTA_OFFSET_MS).toISOString().slice(0, 10);
}

/** Day number of the Jakarta date on which an instant falls. */
export function jakartaDayNumber(instant: string): number {
  return Math.floor((instantMs(instant) + JAKARTA_OFFSET_MS) / DAY_MS);
}

/** The first instant of a Jakarta date (00:00 WIB), as an ISO UTC string. */
export function startOfJakartaDay(date: LocalDate): string {
  return new Date(dayNumber(date) * DAY_MS - JAKARTA_OFFSET_MS).toISOString();
}

/** The last millisecond of a Jakarta date (23:59:59.999 WIB): a deadline "by the end of that day". */
export function endOfJakartaDay(date: LocalDate): string {
  return new Date((dayNumber(date) + 1) * DAY_MS - JAKARTA_OFFSET_MS - 1).toISOString();
}

/** Compares ISO instants by the time they denote (strings with different offsets compare correctly). */
export function compareInstants(a: string, b: string): number {
  return instantMs(a) - instantMs(b);
}

export function isoInstant(instant: string): string {
  return new Date(instantMs(instant)).toISOString();
}
