import { createHash, createHmac, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import type { DumasConfig } from './config';
import { devSecret } from './dev-secret';

/**
 * The complainant's secret access code for the public tracking page: 12 Crockford base-32 characters
 * (60 random bits) shown as `XXXX-XXXX-XXXX`. Only a keyed hash is stored (in the ComplaintReceived event
 * and the read models): HMAC-SHA-256 under a server secret that is not in the log or the databases, so
 * neither a copy of the log nor a leaked read model lets anyone test a guess offline.
 *
 * Why not a slow password hash: a slow hash defends a low-entropy secret against an attacker who holds
 * the hash. The code has 60 random bits and the attacker without the secret cannot compute a single
 * guess offline; online, guesses go through the rate limit. scrypt cost ~45 ms of CPU per filing and per
 * tracking request and let one aliased query stall tracking for everyone; HMAC costs microseconds.
 *
 * Hashes written before the switch (`scrypt$N$r$p$<salt>$<hash>`) still verify, so an existing store
 * needs no migration; only new filings get `hmac-sha256$<keyId>$<mac>`.
 */

// Crockford: no I, L, O, U, so what is read aloud or handwritten maps back unambiguously.
export const ACCESS_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ALPHABET = ACCESS_CODE_ALPHABET;
const CODE_LENGTH = 12;
const HMAC_PREFIX = 'hmac-sha256';
/** A secret shorter than this is refused: it would be the weak part, not the code. */
export const MIN_ACCESS_CODE_SECRET_BYTES = 32;

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

/** Longest tracking number or access code looked up: anything longer is refused before any work. */
const MAX_PRESENTED = 40;

/**
 * Whether a tracking number and code presented on a public endpoint can be real at all: checked for
 * free before any lookup, rate budget or HMAC.
 */
export function plausibleAccessCode(trackingNumber: string, accessCode: string): boolean {
  return (
    trackingNumber.length <= MAX_PRESENTED &&
    accessCode.length <= MAX_PRESENTED &&
    normaliseAccessCode(accessCode) !== undefined
  );
}

/**
 * Hashes and verifies access codes under one server secret. The key id in each hash names the secret it
 * was made with (a digest of it, never the secret), so a rotated secret is recognised rather than
 * silently failing every code: hashes of a secret no longer configured answer false.
 */
export class AccessCodeHasher {
  private readonly secret: Buffer;
  readonly keyId: string;
  /** A well-formed hash of no code: an unknown tracking number costs the same HMAC as a known one. */
  readonly unknownCodeHash: string;

  constructor(secret: string | Buffer) {
    this.secret = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
    if (this.secret.length < MIN_ACCESS_CODE_SECRET_BYTES) {
      throw new RangeError(`the access-code secret needs at least ${MIN_ACCESS_CODE_SECRET_BYTES} bytes`);
    }
    this.keyId = createHash('sha256')
      .update('dumas:access-code-key-id:')
      .update(this.secret)
      .digest('hex')
      .slice(0, 12);
    this.unknownCodeHash = [HMAC_PREFIX, this.keyId, Buffer.alloc(32).toString('base64')].join('$');
  }

  private mac(normalised: string): Buffer {
    return createHmac('sha256', this.secret).update(`dumas:access-code:${normalised}`).digest();
  }

  /** `hmac-sha256$<keyId>$<mac>` (base64): self-describing, so the scheme or the key can change later. */
  hash(code: string): string {
    const normalised = normaliseAccessCode(code);
    if (!normalised) throw new TypeError('not an access code');
    return [HMAC_PREFIX, this.keyId, this.mac(normalised).toString('base64')].join('$');
  }

  /**
   * The one check behind a lookup by tracking number (the tracking page, the rating): one HMAC whether
   * or not the number was found or has a code — against a hash of no code then — so timing tells
   * nothing; false for what cannot be a code.
   */
  async matchesFound(presented: string, found: { readonly accessCodeHash?: string | null } | undefined) {
    if (!normaliseAccessCode(presented)) return false;
    const ok = await this.verify(presented, found?.accessCodeHash ?? this.unknownCodeHash);
    return ok && found !== undefined;
  }

  /** Constant-time comparison of a presented code with a stored hash; false for anything malformed. */
  async verify(presented: string, storedHash: string | null | undefined): Promise<boolean> {
    if (!storedHash) return false;
    const normalised = normaliseAccessCode(presented);
    if (storedHash.startsWith(`${HMAC_PREFIX}$`)) {
      const parts = storedHash.split('$');
      if (parts.length !== 3 || parts[1] !== this.keyId || !normalised) return false;
      const expected = Buffer.from(parts[2]!, 'base64');
      const actual = this.mac(normalised);
      return expected.length === actual.length && timingSafeEqual(actual, expected);
    }
    return normalised ? verifyLegacyScrypt(normalised, storedHash) : false;
  }
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

/** Hashes stored before the switch to HMAC: `scrypt$N$r$p$<salt>$<hash>` (base64). */
async function verifyLegacyScrypt(normalised: string, storedHash: string): Promise<boolean> {
  const parts = storedHash.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  // Bounds keep a corrupted record from turning verification into a memory bomb.
  if (!Number.isInteger(N) || N < 2 || N > 1 << 20 || !Number.isInteger(r) || r < 1 || r > 32) return false;
  if (!Number.isInteger(p) || p < 1 || p > 16) return false;
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  if (salt.length === 0 || expected.length < 16) return false;
  const actual = await derive(normalised, salt, N, r, p, expected.length);
  return timingSafeEqual(actual, expected);
}

/** Where a development secret is kept when DUMAS_ACCESS_CODE_SECRET is not set. */
export const DEV_ACCESS_CODE_SECRET_FILE = 'access-code.secret';

/**
 * The access-code hasher of this deployment: DUMAS_ACCESS_CODE_SECRET when configured, otherwise a
 * development secret under the data directory (the complaint and evaluation processes, which both verify
 * codes, agree on it).
 */
export function openAccessCodeHasher(config: DumasConfig): AccessCodeHasher {
  return new AccessCodeHasher(
    config.accessCodeSecret ?? devSecret(config.dataDir, DEV_ACCESS_CODE_SECRET_FILE),
  );
}
