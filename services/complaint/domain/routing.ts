/**
 * Routing rules (DOMAIN.md stage 2): a complaint's category and/or region proposes the agencies it is
 * forwarded to. The rules are one rule book on one stream, changed only by ADMIN through events, so
 * what was proposed at any time can be replayed. A pure decider; matching is a pure function of the
 * book, the complaint's classification and the instant.
 */
import type { Decider, DomainCommand, DomainEvent } from '../../shared/decider';
import { badInput, DomainError, forbidden, invalidTransition } from '../../shared/errors';
import { agencyIdList, optionalText, requiredEntityId, requiredInstant } from '../../shared/validation';
import { LIMITS } from './validation';

export const ROUTING_RULES_STREAM = 'routing-rules';

export interface RoutingRule {
  readonly ruleId: string;
  /** Null: any category. Compared without regard to case or surrounding blanks. */
  readonly category: string | null;
  /** Null: any region. */
  readonly region: string | null;
  readonly agencyIds: readonly string[];
  /** Higher wins. */
  readonly priority: number;
  /** The rule proposes nothing before this instant. */
  readonly activeFrom: string;
  readonly note: string | null;
  readonly definedAt: string;
  readonly retiredAt: string | null;
}

export interface RoutingRuleBook {
  readonly rules: Readonly<Record<string, RoutingRule>>;
}

export type RoutingRuleDefined = DomainEvent<
  'RoutingRuleDefined',
  {
    readonly ruleId: string;
    readonly category: string | null;
    readonly region: string | null;
    readonly agencyIds: readonly string[];
    readonly priority: number;
    readonly activeFrom: string;
    readonly note: string | null;
    /** Whether an earlier definition of the same rule is replaced. */
    readonly revised: boolean;
    readonly by: string;
    readonly at: string;
  }
>;

export type RoutingRuleRetired = DomainEvent<
  'RoutingRuleRetired',
  { readonly ruleId: string; readonly reason: string | null; readonly by: string; readonly at: string }
>;

export type RoutingEvent = RoutingRuleDefined | RoutingRuleRetired;
export const ROUTING_EVENT_TYPES: readonly RoutingEvent['type'][] = [
  'RoutingRuleDefined',
  'RoutingRuleRetired',
];

/** Defines a rule, or revises one that is not retired (same id). */
export type DefineRoutingRule = DomainCommand<
  'DefineRoutingRule',
  {
    readonly ruleId: string;
    readonly category?: string | null;
    readonly region?: string | null;
    readonly agencyIds: readonly string[];
    readonly priority?: number | null;
    /** Default: now. */
    readonly activeFrom?: string | null;
    readonly note?: string | null;
  }
>;

export type RetireRoutingRule = DomainCommand<
  'RetireRoutingRule',
  { readonly ruleId: string; readonly reason?: string | null }
>;

export type RoutingCommand = DefineRoutingRule | RetireRoutingRule;

const MAX_PRIORITY = 1000;

function decide(command: RoutingCommand, book: RoutingRuleBook): readonly RoutingEvent[] {
  const { actor, now } = command.metadata;
  if (actor.role !== 'ADMIN') throw forbidden(`role ${actor.role} may not change routing rules`);
  const at = requiredInstant(now, 'metadata.now');
  const by = requiredEntityId(actor.id, 'metadata.actor.id');
  const ruleId = requiredEntityId(command.data.ruleId, 'ruleId');
  const existing = book.rules[ruleId];
  switch (command.type) {
    case 'DefineRoutingRule': {
      const d = command.data;
      if (existing?.retiredAt) throw invalidTransition('RETIRED', 'define a routing rule', { ruleId });
      const category = optionalText(d.category, 'category', LIMITS.classification);
      const region = optionalText(d.region, 'region', LIMITS.classification);
      if (category === null && region === null)
        throw badInput('a routing rule needs a category, a region or both', { field: 'category' });
      const priority = d.priority ?? 0;
      if (!Number.isInteger(priority) || Math.abs(priority) > MAX_PRIORITY)
        throw badInput(`priority must be a whole number from -${MAX_PRIORITY} to ${MAX_PRIORITY}`, {
          field: 'priority',
        });
      return [
        {
          type: 'RoutingRuleDefined',
          data: {
            ruleId,
            category,
            region,
            agencyIds: agencyIdList(d.agencyIds, 'agencyIds', LIMITS.maxAgencies),
            priority,
            activeFrom: d.activeFrom ? requiredInstant(d.activeFrom, 'activeFrom') : at,
            note: optionalText(d.note, 'note', LIMITS.note),
            revised: existing !== undefined,
            by,
            at,
          },
        },
      ];
    }
    case 'RetireRoutingRule': {
      if (!existing) throw new DomainError('NOT_FOUND', 'routing rule not found');
      if (existing.retiredAt) throw invalidTransition('RETIRED', 'retire a routing rule', { ruleId });
      return [
        {
          type: 'RoutingRuleRetired',
          data: { ruleId, reason: optionalText(command.data.reason, 'reason', LIMITS.note), by, at },
        },
      ];
    }
    default: {
      const unknown: never = command;
      throw badInput(`unknown command ${(unknown as { type: string }).type}`);
    }
  }
}

function evolve(book: RoutingRuleBook, event: RoutingEvent): RoutingRuleBook {
  const d = event.data;
  if (event.type === 'RoutingRuleDefined') {
    const { revised: _revised, by: _by, at, ...rule } = event.data;
    return { rules: { ...book.rules, [d.ruleId]: { ...rule, definedAt: at, retiredAt: null } } };
  }
  const rule = book.rules[d.ruleId];
  return rule ? { rules: { ...book.rules, [d.ruleId]: { ...rule, retiredAt: event.data.at } } } : book;
}

export const routingDecider: Decider<RoutingCommand, RoutingEvent, RoutingRuleBook> = {
  decide,
  evolve,
  initialState: () => ({ rules: {} }),
};

const same = (rule: string | null, value: string | null | undefined) =>
  rule === null || (value != null && rule.trim().toLowerCase() === value.trim().toLowerCase());

/**
 * The rule that routes a complaint of this classification at `at`: among the rules in force whose
 * category and region (where set) both match, the highest priority; on a tie the more specific (both
 * set), then the most recently active, then the lowest id, so the answer never depends on order.
 */
export function matchRoutingRule(
  book: RoutingRuleBook,
  complaint: { readonly category: string | null; readonly region: string | null },
  at: string,
): RoutingRule | undefined {
  const when = Date.parse(at);
  const specificity = (r: RoutingRule) => (r.category !== null ? 1 : 0) + (r.region !== null ? 1 : 0);
  return Object.values(book.rules)
    .filter(
      (r) =>
        r.retiredAt === null &&
        Date.parse(r.activeFrom) <= when &&
        same(r.category, complaint.category) &&
        same(r.region, complaint.region),
    )
    .sort(
      (a, b) =>
        b.priority - a.priority ||
        specificity(b) - specificity(a) ||
        Date.parse(b.activeFrom) - Date.parse(a.activeFrom) ||
        a.ruleId.localeCompare(b.ruleId),
    )[0];
}
