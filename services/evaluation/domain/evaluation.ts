/**
 * An evaluation round (*evaluasi berkala*) of one agency for one period, on the stream
 * `evaluation-<id>`: opened with a snapshot of the agency's KPIs, then findings, recommendations and
 * agreed follow-up actions are recorded, and it is finalised as a *berita acara* signed by both sides —
 * Kemensetneg (an OFFICER) and the agency (its PIC, an AGENCY user of that agency).
 *
 * OPEN → (first signature) SIGNING → (second signature) FINALISED. Once one side has signed, the content
 * is frozen so that both sign the same text; a finalised round never changes.
 */
import { requiredAgencyId, requiredEntityId, requiredText } from '../../shared/validation';
import type { Actor } from '../../shared/eventstore/types';
import type { Decider, DomainCommand, DomainEvent } from '../../shared/decider';
import { badInput, forbidden, invalidTransition } from '../../shared/errors';
import { dayNumber, type LocalDate } from '../../shared/calendar/dates';
import type { AgencyKpis, Period } from './kpi';
import { assertNever } from '../../shared/never';

export const evaluationStreamId = (evaluationId: string) => `evaluation-${evaluationId}`;

export type SigningSide = 'KEMENSETNEG' | 'AGENCY';
export type ActionOwner = 'KEMENSETNEG' | 'AGENCY';

export interface Finding {
  readonly findingId: string;
  readonly text: string;
  /** The KPI the finding is about, when it is about one (e.g. "respondedWithinSlaPercent"). */
  readonly kpi?: string;
}
export interface Recommendation {
  readonly recommendationId: string;
  readonly text: string;
}
export interface FollowUpAction {
  readonly actionId: string;
  readonly description: string;
  readonly owner: ActionOwner;
  readonly dueDate: LocalDate;
}
export interface Signature {
  readonly side: SigningSide;
  readonly signerId: string;
  readonly signerName: string;
  readonly position: string;
  /** The electronic signature's reference (BSrE/TTE), kept as data. */
  readonly signatureReference: string | null;
  readonly signedAt: string;
}

type Cmd<T extends string, D> = DomainCommand<T, D>;
export type EvaluationCommand =
  | Cmd<
      'OpenEvaluation',
      {
        readonly evaluationId: string;
        readonly agencyId: string;
        readonly period: Period;
        readonly kpis: AgencyKpis;
      }
    >
  | Cmd<'RecordFinding', Finding>
  | Cmd<'RecordRecommendation', Recommendation>
  | Cmd<'AgreeFollowUpAction', FollowUpAction>
  | Cmd<
      'SignBeritaAcara',
      { readonly signerName: string; readonly position: string; readonly signatureReference?: string }
    >;

export type EvaluationEvent =
  | DomainEvent<
      'EvaluationOpened',
      {
        readonly evaluationId: string;
        readonly agencyId: string;
        readonly period: Period;
        readonly kpis: AgencyKpis;
        readonly openedBy: string;
        readonly openedAt: string;
      }
    >
  | DomainEvent<'FindingRecorded', Finding & { readonly recordedBy: string; readonly recordedAt: string }>
  | DomainEvent<
      'RecommendationRecorded',
      Recommendation & { readonly recordedBy: string; readonly recordedAt: string }
    >
  | DomainEvent<
      'FollowUpActionAgreed',
      FollowUpAction & { readonly agreedBy: string; readonly agreedAt: string }
    >
  | DomainEvent<'BeritaAcaraSigned', Signature>
  | DomainEvent<'EvaluationFinalised', { readonly evaluationId: string; readonly finalisedAt: string }>;

export const EVALUATION_EVENT_TYPES: readonly EvaluationEvent['type'][] = [
  'EvaluationOpened',
  'FindingRecorded',
  'RecommendationRecorded',
  'FollowUpActionAgreed',
  'BeritaAcaraSigned',
  'EvaluationFinalised',
];

interface Content {
  readonly evaluationId: string;
  readonly agencyId: string;
  readonly period: Period;
  readonly kpis: AgencyKpis;
  readonly findings: readonly Finding[];
  readonly recommendations: readonly Recommendation[];
  readonly actions: readonly FollowUpAction[];
  readonly signatures: readonly Signature[];
}

export type EvaluationState =
  | { readonly status: 'NOT_OPENED' }
  | ({ readonly status: 'OPEN' } & Content)
  | ({ readonly status: 'SIGNING' } & Content)
  | ({ readonly status: 'FINALISED'; readonly finalisedAt: string } & Content);

const REQUESTED: Record<EvaluationCommand['type'], string> = {
  OpenEvaluation: 'open an evaluation',
  RecordFinding: 'record a finding',
  RecordRecommendation: 'record a recommendation',
  AgreeFollowUpAction: 'agree a follow-up action',
  SignBeritaAcara: 'sign the berita acara',
};

/** Which side an actor signs for; FORBIDDEN for anyone else. */
export function signingSideOf(actor: Actor, agencyId: string): SigningSide {
  if (actor.role === 'OFFICER') return 'KEMENSETNEG';
  if (actor.role === 'AGENCY' && actor.agencyId === agencyId) return 'AGENCY';
  throw forbidden("only an officer or the evaluated agency's focal point may sign this berita acara");
}

export const evaluationDecider: Decider<EvaluationCommand, EvaluationEvent, EvaluationState> = {
  initialState: () => ({ status: 'NOT_OPENED' }),
  decide(command, state) {
    const { actor, now } = command.metadata;
    const refuse = () => invalidTransition(state.status, REQUESTED[command.type]);
    switch (state.status) {
      case 'NOT_OPENED': {
        if (command.type !== 'OpenEvaluation') throw refuse();
        const { evaluationId, agencyId, period, kpis } = command.data;
        requiredEntityId(evaluationId, 'evaluationId');
        requiredAgencyId(agencyId, 'agencyId');
        if (dayNumber(period.to) < dayNumber(period.from))
          throw badInput('the period ends before it starts', { field: 'period' });
        if (kpis.agencyId !== agencyId || kpis.period.from !== period.from || kpis.period.to !== period.to) {
          throw badInput('the KPI snapshot must be of the evaluated agency and period', { field: 'kpis' });
        }
        return [
          {
            type: 'EvaluationOpened',
            data: { evaluationId, agencyId, period, kpis, openedBy: actor.id, openedAt: now },
          },
        ];
      }
      case 'OPEN':
        switch (command.type) {
          case 'OpenEvaluation':
            throw refuse();
          case 'RecordFinding': {
            const findingId = requiredEntityId(command.data.findingId, 'findingId');
            if (state.findings.some((f) => f.findingId === findingId)) {
              throw badInput(`finding ${findingId} is already recorded`, { field: 'findingId' });
            }
            return [
              {
                type: 'FindingRecorded',
                data: {
                  findingId,
                  text: requiredText(command.data.text, 'text', 4000),
                  ...(command.data.kpi ? { kpi: requiredText(command.data.kpi, 'kpi', 80) } : {}),
                  recordedBy: actor.id,
                  recordedAt: now,
                },
              },
            ];
          }
          case 'RecordRecommendation': {
            const recommendationId = requiredEntityId(command.data.recommendationId, 'recommendationId');
            if (state.recommendations.some((r) => r.recommendationId === recommendationId)) {
              throw badInput(`recommendation ${recommendationId} is already recorded`, {
                field: 'recommendationId',
              });
            }
            return [
              {
                type: 'RecommendationRecorded',
                data: {
                  recommendationId,
                  text: requiredText(command.data.text, 'text', 4000),
                  recordedBy: actor.id,
                  recordedAt: now,
                },
              },
            ];
          }
          case 'AgreeFollowUpAction': {
            const actionId = requiredEntityId(command.data.actionId, 'actionId');
            if (state.actions.some((a) => a.actionId === actionId)) {
              throw badInput(`action ${actionId} is already agreed`, { field: 'actionId' });
            }
            if (command.data.owner !== 'KEMENSETNEG' && command.data.owner !== 'AGENCY') {
              throw badInput('owner must be KEMENSETNEG or AGENCY', { field: 'owner' });
            }
            dayNumber(command.data.dueDate);
            return [
              {
                type: 'FollowUpActionAgreed',
                data: {
                  actionId,
                  description: requiredText(command.data.description, 'description', 2000),
                  owner: command.data.owner,
                  dueDate: command.data.dueDate,
                  agreedBy: actor.id,
                  agreedAt: now,
                },
              },
            ];
          }
          case 'SignBeritaAcara':
            if (state.findings.length === 0) {
              throw invalidTransition('OPEN', 'sign a berita acara that records no finding');
            }
            return sign(command, state);
          default:
            return assertNever(command);
        }
      case 'SIGNING':
        if (command.type !== 'SignBeritaAcara') throw refuse();
        return sign(command, state);
      case 'FINALISED':
        throw refuse();
      default:
        return assertNever(state);
    }
  },
  evolve(state, event) {
    if (event.type === 'EvaluationOpened') {
      const { evaluationId, agencyId, period, kpis } = event.data;
      return {
        status: 'OPEN',
        evaluationId,
        agencyId,
        period,
        kpis,
        findings: [],
        recommendations: [],
        actions: [],
        signatures: [],
      };
    }
    if (state.status === 'NOT_OPENED') return state;
    switch (event.type) {
      case 'FindingRecorded': {
        const { findingId, text: t, kpi } = event.data;
        return { ...state, findings: [...state.findings, { findingId, text: t, ...(kpi ? { kpi } : {}) }] };
      }
      case 'RecommendationRecorded':
        return {
          ...state,
          recommendations: [
            ...state.recommendations,
            { recommendationId: event.data.recommendationId, text: event.data.text },
          ],
        };
      case 'FollowUpActionAgreed': {
        const { actionId, description, owner, dueDate } = event.data;
        return { ...state, actions: [...state.actions, { actionId, description, owner, dueDate }] };
      }
      case 'BeritaAcaraSigned':
        return { ...state, status: 'SIGNING', signatures: [...state.signatures, event.data] };
      case 'EvaluationFinalised':
        return { ...state, status: 'FINALISED', finalisedAt: event.data.finalisedAt };
      default:
        return assertNever(event);
    }
  },
};

function sign(
  command: Extract<EvaluationCommand, { type: 'SignBeritaAcara' }>,
  state: Extract<EvaluationState, { status: 'OPEN' | 'SIGNING' }>,
): EvaluationEvent[] {
  const { actor, now } = command.metadata;
  const side = signingSideOf(actor, state.agencyId);
  if (state.signatures.some((s) => s.side === side)) {
    throw invalidTransition(state.status, `sign again for ${side}`, { side });
  }
  const signature: Signature = {
    side,
    signerId: actor.id,
    signerName: requiredText(command.data.signerName, 'signerName', 200),
    position: requiredText(command.data.position, 'position', 200),
    signatureReference: command.data.signatureReference
      ? requiredText(command.data.signatureReference, 'signatureReference', 200)
      : null,
    signedAt: now,
  };
  const events: EvaluationEvent[] = [{ type: 'BeritaAcaraSigned', data: signature }];
  if (state.signatures.length === 1) {
    events.push({
      type: 'EvaluationFinalised',
      data: { evaluationId: state.evaluationId, finalisedAt: now },
    });
  }
  return events;
}
