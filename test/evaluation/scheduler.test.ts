/**
 * The breach scheduler over a real SQLite store and read model, driven by a FixedClock: a clock that
 * runs out gets exactly one DeadlineBreached, across repeated ticks, restarts, a rebuilt read model and
 * two schedulers racing; clocks met in time or paused are left alone; a late stop the scheduler missed
 * while it was down is still put on the record.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { slaStreamId } from '../../services/evaluation/domain/clocks';
import { type EvaluationRuntime, startEvaluationRuntime } from '../../services/evaluation/subgraph';
import { FixedClock } from '../../services/shared/clock';
import { loadConfig } from '../../services/shared/config';
import { SqliteEventStore } from '../../services/shared/eventstore/sqlite';
import type { EventStore } from '../../services/shared/eventstore/types';
import { createLogger } from '../../services/shared/logger';

const logger = createLogger({ name: 'scheduler-test', level: 'silent' });
const AGENCY = 'inspektorat-bantul';
/** Monday 2 March 2026, 10:00 WIB. */
const T0 = '2026-03-02T03:00:00.000Z';
const day = (n: number, hourUtc = 3) =>
  new Date(Date.parse(T0) + n * 86_400_000 + (hourUtc - 3) * 3_600_000).toISOString();

let dir: string;
let store: EventStore;
let clock: FixedClock;
const runtimes: EvaluationRuntime[] = [];

async function start(options: { dataDir?: string; intervalMs?: number } = {}): Promise<EvaluationRuntime> {
  const runtime = await startEvaluationRuntime({
    config: loadConfig({ DUMAS_DATA_DIR: options.dataDir ?? dir }),
    store,
    clock,
    logger,
    schedulerIntervalMs: options.intervalMs ?? 0,
  });
  runtimes.push(runtime);
  return runtime;
}

async function stop(runtime: EvaluationRuntime): Promise<void> {
  runtimes.splice(runtimes.indexOf(runtime), 1);
  await runtime.close();
}

async function record(complaintId: string, type: string, at: string, data: Record<string, unknown> = {}) {
  await store.append(`complaint-${complaintId}`, [
    {
      type,
      data: { ...data, at },
      metadata: { occurredAt: at, caseId: complaintId, actor: { id: 'officer-1', role: 'OFFICER' } },
    },
  ]);
}

/** Received Monday, verified and forwarded to one agency the same day. */
async function forwarded(complaintId: string): Promise<void> {
  await record(complaintId, 'ComplaintReceived', T0, { complaintId, receivedAt: T0, trackingNumber: 'X' });
  await record(complaintId, 'ComplaintVerified', day(0, 4));
  await record(complaintId, 'ComplaintForwarded', day(0, 5), {
    forwardings: [{ agencyId: AGENCY, forwardingId: `${AGENCY}/1` }],
  });
}

const breaches = async (complaintId: string) =>
  (await store.readStream(slaStreamId(complaintId))).filter((e) => e.type === 'DeadlineBreached');

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dumas-scheduler-'));
  store = new SqliteEventStore({ file: path.join(dir, 'events.sqlite') });
  clock = new FixedClock(new Date(T0));
});

afterEach(async () => {
  for (const r of runtimes.splice(0)) await r.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('given a forwarding the agency never takes up', () => {
  it('records nothing before the deadline, then one breach per clock however often it ticks', async () => {
    await forwarded('c1');
    const runtime = await start();
    // Five working days after Monday 2 March: Monday 9 March, until the end of the day WIB.
    clock.set('2026-03-09T16:59:00.000Z');
    expect((await runtime.scheduler.tick()).recorded).toEqual([]);

    clock.set('2026-03-09T17:00:00.000Z');
    const first = await runtime.scheduler.tick();
    expect(first.recorded).toEqual([`c1/AGENCY_FIRST_FOLLOW_UP/${AGENCY}/1`]);
    expect((await runtime.scheduler.tick()).recorded).toEqual([]);

    const [event] = await breaches('c1');
    expect(event!.data).toEqual({
      complaintId: 'c1',
      clockId: `c1/AGENCY_FIRST_FOLLOW_UP/${AGENCY}/1`,
      kind: 'AGENCY_FIRST_FOLLOW_UP',
      agencyId: AGENCY,
      dueAt: '2026-03-09T16:59:59.999Z',
      detectedAt: '2026-03-09T17:00:00.000Z',
    });
    expect(event!.metadata).toMatchObject({ caseId: 'c1', actor: { id: 'sla-scheduler', role: 'SYSTEM' } });

    // The written response (14 calendar days) runs out later: its own breach, once.
    clock.set('2026-03-17T00:00:00.000Z');
    expect((await runtime.scheduler.tick()).recorded).toEqual([`c1/WRITTEN_RESPONSE/${AGENCY}/1`]);
    expect((await runtime.scheduler.tick()).recorded).toEqual([]);
    expect(await breaches('c1')).toHaveLength(2);
  });

  it('does not record a breach again after a restart, nor after its read model is rebuilt from zero', async () => {
    await forwarded('c1');
    let runtime = await start();
    clock.set('2026-03-10T03:00:00.000Z');
    expect((await runtime.scheduler.tick()).recorded).toHaveLength(1);
    await stop(runtime);

    runtime = await start();
    expect((await runtime.scheduler.tick()).recorded).toEqual([]);
    await stop(runtime);

    // A fresh data directory: the projection replays the whole log, the breach included.
    runtime = await start({ dataDir: mkdtempSync(path.join(dir, 'fresh-')) });
    const again = await runtime.scheduler.tick();
    expect(again.recorded).toEqual([]);
    expect(await breaches('c1')).toHaveLength(1);
  });

  it('two schedulers ticking at once record each breach once between them', async () => {
    await forwarded('c1');
    await forwarded('c2');
    const a = await start();
    const b = await start({ dataDir: mkdtempSync(path.join(dir, 'second-')) });
    clock.set('2026-03-10T03:00:00.000Z');
    const [ra, rb] = await Promise.all([a.scheduler.tick(), b.scheduler.tick()]);
    const recorded = [...ra.recorded, ...rb.recorded].sort();
    expect(recorded).toEqual([
      `c1/AGENCY_FIRST_FOLLOW_UP/${AGENCY}/1`,
      `c2/AGENCY_FIRST_FOLLOW_UP/${AGENCY}/1`,
    ]);
    expect([...ra.recorded, ...ra.alreadyRecorded].sort()).toEqual(recorded);
    expect(await breaches('c1')).toHaveLength(1);
    expect(await breaches('c2')).toHaveLength(1);
  });

  it('ticks on its own at the configured interval', async () => {
    await forwarded('c1');
    clock.set('2026-03-10T03:00:00.000Z');
    await start({ intervalMs: 20 });
    const deadline = Date.now() + 5_000;
    while ((await breaches('c1')).length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await breaches('c1')).toHaveLength(1);
  });
});

describe('given forwardings taken up or waiting on the complainant', () => {
  it('leaves a clock stopped in time alone, and records one stopped late while the scheduler was down', async () => {
    await forwarded('in-time');
    await record('in-time', 'ComplaintAcknowledged', day(2), {
      agencyId: AGENCY,
      forwardingId: `${AGENCY}/1`,
    });
    await forwarded('late');
    // Acknowledged on Wednesday 11 March: two days after the follow-up deadline.
    await record('late', 'ComplaintAcknowledged', day(9), { agencyId: AGENCY, forwardingId: `${AGENCY}/1` });
    clock.set(day(10));
    const runtime = await start();
    const tick = await runtime.scheduler.tick();
    expect(tick.recorded).toEqual([`late/AGENCY_FIRST_FOLLOW_UP/${AGENCY}/1`]);
    expect(await breaches('in-time')).toEqual([]);
  });

  it('does not breach a clock paused while the complaint awaits information', async () => {
    await forwarded('paused');
    await record('paused', 'InformationRequested', day(1), { question: 'q', by: 'officer-1' });
    clock.set(day(30));
    const runtime = await start();
    expect((await runtime.scheduler.tick()).recorded).toEqual([]);

    // Requested the day after forwarding and answered on Wednesday 1 April: no day was used before the
    // pause, so the five working days are 1, 2, 6, 7 and 8 April (Good Friday on the 3rd).
    await record('paused', 'InformationProvided', day(30), { information: 'i', by: 'complainant' });
    clock.set('2026-04-08T12:00:00.000Z');
    expect((await runtime.scheduler.tick()).recorded).toEqual([]);
    clock.set('2026-04-08T17:00:00.000Z');
    expect((await runtime.scheduler.tick()).recorded).toEqual([`paused/AGENCY_FIRST_FOLLOW_UP/${AGENCY}/1`]);
  });
});
