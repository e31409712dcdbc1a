import { requireAuthenticated, requireRole } from '../../shared/auth';
import { EVALUATION_READERS } from '../service';
import type { EvaluationContext } from './context';
import type { Agency, Complaint, Evaluation } from './types';
import { toEvaluation } from './view';

/**
 * `_entities` resolvers apply the same rules as the queries, so a plan from the gateway, or a request
 * sent straight here, reveals nothing the caller could not query.
 */

/** A complaint's SLA is for the readers of complaints; an agency's PIC only once it was forwarded to it. */
export async function resolveComplaintReference(
  reference: Record<string, unknown>,
  ctx: EvaluationContext,
): Promise<Complaint | null> {
  const principal = requireRole(ctx, ...EVALUATION_READERS);
  if (typeof reference.id !== 'string') return null;
  if (principal.role === 'AGENCY') await ctx.evaluation.readYourWrites();
  return (await ctx.evaluation.mayViewComplaint(reference.id, principal)) ? { id: reference.id } : null;
}

/** Any signed-in caller may hold an agency reference; `performance` applies its own rule. */
export async function resolveAgencyReference(
  reference: Record<string, unknown>,
  ctx: EvaluationContext,
): Promise<Agency | null> {
  requireAuthenticated(ctx);
  return typeof reference.id === 'string' ? { id: reference.id } : null;
}

export async function resolveEvaluationReference(
  reference: Record<string, unknown>,
  ctx: EvaluationContext,
): Promise<Evaluation | null> {
  const principal = requireRole(ctx, ...EVALUATION_READERS);
  if (typeof reference.id !== 'string') return null;
  const doc = await ctx.evaluation.evaluation(reference.id, principal);
  return doc ? toEvaluation(doc) : null;
}
