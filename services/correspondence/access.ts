/**
 * The correspondence subgraph's access rules, all in one place: who may run which letter and directory
 * command (DOMAIN.md roles), the guards the command handlers run on the state each command is decided
 * on, and who may see a letter, a complaint's correspondence and a focal point's contacts. Who may see a
 * letter event as a letter's events unfold (`letterSightAfter`) is published through the contract, so
 * the audit wing's history, as-of and case-events feed ask this same rule. Built on the shared
 * agency-scope rule (services/shared/access.ts).
 */
import { agencyHeldTo, type Guard, inAgencyScope, inAgencyScopeOfAny, type Viewer } from '../shared/access';
import { requireActorRole } from '../shared/auth';
import { forbidden, notFound } from '../shared/errors';
import type { Actor } from '../shared/eventstore/types';
import type { ComplaintLinkDoc } from './complaint-links';
import { AGENCY_STREAM_PREFIX, type AgencyCommand, type AgencyState } from './domain/agency';
import {
  type ExistingLetterState,
  LETTER_STREAM_PREFIX,
  type LetterCommand,
  type LetterEvent,
  type LetterState,
  type LetterStatus,
  REQUESTED,
} from './domain/letter';

// ── who may run which command ────────────────────────────────────────────────────────────────────

/**
 * Who may issue which letter command (DOMAIN.md roles), given the letter as it stands; process managers
 * act for the system and run without it.
 * - OFFICER drafts, revises, sends, records delivery, registers agency replies (on the agency's behalf),
 *   records replies, and acknowledges inbound replies.
 * - SUPERVISOR may do all of that and alone approves and signs.
 * - AGENCY (a PIC) acknowledges and replies only to letters addressed to its own agency once they have been
 *   sent (drafts and approved-but-unsent letters do not exist for agencies), and registers replies only in
 *   its own agency's name.
 * - AUDITOR and ADMIN read; they issue no letter commands. AssignLetterNumber is the numbering service's.
 * Throws FORBIDDEN; the message names the role and the command, never the letter's content.
 */
export function authorizeLetterCommand(
  actor: Actor | undefined,
  command: LetterCommand,
  state: LetterState,
): void {
  if (!actor) throw forbidden(`${command.type} needs an authenticated user`);
  const role = actor.role;
  const deny = (why = `the ${role} role may not ${REQUESTED[command.type]} letters`) => {
    throw forbidden(why);
  };
  switch (command.type) {
    case 'AssignLetterNumber':
      // Only the numbering service issues it, as part of an approval; no caller may pick a number.
      throw forbidden('letter numbers are assigned only by the numbering service on approval');
    case 'ApproveLetter':
    case 'SignLetter':
      if (role !== 'SUPERVISOR') deny(`only a SUPERVISOR may ${REQUESTED[command.type]} letters`);
      return;
    case 'DraftLetter':
      authorizeNewLetter(actor, 'DraftLetter');
      return;
    case 'RegisterAgencyReply':
      authorizeNewLetter(actor, 'RegisterAgencyReply', command.data.agencyId);
      return;
    case 'ReviseLetter':
    case 'SendLetter':
    case 'MarkLetterDelivered':
      if (role !== 'OFFICER' && role !== 'SUPERVISOR') deny();
      return;
    case 'AcknowledgeLetter':
      if (state.status === 'ABSENT') {
        if (role !== 'OFFICER' && role !== 'SUPERVISOR' && role !== 'AGENCY') deny();
        return;
      }
      if (state.direction === 'INBOUND') {
        // An agency reply is read by Asdep Dumas staff, not by the agency that wrote it.
        if (role !== 'OFFICER' && role !== 'SUPERVISOR')
          deny('an agency reply is acknowledged by Kemensetneg staff');
        return;
      }
      if (role !== 'AGENCY') deny("a letter to an agency is acknowledged by that agency's focal point");
      requireOwnSentLetter(actor, state);
      return;
    case 'RecordLetterReply':
      if (role === 'OFFICER' || role === 'SUPERVISOR') return;
      if (role !== 'AGENCY') deny();
      if (state.status !== 'ABSENT') requireOwnSentLetter(actor, state);
      return;
  }
}

/**
 * The part of the rule that needs no letter yet: asked before anything is stored for a new letter
 * (its attachments), and again by the guard on the command. A PIC registers replies only in its own
 * agency's name.
 */
export function authorizeNewLetter(
  actor: Actor,
  type: 'DraftLetter' | 'RegisterAgencyReply',
  agencyId?: string,
): void {
  const role = actor.role;
  if (role === 'OFFICER' || role === 'SUPERVISOR') return;
  if (type === 'RegisterAgencyReply' && role === 'AGENCY') {
    if (!inAgencyScope(actor, agencyId))
      throw forbidden('a focal point registers replies only for its own agency');
    return;
  }
  throw forbidden(`the ${role} role may not ${REQUESTED[type]} letters`);
}

function requireOwnSentLetter(actor: Actor, state: ExistingLetterState): void {
  if (!inAgencyScope(actor, state.agencyId) || state.direction !== 'OUTBOUND') {
    throw forbidden('this letter is not addressed to your agency');
  }
  if (state.status === 'DRAFT' || state.status === 'APPROVED') {
    throw forbidden('this letter is not addressed to your agency');
  }
}

/**
 * The guard of every letter command from a caller (the service's and the numbering service's approval):
 * NOT_FOUND for a letter that does not exist or that the caller's agency may not see (drafts and
 * approvals included: they do not exist for agencies), then the role rule.
 */
export const letterGuard: Guard<LetterCommand, LetterState> = (command, state, streamId) => {
  const actor = command.metadata.actor;
  const letterId = streamId.slice(LETTER_STREAM_PREFIX.length);
  const creates = command.type === 'DraftLetter' || command.type === 'RegisterAgencyReply';
  if (!creates && state.status === 'ABSENT') throw notFound('letter', letterId);
  if (agencyHeldTo(actor) !== undefined) {
    const seen = state.status !== 'ABSENT' && seesLetterState(actor, state);
    // An agency approves nothing: to it, a letter before approval is not there at all.
    if ((state.status !== 'ABSENT' && !seen) || command.type === 'ApproveLetter') {
      throw notFound('letter', letterId);
    }
  }
  authorizeLetterCommand(actor, command, state);
};

/** The agency directory is the administrator's; a command on an agency not in it is NOT_FOUND. */
export const agencyGuard: Guard<AgencyCommand, AgencyState> = (command, state, streamId) => {
  requireActorRole(command.metadata.actor, 'ADMIN');
  if (command.type !== 'CreateAgency' && state.status === 'ABSENT') {
    throw notFound('agency', streamId.slice(AGENCY_STREAM_PREFIX.length));
  }
};

// ── who may see what ─────────────────────────────────────────────────────────────────────────────

/** Whether an actor may see a letter at all: agencies never see drafts or other agencies' letters. */
export function canSeeLetter(
  actor: Viewer | undefined,
  letter: { readonly agencyId?: string | null; readonly status: string; readonly kind: string },
): boolean {
  if (!actor) return false;
  switch (actor.role) {
    case 'OFFICER':
    case 'SUPERVISOR':
    case 'AUDITOR':
      return true;
    case 'AGENCY':
      return (
        inAgencyScope(actor, letter.agencyId) &&
        letter.kind !== 'COMPLAINANT_NOTICE' &&
        letter.status !== 'DRAFT' &&
        letter.status !== 'APPROVED'
      );
    default:
      return false;
  }
}

/** `canSeeLetter` on a letter as its stream folds it. */
export const seesLetterState = (actor: Actor, state: ExistingLetterState): boolean =>
  canSeeLetter(actor, { agencyId: state.agencyId ?? null, status: state.status, kind: state.kind });

/** What a letter's events up to one of them say about who may see it: the input of `canSeeLetter`. */
export interface LetterSight {
  readonly agencyId?: string;
  readonly kind: string;
  readonly status: LetterStatus;
}

const SIGHT_STATUS: Partial<Record<LetterEvent['type'], LetterStatus>> = {
  LetterRevised: 'DRAFT',
  LetterApproved: 'APPROVED',
  LetterSent: 'SENT',
  LetterDelivered: 'DELIVERED',
  LetterAcknowledged: 'ACKNOWLEDGED',
  LetterReplied: 'REPLIED',
};

/**
 * `canSeeLetter` event by event, for every read path that walks a letter's events (history, as-of,
 * case events): fold each event of the letter stream in order, and show an event to an actor only when
 * `canSeeLetter(actor, sight)` holds after it. So an agency sees a letter from the moment it was sent to
 * it (LetterSent on), its own registered replies from the start, and nothing of the draft, the revisions,
 * the approval or the number before.
 */
export function letterSightAfter(
  sight: LetterSight | undefined,
  event: { readonly type: string; readonly data: unknown },
): LetterSight | undefined {
  const data = (event.data ?? {}) as { kind?: unknown; agencyId?: unknown };
  const agencyId = typeof data.agencyId === 'string' ? { agencyId: data.agencyId } : {};
  if (event.type === 'LetterDrafted') {
    return { ...agencyId, kind: typeof data.kind === 'string' ? data.kind : 'UNKNOWN', status: 'DRAFT' };
  }
  if (event.type === 'AgencyReplyRegistered')
    return { ...agencyId, kind: 'AGENCY_REPLY', status: 'DELIVERED' };
  const status = SIGHT_STATUS[event.type as LetterEvent['type']];
  return sight && status ? { ...sight, status } : sight;
}

/** Whether a caller may see a complaint's correspondence: staff always, a PIC once it was forwarded to them. */
export function canSeeComplaintLink(actor: Actor | undefined, doc: ComplaintLinkDoc | undefined): boolean {
  if (!actor || !doc) return false;
  switch (actor.role) {
    case 'OFFICER':
    case 'SUPERVISOR':
    case 'AUDITOR':
    case 'AGENCY':
      return inAgencyScopeOfAny(actor, doc.agencyIds);
    default:
      return false;
  }
}

/** Contacts of a PIC are shown to staff and to the agency itself, not to other agencies. */
export const seesContacts = (actor: Actor, agencyId: string): boolean => inAgencyScope(actor, agencyId);
