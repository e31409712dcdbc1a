import { referenceFor } from '../../shared/access';
import type { ComplaintContext } from './context';
import { toComplaint, visibleComplaint } from './view';

/** `_entities` for Complaint: the same rule as `complaint(id)`. */
export const resolveComplaintReference = (reference: Record<string, unknown>, ctx: ComplaintContext) =>
  referenceFor(reference, ctx, async (id, principal) => {
    const doc = visibleComplaint(await ctx.complaints.get(id), principal);
    return doc ? toComplaint(doc) : null;
  });
