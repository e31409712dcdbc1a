import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../http/server';
import { isClientError } from './errors';

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
