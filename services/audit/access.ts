/**
 * The audit wing's access rules, all in one place: who may read a case's history, its past states, its
 * integrity and its live events, and what a focal point sees of them. The wing owns no rule of its own
 * about complaints or letters: it composes the complaint's masking and the letter sight rule (each from
 * its subgraph's contract) with the shared agency-scope rule, so history, as-of and the case-events feed
 * answer one rule and change in one place.
 */
import { agencyHeldTo, inAgencyScope, type Viewer } from '../shared/access';
import type { Principal, Role } from '../shared/auth';
import { forbidden } from '../shared/errors';
import { canSeeLetter, type LetterDoc, type LetterSight } from '../correspondence/contract';

/** The integrity verdict is for staff who answer for the log; an agency is not shown the other streams. */
export const INTEGRITY_READERS = ['OFFICER', 'SUPERVISOR', 'AUDITOR'] as const satisfies readonly Role[];

type Data = Readonly<Record<string, unknown>>;

const agencyNamed = (data: Data | null): string | undefined =>
  typeof data?.agencyId === 'string' && data.agencyId.length > 0 ? data.agencyId : undefined;

/**
 * One event of a case as a viewer may see it (history and the case-events feed), or undefined when it is
 * not for this viewer. Staff see every event. A focal point sees, within a case forwarded to it, only
 * what concerns its own agency: a letter's events only while `canSeeLetter` holds after them (`letter`:
 * the letter's sight after this event, for an event of a letter stream; nothing before it was sent), no
 * event naming another agency, and of a forwarding only its own part. `data` is the event's data (masked
 * as the caller already decided).
 */
export function caseEventFor(
  viewer: Viewer,
  data: Data,
  letter?: { readonly sight: LetterSight | undefined },
): Data | undefined {
  if (agencyHeldTo(viewer) === undefined) return data;
  if (letter) {
    if (!letter.sight || !canSeeLetter(viewer, letter.sight)) return undefined;
  } else {
    const named = agencyNamed(data);
    if (named !== undefined && !inAgencyScope(viewer, named)) return undefined;
  }
  if (!Array.isArray(data?.forwardings)) return data;
  const own = (data.forwardings as (Data | null)[]).filter((f) =>
    inAgencyScope(viewer, f?.agencyId as string),
  );
  return own.length === 0 ? undefined : { ...data, forwardings: own };
}

/** The letters of a past state a viewer may see (the live rule, applied to the letters as they stood). */
export const lettersAsOfFor = (viewer: Viewer, letters: readonly LetterDoc[]): LetterDoc[] =>
  letters.filter((l) => canSeeLetter(viewer, { agencyId: l.agencyId, kind: l.kind, status: l.state }));

/** The SLA clocks of a past state a viewer may see: the case's own clocks, and its agency's. */
export const clocksAsOfFor = <C extends { readonly agencyId?: string | undefined }>(
  viewer: Viewer,
  clocks: readonly C[],
): C[] => clocks.filter((c) => c.agencyId === undefined || inAgencyScope(viewer, c.agencyId));

export interface CaseEventScope {
  readonly principal: Principal;
  /** Only cases forwarded to this agency (an AGENCY subscriber's own, whatever it asked). */
  readonly agencyId?: string;
}

/** The scope of a subscription, or a refusal: AGENCY may only follow its own agency. */
export function caseEventScope(principal: Principal, agencyId: string | null | undefined): CaseEventScope {
  const held = agencyHeldTo(principal);
  if (held !== undefined) {
    if (agencyId && !inAgencyScope(principal, agencyId)) {
      throw forbidden('a focal point may only subscribe to the cases of its own agency');
    }
    return { principal, ...(held ? { agencyId: held } : {}) };
  }
  return { principal, ...(agencyId ? { agencyId } : {}) };
}
