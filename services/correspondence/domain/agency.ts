import type { Decider, DomainCommand, DomainEvent } from '../../shared/decider';
import { badInput, invalidTransition, notFound } from '../../shared/errors';
import { isRegionCode, type RegionCode } from '../../shared/regions';
import {
  optionalPhone,
  optionalText,
  requiredAgencyId,
  requiredEmail,
  requiredEntityId,
  requiredText,
} from '../../shared/validation';

/**
 * The agency directory (instansi, K/L/D) and its focal points (PIC, pejabat penghubung): stages 3 and 5
 * of DOMAIN.md. One stream per agency, `agency-{id}`, where the id is a stable slug such as
 * `inspektorat-bantul`.
 *
 * Onboarding (the `status` of an existing agency):
 *
 *   (none) ──create──▶ REGISTERED ──startPilot (MoU signed)──▶ PILOT ──activate──▶ ACTIVE
 *                          └──────────────activate──────────────────────────────▲   │
 *                       PILOT / ACTIVE ──suspend(reason)──▶ SUSPENDED ──activate──┘   │
 *                                                          SUSPENDED ──startPilot──▶ PILOT
 *
 * REGISTERED is an agency that is in the directory (letters can be addressed to it) but has no MoU yet.
 * Focal points are independent of onboarding: a PIC may be appointed in any state, and appointing a new
 * PIC while one is current ends the current appointment (reason REPLACED) in the same command, so the
 * history always says who answered for the agency at any instant.
 */

export const AGENCY_KINDS = ['MINISTRY', 'PROVINCE', 'REGENCY', 'CITY', 'OTHER'] as const;
export type AgencyKind = (typeof AGENCY_KINDS)[number];

export const AGENCY_ONBOARDING_STATUSES = ['REGISTERED', 'PILOT', 'ACTIVE', 'SUSPENDED'] as const;
export type AgencyOnboardingStatus = (typeof AGENCY_ONBOARDING_STATUSES)[number];

/** Institutional contact channels (not personal data). */
export interface AgencyContact {
  readonly emails: readonly string[];
  readonly phone?: string;
  readonly address?: string;
}

export interface FocalPointContact {
  readonly email?: string;
  readonly phone?: string;
}

export interface AgencyProfile {
  readonly name: string;
  readonly kind: AgencyKind;
  /** e.g. "DI Yogyakarta", "Kabupaten Bantul"; "Nasional" for central government. */
  readonly region: string;
  /**
   * The province (ISO 3166-2:ID, from services/shared/regions.ts) whose regional holidays apply to the
   * agency's clocks; absent for the central government.
   */
  readonly regionCode?: RegionCode;
  readonly parentAgencyId?: string;
  readonly contact: AgencyContact;
}

export type FocalPointEndReason = 'ENDED' | 'REPLACED';

/** One appointment of a PIC: `to` is absent while it is current. */
export interface FocalPointAppointment {
  readonly appointmentId: string;
  /** The PIC's user account (the AGENCY role token's subject). */
  readonly userId: string;
  readonly name: string;
  /** Jabatan, e.g. "Inspektur Pembantu Wilayah I". */
  readonly position: string;
  readonly contact: FocalPointContact;
  readonly from: string;
  readonly to?: string;
  readonly endReason?: FocalPointEndReason;
  readonly endNote?: string;
  readonly replacedByAppointmentId?: string;
}

// ── events ─────────────────────────────────────────────────────────────────────────────────────────

export type AgencyCreated = DomainEvent<
  'AgencyCreated',
  AgencyProfile & { readonly agencyId: string; readonly createdAt: string }
>;
/** Carries only the fields that changed, each with its new value (parentAgencyId null = parent removed). */
export type AgencyUpdated = DomainEvent<
  'AgencyUpdated',
  {
    readonly agencyId: string;
    readonly changes: {
      readonly name?: string;
      readonly kind?: AgencyKind;
      readonly region?: string;
      /** null: the region code was removed (the agency is now central government). */
      readonly regionCode?: RegionCode | null;
      readonly parentAgencyId?: string | null;
      readonly contact?: AgencyContact;
    };
    readonly updatedAt: string;
  }
>;
export type AgencyPilotStarted = DomainEvent<
  'AgencyPilotStarted',
  {
    readonly agencyId: string;
    readonly from: AgencyOnboardingStatus;
    readonly mouReference?: string;
    readonly at: string;
  }
>;
export type AgencyActivated = DomainEvent<
  'AgencyActivated',
  {
    readonly agencyId: string;
    readonly from: AgencyOnboardingStatus;
    readonly note?: string;
    readonly at: string;
  }
>;
export type AgencySuspended = DomainEvent<
  'AgencySuspended',
  {
    readonly agencyId: string;
    readonly from: AgencyOnboardingStatus;
    readonly reason: string;
    readonly at: string;
  }
>;
export type FocalPointAppointed = DomainEvent<
  'FocalPointAppointed',
  {
    readonly agencyId: string;
    readonly appointmentId: string;
    readonly userId: string;
    readonly name: string;
    readonly position: string;
    readonly contact: FocalPointContact;
    readonly from: string;
    /** The appointment this one replaces, ended by the FocalPointAppointmentEnded just before it. */
    readonly replacesAppointmentId?: string;
  }
>;
export type FocalPointAppointmentEnded = DomainEvent<
  'FocalPointAppointmentEnded',
  {
    readonly agencyId: string;
    readonly appointmentId: string;
    readonly userId: string;
    readonly to: string;
    readonly reason: FocalPointEndReason;
    readonly note?: string;
    readonly replacedByAppointmentId?: string;
  }
>;

export type AgencyEvent =
  | AgencyCreated
  | AgencyUpdated
  | AgencyPilotStarted
  | AgencyActivated
  | AgencySuspended
  | FocalPointAppointed
  | FocalPointAppointmentEnded;

export const AGENCY_EVENT_TYPES: readonly AgencyEvent['type'][] = [
  'AgencyCreated',
  'AgencyUpdated',
  'AgencyPilotStarted',
  'AgencyActivated',
  'AgencySuspended',
  'FocalPointAppointed',
  'FocalPointAppointmentEnded',
];

// ── commands ───────────────────────────────────────────────────────────────────────────────────────

export interface AgencyContactInput {
  readonly emails?: readonly string[];
  readonly phone?: string | null;
  readonly address?: string | null;
}

export type CreateAgency = DomainCommand<
  'CreateAgency',
  {
    readonly agencyId: string;
    readonly name: string;
    readonly kind: AgencyKind;
    readonly region: string;
    readonly regionCode?: string | null;
    readonly parentAgencyId?: string | null;
    readonly contact?: AgencyContactInput;
  }
>;
/** Absent fields stay as they are; `parentAgencyId: null` removes the parent. */
export type UpdateAgency = DomainCommand<
  'UpdateAgency',
  {
    readonly name?: string;
    readonly kind?: AgencyKind;
    readonly region?: string;
    /** null removes the region code. */
    readonly regionCode?: string | null;
    readonly parentAgencyId?: string | null;
    readonly contact?: AgencyContactInput;
  }
>;
export type StartAgencyPilot = DomainCommand<'StartAgencyPilot', { readonly mouReference?: string }>;
export type ActivateAgency = DomainCommand<'ActivateAgency', { readonly note?: string }>;
export type SuspendAgency = DomainCommand<'SuspendAgency', { readonly reason: string }>;
export type AppointFocalPoint = DomainCommand<
  'AppointFocalPoint',
  {
    /** Chosen by the caller (a UUID): repeating the command with the same id is a no-op retry. */
    readonly appointmentId: string;
    readonly userId: string;
    readonly name: string;
    readonly position: string;
    readonly contact?: { readonly email?: string | null; readonly phone?: string | null };
  }
>;
export type EndFocalPointAppointment = DomainCommand<
  'EndFocalPointAppointment',
  { readonly appointmentId: string; readonly note?: string }
>;

export type AgencyCommand =
  | CreateAgency
  | UpdateAgency
  | StartAgencyPilot
  | ActivateAgency
  | SuspendAgency
  | AppointFocalPoint
  | EndFocalPointAppointment;

// ── state ──────────────────────────────────────────────────────────────────────────────────────────

export interface ExistingAgency extends AgencyProfile {
  readonly status: AgencyOnboardingStatus;
  readonly agencyId: string;
  /** Every appointment, oldest first; at most one has no `to`. */
  readonly focalPoints: readonly FocalPointAppointment[];
}

export type AgencyState = { readonly status: 'ABSENT' } | ExistingAgency;

/** The appointment without an end, if any. */
export function currentFocalPoint(state: AgencyState): FocalPointAppointment | undefined {
  if (state.status === 'ABSENT') return undefined;
  return state.focalPoints.find((f) => f.to === undefined);
}

/** Who was PIC at an instant (from inclusive, to exclusive): answers "who should have acted on this letter". */
export function focalPointAt(state: AgencyState, instant: string): FocalPointAppointment | undefined {
  if (state.status === 'ABSENT') return undefined;
  const t = Date.parse(instant);
  return state.focalPoints.find(
    (f) => Date.parse(f.from) <= t && (f.to === undefined || t < Date.parse(f.to)),
  );
}

export const agencyStreamId = (agencyId: string) => `agency-${agencyId}`;
export const AGENCY_STREAM_PREFIX = 'agency-';

// ── decider ────────────────────────────────────────────────────────────────────────────────────────

function requireKind(value: unknown): AgencyKind {
  if (!AGENCY_KINDS.includes(value as AgencyKind)) {
    throw badInput(`kind must be one of ${AGENCY_KINDS.join(', ')}`, { field: 'kind' });
  }
  return value as AgencyKind;
}

function contactOf(input: AgencyContactInput | undefined): AgencyContact {
  const emails = (input?.emails ?? []).map((e, i) => requiredEmail(e, `contact.emails[${i}]`));
  if (new Set(emails).size !== emails.length) {
    throw badInput('contact.emails lists an address twice', { field: 'contact.emails' });
  }
  const phone = optionalPhone(input?.phone, 'contact.phone');
  const address = optionalText(input?.address, 'contact.address', 1000);
  return { emails, ...(phone ? { phone } : {}), ...(address ? { address } : {}) };
}

function parentOf(agencyId: string, parent: string | null | undefined): string | undefined {
  if (parent === undefined || parent === null) return undefined;
  const parentAgencyId = requiredAgencyId(parent, 'parentAgencyId');
  if (parentAgencyId === agencyId) {
    throw badInput('an agency cannot be its own parent', { field: 'parentAgencyId' });
  }
  return parentAgencyId;
}

const sameContact = (a: AgencyContact, b: AgencyContact) =>
  a.phone === b.phone && a.address === b.address && a.emails.join('\n') === b.emails.join('\n');

function decideUpdate(command: UpdateAgency, state: ExistingAgency): readonly AgencyEvent[] {
  const input = command.data;
  if (
    input.name === undefined &&
    input.kind === undefined &&
    input.region === undefined &&
    input.regionCode === undefined &&
    input.parentAgencyId === undefined &&
    input.contact === undefined
  ) {
    throw badInput('an update must change at least one field');
  }
  const changes: {
    -readonly [K in keyof AgencyUpdated['data']['changes']]: AgencyUpdated['data']['changes'][K];
  } = {};
  if (input.name !== undefined) {
    const name = requiredText(input.name, 'name', 300);
    if (name !== state.name) changes.name = name;
  }
  if (input.kind !== undefined) {
    const kind = requireKind(input.kind);
    if (kind !== state.kind) changes.kind = kind;
  }
  if (input.region !== undefined) {
    const region = requiredText(input.region, 'region', 200);
    if (region !== state.region) changes.region = region;
  }
  if (input.regionCode !== undefined) {
    const code = input.regionCode === null ? undefined : requireRegionCode(input.regionCode);
    if (code !== state.regionCode) changes.regionCode = code ?? null;
  }
  if (input.parentAgencyId !== undefined) {
    const parent = parentOf(state.agencyId, input.parentAgencyId);
    if (parent !== state.parentAgencyId) changes.parentAgencyId = parent ?? null;
  }
  if (input.contact !== undefined) {
    const contact = contactOf(input.contact);
    if (!sameContact(contact, state.contact)) changes.contact = contact;
  }
  // Saving an unchanged form is not an event.
  if (Object.keys(changes).length === 0) return [];
  return [
    { type: 'AgencyUpdated', data: { agencyId: state.agencyId, changes, updatedAt: command.metadata.now } },
  ];
}

/** A province code from the fixed list, so the calendar's regional holidays can apply to the agency. */
function requireRegionCode(value: string): RegionCode {
  const code = value.trim().toUpperCase();
  if (!isRegionCode(code)) {
    throw badInput('regionCode must be a province code such as ID-YO (ISO 3166-2:ID)', {
      field: 'regionCode',
    });
  }
  return code;
}

function decideAppoint(command: AppointFocalPoint, state: ExistingAgency): readonly AgencyEvent[] {
  const appointmentId = requiredEntityId(command.data.appointmentId, 'appointmentId');
  const existing = state.focalPoints.find((f) => f.appointmentId === appointmentId);
  if (existing) {
    if (existing.to === undefined && existing.userId === command.data.userId) return []; // a retry
    throw badInput('appointmentId is already used by another appointment of this agency', {
      field: 'appointmentId',
    });
  }
  const userId = requiredEntityId(command.data.userId, 'userId');
  const name = requiredText(command.data.name, 'name', 200);
  const position = requiredText(command.data.position, 'position', 300);
  const email = command.data.contact?.email;
  const phone = optionalPhone(command.data.contact?.phone, 'contact.phone');
  const contact: FocalPointContact = {
    ...(email !== undefined && email !== null ? { email: requiredEmail(email, 'contact.email') } : {}),
    ...(phone ? { phone } : {}),
  };
  const now = command.metadata.now;
  const current = currentFocalPoint(state);
  if (current && current.userId === userId) {
    throw badInput('this user is already the current focal point of the agency', { field: 'userId' });
  }
  const events: AgencyEvent[] = [];
  if (current) {
    events.push({
      type: 'FocalPointAppointmentEnded',
      data: {
        agencyId: state.agencyId,
        appointmentId: current.appointmentId,
        userId: current.userId,
        to: now,
        reason: 'REPLACED',
        replacedByAppointmentId: appointmentId,
      },
    });
  }
  events.push({
    type: 'FocalPointAppointed',
    data: {
      agencyId: state.agencyId,
      appointmentId,
      userId,
      name,
      position,
      contact,
      from: now,
      ...(current ? { replacesAppointmentId: current.appointmentId } : {}),
    },
  });
  return events;
}

function decideEnd(command: EndFocalPointAppointment, state: ExistingAgency): readonly AgencyEvent[] {
  const appointment = state.focalPoints.find((f) => f.appointmentId === command.data.appointmentId);
  if (!appointment) throw notFound('focal point appointment', String(command.data.appointmentId));
  if (appointment.to !== undefined) {
    throw invalidTransition('ENDED', 'end the focal point appointment', {
      appointmentId: appointment.appointmentId,
    });
  }
  const note = optionalText(command.data.note, 'note', 1000);
  return [
    {
      type: 'FocalPointAppointmentEnded',
      data: {
        agencyId: state.agencyId,
        appointmentId: appointment.appointmentId,
        userId: appointment.userId,
        to: command.metadata.now,
        reason: 'ENDED',
        ...(note ? { note } : {}),
      },
    },
  ];
}

/** The onboarding moves each state allows; everything else is an INVALID_TRANSITION. */
const ONBOARDING_MOVES: Record<AgencyOnboardingStatus, readonly AgencyOnboardingStatus[]> = {
  REGISTERED: ['PILOT', 'ACTIVE'],
  PILOT: ['ACTIVE', 'SUSPENDED'],
  ACTIVE: ['SUSPENDED'],
  SUSPENDED: ['PILOT', 'ACTIVE'],
};

function requireOnboardingMove(state: ExistingAgency, to: AgencyOnboardingStatus, verb: string): void {
  if (!ONBOARDING_MOVES[state.status].includes(to)) {
    throw invalidTransition(state.status, verb, { requestedState: to, agencyId: state.agencyId });
  }
}

function decideExisting(command: AgencyCommand, state: ExistingAgency): readonly AgencyEvent[] {
  const now = command.metadata.now;
  switch (command.type) {
    case 'CreateAgency':
      throw invalidTransition(state.status, 'create the agency', { agencyId: state.agencyId });
    case 'UpdateAgency':
      return decideUpdate(command, state);
    case 'StartAgencyPilot': {
      requireOnboardingMove(state, 'PILOT', 'start the pilot');
      const mouReference = optionalText(command.data.mouReference, 'mouReference', 200);
      return [
        {
          type: 'AgencyPilotStarted',
          data: {
            agencyId: state.agencyId,
            from: state.status,
            ...(mouReference ? { mouReference } : {}),
            at: now,
          },
        },
      ];
    }
    case 'ActivateAgency': {
      requireOnboardingMove(state, 'ACTIVE', 'activate');
      const note = optionalText(command.data.note, 'note', 1000);
      return [
        {
          type: 'AgencyActivated',
          data: { agencyId: state.agencyId, from: state.status, ...(note ? { note } : {}), at: now },
        },
      ];
    }
    case 'SuspendAgency': {
      requireOnboardingMove(state, 'SUSPENDED', 'suspend');
      const reason = requiredText(command.data.reason, 'reason', 1000);
      return [
        { type: 'AgencySuspended', data: { agencyId: state.agencyId, from: state.status, reason, at: now } },
      ];
    }
    case 'AppointFocalPoint':
      return decideAppoint(command, state);
    case 'EndFocalPointAppointment':
      return decideEnd(command, state);
  }
}

function decideAbsent(command: AgencyCommand): readonly AgencyEvent[] {
  switch (command.type) {
    case 'CreateAgency': {
      const d = command.data;
      const agencyId = requiredAgencyId(d.agencyId, 'agencyId');
      const name = requiredText(d.name, 'name', 300);
      const kind = requireKind(d.kind);
      const region = requiredText(d.region, 'region', 200);
      const regionCode = d.regionCode == null ? undefined : requireRegionCode(d.regionCode);
      const parentAgencyId = parentOf(agencyId, d.parentAgencyId);
      const contact = contactOf(d.contact);
      return [
        {
          type: 'AgencyCreated',
          data: {
            agencyId,
            name,
            kind,
            region,
            ...(regionCode ? { regionCode } : {}),
            ...(parentAgencyId ? { parentAgencyId } : {}),
            contact,
            createdAt: command.metadata.now,
          },
        },
      ];
    }
    case 'UpdateAgency':
      throw invalidTransition('ABSENT', 'update the agency');
    case 'StartAgencyPilot':
      throw invalidTransition('ABSENT', 'start the pilot');
    case 'ActivateAgency':
      throw invalidTransition('ABSENT', 'activate');
    case 'SuspendAgency':
      throw invalidTransition('ABSENT', 'suspend');
    case 'AppointFocalPoint':
      throw invalidTransition('ABSENT', 'appoint a focal point');
    case 'EndFocalPointAppointment':
      throw invalidTransition('ABSENT', 'end the focal point appointment');
  }
}

function evolveExisting(state: ExistingAgency, event: AgencyEvent): AgencyState {
  switch (event.type) {
    case 'AgencyCreated':
      return state; // a second creation is never decided; replaying one changes nothing
    case 'AgencyUpdated': {
      const { parentAgencyId, regionCode, ...rest } = event.data.changes;
      let next: ExistingAgency = { ...state, ...rest };
      if (regionCode === null) {
        const { regionCode: _removed, ...withoutCode } = next;
        next = withoutCode;
      } else if (regionCode !== undefined) next = { ...next, regionCode };
      if (parentAgencyId === undefined) return next;
      if (parentAgencyId === null) {
        const { parentAgencyId: _removed, ...withoutParent } = next;
        return withoutParent;
      }
      return { ...next, parentAgencyId };
    }
    case 'AgencyPilotStarted':
      return { ...state, status: 'PILOT' };
    case 'AgencyActivated':
      return { ...state, status: 'ACTIVE' };
    case 'AgencySuspended':
      return { ...state, status: 'SUSPENDED' };
    case 'FocalPointAppointed': {
      const { agencyId: _agency, replacesAppointmentId: _replaced, ...appointment } = event.data;
      return { ...state, focalPoints: [...state.focalPoints, appointment] };
    }
    case 'FocalPointAppointmentEnded': {
      const d = event.data;
      return {
        ...state,
        focalPoints: state.focalPoints.map((f) =>
          f.appointmentId === d.appointmentId
            ? {
                ...f,
                to: d.to,
                endReason: d.reason,
                ...(d.note ? { endNote: d.note } : {}),
                ...(d.replacedByAppointmentId ? { replacedByAppointmentId: d.replacedByAppointmentId } : {}),
              }
            : f,
        ),
      };
    }
  }
}

export const agencyDecider: Decider<AgencyCommand, AgencyEvent, AgencyState> = {
  initialState: () => ({ status: 'ABSENT' }),
  decide(command, state) {
    switch (state.status) {
      case 'ABSENT':
        return decideAbsent(command);
      case 'REGISTERED':
      case 'PILOT':
      case 'ACTIVE':
      case 'SUSPENDED':
        return decideExisting(command, state);
    }
  },
  evolve(state, event) {
    switch (state.status) {
      case 'ABSENT': {
        if (event.type !== 'AgencyCreated') return state;
        const { createdAt: _at, ...profile } = event.data;
        return { ...profile, status: 'REGISTERED', focalPoints: [] };
      }
      case 'REGISTERED':
      case 'PILOT':
      case 'ACTIVE':
      case 'SUSPENDED':
        return evolveExisting(state, event);
    }
  },
};
