/** From domain values and read-model documents to what the GraphQL types hold. */
import { badInput } from '../../shared/errors';
import type { Holiday } from '../../shared/calendar/calendar';
import type { ClockStatus } from '../domain/clocks';
import { AGEING_BUCKETS, type AgencyKpis, type Period, periods } from '../domain/kpi';
import { CLOCK_KINDS, CLOCK_RULES, type SlaPolicyVersion as PolicyVersion } from '../domain/sla-policy';
import type { EvaluationRoundDoc } from '../records';
import type {
  AgencyPerformance,
  CalendarHoliday,
  Evaluation,
  PeriodInput,
  SlaClock,
  SlaPolicyVersion,
} from './types';

/** Reads a PeriodInput: exactly one of a range, a month, a quarter or a year. */
export function toPeriod(input: PeriodInput): Period {
  const { year, month, quarter, from, to } = input;
  const given = (v: unknown) => v !== undefined && v !== null;
  if (given(from) || given(to)) {
    if (!from || !to) throw badInput('a range needs both from and to', { field: 'period' });
    if (given(year) || given(month) || given(quarter)) {
      throw badInput('give either a range or a year (with a month or a quarter), not both', {
        field: 'period',
      });
    }
    return periods.range(from, to);
  }
  if (!given(year)) throw badInput('a period needs a year, or from and to', { field: 'period' });
  if (!Number.isInteger(year) || year! < 2000 || year! > 2100) {
    throw badInput('year must be 2000..2100', { field: 'period.year' });
  }
  if (given(month) && given(quarter)) {
    throw badInput('give a month or a quarter, not both', { field: 'period' });
  }
  if (given(month)) return periods.month(year!, month!);
  if (given(quarter)) return periods.quarter(year!, quarter!);
  return periods.year(year!);
}

export function toPerformance(kpis: AgencyKpis): AgencyPerformance {
  return {
    ...kpis,
    agency: { id: kpis.agencyId },
    period: { ...kpis.period },
    ageing: AGEING_BUCKETS.map((bucket) => ({ bucket, open: kpis.ageing[bucket] })),
  };
}

export function toSlaClock(clock: ClockStatus): SlaClock {
  return {
    id: clock.id,
    kind: clock.kind,
    agency: clock.agencyId ? { id: clock.agencyId } : null,
    cycle: clock.cycle,
    policyVersion: clock.policyVersion,
    length: clock.length,
    unit: clock.unit,
    startedAt: clock.startedAt,
    dueDate: clock.dueDate,
    dueAt: clock.dueAt,
    stoppedAt: clock.stoppedAt ?? null,
    state: clock.state,
    workingDaysElapsed: clock.workingDaysElapsed,
    pauses: clock.pauses.map((p) => ({ from: p.from, to: p.to ?? null })),
    breachRecordedAt: clock.breachRecordedAt ?? null,
    complaint: { id: clock.complaintId },
  };
}

export function toPolicyVersion(v: PolicyVersion): SlaPolicyVersion {
  return {
    version: v.version,
    effectiveFrom: v.effectiveFrom,
    reason: v.reason,
    changedBy: v.changedBy ?? null,
    changedAt: v.changedAt ?? null,
    limits: CLOCK_KINDS.map((kind) => ({
      kind,
      ...v.limits[kind],
      description: CLOCK_RULES[kind].description,
    })),
  };
}

export function toHoliday(h: Holiday): CalendarHoliday {
  return { date: h.date, kind: h.kind, name: h.name, region: h.region ?? null, note: h.note ?? null };
}

export function toEvaluation(doc: EvaluationRoundDoc): Evaluation {
  return {
    id: doc.id,
    agency: { id: doc.agencyId },
    period: { ...doc.period },
    status: doc.status,
    kpis: toPerformance(doc.kpis),
    findings: doc.findings.map((f) => ({ findingId: f.findingId, text: f.text, kpi: f.kpi ?? null })),
    recommendations: doc.recommendations.map((r) => ({ ...r })),
    followUpActions: doc.actions.map((a) => ({ ...a })),
    signatures: doc.signatures.map((s) => ({
      side: s.side,
      signerName: s.signerName,
      position: s.position,
      signatureReference: s.signatureReference,
      signedAt: s.signedAt,
    })),
    openedAt: doc.openedAt,
    finalisedAt: doc.status === 'FINALISED' ? doc.finalisedAt : null,
    version: doc.version,
  };
}
