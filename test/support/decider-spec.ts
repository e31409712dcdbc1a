import type { Decider } from '../../services/shared/decider';
import { DomainError, type ErrorCode } from '../../services/shared/errors';

/**
 * given/when/then for deciders: given past events, when a command, then these events (or this error).
 *
 *   spec(complaintDecider).given([filed]).when(verify).then([verified])
 *   spec(complaintDecider).given([]).when(verify).thenThrows('INVALID_TRANSITION')
 */
export function spec<C, E, S>(decider: Decider<C, E, S>) {
  return {
    given(events: readonly E[]) {
      const state = events.reduce((s, e) => decider.evolve(s, e), decider.initialState());
      return {
        when(command: C) {
          const run = () => decider.decide(command, state);
          return {
            // biome-ignore lint/suspicious/noThenProperty: given/when/then reads as the domain's specification; never awaited
            then(expected: readonly E[]) {
              expect(run()).toEqual(expected);
            },
            /** Returns the produced events for further assertions. */
            events(): readonly E[] {
              return run();
            },
            thenThrows(code: ErrorCode, details?: Record<string, unknown>) {
              let thrown: unknown;
              try {
                run();
              } catch (err) {
                thrown = err;
              }
              expect(thrown).toBeInstanceOf(DomainError);
              expect((thrown as DomainError).code).toBe(code);
              if (details) expect((thrown as DomainError).details).toMatchObject(details);
            },
          };
        },
        /** The state after `given`, for assertions on evolve. */
        state(): S {
          return state;
        },
      };
    },
  };
}
