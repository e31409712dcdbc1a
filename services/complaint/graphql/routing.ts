/**
 * Routing rules over GraphQL: ADMIN defines and retires them, staff read them, and every complaint shows
 * what they propose for it. Thin: the rules are in domain/routing.ts, the book in ../routing.ts.
 */
import { randomUUID } from 'node:crypto';
import { GraphQLDateTime } from 'graphql-scalars';
import {
  Arg,
  Ctx,
  Field,
  FieldResolver,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { requireRole } from '../../shared/auth';
import type { RoutingRule as RoutingRuleModel } from '../domain/routing';
import type { ComplaintContext } from './context';
import { Agency, Complaint } from './types';

@ObjectType({
  description: 'A routing rule: complaints of this category and/or region go to these agencies.',
})
export class RoutingRule {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: 'Null: any category.' })
  category!: string | null;

  @Field(() => String, { nullable: true, description: 'Null: any region.' })
  region!: string | null;

  @Field(() => [Agency])
  agencies!: Agency[];

  @Field(() => Int, { description: 'Among matching rules the highest wins.' })
  priority!: number;

  @Field(() => GraphQLDateTime, { description: 'The rule proposes nothing before this instant.' })
  activeFrom!: string;

  @Field(() => String, { nullable: true })
  note!: string | null;

  @Field(() => GraphQLDateTime, { description: 'When this version of the rule was defined.' })
  definedAt!: string;

  @Field(() => GraphQLDateTime, { nullable: true })
  retiredAt!: string | null;
}

@ObjectType({ description: 'What the routing rules propose for a complaint, and the rule that matched.' })
export class RoutingSuggestion {
  @Field(() => [Agency])
  agencies!: Agency[];

  @Field(() => RoutingRule)
  rule!: RoutingRule;
}

@InputType()
export class RoutingRuleInput {
  @Field(() => ID, {
    nullable: true,
    description: 'Give an existing id to revise that rule; new id when absent.',
  })
  id?: string | null;

  @Field(() => String, { nullable: true })
  category?: string | null;

  @Field(() => String, { nullable: true })
  region?: string | null;

  @Field(() => [ID])
  agencyIds!: string[];

  @Field(() => Int, { nullable: true, description: 'Default 0; from -1000 to 1000.' })
  priority?: number | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'Default: now.' })
  activeFrom?: Date | null;

  @Field(() => String, { nullable: true })
  note?: string | null;
}

export const toRoutingRule = (r: RoutingRuleModel): RoutingRule => ({
  id: r.ruleId,
  category: r.category,
  region: r.region,
  agencies: r.agencyIds.map((id) => ({ id })),
  priority: r.priority,
  activeFrom: r.activeFrom,
  note: r.note,
  definedAt: r.definedAt,
  retiredAt: r.retiredAt,
});

@Resolver(() => Complaint)
export class ComplaintRouting {
  @FieldResolver(() => RoutingSuggestion, {
    nullable: true,
    description:
      'The agencies the routing rules propose for this complaint now, with the rule that matched; null when none matches (and for agencies).',
  })
  async suggestedAgencies(
    @Root() complaint: Complaint,
    @Ctx() ctx: ComplaintContext,
  ): Promise<RoutingSuggestion | null> {
    if (ctx.principal?.role === 'AGENCY') return null;
    requireRole(ctx, 'OFFICER', 'SUPERVISOR', 'AUDITOR', 'ADMIN');
    const rule = await ctx.complaints.routing.suggest(complaint, ctx.complaints.now());
    return rule ? { agencies: rule.agencyIds.map((id) => ({ id })), rule: toRoutingRule(rule) } : null;
  }

  @Query(() => [RoutingRule], { description: 'The routing rules, highest priority first.' })
  async routingRules(
    @Ctx() ctx: ComplaintContext,
    @Arg('includeRetired', { defaultValue: false }) includeRetired: boolean,
  ): Promise<RoutingRule[]> {
    requireRole(ctx, 'OFFICER', 'SUPERVISOR', 'AUDITOR', 'ADMIN');
    return (await ctx.complaints.routing.list(includeRetired)).map(toRoutingRule);
  }

  @Mutation(() => RoutingRule, { description: 'Defines a routing rule, or revises one (ADMIN).' })
  async defineRoutingRule(
    @Arg('input', () => RoutingRuleInput) input: RoutingRuleInput,
    @Ctx() ctx: ComplaintContext,
  ): Promise<RoutingRule> {
    const admin = requireRole(ctx, 'ADMIN');
    const rule = await ctx.complaints.routing.execute(
      (metadata) => ({
        type: 'DefineRoutingRule',
        data: {
          ruleId: input.id ?? randomUUID(),
          category: input.category ?? null,
          region: input.region ?? null,
          agencyIds: input.agencyIds,
          priority: input.priority ?? null,
          activeFrom: input.activeFrom ? input.activeFrom.toISOString() : null,
          note: input.note ?? null,
        },
        metadata,
      }),
      admin,
      ctx.complaints.now(),
    );
    return toRoutingRule(rule);
  }

  @Mutation(() => RoutingRule, {
    description: 'Retires a routing rule: it proposes nothing from now on (ADMIN).',
  })
  async retireRoutingRule(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: ComplaintContext,
    @Arg('reason', () => String, { nullable: true }) reason?: string | null,
  ): Promise<RoutingRule> {
    const admin = requireRole(ctx, 'ADMIN');
    const rule = await ctx.complaints.routing.execute(
      (metadata) => ({ type: 'RetireRoutingRule', data: { ruleId: id, reason: reason ?? null }, metadata }),
      admin,
      ctx.complaints.now(),
    );
    return toRoutingRule(rule);
  }
}
