/**
 * The agency roster: who is in the directory, at which onboarding stage, and who speaks for each agency
 * now (its current focal points). A fold over the agency events, held in memory and brought up to date
 * from the log before each answer (only what was appended since costs anything), so a forwarding right
 * after an agency joins, or a token used right after its focal point was replaced, sees the change.
 * Published through contract.ts: the complaint subgraph checks forwardings against it, and every
 * subgraph refuses AGENCY tokens whose focal point's appointment has ended.
 */
import { type Authenticator, checkedAuthenticator, defaultAuth, type Principal } from '../shared/auth';
import type { EventStore } from '../shared/eventstore/types';
import { AGENCY_STREAM_PREFIX, type AgencyEvent, type AgencyOnboardingStatus } from './domain/agency';

export interface RosterEntry {
  readonly agencyId: string;
  readonly name: string;
  readonly status: AgencyOnboardingStatus;
  /** The user ids (AGENCY token subjects) of the focal points appointed and not ended. */
  readonly focalPoints: ReadonlySet<string>;
}

/** A complaint may be forwarded only to an agency that has joined (pilot or full). */
export const FORWARDABLE_STATUSES: readonly AgencyOnboardingStatus[] = ['PILOT', 'ACTIVE'];

interface MutableEntry {
  agencyId: string;
  name: string;
  status: AgencyOnboardingStatus;
  focalPoints: Set<string>;
}

export class AgencyRoster {
  private readonly entries = new Map<string, MutableEntry>();
  private position = 0;
  private refreshing: Promise<void> | undefined;

  constructor(private readonly store: EventStore) {}

  /** The agency as the log holds it now; undefined when it is not in the directory. */
  async agency(agencyId: string): Promise<RosterEntry | undefined> {
    await this.refresh();
    return this.entries.get(agencyId);
  }

  /**
   * Whether an AGENCY principal still speaks for its agency: refused once the directory knows the agency
   * and the token's subject is not one of its current focal points (replaced, ended, or never appointed).
   * Other roles, and agencies outside the directory (nothing can be forwarded to them), pass.
   */
  async speaksForAgency(principal: Principal): Promise<boolean> {
    if (principal.role !== 'AGENCY' || !principal.agencyId) return true;
    const entry = await this.agency(principal.agencyId);
    return !entry || entry.focalPoints.has(principal.id);
  }

  /**
   * `authenticator` (default: the configured one) refusing AGENCY tokens that no longer speak for their
   * agency: what every subgraph's server authenticates with.
   */
  authenticatorOver(authenticator: Authenticator = defaultAuth()): Authenticator {
    return checkedAuthenticator(authenticator, (p) => this.speaksForAgency(p));
  }

  /** Applies what was appended since the last call; concurrent callers share one read. */
  refresh(): Promise<void> {
    this.refreshing ??= this.readNew().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async readNew(): Promise<void> {
    // Everything up to the head is looked at now: the next read starts there, not after the last agency
    // event, which in a store of complaints lies far back (each request would scan the log from it).
    const head = await this.store.headPosition();
    if (head <= this.position) return;
    const events = await this.store.readAll({
      fromPosition: this.position,
      filter: { streamPrefixes: [AGENCY_STREAM_PREFIX] },
    });
    let position = head;
    for (const e of events) {
      this.apply({ type: e.type, data: e.data } as AgencyEvent);
      position = Math.max(position, e.position);
    }
    this.position = position;
  }

  private apply(event: AgencyEvent): void {
    const entry = this.entries.get(event.data.agencyId);
    switch (event.type) {
      case 'AgencyCreated':
        this.entries.set(event.data.agencyId, {
          agencyId: event.data.agencyId,
          name: event.data.name,
          status: 'REGISTERED',
          focalPoints: new Set(),
        });
        return;
      case 'AgencyUpdated':
        if (entry && event.data.changes.name) entry.name = event.data.changes.name;
        return;
      case 'AgencyPilotStarted':
        if (entry) entry.status = 'PILOT';
        return;
      case 'AgencyActivated':
        if (entry) entry.status = 'ACTIVE';
        return;
      case 'AgencySuspended':
        if (entry) entry.status = 'SUSPENDED';
        return;
      case 'FocalPointAppointed':
        entry?.focalPoints.add(event.data.userId);
        return;
      case 'FocalPointAppointmentEnded':
        entry?.focalPoints.delete(event.data.userId);
        return;
      default: {
        const unknown: never = event;
        throw new Error(`unhandled agency event ${(unknown as { type: string }).type}`);
      }
    }
  }
}
