import {
  generateAccessCode,
  hashAccessCode,
  normaliseAccessCode,
  verifyAccessCode,
} from '../../services/shared/access-code';

describe('access code', () => {
  it('is 12 Crockford base-32 characters in three groups, different every time', () => {
    const codes = Array.from({ length: 200 }, generateAccessCode);
    for (const code of codes)
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(new Set(codes).size).toBe(200);
  });

  it('normalises what people type: case, spaces, dashes, O for 0 and I/L for 1', () => {
    expect(normaliseAccessCode('abcd efgh 0o1l')).toBe('ABCDEFGH0011');
    expect(normaliseAccessCode('ABCD-EFGH-JKMU')).toBeUndefined();
    expect(normaliseAccessCode('ABCD-EFGH')).toBeUndefined();
  });

  it('stores a salted hash that verifies the code and nothing else', async () => {
    const code = generateAccessCode();
    const hash = await hashAccessCode(code);
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(hash).not.toContain(code.replace(/-/g, ''));
    expect(await hashAccessCode(code)).not.toBe(hash);
    expect(await verifyAccessCode(code, hash)).toBe(true);
    expect(await verifyAccessCode(code.toLowerCase().replace(/-/g, ' '), hash)).toBe(true);
    const other = code.startsWith('0') ? `1${code.slice(1)}` : `0${code.slice(1)}`;
    expect(await verifyAccessCode(other, hash)).toBe(false);
  });

  it('answers false, not an error, for malformed input or stored hashes', async () => {
    const hash = await hashAccessCode('ABCD-EFGH-JKMN');
    expect(await verifyAccessCode('too short', hash)).toBe(false);
    expect(await verifyAccessCode('ABCD-EFGH-JKMN', null)).toBe(false);
    expect(await verifyAccessCode('ABCD-EFGH-JKMN', 'sha1$abc')).toBe(false);
    expect(await verifyAccessCode('ABCD-EFGH-JKMN', hash.replace('16384', '99999999'))).toBe(false);
  });
});
