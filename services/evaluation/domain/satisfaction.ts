/**
 * Complainant satisfaction: one rating (1–5, optional comment) per resolution of a complaint, on the
 * stream `satisfaction-<complaintId>`. The complainant proves who they are with the tracking number and
 * access code at the API edge; the command carries only the complaint id and which resolution is rated
 * (1 for the first, 2 after a reopening and a new resolution), so ratings never hold identity.
 */
import type { Decider, DomainCommand, DomainEvent } from '../../shared/decider';
import { optionalText, requiredText } from '../../shared/validation';
import { badInput, invalidTransition } from '../../shared/errors';
import { assertNever } from '../../shared/never';

export const satisfactionStreamId = (complaintId: string) => `satisfaction-${complaintId}`;

export type SatisfactionCommand = DomainCommand<
  'RateSatisfaction',
  {
    readonly complaintId: string;
    /** How many times the complaint has been resolved so far (the resolution being rated), from its state. */
    readonly resolution: number;
    readonly rating: number;
    readonly comment?: string;
  }
>;

export type SatisfactionEvent = DomainEvent<
  'SatisfactionRated',
  {
    readonly complaintId: string;
    readonly resolution: number;
    readonly rating: number;
    readonly comment: string | null;
    readonly at: string;
  }
>;

export type SatisfactionState =
  | { readonly status: 'UNRATED' }
  | { readonly status: 'RATED'; readonly complaintId: string; readonly ratedResolutions: readonly number[] };

export const MAX_SATISFACTION_COMMENT = 2000;

export const satisfactionDecider: Decider<SatisfactionCommand, SatisfactionEvent, SatisfactionState> = {
  initialState: () => ({ status: 'UNRATED' }),
  decide(command, state) {
    const { complaintId, resolution, rating } = command.data;
    requiredText(complaintId, 'complaintId', 100);
    if (!Number.isInteger(resolution) || resolution < 1) {
      throw badInput('only a resolved complaint can be rated', { field: 'resolution' });
    }
    if (!Number.isInteger(rating) || rating < 1 || rating > 5) {
      throw badInput('rating must be a whole number 1..5', { field: 'rating' });
    }
    const comment = optionalText(command.data.comment, 'comment', MAX_SATISFACTION_COMMENT);
    switch (state.status) {
      case 'UNRATED':
        break;
      case 'RATED':
        if (state.ratedResolutions.includes(resolution)) {
          throw invalidTransition('RATED', 'rate the same resolution again', { resolution });
        }
        break;
      default:
        return assertNever(state);
    }
    return [
      {
        type: 'SatisfactionRated',
        data: { complaintId, resolution, rating, comment: comment || null, at: command.metadata.now },
      },
    ];
  },
  evolve(state, event) {
    switch (state.status) {
      case 'UNRATED':
        return {
          status: 'RATED',
          complaintId: event.data.complaintId,
          ratedResolutions: [event.data.resolution],
        };
      case 'RATED':
        return { ...state, ratedResolutions: [...state.ratedResolutions, event.data.resolution] };
      default:
        return assertNever(state);
    }
  },
};
