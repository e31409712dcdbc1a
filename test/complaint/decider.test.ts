import {
  availableCommands,
  type ComplaintCommand,
  type ComplaintCommandType,
  complaintDecider,
  type ComplaintStatus,
} from '../../services/complaint/domain';
import { DomainError } from '../../services/shared/errors';
import { spec } from '../support/decider-spec';
import {
  admin,
  at,
  bantulAcknowledged,
  bantulPic,
  bantulResponded,
  closed,
  command,
  forwarded,
  historyOf,
  informationRequested,
  intake,
  officer,
  publicActor,
  received,
  rejected,
  resolved,
  sealed,
  slemanPic,
  slemanResponded,
  supervisor,
  verified,
} from './fixtures';

const given = (events: Parameters<ReturnType<typeof spec>['given']>[0]) =>
  spec(complaintDecider).given(events as never);

/** One well-formed command of each type (agency choices are legal wherever the type is). */
const sample: Readonly<Record<ComplaintCommandType, ComplaintCommand>> = {
  FileComplaint: command('FileComplaint', intake, publicActor),
  ReceiveComplaint: command('ReceiveComplaint', {
    ...intake,
    channel: 'LETTER',
    channelReference: 'B-12/ND/2026',
  }),
  RequestInformation: command('RequestInformation', { question: 'Mohon alamat lokasi yang tepat.' }),
  ProvideInformation: command('ProvideInformation', { information: 'Lokasi: depan pasar Niten.' }),
  VerifyComplaint: command('VerifyComplaint', {}),
  RejectComplaint: command('RejectComplaint', { reason: 'INCOMPLETE', note: 'Tidak ada tanggapan pelapor.' }),
  ForwardComplaint: command('ForwardComplaint', { agencyIds: ['inspektorat-bantul'] }),
  AcknowledgeComplaint: command('AcknowledgeComplaint', { agencyId: 'inspektorat-sleman' }, slemanPic),
  RecordAgencyResponse: command(
    'RecordAgencyResponse',
    { agencyId: 'inspektorat-sleman', response: 'Ditindaklanjuti.' },
    slemanPic,
  ),
  MarkResponseInsufficient: command('MarkResponseInsufficient', {
    agencyIds: ['inspektorat-bantul'],
    note: 'Belum ada bukti.',
  }),
  ResolveComplaint: command('ResolveComplaint', { resolution: 'Selesai.' }, supervisor),
  CloseComplaint: command('CloseComplaint', {}, supervisor),
  ReopenComplaint: command('ReopenComplaint', { reason: 'Pelapor menyatakan belum selesai.' }, supervisor),
  SetComplaintPrivacy: command('SetComplaintPrivacy', { confidential: true }),
  EraseComplainantData: command(
    'EraseComplainantData',
    { reason: 'Permintaan penghapusan (UU PDP).' },
    admin,
  ),
  AddComplainantMessage: command(
    'AddComplainantMessage',
    { channel: 'EMAIL', channelReference: '<r1@example.id>', text: 'Foto terlampir.', attachments: [] },
    { id: 'channel:email', role: 'SYSTEM' },
  ),
};

const ALL = Object.keys(sample) as ComplaintCommandType[];
const STATES = Object.keys(historyOf) as (ComplaintStatus | 'NONE')[];
const everywhere: readonly ComplaintStatus[] = STATES.filter((s): s is ComplaintStatus => s !== 'NONE');

/** DOMAIN.md's lifecycle plus the documented decisions, written out independently of the decider. */
const legal: Readonly<Record<ComplaintCommandType, readonly string[]>> = {
  FileComplaint: ['NONE'],
  ReceiveComplaint: ['NONE'],
  RequestInformation: ['RECEIVED'],
  ProvideInformation: ['AWAITING_INFORMATION'],
  VerifyComplaint: ['RECEIVED'],
  RejectComplaint: ['RECEIVED', 'AWAITING_INFORMATION'],
  ForwardComplaint: ['VERIFIED'],
  AcknowledgeComplaint: ['FORWARDED', 'IN_FOLLOW_UP'],
  RecordAgencyResponse: ['FORWARDED', 'IN_FOLLOW_UP'],
  MarkResponseInsufficient: ['RESPONDED'],
  ResolveComplaint: ['RESPONDED'],
  CloseComplaint: ['RESOLVED'],
  ReopenComplaint: ['RESOLVED', 'CLOSED', 'REJECTED'],
  SetComplaintPrivacy: everywhere,
  EraseComplainantData: everywhere,
  AddComplainantMessage: everywhere,
};

const requestedName: Readonly<Record<ComplaintCommandType, string>> = {
  FileComplaint: 'file',
  ReceiveComplaint: 'receive',
  RequestInformation: 'request information',
  ProvideInformation: 'provide information',
  VerifyComplaint: 'verify',
  RejectComplaint: 'reject',
  ForwardComplaint: 'forward',
  AcknowledgeComplaint: 'acknowledge',
  RecordAgencyResponse: 'record an agency response',
  MarkResponseInsufficient: 'mark a response insufficient',
  ResolveComplaint: 'resolve',
  CloseComplaint: 'close',
  ReopenComplaint: 'reopen',
  SetComplaintPrivacy: 'set privacy',
  EraseComplainantData: 'erase complainant data',
  AddComplainantMessage: 'add a complainant message to',
};

describe('the lifecycle matrix: every command from every state', () => {
  for (const state of STATES) {
    describe(`given ${state}`, () => {
      const legalHere = ALL.filter((type) => legal[type].includes(state));
      const illegalHere = ALL.filter((type) => !legal[type].includes(state));

      it.each(legalHere)('%s is accepted and produces an event', (type) => {
        const events = given(historyOf[state]).when(sample[type]).events();
        expect(events.length).toBe(1);
      });

      if (state === 'NONE') {
        it.each(illegalHere)('%s is refused with NOT_FOUND', (type) => {
          given([]).when(sample[type]).thenThrows('NOT_FOUND');
        });
      } else {
        it.each(illegalHere)('%s is refused with INVALID_TRANSITION naming both states', (type) => {
          given(historyOf[state]).when(sample[type]).thenThrows('INVALID_TRANSITION', {
            currentState: state,
            requested: requestedName[type],
          });
          try {
            complaintDecider.decide(sample[type], given(historyOf[state]).state());
          } catch (err) {
            expect((err as DomainError).message).toBe(
              `cannot ${requestedName[type]} when the state is ${state}`,
            );
          }
        });
      }

      it('availableCommands lists exactly the legal ones', () => {
        expect(availableCommands(given(historyOf[state]).state()).sort()).toEqual([...legalHere].sort());
      });
    });
  }
});

describe('given NONE', () => {
  it('FileComplaint records a public WEB complaint received now, with no officer', () => {
    given([])
      .when(
        command(
          'FileComplaint',
          { ...intake, accessCodeHash: 'scrypt$16384$8$1$c2FsdA==$aGFzaA==' },
          publicActor,
          at(0),
        ),
      )
      .then([
        {
          type: 'ComplaintReceived',
          data: {
            ...received.data,
            intake: 'PUBLIC',
            channel: 'WEB',
            channelReference: null,
            accessCodeHash: 'scrypt$16384$8$1$c2FsdA==$aGFzaA==',
            by: null,
          },
        },
      ]);
  });

  it('ReceiveComplaint keeps the channel and its reference, trimmed', () => {
    const [event] = given([])
      .when(
        command(
          'ReceiveComplaint',
          { ...intake, channel: 'EMAIL', channelReference: ' <msg-1@mail.example.id> ' },
          officer,
          at(0),
        ),
      )
      .events();
    expect(event).toEqual(received);
  });

  it('ReceiveComplaint of an import keeps the original receivedAt and provenance', () => {
    const [event] = given([])
      .when(
        command('ReceiveComplaint', {
          ...intake,
          channel: 'LAPOR',
          channelReference: 'LAPOR-8841207',
          receivedAt: '2025-03-14T09:15:00+07:00',
          imported: { source: 'e-LAPOR DIY export 2025', originalId: '8841207' },
        }),
      )
      .events();
    expect(event!.data).toMatchObject({
      intake: 'IMPORT',
      receivedAt: '2025-03-14T02:15:00.000Z',
      at: at(30),
      imported: { source: 'e-LAPOR DIY export 2025', originalId: '8841207' },
    });
  });

  it('an anonymous complaint may come without any identity', () => {
    const [event] = given([])
      .when(command('FileComplaint', { ...intake, anonymous: true, complainant: null }, publicActor))
      .events();
    expect(event!.data).toMatchObject({ anonymous: true, complainant: null });
  });

  it.each([
    ['an empty subject', { subject: '   ' }, 'subject'],
    ['a subject of 201 characters', { subject: 'x'.repeat(201) }, 'subject'],
    ['an empty description', { description: '' }, 'description'],
    ['a malformed tracking number', { trackingNumber: 'DUMAS-26-1' }, 'trackingNumber'],
    ['a non-boolean flag', { confidential: 'yes' }, 'confidential'],
    [
      'an unsealed complainant',
      { complainant: { subjectId: 's-1', sealed: { name: 'Budi' } } },
      'complainant.sealed',
    ],
    ['a bad complaint id', { complaintId: '../etc' }, 'complaintId'],
  ])('FileComplaint with %s is BAD_USER_INPUT on that field', (_, patch, field) => {
    given([])
      .when(command('FileComplaint', { ...intake, ...patch } as never, publicActor))
      .thenThrows('BAD_USER_INPUT', { field });
  });

  it('ReceiveComplaint refuses an unknown channel, a missing reference where the channel has one, and a back-dated non-import', () => {
    given([])
      .when(command('ReceiveComplaint', { ...intake, channel: 'FAX' as never }))
      .thenThrows('BAD_USER_INPUT', { field: 'channel' });
    given([])
      .when(command('ReceiveComplaint', { ...intake, channel: 'LETTER', channelReference: ' ' }))
      .thenThrows('BAD_USER_INPUT', { field: 'channelReference' });
    given([])
      .when(
        command('ReceiveComplaint', { ...intake, channel: 'WALK_IN', receivedAt: '2025-01-01T00:00:00Z' }),
      )
      .thenThrows('BAD_USER_INPUT', { field: 'receivedAt' });
    given([])
      .when(
        command('ReceiveComplaint', {
          ...intake,
          channel: 'LAPOR',
          channelReference: 'L-1',
          receivedAt: '2027-01-01T00:00:00Z',
          imported: { source: 'e-LAPOR' },
        }),
      )
      .thenThrows('BAD_USER_INPUT', { field: 'receivedAt' });
  });

  it('never echoes what the complainant typed in an error', () => {
    const secret = 'Rahasia Pribadi 3402015501900001';
    try {
      complaintDecider.decide(
        command('FileComplaint', { ...intake, subject: secret.repeat(20) }, publicActor),
        { status: 'NONE' },
      );
      throw new Error('expected a refusal');
    } catch (err) {
      expect((err as DomainError).message).not.toContain('Rahasia');
      expect(JSON.stringify((err as DomainError).details)).not.toContain('Rahasia');
    }
  });
});

describe('given RECEIVED', () => {
  it('RequestInformation pauses with the question on record', () => {
    given([received])
      .when(command('RequestInformation', { question: ' Mohon lampirkan foto lokasi. ' }, officer, at(1)))
      .then([informationRequested]);
  });

  it('VerifyComplaint keeps the intake classification unless it is corrected', () => {
    given([received])
      .when(command('VerifyComplaint', {}, officer, at(2)))
      .then([verified]);
    const [event] = given([received])
      .when(command('VerifyComplaint', { region: 'Kota Yogyakarta', note: 'Lokasi dikoreksi' }))
      .events();
    expect(event!.data).toMatchObject({
      category: 'infrastructure',
      region: 'Kota Yogyakarta',
      note: 'Lokasi dikoreksi',
    });
  });

  it('RejectComplaint records reason and note', () => {
    given([received])
      .when(
        command(
          'RejectComplaint',
          { reason: 'OUT_OF_SCOPE', note: 'Urusan perdata antarwarga.' },
          officer,
          at(1),
        ),
      )
      .then([rejected]);
  });

  it('RejectComplaint as DUPLICATE may name the original', () => {
    const [event] = given([received])
      .when(
        command('RejectComplaint', {
          reason: 'DUPLICATE',
          note: 'Sama dengan aduan sebelumnya.',
          duplicateOf: 'c-0000',
        }),
      )
      .events();
    expect(event!.data).toMatchObject({ reason: 'DUPLICATE', duplicateOf: 'c-0000' });
  });

  it.each([
    ['an unknown reason', { reason: 'BORING', note: 'x' }, 'reason'],
    ['no note', { reason: 'OUT_OF_SCOPE', note: ' ' }, 'note'],
    [
      'duplicateOf without DUPLICATE',
      { reason: 'OUT_OF_SCOPE', note: 'x', duplicateOf: 'c-0000' },
      'duplicateOf',
    ],
    ['a duplicate of itself', { reason: 'DUPLICATE', note: 'x', duplicateOf: 'c-0001' }, 'duplicateOf'],
  ])('RejectComplaint with %s is BAD_USER_INPUT', (_, data, field) => {
    given([received])
      .when(command('RejectComplaint', data as never))
      .thenThrows('BAD_USER_INPUT', { field });
  });

  it('state records the complaint facts', () => {
    expect(given([received]).state()).toMatchObject({
      status: 'RECEIVED',
      id: 'c-0001',
      trackingNumber: 'DUMAS-2026-482913',
      complainant: { subjectId: 'subject-0001', erased: false },
      forwardings: [],
    });
  });
});

describe('given AWAITING_INFORMATION', () => {
  it('ProvideInformation resumes at RECEIVED', () => {
    const run = given([received, informationRequested]);
    expect(run.state()).toMatchObject({ status: 'AWAITING_INFORMATION', informationRequestedAt: at(1) });
    const events = run
      .when(command('ProvideInformation', { information: 'Foto terlampir.' }, officer, at(9)))
      .events();
    expect(events).toEqual([
      { type: 'InformationProvided', data: { information: 'Foto terlampir.', by: officer.id, at: at(9) } },
    ]);
    expect(
      spec(complaintDecider)
        .given([received, informationRequested, ...events])
        .state().status,
    ).toBe('RECEIVED');
  });

  it('RejectComplaint as INCOMPLETE ends it', () => {
    const state = given([
      received,
      informationRequested,
      { ...rejected, data: { ...rejected.data, reason: 'INCOMPLETE' } },
    ]).state();
    expect(state).toMatchObject({ status: 'REJECTED', rejection: { reason: 'INCOMPLETE' } });
  });
});

describe('given VERIFIED', () => {
  it('ForwardComplaint opens one forwarding per agency, numbered per agency', () => {
    given([received, verified])
      .when(
        command(
          'ForwardComplaint',
          { agencyIds: ['inspektorat-bantul', 'inspektorat-sleman'] },
          officer,
          at(3),
        ),
      )
      .then([forwarded]);
    expect(given([received, verified, forwarded]).state()).toMatchObject({
      status: 'FORWARDED',
      forwardings: [
        {
          forwardingId: 'inspektorat-bantul/1',
          status: 'FORWARDED',
          forwardedAt: at(3),
          acknowledgedAt: null,
        },
        { forwardingId: 'inspektorat-sleman/1', status: 'FORWARDED', forwardedAt: at(3) },
      ],
    });
  });

  it.each([
    ['no agency', { agencyIds: [] }, 'agencyIds'],
    ['the same agency twice', { agencyIds: ['inspektorat-diy', 'inspektorat-diy'] }, 'agencyIds'],
    ['a malformed agency id', { agencyIds: ['Inspektorat DIY'] }, 'agencyIds[0]'],
    ['21 agencies', { agencyIds: Array.from({ length: 21 }, (_, i) => `agency-${i}`) }, 'agencyIds'],
  ])('ForwardComplaint to %s is BAD_USER_INPUT', (_, data, field) => {
    given([received, verified])
      .when(command('ForwardComplaint', data))
      .thenThrows('BAD_USER_INPUT', { field });
  });
});

describe('given FORWARDED', () => {
  const history = [received, verified, forwarded];

  it('AcknowledgeComplaint by one agency moves the complaint to IN_FOLLOW_UP', () => {
    given(history)
      .when(command('AcknowledgeComplaint', { agencyId: 'inspektorat-bantul' }, bantulPic, at(4)))
      .then([bantulAcknowledged]);
    expect(given([...history, bantulAcknowledged]).state()).toMatchObject({
      status: 'IN_FOLLOW_UP',
      forwardings: [{ status: 'ACKNOWLEDGED', acknowledgedAt: at(4) }, { status: 'FORWARDED' }],
    });
  });

  it('RecordAgencyResponse without an acknowledgement: IN_FOLLOW_UP while another agency has not responded', () => {
    const [event] = given(history)
      .when(
        command(
          'RecordAgencyResponse',
          { agencyId: 'inspektorat-sleman', response: 'Sudah ditangani.' },
          slemanPic,
        ),
      )
      .events();
    expect(event!.data).toMatchObject({ forwardingId: 'inspektorat-sleman/1', allResponded: false });
    expect(given([...history, event!]).state().status).toBe('IN_FOLLOW_UP');
  });

  it('RecordAgencyResponse from the last agency goes straight to RESPONDED', () => {
    const single = {
      ...forwarded,
      data: { ...forwarded.data, forwardings: [forwarded.data.forwardings[0]] },
    };
    const [event] = given([received, verified, single])
      .when(
        command('RecordAgencyResponse', { agencyId: 'inspektorat-bantul', response: 'Selesai.' }, officer),
      )
      .events();
    expect(event!.data).toMatchObject({ allResponded: true, by: officer.id });
    expect(given([received, verified, single, event!]).state().status).toBe('RESPONDED');
  });

  it('an agency the complaint was not forwarded to is BAD_USER_INPUT', () => {
    given(history)
      .when(command('AcknowledgeComplaint', { agencyId: 'inspektorat-diy' }))
      .thenThrows('BAD_USER_INPUT', { agencyId: 'inspektorat-diy' });
    given(history)
      .when(command('RecordAgencyResponse', { agencyId: 'inspektorat-diy', response: 'x' }))
      .thenThrows('BAD_USER_INPUT', { agencyId: 'inspektorat-diy' });
  });

  it('RecordAgencyResponse refuses an unknown outcome', () => {
    given(history)
      .when(
        command(
          'RecordAgencyResponse',
          { agencyId: 'inspektorat-bantul', response: 'x', outcome: 'MAYBE' as never },
          bantulPic,
        ),
      )
      .thenThrows('BAD_USER_INPUT', { field: 'outcome' });
  });

  it('RecordAgencyResponse needs a response text', () => {
    given(history)
      .when(command('RecordAgencyResponse', { agencyId: 'inspektorat-bantul', response: '' }, bantulPic))
      .thenThrows('BAD_USER_INPUT', { field: 'response' });
  });
});

describe('given IN_FOLLOW_UP', () => {
  const history = [received, verified, forwarded, bantulAcknowledged];

  it('a second acknowledgement by the same agency names the forwarding state', () => {
    given(history)
      .when(command('AcknowledgeComplaint', { agencyId: 'inspektorat-bantul' }, bantulPic))
      .thenThrows('INVALID_TRANSITION', {
        currentState: 'ACKNOWLEDGED',
        requested: 'acknowledge',
        agencyId: 'inspektorat-bantul',
      });
  });

  it('another agency may still acknowledge', () => {
    const [event] = given(history)
      .when(command('AcknowledgeComplaint', { agencyId: 'inspektorat-sleman' }, slemanPic))
      .events();
    expect(given([...history, event!]).state().status).toBe('IN_FOLLOW_UP');
  });

  it('responses from every agency make it RESPONDED', () => {
    given(history)
      .when(
        command(
          'RecordAgencyResponse',
          { agencyId: 'inspektorat-bantul', response: 'Perbaikan dijadwalkan pekan depan.' },
          bantulPic,
          at(5),
        ),
      )
      .then([bantulResponded]);
    expect(given([...history, bantulResponded]).state().status).toBe('IN_FOLLOW_UP');
    given([...history, bantulResponded])
      .when(
        command(
          'RecordAgencyResponse',
          {
            agencyId: 'inspektorat-sleman',
            response: 'Bukan wilayah Sleman; sudah dikoordinasikan.',
            outcome: 'NOT_COMPETENT',
          },
          slemanPic,
          at(6),
        ),
      )
      .then([slemanResponded]);
    expect(given([...history, bantulResponded, slemanResponded]).state()).toMatchObject({
      status: 'RESPONDED',
      forwardings: [
        { status: 'RESPONDED', respondedAt: at(5) },
        { status: 'RESPONDED', respondedAt: at(6) },
      ],
    });
  });

  it('an agency that has responded cannot respond again', () => {
    given([...history, bantulResponded])
      .when(command('RecordAgencyResponse', { agencyId: 'inspektorat-bantul', response: 'Lagi.' }, bantulPic))
      .thenThrows('INVALID_TRANSITION', { currentState: 'RESPONDED', complaintState: 'IN_FOLLOW_UP' });
  });
});

describe('given RESPONDED', () => {
  const history = historyOf.RESPONDED;

  it('MarkResponseInsufficient sends it back to FORWARDED with a new forwarding for that agency only', () => {
    const events = given(history)
      .when(
        command(
          'MarkResponseInsufficient',
          { agencyIds: ['inspektorat-bantul'], note: 'Belum ada bukti perbaikan.' },
          officer,
          at(9),
        ),
      )
      .events();
    expect(events).toEqual([
      {
        type: 'AgencyResponseMarkedInsufficient',
        data: {
          forwardings: [
            {
              previousForwardingId: 'inspektorat-bantul/1',
              forwardingId: 'inspektorat-bantul/2',
              agencyId: 'inspektorat-bantul',
            },
          ],
          note: 'Belum ada bukti perbaikan.',
          by: officer.id,
          at: at(9),
        },
      },
    ]);
    const state = given([...history, ...events]).state();
    expect(state).toMatchObject({
      status: 'FORWARDED',
      forwardings: [
        {
          forwardingId: 'inspektorat-bantul/2',
          status: 'FORWARDED',
          forwardedAt: at(9),
          acknowledgedAt: null,
          respondedAt: null,
        },
        { forwardingId: 'inspektorat-sleman/1', status: 'RESPONDED' },
      ],
    });
    // The renewed agency's answer completes the round again.
    const [answer] = given([...history, ...events])
      .when(
        command(
          'RecordAgencyResponse',
          { agencyId: 'inspektorat-bantul', response: 'Foto terlampir.' },
          bantulPic,
        ),
      )
      .events();
    expect(answer!.data).toMatchObject({ forwardingId: 'inspektorat-bantul/2', allResponded: true });
  });

  it('MarkResponseInsufficient needs a note and a current agency', () => {
    given(history)
      .when(command('MarkResponseInsufficient', { agencyIds: ['inspektorat-bantul'], note: '' }))
      .thenThrows('BAD_USER_INPUT', { field: 'note' });
    given(history)
      .when(command('MarkResponseInsufficient', { agencyIds: ['inspektorat-diy'], note: 'x' }))
      .thenThrows('BAD_USER_INPUT', { agencyId: 'inspektorat-diy' });
  });

  it('ResolveComplaint records the resolution', () => {
    given(history)
      .when(command('ResolveComplaint', { resolution: 'Jalan telah diperbaiki.' }, supervisor, at(7)))
      .then([resolved]);
    given(history)
      .when(command('ResolveComplaint', { resolution: ' ' }, supervisor))
      .thenThrows('BAD_USER_INPUT', { field: 'resolution' });
  });
});

describe('given RESOLVED', () => {
  it('CloseComplaint closes it', () => {
    given(historyOf.RESOLVED)
      .when(command('CloseComplaint', {}, supervisor, at(8)))
      .then([closed]);
  });

  it('ReopenComplaint returns to VERIFIED for a new round; earlier agencies stay on record', () => {
    const events = given(historyOf.RESOLVED)
      .when(command('ReopenComplaint', { reason: 'Pelapor: jalan rusak lagi.' }, supervisor, at(20)))
      .events();
    expect(events).toEqual([
      {
        type: 'ComplaintReopened',
        data: {
          reason: 'Pelapor: jalan rusak lagi.',
          from: 'RESOLVED',
          to: 'VERIFIED',
          by: supervisor.id,
          at: at(20),
        },
      },
    ]);
    const reopened = [...historyOf.RESOLVED, ...events];
    expect(given(reopened).state()).toMatchObject({
      status: 'VERIFIED',
      forwardings: [],
      agencyIdsEverForwarded: ['inspektorat-bantul', 'inspektorat-sleman'],
    });
    const [again] = given(reopened)
      .when(command('ForwardComplaint', { agencyIds: ['inspektorat-bantul', 'inspektorat-diy'] }))
      .events();
    expect(again!.data).toMatchObject({
      forwardings: [
        { forwardingId: 'inspektorat-bantul/2', agencyId: 'inspektorat-bantul' },
        { forwardingId: 'inspektorat-diy/1', agencyId: 'inspektorat-diy' },
      ],
    });
    // The previous round's agency is no longer a current forwarding.
    given([...reopened, again!])
      .when(command('AcknowledgeComplaint', { agencyId: 'inspektorat-sleman' }, slemanPic))
      .thenThrows('BAD_USER_INPUT', { agencyId: 'inspektorat-sleman' });
  });

  it('ReopenComplaint needs a reason', () => {
    given(historyOf.RESOLVED)
      .when(command('ReopenComplaint', { reason: '' }, supervisor))
      .thenThrows('BAD_USER_INPUT', { field: 'reason' });
  });
});

describe('given CLOSED', () => {
  it('ReopenComplaint returns to VERIFIED', () => {
    const [event] = given(historyOf.CLOSED)
      .when(command('ReopenComplaint', { reason: 'Keberatan pelapor.' }, supervisor))
      .events();
    expect(event!.data).toMatchObject({ from: 'CLOSED', to: 'VERIFIED' });
    expect(given([...historyOf.CLOSED, event!]).state().status).toBe('VERIFIED');
  });
});

describe('given REJECTED', () => {
  it('ReopenComplaint returns to RECEIVED to be verified afresh', () => {
    const [event] = given(historyOf.REJECTED)
      .when(command('ReopenComplaint', { reason: 'Ternyata kewenangan pemda.' }, supervisor))
      .events();
    expect(event!.data).toMatchObject({ from: 'REJECTED', to: 'RECEIVED' });
    const state = given([...historyOf.REJECTED, event!]).state();
    expect(state.status).toBe('RECEIVED');
    expect(state).not.toHaveProperty('rejection');
  });
});

describe('privacy flags, in any state', () => {
  it.each(everywhere)('given %s, SetComplaintPrivacy records old and new flags, who and when', (status) => {
    given(historyOf[status])
      .when(
        command('SetComplaintPrivacy', { anonymous: true, reason: 'Permintaan pelapor' }, supervisor, at(40)),
      )
      .then([
        {
          type: 'ComplaintPrivacyChanged',
          data: {
            confidential: false,
            anonymous: true,
            previous: { confidential: false, anonymous: false },
            reason: 'Permintaan pelapor',
            by: supervisor.id,
            at: at(40),
          },
        },
      ]);
  });

  it('given RECEIVED, setting flags to what they are records nothing; state follows changes', () => {
    given([received])
      .when(command('SetComplaintPrivacy', { confidential: false, anonymous: false }))
      .then([]);
    given([received]).when(command('SetComplaintPrivacy', {})).then([]);
    const [event] = given([received])
      .when(command('SetComplaintPrivacy', { confidential: true }))
      .events();
    expect(given([received, event!]).state()).toMatchObject({
      status: 'RECEIVED',
      confidential: true,
      anonymous: false,
    });
    given([received])
      .when(command('SetComplaintPrivacy', { confidential: 'ya' as never }))
      .thenThrows('BAD_USER_INPUT', { field: 'confidential' });
  });
});

describe('erasure, in any state', () => {
  it.each(everywhere)('given %s, EraseComplainantData records the subject, once', (status) => {
    const events = given(historyOf[status])
      .when(command('EraseComplainantData', { reason: 'UU PDP pasal 8' }, admin, at(50)))
      .events();
    expect(events).toEqual([
      {
        type: 'ComplainantDataErased',
        data: { subjectId: 'subject-0001', reason: 'UU PDP pasal 8', by: admin.id, at: at(50) },
      },
    ]);
    const after = given([...historyOf[status], ...events]);
    expect(after.state()).toMatchObject({ status, complainant: { subjectId: 'subject-0001', erased: true } });
    after.when(command('EraseComplainantData', { reason: 'ulang' }, admin)).then([]);
  });

  it('given RECEIVED without identity, there is nothing to erase', () => {
    given([{ ...received, data: { ...received.data, complainant: null } }])
      .when(command('EraseComplainantData', { reason: 'x' }, admin))
      .then([]);
  });

  it('given RECEIVED, a reason is required', () => {
    given([received])
      .when(command('EraseComplainantData', { reason: '' }, admin))
      .thenThrows('BAD_USER_INPUT', { field: 'reason' });
  });
});

describe('metadata', () => {
  it('a command without a valid time is BAD_USER_INPUT', () => {
    given([received])
      .when({ ...command('VerifyComplaint', {}), metadata: { now: 'yesterday', actor: officer } })
      .thenThrows('BAD_USER_INPUT', { field: 'metadata.now' });
  });

  it('the sealed complainant in the event is exactly what was given', () => {
    const [event] = given([])
      .when(command('FileComplaint', intake, publicActor))
      .events();
    expect((event!.data as typeof received.data).complainant).toEqual({ subjectId: 'subject-0001', sealed });
  });
});
