/**
 * The access seam: the shared agency-scope rule, the guard the CommandHandler runs on the state a
 * command is decided on, and each subgraph's role table and visibility rules (services/<subgraph>/access.ts),
 * given/when/then.
 */
import { caseEventFor, caseEventScope } from '../../services/audit/access';
import { complaintGuard } from '../../services/complaint/access';
import { complaintDecider, complaintStreamId } from '../../services/complaint/domain';
import { agencyGuard, authorizeNewLetter, letterGuard } from '../../services/correspondence/access';
import { LetterNumbering } from '../../services/correspondence/numbering';
import {
  agencyDecider,
  agencyStreamId,
  type LetterCommand,
  letterDecider,
  letterStreamId,
} from '../../services/correspondence/domain';
import { evaluationGuard, listedAgencyFor } from '../../services/evaluation/access';
import { evaluationDecider, evaluationStreamId } from '../../services/evaluation/domain/evaluation';
import { inAgencyScope, inAgencyScopeOfAny } from '../../services/shared/access';
import { AccessCodeHasher, generateAccessCode, plausibleAccessCode } from '../../services/shared/access-code';
import type { Principal } from '../../services/shared/auth';
import { CommandHandler } from '../../services/shared/decider';
import { DomainError } from '../../services/shared/errors';
import type { Actor } from '../../services/shared/eventstore/types';
import { MemoryEventStore } from '../../services/shared/eventstore/memory';
import {
  admin,
  auditor,
  bantulPic,
  command,
  historyOf,
  officer,
  slemanPic,
  supervisor,
} from '../complaint/fixtures';

const NOW = '2026-03-02T01:00:00.000Z';
const noAgency: Actor = { id: 'pic-x', role: 'AGENCY' };

/** The refusal a call throws, as `CODE: message`, or 'allowed'. */
async function outcome(run: () => unknown): Promise<string> {
  try {
    await run();
    return 'allowed';
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    return `${err.code}: ${err.message}`;
  }
}

describe('the agency-scope rule', () => {
  it('lets staff reach every agency’s things and a focal point only its own agency’s', () => {
    for (const staff of [officer, supervisor, auditor, admin]) {
      expect(inAgencyScope(staff, 'inspektorat-sleman')).toBe(true);
      expect(inAgencyScope(staff, undefined)).toBe(true);
    }
    expect(inAgencyScope(bantulPic, 'inspektorat-bantul')).toBe(true);
    expect(inAgencyScope(bantulPic, 'inspektorat-sleman')).toBe(false);
    expect(inAgencyScope(bantulPic, undefined)).toBe(false);
    expect(inAgencyScope(noAgency, undefined)).toBe(false);
    expect(inAgencyScopeOfAny(bantulPic, ['inspektorat-sleman', 'inspektorat-bantul'])).toBe(true);
    expect(inAgencyScopeOfAny(slemanPic, ['inspektorat-bantul'])).toBe(false);
    expect(inAgencyScopeOfAny(noAgency, [])).toBe(false);
  });
});

describe('a guarded CommandHandler', () => {
  it('given a complaint forwarded to Bantul and Sleman, when another agency acts with a stale version, then NOT_FOUND before CONFLICT and nothing is written', async () => {
    const store = new MemoryEventStore();
    const stream = complaintStreamId('c-0001');
    await store.append(
      stream,
      historyOf.FORWARDED.map((e, i) => ({
        id: `e-${i}`,
        type: e.type,
        data: e.data,
        metadata: { occurredAt: NOW },
      })),
      { expectedRevision: 'no_stream' },
    );
    const handler = new CommandHandler(store, complaintDecider, complaintGuard);
    const diy: Actor = { id: 'pic-diy', role: 'AGENCY', agencyId: 'inspektorat-diy' };
    const ack = command('AcknowledgeComplaint', { agencyId: 'inspektorat-diy' }, diy);
    expect(await outcome(() => handler.handle(stream, ack, { expectedRevision: 0 }))).toBe(
      'NOT_FOUND: complaint not found',
    );
    // A caller who may act still meets the version check.
    const own = command('AcknowledgeComplaint', { agencyId: 'inspektorat-bantul' }, bantulPic);
    expect(await outcome(() => handler.handle(stream, own, { expectedRevision: 0 }))).toMatch(/^CONFLICT/);
    expect(await store.streamRevision(stream)).toBe(2);
    // ... and acts on the state it read, once.
    expect(await outcome(() => handler.handle(stream, own, { expectedRevision: 2 }))).toBe('allowed');
  });
});

describe('correspondence access', () => {
  const store = new MemoryEventStore();
  const system = new CommandHandler(store, letterDecider);
  const guarded = new CommandHandler(store, letterDecider, letterGuard);
  const letter = (type: LetterCommand['type'], data: unknown, actor: Actor): LetterCommand =>
    ({ type, data, metadata: { now: NOW, actor } }) as LetterCommand;
  const draft = (id: string) =>
    system.handle(
      letterStreamId(id),
      letter(
        'DraftLetter',
        {
          letterId: id,
          kind: 'FOLLOW_UP_REQUEST',
          agencyId: 'inspektorat-bantul',
          complaintIds: ['c-0001'],
          subject: 'Permintaan tindak lanjut',
          body: 'Dengan hormat',
        },
        officer,
      ),
    );

  it('given a draft to Bantul, when its focal point acts on it, then the draft does not exist for it', async () => {
    await draft('d-1');
    const revise = letter('ReviseLetter', { body: 'x' }, bantulPic);
    expect(await outcome(() => guarded.handle(letterStreamId('d-1'), revise))).toBe(
      'NOT_FOUND: letter d-1 not found',
    );
    expect(
      await outcome(() => guarded.handle(letterStreamId('d-1'), letter('ApproveLetter', {}, bantulPic))),
    ).toBe('NOT_FOUND: letter d-1 not found');
  });

  it('given no letter, when anyone but a drafter acts, then NOT_FOUND naming the letter', async () => {
    const send = letter('SendLetter', { channel: 'EMAIL' }, officer);
    expect(await outcome(() => guarded.handle(letterStreamId('none'), send))).toBe(
      'NOT_FOUND: letter none not found',
    );
    expect(
      await outcome(() => new LetterNumbering(store).approve('none', { actor: supervisor, now: NOW })),
    ).toBe('NOT_FOUND: letter none not found');
  });

  it('keeps the role table: who may run which letter command on a draft', async () => {
    await draft('d-2');
    const table: Record<string, Record<string, string>> = {};
    for (const actor of [officer, supervisor, auditor, admin]) {
      for (const [type, data] of [
        ['ReviseLetter', { body: `revised by ${actor.role}` }],
        ['SignLetter', { signatureReference: 'BSrE-1' }],
      ] as const) {
        const result = await outcome(() =>
          guarded.handle(letterStreamId('d-2'), letter(type, data, actor)).catch((err: unknown) => {
            // Refused by the letter's state, not by the access rules: the role was let through.
            if (err instanceof DomainError && err.code === 'INVALID_TRANSITION') return;
            throw err;
          }),
        );
        table[actor.role] = { ...table[actor.role], [type]: result.split(':')[0]! };
      }
    }
    expect(table).toEqual({
      OFFICER: { ReviseLetter: 'allowed', SignLetter: 'FORBIDDEN' },
      SUPERVISOR: { ReviseLetter: 'allowed', SignLetter: 'allowed' },
      AUDITOR: { ReviseLetter: 'FORBIDDEN', SignLetter: 'FORBIDDEN' },
      ADMIN: { ReviseLetter: 'FORBIDDEN', SignLetter: 'FORBIDDEN' },
    });
  });

  it('asks for a new letter before anything is stored: a focal point registers replies for its own agency only', async () => {
    expect(
      await outcome(() => authorizeNewLetter(bantulPic, 'RegisterAgencyReply', 'inspektorat-bantul')),
    ).toBe('allowed');
    expect(
      await outcome(() => authorizeNewLetter(bantulPic, 'RegisterAgencyReply', 'inspektorat-sleman')),
    ).toBe('FORBIDDEN: a focal point registers replies only for its own agency');
    expect(await outcome(() => authorizeNewLetter(bantulPic, 'DraftLetter'))).toBe(
      'FORBIDDEN: the AGENCY role may not draft letters',
    );
  });

  it('keeps the directory to ADMIN, and an absent agency is NOT_FOUND', async () => {
    const agencies = new CommandHandler(store, agencyDecider, agencyGuard);
    const suspend = (actor: Actor) =>
      ({
        type: 'SuspendAgency',
        data: { agencyId: 'nowhere', reason: 'audit' },
        metadata: { now: NOW, actor },
      }) as Parameters<typeof agencies.handle>[1];
    expect(await outcome(() => agencies.handle(agencyStreamId('nowhere'), suspend(officer)))).toBe(
      'FORBIDDEN: this needs the role ADMIN; the caller is OFFICER',
    );
    expect(await outcome(() => agencies.handle(agencyStreamId('nowhere'), suspend(admin)))).toBe(
      'NOT_FOUND: agency nowhere not found',
    );
  });
});

describe('evaluation access', () => {
  const store = new MemoryEventStore();
  const rounds = new CommandHandler(store, evaluationDecider, evaluationGuard);
  const kpis = { agencyId: 'inspektorat-bantul' } as Record<string, unknown>;

  it('given a round of Bantul, when Sleman’s focal point signs it, then it does not exist for Sleman', async () => {
    const period = { from: '2026-01-01', to: '2026-03-31' };
    const stream = evaluationStreamId('r-1');
    await new CommandHandler(store, evaluationDecider).handle(stream, {
      type: 'OpenEvaluation',
      data: { evaluationId: 'r-1', agencyId: 'inspektorat-bantul', period, kpis: { ...kpis, period } },
      metadata: { now: NOW, actor: officer },
    } as never);
    const sign = (actor: Actor) =>
      ({
        type: 'SignBeritaAcara',
        data: { signerName: 'Budi', position: 'Inspektur' },
        metadata: { now: NOW, actor },
      }) as never;
    expect(await outcome(() => rounds.handle(stream, sign(slemanPic)))).toBe(
      'NOT_FOUND: evaluation not found',
    );
    expect(await outcome(() => rounds.handle(evaluationStreamId('r-9'), sign(bantulPic)))).toBe(
      'NOT_FOUND: evaluation not found',
    );
  });

  it('confines a focal point’s list of rounds to its own agency', () => {
    const pic = bantulPic as Principal;
    expect(listedAgencyFor(officer as Principal, 'inspektorat-sleman')).toBe('inspektorat-sleman');
    expect(listedAgencyFor(officer as Principal, undefined)).toBeUndefined();
    expect(listedAgencyFor(pic, undefined)).toBe('inspektorat-bantul');
    expect(listedAgencyFor(pic, 'inspektorat-sleman')).toBeNull();
    expect(listedAgencyFor(noAgency as Principal, undefined)).toBeNull();
  });
});

describe('the audit wing’s case-event rule (history and the case-events feed)', () => {
  const forwardedData = {
    forwardings: [
      { forwardingId: 'inspektorat-bantul/1', agencyId: 'inspektorat-bantul' },
      { forwardingId: 'inspektorat-sleman/1', agencyId: 'inspektorat-sleman' },
    ],
  };

  it('shows staff every event as it is', () => {
    expect(caseEventFor(auditor, forwardedData)).toBe(forwardedData);
    expect(caseEventFor(officer, { agencyId: 'inspektorat-sleman' }, { sight: undefined })).toEqual({
      agencyId: 'inspektorat-sleman',
    });
  });

  it('shows a focal point its own part of a forwarding, none of another agency’s events, no unsent letter', () => {
    expect(caseEventFor(bantulPic, forwardedData)).toEqual({ forwardings: [forwardedData.forwardings[0]] });
    expect(caseEventFor(bantulPic, { agencyId: 'inspektorat-sleman', response: 'x' })).toBeUndefined();
    const letter = { agencyId: 'inspektorat-bantul', kind: 'FOLLOW_UP_REQUEST' } as const;
    expect(caseEventFor(bantulPic, {}, { sight: { ...letter, status: 'APPROVED' } })).toBeUndefined();
    expect(caseEventFor(bantulPic, {}, { sight: { ...letter, status: 'SENT' } })).toEqual({});
    expect(caseEventFor(bantulPic, {}, { sight: undefined })).toBeUndefined();
  });

  it('holds a focal point’s subscription to its own agency', async () => {
    const pic = bantulPic as Principal;
    expect(caseEventScope(pic, null)).toEqual({ principal: pic, agencyId: 'inspektorat-bantul' });
    expect(await outcome(() => caseEventScope(pic, 'inspektorat-sleman'))).toBe(
      'FORBIDDEN: a focal point may only subscribe to the cases of its own agency',
    );
    expect(caseEventScope(officer as Principal, 'inspektorat-sleman').agencyId).toBe('inspektorat-sleman');
  });
});

describe('the one lookup by access code', () => {
  const codes = new AccessCodeHasher('x'.repeat(32));
  const code = generateAccessCode();

  it('opens only a found complaint with its own code', async () => {
    expect(await codes.matchesFound(code, { accessCodeHash: codes.hash(code) })).toBe(true);
    expect(await codes.matchesFound(generateAccessCode(), { accessCodeHash: codes.hash(code) })).toBe(false);
    expect(await codes.matchesFound(code, undefined)).toBe(false);
    expect(await codes.matchesFound(code, { accessCodeHash: null })).toBe(false);
    expect(await codes.matchesFound('not a code', { accessCodeHash: codes.hash(code) })).toBe(false);
  });

  it('refuses for free what cannot be a tracking number and code', () => {
    expect(plausibleAccessCode('DUMAS-2026-482913', code)).toBe(true);
    expect(plausibleAccessCode('D'.repeat(41), code)).toBe(false);
    expect(plausibleAccessCode('DUMAS-2026-482913', 'short')).toBe(false);
  });
});
