import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../http/server';
import { graphqlDuration, graphqlRequests, rateLimitRefusals, secondsSince } from '../metrics';
import { nameActiveSpan } from '../tracing';
import { isClientError, LIMIT_CODES } from './errors';

/**
 * Logs the errors that are our fault (with the request id, never variables) and stamps that request id
 * on the masked INTERNAL_SERVER_ERROR entries so a client can quote it to support.
 */
export function errorReportingPlugin<Ctx extends RequestContext>(): ApolloServerPlugin<Ctx> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue, operationName }) {
          for (const error of errors) {
            const code = error.extensions?.code;
            if (isClientError({ message: error.message, extensions: { code } }, error)) continue;
            const original = error.originalError ?? error;
            contextValue.logger.error(
              {
                err: { type: original.name, message: original.message, stack: original.stack },
                path: error.path,
                operationName: operationName ?? undefined,
                code,
              },
              'operation error',
            );
          }
        },
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors;
          if (!errors) return;
          response.body.singleResult.errors = errors.map((e) =>
            e.extensions?.code === 'INTERNAL_SERVER_ERROR' && !e.extensions.requestId
              ? { ...e, extensions: { ...e.extensions, requestId: contextValue.requestId } }
              : e,
          );
        },
      };
    },
  };
}

/** Operation names are chosen by clients: past this many distinct ones a process counts the rest as `(other)`. */
const MAX_OPERATION_NAMES = 500;
const LIMIT_CODE_SET: ReadonlySet<unknown> = new Set(LIMIT_CODES);

/**
 * Counts and times every operation by name and outcome (`ok`, or the first error's code), and counts
 * refusals by a limit. The label set stays bounded: names are capped in length and number.
 */
export function metricsPlugin<Ctx extends RequestContext>(service: string): ApolloServerPlugin<Ctx> {
  const seen = new Set<string>();
  const nameOf = (raw: string | null | undefined): string => {
    if (!raw) return '(anonymous)';
    const name = raw.length > 80 ? raw.slice(0, 80) : raw;
    if (seen.has(name)) return name;
    if (seen.size >= MAX_OPERATION_NAMES) return '(other)';
    seen.add(name);
    return name;
  };
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async didResolveOperation({ operation, operationName }) {
          if (operation) nameActiveSpan(`graphql ${operation.operation} ${nameOf(operationName)}`);
        },
        async willSendResponse({ response, operation, operationName, errors }) {
          // The answer's errors as the client sees them (formatted: a limit's own code, not Apollo's wrapper).
          const first =
            (response.body.kind === 'single' ? response.body.singleResult.errors?.[0] : undefined) ??
            errors?.[0];
          const code = first ? String(first.extensions?.code ?? 'INTERNAL_SERVER_ERROR') : undefined;
          const labels = {
            service,
            operation: operation ? nameOf(operationName) : '(invalid)',
            type: operation?.operation ?? 'unknown',
            outcome: code ?? 'ok',
          };
          graphqlRequests.inc(labels);
          graphqlDuration.observe(labels, secondsSince(started));
          if (code && LIMIT_CODE_SET.has(code)) rateLimitRefusals.inc({ service, limit: code });
        },
      };
    },
  };
}
