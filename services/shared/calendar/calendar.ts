/**
 * The working-day calendar: which Jakarta dates are working days for government offices.
 *
 * Working days are the days that are neither a weekend day nor a listed non-working day: a national
 * holiday (*hari libur nasional*), a *cuti bersama* day, or a regional holiday of the agency's region.
 * The calendar is built from data (holidays-id.json beside this file plus the administrator's
 * changes recorded by the Calendar aggregate) and is immutable and pure.
 */
import holidaysFile from './holidays-id.json';
import { badInput } from '../errors';
import { dayNumber, fromDayNumber, type LocalDate, weekdayOfDayNumber } from './dates';

export type HolidayKind = 'NATIONAL_HOLIDAY' | 'CUTI_BERSAMA' | 'REGIONAL_HOLIDAY';
export const HOLIDAY_KINDS: readonly HolidayKind[] = ['NATIONAL_HOLIDAY', 'CUTI_BERSAMA', 'REGIONAL_HOLIDAY'];

/** One non-working day. `region` is set exactly when the kind is REGIONAL_HOLIDAY. */
export interface Holiday {
  readonly date: LocalDate;
  readonly kind: HolidayKind;
  /** The Indonesian name, e.g. "Cuti bersama Idul Fitri 1446 Hijriah". */
  readonly name: string;
  /** Region code (ISO 3166-2:ID such as `ID-BA`) for a regional holiday. */
  readonly region?: string;
  readonly note?: string;
}

/** The shape of holidays-id.json. */
export interface CalendarData {
  /** Weekend days as `Date#getUTCDay` numbers (0 = Sunday, 6 = Saturday). */
  readonly weekendDays: readonly number[];
  readonly national: readonly Omit<Holiday, 'region'>[];
  readonly regional: Readonly<Record<string, readonly Omit<Holiday, 'region'>[]>>;
}

/** The key under which a holiday is unique: a date nationally, or a date in one region. */
export function holidayKey(date: LocalDate, region?: string): string {
  return region ? `${region}:${date}` : date;
}

/** Flattens calendar data into a list of holidays (regional ones carry their region). */
export function holidaysOf(data: CalendarData): Holiday[] {
  const out: Holiday[] = data.national.map((h) => ({ ...h }));
  for (const [region, days] of Object.entries(data.regional)) {
    for (const h of days) out.push({ ...h, kind: 'REGIONAL_HOLIDAY', region });
  }
  return out;
}

/** The baseline shipped with the code. */
export function bundledHolidays(): Holiday[] {
  return holidaysOf(holidaysFile as CalendarData);
}

export const DEFAULT_WEEKEND_DAYS: readonly number[] = (holidaysFile as CalendarData).weekendDays;

export class WorkingCalendar {
  private readonly weekend: ReadonlySet<number>;
  private readonly national = new Map<number, Holiday>();
  private readonly regional = new Map<string, Map<number, Holiday>>();
  /** Sorted day numbers of non-working weekdays per region key ('' = national only), built lazily. */
  private readonly weekdayHolidays = new Map<string, number[]>();

  constructor(holidays: readonly Holiday[], weekendDays: readonly number[] = DEFAULT_WEEKEND_DAYS) {
    if (weekendDays.length >= 7 || weekendDays.some((d) => !Number.isInteger(d) || d < 0 || d > 6)) {
      throw badInput('weekend days must be distinct numbers 0..6 leaving at least one working day');
    }
    this.weekend = new Set(weekendDays);
    for (const h of holidays) {
      const day = dayNumber(h.date);
      if (h.region) {
        let days = this.regional.get(h.region);
        if (!days) {
          days = new Map();
          this.regional.set(h.region, days);
        }
        days.set(day, h);
      } else {
        this.national.set(day, h);
      }
    }
  }

  /** The calendar of the bundled data file. */
  static bundled(): WorkingCalendar {
    return new WorkingCalendar(bundledHolidays());
  }

  /** The holiday on a date (national first, then the region's), or undefined. */
  holiday(date: LocalDate, region?: string): Holiday | undefined {
    const day = dayNumber(date);
    return this.national.get(day) ?? (region ? this.regional.get(region)?.get(day) : undefined);
  }

  isWeekend(date: LocalDate): boolean {
    return this.weekend.has(weekdayOfDayNumber(dayNumber(date)));
  }

  isWorkingDay(date: LocalDate, region?: string): boolean {
    return this.isWorkingDayNumber(dayNumber(date), region);
  }

  /**
   * The n-th working day after `start` (start itself never counts): "within 3 working days after
   * receipt" on a Friday before a long weekend lands on the third working day that follows.
   * n = 0 gives `start` unchanged.
   */
  addWorkingDays(start: LocalDate, n: number, region?: string): LocalDate {
    if (!Number.isInteger(n) || n < 0)
      throw badInput('the number of working days must be a whole number ≥ 0');
    let day = dayNumber(start);
    let left = n;
    while (left > 0) {
      day++;
      if (this.isWorkingDayNumber(day, region)) left--;
    }
    return fromDayNumber(day);
  }

  /**
   * Working days d with a < d ≤ b (negative when b is before a). The inverse of addWorkingDays:
   * workingDaysBetween(a, addWorkingDays(a, n)) === n.
   */
  workingDaysBetween(a: LocalDate, b: LocalDate, region?: string): number {
    const from = dayNumber(a);
    const to = dayNumber(b);
    if (to < from) return 0 - this.countWorkingDays(to + 1, from, region) || 0;
    return this.countWorkingDays(from + 1, to, region);
  }

  /** Working days in the inclusive range of day numbers [first, last]. */
  countWorkingDays(first: number, last: number, region?: string): number {
    if (last < first) return 0;
    const span = last - first + 1;
    const weeks = Math.floor(span / 7);
    let weekdays = weeks * (7 - this.weekend.size);
    for (let day = first + weeks * 7; day <= last; day++) {
      if (!this.weekend.has(weekdayOfDayNumber(day))) weekdays++;
    }
    const holidays = this.sortedWeekdayHolidays(region);
    return weekdays - (upperBound(holidays, last) - lowerBound(holidays, first));
  }

  isWorkingDayNumber(day: number, region?: string): boolean {
    if (this.weekend.has(weekdayOfDayNumber(day))) return false;
    if (this.national.has(day)) return false;
    return !(region && this.regional.get(region)?.has(day));
  }

  /** The listed non-working days in [from, to], national and (when given) the region's, by date. */
  holidaysBetween(from: LocalDate, to: LocalDate, region?: string): Holiday[] {
    const first = dayNumber(from);
    const last = dayNumber(to);
    const out: Holiday[] = [];
    for (const [day, h] of this.national) if (day >= first && day <= last) out.push(h);
    if (region) {
      for (const [day, h] of this.regional.get(region) ?? []) {
        if (day >= first && day <= last && !this.national.has(day)) out.push(h);
      }
    }
    return out.sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : 0));
  }

  private sortedWeekdayHolidays(region?: string): number[] {
    const key = region ?? '';
    let days = this.weekdayHolidays.get(key);
    if (!days) {
      const all = new Set(this.national.keys());
      if (region) for (const day of this.regional.get(region)?.keys() ?? []) all.add(day);
      days = [...all].filter((d) => !this.weekend.has(weekdayOfDayNumber(d))).sort((x, y) => x - y);
      this.weekdayHolidays.set(key, days);
    }
    return days;
  }
}

/** First index whose value is ≥ x. */
function lowerBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose value is > x. */
function upperBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
