/** Routing rules: the rule book's decider (given/when/then) and which rule routes a complaint. */
import {
  matchRoutingRule,
  type RoutingCommand,
  type RoutingEvent,
  type RoutingRuleDefined,
  routingDecider,
} from '../../services/complaint/domain/routing';
import type { Actor } from '../../services/shared/eventstore/types';
import { spec } from '../support/decider-spec';
import { admin, at, officer } from './fixtures';

const define = (
  data: Partial<Extract<RoutingCommand, { type: 'DefineRoutingRule' }>['data']> & { ruleId: string },
  now = at(10),
  actor: Actor = admin,
): RoutingCommand => ({
  type: 'DefineRoutingRule',
  data: { agencyIds: ['inspektorat-bantul'], ...data },
  metadata: { now, actor },
});

const defined = (data: Partial<RoutingRuleDefined['data']> & { ruleId: string }): RoutingRuleDefined => ({
  type: 'RoutingRuleDefined',
  data: {
    category: null,
    region: null,
    agencyIds: ['inspektorat-bantul'],
    priority: 0,
    activeFrom: at(0),
    note: null,
    revised: false,
    by: admin.id,
    at: at(0),
    ...data,
  },
});

const given = (events: readonly RoutingEvent[]) => spec(routingDecider).given(events);
const bookOf = (events: readonly RoutingEvent[]) => given(events).state();

describe('given no rules', () => {
  it('an ADMIN defines one, active from now unless a date is given', () => {
    given([])
      .when(
        define({
          ruleId: 'infra-bantul',
          category: ' infrastruktur ',
          region: 'Kabupaten Bantul',
          priority: 5,
        }),
      )
      .then([
        defined({
          ruleId: 'infra-bantul',
          category: 'infrastruktur',
          region: 'Kabupaten Bantul',
          priority: 5,
          activeFrom: at(10),
          at: at(10),
        }),
      ]);
  });

  it('refuses a rule that names neither category nor region, a bad priority, and anyone but ADMIN', () => {
    given([])
      .when(define({ ruleId: 'r' }))
      .thenThrows('BAD_USER_INPUT', { field: 'category' });
    given([])
      .when(define({ ruleId: 'r', region: 'DIY', priority: 5000 }))
      .thenThrows('BAD_USER_INPUT', { field: 'priority' });
    given([])
      .when(define({ ruleId: 'r', region: 'DIY', agencyIds: [] }))
      .thenThrows('BAD_USER_INPUT', { field: 'agencyIds' });
    given([])
      .when(define({ ruleId: 'r', region: 'DIY' }, at(10), officer))
      .thenThrows('FORBIDDEN');
  });

  it('has nothing to retire', () => {
    given([])
      .when({ type: 'RetireRoutingRule', data: { ruleId: 'r' }, metadata: { now: at(1), actor: admin } })
      .thenThrows('NOT_FOUND');
  });
});

describe('given a rule', () => {
  const rule = defined({ ruleId: 'r', region: 'DIY' });

  it('a definition with the same id revises it', () => {
    const [event] = given([rule])
      .when(define({ ruleId: 'r', region: 'DIY', priority: 2 }))
      .events();
    expect(event).toMatchObject({ type: 'RoutingRuleDefined', data: { revised: true, priority: 2 } });
  });

  it('retires once; a retired rule is neither retired again nor revised', () => {
    const retire: RoutingCommand = {
      type: 'RetireRoutingRule',
      data: { ruleId: 'r', reason: 'Dinas baru' },
      metadata: { now: at(20), actor: admin },
    };
    const retired = given([rule]).when(retire).events();
    expect(retired).toEqual([
      { type: 'RoutingRuleRetired', data: { ruleId: 'r', reason: 'Dinas baru', by: admin.id, at: at(20) } },
    ]);
    given([rule, ...retired])
      .when(retire)
      .thenThrows('INVALID_TRANSITION');
    given([rule, ...retired])
      .when(define({ ruleId: 'r', region: 'DIY' }))
      .thenThrows('INVALID_TRANSITION');
  });
});

describe('which rule routes a complaint', () => {
  const book = bookOf([
    defined({ ruleId: 'diy', region: 'DIY', agencyIds: ['inspektorat-diy'] }),
    defined({ ruleId: 'infra', category: 'infrastruktur', agencyIds: ['dinas-pu'] }),
    defined({
      ruleId: 'infra-diy',
      category: 'infrastruktur',
      region: 'DIY',
      agencyIds: ['inspektorat-bantul'],
    }),
    defined({ ruleId: 'urgent', category: 'bencana', priority: 10, agencyIds: ['bpbd-diy'] }),
    defined({ ruleId: 'later', category: 'pendidikan', activeFrom: at(50), agencyIds: ['disdik'] }),
  ]);
  const route = (category: string | null, region: string | null, when = at(30)) =>
    matchRoutingRule(book, { category, region }, when)?.ruleId;

  it('prefers the more specific rule at equal priority, matching without regard to case', () => {
    expect(route('Infrastruktur', 'diy')).toBe('infra-diy');
    expect(route('infrastruktur', 'Kabupaten Sleman')).toBe('infra');
    expect(route('kesehatan', 'DIY')).toBe('diy');
  });

  it('lets a higher priority win over a more specific rule', () => {
    const withUrgent = bookOf([
      defined({ ruleId: 'both', category: 'bencana', region: 'DIY' }),
      defined({ ruleId: 'urgent', category: 'bencana', priority: 10 }),
    ]);
    expect(matchRoutingRule(withUrgent, { category: 'bencana', region: 'DIY' }, at(30))?.ruleId).toBe(
      'urgent',
    );
  });

  it('proposes nothing before a rule is active, after it is retired, or without a classification', () => {
    expect(route('pendidikan', null, at(40))).toBeUndefined();
    expect(route('pendidikan', null, at(50))).toBe('later');
    expect(route(null, null)).toBeUndefined();
    const retired = bookOf([
      defined({ ruleId: 'diy', region: 'DIY' }),
      { type: 'RoutingRuleRetired', data: { ruleId: 'diy', reason: null, by: admin.id, at: at(5) } },
    ]);
    expect(matchRoutingRule(retired, { category: null, region: 'DIY' }, at(30))).toBeUndefined();
  });
});
