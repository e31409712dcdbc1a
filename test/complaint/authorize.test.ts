import { authorizeComplaintCommand } from '../../services/complaint/access';
import {
  type ComplaintCommand,
  complaintDecider,
  type ComplaintState,
} from '../../services/complaint/domain';
import { DomainError } from '../../services/shared/errors';
import type { Actor } from '../../services/shared/eventstore/types';
import {
  admin,
  auditor,
  bantulPic,
  command,
  historyOf,
  intake,
  officer,
  publicActor,
  slemanPic,
  supervisor,
} from './fixtures';

const stateOf = (status: keyof typeof historyOf): ComplaintState =>
  historyOf[status].reduce(complaintDecider.evolve, complaintDecider.initialState());

function outcome(cmd: ComplaintCommand, actor: Actor | null, state: ComplaintState): string {
  try {
    authorizeComplaintCommand(cmd, actor, state);
    return 'allowed';
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    return err.code;
  }
}

const diyPic: Actor = { id: 'pic-diy', role: 'AGENCY', agencyId: 'inspektorat-diy' };

describe('authorizeComplaintCommand', () => {
  const forwarded = stateOf('FORWARDED');
  const responded = stateOf('RESPONDED');

  it('lets the public file on the web form, and nothing else', () => {
    expect(outcome(command('FileComplaint', intake, publicActor), null, stateOf('NONE'))).toBe('allowed');
    expect(outcome(command('ReceiveComplaint', { ...intake, channel: 'EMAIL' }), null, stateOf('NONE'))).toBe(
      'UNAUTHENTICATED',
    );
    expect(outcome(command('VerifyComplaint', {}), null, stateOf('RECEIVED'))).toBe('UNAUTHENTICATED');
  });

  it.each([
    ['VerifyComplaint', command('VerifyComplaint', {}), 'RECEIVED'],
    ['RejectComplaint', command('RejectComplaint', { reason: 'OUT_OF_SCOPE', note: 'x' }), 'RECEIVED'],
    ['ForwardComplaint', command('ForwardComplaint', { agencyIds: ['inspektorat-diy'] }), 'VERIFIED'],
    ['SetComplaintPrivacy', command('SetComplaintPrivacy', { anonymous: true }), 'RECEIVED'],
  ] as const)('%s: OFFICER and SUPERVISOR yes; AGENCY, AUDITOR, ADMIN no', (_, cmd, status) => {
    const state = stateOf(status);
    expect([officer, supervisor, bantulPic, auditor, admin].map((a) => outcome(cmd, a, state))).toEqual([
      'allowed',
      'allowed',
      'FORBIDDEN',
      'FORBIDDEN',
      'FORBIDDEN',
    ]);
  });

  it.each([
    ['ResolveComplaint', command('ResolveComplaint', { resolution: 'x' }), 'RESPONDED'],
    ['CloseComplaint', command('CloseComplaint', {}), 'RESOLVED'],
    ['ReopenComplaint', command('ReopenComplaint', { reason: 'x' }), 'CLOSED'],
  ] as const)('%s: SUPERVISOR only', (_, cmd, status) => {
    const state = stateOf(status);
    expect([supervisor, officer, bantulPic, auditor, admin].map((a) => outcome(cmd, a, state))).toEqual([
      'allowed',
      'FORBIDDEN',
      'FORBIDDEN',
      'FORBIDDEN',
      'FORBIDDEN',
    ]);
  });

  it('EraseComplainantData: ADMIN only', () => {
    const cmd = command('EraseComplainantData', { reason: 'UU PDP' });
    expect([admin, supervisor, officer, auditor].map((a) => outcome(cmd, a, responded))).toEqual([
      'allowed',
      'FORBIDDEN',
      'FORBIDDEN',
      'FORBIDDEN',
    ]);
  });

  it('AcknowledgeComplaint: only the focal point of an agency it was forwarded to, for that agency', () => {
    const ack = (agencyId: string) => command('AcknowledgeComplaint', { agencyId });
    expect(outcome(ack('inspektorat-bantul'), bantulPic, forwarded)).toBe('allowed');
    expect(outcome(ack('inspektorat-sleman'), bantulPic, forwarded)).toBe('FORBIDDEN');
    expect(outcome(ack('inspektorat-diy'), diyPic, forwarded)).toBe('FORBIDDEN');
    expect(outcome(ack('inspektorat-bantul'), officer, forwarded)).toBe('FORBIDDEN');
    expect(outcome(ack('inspektorat-bantul'), { id: 'x', role: 'AGENCY' }, forwarded)).toBe('FORBIDDEN');
  });

  it('RecordAgencyResponse: the agency itself, or an officer recording its letter', () => {
    const respond = command('RecordAgencyResponse', { agencyId: 'inspektorat-sleman', response: 'x' });
    expect(outcome(respond, slemanPic, forwarded)).toBe('allowed');
    expect(outcome(respond, officer, forwarded)).toBe('allowed');
    expect(outcome(respond, bantulPic, forwarded)).toBe('FORBIDDEN');
    expect(outcome(respond, auditor, forwarded)).toBe('FORBIDDEN');
  });

  it('an AGENCY may do nothing else, even on its own complaint', () => {
    expect(outcome(command('SetComplaintPrivacy', { anonymous: false }), bantulPic, forwarded)).toBe(
      'FORBIDDEN',
    );
    expect(outcome(command('ResolveComplaint', { resolution: 'x' }), bantulPic, responded)).toBe('FORBIDDEN');
  });

  it('messages name roles and agencies, never complaint content', () => {
    try {
      authorizeComplaintCommand(command('VerifyComplaint', {}), auditor, stateOf('RECEIVED'));
    } catch (err) {
      expect((err as Error).message).toBe('role AUDITOR may not verify a complaint');
    }
  });
});
