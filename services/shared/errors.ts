/**
 * Domain errors, typed once here and mapped once to GraphQL errors at the edge (graphql/errors.ts).
 * Messages must never carry personal data: name states, ids and fields, never values a complainant typed.
 */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'INVALID_TRANSITION'
  | 'CONFLICT'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Safe, non-personal details for `extensions` (e.g. current and requested state). */
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const badInput = (message: string, details?: Record<string, unknown>) =>
  new DomainError('BAD_USER_INPUT', message, details);

export const invalidTransition = (
  current: string,
  requested: string,
  details: Record<string, unknown> = {},
) =>
  new DomainError('INVALID_TRANSITION', `cannot ${requested} when the state is ${current}`, {
    currentState: current,
    requested,
    ...details,
  });

export const conflict = (message: string, details?: Record<string, unknown>) =>
  new DomainError('CONFLICT', message, details);

export const notFound = (what: string, id: string) =>
  new DomainError('NOT_FOUND', `${what} ${id} not found`, { id });

export const forbidden = (message = 'not allowed') => new DomainError('FORBIDDEN', message);

export const unauthenticated = (message = 'authentication required') =>
  new DomainError('UNAUTHENTICATED', message);
