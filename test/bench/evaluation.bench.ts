/**
 * `npm run bench:evaluation`: the time to compute one quarter's performance for every agency over a log of
 * EVALUATION_BENCH_EVENTS events (default 1,000,000) on SQLite, two ways side by side:
 * - from the projection: the evaluation read model (built once by the projection runner; its build time is
 *   printed too), queried per agency with agencyKpisFromReadModel, which reads the agency's day buckets of
 *   the quarter and its forwardings awaiting an answer at the quarter's end by id;
 * - by recomputation: the log read back from the store and every agency's KPIs computed from the raw
 *   events with computeAgencyKpisFromEvents (nothing kept between calls).
 * Both must give the same numbers for every agency, or the benchmark fails.
 *
 *   npm run bench:evaluation
 *   EVALUATION_BENCH_EVENTS=200000 EVALUATION_BENCH_AGENCIES=20 npm run bench:evaluation
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  CALENDAR_EVENT_TYPES,
  type CalendarEvent,
  workingCalendarFromEvents,
} from '../../services/evaluation/domain/calendar-aggregate';
import { EVALUATION_SOURCE_EVENT_TYPES } from '../../services/evaluation/domain/case-facts';
import type { ClockContext } from '../../services/evaluation/domain/clocks';
import { type AgencyKpis, computeAgencyKpisFromEvents, periods } from '../../services/evaluation/domain/kpi';
import {
  DEFAULT_CLOCK_LIMITS,
  policyVersionsFromEvents,
  SLA_POLICY_EVENT_TYPES,
  type SlaPolicyEvent,
} from '../../services/evaluation/domain/sla-policy';
import {
  agencyKpisFromReadModel,
  clockContextFromReadModel,
  createEvaluationProjection,
} from '../../services/evaluation/projections';
import { SqliteEventStore } from '../../services/shared/eventstore/sqlite';
import type { NewEvent, RecordedEvent } from '../../services/shared/eventstore/types';
import { startProjections } from '../../services/shared/projections/runner';
import { SqliteReadModelStore } from '../../services/shared/projections/sqlite-read-model';

const fmt = (n: number) => n.toLocaleString('en-US');
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const HOUR = 3_600_000;
const YEAR_START = Date.parse('2025-01-02T01:00:00Z');

/** mulberry32: the same history on every run. */
function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Streams = Map<string, NewEvent[]>;

/** One complaint's history in the complaint, correspondence and evaluation domains' event shapes. */
function complaintHistory(i: number, agencies: readonly string[], rnd: () => number): Streams {
  const streams: Streams = new Map();
  const id = `c-${i}`;
  let t = YEAR_START + Math.floor(rnd() * HOUR * 24 * 360);
  const push = (type: string, data: Record<string, unknown>, streamId = `complaint-${id}`) => {
    const at = new Date(t).toISOString();
    const list = streams.get(streamId) ?? [];
    list.push({
      type,
      data: { ...data, at },
      metadata: { occurredAt: at, caseId: id, actor: { id: 'officer-1', role: 'OFFICER' } },
    });
    streams.set(streamId, list);
  };
  const step = (maxDays: number) => {
    t += Math.floor(rnd() * HOUR * 24 * maxDays) + HOUR;
  };
  const pick = () => agencies[Math.floor(rnd() * agencies.length)]!;
  push('ComplaintReceived', { complaintId: id, receivedAt: new Date(t).toISOString(), channel: 'WEB' });
  if (rnd() < 0.15) {
    step(3);
    push('InformationRequested', { question: 'q', by: 'o' });
    step(10);
    push('InformationProvided', { information: 'i', by: 'c' });
  }
  step(4);
  if (rnd() < 0.08) {
    push('ComplaintRejected', { reason: 'OUT_OF_SCOPE', note: 'n' });
    return streams;
  }
  push('ComplaintVerified', { note: null });
  step(2);
  const targets = rnd() < 0.2 ? [...new Set([pick(), pick()])] : [pick()];
  push('ComplaintForwarded', { forwardings: targets.map((a) => ({ agencyId: a, forwardingId: `${a}/1` })) });
  for (const a of targets) {
    if (rnd() < 0.25) {
      const letterId = `r-${id}-${a}`;
      const back = t;
      t += HOUR * 24 * 8;
      push('LetterDrafted', { letterId, kind: 'REMINDER', agencyId: a }, `letter-${letterId}`);
      t += HOUR * 3;
      push('LetterSent', { letterId }, `letter-${letterId}`);
      t = back;
    }
    if (rnd() < 0.1) continue;
    step(6);
    if (rnd() < 0.7) {
      push('ComplaintAcknowledged', { agencyId: a, forwardingId: `${a}/1` });
      step(10);
    } else step(18);
    push('AgencyResponseRecorded', {
      agencyId: a,
      forwardingId: `${a}/1`,
      response: 'r',
      outcome: rnd() < 0.07 ? 'NOT_COMPETENT' : 'FOLLOWED_UP',
    });
  }
  step(4);
  push('ComplaintResolved', { resolution: 'done' });
  if (rnd() < 0.6) {
    step(5);
    const rating = 1 + Math.floor(rnd() * 5);
    push(
      'SatisfactionRated',
      { complaintId: id, resolution: 1, rating, comment: null },
      `satisfaction-${id}`,
    );
  }
  if (rnd() < 0.08) {
    step(10);
    push('ComplaintReopened', { reason: 'r', from: 'RESOLVED', to: 'VERIFIED' });
    return streams;
  }
  step(12);
  push('ComplaintClosed', { note: null });
  return streams;
}

/** A mid-year policy change and an extra holiday, so both computations must honour configuration. */
function configurationEvents(): [string, NewEvent][] {
  const at = '2025-01-01T00:00:00.000Z';
  const policy: SlaPolicyEvent = {
    type: 'SlaPolicyChanged',
    data: {
      version: 1,
      effectiveFrom: '2025-05-01',
      limits: { ...DEFAULT_CLOCK_LIMITS, WRITTEN_RESPONSE: { length: 10, unit: 'WORKING_DAYS' } },
      reason: 'faster responses',
      changedBy: 'admin',
      changedAt: at,
    },
  };
  return [
    ['sla-policy', { type: policy.type, data: policy.data, metadata: { occurredAt: at } }],
    [
      'calendar-id',
      {
        type: 'HolidayAdded',
        data: {
          date: '2025-04-22',
          kind: 'NATIONAL_HOLIDAY',
          name: 'Hari libur khusus',
          addedBy: 'admin',
          addedAt: at,
        },
        metadata: { occurredAt: at },
      },
    ],
  ];
}

async function main(): Promise<void> {
  const target = Number(process.env.EVALUATION_BENCH_EVENTS ?? 1_000_000);
  const agencyCount = Number(process.env.EVALUATION_BENCH_AGENCIES ?? 30);
  const agencies = Array.from({ length: agencyCount }, (_, i) => `agency-${String(i + 1).padStart(3, '0')}`);
  const base = process.env.EVALUATION_BENCH_DIR ?? (fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir());
  const dir = fs.mkdtempSync(path.join(base, 'dumas-evaluation-bench-'));
  const store = new SqliteEventStore({ file: path.join(dir, 'events.sqlite') });
  const quarter = periods.quarter(2025, 2);
  try {
    console.log(
      `evaluation benchmark: ~${fmt(target)} events, ${agencyCount} agencies, Q2 2025, SQLite files in ${base}`,
    );
    let started = performance.now();
    for (const [streamId, event] of configurationEvents()) await store.append(streamId, [event]);
    const rnd = prng(20250401);
    let appended = 2;
    let complaints = 0;
    while (appended < target) {
      for (const [streamId, events] of complaintHistory(complaints++, agencies, rnd)) {
        await store.append(streamId, events);
        appended += events.length;
      }
    }
    const head = await store.headPosition();
    console.log(
      `  seeded ${fmt(appended)} events (${fmt(complaints)} complaints) in ${secs(performance.now() - started)}`,
    );

    // ── the projection ──
    const readModels = new SqliteReadModelStore({ file: path.join(dir, 'evaluation.sqlite') });
    started = performance.now();
    const runner = await startProjections({ store, readModels, projections: [createEvaluationProjection()] });
    await runner.waitFor(head, 3_600_000);
    await runner.stop();
    const buildMs = performance.now() - started;
    console.log(
      `  projection built from zero in ${secs(buildMs)} (${fmt(Math.round((appended / buildMs) * 1000))} events/s) — once, then kept up event by event`,
    );

    started = performance.now();
    const projectedCtx = await clockContextFromReadModel(readModels);
    const fromProjection = new Map<string, AgencyKpis>();
    for (const agency of agencies) {
      fromProjection.set(agency, await agencyKpisFromReadModel(readModels, agency, quarter, projectedCtx));
    }
    const projectionMs = performance.now() - started;

    // ── recomputation from the raw log ──
    started = performance.now();
    const events: RecordedEvent[] = [];
    const types = [...EVALUATION_SOURCE_EVENT_TYPES, ...SLA_POLICY_EVENT_TYPES, ...CALENDAR_EVENT_TYPES];
    for (let from = 0; ; ) {
      const page = await store.readAll({
        fromPosition: from,
        maxCount: 20_000,
        filter: { eventTypes: types },
      });
      if (page.length === 0) break;
      for (const e of page) events.push(e);
      from = page[page.length - 1]!.position;
    }
    const readMs = performance.now() - started;
    started = performance.now();
    const ctx: ClockContext = {
      calendar: workingCalendarFromEvents(
        events
          .filter((e) => (CALENDAR_EVENT_TYPES as readonly string[]).includes(e.type))
          .map((e) => ({ type: e.type, data: e.data }) as CalendarEvent),
      ),
      policy: policyVersionsFromEvents(
        events
          .filter((e) => (SLA_POLICY_EVENT_TYPES as readonly string[]).includes(e.type))
          .map((e) => ({ type: e.type, data: e.data }) as SlaPolicyEvent),
      ),
    };
    let mismatches = 0;
    for (const agency of agencies) {
      const brute = computeAgencyKpisFromEvents(events, agency, quarter, ctx);
      if (!isDeepStrictEqual(brute, fromProjection.get(agency))) {
        mismatches++;
        console.error(`  MISMATCH for ${agency}:`, { brute, projected: fromProjection.get(agency) });
      }
    }
    const computeMs = performance.now() - started;

    const sample = fromProjection.get(agencies[0]!)!;
    console.log(
      `  sample ${sample.agencyId}: forwarded ${sample.forwarded}, responded ${sample.responded}, within SLA ${sample.respondedWithinSlaPercent}%, median ${sample.medianWorkingDaysToFirstResponse} wd, open ${sample.open}, satisfaction ${sample.meanSatisfaction}`,
    );
    console.log(`  Q2 2025 for all ${agencyCount} agencies:`);
    console.log(
      `    from the projection:  ${secs(projectionMs)} (${(projectionMs / agencyCount).toFixed(1)} ms per agency)`,
    );
    console.log(
      `    by recomputation:     ${secs(readMs + computeMs)} (reading ${fmt(events.length)} events ${secs(readMs)} + computing ${secs(computeMs)}, ${(computeMs / agencyCount).toFixed(0)} ms per agency)`,
    );
    console.log(
      `    ratio ${((readMs + computeMs) / projectionMs).toFixed(0)}×; results equal for ${agencyCount - mismatches}/${agencyCount} agencies; load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${os.cpus().length} CPUs`,
    );
    await readModels.close();
    if (mismatches > 0) process.exitCode = 1;
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
