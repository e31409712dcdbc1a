import { WorkingCalendar } from '../../services/shared/calendar/calendar';
import { type CaseFact, toCaseFact } from '../../services/evaluation/domain/case-facts';
import {
  computeClocks,
  deadlineBreached,
  deadlineBreachedEventId,
  dueBreaches,
  evaluateClock,
  type SlaClock,
} from '../../services/evaluation/domain/clocks';
import { policyVersionsFromEvents, type SlaPolicyEvent } from '../../services/evaluation/domain/sla-policy';
import type { RecordedEvent } from '../../services/shared/eventstore/types';

const calendar = WorkingCalendar.bundled();
const ctx = { calendar, policy: policyVersionsFromEvents([]) };
const c = 'c-1';
/** 10:00 WIB on a Jakarta date. */
const at = (date: string, time = '10:00') => new Date(`${date}T${time}:00+07:00`).toISOString();
const received = (date: string, time?: string): CaseFact => ({
  kind: 'RECEIVED',
  complaintId: c,
  at: at(date, time),
});
const forwarded = (date: string, ...agencies: string[]): CaseFact => ({
  kind: 'FORWARDED',
  complaintId: c,
  at: at(date),
  forwardings: agencies.map((a) => ({ agencyId: a, forwardingId: `${a}/1` })),
});
const responded = (date: string, agency: string, n = 1): CaseFact => ({
  kind: 'RESPONDED',
  complaintId: c,
  at: at(date),
  agencyId: agency,
  forwardingId: `${agency}/${n}`,
  notCompetent: false,
});
const simple = (
  kind: 'VERIFIED' | 'INFORMATION_REQUESTED' | 'INFORMATION_PROVIDED' | 'RESOLVED',
  date: string,
) => ({ kind, complaintId: c, at: at(date) }) as CaseFact;
const byKind = (clocks: SlaClock[], kind: SlaClock['kind'], agency?: string) =>
  clocks.filter((k) => k.kind === kind && k.agencyId === agency);

describe('SLA clocks', () => {
  it('received before Lebaran 2025: verification is due on the third working day after the holidays', () => {
    const [verification] = computeClocks([received('2025-03-27')], ctx);
    expect(verification).toMatchObject({
      kind: 'VERIFICATION',
      length: 3,
      unit: 'WORKING_DAYS',
      dueDate: '2025-04-10',
    });
    expect(verification!.dueAt).toBe('2025-04-10T16:59:59.999Z');
    expect(evaluateClock(verification!, calendar, at('2025-04-09')).state).toBe('RUNNING');
    expect(evaluateClock(verification!, calendar, at('2025-04-10', '23:59')).state).toBe('RUNNING');
    const late = evaluateClock(verification!, calendar, at('2025-04-11', '00:01'));
    expect(late.state).toBe('BREACHED');
    expect(late.workingDaysElapsed).toBe(4);
  });

  it('working days left count the holidays out, and below zero say how late: Lebaran 2025', () => {
    const [verification] = computeClocks([received('2025-03-27')], ctx);
    // Due 10 April: 28 March to 7 April are Nyepi, Idul Fitri and cuti bersama; 8, 9 and 10 April remain.
    expect(evaluateClock(verification!, calendar, at('2025-03-28')).workingDaysLeft).toBe(3);
    expect(evaluateClock(verification!, calendar, at('2025-04-09')).workingDaysLeft).toBe(1);
    expect(evaluateClock(verification!, calendar, at('2025-04-10')).workingDaysLeft).toBe(0);
    // Friday 11 and Monday 14 April: two working days late (the weekend between does not count).
    expect(evaluateClock(verification!, calendar, at('2025-04-14')).workingDaysLeft).toBe(-2);
    const [stopped] = computeClocks([received('2025-03-27'), forwarded('2025-04-08', 'a')], ctx);
    expect(evaluateClock(stopped!, calendar, at('2025-04-09')).workingDaysLeft).toBeNull();
    const [paused] = computeClocks(
      [received('2025-03-27'), simple('INFORMATION_REQUESTED', '2025-04-08')],
      ctx,
    );
    expect(evaluateClock(paused!, calendar, at('2025-04-09')).workingDaysLeft).toBeNull();
  });

  it('received at 23:30 WIB on 31 December 2024: the day is the Jakarta day, not the UTC one', () => {
    // 2024-12-31T16:30Z is still 31 December in Jakarta; 1 Jan is a holiday, so due 6 January 2025.
    const [verification] = computeClocks([received('2024-12-31', '23:30')], ctx);
    expect(verification!.dueDate).toBe('2025-01-06');
    // 00:30 WIB on 1 January is already 2025 in Jakarta (still 31 December in UTC).
    const [next] = computeClocks([received('2025-01-01', '00:30')], ctx);
    expect(next!.dueDate).toBe('2025-01-06');
  });

  it('forwarded to two agencies: each forwarding has its own clocks, stopped by its own response', () => {
    const clocks = computeClocks(
      [
        received('2025-05-05'),
        simple('VERIFIED', '2025-05-06'),
        forwarded('2025-05-07', 'a', 'b'),
        responded('2025-05-15', 'a'),
      ],
      ctx,
    );
    const [verification] = byKind(clocks, 'VERIFICATION');
    expect(verification).toMatchObject({ stoppedBy: 'FORWARDED' });
    expect(evaluateClock(verification!, calendar, at('2025-06-01')).state).toBe('MET');
    const [responseA] = byKind(clocks, 'WRITTEN_RESPONSE', 'a');
    const [responseB] = byKind(clocks, 'WRITTEN_RESPONSE', 'b');
    expect(responseA).toMatchObject({ dueDate: '2025-05-21', stoppedBy: 'RESPONDED', unit: 'CALENDAR_DAYS' });
    expect(responseB!.stoppedAt).toBeUndefined();
    expect(evaluateClock(responseA!, calendar, at('2025-06-30')).state).toBe('MET');
    expect(evaluateClock(responseB!, calendar, at('2025-05-22')).state).toBe('BREACHED');
    // The first follow-up of a (5 working days, 12 and 13 May are Waisak and its leave) stopped on the 15th.
    const [followA] = byKind(clocks, 'AGENCY_FIRST_FOLLOW_UP', 'a');
    expect(followA!.dueDate).toBe('2025-05-16');
    expect(evaluateClock(followA!, calendar, at('2025-06-30')).state).toBe('MET');
    expect(byKind(clocks, 'AUTO_CLOSE')).toEqual([]);
  });

  it('awaiting information: a pause extends the due date by the working days that ended paused', () => {
    const facts = [received('2025-06-02'), simple('INFORMATION_REQUESTED', '2025-06-03')];
    const [paused] = computeClocks(facts, ctx);
    expect(paused!.dueDate).toBeNull();
    expect(evaluateClock(paused!, calendar, at('2025-06-20')).state).toBe('PAUSED');
    expect(evaluateClock(paused!, calendar, at('2025-06-20')).workingDaysElapsed).toBe(0);
    // Paused 3 Jun .. resumed 10 Jun: 3, 4, 5 (6 Idul Adha, 9 cuti bersama) do not count.
    const [resumed] = computeClocks([...facts, simple('INFORMATION_PROVIDED', '2025-06-10')], ctx);
    expect(resumed!.pauses).toEqual([{ from: at('2025-06-03'), to: at('2025-06-10') }]);
    expect(resumed!.dueDate).toBe('2025-06-12');
    expect(evaluateClock(resumed!, calendar, at('2025-06-11')).workingDaysElapsed).toBe(2);
  });

  it('a pause requested and ended on the same day costs nothing', () => {
    const [clock] = computeClocks(
      [
        received('2025-06-02'),
        simple('INFORMATION_REQUESTED', '2025-06-03'),
        { kind: 'INFORMATION_PROVIDED', complaintId: c, at: at('2025-06-03', '15:00') },
      ],
      ctx,
    );
    expect(clock!.dueDate).toBe(calendar.addWorkingDays('2025-06-02', 3));
  });

  it('a policy change applies to clocks started from its effective date only', () => {
    const change: SlaPolicyEvent = {
      type: 'SlaPolicyChanged',
      data: {
        version: 1,
        effectiveFrom: '2025-07-01',
        limits: {
          VERIFICATION: { length: 2, unit: 'WORKING_DAYS' },
          AGENCY_FIRST_FOLLOW_UP: { length: 5, unit: 'WORKING_DAYS' },
          WRITTEN_RESPONSE: { length: 14, unit: 'CALENDAR_DAYS' },
          COMPLETION: { length: 60, unit: 'CALENDAR_DAYS' },
          AUTO_CLOSE: { length: 10, unit: 'WORKING_DAYS' },
        },
        reason: 'faster verification',
        changedBy: 'admin',
        changedAt: '2025-06-20T00:00:00.000Z',
      },
    };
    const policy = policyVersionsFromEvents([change]);
    const [before] = computeClocks([received('2025-06-30', '23:00')], { calendar, policy });
    const [after] = computeClocks([{ kind: 'RECEIVED', complaintId: c, at: at('2025-07-01', '00:00') }], {
      calendar,
      policy,
    });
    expect(before).toMatchObject({ policyVersion: 0, length: 3, dueDate: '2025-07-03' });
    expect(after).toMatchObject({ policyVersion: 1, length: 2, dueDate: '2025-07-03' });
  });

  it('all forwardings answered: auto-close starts, and an insufficient response starts new forwarding clocks', () => {
    const facts: CaseFact[] = [
      received('2025-09-01'),
      simple('VERIFIED', '2025-09-01'),
      forwarded('2025-09-02', 'a'),
      responded('2025-09-10', 'a'),
    ];
    const [autoClose] = byKind(computeClocks(facts, ctx), 'AUTO_CLOSE');
    expect(autoClose).toMatchObject({ startedAt: at('2025-09-10'), dueDate: '2025-09-24' });
    const clocks = computeClocks(
      [
        ...facts,
        {
          kind: 'RESPONSE_INSUFFICIENT',
          complaintId: c,
          at: at('2025-09-12'),
          forwardings: [{ agencyId: 'a', forwardingId: 'a/2' }],
        },
      ],
      ctx,
    );
    expect(byKind(clocks, 'AUTO_CLOSE')[0]).toMatchObject({ stoppedBy: 'RESPONSE_INSUFFICIENT' });
    expect(byKind(clocks, 'WRITTEN_RESPONSE', 'a').map((k) => [k.id, k.stoppedAt === undefined])).toEqual([
      ['c-1/WRITTEN_RESPONSE/a/1', false],
      ['c-1/WRITTEN_RESPONSE/a/2', true],
    ]);
  });

  it('a regional holiday extends the clocks of an agency in that region only', () => {
    const facts = [forwarded('2025-04-21', 'bali', 'diy')];
    const clocks = computeClocks(facts, {
      ...ctx,
      regionOfAgency: (a) => (a === 'bali' ? 'ID-BA' : 'ID-YO'),
    });
    expect(byKind(clocks, 'AGENCY_FIRST_FOLLOW_UP', 'diy')[0]!.dueDate).toBe('2025-04-28');
    // Galungan (23 Apr) and Umanis Galungan (24 Apr) are holidays in Bali.
    expect(byKind(clocks, 'AGENCY_FIRST_FOLLOW_UP', 'bali')[0]!.dueDate).toBe('2025-04-30');
  });

  it('dueBreaches lists a clock that ran out until its breach is on the record, then never again', () => {
    const facts: CaseFact[] = [received('2025-10-06')];
    const [clock] = computeClocks(facts, ctx);
    expect(dueBreaches([clock!], at('2025-10-09'))).toEqual([]);
    const now = at('2025-10-10');
    expect(dueBreaches([clock!], now).map((k) => k.id)).toEqual(['c-1/VERIFICATION#1']);
    const event = deadlineBreached(clock!, now);
    expect(event.data).toMatchObject({
      clockId: 'c-1/VERIFICATION#1',
      kind: 'VERIFICATION',
      dueAt: clock!.dueAt,
    });
    expect(deadlineBreachedEventId(clock!.id)).toBe(deadlineBreachedEventId('c-1/VERIFICATION#1'));
    expect(deadlineBreachedEventId(clock!.id)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const [recorded] = computeClocks(
      [...facts, { kind: 'DEADLINE_BREACHED', complaintId: c, at: now, clockId: clock!.id }],
      ctx,
    );
    expect(recorded!.breachRecordedAt).toBe(now);
    expect(dueBreaches([recorded!], at('2025-10-20'))).toEqual([]);
    // Stopped late with no breach recorded (scheduler down): still listed once.
    const [late] = computeClocks([...facts, forwarded('2025-10-13', 'a')], ctx);
    expect(dueBreaches([late!], at('2025-10-20')).length).toBe(1);
    expect(evaluateClock(late!, calendar, at('2025-10-20')).state).toBe('BREACHED');
  });

  it('reads the complaint domain events through toCaseFact', () => {
    const recorded = (type: string, data: Record<string, unknown>, revision: number): RecordedEvent => ({
      id: `e${revision}`,
      streamId: 'complaint-c-9',
      revision,
      position: revision + 1,
      type,
      data,
      metadata: { occurredAt: '2030-01-01T00:00:00.000Z' },
      recordedAt: '2030-01-01T00:00:00.000Z',
      hash: '',
      previousHash: '',
    });
    const facts = [
      recorded(
        'ComplaintReceived',
        { complaintId: 'c-9', receivedAt: at('2025-02-03'), at: at('2025-02-20') },
        0,
      ),
      recorded(
        'ComplaintForwarded',
        { forwardings: [{ forwardingId: 'x/1', agencyId: 'x' }], at: at('2025-02-04') },
        1,
      ),
      recorded('ComplaintPrivacyChanged', { confidential: true, at: at('2025-02-04') }, 2),
    ]
      .map(toCaseFact)
      .filter((f) => f !== undefined);
    expect(facts.map((f) => [f.kind, f.complaintId, f.at])).toEqual([
      ['RECEIVED', 'c-9', at('2025-02-03')],
      ['FORWARDED', 'c-9', at('2025-02-04')],
    ]);
  });
});
