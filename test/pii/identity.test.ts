import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DomainError } from '../../services/shared/errors';
import {
  ERASED,
  openComplainantIdentity,
  sealComplainantIdentity,
  SqliteKeyVault,
  validateComplainantIdentity,
} from '../../services/shared/pii';

const valid = {
  name: '  Siti Rahayu ',
  nik: '3402015501900001',
  email: 'Siti.Rahayu@Example.co.id',
  phone: '0812-2733-4455',
  address: 'Jl. Parangtritis km 5, Bantul',
};

function refusal(input: Record<string, unknown>): DomainError {
  try {
    validateComplainantIdentity(input);
  } catch (err) {
    return err as DomainError;
  }
  throw new Error('expected a refusal');
}

describe('complainant identity', () => {
  it('normalises a valid identity', () => {
    expect(validateComplainantIdentity(valid)).toEqual({
      name: 'Siti Rahayu',
      nik: '3402015501900001',
      email: 'siti.rahayu@example.co.id',
      phone: '+6281227334455',
      address: 'Jl. Parangtritis km 5, Bantul',
    });
    expect(
      validateComplainantIdentity({ name: 'Budi', phone: '+62 274 512345', nik: '', email: null }),
    ).toEqual({
      name: 'Budi',
      nik: null,
      email: null,
      phone: '+62274512345',
      address: null,
    });
  });

  it.each([
    ['name missing', { name: '  ' }, 'complainant.name'],
    ['name too long', { name: 'x'.repeat(201) }, 'complainant.name'],
    ['NIK of 15 digits', { name: 'A', nik: '340201550190000' }, 'complainant.nik'],
    ['NIK with letters', { name: 'A', nik: '34020155019000AB' }, 'complainant.nik'],
    ['email without domain', { name: 'A', email: 'siti@' }, 'complainant.email'],
    ['email with spaces', { name: 'A', email: 'siti rahayu@example.id' }, 'complainant.email'],
    ['phone too short', { name: 'A', phone: '0812' }, 'complainant.phone'],
    ['phone with letters', { name: 'A', phone: '0812-CALL-ME' }, 'complainant.phone'],
    ['address too long', { name: 'A', address: 'y'.repeat(501) }, 'complainant.address'],
  ])('refuses %s with BAD_USER_INPUT naming the field, not the value', (_, input, field) => {
    const err = refusal(input);
    expect(err).toBeInstanceOf(DomainError);
    expect(err.code).toBe('BAD_USER_INPUT');
    expect(err.details).toEqual({ field });
    for (const value of Object.values(input)) {
      if (typeof value === 'string' && value.trim().length > 1) {
        expect(err.message).not.toContain(value.trim().slice(0, 8));
        expect(JSON.stringify(err.details)).not.toContain(value.trim().slice(0, 8));
      }
    }
  });

  it('seals and opens an identity, and shows ERASED once the key is destroyed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-identity-'));
    const vault = new SqliteKeyVault(path.join(dir, 'keys.sqlite'));
    try {
      const subject = randomUUID();
      const sealed = await sealComplainantIdentity(vault, subject, valid);
      expect(JSON.stringify(sealed)).not.toMatch(/Siti|3402015501900001|Parangtritis/);
      expect(await openComplainantIdentity(vault, sealed)).toEqual(validateComplainantIdentity(valid));
      await vault.destroy(subject);
      expect(await openComplainantIdentity(vault, sealed)).toBe(ERASED);
    } finally {
      await vault.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
