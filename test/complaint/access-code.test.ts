import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AccessCodeHasher,
  DEV_ACCESS_CODE_SECRET_FILE,
  generateAccessCode,
  normaliseAccessCode,
  openAccessCodeHasher,
} from '../../services/shared/access-code';
import { loadConfig } from '../../services/shared/config';

const SECRET = 'test-access-code-secret-0123456789abcdef';
const codes = new AccessCodeHasher(SECRET);

describe('access code', () => {
  it('is 12 Crockford base-32 characters in three groups, different every time', () => {
    const generated = Array.from({ length: 200 }, generateAccessCode);
    for (const code of generated)
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(new Set(generated).size).toBe(200);
  });

  it('normalises what people type: case, spaces, dashes, O for 0 and I/L for 1', () => {
    expect(normaliseAccessCode('abcd efgh 0o1l')).toBe('ABCDEFGH0011');
    expect(normaliseAccessCode('ABCD-EFGH-JKMU')).toBeUndefined();
    expect(normaliseAccessCode('ABCD-EFGH')).toBeUndefined();
  });

  it('stores a keyed hash that verifies the code and nothing else', async () => {
    const code = generateAccessCode();
    const hash = codes.hash(code);
    expect(hash).toMatch(/^hmac-sha256\$[0-9a-f]{12}\$[A-Za-z0-9+/=]{44}$/);
    expect(hash).not.toContain(code.replace(/-/g, ''));
    expect(hash).not.toContain(SECRET);
    expect(await codes.verify(code, hash)).toBe(true);
    expect(await codes.verify(code.toLowerCase().replace(/-/g, ' '), hash)).toBe(true);
    const other = code.startsWith('0') ? `1${code.slice(1)}` : `0${code.slice(1)}`;
    expect(await codes.verify(other, hash)).toBe(false);
  });

  it('depends on the server secret: another secret neither reproduces nor accepts the hash', async () => {
    const code = generateAccessCode();
    const elsewhere = new AccessCodeHasher('another-secret-of-enough-length-0123456789');
    expect(elsewhere.hash(code)).not.toBe(codes.hash(code));
    expect(await elsewhere.verify(code, codes.hash(code))).toBe(false);
  });

  it('still verifies the scrypt hashes stored before the switch to HMAC', async () => {
    // Made with the former hashAccessCode (scrypt N=16384, r=8, p=1) for the code ABCD-EFGH-JKMN.
    const legacy = 'scrypt$16384$8$1$MDEyMzQ1Njc4OWFiY2RlZg==$fHmLjIfHKemj7NVaWua9DSLDBXnpSAf0HbSSBA+EFCo=';
    expect(await codes.verify('abcd efgh jkmn', legacy)).toBe(true);
    expect(await codes.verify('ABCD-EFGH-JKMP', legacy)).toBe(false);
  });

  it('answers false, not an error, for malformed input or stored hashes', async () => {
    const hash = codes.hash('ABCD-EFGH-JKMN');
    expect(await codes.verify('too short', hash)).toBe(false);
    expect(await codes.verify('ABCD-EFGH-JKMN', null)).toBe(false);
    expect(await codes.verify('ABCD-EFGH-JKMN', 'sha1$abc')).toBe(false);
    expect(await codes.verify('ABCD-EFGH-JKMN', `${hash}$extra`)).toBe(false);
    expect(await codes.verify('ABCD-EFGH-JKMN', codes.unknownCodeHash)).toBe(false);
    expect(await codes.verify('ABCD-EFGH-JKMN', 'scrypt$99999999$8$1$MDEy$fHmLjIfHKemj7NVaWua9DQ==')).toBe(
      false,
    );
  });

  it('refuses a secret too short to be the strong part', () => {
    expect(() => new AccessCodeHasher('short')).toThrow(RangeError);
  });
});

describe('openAccessCodeHasher', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-access-code-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps one random secret under the data dir (0600) that every process of the deployment reads', async () => {
    const config = loadConfig({ DUMAS_DATA_DIR: dir });
    const filing = openAccessCodeHasher(config);
    const rating = openAccessCodeHasher(config);
    expect(rating.keyId).toBe(filing.keyId);
    expect(await rating.verify('ABCD-EFGH-JKMN', filing.hash('ABCD-EFGH-JKMN'))).toBe(true);
    const file = path.join(dir, DEV_ACCESS_CODE_SECRET_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual([DEV_ACCESS_CODE_SECRET_FILE]);
  });

  it('uses DUMAS_ACCESS_CODE_SECRET when set, and writes nothing', () => {
    const config = loadConfig({ DUMAS_DATA_DIR: dir, DUMAS_ACCESS_CODE_SECRET: SECRET });
    expect(openAccessCodeHasher(config).keyId).toBe(codes.keyId);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
