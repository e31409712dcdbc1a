/**
 * Dates as people here read them: Jakarta time (WIB), in Indonesian or English ("7 Desember 2026",
 * "7 December 2026 at 09:05"). Pure, no Node and no DOM: the letters' PDFs and the console (which bundles
 * this file) write dates the same way.
 */
export type DateLanguage = 'id' | 'en';

const MONTHS: Record<DateLanguage, readonly string[]> = {
  id: [
    'Januari',
    'Februari',
    'Maret',
    'April',
    'Mei',
    'Juni',
    'Juli',
    'Agustus',
    'September',
    'Oktober',
    'November',
    'Desember',
  ],
  en: [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ],
};
/** Western Indonesian Time, UTC+7 all year: Indonesia has had no daylight saving time since 1964. */
export const JAKARTA_OFFSET_MS = 7 * 60 * 60 * 1000;
const two = (n: number) => String(n).padStart(2, '0');

/**
 * A date in the chosen language, Jakarta time ("7 Desember 2026", "7 Desember 2026 pukul 09.05"; in
 * English "7 December 2026 at 09:05"), as id-ID's and en-GB's long dates write it. Written out rather than
 * through Intl.DateTimeFormat: the first formatter a page makes loads the browser's locale and time-zone
 * data, 40–100 ms of the main thread measured in Chromium, which the console's monitoring page paid on
 * every first load for one fixed-offset zone and twelve month names.
 */
export function formatDate(iso: string | null | undefined, lang: DateLanguage, withTime = false): string {
  if (!iso) return '—';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return '—';
  const wib = new Date(at + JAKARTA_OFFSET_MS);
  const date = `${wib.getUTCDate()} ${MONTHS[lang][wib.getUTCMonth()]} ${wib.getUTCFullYear()}`;
  if (!withTime) return date;
  const [hours, minutes] = [two(wib.getUTCHours()), two(wib.getUTCMinutes())];
  return lang === 'id' ? `${date} pukul ${hours}.${minutes}` : `${date} at ${hours}:${minutes}`;
}
