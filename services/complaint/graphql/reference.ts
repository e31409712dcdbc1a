import { requireCaseReader } from '../../shared/access';
import type { ComplaintContext } from './context';
import type { Complaint } from './types';
import { toComplaint, visibleComplaint } from './view';

/**
 * `_entities` for Complaint: the same rule as `complaint(id)`, so a plan from the gateway, or a request
 * sent straight here, reveals nothing the caller could not query.
 */
export async function resolveComplaintReference(
  reference: Record<string, unknown>,
  ctx: ComplaintContext,
): Promise<Complaint | null> {
  const principal = requireCaseReader(ctx);
  if (typeof reference.id !== 'string') return null;
  const doc = visibleComplaint(await ctx.complaints.get(reference.id), principal);
  return doc ? toComplaint(doc) : null;
}
