import { randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * The complainant's secret access code for the public tracking page: 12 Crockford base-32 characters
 * (60 random bits) shown as `XXXX-XXXX-XXXX`. Only a salted scrypt hash is stored (in the
 * ComplaintReceived event and the read model), so neither the log nor a leaked read model gives the code
 * away, and a guess costs the attacker a memory-hard hash per try on top of the rate limit.
 */

// Crockford: no I, L, O, U, so what is read aloud or handwritten maps back unambiguously.
export const ACCESS_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ALPHABET = ACCESS_CODE_ALPHABET;
const CODE_LENGTH = 12;
const SCRYPT = { N: 16_384, r: 8, p: 1, keyLength: 32, saltLength: 16 } as const;

export function generateAccessCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

/** Upper-cases, drops separators and maps look-alikes (O→0, I/L→1); undefined when it cannot be a code. */
export function normaliseAccessCode(input: string): string | undefined {
  const compact = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (compact.length !== CODE_LENGTH) return undefined;
  for (const ch of compact) if (!ALPHABET.includes(ch)) return undefined;
  return compact;
}

function derive(
  code: string,
  salt: Buffer,
  N: number,
  r: number,
  p: number,
  keyLength: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(code, salt, keyLength, { N, r, p, maxmem: 128 * N * r * 2 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** `scrypt$N$r$p$<salt>$<hash>` (base64): self-describing, so the cost can be raised later. */
export async function hashAccessCode(code: string): Promise<string> {
  const normalised = normaliseAccessCode(code);
  if (!normalised) throw new TypeError('not an access code');
  const salt = randomBytes(SCRYPT.saltLength);
  const key = await derive(normalised, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p, SCRYPT.keyLength);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Constant-time comparison of a presented code with a stored hash; false for anything malformed. */
export async function verifyAccessCode(
  presented: string,
  storedHash: string | null | undefined,
): Promise<boolean> {
  if (!storedHash) return false;
  const parts = storedHash.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  // Bounds keep a corrupted record from turning verification into a memory bomb.
  if (!Number.isInteger(N) || N < 2 || N > 1 << 20 || !Number.isInteger(r) || r < 1 || r > 32) return false;
  if (!Number.isInteger(p) || p < 1 || p > 16) return false;
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  if (salt.length === 0 || expected.length < 16) return false;
  const normalised = normaliseAccessCode(presented);
  if (!normalised) return false;
  const actual = await derive(normalised, salt, N, r, p, expected.length);
  return timingSafeEqual(actual, expected);
}
