import { createHash } from 'node:crypto';
import type { ChainVerification, EventMetadata, EventStore, RecordedEvent } from './types';

/**
 * Canonical JSON: the one byte sequence every adapter hashes for the same value, whatever order its
 * keys were written in or how a database returned them. Object keys are sorted by UTF-16 code unit,
 * properties holding `undefined` (or functions/symbols) are left out exactly as JSON.stringify leaves
 * them out, so a value hashes the same before storing and after a JSON round trip. Numbers use
 * ECMAScript's shortest round-trip form (what JSON.stringify prints), with -0 written as 0; NaN and
 * infinities cannot be stored as JSON and are refused rather than silently turned into null.
 */
export function canonicalJson(value: unknown): string {
  if (value instanceof CanonicalText) return value.text;
  try {
    const out = canonicalPart(value);
    if (out === undefined) throw new NotCanonical('is not representable', []);
    return out;
  } catch (err) {
    if (err instanceof NotCanonical)
      throw new TypeError(`canonical JSON: $${err.path.join('')} ${err.problem}`);
    throw err;
  }
}

/**
 * A value that travels as its canonical JSON, made by canonicalJson elsewhere (a bulk import serialises
 * its events on worker threads, so the thread that appends does not do it again): canonicalJson hands the
 * text back as it is, and anything else that serialises it (toJSON) gets the value.
 */
class CanonicalText {
  constructor(readonly text: string) {}
  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

/**
 * `text`, which canonicalJson made, standing for its value in an event's data or metadata. Only for text
 * from canonicalJson: a store hashes and keeps what it is given, so anything else would be stored (and
 * chained) as it is, and fail verification.
 */
export function canonicalValue<T>(text: string): T {
  return new CanonicalText(text) as unknown as T;
}

/** What an event's data or metadata holds when it is a canonicalValue, as a plain value. */
export function plainValue<T>(value: T): T {
  return value instanceof CanonicalText ? (value.toJSON() as T) : value;
}

/** Object keys as JSON strings: every event of every append comes through here, with the same few names. */
const quotedKeys = new Map<string, string>();
const MAX_QUOTED_KEYS = 10_000;

function quoteKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (quotedKeys.size < MAX_QUOTED_KEYS) quotedKeys.set(key, quoted);
  }
  return quoted;
}

/** Carries the path to the offending value up the recursion; built only when something is wrong. */
class NotCanonical extends Error {
  constructor(
    readonly problem: string,
    readonly path: string[],
  ) {
    super(problem);
  }
}

function canonicalPart(value: unknown): string | undefined {
  if (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  ) {
    // Dates and similar: hash what JSON storage will hand back, not the live object.
    value = (value as { toJSON(key: string): unknown }).toJSON('');
  }
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new NotCanonical('is not a finite number', []);
      return Object.is(value, -0) ? '0' : JSON.stringify(value);
    case 'bigint':
      throw new NotCanonical('is a bigint, which JSON cannot carry', []);
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        // JSON.stringify writes holes and undefined array items as null; so do we.
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          let item: string | undefined;
          try {
            item = canonicalPart(value[i]);
          } catch (err) {
            if (err instanceof NotCanonical) err.path.unshift(`[${i}]`);
            throw err;
          }
          out += (i ? ',' : '') + (item ?? 'null');
        }
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      if (keys.length > 1) keys.sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        let part: string | undefined;
        try {
          part = canonicalPart(record[key]);
        } catch (err) {
          if (err instanceof NotCanonical) err.path.unshift(`.${key}`);
          throw err;
        }
        if (part === undefined) continue;
        out += `${first ? '' : ','}${quoteKey(key)}:${part}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      throw new NotCanonical('has an unsupported type', []);
  }
}

/** What the hash covers: everything a writer decided. Position and recordedAt are the store's own
 * bookkeeping and differ between backends, so they stay outside and every adapter chains identically. */
export interface HashedContent {
  readonly streamId: string;
  readonly revision: number;
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
}

/** SHA-256 hex over the previous event's hash (empty for revision 0) followed by the canonical content.
 * The previous hash is fixed-length hex or empty, so the concatenation cannot be ambiguous. */
export function computeEventHash(previousHash: string, content: HashedContent): string {
  return hashCanonicalContent(
    previousHash,
    content.streamId,
    content.revision,
    content.id,
    content.type,
    canonicalJson(content.data),
    canonicalJson(content.metadata),
  );
}

/**
 * The same hash as computeEventHash, for adapters that already hold the canonical JSON of data and
 * metadata (because that is what they store) and should not serialise them twice. It writes the
 * canonical form of {streamId, revision, id, type, data, metadata} with its keys in sorted order.
 */
export function hashCanonicalContent(
  previousHash: string,
  streamId: string,
  revision: number,
  id: string,
  type: string,
  canonicalData: string,
  canonicalMetadata: string,
): string {
  return createHash('sha256')
    .update(previousHash)
    .update(
      `{"data":${canonicalData},"id":${JSON.stringify(id)},"metadata":${canonicalMetadata},` +
        `"revision":${canonicalJson(revision)},"streamId":${JSON.stringify(streamId)},"type":${JSON.stringify(type)}}`,
    )
    .digest('hex');
}

/**
 * Checks one stream's events, read in revision order, against its hash chain and names the first
 * revision where it breaks. Catches an edited event (hash no longer recomputes), a deleted one (a
 * revision is missing), reordered ones (revisions out of order, or content hashed under another
 * revision), and an inserted one (revisions shift, and the next event's previousHash no longer matches).
 * Cutting events off the end leaves a shorter chain that is still whole: compare `lastHash` or the
 * event count with a value kept elsewhere to catch that.
 */
export function verifyChain(streamId: string, events: readonly RecordedEvent[]): ChainVerification {
  let previousHash = '';
  for (let expected = 0; expected < events.length; expected++) {
    const event = events[expected]!;
    const broken = (reason: string): ChainVerification => ({
      ok: false,
      streamId,
      brokenAt: expected,
      reason,
    });
    if (event.streamId !== streamId) return broken(`event ${event.id} belongs to stream ${event.streamId}`);
    if (event.revision !== expected) {
      return broken(
        event.revision > expected
          ? `revision ${expected} is missing (found ${event.revision})`
          : `revision ${event.revision} is out of order`,
      );
    }
    if (event.previousHash !== previousHash)
      return broken('previousHash does not match the hash of the prior event');
    let recomputed: string;
    try {
      recomputed = computeEventHash(previousHash, event);
    } catch {
      return broken('content cannot be hashed');
    }
    if (recomputed !== event.hash) return broken('hash does not match the event content');
    previousHash = event.hash;
  }
  return { ok: true, streamId, events: events.length, lastHash: previousHash };
}

/** Reads a whole stream from a store and verifies its chain. */
export async function verifyStream(store: EventStore, streamId: string): Promise<ChainVerification> {
  return verifyChain(streamId, await store.readStream(streamId));
}
