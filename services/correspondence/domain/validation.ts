import { createHash } from 'node:crypto';
import { badInput } from '../../shared/errors';

/**
 * Input checks shared by the correspondence deciders. Every message names the field, never the value:
 * a focal point's name or phone number must not end up in an error or a log line.
 */

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** Letter ids are UUIDs from the client or deterministic UUIDs from a process manager; slugs work too. */
const ENTITY_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Indonesian numbers are written many ways (+62 274 367509, (0274) 367509, 0812-2700-1234). */
const PHONE = /^\+?[0-9 ()-]{6,24}$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

export function requireText(field: string, value: unknown, maxLength = 500): string {
  if (typeof value !== 'string' || value.trim() === '') throw badInput(`${field} is required`, { field });
  const text = value.trim();
  if (text.length > maxLength) throw badInput(`${field} is longer than ${maxLength} characters`, { field });
  return text;
}

export function optionalText(field: string, value: unknown, maxLength = 500): string | undefined {
  if (value === undefined || value === null) return undefined;
  return requireText(field, value, maxLength);
}

export function requireAgencyId(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length > 80 || !SLUG.test(value)) {
    throw badInput(`${field} must be a lowercase slug such as inspektorat-bantul`, { field });
  }
  return value;
}

export function requireEntityId(field: string, value: unknown): string {
  if (typeof value !== 'string' || !ENTITY_ID.test(value)) {
    throw badInput(`${field} must be 1-80 letters, digits, '-' or '_'`, { field });
  }
  return value;
}

export function requireEmail(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length > 254 || !EMAIL.test(value.trim())) {
    throw badInput(`${field} is not an email address`, { field });
  }
  return value.trim().toLowerCase();
}

export function optionalPhone(field: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !PHONE.test(value.trim())) {
    throw badInput(`${field} is not a phone number`, { field });
  }
  return value.trim();
}

export function requireInstant(field: string, value: unknown): string {
  if (typeof value !== 'string' || !ISO_INSTANT.test(value) || Number.isNaN(Date.parse(value))) {
    throw badInput(`${field} must be an ISO 8601 instant with a time zone`, { field });
  }
  return value;
}

export function optionalInstant(field: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return requireInstant(field, value);
}

/**
 * A name-based UUID (RFC 4122 version 5, SHA-1). Process managers and the numbering service derive
 * event ids from what caused them, so a replay after a crash appends the very same ids and the store
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

/** The namespace of correspondence name-based UUIDs: uuidV5('dumas.setneg.go.id/correspondence', RFC 4122 URL namespace). */
export const DUMAS_NAMESPACE = '81dbea5b-d19b-57bb-bed5-332fb0df4a3e';
