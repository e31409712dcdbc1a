import {
  type LetterCommand,
  type LetterEvent,
  type LetterState,
  letterDecider,
} from '../../services/correspondence/domain/letter';
import { authorizeLetterCommand, canSeeLetter } from '../../services/correspondence/access';
import type { Actor } from '../../services/shared/eventstore/types';
import { DomainError } from '../../services/shared/errors';
import { spec } from '../support/decider-spec';

const officer: Actor = { id: 'officer-1', role: 'OFFICER' };
const supervisor: Actor = { id: 'supervisor-1', role: 'SUPERVISOR' };
const picBantul: Actor = { id: 'pic-bantul-1', role: 'AGENCY', agencyId: 'inspektorat-bantul' };
const picSleman: Actor = { id: 'pic-sleman-1', role: 'AGENCY', agencyId: 'inspektorat-sleman' };
const auditor: Actor = { id: 'auditor-1', role: 'AUDITOR' };
const admin: Actor = { id: 'admin-1', role: 'ADMIN' };

const T0 = '2026-03-02T01:00:00.000Z';
const T1 = '2026-03-02T05:00:00.000Z';
const T2 = '2026-03-03T02:00:00.000Z';
const T3 = '2026-03-04T03:00:00.000Z';
const NOW = '2026-03-05T04:00:00.000Z';

const pdf = {
  sha256: 'a'.repeat(64),
  filename: 'surat-tindak-lanjut.pdf',
  mediaType: 'application/pdf',
  size: 48213,
};

function command<C extends LetterCommand>(
  type: C['type'],
  data: C['data'],
  actor: Actor = officer,
  now = NOW,
): C {
  return { type, data, metadata: { now, actor } } as C;
}

const draftCommand = command<LetterCommand>(
  'DraftLetter',
  {
    letterId: 'letter-1',
    kind: 'FOLLOW_UP_REQUEST',
    agencyId: 'inspektorat-bantul',
    complaintIds: ['c-1', 'c-2'],
    subject: 'Permintaan tindak lanjut pengaduan',
    body: 'Dengan hormat, ...',
    attachments: [{ ...pdf, sha256: 'A'.repeat(64) }],
    signer: { name: 'Asisten Deputi Pengaduan Masyarakat', position: 'Asdep' },
  },
  officer,
  T0,
);

const drafted: LetterEvent = {
  type: 'LetterDrafted',
  data: {
    letterId: 'letter-1',
    kind: 'FOLLOW_UP_REQUEST',
    agencyId: 'inspektorat-bantul',
    subject: 'Permintaan tindak lanjut pengaduan',
    body: 'Dengan hormat, ...',
    complaintIds: ['c-1', 'c-2'],
    attachments: [pdf],
    signer: { name: 'Asisten Deputi Pengaduan Masyarakat', position: 'Asdep' },
    draftedBy: 'officer-1',
    draftedAt: T0,
  },
};
const approved: LetterEvent = {
  type: 'LetterApproved',
  data: { letterId: 'letter-1', approvedBy: 'supervisor-1', approvedAt: T1 },
};
const numbered: LetterEvent = {
  type: 'LetterNumberAssigned',
  data: {
    letterId: 'letter-1',
    number: 'B-7/Kemensetneg/D-4/PM.00.01/03/2026',
    year: 2026,
    sequence: 7,
    register: 'letterno-2026',
    assignedAt: T1,
  },
};
const sent: LetterEvent = {
  type: 'LetterSent',
  data: {
    letterId: 'letter-1',
    channel: 'EOFFICE',
    sentBy: 'officer-1',
    eOfficeNumber: 'SRK-2026-0042',
    sentAt: T2,
  },
};
const delivered: LetterEvent = {
  type: 'LetterDelivered',
  data: { letterId: 'letter-1', deliveredAt: T2, recordedBy: 'officer-1' },
};
const acknowledged: LetterEvent = {
  type: 'LetterAcknowledged',
  data: { letterId: 'letter-1', acknowledgedBy: 'pic-bantul-1', acknowledgedAt: T3 },
};
const replied: LetterEvent = {
  type: 'LetterReplied',
  data: { letterId: 'letter-1', replyLetterId: 'reply-1', repliedAt: T3 },
};
const replyRegistered: LetterEvent = {
  type: 'AgencyReplyRegistered',
  data: {
    letterId: 'reply-1',
    kind: 'AGENCY_REPLY',
    agencyId: 'inspektorat-bantul',
    subject: 'Laporan hasil tindak lanjut',
    body: 'Menindaklanjuti surat ...',
    complaintIds: ['c-1'],
    attachments: [pdf],
    relatedLetterId: 'letter-1',
    agencyLetterNumber: '700/123/Itda/2026',
    registeredBy: 'pic-bantul-1',
    receivedAt: T3,
  },
};
const replyAcknowledged: LetterEvent = {
  type: 'LetterAcknowledged',
  data: { letterId: 'reply-1', acknowledgedBy: 'officer-1', acknowledgedAt: NOW },
};

/** The histories that bring an outbound follow-up request and an inbound reply to each state. */
const outbound = {
  DRAFT: [drafted],
  APPROVED_UNNUMBERED: [drafted, approved],
  APPROVED: [drafted, approved, numbered],
  SENT: [drafted, approved, numbered, sent],
  DELIVERED: [drafted, approved, numbered, sent, delivered],
  ACKNOWLEDGED: [drafted, approved, numbered, sent, delivered, acknowledged],
  REPLIED: [drafted, approved, numbered, sent, delivered, acknowledged, replied],
} as const;
const inbound = {
  DELIVERED: [replyRegistered],
  ACKNOWLEDGED: [replyRegistered, replyAcknowledged],
} as const;

const every = {
  draft: draftCommand,
  registerReply: command<LetterCommand>(
    'RegisterAgencyReply',
    {
      letterId: 'reply-1',
      agencyId: 'inspektorat-bantul',
      complaintIds: ['c-1'],
      subject: 'Laporan hasil tindak lanjut',
      body: 'Menindaklanjuti surat ...',
      attachments: [pdf],
      relatedLetterId: 'letter-1',
      agencyLetterNumber: '700/123/Itda/2026',
      receivedAt: T3,
    },
    picBantul,
  ),
  revise: command<LetterCommand>('ReviseLetter', { body: 'Dengan hormat, (revisi)' }),
  approve: command<LetterCommand>('ApproveLetter', {}, supervisor),
  assign: command<LetterCommand>(
    'AssignLetterNumber',
    {
      number: 'B-8/Kemensetneg/D-4/PM.00.01/03/2026',
      year: 2026,
      sequence: 8,
      register: 'letterno-2026',
    },
    supervisor,
  ),
  sign: command<LetterCommand>('SignLetter', { signatureReference: 'BSrE-TTE-9f2c' }, supervisor),
  send: command<LetterCommand>('SendLetter', { channel: 'EMAIL', messageId: '<m1@setneg.go.id>' }),
  deliver: command<LetterCommand>('MarkLetterDelivered', {}),
  acknowledge: command<LetterCommand>('AcknowledgeLetter', {}, picBantul),
  recordReply: command<LetterCommand>('RecordLetterReply', { replyLetterId: 'reply-2' }),
};
type CommandName = keyof typeof every;

/** Every legal (state, command) pair; every other pair must be an INVALID_TRANSITION. */
const legal: Record<string, readonly CommandName[]> = {
  'outbound ABSENT': ['draft', 'registerReply'],
  'outbound DRAFT': ['revise', 'approve'],
  'outbound APPROVED_UNNUMBERED': ['assign', 'sign'],
  'outbound APPROVED': ['assign', 'sign', 'send'],
  'outbound SENT': ['assign', 'deliver', 'acknowledge', 'recordReply'],
  'outbound DELIVERED': ['assign', 'acknowledge', 'recordReply'],
  'outbound ACKNOWLEDGED': ['assign', 'recordReply'],
  'outbound REPLIED': ['assign', 'recordReply'],
  'inbound DELIVERED': ['acknowledge'],
  'inbound ACKNOWLEDGED': [],
};
const histories: Record<string, readonly LetterEvent[]> = {
  'outbound ABSENT': [],
  ...Object.fromEntries(Object.entries(outbound).map(([k, v]) => [`outbound ${k}`, v])),
  ...Object.fromEntries(Object.entries(inbound).map(([k, v]) => [`inbound ${k}`, v])),
};

describe('letter decider: the transition matrix', () => {
  const cases = Object.keys(histories).flatMap((start) =>
    (Object.keys(every) as CommandName[])
      .filter((name) => !legal[start]!.includes(name))
      .map((name) => [start, name] as const),
  );

  it.each(cases)('given %s, refuses %s as INVALID_TRANSITION naming the states', (start, name) => {
    const state = spec(letterDecider).given(histories[start]!).state();
    let thrown: unknown;
    try {
      letterDecider.decide(every[name], state);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect((thrown as DomainError).code).toBe('INVALID_TRANSITION');
    expect((thrown as DomainError).details.currentState).toBe(state.status);
    expect((thrown as DomainError).message).toContain(`when the state is ${state.status}`);
  });
});

describe('letter decider', () => {
  describe('given no letter', () => {
    const given = spec(letterDecider).given([]);

    it('drafts a follow-up request, normalising the attachment hash', () => {
      given.when(draftCommand).then([drafted]);
      expect(spec(letterDecider).given([drafted]).state()).toMatchObject({
        status: 'DRAFT',
        direction: 'OUTBOUND',
        timestamps: { DRAFT: T0 },
      });
    });

    it('drafts a complainant notice without an agency', () => {
      const events = given
        .when({
          ...draftCommand,
          data: { ...draftCommand.data, kind: 'COMPLAINANT_NOTICE', agencyId: undefined },
        } as LetterCommand)
        .events();
      expect(events[0]).toMatchObject({ type: 'LetterDrafted', data: { kind: 'COMPLAINANT_NOTICE' } });
      expect('agencyId' in events[0]!.data).toBe(false);
    });

    it.each([
      ['a follow-up request without an agency', { agencyId: undefined }, 'agencyId'],
      ['an AGENCY_REPLY draft', { kind: 'AGENCY_REPLY' }, 'kind'],
      ['an unknown kind', { kind: 'MEMO' }, 'kind'],
      ['no complaint', { complaintIds: [] }, 'complaintIds'],
      ['a complaint twice', { complaintIds: ['c-1', 'c-1'] }, 'complaintIds'],
      ['an empty subject', { subject: '' }, 'subject'],
      ['an empty body', { body: ' ' }, 'body'],
      ['a bad letter id', { letterId: 'a b' }, 'letterId'],
      ['a bad hash', { attachments: [{ ...pdf, sha256: 'xyz' }] }, 'attachments[0]'],
      ['a repeated attachment', { attachments: [pdf, { ...pdf, filename: 'again.pdf' }] }, 'attachments[1]'],
      [
        'a path in a filename',
        { attachments: [{ ...pdf, filename: '../etc/passwd' }] },
        'attachments[0].filename',
      ],
      ['a bad media type', { attachments: [{ ...pdf, mediaType: 'pdf' }] }, 'attachments[0].mediaType'],
      ['an empty file', { attachments: [{ ...pdf, size: 0 }] }, 'attachments[0].size'],
      ['a reference to itself', { relatedLetterId: 'letter-1' }, 'relatedLetterId'],
      ['a signer without a position', { signer: { name: 'x', position: '' } }, 'signer.position'],
    ])('refuses %s as BAD_USER_INPUT', (_what, patch, field) => {
      given
        .when({ ...draftCommand, data: { ...draftCommand.data, ...patch } } as LetterCommand)
        .thenThrows('BAD_USER_INPUT', { field });
    });

    it('registers an inbound agency reply directly as DELIVERED', () => {
      given.when(every.registerReply).then([replyRegistered]);
      expect(spec(letterDecider).given([replyRegistered]).state()).toMatchObject({
        status: 'DELIVERED',
        direction: 'INBOUND',
        kind: 'AGENCY_REPLY',
        agencyReference: { agencyLetterNumber: '700/123/Itda/2026', registeredBy: 'pic-bantul-1' },
        timestamps: { DELIVERED: T3 },
      });
    });

    it('refuses a reply received in the future', () => {
      given
        .when({
          ...every.registerReply,
          data: { ...every.registerReply.data, receivedAt: '2026-04-01T00:00:00Z' },
        } as LetterCommand)
        .thenThrows('BAD_USER_INPUT', { field: 'receivedAt' });
    });
  });

  describe('given a DRAFT letter', () => {
    const given = spec(letterDecider).given(outbound.DRAFT);

    it('is revised with the complete new content', () => {
      given.when(every.revise).then([
        {
          type: 'LetterRevised',
          data: {
            letterId: 'letter-1',
            subject: 'Permintaan tindak lanjut pengaduan',
            body: 'Dengan hormat, (revisi)',
            complaintIds: ['c-1', 'c-2'],
            attachments: [pdf],
            signer: { name: 'Asisten Deputi Pengaduan Masyarakat', position: 'Asdep' },
            revisedBy: 'officer-1',
            revisedAt: NOW,
          },
        },
      ]);
    });

    it('drops the signer when revised with signer null', () => {
      const events = given.when(command('ReviseLetter', { signer: null })).events();
      const state = spec(letterDecider)
        .given([...outbound.DRAFT, ...events])
        .state();
      expect(state.status === 'DRAFT' && state.signer).toBeUndefined();
    });

    it('decides nothing for a revision that changes nothing', () => {
      given.when(command('ReviseLetter', { subject: 'Permintaan tindak lanjut pengaduan' })).then([]);
    });

    it('refuses an empty revision and a revision that removes every complaint', () => {
      given.when(command('ReviseLetter', {})).thenThrows('BAD_USER_INPUT');
      given
        .when(command('ReviseLetter', { complaintIds: [] }))
        .thenThrows('BAD_USER_INPUT', { field: 'complaintIds' });
    });

    it('is approved, with the signature reference when given', () => {
      given.when(command('ApproveLetter', { signatureReference: 'BSrE-1' }, supervisor, T1)).then([
        {
          type: 'LetterApproved',
          data: {
            letterId: 'letter-1',
            approvedBy: 'supervisor-1',
            approvedAt: T1,
            signatureReference: 'BSrE-1',
          },
        },
      ]);
    });
  });

  describe('given an APPROVED letter without its number yet', () => {
    const given = spec(letterDecider).given(outbound.APPROVED_UNNUMBERED);

    it('takes the number the numbering service reserved', () => {
      given
        .when(
          command(
            'AssignLetterNumber',
            { ...numbered.data, register: 'letterno-2026' } as never,
            supervisor,
            T1,
          ),
        )
        .then([numbered]);
    });

    it('cannot be sent until numbered', () => {
      given.when(every.send).thenThrows('INVALID_TRANSITION', { currentState: 'APPROVED' });
    });

    it('refuses a nonsense number', () => {
      given
        .when(
          command('AssignLetterNumber', { number: 'x', year: 2026, sequence: 0, register: 'letterno-2026' }),
        )
        .thenThrows('BAD_USER_INPUT');
    });
  });

  describe('given an APPROVED numbered letter', () => {
    const given = spec(letterDecider).given(outbound.APPROVED);

    it('has its number and approval in state', () => {
      expect(given.state()).toMatchObject({
        status: 'APPROVED',
        number: { number: 'B-7/Kemensetneg/D-4/PM.00.01/03/2026', sequence: 7, year: 2026 },
        approval: { approvedBy: 'supervisor-1', approvedAt: T1 },
        timestamps: { DRAFT: T0, APPROVED: T1 },
      });
    });

    it('treats the same number again as a completed reservation', () => {
      given.when(command('AssignLetterNumber', { ...numbered.data } as never, supervisor)).then([]);
    });

    it('refuses a different number as a CONFLICT', () => {
      given.when(every.assign).thenThrows('CONFLICT');
    });

    it('records the electronic signature once', () => {
      given.when(every.sign).then([
        {
          type: 'LetterSigned',
          data: { letterId: 'letter-1', signatureReference: 'BSrE-TTE-9f2c', signedAt: NOW },
        },
      ]);
      const signed = spec(letterDecider).given([...outbound.APPROVED, ...given.when(every.sign).events()]);
      signed.when(every.sign).then([]);
      signed
        .when(command('SignLetter', { signatureReference: 'other' }, supervisor))
        .thenThrows('INVALID_TRANSITION', { currentState: 'APPROVED' });
    });

    it('is sent', () => {
      given
        .when(command('SendLetter', { channel: 'EOFFICE', eOfficeNumber: 'SRK-2026-0042' }, officer, T2))
        .then([sent]);
    });

    it('refuses an unknown channel', () => {
      given
        .when(command('SendLetter', { channel: 'PIGEON' as never }))
        .thenThrows('BAD_USER_INPUT', { field: 'channel' });
    });
  });

  describe('given a SENT letter', () => {
    const given = spec(letterDecider).given(outbound.SENT);

    it('is marked delivered', () => {
      given.when(command('MarkLetterDelivered', { deliveredAt: T2 })).then([delivered]);
    });

    it('refuses a delivery before the sending or in the future', () => {
      given
        .when(command('MarkLetterDelivered', { deliveredAt: T1 }))
        .thenThrows('BAD_USER_INPUT', { field: 'deliveredAt' });
      given
        .when(command('MarkLetterDelivered', { deliveredAt: '2027-01-01T00:00:00Z' }))
        .thenThrows('BAD_USER_INPUT', { field: 'deliveredAt' });
    });

    it('is acknowledged by the PIC before any delivery receipt', () => {
      const events = given.when(command('AcknowledgeLetter', {}, picBantul, T3)).events();
      expect(events).toEqual([acknowledged]);
      expect(
        spec(letterDecider)
          .given([...outbound.SENT, ...events])
          .state().status,
      ).toBe('ACKNOWLEDGED');
    });

    it('is replied to directly', () => {
      const events = given
        .when(command('RecordLetterReply', { replyLetterId: 'reply-1' }, officer, T3))
        .events();
      expect(events).toEqual([replied]);
      expect(
        spec(letterDecider)
          .given([...outbound.SENT, ...events])
          .state(),
      ).toMatchObject({
        status: 'REPLIED',
        replyLetterIds: ['reply-1'],
      });
    });
  });

  describe('given a DELIVERED letter', () => {
    const given = spec(letterDecider).given(outbound.DELIVERED);

    it('is acknowledged', () => {
      given.when(command('AcknowledgeLetter', {}, picBantul, T3)).then([acknowledged]);
    });

    it('is replied to', () => {
      given.when(command('RecordLetterReply', { replyLetterId: 'reply-1' }, officer, T3)).then([replied]);
    });
  });

  describe('given an ACKNOWLEDGED letter', () => {
    const given = spec(letterDecider).given(outbound.ACKNOWLEDGED);

    it('is replied to', () => {
      given.when(command('RecordLetterReply', { replyLetterId: 'reply-1' }, picBantul, T3)).then([replied]);
    });

    it('refuses a reply that is the letter itself', () => {
      given.when(command('RecordLetterReply', { replyLetterId: 'letter-1' })).thenThrows('BAD_USER_INPUT');
    });
  });

  describe('given a REPLIED letter', () => {
    const given = spec(letterDecider).given(outbound.REPLIED);

    it('records a further progress report and stays REPLIED at the first reply time', () => {
      const events = given.when(every.recordReply).events();
      expect(events).toEqual([
        { type: 'LetterReplied', data: { letterId: 'letter-1', replyLetterId: 'reply-2', repliedAt: NOW } },
      ]);
      expect(
        spec(letterDecider)
          .given([...outbound.REPLIED, ...events])
          .state(),
      ).toMatchObject({
        status: 'REPLIED',
        replyLetterIds: ['reply-1', 'reply-2'],
        timestamps: { DRAFT: T0, APPROVED: T1, SENT: T2, DELIVERED: T2, ACKNOWLEDGED: T3, REPLIED: T3 },
      });
    });

    it('treats the same reply again as a retry', () => {
      given.when(command('RecordLetterReply', { replyLetterId: 'reply-1' })).then([]);
    });
  });

  describe('given a SENT complainant notice', () => {
    const notice = [
      { ...drafted, data: { ...drafted.data, kind: 'COMPLAINANT_NOTICE' } } as LetterEvent,
      approved,
      numbered,
      sent,
    ];
    const given = spec(letterDecider).given(notice);

    it('is delivered', () => {
      expect(given.when(every.deliver).events()).toHaveLength(1);
    });

    it('is never acknowledged or replied to', () => {
      given
        .when(every.acknowledge)
        .thenThrows('INVALID_TRANSITION', { currentState: 'SENT', kind: 'COMPLAINANT_NOTICE' });
      given.when(every.recordReply).thenThrows('INVALID_TRANSITION', { currentState: 'SENT' });
    });
  });

  describe('given a DELIVERED agency reply', () => {
    const given = spec(letterDecider).given(inbound.DELIVERED);

    it('is acknowledged by Kemensetneg staff', () => {
      given.when(command('AcknowledgeLetter', {}, officer)).then([replyAcknowledged]);
    });

    it('is never replied to: an answer is a new letter', () => {
      given
        .when(every.recordReply)
        .thenThrows('INVALID_TRANSITION', { currentState: 'DELIVERED', kind: 'AGENCY_REPLY' });
    });
  });
});

describe('authorizeLetterCommand', () => {
  const state = (events: readonly LetterEvent[]): LetterState => spec(letterDecider).given(events).state();
  const allowed = (actor: Actor | undefined, c: LetterCommand, events: readonly LetterEvent[]) => {
    try {
      authorizeLetterCommand(actor, c, state(events));
      return true;
    } catch (err) {
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).code).toBe('FORBIDDEN');
      return false;
    }
  };

  it('lets only a SUPERVISOR approve and sign', () => {
    expect(allowed(supervisor, every.approve, outbound.DRAFT)).toBe(true);
    for (const a of [officer, picBantul, auditor, admin])
      expect(allowed(a, every.approve, outbound.DRAFT)).toBe(false);
    expect(allowed(supervisor, every.sign, outbound.APPROVED)).toBe(true);
    expect(allowed(officer, every.sign, outbound.APPROVED)).toBe(false);
  });

  it('lets OFFICER and SUPERVISOR draft, revise, send and record delivery, and nobody else', () => {
    for (const [c, events] of [
      [every.draft, []],
      [every.revise, outbound.DRAFT],
      [every.send, outbound.APPROVED],
      [every.deliver, outbound.SENT],
    ] as const) {
      expect(allowed(officer, c, events)).toBe(true);
      expect(allowed(supervisor, c, events)).toBe(true);
      for (const a of [picBantul, auditor, admin, undefined]) expect(allowed(a, c, events)).toBe(false);
    }
  });

  it('lets no caller pick a letter number', () => {
    for (const a of [officer, supervisor, picBantul, admin])
      expect(allowed(a, every.assign, outbound.APPROVED_UNNUMBERED)).toBe(false);
  });

  it("lets only the addressed agency's PIC acknowledge a sent letter", () => {
    expect(allowed(picBantul, every.acknowledge, outbound.SENT)).toBe(true);
    expect(allowed(picSleman, every.acknowledge, outbound.SENT)).toBe(false);
    expect(allowed(officer, every.acknowledge, outbound.SENT)).toBe(false);
    // drafts and unsent approvals do not exist for agencies
    expect(allowed(picBantul, every.acknowledge, outbound.DRAFT)).toBe(false);
    expect(allowed(picBantul, every.acknowledge, outbound.APPROVED)).toBe(false);
  });

  it('lets staff, not the agency, acknowledge an inbound reply', () => {
    expect(allowed(officer, every.acknowledge, inbound.DELIVERED)).toBe(true);
    expect(allowed(supervisor, every.acknowledge, inbound.DELIVERED)).toBe(true);
    expect(allowed(picBantul, every.acknowledge, inbound.DELIVERED)).toBe(false);
  });

  it('lets a PIC register replies only in its own agency name, and an officer on its behalf', () => {
    expect(allowed(picBantul, every.registerReply, [])).toBe(true);
    expect(allowed(picSleman, every.registerReply, [])).toBe(false);
    expect(allowed(officer, every.registerReply, [])).toBe(true);
    expect(allowed(auditor, every.registerReply, [])).toBe(false);
  });

  it('lets a PIC record a reply only on its own sent letters', () => {
    expect(allowed(picBantul, every.recordReply, outbound.DELIVERED)).toBe(true);
    expect(allowed(picSleman, every.recordReply, outbound.DELIVERED)).toBe(false);
    expect(allowed(officer, every.recordReply, outbound.DELIVERED)).toBe(true);
  });

  it('never puts letter content in the refusal', () => {
    try {
      authorizeLetterCommand(picSleman, every.acknowledge, state(outbound.SENT));
    } catch (err) {
      expect((err as Error).message).not.toContain('Permintaan');
      expect((err as Error).message).not.toContain('c-1');
    }
    expect.assertions(2);
  });
});

describe('canSeeLetter', () => {
  const letter = { agencyId: 'inspektorat-bantul', kind: 'FOLLOW_UP_REQUEST' };

  it('hides drafts and approvals from agencies, and other agencies letters always', () => {
    expect(canSeeLetter(picBantul, { ...letter, status: 'DRAFT' })).toBe(false);
    expect(canSeeLetter(picBantul, { ...letter, status: 'APPROVED' })).toBe(false);
    expect(canSeeLetter(picBantul, { ...letter, status: 'SENT' })).toBe(true);
    expect(canSeeLetter(picSleman, { ...letter, status: 'SENT' })).toBe(false);
    expect(canSeeLetter(officer, { ...letter, status: 'DRAFT' })).toBe(true);
    expect(canSeeLetter(auditor, { ...letter, status: 'DRAFT' })).toBe(true);
    expect(canSeeLetter(undefined, { ...letter, status: 'SENT' })).toBe(false);
  });
});
