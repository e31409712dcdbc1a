/**
 * The evaluation subgraph's access rules, all in one place: who may run which command (evaluation
 * rounds, the SLA policy, the working-day calendar), the guards the command handlers run on the state
 * each command is decided on, and what an agency's focal point may see (its own clocks, performance,
 * rank and rounds). Built on the shared agency-scope rule (services/shared/access.ts).
 */
import { agencyHeldTo, type Guard, inAgencyScope, inAgencyScopeOfAny } from '../shared/access';
import type { Principal } from '../shared/auth';
import { DomainError, forbidden } from '../shared/errors';
import type { Actor } from '../shared/eventstore/types';
import type { CalendarCommand, CalendarState } from './domain/calendar-aggregate';
import type { ClockStatus } from './domain/clocks';
import type { EvaluationCommand, EvaluationState } from './domain/evaluation';
import type { SlaPolicyCommand, SlaPolicyState } from './domain/sla-policy';

// ── who may run which command ────────────────────────────────────────────────────────────────────

/**
 * OFFICER and SUPERVISOR run evaluation rounds; signing the berita acara is checked by the decider,
 * because who signs for which side depends on the round (`signingSideOf`).
 */
export function authorizeEvaluationCommand(command: EvaluationCommand, actor: Actor): void {
  if (command.type !== 'SignBeritaAcara') requireRoundPreparer(actor);
}

/** OFFICER and SUPERVISOR prepare rounds; asked before a round's KPI snapshot is computed, too. */
export function requireRoundPreparer(actor: Pick<Actor, 'role'>): void {
  if (actor.role !== 'OFFICER' && actor.role !== 'SUPERVISOR') {
    throw forbidden('only Asdep Dumas staff may prepare an evaluation round');
  }
}

export function authorizeSlaPolicyCommand(_command: SlaPolicyCommand, actor: Actor): void {
  if (actor.role !== 'ADMIN') throw forbidden('only an administrator may change the SLA policy');
}

export function authorizeCalendarCommand(_command: CalendarCommand, actor: Actor): void {
  if (actor.role !== 'ADMIN') throw forbidden('only an administrator may change the working-day calendar');
}

/**
 * Evaluation rounds: an agency's PIC learns nothing of another agency's rounds (NOT_FOUND, as for rounds
 * that do not exist), then the role rule.
 */
export const evaluationGuard: Guard<EvaluationCommand, EvaluationState> = (command, state) => {
  const actor = command.metadata.actor;
  if (command.type !== 'OpenEvaluation' && state.status === 'NOT_OPENED') {
    throw new DomainError('NOT_FOUND', 'evaluation not found');
  }
  if (state.status !== 'NOT_OPENED' && !inAgencyScope(actor, state.agencyId)) {
    throw new DomainError('NOT_FOUND', 'evaluation not found');
  }
  authorizeEvaluationCommand(command, actor);
};

export const slaPolicyGuard: Guard<SlaPolicyCommand, SlaPolicyState> = (command) =>
  authorizeSlaPolicyCommand(command, command.metadata.actor);

export const calendarGuard: Guard<CalendarCommand, CalendarState> = (command) =>
  authorizeCalendarCommand(command, command.metadata.actor);

// ── who may see what ─────────────────────────────────────────────────────────────────────────────

/** A complaint's SLA: staff always, an agency's PIC once the complaint was forwarded to its agency. */
export function seesCase(viewer: Principal, forwardedTo: readonly string[] | undefined): boolean {
  return inAgencyScopeOfAny(viewer, forwardedTo ?? []);
}

/** A clock: AGENCY callers see only the clocks of their own forwardings. */
export const seesClock = (viewer: Principal, clock: ClockStatus): boolean =>
  inAgencyScope(viewer, clock.agencyId);

/** Performance: OFFICER, SUPERVISOR and AUDITOR see every agency; an AGENCY caller its own only. */
export function requirePerformanceViewer(viewer: Principal, agencyId: string): void {
  if (!inAgencyScope(viewer, agencyId)) {
    throw forbidden("an agency's focal point sees only its own agency's performance");
  }
}

/** An evaluation round (or a line of the ranking): its agency's PIC and staff. */
export const seesAgencyRecord = (viewer: Principal, record: { readonly agencyId: string }): boolean =>
  inAgencyScope(viewer, record.agencyId);

/**
 * The agency a list (rounds, overdue clocks) is confined to: a PIC's own whatever it asks for (null:
 * nothing to list, when it asks for another agency's), anyone else's what was asked (undefined: every agency).
 */
export function listedAgencyFor(
  viewer: Principal,
  asked: string | null | undefined,
): string | null | undefined {
  const held = agencyHeldTo(viewer);
  if (held === undefined) return asked ?? undefined;
  return !held || (asked && asked !== held) ? null : held;
}

/** Whether the viewer is held to one agency (a PIC): staff need no case read to see a case. */
export const heldToAgency = (viewer: Principal): boolean => agencyHeldTo(viewer) !== undefined;
