/**
 * The routing rule book as the complaint subgraph uses it: commands through the one CommandHandler, and
 * the book folded from its stream. The book is small and changes rarely, so it is kept in memory and
 * brought up to date by reading only the events after the last one folded (any process may have
 * appended them).
 */
import { CommandHandler } from '../shared/decider';
import { badInput } from '../shared/errors';
import type { Actor, EventStore } from '../shared/eventstore/types';
import { AgencyDirectory } from './agency-directory';
import {
  matchRoutingRule,
  ROUTING_RULES_STREAM,
  type RoutingCommand,
  type RoutingEvent,
  type RoutingRule,
  type RoutingRuleBook,
  routingDecider,
} from './domain/routing';

export class RoutingRules {
  private readonly handler: CommandHandler<RoutingCommand, RoutingEvent, RoutingRuleBook>;
  private book: RoutingRuleBook = routingDecider.initialState();
  private revision = -1;

  constructor(private readonly store: EventStore) {
    this.handler = new CommandHandler(store, routingDecider);
  }

  /** The book as the log holds it now. */
  async current(): Promise<RoutingRuleBook> {
    const events = await this.store.readStream(ROUTING_RULES_STREAM, { fromRevision: this.revision + 1 });
    for (const e of events) {
      this.book = routingDecider.evolve(this.book, { type: e.type, data: e.data } as RoutingEvent);
      this.revision = e.revision;
    }
    return this.book;
  }

  async list(includeRetired: boolean): Promise<RoutingRule[]> {
    const rules = Object.values((await this.current()).rules);
    return rules
      .filter((r) => includeRetired || r.retiredAt === null)
      .sort((a, b) => b.priority - a.priority || a.ruleId.localeCompare(b.ruleId));
  }

  async suggest(
    complaint: { readonly category: string | null; readonly region: string | null },
    at: string,
  ): Promise<RoutingRule | undefined> {
    return matchRoutingRule(await this.current(), complaint, at);
  }

  /** Defines or retires a rule; a definition must name agencies that are in the directory. */
  async execute(
    build: (metadata: { now: string; actor: Actor }) => RoutingCommand,
    actor: Actor,
    now: string,
  ) {
    const command = build({ now, actor });
    if (command.type === 'DefineRoutingRule' && actor.role === 'ADMIN') {
      const directory = await AgencyDirectory.load(this.store);
      command.data.agencyIds.forEach((id, i) => {
        if (typeof id === 'string' && directory.resolve(id) !== id)
          throw badInput(`agencyIds[${i}] is not an agency of the directory`, { field: `agencyIds[${i}]` });
      });
    }
    await this.handler.handle(ROUTING_RULES_STREAM, command);
    const rule = (await this.current()).rules[command.data.ruleId];
    if (!rule) throw new Error('routing rule missing after its command');
    return rule;
  }
}
