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
