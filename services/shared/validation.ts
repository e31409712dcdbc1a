/**
 * Input checks for every decider, one argument order throughout: the value first, then the field it
 * came in (and a limit). Messages name the field and the rule, never the value: a value may be personal
 * data a complainant or a focal point typed, and errors reach logs.
 */
import { badInput } from './errors';

export function requiredText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '') throw badInput(`${field} is required`, { field });
  const trimmed = value.trim();
  if (trimmed.length > max) throw badInput(`${field} must be at most ${max} characters`, { field, max });
  return trimmed;
}

/** Null when absent or blank. */
export function optionalText(value: unknown, field: string, max: number): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw badInput(`${field} must be text`, { field });
  return value.trim() === '' ? null : requiredText(value, field, max);
}

export function requiredBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw badInput(`${field} must be true or false`, { field });
  return value;
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw badInput(`${field} must be one of ${allowed.join(', ')}`, { field, allowed });
  }
  return value as T;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 instant with a zone, as written (a letter keeps the date as the agency wrote it). */
export function instantAsGiven(value: unknown, field: string): string {
  if (typeof value !== 'string' || !ISO_INSTANT.test(value) || Number.isNaN(Date.parse(value))) {
    throw badInput(`${field} must be an ISO 8601 date-time with a time zone`, { field });
  }
  return value;
}

export function optionalInstantAsGiven(value: unknown, field: string): string | undefined {
  return value === undefined || value === null ? undefined : instantAsGiven(value, field);
}

/** An ISO 8601 instant with a zone, normalised to UTC (`…Z`, milliseconds) so that stored times compare. */
export const requiredInstant = (value: unknown, field: string): string =>
  new Date(instantAsGiven(value, field)).toISOString();

// Ids are system-made (UUIDs, slugs); a strict alphabet keeps them safe in stream names, logs and URLs.
const ENTITY_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;
const AGENCY_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Indonesian numbers are written many ways (+62 274 367509, (0274) 367509, 0812-2700-1234). */
const PHONE = /^\+?[0-9 ()-]{6,24}$/;

export function requiredEntityId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !ENTITY_ID.test(value)) {
    throw badInput(`${field} must be an id of 1-100 characters of letters, digits, _ . : -`, { field });
  }
  return value;
}

export function requiredAgencyId(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length > 80 || !AGENCY_ID.test(value)) {
    throw badInput(
      `${field} must be an agency id such as inspektorat-bantul (lower-case letters, digits, -)`,
      {
        field,
      },
    );
  }
  return value;
}

/** A non-empty list of at most `max` distinct agency ids. */
export function agencyIdList(value: unknown, field: string, max: number): string[] {
  if (!Array.isArray(value) || value.length === 0)
    throw badInput(`${field} must name at least one agency`, { field });
  if (value.length > max) throw badInput(`${field} may name at most ${max} agencies`, { field, max });
  const ids = value.map((v, i) => requiredAgencyId(v, `${field}[${i}]`));
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw badInput(`${field} names agency ${id} more than once`, { field, agencyId: id });
    seen.add(id);
  }
  return ids;
}

export function requiredEmail(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length > 254 || !EMAIL.test(value.trim())) {
    throw badInput(`${field} is not an email address`, { field });
  }
  return value.trim().toLowerCase();
}

export function optionalPhone(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !PHONE.test(value.trim())) {
    throw badInput(`${field} is not a phone number`, { field });
  }
  return value.trim();
}
