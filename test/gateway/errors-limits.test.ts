import { Writable } from 'node:stream';
import { GraphQLError, parse } from 'graphql';
import { ArgumentValidationError } from 'type-graphql';
import { operationCost, RateLimiter, selectionDepth } from '../../services/shared/graphql/limits';
import { DomainError, invalidTransition } from '../../services/shared/errors';
import {
  argumentValidationDetails,
  createFormatError,
  INTERNAL_MESSAGE,
} from '../../services/shared/graphql/errors';
import { createLogger } from '../../services/shared/logger';

const format = createFormatError({ production: true });
const formatted = (error: GraphQLError) => format(error.toJSON(), error);

describe('formatError', () => {
  it('maps a DomainError thrown in a resolver to its code, message and details', () => {
    const thrown = invalidTransition('CLOSED', 'verify');
    const wrapped = new GraphQLError(thrown.message, { path: ['verifyComplaint'], originalError: thrown });
    expect(formatted(wrapped)).toEqual({
      message: 'cannot verify when the state is CLOSED',
      path: ['verifyComplaint'],
      extensions: { code: 'INVALID_TRANSITION', currentState: 'CLOSED', requested: 'verify' },
    });
  });

  it('masks anything else, dropping the stack and the original message', () => {
    const wrapped = new GraphQLError('duplicate key value violates "complainant_nik"', {
      originalError: new Error('duplicate key value violates "complainant_nik"'),
      extensions: { stacktrace: ['at x'] },
    });
    expect(formatted(wrapped)).toEqual({
      message: INTERNAL_MESSAGE,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });

  it('keeps a public code but never an exception, stack or upstream response body', () => {
    const err = new GraphQLError('401: Unauthorized', {
      extensions: {
        code: 'UNAUTHENTICATED',
        response: { body: 'secret' },
        stacktrace: ['x'],
        serviceName: 'complaint',
      },
    });
    expect(formatted(err)).toEqual({ message: '401: Unauthorized', extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('strips class-validator values and targets from an argument validation error', () => {
    const validationError = {
      property: 'complainant',
      value: { nik: '3171234567890123' },
      target: { complainant: { nik: '3171234567890123' } },
      children: [
        { property: 'nik', value: '3171234567890123', constraints: { length: 'nik must be 16 digits' } },
      ],
    };
    const thrown = new ArgumentValidationError([validationError as never]);
    const out = formatted(new GraphQLError(thrown.message, { originalError: thrown }));
    expect(out.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      invalid: [{ field: 'complainant.nik', constraints: ['length'] }],
    });
    expect(JSON.stringify(out)).not.toContain('3171234567890123');
  });

  it('lists nested validation failures by path', () => {
    expect(
      argumentValidationDetails([
        { property: 'input', children: [{ property: 'email', constraints: { isEmail: 'bad' } }] },
      ]),
    ).toEqual([{ field: 'input.email', constraints: ['isEmail'] }]);
  });

  it('treats a DomainError thrown directly (not wrapped) the same way', () => {
    const err = new DomainError('NOT_FOUND', 'complaint c-1 not found', { id: 'c-1' });
    expect(format({ message: err.message }, err)).toEqual({
      message: 'complaint c-1 not found',
      extensions: { code: 'NOT_FOUND', id: 'c-1' },
    });
  });
});

describe('query depth and cost', () => {
  const op = (source: string) => {
    const document = parse(source);
    const operation = document.definitions.find((d) => d.kind === 'OperationDefinition')!;
    return { document, operation: operation as Extract<typeof operation, { kind: 'OperationDefinition' }> };
  };

  it('measures introspection apart from the data, and counts it in cost', () => {
    const { document, operation } = op(
      '{ __schema { types { fields { type { ofType { ofType { name } } } } } } me { id } }',
    );
    expect(selectionDepth(operation.selectionSet, new Map())).toBe(2);
    expect(selectionDepth(operation.selectionSet, new Map(), false)).toBe(7);
    expect(operationCost(operation, document)).toBe(9);
  });

  it('counts inline fragments and fragment spreads as levels', () => {
    const { document } = op('{ ... on Query { ...F } } fragment F on Query { me { id } }');
    const operation = document.definitions[0] as Extract<
      (typeof document.definitions)[number],
      { kind: 'OperationDefinition' }
    >;
    const fragments = new Map(
      document.definitions.flatMap((d) => (d.kind === 'FragmentDefinition' ? [[d.name.value, d]] : [])),
    ) as Map<string, import('graphql').FragmentDefinitionNode>;
    expect(selectionDepth(operation.selectionSet, fragments)).toBe(4);
  });

  it('multiplies by page sizes from literals and variables, assuming 20 when a variable is missing', () => {
    const { document, operation } = op('query ($n: Int) { complaints(first: $n) { edges { node { id } } } }');
    expect(operationCost(operation, document, { n: 5 })).toBe(5 * (1 + 1 + 1 + 1) - 0);
    expect(operationCost(operation, document, {})).toBe(20 * 4);
  });

  it('costs a fragment bomb by its expanded size without expanding it', () => {
    const levels = 30;
    let source = '{ ...F0 }\n';
    for (let i = 0; i < levels; i++)
      source += `fragment F${i} on Query { a: me { ...F${i + 1} } b: me { ...F${i + 1} } }\n`;
    source += `fragment F${levels} on Query { me { id } }`;
    const { document, operation } = op(source);
    const started = Date.now();
    expect(operationCost(operation, document)).toBeGreaterThan(2 ** levels);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('RateLimiter', () => {
  it('allows the per-minute budget, then tells how long to wait, and refills over time', () => {
    let now = 0;
    const limiter = new RateLimiter(3, () => now);
    expect([limiter.take('ip-a'), limiter.take('ip-a'), limiter.take('ip-a')]).toEqual([0, 0, 0]);
    expect(limiter.take('ip-a')).toBe(20);
    expect(limiter.take('ip-b')).toBe(0);
    now += 20_000;
    expect(limiter.take('ip-a')).toBe(0);
    expect(limiter.take('ip-a')).toBeGreaterThan(0);
  });

  it('forgets the least recently seen client beyond its capacity', () => {
    const limiter = new RateLimiter(1, () => 0, 2);
    limiter.take('a');
    limiter.take('b');
    limiter.take('c');
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('c')).toBeGreaterThan(0);
  });
});

describe('logger', () => {
  it('redacts tokens, variables and complainant identity', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ name: 'test', level: 'info', destination });
    logger.info({
      req: { headers: { authorization: 'Bearer abc.def.ghi' } },
      variables: { nik: '3171234567890123' },
      complaint: { id: 'c-1', complainant: { name: 'Budi', nik: '3171234567890123' } },
      complainant: { email: 'budi@example.id' },
    });
    const out = lines.join('');
    expect(out).toContain('c-1');
    expect(out).not.toMatch(/abc\.def\.ghi|3171234567890123|Budi|budi@example/);
  });
});
