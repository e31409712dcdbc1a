import { authorizeCalendarCommand } from '../../services/evaluation/access';
import { WorkingCalendar, bundledHolidays } from '../../services/shared/calendar/calendar';
import {
  calendarDecider,
  workingCalendarFromEvents,
  type CalendarCommand,
  type CalendarEvent,
} from '../../services/evaluation/domain/calendar-aggregate';
import { endOfJakartaDay, jakartaDate, startOfJakartaDay } from '../../services/shared/calendar/dates';
import { spec } from '../support/decider-spec';

const calendar = WorkingCalendar.bundled();
const admin = { id: 'admin-1', role: 'ADMIN' };
const now = '2025-01-10T03:00:00.000Z';

describe('Jakarta dates', () => {
  it('puts an instant after 17:00 UTC on the next Jakarta day', () => {
    expect(jakartaDate('2025-03-31T16:59:59.999Z')).toBe('2025-03-31');
    expect(jakartaDate('2025-03-31T17:00:00.000Z')).toBe('2025-04-01');
    expect(jakartaDate('2025-04-01T06:00:00+07:00')).toBe('2025-04-01');
  });

  it('bounds a Jakarta day in UTC', () => {
    expect(startOfJakartaDay('2025-01-01')).toBe('2024-12-31T17:00:00.000Z');
    expect(endOfJakartaDay('2025-01-01')).toBe('2025-01-01T16:59:59.999Z');
  });
});

describe('WorkingCalendar', () => {
  it('marks weekends, national holidays and cuti bersama as non-working', () => {
    expect(calendar.isWorkingDay('2025-04-08')).toBe(true); // Tuesday after Lebaran leave
    expect(calendar.isWorkingDay('2025-04-05')).toBe(false); // Saturday
    expect(calendar.isWorkingDay('2025-03-31')).toBe(false); // Idul Fitri 1446 H
    expect(calendar.isWorkingDay('2025-04-07')).toBe(false); // cuti bersama
    expect(calendar.holiday('2025-04-02')?.kind).toBe('CUTI_BERSAMA');
    expect(calendar.holiday('2025-12-25')?.kind).toBe('NATIONAL_HOLIDAY');
  });

  it('lists every entry with an Indonesian name and a known kind for 2024, 2025 and 2026', () => {
    const all = bundledHolidays();
    for (const year of ['2024', '2025', '2026']) {
      const ofYear = all.filter((h) => h.date.startsWith(year) && !h.region);
      expect(ofYear.length).toBeGreaterThanOrEqual(20);
      expect(ofYear.some((h) => h.kind === 'CUTI_BERSAMA')).toBe(true);
      expect(ofYear.find((h) => h.date === `${year}-08-17`)?.name).toBe(
        'Hari Kemerdekaan Republik Indonesia',
      );
    }
  });

  it('counts 3 working days after receipt across the 2025 Lebaran holidays and leave', () => {
    // Received Thursday 27 March 2025; 28 Mar cuti Nyepi, 29 Nyepi, 31 Mar–1 Apr Idul Fitri, 2–7 Apr leave.
    expect(calendar.addWorkingDays('2025-03-27', 3)).toBe('2025-04-10');
    expect(calendar.workingDaysBetween('2025-03-27', '2025-04-10')).toBe(3);
    expect(calendar.workingDaysBetween('2025-03-27', '2025-04-07')).toBe(0);
  });

  it('crosses a year end with Christmas leave and New Year', () => {
    // Tue 24 Dec 2024 → 25 Natal, 26 cuti bersama, 27 Fri, 30 Mon, 31 Tue, 1 Jan holiday, 2 Thu.
    expect(calendar.addWorkingDays('2024-12-24', 4)).toBe('2025-01-02');
    expect(calendar.workingDaysBetween('2024-12-20', '2025-01-06')).toBe(8);
  });

  it('keeps addWorkingDays and workingDaysBetween inverse of each other over three years', () => {
    for (let start = '2024-01-01'; start < '2026-12-01'; start = calendar.addWorkingDays(start, 7)) {
      for (const n of [0, 1, 5, 14, 40]) {
        const end = calendar.addWorkingDays(start, n);
        expect(calendar.workingDaysBetween(start, end)).toBe(n);
        expect(calendar.workingDaysBetween(end, start)).toBe(n === 0 ? 0 : -n);
        if (n > 0) expect(calendar.isWorkingDay(end)).toBe(true);
      }
    }
  });

  it('agrees with a day-by-day count', () => {
    let naive = 0;
    for (let d = '2024-01-01'; d < '2026-12-31'; ) {
      const next = new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
      if (calendar.isWorkingDay(next)) naive++;
      d = next;
    }
    expect(calendar.workingDaysBetween('2024-01-01', '2026-12-31')).toBe(naive);
  });

  it('applies regional days only to their region', () => {
    // Galungan, Wednesday 23 April 2025, is a holiday in Bali only.
    expect(calendar.isWorkingDay('2025-04-23')).toBe(true);
    expect(calendar.isWorkingDay('2025-04-23', 'ID-BA')).toBe(false);
    expect(calendar.workingDaysBetween('2025-04-21', '2025-04-25', 'ID-BA')).toBe(
      calendar.workingDaysBetween('2025-04-21', '2025-04-25') - 2,
    );
  });

  it('refuses a date that is not a calendar date', () => {
    expect(() => calendar.isWorkingDay('2025-02-30')).toThrow('not a calendar date');
  });
});

describe('Calendar aggregate', () => {
  const add = (data: Extract<CalendarCommand, { type: 'AddHoliday' }>['data']): CalendarCommand => ({
    type: 'AddHoliday',
    data,
    metadata: { now, actor: admin },
  });
  const remove = (data: Extract<CalendarCommand, { type: 'RemoveHoliday' }>['data']): CalendarCommand => ({
    type: 'RemoveHoliday',
    data,
    metadata: { now, actor: admin },
  });
  const pilkada: CalendarEvent = {
    type: 'HolidayAdded',
    data: {
      date: '2025-02-11',
      kind: 'NATIONAL_HOLIDAY',
      name: 'Hari libur khusus',
      addedBy: 'admin-1',
      addedAt: now,
    },
  };

  it('baseline: adds a one-off national holiday', () => {
    spec(calendarDecider)
      .given([])
      .when(add({ date: '2025-02-11', kind: 'NATIONAL_HOLIDAY', name: ' Hari libur khusus ' }))
      .then([pilkada]);
  });

  it('baseline: refuses adding a day that is already listed', () => {
    spec(calendarDecider)
      .given([])
      .when(add({ date: '2025-12-25', kind: 'CUTI_BERSAMA', name: 'x' }))
      .thenThrows('CONFLICT', { date: '2025-12-25' });
  });

  it('baseline: refuses a regional holiday without a region and a national one with a region', () => {
    spec(calendarDecider)
      .given([])
      .when(add({ date: '2025-02-12', kind: 'REGIONAL_HOLIDAY', name: 'x' }))
      .thenThrows('BAD_USER_INPUT');
    spec(calendarDecider)
      .given([])
      .when(add({ date: '2025-02-12', kind: 'CUTI_BERSAMA', name: 'x', region: 'ID-YO' }))
      .thenThrows('BAD_USER_INPUT');
  });

  it('baseline: removes a bundled cuti bersama day with a reason', () => {
    const events = spec(calendarDecider)
      .given([])
      .when(remove({ date: '2025-08-18', reason: 'SKB amendment withdrawn' }))
      .events();
    expect(events).toEqual([
      {
        type: 'HolidayRemoved',
        data: {
          date: '2025-08-18',
          kind: 'CUTI_BERSAMA',
          reason: 'SKB amendment withdrawn',
          removedBy: 'admin-1',
          removedAt: now,
        },
      },
    ]);
    expect(workingCalendarFromEvents(events).isWorkingDay('2025-08-18')).toBe(true);
  });

  it('after an added holiday: the day is no longer a working day, and removing an unknown day is NOT_FOUND', () => {
    expect(workingCalendarFromEvents([pilkada]).isWorkingDay('2025-02-11')).toBe(false);
    spec(calendarDecider)
      .given([pilkada])
      .when(remove({ date: '2025-02-13', reason: 'typo' }))
      .thenThrows('NOT_FOUND');
  });

  it('only an administrator may change the calendar', () => {
    const cmd = add({ date: '2025-02-11', kind: 'NATIONAL_HOLIDAY', name: 'x' });
    expect(() => authorizeCalendarCommand(cmd, { id: 'o', role: 'OFFICER' })).toThrow('administrator');
    expect(() => authorizeCalendarCommand(cmd, admin)).not.toThrow();
  });
});
