/**
 * What stands before an access-code check in a subgraph (trackComplaint, rateComplaintHandling), so that a
 * flood of guesses costs the flooder, not the honest complainant: each check is a deliberately slow hash,
 * and the refusals here cost nothing.
 *
 * - At most one check per request: a second in the same request (aliases, or a batch sent straight to
 *   the subgraph) is refused with TOO_MANY_ACCESS_CODE_CHECKS before hashing.
 * - A budget per tracking number, whoever asks (RATE_LIMITED, 429): guesses at one complaint's code are
 *   slowed to a trickle. The budget per client is the gateway's (it knows the client's address; here
 *   every gated call comes from the gateway).
 */
import { rateLimited, RateLimiter, tooManyAccessCodeChecks } from './graphql/limits';

export class AccessCodeGuard {
  private readonly checked = new WeakSet<object>();
  private readonly perTrackingNumber: RateLimiter;

  constructor(perTrackingNumberPerMinute: number, now: () => number = Date.now) {
    this.perTrackingNumber = new RateLimiter(perTrackingNumberPerMinute, now);
  }

  /**
   * Admits one check for this request (the request's context object) and tracking number, or throws the
   * refusal. Call before looking anything up, so a refusal is as cheap as it can be.
   */
  admit(request: object, trackingNumber: string): void {
    if (this.checked.has(request)) throw tooManyAccessCodeChecks();
    this.checked.add(request);
    const retryAfter = this.perTrackingNumber.take(trackingNumber.trim().toUpperCase());
    if (retryAfter > 0)
      throw rateLimited(retryAfter, 'too many attempts for this tracking number; try again later');
  }
}
