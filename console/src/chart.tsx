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
    if (table) return;
    let chart: ReturnType<typeof import('./echarts')['init']> | undefined;
    let gone = false;
    const resize = () => chart?.resize();
    void loadCharts().then(({ init }) => {
      if (gone || !ref.current) return;
      chart = init(ref.current, undefined, { renderer: 'svg' });
      chart.setOption({ aria: { enabled: true }, animation: false, ...props.option });
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
