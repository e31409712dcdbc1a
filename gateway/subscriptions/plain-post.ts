/**
 * A subscription sent as a plain query (POST or GET with JSON in and out) cannot be answered: the events
 * are a stream. @apollo/gateway would throw on it and the client would see an unexplained 500; this
 * plugin refuses it first with a 400 that says which two transports serve subscriptions here.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';

export const HOW_TO_SUBSCRIBE =
  'a subscription is a stream and is not answered as a plain request: subscribe on this same /graphql over ' +
  'WebSocket (graphql-ws protocol, subprotocol "graphql-transport-ws", token in connectionParams.authorization) ' +
  'or over Server-Sent Events (POST with "Accept: text/event-stream", graphql-sse protocol, token in the ' +
  'Authorization header)';

export function plainSubscriptionPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== 'subscription') return;
          throw new GraphQLError(HOW_TO_SUBSCRIBE, {
            extensions: {
              code: 'BAD_REQUEST',
              transports: ['graphql-ws', 'graphql-sse'],
              http: { status: 400 },
            },
          });
        },
      };
    },
  };
}
