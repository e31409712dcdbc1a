import { createHash } from 'node:crypto';

/** The namespace of dumas name-based UUIDs: uuidV5('dumas.setneg.go.id/correspondence', RFC 4122 URL namespace). */
export const DUMAS_NAMESPACE = '81dbea5b-d19b-57bb-bed5-332fb0df4a3e';

/**
 * A name-based UUID (RFC 4122 version 5, SHA-1). Process managers and reservation services derive event
 * ids from what caused them, so a replay after a crash appends the very same ids and the store
 * recognises the retry.
 */
export function uuidV5(name: string, namespace: string = DUMAS_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * A UUID shaped from SHA-256 of `name` with the given version nibble; the variant nibble follows the
 * digest unless given. Kept beside uuidV5 because ids already in stores were derived this way (a
 * breach's event id, a complaint filed with an idempotency key): changing the formula would change them.
 */
export function sha256Uuid(name: string, version: string, variant?: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  const v = variant ?? ((Number.parseInt(h[16]!, 16) & 3) | 8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${version}${h.slice(13, 16)}-${v}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
