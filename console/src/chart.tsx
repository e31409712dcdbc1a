/**
 * A chart with its data beside it: every chart can switch to a table view (also what screen readers
 * get) and download its rows as CSV. Apache ECharts (echarts.ts), loaded on demand.
 */
import type { EChartsCoreOption } from 'echarts/core';
import { useEffect, useId, useRef, useState } from 'react';
import { useI18n } from './i18n';

let charts: Promise<typeof import('./echarts')> | undefined;

/**
 * ECharts, in its own chunk, loaded once. A page with charts calls this as it starts fetching its data,
 * so the library arrives meanwhile instead of delaying the first request or waiting for the answers.
 */
export const loadCharts = () => {
  charts ??= import('./echarts').catch((err: unknown) => {
    charts = undefined; // the next chart tries again
    throw err;
  });
  return charts;
};

type Init = typeof import('./echarts')['init'];
type Chart = ReturnType<Init>;
type Size = { readonly width: number; readonly height: number };

const sizeOf = (element: HTMLElement): Size => ({ width: element.clientWidth, height: element.clientHeight });

/** Charts waiting for ECharts, or for the others of their render, to be drawn together. */
let waiting: { element: HTMLElement; draw: (init: Init, size: Size) => void }[] = [];

/**
 * Draws a chart once ECharts is there, together with every chart asked for meanwhile: their sizes are all
 * read first, in one layout, and handed to ECharts. Left to measure its element itself, each chart forced
 * a layout of the page that the chart drawn before it had just changed.
 */
function drawSoon(element: HTMLElement, draw: (init: Init, size: Size) => void): void {
  waiting.push({ element, draw });
  if (waiting.length > 1) return;
  loadCharts().then(
    ({ init }) => {
      const batch = waiting;
      waiting = [];
      const sizes = batch.map(({ element }) => sizeOf(element));
      for (const [i, { draw }] of batch.entries()) draw(init, sizes[i]!);
    },
    () => {
      waiting = []; // the library did not load: the next chart asks again (loadCharts)
    },
  );
}

export type Cell = string | number | null;

export interface ChartData {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
}

const neutralise = (value: string) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
const csvCell = (cell: Cell) => {
  if (cell === null) return '';
  const text = neutralise(String(cell));
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** RFC 4180 CSV; text that a spreadsheet would run as a formula is prefixed with a quote. */
export function toCsv({ columns, rows }: ChartData): string {
  return [columns, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n');
}

function download(name: string, data: ChartData) {
  const blob = new Blob([`\uFEFF${toCsv(data)}`], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `${name}.csv`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function DataTable({ data, caption }: { data: ChartData; caption?: string }) {
  return (
    <div className="table-wrap">
      <table>
        {caption ? <caption>{caption}</caption> : null}
        <thead>
          <tr>
            {data.columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {data.rows.map((row, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity of their own
            <tr key={i}>
              {row.map((cell, j) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: columns are positional
                <td key={j}>{cell ?? '—'}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ChartCard(props: {
  readonly title: string;
  readonly name: string;
  readonly data: ChartData;
  readonly option: EChartsCoreOption;
  readonly testId?: string;
}) {
  const { t } = useI18n();
  const [table, setTable] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const headingId = useId();
  useEffect(() => {
    if (table || !ref.current) return;
    const element = ref.current;
    let chart: Chart | undefined;
    let gone = false;
    const resize = () => chart?.resize(sizeOf(element));
    drawSoon(element, (init, size) => {
      if (gone) return;
      chart = init(element, undefined, { renderer: 'svg', ...size });
      // No ECharts aria: it replaced the element's label (the card's title, in the page's language) with a
      // description it writes in English; the table view is what a screen reader reads the figures from.
      chart.setOption({ animation: false, ...props.option });
      window.addEventListener('resize', resize);
    });
    return () => {
      gone = true;
      window.removeEventListener('resize', resize);
      chart?.dispose();
    };
  }, [table, props.option]);
  return (
    <section className="card" aria-labelledby={headingId} data-testid={props.testId}>
      <div className="card-head">
        <h2 id={headingId}>{props.title}</h2>
        <div className="card-tools">
          <button type="button" aria-pressed={table} onClick={() => setTable(!table)}>
            {table ? t('chartView') : t('tableView')}
          </button>
          <button type="button" onClick={() => download(props.name, props.data)}>
            {t('downloadCsv')}
          </button>
        </div>
      </div>
      {table ? (
        <DataTable data={props.data} caption={props.title} />
      ) : (
        <div ref={ref} className="chart" role="img" aria-label={props.title} />
      )}
    </section>
  );
}
