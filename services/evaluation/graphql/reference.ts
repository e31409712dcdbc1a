/** `_entities` for the types of this subgraph: the same rules as the queries (see referenceFor). */
import { referenceFor } from '../../shared/access';
import { requireAuthenticated } from '../../shared/auth';
import { heldToAgency } from '../access';
import type { EvaluationContext } from './context';
import { toEvaluation } from './view';

/** A complaint's SLA is for the readers of complaints; an agency's PIC only once it was forwarded to it. */
export const resolveComplaintReference = (reference: Record<string, unknown>, ctx: EvaluationContext) =>
  referenceFor(reference, ctx, async (id, principal) => {
    if (heldToAgency(principal)) await ctx.evaluation.readYourWrites();
    return (await ctx.evaluation.mayViewComplaint(id, principal)) ? { id } : null;
  });

/** Any signed-in caller may hold an agency reference; `performance` applies its own rule. */
export const resolveAgencyReference = (reference: Record<string, unknown>, ctx: EvaluationContext) =>
  referenceFor(reference, ctx, (id) => ({ id }), requireAuthenticated);

export const resolveEvaluationReference = (reference: Record<string, unknown>, ctx: EvaluationContext) =>
  referenceFor(reference, ctx, async (id, principal) => {
    const doc = await ctx.evaluation.evaluation(id, principal);
    return doc ? toEvaluation(doc) : null;
  });
