/** Evaluation rounds per agency and period with their KPIs, a chart, and the berita acara to print. */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { gql } from '../api';
import type { Session } from '../auth';
import { ChartCard, type ChartData } from '../chart';
import {
  AgenciesDocument,
  EvaluationsDocument,
  type EvaluationsQuery,
  OpenEvaluationDocument,
} from '../gql/graphql';
import { formatDate, useI18n } from '../i18n';
import { currentPeriod, type PeriodChoice, periodInput } from '../period';
import { AgencySelect, OutcomeMessage, PeriodPicker, StatusBadge, useAction } from '../widgets';

export function Evaluation({ session }: { session: Session }) {
  const { t, lang } = useI18n();
  const [rounds, setRounds] = useState<EvaluationsQuery['evaluations'] | null>(null);
  const [agencies, setAgencies] = useState<{ id: string; name: string }[]>([]);
  const [agencyId, setAgencyId] = useState('');
  const [period, setPeriod] = useState<PeriodChoice>(() => currentPeriod(new Date(), 'month'));
  const reload = useCallback(() => {
    gql(EvaluationsDocument, session.role === 'AGENCY' ? {} : agencyId ? { agencyId } : {}).then(
      (d) => setRounds(d.evaluations),
      () => setRounds([]),
    );
  }, [agencyId, session.role]);
  useEffect(reload, [reload]);
  useEffect(() => {
    gql(AgenciesDocument).then(
      (a) => setAgencies(a.agencies),
      () => setAgencies([]),
    );
  }, []);
  const action = useAction(reload);
  const data: ChartData = useMemo(
    () => ({
      columns: [t('agency'), t('period'), t('withinSla'), t('median'), t('breaches')],
      rows: (rounds ?? []).map((r) => [
        r.agency.name,
        `${r.period.from}…${r.period.to}`,
        r.kpis.respondedWithinSlaPercent,
        r.kpis.medianWorkingDaysToFirstResponse,
        r.kpis.overdue,
      ]),
    }),
    [rounds, t],
  );
  // Made again only with its data: a new object each render (an action's outcome, the agency list
  // arriving) redrew the chart each time (ChartCard draws when its option changes).
  const kpiOption = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 10, right: 10, top: 40, bottom: 10, containLabel: true },
      xAxis: { type: 'category', data: data.rows.map((r) => `${r[0]} ${r[1]}`) },
      yAxis: [
        { type: 'value', max: 100 },
        { type: 'value', minInterval: 1 },
      ],
      series: [
        { name: t('withinSla'), type: 'bar', color: '#15803d', data: data.rows.map((r) => r[2]) },
        {
          name: t('breaches'),
          type: 'bar',
          yAxisIndex: 1,
          color: '#be123c',
          data: data.rows.map((r) => r[4]),
        },
      ],
    }),
    [data, t],
  );
  const staff = session.role === 'OFFICER' || session.role === 'SUPERVISOR';
  return (
    <div className="page">
      <h1>{t('evaluation')}</h1>
      {session.role !== 'AGENCY' ? (
        <form className="filters" onSubmit={(e) => e.preventDefault()}>
          <AgencySelect agencies={agencies} value={agencyId} onChange={setAgencyId} />
          {staff ? (
            <>
              <PeriodPicker value={period} onChange={setPeriod} />
              <button
                type="button"
                title={agencyId ? undefined : t('chooseAgencyFirst')}
                disabled={!agencyId || action.busy}
                onClick={() =>
                  action.run(() => gql(OpenEvaluationDocument, { agencyId, period: periodInput(period) }))
                }
              >
                {t('openRound')}
              </button>
            </>
          ) : null}
        </form>
      ) : null}
      <OutcomeMessage outcome={action.outcome} onReload={reload} />
      {rounds === null ? (
        <p>{t('loading')}</p>
      ) : rounds.length === 0 ? (
        <p>{t('none')}</p>
      ) : (
        <>
          <ChartCard title={t('kpis')} name="evaluation-kpis" data={data} option={kpiOption} />
          <section className="card" aria-labelledby="rounds-h">
            <h2 id="rounds-h">{t('rounds')}</h2>
            <ul className="plain">
              {rounds.map((r) => (
                <li key={r.id}>
                  {r.agency.name} · {r.period.from}…{r.period.to} · <StatusBadge status={r.status} /> ·{' '}
                  {formatDate(r.openedAt, lang)} · {t('findings')}: {r.findings.length} ·{' '}
                  <a href={`#/berita-acara/${r.id}`}>
                    {t('beritaAcara')} ({t('print')})
                  </a>
                </li>
              ))}
            </ul>
          </section>
        </>
      )}
    </div>
  );
}
