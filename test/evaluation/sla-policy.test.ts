import { authorizeSlaPolicyCommand } from '../../services/evaluation/access';
import {
  DEFAULT_CLOCK_LIMITS,
  policyVersionAt,
  type SlaPolicyCommand,
  type SlaPolicyEvent,
  slaPolicyDecider,
} from '../../services/evaluation/domain/sla-policy';
import { spec } from '../support/decider-spec';

const admin = { id: 'admin-1', role: 'ADMIN' };
const now = '2025-06-20T02:00:00.000Z'; // 09:00 WIB, 20 June 2025
const change = (data: Extract<SlaPolicyCommand, { type: 'ChangeSlaPolicy' }>['data']): SlaPolicyCommand => ({
  type: 'ChangeSlaPolicy',
  data,
  metadata: { now, actor: admin },
});
const withdraw = (version: number, at = now): SlaPolicyCommand => ({
  type: 'WithdrawSlaPolicyChange',
  data: { version, reason: 'announced by mistake' },
  metadata: { now: at, actor: admin },
});
const v1: SlaPolicyEvent = {
  type: 'SlaPolicyChanged',
  data: {
    version: 1,
    effectiveFrom: '2025-07-01',
    limits: { ...DEFAULT_CLOCK_LIMITS, VERIFICATION: { length: 2, unit: 'WORKING_DAYS' } },
    reason: 'faster verification',
    changedBy: 'admin-1',
    changedAt: now,
  },
};

describe('SLA policy', () => {
  it('DEFAULT: a change with an effective date records the complete limits as version 1', () => {
    spec(slaPolicyDecider)
      .given([])
      .when(
        change({
          effectiveFrom: '2025-07-01',
          limits: { VERIFICATION: { length: 2, unit: 'WORKING_DAYS' } },
          reason: ' faster verification ',
        }),
      )
      .then([v1]);
  });

  it('DEFAULT: refuses a change that would take effect in the past (history is not rewritten)', () => {
    spec(slaPolicyDecider)
      .given([])
      .when(
        change({
          effectiveFrom: '2025-06-19',
          limits: { VERIFICATION: { length: 2, unit: 'WORKING_DAYS' } },
          reason: 'r',
        }),
      )
      .thenThrows('BAD_USER_INPUT', { field: 'effectiveFrom' });
  });

  it('DEFAULT: refuses bad lengths, units, unknown clocks and empty changes', () => {
    const bad = [
      { VERIFICATION: { length: 0, unit: 'WORKING_DAYS' as const } },
      { VERIFICATION: { length: 2.5, unit: 'WORKING_DAYS' as const } },
      { VERIFICATION: { length: 2, unit: 'HOURS' as never } },
      { SOMETHING: { length: 2, unit: 'WORKING_DAYS' as const } } as never,
      {},
    ];
    for (const limits of bad) {
      spec(slaPolicyDecider)
        .given([])
        .when(change({ effectiveFrom: '2025-07-01', limits, reason: 'r' }))
        .thenThrows('BAD_USER_INPUT');
    }
  });

  it('DEFAULT: there is nothing to withdraw', () => {
    spec(slaPolicyDecider).given([]).when(withdraw(1)).thenThrows('INVALID_TRANSITION');
  });

  it('VERSIONED: a later change builds on the version in force on its date', () => {
    const [event] = spec(slaPolicyDecider)
      .given([v1])
      .when(
        change({
          effectiveFrom: '2025-08-01',
          limits: { AUTO_CLOSE: { length: 7, unit: 'WORKING_DAYS' } },
          reason: 'r',
        }),
      )
      .events();
    expect(event).toMatchObject({ type: 'SlaPolicyChanged', data: { version: 2 } });
    const limits = (event as Extract<SlaPolicyEvent, { type: 'SlaPolicyChanged' }>).data.limits;
    expect(limits.VERIFICATION.length).toBe(2);
    expect(limits.AUTO_CLOSE.length).toBe(7);
  });

  it('VERSIONED: the version in force depends on the date a clock starts', () => {
    const versions = spec(slaPolicyDecider).given([v1]).state().versions;
    expect(policyVersionAt(versions, '2025-06-30').version).toBe(0);
    expect(policyVersionAt(versions, '2025-07-01').version).toBe(1);
  });

  it('VERSIONED: a change not yet in force may be withdrawn, one in force may not', () => {
    spec(slaPolicyDecider)
      .given([v1])
      .when(withdraw(1))
      .then([
        {
          type: 'SlaPolicyChangeWithdrawn',
          data: { version: 1, reason: 'announced by mistake', withdrawnBy: 'admin-1', withdrawnAt: now },
        },
      ]);
    spec(slaPolicyDecider)
      .given([v1])
      .when(withdraw(1, '2025-07-01T01:00:00.000Z'))
      .thenThrows('INVALID_TRANSITION');
    spec(slaPolicyDecider).given([v1]).when(withdraw(7)).thenThrows('NOT_FOUND');
  });

  it('only an administrator may change the policy', () => {
    const cmd = change({ effectiveFrom: '2025-07-01', limits: {}, reason: 'r' });
    expect(() => authorizeSlaPolicyCommand(cmd, { id: 's', role: 'SUPERVISOR' })).toThrow('administrator');
    expect(() => authorizeSlaPolicyCommand(cmd, admin)).not.toThrow();
  });
});
