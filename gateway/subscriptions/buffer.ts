/**
 * Between a client subscription's upstream and its transport: events are resolved a few at a time in
 * order (our own pace, which holds the upstream back), and resolved events wait in a bounded buffer for
 * the client to take them. When more resolved events wait than the limit, or more bytes sit unsent on
 * its connection, the client is slow: it is cut off with a clear reason, and resumes later with `after`.
 * A slow client never holds up the upstream connection it shares, nor anyone else.
 */
import { GraphQLError } from 'graphql';
import { unauthenticated } from '../../services/shared/errors';

export interface ConsumerLimits {
  /** Resolved events waiting for the client's transport to take them. */
  readonly maxBufferedEvents: number;
  /** Bytes handed to the client's connection and not yet flushed to the network. */
  readonly maxBufferedBytes: number;
}

export const DEFAULT_CONSUMER_LIMITS: ConsumerLimits = {
  maxBufferedEvents: 1_000,
  maxBufferedBytes: 4 * 1024 * 1024,
};

/** Events resolved at the same time for one subscription. */
const RESOLVING = 16;

/** What the transport tells the buffer about its client. */
export interface ConsumerHandle {
  /** Bytes waiting on the client's connection. */
  pendingBytes(): number;
  /** Ends the client's connection with this reason (close code / error event). */
  disconnect(reason: string): void;
  /** The token's expiry in seconds since the epoch. */
  readonly tokenExpiresAt?: number;
}

export const slowConsumerReason = (limits: ConsumerLimits, what: 'events' | 'bytes') =>
  what === 'events'
    ? `slow consumer: more than ${limits.maxBufferedEvents} events were waiting; resume with after`
    : `slow consumer: more than ${limits.maxBufferedBytes} bytes were unsent; resume with after`;

interface Slot<R> {
  readonly result: Promise<R>;
  settled: boolean;
}

export function bounded<P, R>(
  source: AsyncIterator<P>,
  resolve: (payload: P) => R | Promise<R>,
  limits: ConsumerLimits,
  consumer: ConsumerHandle,
): AsyncGenerator<R> {
  const queue: Slot<R>[] = [];
  let resolving = 0;
  let ready = 0;
  let failure: unknown;
  let ended = false;
  let wakeConsumer: (() => void) | undefined;
  let wakePump: (() => void) | undefined;
  const notify = () => {
    const w = wakeConsumer;
    wakeConsumer = undefined;
    w?.();
  };
  const stopSource = () => {
    void Promise.resolve(source.return?.()).catch(() => undefined);
  };
  const fail = (err: unknown) => {
    if (ended) return;
    failure = err;
    ended = true;
    // Nothing more is delivered after a refusal: the client resumes from the last position it received.
    queue.length = 0;
    stopSource();
    notify();
    wakePump?.();
  };
  const expired = () => consumer.tokenExpiresAt !== undefined && Date.now() >= consumer.tokenExpiresAt * 1000;
  const checkSlow = () => {
    const what =
      ready > limits.maxBufferedEvents
        ? 'events'
        : consumer.pendingBytes() > limits.maxBufferedBytes
          ? 'bytes'
          : undefined;
    if (!what || ended) return;
    const reason = slowConsumerReason(limits, what);
    fail(new GraphQLError(reason, { extensions: { code: 'SLOW_CONSUMER' } }));
    consumer.disconnect(reason);
  };

  (async () => {
    while (!ended) {
      if (resolving >= RESOLVING) {
        await new Promise<void>((r) => {
          wakePump = r;
        });
        wakePump = undefined;
        continue;
      }
      const step = await source.next();
      if (ended) return;
      if (step.done) {
        ended = true;
        notify();
        return;
      }
      if (expired()) return fail(unauthenticated('the token has expired'));
      resolving++;
      const slot: Slot<R> = {
        settled: false,
        result: Promise.resolve()
          .then(() => resolve(step.value))
          .finally(() => {
            slot.settled = true;
            resolving--;
            ready++;
            wakePump?.();
            checkSlow();
            notify();
          }),
      };
      slot.result.catch(() => undefined);
      queue.push(slot);
      checkSlow();
      notify();
    }
  })().catch(fail);

  return (async function* drain(): AsyncGenerator<R> {
    try {
      for (;;) {
        const head = queue[0];
        if (head) {
          const value = await head.result;
          if (queue[0] !== head) {
            // Failed meanwhile: the queue was dropped.
            if (failure) throw failure;
            return;
          }
          queue.shift();
          ready--;
          yield value;
          continue;
        }
        if (failure) throw failure;
        if (ended) return;
        await new Promise<void>((resolve) => {
          wakeConsumer = resolve;
        });
      }
    } finally {
      if (!ended) {
        ended = true;
        stopSource();
        wakePump?.();
      }
    }
  })();
}
