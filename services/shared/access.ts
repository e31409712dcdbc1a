/**
 * The access seam every subgraph builds on. Each subgraph keeps ONE file, `services/<subgraph>/access.ts`,
 * with its role table (who may run which command) and its visibility rules; they are all written with
 * the two pieces here, so the house has one way of saying who may act and who may see:
 *
 * - the agency-scope rule of DOMAIN.md — staff see everything, an agency's focal point only what is its
 *   own agency's — as `inAgencyScope` / `inAgencyScopeOfAny`;
 * - `Guard`: the authorisation of a command, judged by the generic CommandHandler on the very state the
 *   command is decided on (one read of the stream, no second loaded copy to go stale).
 */
import { type AuthContext, type Principal, type Role, requireRole } from './auth';
import type { Actor } from './eventstore/types';

/** Who may see a thing: a principal or an actor (structurally the same for this rule). */
export type Viewer = Pick<Actor, 'role' | 'agencyId'>;

/** The roles that read cases (complaints, letters, clocks, history): staff, and agencies for their own. */
export const CASE_READERS = ['OFFICER', 'SUPERVISOR', 'AGENCY', 'AUDITOR'] as const satisfies readonly Role[];

/** A case reader's principal; UNAUTHENTICATED or FORBIDDEN otherwise (the same refusal on every read path). */
export const requireCaseReader = (ctx: AuthContext): Principal => requireRole(ctx, ...CASE_READERS);

/**
 * `_entities` for one type under the rule of the query it mirrors, so a plan from the gateway or a call
 * straight to the subgraph reveals nothing the caller could not query: the caller must pass `reader` (a
 * case reader by default), and `find` answers null for what it may not see.
 */
export async function referenceFor<T>(
  reference: Record<string, unknown>,
  ctx: AuthContext,
  find: (id: string, principal: Principal) => Promise<T | null | undefined> | T | null,
  reader: (ctx: AuthContext) => Principal = requireCaseReader,
): Promise<T | null> {
  const principal = reader(ctx);
  return typeof reference.id === 'string' ? ((await find(reference.id, principal)) ?? null) : null;
}

/**
 * The agency-scope rule: anything of `agencyId` is in reach of every role but AGENCY; a focal point
 * reaches only its own agency's (nothing when its token names no agency, nothing that names no agency).
 */
export function inAgencyScope(viewer: Viewer, agencyId: string | null | undefined): boolean {
  if (viewer.role !== 'AGENCY') return true;
  return !!viewer.agencyId && agencyId === viewer.agencyId;
}

/** The same rule for a thing of several agencies (a complaint forwarded to many): one of them is enough. */
export function inAgencyScopeOfAny(viewer: Viewer, agencyIds: readonly string[]): boolean {
  if (viewer.role !== 'AGENCY') return true;
  return !!viewer.agencyId && agencyIds.includes(viewer.agencyId);
}

/** The agency a viewer is held to: its own for a focal point (null when its token names none), else undefined. */
export function agencyHeldTo(viewer: Viewer): string | null | undefined {
  return viewer.role === 'AGENCY' ? (viewer.agencyId ?? null) : undefined;
}

/**
 * Authorisation of one command on the state it is decided on (of the stream `streamId`, which names the
 * thing in a NOT_FOUND); throws FORBIDDEN, NOT_FOUND (for what the caller may not know exists) or
 * UNAUTHENTICATED to refuse. Pure, like the decider it stands before:
 * the CommandHandler runs it before the expected-version check, so a refused caller learns nothing of
 * the stream, not even its version.
 */
export type Guard<Command, State> = (command: Command, state: State, streamId: string) => void;
