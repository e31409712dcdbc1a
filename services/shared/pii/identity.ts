import { badInput } from '../errors';
import { ERASED, type Erased, type SealedValue } from './sealed';
import type { KeyVault } from './vault';

/**
 * A complainant's identity (*identitas pelapor*): personal data under UU PDP 27/2022. It exists in
 * plaintext only in the request that carries it and in the response of a caller allowed to see it;
 * events and read models hold it sealed (see KeyVault).
 */
export interface ComplainantIdentity {
  readonly name: string;
  /** Nomor Induk Kependudukan: 16 digits. */
  readonly nik: string | null;
  readonly email: string | null;
  /** Normalised: digits with a leading `+` country code (Indonesian `0…` numbers become `+62…`). */
  readonly phone: string | null;
  readonly address: string | null;
}

/** As a caller sends it: every field but the name may be left out. */
export interface ComplainantIdentityInput {
  readonly name?: string | null;
  readonly nik?: string | null;
  readonly email?: string | null;
  readonly phone?: string | null;
  readonly address?: string | null;
}

const NIK = /^\d{16}$/;
// Deliberately plain: one @, no spaces, a dot in the domain. Deliverability is the mail server's business.
const EMAIL = /^[^\s@]{1,64}@[^\s@.]+(\.[^\s@.]+)+$/;
const PHONE = /^\+[1-9]\d{7,14}$/;

const blankToNull = (value: string | null | undefined): string | null => {
  if (value === undefined || value === null) return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
};

function normalisePhone(raw: string): string {
  const compact = raw.replace(/[\s().-]/g, '');
  if (compact.startsWith('+')) return compact;
  if (compact.startsWith('62')) return `+${compact}`;
  if (compact.startsWith('0')) return `+62${compact.slice(1)}`;
  return compact;
}

/**
 * Validates and normalises an identity. Errors name the field and the rule, never the value, so a
 * rejected NIK or e-mail address cannot end up in a log line or an error report.
 */
export function validateComplainantIdentity(
  input: ComplainantIdentityInput,
  path = 'complainant',
): ComplainantIdentity {
  const name = blankToNull(input.name);
  if (name === null) throw badInput(`${path}.name is required`, { field: `${path}.name` });
  if (name.length > 200)
    throw badInput(`${path}.name must be at most 200 characters`, { field: `${path}.name` });

  const nik = blankToNull(input.nik);
  if (nik !== null && !NIK.test(nik)) {
    throw badInput(`${path}.nik must be exactly 16 digits`, { field: `${path}.nik` });
  }

  const email = blankToNull(input.email);
  if (email !== null && (email.length > 254 || !EMAIL.test(email))) {
    throw badInput(`${path}.email is not a valid e-mail address`, { field: `${path}.email` });
  }

  const rawPhone = blankToNull(input.phone);
  const phone = rawPhone === null ? null : normalisePhone(rawPhone);
  if (phone !== null && !PHONE.test(phone)) {
    throw badInput(
      `${path}.phone must be a phone number of 8 to 15 digits, e.g. +62 or 08 followed by the number`,
      {
        field: `${path}.phone`,
      },
    );
  }

  const address = blankToNull(input.address);
  if (address !== null && address.length > 500) {
    throw badInput(`${path}.address must be at most 500 characters`, { field: `${path}.address` });
  }

  return { name, nik, email: email?.toLowerCase() ?? null, phone, address };
}

/** Validates, then seals the identity with the subject's data key. */
export async function sealComplainantIdentity(
  vault: Pick<KeyVault, 'encrypt'>,
  subjectId: string,
  input: ComplainantIdentityInput,
): Promise<SealedValue> {
  const identity = validateComplainantIdentity(input);
  return vault.encrypt(subjectId, JSON.stringify(identity));
}

/** The identity, or ERASED once the complainant's key has been destroyed. */
export async function openComplainantIdentity(
  vault: KeyVault,
  sealed: SealedValue,
): Promise<ComplainantIdentity | Erased> {
  const plaintext = await vault.decrypt(sealed);
  if (plaintext === ERASED) return ERASED;
  return JSON.parse(plaintext) as ComplainantIdentity;
}
