/**
 * The sealed form of personal data as it travels in events and read models. Only ciphertext is ever
 * stored in the event log; the key that opens it lives in a KeyVault outside the log, so destroying the
 * key (crypto-shredding) makes the value unreadable while every hash chain over the ciphertext still holds.
 */

/** AES-256-GCM, 96-bit IV, 128-bit tag; every binary field is base64. JSON-safe by construction. */
export interface SealedValue {
  /** Format version, so a later algorithm can be told apart without guessing. */
  readonly v: 1;
  readonly alg: 'A256GCM';
  /** The vault's id of the data key (not the subject id: a blob alone does not say whose it is). */
  readonly keyId: string;
  readonly iv: string;
  readonly ciphertext: string;
  readonly tag: string;
}

/** What `decrypt` answers once the subject's key has been destroyed. Never stored anywhere. */
export const ERASED: unique symbol = Symbol('ERASED');
export type Erased = typeof ERASED;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const KEY_ID = /^[A-Za-z0-9_-]{8,64}$/;

const isBase64 = (value: unknown, minLength: number, maxLength: number): value is string =>
  typeof value === 'string' &&
  value.length >= minLength &&
  value.length <= maxLength &&
  value.length % 4 === 0 &&
  BASE64.test(value);

/** Shape check only (a blob of the right form may still fail to open). Used on untrusted command input. */
export function isSealedValue(value: unknown): value is SealedValue {
  if (typeof value !== 'object' || value === null) return false;
  const blob = value as Record<string, unknown>;
  return (
    blob.v === 1 &&
    blob.alg === 'A256GCM' &&
    typeof blob.keyId === 'string' &&
    KEY_ID.test(blob.keyId) &&
    isBase64(blob.iv, 16, 16) &&
    isBase64(blob.tag, 24, 24) &&
    // An identity record is small; the upper bound keeps a hostile blob from bloating every event.
    isBase64(blob.ciphertext, 0, 64 * 1024)
  );
}
