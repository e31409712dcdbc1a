import { forbidden, unauthenticated } from '../../shared/errors';
import type { Actor } from '../../shared/eventstore/types';
import type { ComplaintCommand, ComplaintCommandType } from './commands';
import { REQUESTED_ACTION } from './decider';
import type { ComplaintState } from './state';

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
 * complaint in `state`. Pure: the resolvers call it after loading the state and before handling, and the
 * messages name roles and ids only. An AGENCY actor acts only for its own agency and only on a complaint
 * forwarded to that agency.
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
  if (command.data.agencyId !== actor.agencyId) {
    throw forbidden(`a focal point of ${actor.agencyId} may act only for its own agency`);
  }
  if (state.status === 'NONE' || !state.agencyIdsEverForwarded.includes(actor.agencyId)) {
    throw forbidden(`the complaint was not forwarded to ${actor.agencyId}`);
  }
}
