/**
 * What stands before an access-code check in a subgraph (trackComplaint, rateComplaintHandling), so that a
 * flood of guesses costs the flooder, not the honest complainant: each check is a deliberately slow hash,
 * and the refusals here cost nothing.
 *
 * - At most one check per request: a second in the same request (aliases, or a batch sent straight to
 *   the subgraph) is refused with TOO_MANY_ACCESS_CODE_CHECKS before hashing.
 * - A budget per tracking number and client (RATE_LIMITED, 429): guesses at one complaint's code from
 *   one address are slowed to a trickle, and a flood of them from other addresses does not lock the
 *   complainant out of their own case (a budget per tracking number alone did: 50 flooders spent it and
 *   the honest request was refused). The client is the caller's address as the gateway saw it (it passes
 *   it on in its signed calls), besides the gateway's own budget per client across every number. What
 *   is left to a distributed guesser is bounded by its addresses: a code has 60 bits (12 characters of a
 *   32-letter alphabet), so even 10,000 addresses at this budget's 10 checks a minute each need about
 *   11 million years, on average (2^59 guesses), to find one case's code. On PostgreSQL the budget is kept there
 *   (postgres-rate-limiter.ts), so the replicas of a subgraph share it.
 */
import { rateLimited, RateLimiter, tooManyAccessCodeChecks } from './graphql/limits';
import { type ClientLimiter, sharedLimits } from './graphql/postgres-rate-limiter';
import { DEFAULT_LIMITS } from './graphql/limits';
import type { SubgraphRuntime } from './runtime';

export class AccessCodeGuard {
  private readonly checked = new WeakSet<object>();
  private readonly perTrackingNumber: ClientLimiter;

  constructor(perTrackingNumberPerMinute: number, now: () => number = Date.now, shared?: ClientLimiter) {
    this.perTrackingNumber = shared ?? new RateLimiter(perTrackingNumberPerMinute, now);
  }

  /**
   * Admits one check for this request (the request's context object) and tracking number, or throws the
   * refusal. Call before looking anything up, so a refusal is as cheap as it can be.
   */
  async admit(request: { readonly clientIp: string }, trackingNumber: string): Promise<void> {
    if (this.checked.has(request)) throw tooManyAccessCodeChecks();
    this.checked.add(request);
    const key = `${trackingNumber.trim().toUpperCase()}\n${request.clientIp}`;
    const retryAfter = await this.perTrackingNumber.take(key);
    if (retryAfter > 0)
      throw rateLimited(retryAfter, 'too many attempts for this tracking number; try again later');
  }
}

/**
 * A runtime's guard: the budget per tracking number in PostgreSQL when the store is there (shared by the
 * subgraph's replicas and by every subgraph that checks codes), else in this process.
 */
export function accessCodeGuardOf(runtime: Pick<SubgraphRuntime, 'config'>): AccessCodeGuard {
  const perMinute = { ...DEFAULT_LIMITS, ...runtime.config.limits }
    .accessCodeChecksPerTrackingNumberPerMinute;
  const store = runtime.config.store;
  return new AccessCodeGuard(
    perMinute,
    Date.now,
    store.kind === 'postgres'
      ? sharedLimits(store.url).limiter('access_codes_per_tracking_number', perMinute)
      : undefined,
  );
}
