import { authorizeEvaluationCommand } from '../../services/evaluation/access';
import {
  type EvaluationCommand,
  type EvaluationEvent,
  evaluationDecider,
} from '../../services/evaluation/domain/evaluation';
import { emptyTally, periods, summarizeKpis } from '../../services/evaluation/domain/kpi';
import { type SatisfactionCommand, satisfactionDecider } from '../../services/evaluation/domain/satisfaction';
import type { Actor } from '../../services/shared/eventstore/types';
import { spec } from '../support/decider-spec';

const officer: Actor = { id: 'officer-1', role: 'OFFICER' };
const pic: Actor = { id: 'pic-bantul', role: 'AGENCY', agencyId: 'inspektorat-bantul' };
const otherPic: Actor = { id: 'pic-sleman', role: 'AGENCY', agencyId: 'inspektorat-sleman' };
const now = '2025-07-10T03:00:00.000Z';
const period = periods.quarter(2025, 2);
const kpis = summarizeKpis('inspektorat-bantul', period, '2025-06-30T16:59:59.999Z', {
  ...emptyTally(),
  received: 12,
});
const cmd = <T extends EvaluationCommand['type']>(
  type: T,
  data: Extract<EvaluationCommand, { type: T }>['data'],
  actor: Actor = officer,
): EvaluationCommand => ({ type, data, metadata: { now, actor } }) as EvaluationCommand;

const opened: EvaluationEvent = {
  type: 'EvaluationOpened',
  data: {
    evaluationId: 'ev-1',
    agencyId: 'inspektorat-bantul',
    period,
    kpis,
    openedBy: 'officer-1',
    openedAt: now,
  },
};
const finding: EvaluationEvent = {
  type: 'FindingRecorded',
  data: {
    findingId: 'f1',
    text: 'Responses late in May',
    kpi: 'respondedWithinSlaPercent',
    recordedBy: 'officer-1',
    recordedAt: now,
  },
};
const officerSigned: EvaluationEvent = {
  type: 'BeritaAcaraSigned',
  data: {
    side: 'KEMENSETNEG',
    signerId: 'officer-1',
    signerName: 'Asdep Dumas',
    position: 'Asisten Deputi',
    signatureReference: 'TTE-1',
    signedAt: now,
  },
};
const sign = (actor: Actor) =>
  cmd('SignBeritaAcara', { signerName: 'Nama', position: 'Jabatan', signatureReference: 'TTE-2' }, actor);

describe('Evaluation round', () => {
  it('NOT_OPENED: opens for an agency and period with a KPI snapshot', () => {
    spec(evaluationDecider)
      .given([])
      .when(cmd('OpenEvaluation', { evaluationId: 'ev-1', agencyId: 'inspektorat-bantul', period, kpis }))
      .then([opened]);
  });

  it('NOT_OPENED: refuses a snapshot of another agency, and anything before opening', () => {
    spec(evaluationDecider)
      .given([])
      .when(cmd('OpenEvaluation', { evaluationId: 'ev-1', agencyId: 'inspektorat-sleman', period, kpis }))
      .thenThrows('BAD_USER_INPUT', { field: 'kpis' });
    spec(evaluationDecider)
      .given([])
      .when(cmd('RecordFinding', { findingId: 'f1', text: 'x' }))
      .thenThrows('INVALID_TRANSITION', { currentState: 'NOT_OPENED' });
  });

  it('OPEN: records findings, recommendations and follow-up actions', () => {
    spec(evaluationDecider)
      .given([opened])
      .when(
        cmd('RecordFinding', {
          findingId: 'f1',
          text: ' Responses late in May ',
          kpi: 'respondedWithinSlaPercent',
        }),
      )
      .then([finding]);
    spec(evaluationDecider)
      .given([opened])
      .when(
        cmd('AgreeFollowUpAction', {
          actionId: 'a1',
          description: 'Appoint a deputy PIC',
          owner: 'AGENCY',
          dueDate: '2025-08-31',
        }),
      )
      .then([
        {
          type: 'FollowUpActionAgreed',
          data: {
            actionId: 'a1',
            description: 'Appoint a deputy PIC',
            owner: 'AGENCY',
            dueDate: '2025-08-31',
            agreedBy: 'officer-1',
            agreedAt: now,
          },
        },
      ]);
    spec(evaluationDecider)
      .given([opened, finding])
      .when(cmd('RecordFinding', { findingId: 'f1', text: 'again' }))
      .thenThrows('BAD_USER_INPUT');
    spec(evaluationDecider)
      .given([opened])
      .when(cmd('OpenEvaluation', { evaluationId: 'ev-1', agencyId: 'inspektorat-bantul', period, kpis }))
      .thenThrows('INVALID_TRANSITION');
  });

  it('OPEN: a berita acara with no finding cannot be signed; only an officer or the agency PIC may sign', () => {
    spec(evaluationDecider).given([opened]).when(sign(officer)).thenThrows('INVALID_TRANSITION');
    spec(evaluationDecider).given([opened, finding]).when(sign(otherPic)).thenThrows('FORBIDDEN');
    spec(evaluationDecider)
      .given([opened, finding])
      .when(sign({ id: 's', role: 'SUPERVISOR' }))
      .thenThrows('FORBIDDEN');
  });

  it('OPEN → SIGNING: the first signature freezes the content', () => {
    const [event] = spec(evaluationDecider).given([opened, finding]).when(sign(pic)).events();
    expect(event).toMatchObject({
      type: 'BeritaAcaraSigned',
      data: { side: 'AGENCY', signerId: 'pic-bantul' },
    });
    expect(spec(evaluationDecider).given([opened, finding, officerSigned]).state().status).toBe('SIGNING');
    spec(evaluationDecider)
      .given([opened, finding, officerSigned])
      .when(cmd('RecordRecommendation', { recommendationId: 'r1', text: 'x' }))
      .thenThrows('INVALID_TRANSITION', { currentState: 'SIGNING' });
    spec(evaluationDecider)
      .given([opened, finding, officerSigned])
      .when(sign(officer))
      .thenThrows('INVALID_TRANSITION');
  });

  it('SIGNING → FINALISED: the second side signs and the round is finalised', () => {
    const events = spec(evaluationDecider).given([opened, finding, officerSigned]).when(sign(pic)).events();
    expect(events.map((e) => e.type)).toEqual(['BeritaAcaraSigned', 'EvaluationFinalised']);
    const final = spec(evaluationDecider)
      .given([opened, finding, officerSigned, ...events])
      .state();
    expect(final.status).toBe('FINALISED');
  });

  it('FINALISED: immutable', () => {
    const finalised: EvaluationEvent = {
      type: 'EvaluationFinalised',
      data: { evaluationId: 'ev-1', finalisedAt: now },
    };
    const history = [
      opened,
      finding,
      officerSigned,
      { ...officerSigned, data: { ...officerSigned.data, side: 'AGENCY' as const } },
      finalised,
    ];
    for (const c of [
      cmd('RecordFinding', { findingId: 'f2', text: 'x' }),
      cmd('AgreeFollowUpAction', { actionId: 'a', description: 'x', owner: 'AGENCY', dueDate: '2025-09-01' }),
      sign(pic),
    ]) {
      spec(evaluationDecider)
        .given(history)
        .when(c)
        .thenThrows('INVALID_TRANSITION', { currentState: 'FINALISED' });
    }
  });

  it('only Asdep Dumas staff prepare a round', () => {
    expect(() =>
      authorizeEvaluationCommand(cmd('RecordFinding', { findingId: 'f', text: 'x' }, pic), pic),
    ).toThrow('staff');
    expect(() => authorizeEvaluationCommand(sign(pic), pic)).not.toThrow();
  });
});

describe('Satisfaction', () => {
  const rate = (resolution: number, rating: number, comment?: string): SatisfactionCommand => ({
    type: 'RateSatisfaction',
    data: { complaintId: 'c-1', resolution, rating, ...(comment !== undefined ? { comment } : {}) },
    metadata: { now, actor: { id: 'public', role: 'PUBLIC' } },
  });
  const rated = {
    type: 'SatisfactionRated' as const,
    data: { complaintId: 'c-1', resolution: 1, rating: 4, comment: 'Cepat', at: now },
  };

  it('UNRATED: the complainant rates the first resolution 1..5 with a comment', () => {
    spec(satisfactionDecider)
      .given([])
      .when(rate(1, 4, ' Cepat '))
      .then([rated]);
  });

  it('UNRATED: refuses ratings outside 1..5, an unresolved complaint and an overlong comment', () => {
    for (const c of [rate(1, 0), rate(1, 6), rate(1, 3.5), rate(0, 3), rate(1, 3, 'x'.repeat(2001))]) {
      spec(satisfactionDecider).given([]).when(c).thenThrows('BAD_USER_INPUT');
    }
  });

  it('RATED: once per resolution; a new resolution after a reopening may be rated', () => {
    spec(satisfactionDecider)
      .given([rated])
      .when(rate(1, 5))
      .thenThrows('INVALID_TRANSITION', { currentState: 'RATED' });
    spec(satisfactionDecider)
      .given([rated])
      .when(rate(2, 2))
      .then([
        {
          type: 'SatisfactionRated',
          data: { complaintId: 'c-1', resolution: 2, rating: 2, comment: null, at: now },
        },
      ]);
  });
});
