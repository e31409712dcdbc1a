/**
 * `_entities` for the types of this subgraph: the same rules as the queries, so a plan from the gateway,
 * or a request sent straight here, reveals nothing the caller could not query.
 */
import { requireCaseReader } from '../../shared/access';
import { requireAuthenticated } from '../../shared/auth';
import type { CorrespondenceContext } from './context';
import type { Agency, Complaint, Letter } from './types';
import { toAgency, toLetter } from './view';

export async function resolveAgencyReference(
  reference: Record<string, unknown>,
  ctx: CorrespondenceContext,
): Promise<Agency | null> {
  const principal = requireAuthenticated(ctx);
  if (typeof reference.id !== 'string') return null;
  const doc = await ctx.correspondence.agency(reference.id);
  return doc ? toAgency(doc, principal) : null;
}

export async function resolveLetterReference(
  reference: Record<string, unknown>,
  ctx: CorrespondenceContext,
): Promise<Letter | null> {
  const principal = requireCaseReader(ctx);
  if (typeof reference.id !== 'string') return null;
  const doc = await ctx.correspondence.letter(reference.id, principal);
  return doc ? toLetter(doc) : null;
}

/**
 * The complaint itself is the complaint subgraph's to show or hide; here it only carries `letters`, whose
 * resolver applies the letter rules (a PIC sees a complaint's letters only once it was forwarded to them).
 */
export async function resolveComplaintReference(
  reference: Record<string, unknown>,
  ctx: CorrespondenceContext,
): Promise<Complaint | null> {
  requireCaseReader(ctx);
  return typeof reference.id === 'string' ? { id: reference.id } : null;
}
