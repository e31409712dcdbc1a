import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ERASED, SqliteKeyVault } from '../../services/shared/pii';
import { keyVaultConformance } from './key-vault.conformance';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-vault-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

keyVaultConformance('SQLite', async () => {
  const vault = new SqliteKeyVault(path.join(dir, `${randomUUID()}.sqlite`));
  return { vault, done: () => vault.close() };
});

keyVaultConformance('SQLite with a master key', async () => {
  const vault = new SqliteKeyVault(path.join(dir, `${randomUUID()}.sqlite`), { masterKey: randomBytes(32) });
  return { vault, done: () => vault.close() };
});

describe('SQLite key vault file', () => {
  it('keeps keys across reopening, and a second process sees a destroy at once', async () => {
    const file = path.join(dir, 'shared.sqlite');
    const writer = new SqliteKeyVault(file);
    const reader = new SqliteKeyVault(file);
    const subject = randomUUID();
    const sealed = await writer.encrypt(subject, 'alamat: Jl. Malioboro');
    expect(await reader.decrypt(sealed)).toBe('alamat: Jl. Malioboro');
    await writer.destroy(subject);
    expect(await reader.decrypt(sealed)).toBe(ERASED);
    await writer.close();
    await reader.close();
  });

  it('keys asked for at the same moment (one group commit) are all kept, one per subject', async () => {
    const file = path.join(dir, 'grouped.sqlite');
    const vault = new SqliteKeyVault(file);
    const subjects = Array.from({ length: 40 }, () => randomUUID());
    // Every subject twice, all at once: the second ask must get the first one's key, not a new one.
    const sealed = await Promise.all(
      [...subjects, ...subjects].map((subject, i) => vault.encrypt(subject, `pesan ${i}`)),
    );
    await vault.close();
    const reopened = new SqliteKeyVault(file);
    const opened = await Promise.all(sealed.map((s) => reopened.decrypt(s)));
    expect(opened).toEqual(sealed.map((_, i) => `pesan ${i}`));
    await reopened.close();
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT count(*) FROM data_keys').pluck().get()).toBe(40);
    db.close();
  });

  it('stores no usable key material once destroyed, and wraps keys when a master key is set', async () => {
    const file = path.join(dir, 'wrapped.sqlite');
    const masterKey = randomBytes(32);
    const vault = new SqliteKeyVault(file, { masterKey });
    const kept = randomUUID();
    const erased = randomUUID();
    const sealed = await vault.encrypt(kept, 'x');
    await vault.encrypt(erased, 'y');
    await vault.destroy(erased);
    await vault.close();

    const db = new Database(file, { readonly: true });
    const rows = db.prepare('SELECT subject_id, material, wrapping FROM data_keys').all() as {
      subject_id: string;
      material: Buffer | null;
      wrapping: string;
    }[];
    db.close();
    expect(rows.find((r) => r.subject_id === erased)!.material).toBeNull();
    const keptRow = rows.find((r) => r.subject_id === kept)!;
    expect(keptRow.wrapping).toBe('A256GCM');
    expect(keptRow.material!.length).toBe(12 + 16 + 32);

    await expect(new SqliteKeyVault(file).decrypt(sealed)).rejects.toThrow(/no master key/);
    await expect(new SqliteKeyVault(file, { masterKey: randomBytes(32) }).decrypt(sealed)).rejects.toThrow(
      /does not unwrap/,
    );
    const reopened = new SqliteKeyVault(file, { masterKey });
    expect(await reopened.decrypt(sealed)).toBe('x');
    await reopened.close();
  });
});
