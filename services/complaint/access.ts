/**
 * The complaint subgraph's access rules, all in one place: who may give which command (the role table of
 * DOMAIN.md), the guard the command handler runs on the state each command is decided on, and what each
 * viewer may see of a complaint (the masking every read path applies: fields, `_entities`, history,
 * as-of, export and the case-events feed, the last three through the contract). Built on the shared
 * agency-scope rule (services/shared/access.ts).
 */
import { type Guard, inAgencyScope, inAgencyScopeOfAny } from '../shared/access';
import { DomainError, forbidden, unauthenticated } from '../shared/errors';
import type { Actor } from '../shared/eventstore/types';
import type { ComplaintCommand, ComplaintCommandType } from './domain/commands';
import { REQUESTED_ACTION } from './domain/decider';
import type { ComplaintState } from './domain/state';
import type { ComplaintDocument } from './projection';

// ── who may give which command ────────────────────────────────────────────────────────────────────

/** The staff roles of DOMAIN.md that act on complaints. */
export type ComplaintRole = 'OFFICER' | 'SUPERVISOR' | 'AGENCY' | 'AUDITOR' | 'ADMIN';

/**
 * Who may give each command (DOMAIN.md roles table). `PUBLIC` means no token at all; `SYSTEM` is a channel
 * adapter of this deployment (no token carries that role).
 */
export const COMMAND_ROLES: Readonly<
  Record<ComplaintCommandType, readonly (ComplaintRole | 'PUBLIC' | 'SYSTEM')[]>
> = {
  // The public WEB form; officers may fill it in for a walk-in complainant as well.
  FileComplaint: ['PUBLIC', 'OFFICER', 'SUPERVISOR'],
  ReceiveComplaint: ['OFFICER', 'SUPERVISOR', 'SYSTEM'],
  RequestInformation: ['OFFICER', 'SUPERVISOR'],
  ProvideInformation: ['OFFICER', 'SUPERVISOR'],
  VerifyComplaint: ['OFFICER', 'SUPERVISOR'],
  RejectComplaint: ['OFFICER', 'SUPERVISOR'],
  ForwardComplaint: ['OFFICER', 'SUPERVISOR'],
  AcknowledgeComplaint: ['AGENCY'],
  // An agency's focal point answers in the portal, or an officer records the reply letter.
  RecordAgencyResponse: ['AGENCY', 'OFFICER', 'SUPERVISOR'],
  MarkResponseInsufficient: ['OFFICER', 'SUPERVISOR'],
  ResolveComplaint: ['SUPERVISOR'],
  CloseComplaint: ['SUPERVISOR'],
  ReopenComplaint: ['SUPERVISOR'],
  SetComplaintPrivacy: ['OFFICER', 'SUPERVISOR'],
  EraseComplainantData: ['ADMIN'],
  // Only a channel adapter hears the complainant directly; an officer records an answer as ProvideInformation.
  AddComplainantMessage: ['SYSTEM'],
};

/**
 * Throws FORBIDDEN (or UNAUTHENTICATED for a public caller) unless `actor` may give `command` to the
 * complaint in `state`. Pure; the messages name roles and ids only. An AGENCY actor acts only for its own
 * agency and only on a complaint forwarded to that agency.
 */
export function authorizeComplaintCommand(
  command: ComplaintCommand,
  actor: Actor | null | undefined,
  state: ComplaintState,
): void {
  const allowed = COMMAND_ROLES[command.type];
  const action = REQUESTED_ACTION[command.type];
  if (!actor) {
    if (allowed.includes('PUBLIC')) return;
    throw unauthenticated(`authentication is required to ${action} a complaint`);
  }
  if (!allowed.includes(actor.role as ComplaintRole | 'SYSTEM')) {
    throw forbidden(`role ${actor.role} may not ${action} a complaint`);
  }
  if (actor.role !== 'AGENCY') return;

  if (!actor.agencyId) throw forbidden('an AGENCY token must name its agency');
  if (command.type !== 'AcknowledgeComplaint' && command.type !== 'RecordAgencyResponse') {
    throw forbidden(`role AGENCY may not ${action} a complaint`);
  }
  if (!inAgencyScope(actor, command.data.agencyId)) {
    throw forbidden(`a focal point of ${actor.agencyId} may act only for its own agency`);
  }
  if (state.status === 'NONE' || !state.agencyIdsEverForwarded.includes(actor.agencyId)) {
    throw forbidden(`the complaint was not forwarded to ${actor.agencyId}`);
  }
}

/**
 * The guard of every complaint command handler: existence, then the agency scope, then the role table.
 * An AGENCY caller learns nothing about complaints not forwarded to it: they answer NOT_FOUND like
 * complaints that do not exist.
 */
export const complaintGuard: Guard<ComplaintCommand, ComplaintState> = (command, state) => {
  const actor = command.metadata.actor;
  const intake = command.type === 'FileComplaint' || command.type === 'ReceiveComplaint';
  if (!intake && state.status === 'NONE') throw new DomainError('NOT_FOUND', 'complaint not found');
  if (state.status !== 'NONE' && !inAgencyScopeOfAny(actor, state.agencyIdsEverForwarded)) {
    throw new DomainError('NOT_FOUND', 'complaint not found');
  }
  authorizeComplaintCommand(command, actor.role === 'PUBLIC' ? null : actor, state);
};

/**
 * Erasure destroys the identity's key before the command is decided, so who may ask is checked before
 * that irreversible step (the guard checks it again on the command).
 */
export function requireEraser(actor: Actor): void {
  if (actor.role !== 'ADMIN') throw forbidden(`role ${actor.role} may not erase complainant data`);
}

// ── who may see what ─────────────────────────────────────────────────────────────────────────────
/** A signed-in caller as masking needs it (structurally a Principal). */
export interface ComplaintViewer {
  readonly role: string;
  /** For AGENCY: the agency whose focal point this is. */
  readonly agencyId?: string;
  /** For AUDITOR: access to identities granted for this audit. */
  readonly identityGranted?: boolean;
}

/** Whether the viewer may see the complainant's identity on this complaint. */
export function mayViewIdentity(doc: ComplaintDocument, viewer: ComplaintViewer): boolean {
  switch (viewer.role) {
    case 'OFFICER':
    case 'SUPERVISOR':
      return true;
    case 'AGENCY':
      return !doc.anonymous && !doc.confidential;
    case 'AUDITOR':
      return viewer.identityGranted === true;
    default:
      return false;
  }
}

/**
 * The complaint as this viewer may see it, or null when the viewer may not see it at all (resolvers
 * answer as if it did not exist). OFFICER and SUPERVISOR see everything; AGENCY only complaints
 * forwarded to its agency, only its own forwardings, and the identity only when the complaint is neither
 * anonymous nor confidential; AUDITOR everything with the identity masked unless granted; ADMIN and
 * anything else nothing. The channel reference is masked with the identity, because a WhatsApp message
 * id or an e-mail Message-ID can carry a phone number or address. The access-code hash never leaves.
 */
export function maskComplaintForViewer(
  doc: ComplaintDocument,
  viewer: ComplaintViewer,
): ComplaintDocument | null {
  let visible: ComplaintDocument;
  switch (viewer.role) {
    case 'OFFICER':
    case 'SUPERVISOR':
    case 'AUDITOR':
      visible = doc;
      break;
    case 'AGENCY': {
      if (!inAgencyScopeOfAny(viewer, doc.agencyIds)) return null;
      const own = (f: { readonly agencyId: string }) => inAgencyScope(viewer, f.agencyId);
      visible = {
        ...doc,
        agencyIds: doc.agencyIds.filter((agencyId) => inAgencyScope(viewer, agencyId)),
        agencies: doc.agencies.filter(own),
        forwardings: doc.forwardings.filter(own),
      };
      break;
    }
    default:
      return null;
  }
  const identity = mayViewIdentity(doc, viewer);
  // An erasure is no secret: whoever would see MASKED sees that the identity was erased.
  const shown =
    identity || visible.complainant === null || visible.complainant.access === 'ERASED'
      ? visible.complainant
      : ({ access: 'MASKED' } as const);
  return {
    ...visible,
    accessCodeHash: null,
    complainant: shown,
    channelReference: identity ? visible.channelReference : null,
    sealedChannelReference: identity ? (visible.sealedChannelReference ?? null) : null,
  };
}
