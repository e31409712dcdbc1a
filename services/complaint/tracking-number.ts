import { randomInt } from 'node:crypto';
import type { Actor, EventStore, StreamAppend } from '../shared/eventstore/types';
import { WrongExpectedRevisionError } from '../shared/eventstore/types';
import { TRACKING_NUMBER_PATTERN } from './domain/constants';

/**
 * Tracking numbers `DUMAS-<year>-<6 digits>` (*nomor registrasi*), unique across every process that
 * writes to the log. Each number is claimed by appending one event to its own stream
 * `tracking-number-DUMAS-<year>-<digits>` with expectedRevision `no_stream`: the store lets exactly one
 * claimant create a stream, so two intakes can never hold the same number, whatever their timing and
 * without a counter every intake would contend on. The digits are random, so numbers reveal neither
 * volume nor the neighbouring complaints; a collision is simply retried with new digits.
 *
 * A claim whose complaint is then never written (a crash in between) leaves an unused number behind:
 * harmless, as it points at no complaint.
 */

export const TRACKING_NUMBER_STREAM_PREFIX = 'tracking-number-';
export const trackingNumberStreamId = (trackingNumber: string) =>
  `${TRACKING_NUMBER_STREAM_PREFIX}${trackingNumber}`;

export const SERIALS_PER_YEAR = 1_000_000;

export const formatTrackingNumber = (year: number, serial: number) =>
  `DUMAS-${String(year).padStart(4, '0')}-${String(serial).padStart(6, '0')}`;

export function parseTrackingNumber(value: string): { year: number; serial: number } | undefined {
  const match = TRACKING_NUMBER_PATTERN.exec(value.trim().toUpperCase());
  return match ? { year: Number(match[1]), serial: Number(match[2]) } : undefined;
}

/** The calendar year in Western Indonesian Time (UTC+7, no daylight saving), where Kemensetneg works. */
export function trackingYear(instant: string): number {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new TypeError('not an ISO 8601 instant');
  return new Date(ms + 7 * 3_600_000).getUTCFullYear();
}

export type TrackingNumberClaimed = {
  readonly type: 'TrackingNumberClaimed';
  readonly data: { readonly trackingNumber: string; readonly complaintId: string; readonly at: string };
};

export class TrackingNumbersExhaustedError extends Error {
  readonly code = 'TRACKING_NUMBERS_EXHAUSTED';
  constructor(
    readonly year: number,
    readonly attempts: number,
  ) {
    super(`no free tracking number found for ${year} after ${attempts} attempts`);
    this.name = 'TrackingNumbersExhaustedError';
  }
}

export interface TrackingNumberServiceOptions {
  /** Uniform integer in [0, max). Injected by tests to force collisions; crypto-random by default. */
  readonly random?: (max: number) => number;
  /**
   * Attempts before giving up. At 100 000 complaints in a year a draw collides with p = 0.1, so 20
   * attempts fail with p = 1e-20: only a nearly full year (or a broken random source) ever gets there.
   */
  readonly maxAttempts?: number;
}

export class TrackingNumberService {
  private readonly random: (max: number) => number;
  private readonly maxAttempts: number;

  constructor(
    private readonly store: EventStore,
    options: TrackingNumberServiceOptions = {},
  ) {
    this.random = options.random ?? ((max) => randomInt(max));
    this.maxAttempts = options.maxAttempts ?? 20;
  }

  /** Claims a fresh number of `year` for the complaint; `now` and `actor` go into the claim's metadata. */
  async claim(complaintId: string, year: number, context: { now: string; actor?: Actor }): Promise<string> {
    return this.claimAlong(complaintId, year, context, async (claim, trackingNumber) => {
      await this.store.append(claim.streamId, claim.events, { expectedRevision: claim.expectedRevision! });
      return trackingNumber;
    });
  }

  /**
   * Draws numbers until `write` succeeds: `write` appends the claim (a no_stream append of the number's
   * stream) together with whatever else it needs, e.g. the complaint in the same transaction. A claim
   * stream that exists already means the number is taken: draw again. Any other error is `write`'s own.
   */
  async claimAlong<T>(
    complaintId: string,
    year: number,
    context: { now: string; actor?: Actor },
    write: (claim: StreamAppend, trackingNumber: string) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const { claim, trackingNumber } = this.draft(complaintId, year, context);
      const streamId = claim.streamId;
      try {
        return await write(claim, trackingNumber);
      } catch (err) {
        if (err instanceof WrongExpectedRevisionError && err.streamId === streamId) continue; // Taken.
        throw err;
      }
    }
    throw new TrackingNumbersExhaustedError(year, this.maxAttempts);
  }

  /**
   * A random number of `year` and the append that claims it, not yet written: for a caller that commits
   * many claims at once (a bulk import) and draws again for one whose stream turns out to exist.
   */
  draft(
    complaintId: string,
    year: number,
    context: { now: string; actor?: Actor },
  ): { claim: StreamAppend; trackingNumber: string } {
    return draftTrackingNumber(complaintId, year, context, this.random);
  }

  /** The complaint a number was claimed for, or undefined for a number never issued. */
  async lookup(trackingNumber: string): Promise<string | undefined> {
    const parsed = parseTrackingNumber(trackingNumber);
    if (!parsed) return undefined;
    const [first] = await this.store.readStream(
      trackingNumberStreamId(formatTrackingNumber(parsed.year, parsed.serial)),
      { maxCount: 1 },
    );
    return first ? (first.data as TrackingNumberClaimed['data']).complaintId : undefined;
  }
}

/**
 * A set of tracking numbers as one bit per serial and year (125 KB a year): an import remembers every
 * number it drew, and a Set of 100k strings made each of its worker's garbage collections longer.
 */
export class TrackingNumberBits {
  private readonly years = new Map<number, Uint8Array>();

  has(trackingNumber: string): boolean {
    const parsed = parseTrackingNumber(trackingNumber);
    const bits = parsed && this.years.get(parsed.year);
    return bits ? (bits[parsed.serial >> 3]! & (1 << (parsed.serial & 7))) !== 0 : false;
  }

  add(trackingNumber: string): this {
    const parsed = parseTrackingNumber(trackingNumber);
    if (!parsed) throw new RangeError('not a tracking number');
    let bits = this.years.get(parsed.year);
    if (!bits) {
      bits = new Uint8Array(SERIALS_PER_YEAR / 8);
      this.years.set(parsed.year, bits);
    }
    bits[parsed.serial >> 3]! |= 1 << (parsed.serial & 7);
    return this;
  }
}

/** TrackingNumberService.draft without a store (an import's worker threads draw numbers too). */
export function draftTrackingNumber(
  complaintId: string,
  year: number,
  context: { now: string; actor?: Actor },
  random: (max: number) => number = randomInt,
): { claim: StreamAppend; trackingNumber: string } {
  if (!Number.isInteger(year) || year < 1000 || year > 9999)
    throw new RangeError('year must have four digits');
  const trackingNumber = formatTrackingNumber(year, random(SERIALS_PER_YEAR));
  const claimed: TrackingNumberClaimed = {
    type: 'TrackingNumberClaimed',
    data: { trackingNumber, complaintId, at: context.now },
  };
  return {
    trackingNumber,
    claim: {
      streamId: trackingNumberStreamId(trackingNumber),
      events: [
        {
          ...claimed,
          metadata: {
            occurredAt: context.now,
            caseId: complaintId,
            ...(context.actor ? { actor: context.actor } : {}),
          },
        },
      ],
      expectedRevision: 'no_stream',
    },
  };
}
