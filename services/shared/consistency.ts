/**
 * Read-your-writes across subgraphs, asked for rather than imposed. A plain read answers from the read
 * models as they stand, without waiting for the log head: waiting made every read's latency follow the
 * write load of the whole system. A caller that needs to see its own write sends the position that write
 * reached (its token) and the reads of that request wait for it:
 *
 * - every GraphQL response whose request appended events carries `dumas-position: <n>` (the highest
 *   position this request's writes reached, gateway and subgraphs alike);
 * - a request may carry `dumas-read-after: <n>`; the gateway passes on the larger of it and what the
 *   operation's own earlier subgraph calls wrote (a mutation's selection that reaches another subgraph
 *   reads what the mutation wrote), and a subgraph's reads then wait (bounded) until its read models
 *   include that position.
 *
 * The state of one request lives in an AsyncLocalStorage scope opened by the GraphQL route, so services
 * note their writes where they already wait for them (SubgraphRuntime.settle) without threading a context.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { badInput } from './errors';

/** Request header: the position the caller wants its reads to include. */
export const READ_AFTER_HEADER = 'dumas-read-after';
/** Response header: the highest position the request's writes reached. */
export const POSITION_HEADER = 'dumas-position';

export interface RequestConsistency {
  /** What the caller asked its reads to include (0: nothing in particular). */
  readonly readAfter: number;
  /** The highest position this request's writes reached so far (0: none). */
  written: number;
}

const scope = new AsyncLocalStorage<RequestConsistency>();

/** Parses the read-after header: absent or empty is 0; anything but a non-negative integer is refused. */
export function parseReadAfter(value: string | string[] | undefined): number {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return 0;
  if (!/^\d{1,15}$/.test(raw.trim())) {
    throw badInput(`${READ_AFTER_HEADER} must be a position (a non-negative integer)`, {
      header: READ_AFTER_HEADER,
    });
  }
  return Number(raw.trim());
}

/** Runs one request's handling in its own consistency scope. */
export function withConsistency<T>(readAfter: number, fn: () => T): T {
  return scope.run({ readAfter, written: 0 }, fn);
}

/** The current request's scope, if any (none in workers, flows and tests that call services directly). */
export function currentConsistency(): RequestConsistency | undefined {
  return scope.getStore();
}

/** Notes that the current request's write reached `position`. */
export function noteWritten(position: number): void {
  const current = scope.getStore();
  if (current && position > current.written) current.written = position;
}

/** The position the current request's reads should include: what it asked for and what it wrote itself. */
export function readAfterPosition(): number {
  const current = scope.getStore();
  return current ? Math.max(current.readAfter, current.written) : 0;
}
