/** Small shared pieces: the period picker, a mutation runner that handles CONFLICT, status badges. */
import { useId, useState } from 'react';
import { ApiError } from './api';
import type { Session } from './auth';
import { statusLabel, useI18n } from './i18n';
import type { PeriodChoice, PeriodKind } from './period';

export function PeriodPicker({
  value,
  onChange,
}: {
  value: PeriodChoice;
  onChange: (p: PeriodChoice) => void;
}) {
  const { t } = useI18n();
  const years = [value.year - 2, value.year - 1, value.year, value.year + 1];
  const max = value.kind === 'month' ? 12 : value.kind === 'quarter' ? 4 : 1;
  return (
    <fieldset className="period">
      <legend>{t('period')}</legend>
      <label>
        <span className="sr-only">{t('period')}</span>
        <select
          value={value.kind}
          onChange={(e) => onChange({ ...value, kind: e.target.value as PeriodKind, index: 1 })}
        >
          <option value="month">{t('month')}</option>
          <option value="quarter">{t('quarter')}</option>
          <option value="year">{t('year')}</option>
        </select>
      </label>
      <label>
        <span className="sr-only">{t('year')}</span>
        <select value={value.year} onChange={(e) => onChange({ ...value, year: Number(e.target.value) })}>
          {years.map((y) => (
            <option key={y}>{y}</option>
          ))}
        </select>
      </label>
      {max > 1 ? (
        <label>
          <span className="sr-only">{value.kind === 'month' ? t('month') : t('quarter')}</span>
          <select value={value.index} onChange={(e) => onChange({ ...value, index: Number(e.target.value) })}>
            {Array.from({ length: max }, (_, i) => i + 1).map((n) => (
              <option key={n} value={n}>
                {value.kind === 'quarter' ? `Q${n}` : n}
              </option>
            ))}
          </select>
        </label>
      ) : null}
    </fieldset>
  );
}

export type Outcome = { kind: 'ok' } | { kind: 'conflict' } | { kind: 'error'; message: string } | null;

/** Runs one action at a time; a CONFLICT (someone else changed the case) asks for a reload. */
export function useAction(onDone: () => void) {
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setOutcome(null);
    try {
      await action();
      setOutcome({ kind: 'ok' });
      onDone();
    } catch (e) {
      if (e instanceof ApiError && e.code === 'CONFLICT') setOutcome({ kind: 'conflict' });
      else setOutcome({ kind: 'error', message: (e as Error).message });
    } finally {
      setBusy(false);
    }
  };
  return { busy, outcome, run, clear: () => setOutcome(null) };
}

export function OutcomeMessage({ outcome, onReload }: { outcome: Outcome; onReload: () => void }) {
  const { t } = useI18n();
  if (!outcome) return null;
  if (outcome.kind === 'ok')
    return (
      <p className="ok" role="status">
        {t('done')}
      </p>
    );
  if (outcome.kind === 'conflict')
    return (
      <div className="warn" role="alert" data-testid="conflict">
        {t('conflict')}{' '}
        <button type="button" onClick={onReload}>
          {t('reload')}
        </button>
      </div>
    );
  return (
    <p className="error" role="alert">
      {t('error')}: {outcome.message}
    </p>
  );
}

export function Field({ label, children }: { label: string; children: (id: string) => React.ReactNode }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id)}
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  const { lang } = useI18n();
  return (
    <span className={`badge s-${status.toLowerCase()}`} data-status={status} title={status}>
      {statusLabel(status, lang)}
    </span>
  );
}

/** The agency filter: every agency of the directory, or all. */
export function AgencySelect({
  agencies,
  value,
  onChange,
}: {
  agencies: readonly { id: string; name: string }[];
  value: string;
  onChange: (agencyId: string) => void;
}) {
  const { t } = useI18n();
  return (
    <label>
      {t('agency')}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{t('allAgencies')}</option>
        {agencies.map((a) => (
          <option key={a.id} value={a.id}>
            {a.name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** What every part of the case page is given: the case, who looks at it, and how to reload it. */
export interface CasePartProps<C> {
  readonly complaint: C;
  readonly session: Session;
  readonly onDone: () => void;
}

/**
 * "5 hari kerja tersisa" / "terlambat 3 hari kerja": how a focal point counts its deadline. The count is
 * the API's (SlaClock.workingDaysLeft), under the clock's own calendar and region, holidays included.
 */
export function DueIn({ days }: { days: number }) {
  const { t } = useI18n();
  return (
    <>{days >= 0 ? `${days} ${t('workingDaysLeft')}` : `${t('overdueBy')} ${-days} ${t('workingDays')}`}</>
  );
}
