/**
 * Monitoring, the landing page of officers, supervisors and auditors: inflow, backlog, SLA compliance
 * and breaches per agency, response times, ranking and the overdue list, for a period and an agency,
 * refreshed live from the caseEvents subscription.
 */
import type { EChartsCoreOption } from 'echarts/core';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { gql, subscribe } from '../api';
import { ChartCard, type ChartData, DataTable, loadCharts } from '../chart';
import {
  AgenciesDocument,
  BacklogDocument,
  type Channel,
  CaseEventsDocument,
  CaseEventsHeadDocument,
  InflowDocument,
  OverdueDocument,
  type OverdueQuery,
  RankingDocument,
  type RankingQuery,
} from '../gql/graphql';
import { formatDate, statusLabel, useI18n } from '../i18n';
import { buckets, currentPeriod, type PeriodChoice, periodInput, periodRange } from '../period';
import { AgencySelect, PeriodPicker } from '../widgets';

const CHANNELS: readonly Channel[] = ['WEB', 'EMAIL', 'WHATSAPP', 'LETTER', 'LAPOR', 'WALK_IN'];
const STATUSES = [
  ['received', 'RECEIVED'],
  ['awaiting', 'AWAITING_INFORMATION'],
  ['verified', 'VERIFIED'],
  ['forwarded', 'FORWARDED'],
  ['followUp', 'IN_FOLLOW_UP'],
  ['responded', 'RESPONDED'],
  ['resolved', 'RESOLVED'],
] as const;
// CLOSED and REJECTED are settled: they are in the total and the inflow, not in the backlog.

/**
 * The page's figures, each part as its answer arrives: the charts of a part draw while the slower
 * answers (the ranking, the overdue list) are still on their way, instead of all at once at the end.
 */
interface Figures {
  readonly inflow?: { readonly weeks: ChartData; readonly byChannel: ChartData; readonly total: number };
  readonly backlog?: ChartData;
  readonly ranking?: RankingQuery['agencyRanking'];
  readonly overdue?: OverdueQuery['overdueClocks'];
}

/** The page's four requests for a period and agency, sent at once (ECharts is fetched meanwhile). */
function request(period: PeriodChoice, agencyId: string | null) {
  const range = periodRange(period);
  const weeks = buckets(period);
  const agency = agencyId ? { agencyId } : {};
  const asked = {
    weeks,
    inflow: gql(InflowDocument, { ...agency, ranges: weeks.map((w) => ({ from: w.from, to: w.to })) }),
    backlog: gql(BacklogDocument, { ...agency, from: range.from, to: range.to }),
    ranking: gql(RankingDocument, { period: periodInput(period) }),
    overdue: gql(OverdueDocument, agencyId ? { agencyId } : {}),
  };
  // After the requests, not before: evaluating the library holds the main thread for a while, and the
  // server's work (the ranking above all) is what the page waits for longest.
  void loadCharts();
  return asked;
}

type Requested = ReturnType<typeof request>;
const requestKey = (period: PeriodChoice, agencyId: string | null) =>
  JSON.stringify([period.kind, period.year, period.index, agencyId]);

/** The first figures, asked for before React's first render when the console opens on this page. */
let early: { readonly key: string; readonly asked: Requested } | undefined;

/**
 * Sends the figures of the page's first view (this quarter, every agency) right away: main.tsx calls it
 * when the console opens on monitoring, so the server works while the script renders the page.
 */
export function prefetchMonitoring(): void {
  const period = currentPeriod();
  early = { key: requestKey(period, null), asked: request(period, null) };
  // An answer nobody takes (another view chosen first) is not an unhandled rejection.
  for (const part of [early.asked.inflow, early.asked.backlog, early.asked.ranking, early.asked.overdue])
    part.catch(() => undefined);
}

function load(
  period: PeriodChoice,
  agencyId: string | null,
  deliver: (part: Figures) => void,
): Promise<unknown> {
  const key = requestKey(period, agencyId);
  const asked = early?.key === key ? early.asked : request(period, agencyId);
  early = undefined; // used once: a refresh asks again
  const { weeks } = asked;
  return Promise.all([
    asked.inflow.then((counts) => {
      const count = (w: number, c: number) =>
        counts.complaintInflow[w]?.channels.find((x) => x.channel === CHANNELS[c])?.count ?? 0;
      deliver({
        inflow: {
          weeks: {
            columns: ['week', ...CHANNELS],
            rows: weeks.map((w, i) => [w.label, ...CHANNELS.map((_, c) => count(i, c))]),
          },
          byChannel: {
            columns: ['channel', 'count'],
            rows: CHANNELS.map((c, j) => [c, weeks.reduce((sum, _, i) => sum + count(i, j), 0)]),
          },
          total: counts.complaintInflow.reduce(
            (sum, week) => sum + week.channels.reduce((n, c) => n + c.count, 0),
            0,
          ),
        },
      });
    }),
    asked.backlog.then((backlog) =>
      deliver({
        backlog: { columns: ['status', 'count'], rows: STATUSES.map(([k, s]) => [s, backlog[k].totalCount]) },
      }),
    ),
    asked.ranking.then((ranking) =>
      deliver({
        ranking: agencyId
          ? ranking.agencyRanking.filter((r) => r.agency.id === agencyId)
          : ranking.agencyRanking,
      }),
    ),
    asked.overdue.then((overdue) => deliver({ overdue: overdue.overdueClocks })),
  ]);
}

const COLORS = ['#1d4ed8', '#b45309', '#15803d', '#7e22ce', '#be123c', '#0f766e'];

/**
 * Axis labels for agency names: the words every name starts with ("Inspektorat …") are dropped, so the
 * part that tells them apart is what fits under the bar.
 */
export function shortNames(names: readonly string[]): string[] {
  if (names.length < 2) return [...names];
  const words = names.map((n) => n.split(' '));
  let common = 0;
  while (words.every((w) => w.length > common + 1 && w[common] === words[0]![common])) common++;
  return words.map((w) =>
    w
      .slice(common)
      .join(' ')
      .replace(/^Kabupaten /, 'Kab. '),
  );
}

/** A label cut to a length in characters (an ellipsis says so): measuring each in the browser is slow. */
const cut = (label: string, max = 18) => (label.length > max ? `${label.slice(0, max - 1)}…` : label);

/**
 * Room for the axes' labels, fixed rather than measured: ECharts' `containLabel`, and ECharts 6's default
 * `outerBoundsMode: 'auto'` without it, lay every axis's labels out once more to fit the grid in the card,
 * most of the time a chart took to draw. Value labels here are counts and percentages (at most six digits);
 * agency names are cut to 18 characters and turned 35°.
 */
const VALUE_AXIS_ROOM = 56;
const AGENCY_AXIS_ROOM = 96;
const fixedGrid = (room: { left: number; right: number; top: number; bottom: number }) => ({
  ...room,
  outerBoundsMode: 'none',
});

/** One bar per agency, named as people know it (the tooltip keeps the whole name when the label is cut). */
const perAgency = (
  ranking: RankingQuery['agencyRanking'],
  labels = shortNames(ranking.map((r) => r.agency.name)).map((l) => cut(l, 16)),
) => ({
  tooltip: { trigger: 'axis' },
  legend: { top: 0 },
  grid: fixedGrid({ left: VALUE_AXIS_ROOM, right: VALUE_AXIS_ROOM, top: 40, bottom: AGENCY_AXIS_ROOM }),
  xAxis: {
    type: 'category',
    data: ranking.map((r) => r.agency.name),
    axisLabel: {
      rotate: 60,
      interval: 0,
      fontSize: 11,
      formatter: (_: string, i: number) => labels[i] ?? '',
    },
  },
});

/** The overdue list: the first page came with the figures; more pages on request, by cursor. */
function OverdueList({ first, agencyId }: { first: OverdueQuery['overdueClocks']; agencyId: string | null }) {
  const { t, lang } = useI18n();
  const [pages, setPages] = useState([first]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setPages([first]), [first]);
  const last = pages[pages.length - 1]!;
  const edges = pages.flatMap((p) => p.edges);
  const more = () =>
    gql(OverdueDocument, { ...(agencyId ? { agencyId } : {}), after: last.pageInfo.endCursor }).then(
      (page) => setPages([...pages, page.overdueClocks]),
      (e: Error) => setError(e.message),
    );
  if (edges.length === 0) return <p>{t('none')}</p>;
  return (
    <>
      <ul className="plain">
        {edges.map(({ node: c }) => (
          <li key={c.id}>
            <a href={`#/case/${c.complaint.id}`}>{c.complaint.trackingNumber}</a> — {c.complaint.subject}
            {c.agency ? ` (${c.agency.name})` : ''} · {statusLabel(c.kind, lang)} · {t('dueAt')}{' '}
            {formatDate(c.dueAt, lang)}
          </li>
        ))}
      </ul>
      <p>
        {edges.length} / {last.totalCount}{' '}
        {last.pageInfo.hasNextPage ? (
          <button type="button" onClick={() => void more()}>
            {t('more')}
          </button>
        ) : null}
      </p>
      {error ? <p role="alert">{error}</p> : null}
    </>
  );
}

export function Monitoring() {
  const { t, lang } = useI18n();
  const [period, setPeriod] = useState<PeriodChoice>(() => currentPeriod());
  const [agencyId, setAgencyId] = useState<string | null>(null);
  const [agencies, setAgencies] = useState<{ id: string; name: string }[]>([]);
  const [figures, setFigures] = useState<Figures>({});
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  const [lastEvent, setLastEvent] = useState<string | null>(null);
  const refreshTimer = useRef<number | undefined>(undefined);
  // Live updates start once the first figures are in: opening the subscription meanwhile made the gateway
  // and the subgraphs share the page's busiest moment with it. Its starting point is asked for at once,
  // with the figures, so nothing that happens in between is missed.
  const [firstLoaded, setFirstLoaded] = useState(false);
  const [head] = useState(() =>
    gql(CaseEventsHeadDocument).then(
      ({ caseEventsHead }): string | null => caseEventsHead,
      () => null,
    ),
  );

  // Answers of an older load (another period or agency, or a live refresh overtaken) are dropped.
  const generation = useRef(0);
  const refresh = useCallback(() => {
    const mine = ++generation.current;
    const current = () => generation.current === mine;
    load(period, agencyId, (part) => current() && setFigures((f) => ({ ...f, ...part })))
      .then(
        () => current() && setError(null),
        (e: Error) => current() && setError(e.message),
      )
      .finally(() => setFirstLoaded(true));
  }, [period, agencyId]);

  useEffect(() => {
    setFigures({}); // another period or agency: nothing of the last one stays on screen
    refresh();
  }, [refresh]);
  useEffect(() => {
    gql(AgenciesDocument).then(
      (a) => setAgencies(a.agencies),
      () => setAgencies([]),
    );
  }, []);
  const refreshLatest = useRef(refresh);
  refreshLatest.current = refresh;
  // Live from now on, once per page: the figures above already count the past, and a subscription from
  // the beginning made the server replay the whole log to every monitoring page it opened.
  useEffect(() => {
    if (!firstLoaded) return;
    let stop: (() => void) | undefined;
    let cancelled = false;
    void head.then((after) => {
      if (cancelled) return;
      if (after === null) {
        setLive(false);
        return;
      }
      stop = subscribe(
        CaseEventsDocument,
        { after },
        {
          status: setLive,
          next: (data) => {
            setLastEvent(`${data.caseEvents.complaint.trackingNumber}: ${data.caseEvents.summary}`);
            // Events come in bursts (one command, several subgraphs): refresh once the burst settles.
            window.clearTimeout(refreshTimer.current);
            refreshTimer.current = window.setTimeout(() => refreshLatest.current(), 300);
          },
        },
      );
    });
    return () => {
      cancelled = true;
      stop?.();
    };
  }, [firstLoaded, head]);

  const { inflow, backlog, ranking, overdue } = figures;
  // Options change only with their data: a new object each render would redraw every chart each time
  // anything on the page changes (the agency list arriving, the live indicator).
  const inflowOption = useMemo(
    () =>
      inflow && {
        tooltip: { trigger: 'axis' },
        legend: { top: 0 },
        grid: fixedGrid({ left: VALUE_AXIS_ROOM, right: 16, top: 40, bottom: 28 }),
        xAxis: { type: 'category', data: inflow.weeks.rows.map((r) => r[0]) },
        yAxis: { type: 'value', minInterval: 1 },
        series: CHANNELS.map((c, i) => ({
          name: c,
          type: 'bar',
          stack: 'inflow',
          color: COLORS[i],
          data: inflow.weeks.rows.map((r) => r[i + 1]),
        })),
      },
    [inflow],
  );
  // Bars, not a pie: amounts side by side are read more exactly than angles, and the page's charts then
  // share one chart type (ECharts' pie, with its label layout, was code the first load compiled for one chart).
  const byChannelOption = useMemo(
    () =>
      inflow && {
        tooltip: {},
        grid: fixedGrid({ left: 96, right: 24, top: 10, bottom: 30 }),
        xAxis: { type: 'value', minInterval: 1 },
        yAxis: { type: 'category', data: inflow.byChannel.rows.map((r) => r[0]), inverse: true },
        series: [
          {
            type: 'bar',
            data: inflow.byChannel.rows.map((r, i) => ({ value: r[1], itemStyle: { color: COLORS[i] } })),
          },
        ],
      },
    [inflow],
  );
  const backlogOption = useMemo(
    () =>
      backlog && {
        tooltip: {},
        grid: fixedGrid({ left: 140, right: 20, top: 10, bottom: 30 }),
        xAxis: { type: 'value', minInterval: 1 },
        yAxis: {
          type: 'category',
          data: backlog.rows.map((r) => statusLabel(String(r[0]), lang)),
          inverse: true,
        },
        series: [{ type: 'bar', color: '#1d4ed8', data: backlog.rows.map((r) => r[1]) }],
      },
    [backlog, lang],
  );

  const rankingData: ChartData = useMemo(
    () => ({
      columns: [t('rank'), t('agency'), t('withinSla'), t('breaches'), t('median'), t('p90')],
      rows: (ranking ?? []).map((r) => [
        r.rank,
        r.agency.name,
        r.performance.respondedWithinSlaPercent,
        r.performance.overdue,
        r.performance.medianWorkingDaysToFirstResponse,
        r.performance.p90WorkingDaysToFirstResponse,
      ]),
    }),
    [ranking, t],
  );
  const responseTimes: ChartData = useMemo(
    () => ({
      columns: [t('agency'), t('median'), t('p90')],
      rows: (ranking ?? []).map((r) => [
        r.agency.name,
        r.performance.medianWorkingDaysToFirstResponse,
        r.performance.p90WorkingDaysToFirstResponse,
      ]),
    }),
    [ranking, t],
  );
  const ageing: ChartData = useMemo(() => {
    const names = ranking?.[0]?.performance.ageing.map((a) => a.bucket) ?? [];
    return {
      columns: [t('agency'), ...names],
      rows: (ranking ?? []).map((r) => [r.agency.name, ...r.performance.ageing.map((a) => a.open)]),
    };
  }, [ranking, t]);
  const slaOption = useMemo(
    () =>
      ranking && {
        ...perAgency(ranking),
        yAxis: [
          { type: 'value', max: 100 },
          { type: 'value', minInterval: 1 },
        ],
        series: [
          {
            name: t('withinSla'),
            type: 'bar',
            color: '#15803d',
            data: ranking.map((r) => r.performance.respondedWithinSlaPercent),
          },
          {
            name: t('breaches'),
            type: 'bar',
            yAxisIndex: 1,
            color: '#be123c',
            data: ranking.map((r) => r.performance.overdue),
          },
        ],
      },
    [ranking, t],
  );
  const responseTimeOption = useMemo(
    () =>
      ranking && {
        ...perAgency(ranking),
        yAxis: { type: 'value', minInterval: 1 },
        series: [
          { name: t('median'), type: 'bar', color: '#1d4ed8', data: responseTimes.rows.map((r) => r[1]) },
          { name: t('p90'), type: 'bar', color: '#b45309', data: responseTimes.rows.map((r) => r[2]) },
        ],
      },
    [ranking, responseTimes, t],
  );
  const ageingOption = useMemo(
    () =>
      ranking && {
        ...perAgency(ranking),
        yAxis: { type: 'value', minInterval: 1 },
        series: ageing.columns.slice(1).map((bucket, i) => ({
          name: bucket,
          type: 'bar',
          stack: 'ageing',
          color: COLORS[i % COLORS.length],
          data: ageing.rows.map((r) => r[i + 1]),
        })),
      },
    [ranking, ageing],
  );
  /** A chart once its part has arrived; until then its card says it is loading. */
  const chart = (
    title: string,
    name: string,
    data?: ChartData,
    option?: EChartsCoreOption,
    testId?: string,
  ) =>
    data && option ? (
      <ChartCard title={title} name={name} data={data} option={option} {...(testId ? { testId } : {})} />
    ) : (
      <section className="card" aria-busy="true">
        <h2>{title}</h2>
        <p>{t('loading')}</p>
      </section>
    );

  return (
    <div className="page">
      <h1>{t('monitoring')}</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <PeriodPicker value={period} onChange={setPeriod} />
        <AgencySelect agencies={agencies} value={agencyId ?? ''} onChange={(v) => setAgencyId(v || null)} />
        <p className="live" aria-live="polite">
          <span className={live ? 'dot on' : 'dot'} aria-hidden="true" /> {t('live')}:{' '}
          {live ? t('liveOn') : t('liveOff')}
          {lastEvent ? <span className="last-event"> — {lastEvent}</span> : null}
        </p>
      </form>
      {error ? <p role="alert">{error}</p> : null}
      <p className="kpi" data-testid={inflow ? 'inflow-total' : undefined}>
        {t('total')}: <strong>{inflow ? inflow.total : '…'}</strong>
      </p>
      <div className="grid">
        {chart(t('inflow'), 'inflow', inflow?.weeks, inflowOption, 'inflow')}
        {chart(t('backlog'), 'backlog', backlog, backlogOption, 'backlog')}
        {chart(t('inflowByChannel'), 'inflow-by-channel', inflow?.byChannel, byChannelOption)}
        {chart(t('sla'), 'sla-per-agency', rankingData, slaOption)}
        {chart(t('responseTime'), 'response-time', responseTimes, responseTimeOption)}
        {chart(t('ageing'), 'ageing', ageing, ageingOption)}
      </div>
      <section className="card" aria-labelledby="ranking-h">
        <h2 id="ranking-h">{t('ranking')}</h2>
        {ranking ? <DataTable data={rankingData} /> : <p>{t('loading')}</p>}
      </section>
      <section className="card" aria-labelledby="overdue-h" data-testid={overdue ? 'overdue' : undefined}>
        <h2 id="overdue-h">{t('overdue')}</h2>
        {overdue ? <OverdueList first={overdue} agencyId={agencyId} /> : <p>{t('loading')}</p>}
      </section>
    </div>
  );
}
