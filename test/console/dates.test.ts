import { formatDate } from '../../services/shared/wib-date';

describe("the console's dates", () => {
  // Intl (Node's full ICU) is the reference the hand-written formatter must agree with.
  const reference = (iso: string, locale: string, withTime: boolean) =>
    new Intl.DateTimeFormat(locale, {
      timeZone: 'Asia/Jakarta',
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      ...(withTime ? { hour: '2-digit', minute: '2-digit' } : {}),
    }).format(new Date(iso));

  it('read as id-ID and en-GB write them in Jakarta time, around midnight and every month', () => {
    const instants: string[] = [];
    for (let month = 0; month < 12; month++)
      for (const time of ['16:59:00Z', '17:00:00Z', '23:30:00Z', '00:05:00Z'])
        instants.push(`2026-${String(month + 1).padStart(2, '0')}-0${1 + (month % 9)}T${time}`);
    instants.push('2024-02-28T17:00:00Z', '2025-12-31T17:00:00Z', '1999-12-31T16:59:59Z');
    for (const iso of instants)
      for (const withTime of [false, true]) {
        expect(formatDate(iso, 'id', withTime)).toBe(reference(iso, 'id-ID', withTime));
        expect(formatDate(iso, 'en', withTime)).toBe(reference(iso, 'en-GB', withTime));
      }
  });

  it('shows a dash for no date or one that is not a date', () => {
    expect(formatDate(null, 'id')).toBe('—');
    expect(formatDate(undefined, 'en')).toBe('—');
    expect(formatDate('not a date', 'id')).toBe('—');
  });
});
