/** `_entities` for the types of this subgraph: the same rules as the queries (see referenceFor). */
import { referenceFor } from '../../shared/access';
import { requireAuthenticated } from '../../shared/auth';
import type { CorrespondenceContext } from './context';
import { toAgency, toLetter } from './view';

/** Any signed-in caller may see the directory; a PIC's contacts only its own agency (toAgency). */
export const resolveAgencyReference = (reference: Record<string, unknown>, ctx: CorrespondenceContext) =>
  referenceFor(
    reference,
    ctx,
    async (id, principal) => {
      const doc = await ctx.correspondence.agency(id);
      return doc ? toAgency(doc, principal) : null;
    },
    requireAuthenticated,
  );

export const resolveLetterReference = (reference: Record<string, unknown>, ctx: CorrespondenceContext) =>
  referenceFor(reference, ctx, async (id, principal) => {
    const doc = await ctx.correspondence.letter(id, principal);
    return doc ? toLetter(doc) : null;
  });

/**
 * The complaint itself is the complaint subgraph's to show or hide; here it only carries `letters`, whose
 * resolver applies the letter rules (a PIC sees a complaint's letters only once it was forwarded to them).
 */
export const resolveComplaintReference = (reference: Record<string, unknown>, ctx: CorrespondenceContext) =>
  referenceFor(reference, ctx, (id) => ({ id }));
