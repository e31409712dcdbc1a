/**
 * The one place where errors become GraphQL errors (subgraphs and gateway alike).
 *
 * `extensions.code` values a client can rely on:
 * - domain codes (services/shared/errors.ts): BAD_USER_INPUT, INVALID_TRANSITION, CONFLICT, NOT_FOUND,
 *   FORBIDDEN, UNAUTHENTICATED — with the DomainError's safe `details` copied into extensions;
 * - Apollo's request codes: GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, BAD_REQUEST,
 *   OPERATION_RESOLUTION_FAILURE, PERSISTED_QUERY_NOT_FOUND / _NOT_SUPPORTED;
 * - abuse limits (gateway): see LIMIT_CODES;
 * - anything else: INTERNAL_SERVER_ERROR with a generic message and the request id — never a stack,
 *   never the original message (it could carry SQL, URLs or personal data). The original is logged.
 */
import { ApolloServerErrorCode, unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { DomainError, type ErrorCode } from '../errors';
import { ambient } from '../config';

export const DOMAIN_CODES: readonly ErrorCode[] = [
  'BAD_USER_INPUT',
  'INVALID_TRANSITION',
  'CONFLICT',
  'NOT_FOUND',
  'FORBIDDEN',
  'UNAUTHENTICATED',
];

/** Refusals by the gateway's abuse limits. */
export const LIMIT_CODES = [
  'QUERY_TOO_DEEP',
  'TOO_MANY_ALIASES',
  'QUERY_TOO_COSTLY',
  'BATCH_TOO_LARGE',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'TOO_MANY_ACCESS_CODE_CHECKS',
] as const;
export type LimitCode = (typeof LIMIT_CODES)[number];

const REQUEST_CODES: readonly string[] = [
  ApolloServerErrorCode.GRAPHQL_PARSE_FAILED,
  ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED,
  ApolloServerErrorCode.BAD_REQUEST,
  ApolloServerErrorCode.OPERATION_RESOLUTION_FAILURE,
  ApolloServerErrorCode.PERSISTED_QUERY_NOT_FOUND,
  ApolloServerErrorCode.PERSISTED_QUERY_NOT_SUPPORTED,
];

/** Codes whose message is written for the client and passes through unchanged. */
export const PUBLIC_CODES: ReadonlySet<string> = new Set<string>([
  ...DOMAIN_CODES,
  ...LIMIT_CODES,
  ...REQUEST_CODES,
]);

export const INTERNAL_MESSAGE = 'Internal server error';

/** A refusal by an abuse limit, with the HTTP status the response should carry. */
export function limitError(
  code: LimitCode,
  message: string,
  status: number,
  details: Record<string, unknown> = {},
) {
  return new GraphQLError(message, { extensions: { code, ...details, http: { status } } });
}

/** Why an input value was refused, in graphql-js's words, kept only when it names types and fields. */
const SAFE_REASONS: readonly [RegExp, (m: RegExpExecArray) => string][] = [
  [
    /^Field "(\w+)" is not defined by type "(\w+)"/,
    (m) => `Field "${m[1]}" is not defined by type "${m[2]}".`,
  ],
  [
    /^Field "([\w.]+)" of required type "([\w![\]]+)" was not provided/,
    (m) => `Field "${m[1]}" of required type "${m[2]}" was not provided.`,
  ],
  [/^Expected type "(\w+)" to be an object/, (m) => `Expected type "${m[1]}" to be an object.`],
  [
    /^Expected non-nullable type "([\w![\]]+)" not to be null/,
    (m) => `Expected non-nullable type "${m[1]}" not to be null.`,
  ],
  [/^(\w+) cannot represent/, (m) => `${m[1]} cannot represent the given value.`],
  [/^Value is not a valid (\w+)/, (m) => `Value is not a valid ${m[1]}.`],
  [/^Expected type "(\w+)"/, (m) => `Expected type "${m[1]}".`],
  [/^Value [\s\S]* does not exist in "(\w+)" enum/, (m) => `The value is not one of the ${m[1]} enum.`],
];

function safeReason(reason: string): string {
  for (const [pattern, say] of SAFE_REASONS) {
    const m = pattern.exec(reason);
    if (m) return say(m);
  }
  return 'The value does not match its type.';
}

/**
 * graphql-js names the refused value itself in its coercion and literal errors (`Variable "$i" got invalid
 * value { name: "…", nik: "…" }`, `Expected value of type "X", found "…"`): those become messages that say
 * which path is wrong and why, without the value. The value may be a complainant's identity, and the
 * message is both answered and logged.
 */
export function withoutInputValues(message: string): string {
  const variable = /^Variable "\$(\w+)" got invalid value /.exec(message);
  if (variable) {
    const name = variable[1];
    // The value comes first and may contain anything: read the path and the reason from the last `at`.
    const at = message.lastIndexOf(` at "${name}`);
    const tail = at >= 0 ? message.slice(at) : '';
    const where = /^ at "([\w.[\]]+)"; ([\s\S]*)$/.exec(tail);
    if (where)
      return `Variable "$${name}" got an invalid value at "${where[1]}": ${safeReason(where[2] ?? '')}`;
    const semi = message.lastIndexOf('; ');
    const reason = semi >= 0 ? message.slice(semi + 2) : '';
    return `Variable "$${name}" got an invalid value: ${safeReason(reason)}`;
  }
  const literal = /^Expected value of type "([\w![\]]+)", found /.exec(message);
  if (literal) return `Expected value of type "${literal[1]}"; the value given does not match it.`;
  const argument = /^Argument "(\w+)" has invalid value /.exec(message);
  if (argument) return `Argument "${argument[1]}" has an invalid value.`;
  const enumValue = /^Value [\s\S]* does not exist in "(\w+)" enum/.exec(message);
  if (enumValue) return `The value is not one of the ${enumValue[1]} enum.`;
  const invalid = /^Value is not a valid (\w+)/.exec(message);
  if (invalid) return `Value is not a valid ${invalid[1]}.`;
  const scalar = /^(\w+) cannot represent /.exec(message);
  if (scalar) return `${scalar[1]} cannot represent the given value.`;
  return message;
}

interface ValidationErrorLike {
  readonly property?: string;
  readonly constraints?: Record<string, string>;
  readonly children?: readonly ValidationErrorLike[];
}

/**
 * class-validator failures (type-graphql's ArgumentValidationError) as BAD_USER_INPUT: only the field
 * paths and constraint names survive — class-validator attaches the offending value and the whole input
 * object, which would echo a complainant's NIK or phone number back (and into logs).
 */
export function argumentValidationDetails(
  errors: readonly ValidationErrorLike[],
  parent = '',
): { field: string; constraints: string[] }[] {
  const out: { field: string; constraints: string[] }[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property ?? '?'}` : (e.property ?? '?');
    if (e.constraints && Object.keys(e.constraints).length > 0) {
      out.push({ field, constraints: Object.keys(e.constraints) });
    }
    if (e.children?.length) out.push(...argumentValidationDetails(e.children, field));
  }
  return out;
}

function isArgumentValidationError(err: unknown): err is GraphQLError {
  return (
    err instanceof GraphQLError &&
    err.extensions?.code === 'BAD_USER_INPUT' &&
    Array.isArray((err.extensions as { validationErrors?: unknown }).validationErrors)
  );
}

/** Finds what was really thrown under GraphQL's and Apollo's wrappers. */
export function originalErrorOf(error: unknown): unknown {
  let current = unwrapResolverError(error);
  for (let i = 0; i < 5 && current instanceof GraphQLError && current.originalError; i++) {
    const inner = current.originalError;
    // A limit refusal is wrapped by Apollo as GRAPHQL_VALIDATION_FAILED: keep walking to see its own code.
    if (inner === current) break;
    current = inner;
  }
  return current;
}

/** Whether the error is one a client caused and should see (as opposed to a fault of ours). */
export function isClientError(formatted: GraphQLFormattedError, error: unknown): boolean {
  if (originalErrorOf(error) instanceof DomainError) return true;
  const code = formatted.extensions?.code;
  return typeof code === 'string' && PUBLIC_CODES.has(code);
}

const pick = (formatted: GraphQLFormattedError) => ({
  message: formatted.message,
  ...(formatted.locations ? { locations: formatted.locations } : {}),
  ...(formatted.path ? { path: formatted.path } : {}),
});

export interface FormatErrorOptions {
  /**
   * In production the gateway's `serviceName` (which subgraph answered) is dropped too. Anything not in
   * PUBLIC_CODES is masked in every mode: an unexpected message may carry SQL, URLs or personal data.
   */
  readonly production?: boolean;
}

/** Extension keys never sent to a client, whatever the code: stacks, upstream bodies, raw validator output. */
const UNSAFE_EXTENSIONS = [
  'stacktrace',
  'exception',
  'http',
  'validationErrors',
  'response',
  'originalError',
];

/**
 * Apollo's `formatError`. Maps DomainError once, strips class-validator payloads, restores limit codes
 * that Apollo's validation wrapper overwrote, and masks everything else.
 */
export function createFormatError(options: FormatErrorOptions = {}) {
  const production = options.production ?? ambient.production();
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = originalErrorOf(error);

    if (original instanceof DomainError) {
      return {
        ...pick(formatted),
        message: original.message,
        extensions: { ...original.details, code: original.code },
      };
    }
    if (isArgumentValidationError(original) || isArgumentValidationError(error)) {
      const source = (isArgumentValidationError(original) ? original : error) as GraphQLError;
      const invalid = argumentValidationDetails(
        (source.extensions as { validationErrors: ValidationErrorLike[] }).validationErrors,
      );
      return {
        ...pick(formatted),
        message: `invalid argument: ${invalid.map((i) => `${i.field} (${i.constraints.join(', ')})`).join('; ')}`,
        extensions: { code: 'BAD_USER_INPUT', invalid },
      };
    }
    if (original instanceof GraphQLError) {
      const originalCode = original.extensions?.code;
      if (typeof originalCode === 'string' && (LIMIT_CODES as readonly string[]).includes(originalCode)) {
        const { http: _http, ...rest } = original.extensions;
        return { ...pick(formatted), message: original.message, extensions: { ...rest, code: originalCode } };
      }
    }

    const code = formatted.extensions?.code;
    if (typeof code === 'string' && PUBLIC_CODES.has(code)) {
      // Keep only what is safe: the code and, from the gateway, where it came from outside production.
      const rest: Record<string, unknown> = { ...formatted.extensions };
      for (const key of UNSAFE_EXTENSIONS) delete rest[key];
      if (production) delete rest.serviceName;
      return {
        ...pick(formatted),
        message: withoutInputValues(formatted.message),
        extensions: { ...rest, code },
      };
    }

    // Internal: generic message. The request id (from a subgraph through the gateway, or added by
    // the request-id plugin) lets support find the logged original.
    const requestId = formatted.extensions?.requestId;
    return {
      message: INTERNAL_MESSAGE,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: {
        code: ApolloServerErrorCode.INTERNAL_SERVER_ERROR,
        ...(typeof requestId === 'string' ? { requestId } : {}),
      },
    };
  };
}
