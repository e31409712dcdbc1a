import { badInput } from '../../shared/errors';

/**
 * Input checks for commands. Messages name the field and the rule, never the value: a value may be
 * personal data a complainant typed, and errors reach logs.
 */

export const LIMITS = {
  subject: 200,
  description: 10_000,
  classification: 100,
  channelReference: 200,
  note: 2_000,
  longText: 10_000,
  maxAgencies: 20,
} as const;

export function requiredText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string') throw badInput(`${field} is required`, { field });
  const trimmed = value.trim();
  if (trimmed === '') throw badInput(`${field} must not be empty`, { field });
  if (trimmed.length > max) throw badInput(`${field} must be at most ${max} characters`, { field, max });
  return trimmed;
}

/** Null when absent or blank. */
export function optionalText(value: unknown, field: string, max: number): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw badInput(`${field} must be text`, { field });
  const trimmed = value.trim();
  if (trimmed === '') return null;
  if (trimmed.length > max) throw badInput(`${field} must be at most ${max} characters`, { field, max });
  return trimmed;
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

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 instant with a zone, returned normalised to UTC (`…Z`, milliseconds). */
export function instant(value: unknown, field: string): string {
  if (typeof value !== 'string' || !ISO_INSTANT.test(value) || Number.isNaN(Date.parse(value))) {
    throw badInput(`${field} must be an ISO 8601 date-time with a time zone`, { field });
  }
  return new Date(value).toISOString();
}

// Ids are system-made (UUIDs, slugs); a strict alphabet keeps them safe in stream names, logs and URLs.
const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;
const AGENCY_ID = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

export function entityId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !ID.test(value)) {
    throw badInput(`${field} must be an id of 1-100 characters of letters, digits, _ . : -`, { field });
  }
  return value;
}

export function agencyId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !AGENCY_ID.test(value)) {
    throw badInput(
      `${field} must be an agency id such as inspektorat-bantul (lower-case letters, digits, -)`,
      {
        field,
      },
    );
  }
  return value;
}

/** A non-empty list of distinct agency ids. */
export function agencyIdList(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.length === 0)
    throw badInput(`${field} must name at least one agency`, { field });
  if (value.length > LIMITS.maxAgencies) {
    throw badInput(`${field} may name at most ${LIMITS.maxAgencies} agencies`, {
      field,
      max: LIMITS.maxAgencies,
    });
  }
  const ids = value.map((v, i) => agencyId(v, `${field}[${i}]`));
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw badInput(`${field} names agency ${id} more than once`, { field, agencyId: id });
    seen.add(id);
  }
  return ids;
}
