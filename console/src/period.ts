/** Reporting periods in Jakarta time, as the evaluation subgraph counts them, and their chart buckets. */
export type PeriodKind = 'month' | 'quarter' | 'year';

export interface PeriodChoice {
  readonly kind: PeriodKind;
  readonly year: number;
  /** 1..12 for a month, 1..4 for a quarter. */
  readonly index: number;
}

export interface Bucket {
  readonly label: string;
  readonly from: string;
  readonly to: string;
}

const pad = (n: number) => String(n).padStart(2, '0');
const jakartaStart = (y: number, m: number, d: number) => `${y}-${pad(m)}-${pad(d)}T00:00:00+07:00`;
const iso = (local: string) => new Date(local).toISOString();

export function currentPeriod(now = new Date(), kind: PeriodKind = 'quarter'): PeriodChoice {
  const local = new Date(now.getTime() + 7 * 3600_000);
  const year = local.getUTCFullYear();
  const month = local.getUTCMonth() + 1;
  return { kind, year, index: kind === 'month' ? month : kind === 'quarter' ? Math.ceil(month / 3) : 1 };
}

/** The API's PeriodInput for a choice. */
export function periodInput(p: PeriodChoice): { year: number; month?: number; quarter?: number } {
  if (p.kind === 'month') return { year: p.year, month: p.index };
  if (p.kind === 'quarter') return { year: p.year, quarter: p.index };
  return { year: p.year };
}

/** First and last month (1..12) of a choice. */
function months(p: PeriodChoice): [number, number] {
  if (p.kind === 'month') return [p.index, p.index];
  if (p.kind === 'quarter') return [p.index * 3 - 2, p.index * 3];
  return [1, 12];
}

/** [from, to) of the whole period as instants. */
export function periodRange(p: PeriodChoice): { from: string; to: string } {
  const [first, last] = months(p);
  const end = last === 12 ? jakartaStart(p.year + 1, 1, 1) : jakartaStart(p.year, last + 1, 1);
  // receivedTo is inclusive: the last millisecond before the next period.
  return { from: iso(jakartaStart(p.year, first, 1)), to: new Date(Date.parse(end) - 1).toISOString() };
}

/** Weeks (from Monday) for a month or quarter, months for a year. */
export function buckets(p: PeriodChoice): Bucket[] {
  const { from, to } = periodRange(p);
  if (p.kind === 'year') {
    return Array.from({ length: 12 }, (_, i) => ({
      label: `${p.year}-${pad(i + 1)}`,
      from: iso(jakartaStart(p.year, i + 1, 1)),
      to: i === 11 ? to : new Date(Date.parse(jakartaStart(p.year, i + 2, 1)) - 1).toISOString(),
    }));
  }
  const out: Bucket[] = [];
  let start = Date.parse(from);
  const end = Date.parse(to) + 1;
  while (start < end) {
    const local = new Date(start + 7 * 3600_000);
    const weekday = (local.getUTCDay() + 6) % 7; // Monday = 0
    const next = Math.min(end, start + (7 - weekday) * 86_400_000);
    out.push({
      label: `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`,
      from: new Date(start).toISOString(),
      to: new Date(next - 1).toISOString(),
    });
    start = next;
  }
  return out;
}
