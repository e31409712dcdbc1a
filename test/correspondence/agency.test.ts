import {
  type AgencyCommand,
  type AgencyEvent,
  agencyDecider,
  currentFocalPoint,
  focalPointAt,
} from '../../services/correspondence/domain/agency';
import { spec } from '../support/decider-spec';

const admin = { id: 'admin-1', role: 'ADMIN' };
const at = (now: string) => ({ now, actor: admin });
const T0 = '2026-01-05T02:00:00.000Z';
const T1 = '2026-02-10T03:00:00.000Z';
const T2 = '2026-03-15T04:00:00.000Z';

const cmd = <C extends AgencyCommand>(type: C['type'], data: C['data'], now = T1) =>
  ({ type, data, metadata: at(now) }) as C;

const created: AgencyEvent = {
  type: 'AgencyCreated',
  data: {
    agencyId: 'inspektorat-bantul',
    name: 'Inspektorat Kabupaten Bantul',
    kind: 'REGENCY',
    region: 'Kabupaten Bantul',
    parentAgencyId: 'inspektorat-diy',
    contact: { emails: ['inspektorat@bantulkab.go.id'], phone: '(0274) 367509' },
    createdAt: T0,
  },
};
const pilot: AgencyEvent = {
  type: 'AgencyPilotStarted',
  data: { agencyId: 'inspektorat-bantul', from: 'REGISTERED', mouReference: 'MoU-12/2026', at: T0 },
};
const activated: AgencyEvent = {
  type: 'AgencyActivated',
  data: { agencyId: 'inspektorat-bantul', from: 'PILOT', at: T0 },
};
const suspended: AgencyEvent = {
  type: 'AgencySuspended',
  data: { agencyId: 'inspektorat-bantul', from: 'ACTIVE', reason: 'MoU lapsed', at: T0 },
};
const appointedSari: AgencyEvent = {
  type: 'FocalPointAppointed',
  data: {
    agencyId: 'inspektorat-bantul',
    appointmentId: 'appt-1',
    userId: 'pic-bantul-1',
    name: 'Sari Wulandari',
    position: 'Inspektur Pembantu Wilayah I',
    contact: { email: 'sari@bantulkab.go.id' },
    from: T0,
  },
};

const createCommand = cmd<AgencyCommand>(
  'CreateAgency',
  {
    agencyId: 'inspektorat-bantul',
    name: '  Inspektorat Kabupaten Bantul ',
    kind: 'REGENCY',
    region: 'Kabupaten Bantul',
    parentAgencyId: 'inspektorat-diy',
    contact: { emails: ['Inspektorat@BantulKab.go.id'], phone: '(0274) 367509' },
  },
  T0,
);

describe('agency decider', () => {
  describe('given no agency', () => {
    const given = spec(agencyDecider).given([]);

    it('creates it as REGISTERED with normalised input', () => {
      given.when(createCommand).then([created]);
      const state = spec(agencyDecider).given([created]).state();
      expect(state.status).toBe('REGISTERED');
    });

    it.each([
      ['a non-slug id', { agencyId: 'Inspektorat Bantul' }, 'agencyId'],
      ['an unknown kind', { kind: 'VILLAGE' }, 'kind'],
      ['an empty name', { name: '   ' }, 'name'],
      ['no region', { region: '' }, 'region'],
      ['itself as parent', { parentAgencyId: 'inspektorat-bantul' }, 'parentAgencyId'],
      ['a bad email', { contact: { emails: ['not-an-email'] } }, 'contact.emails[0]'],
      ['a repeated email', { contact: { emails: ['a@b.go.id', 'A@b.go.id'] } }, 'contact.emails'],
      ['a bad phone', { contact: { emails: [], phone: 'call me' } }, 'contact.phone'],
    ])('refuses %s as BAD_USER_INPUT', (_what, patch, field) => {
      given
        .when({ ...createCommand, data: { ...createCommand.data, ...patch } } as AgencyCommand)
        .thenThrows('BAD_USER_INPUT', { field });
    });

    it.each<AgencyCommand>([
      cmd('UpdateAgency', { name: 'x' }),
      cmd('StartAgencyPilot', {}),
      cmd('ActivateAgency', {}),
      cmd('SuspendAgency', { reason: 'x' }),
      cmd('AppointFocalPoint', { appointmentId: 'a', userId: 'u', name: 'n', position: 'p' }),
      cmd('EndFocalPointAppointment', { appointmentId: 'a' }),
    ])('refuses $type as INVALID_TRANSITION from ABSENT', (command) => {
      given.when(command).thenThrows('INVALID_TRANSITION', { currentState: 'ABSENT' });
    });
  });

  describe('given a REGISTERED agency', () => {
    const given = spec(agencyDecider).given([created]);

    it('refuses a second creation', () => {
      given.when(createCommand).thenThrows('INVALID_TRANSITION', { currentState: 'REGISTERED' });
    });

    it('updates only the fields that changed', () => {
      given
        .when(cmd('UpdateAgency', { name: 'Inspektorat Kabupaten Bantul', region: 'DI Yogyakarta' }))
        .then([
          {
            type: 'AgencyUpdated',
            data: { agencyId: 'inspektorat-bantul', changes: { region: 'DI Yogyakarta' }, updatedAt: T1 },
          },
        ]);
    });

    it('removes the parent with parentAgencyId null', () => {
      const [event] = given.when(cmd('UpdateAgency', { parentAgencyId: null })).events();
      expect(event).toEqual({
        type: 'AgencyUpdated',
        data: { agencyId: 'inspektorat-bantul', changes: { parentAgencyId: null }, updatedAt: T1 },
      });
      const state = spec(agencyDecider).given([created, event!]).state();
      expect(state.status !== 'ABSENT' && state.parentAgencyId).toBeUndefined();
    });

    it('replaces the contact channels', () => {
      const [event] = given
        .when(cmd('UpdateAgency', { contact: { emails: ['pengaduan@bantulkab.go.id'] } }))
        .events();
      const state = spec(agencyDecider).given([created, event!]).state();
      expect(state.status !== 'ABSENT' && state.contact).toEqual({ emails: ['pengaduan@bantulkab.go.id'] });
    });

    it('decides nothing when an update changes nothing', () => {
      given.when(cmd('UpdateAgency', { kind: 'REGENCY', name: 'Inspektorat Kabupaten Bantul' })).then([]);
    });

    it('refuses an empty update', () => {
      given.when(cmd('UpdateAgency', {})).thenThrows('BAD_USER_INPUT');
    });

    it('starts the pilot, keeping the MoU reference', () => {
      given.when(cmd('StartAgencyPilot', { mouReference: 'MoU-12/2026' }, T0)).then([pilot]);
    });

    it('activates directly', () => {
      given
        .when(cmd('ActivateAgency', {}))
        .then([
          { type: 'AgencyActivated', data: { agencyId: 'inspektorat-bantul', from: 'REGISTERED', at: T1 } },
        ]);
    });

    it('refuses suspension: there is nothing to suspend yet', () => {
      given
        .when(cmd('SuspendAgency', { reason: 'x' }))
        .thenThrows('INVALID_TRANSITION', { currentState: 'REGISTERED', requestedState: 'SUSPENDED' });
    });

    it('appoints the first focal point', () => {
      given
        .when(
          cmd(
            'AppointFocalPoint',
            {
              appointmentId: 'appt-1',
              userId: 'pic-bantul-1',
              name: 'Sari Wulandari',
              position: 'Inspektur Pembantu Wilayah I',
              contact: { email: 'sari@bantulkab.go.id' },
            },
            T0,
          ),
        )
        .then([appointedSari]);
    });

    it('refuses a focal point without a position, naming the field and not the value', () => {
      let message = '';
      try {
        agencyDecider.decide(
          cmd('AppointFocalPoint', { appointmentId: 'a', userId: 'u', name: 'Sari Wulandari', position: '' }),
          given.state(),
        );
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toBe('position is required');
      expect(message).not.toContain('Sari');
    });

    it('refuses ending an appointment that does not exist', () => {
      given.when(cmd('EndFocalPointAppointment', { appointmentId: 'nope' })).thenThrows('NOT_FOUND');
    });
  });

  describe('given a PILOT agency', () => {
    const given = spec(agencyDecider).given([created, pilot]);

    it('activates', () => {
      given.when(cmd('ActivateAgency', { note: 'pilot evaluated' }, T0)).then([
        {
          type: 'AgencyActivated',
          data: { agencyId: 'inspektorat-bantul', from: 'PILOT', note: 'pilot evaluated', at: T0 },
        },
      ]);
    });

    it('suspends with a reason', () => {
      given.when(cmd('SuspendAgency', { reason: 'pilot halted' })).then([
        {
          type: 'AgencySuspended',
          data: { agencyId: 'inspektorat-bantul', from: 'PILOT', reason: 'pilot halted', at: T1 },
        },
      ]);
    });

    it('refuses a suspension without a reason', () => {
      given.when(cmd('SuspendAgency', { reason: ' ' })).thenThrows('BAD_USER_INPUT', { field: 'reason' });
    });

    it('refuses to start the pilot again', () => {
      given.when(cmd('StartAgencyPilot', {})).thenThrows('INVALID_TRANSITION', { currentState: 'PILOT' });
    });
  });

  describe('given an ACTIVE agency', () => {
    const given = spec(agencyDecider).given([created, pilot, activated]);

    it('suspends', () => {
      expect(given.when(cmd('SuspendAgency', { reason: 'MoU lapsed' }, T0)).events()).toEqual([suspended]);
    });

    it.each<AgencyCommand>([cmd('StartAgencyPilot', {}), cmd('ActivateAgency', {})])(
      'refuses $type',
      (command) => {
        given.when(command).thenThrows('INVALID_TRANSITION', { currentState: 'ACTIVE' });
      },
    );
  });

  describe('given a SUSPENDED agency', () => {
    const given = spec(agencyDecider).given([created, pilot, activated, suspended]);

    it('is reactivated', () => {
      given
        .when(cmd('ActivateAgency', {}))
        .then([
          { type: 'AgencyActivated', data: { agencyId: 'inspektorat-bantul', from: 'SUSPENDED', at: T1 } },
        ]);
    });

    it('goes back to a pilot', () => {
      given
        .when(cmd('StartAgencyPilot', {}))
        .then([
          { type: 'AgencyPilotStarted', data: { agencyId: 'inspektorat-bantul', from: 'SUSPENDED', at: T1 } },
        ]);
    });

    it('refuses a second suspension', () => {
      given
        .when(cmd('SuspendAgency', { reason: 'x' }))
        .thenThrows('INVALID_TRANSITION', { currentState: 'SUSPENDED' });
    });

    it('still manages focal points', () => {
      expect(
        given
          .when(
            cmd('AppointFocalPoint', {
              appointmentId: 'a2',
              userId: 'u2',
              name: 'Budi',
              position: 'Auditor',
            }),
          )
          .events(),
      ).toHaveLength(1);
    });
  });

  describe('given an agency with a current focal point', () => {
    const given = spec(agencyDecider).given([created, appointedSari]);
    const appointBudi = cmd<AgencyCommand>(
      'AppointFocalPoint',
      {
        appointmentId: 'appt-2',
        userId: 'pic-bantul-2',
        name: 'Budi Santoso',
        position: 'Auditor Madya',
        contact: { phone: '0812-2700-1234' },
      },
      T1,
    );

    it('replaces them on the record when another PIC is appointed', () => {
      given.when(appointBudi).then([
        {
          type: 'FocalPointAppointmentEnded',
          data: {
            agencyId: 'inspektorat-bantul',
            appointmentId: 'appt-1',
            userId: 'pic-bantul-1',
            to: T1,
            reason: 'REPLACED',
            replacedByAppointmentId: 'appt-2',
          },
        },
        {
          type: 'FocalPointAppointed',
          data: {
            agencyId: 'inspektorat-bantul',
            appointmentId: 'appt-2',
            userId: 'pic-bantul-2',
            name: 'Budi Santoso',
            position: 'Auditor Madya',
            contact: { phone: '0812-2700-1234' },
            from: T1,
            replacesAppointmentId: 'appt-1',
          },
        },
      ]);
    });

    it('keeps the history of who was PIC when', () => {
      const events = given.when(appointBudi).events();
      const state = spec(agencyDecider)
        .given([created, appointedSari, ...events])
        .state();
      expect(currentFocalPoint(state)?.userId).toBe('pic-bantul-2');
      expect(focalPointAt(state, '2026-01-20T00:00:00Z')?.userId).toBe('pic-bantul-1');
      expect(focalPointAt(state, T1)?.userId).toBe('pic-bantul-2');
      expect(focalPointAt(state, '2025-12-31T00:00:00Z')).toBeUndefined();
      expect(
        state.status !== 'ABSENT' &&
          state.focalPoints.map((f) => [f.appointmentId, f.from, f.to, f.endReason]),
      ).toEqual([
        ['appt-1', T0, T1, 'REPLACED'],
        ['appt-2', T1, undefined, undefined],
      ]);
    });

    it('treats the same appointment again as a retry', () => {
      given
        .when(
          cmd('AppointFocalPoint', {
            appointmentId: 'appt-1',
            userId: 'pic-bantul-1',
            name: 'Sari Wulandari',
            position: 'x',
          }),
        )
        .then([]);
    });

    it('refuses re-appointing the current PIC under a new appointment', () => {
      given
        .when(
          cmd('AppointFocalPoint', {
            appointmentId: 'appt-9',
            userId: 'pic-bantul-1',
            name: 'Sari',
            position: 'x',
          }),
        )
        .thenThrows('BAD_USER_INPUT', { field: 'userId' });
    });

    it('refuses a bad contact email', () => {
      given
        .when(cmd('AppointFocalPoint', { ...appointBudi.data, contact: { email: 'budi' } } as never))
        .thenThrows('BAD_USER_INPUT', { field: 'contact.email' });
    });

    it('ends the appointment', () => {
      given.when(cmd('EndFocalPointAppointment', { appointmentId: 'appt-1', note: 'retired' }, T2)).then([
        {
          type: 'FocalPointAppointmentEnded',
          data: {
            agencyId: 'inspektorat-bantul',
            appointmentId: 'appt-1',
            userId: 'pic-bantul-1',
            to: T2,
            reason: 'ENDED',
            note: 'retired',
          },
        },
      ]);
    });
  });

  describe('given an agency whose focal point appointment ended', () => {
    const ended: AgencyEvent = {
      type: 'FocalPointAppointmentEnded',
      data: {
        agencyId: 'inspektorat-bantul',
        appointmentId: 'appt-1',
        userId: 'pic-bantul-1',
        to: T1,
        reason: 'ENDED',
      },
    };
    const given = spec(agencyDecider).given([created, appointedSari, ended]);

    it('has no current focal point but keeps the past one', () => {
      expect(currentFocalPoint(given.state())).toBeUndefined();
      expect(focalPointAt(given.state(), '2026-01-10T00:00:00Z')?.userId).toBe('pic-bantul-1');
    });

    it('refuses ending it twice', () => {
      given
        .when(cmd('EndFocalPointAppointment', { appointmentId: 'appt-1' }))
        .thenThrows('INVALID_TRANSITION', { currentState: 'ENDED' });
    });

    it('refuses reusing the ended appointment id', () => {
      given
        .when(
          cmd('AppointFocalPoint', {
            appointmentId: 'appt-1',
            userId: 'pic-bantul-1',
            name: 'Sari',
            position: 'x',
          }),
        )
        .thenThrows('BAD_USER_INPUT', { field: 'appointmentId' });
    });

    it('appoints a new PIC without a replacement event', () => {
      const events = given
        .when(
          cmd('AppointFocalPoint', {
            appointmentId: 'appt-2',
            userId: 'pic-bantul-1',
            name: 'Sari',
            position: 'x',
          }),
        )
        .events();
      expect(events.map((e) => e.type)).toEqual(['FocalPointAppointed']);
    });
  });
});
