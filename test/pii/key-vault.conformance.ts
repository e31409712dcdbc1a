import { randomUUID } from 'node:crypto';
import { verifyStream } from '../../services/shared/eventstore/hash';
import { MemoryEventStore } from '../../services/shared/eventstore/memory';
import {
  ERASED,
  type KeyVault,
  SealedValueCorruptError,
  SubjectErasedError,
  UnknownKeyError,
} from '../../services/shared/pii';

/** What every KeyVault adapter must do, run once per adapter. */
export function keyVaultConformance(
  name: string,
  open: () => Promise<{ vault: KeyVault; done(): Promise<void> }>,
) {
  describe(`${name} key vault`, () => {
    let vault: KeyVault;
    let done: () => Promise<void>;

    beforeEach(async () => {
      ({ vault, done } = await open());
    });
    afterEach(async () => {
      await done();
    });

    it('opens what it sealed, and the blob is JSON-safe and holds no plaintext', async () => {
      const subject = randomUUID();
      const sealed = await vault.encrypt(subject, 'Siti Rahayu, NIK 3402123456789012');
      const roundTripped = JSON.parse(JSON.stringify(sealed));
      expect(await vault.decrypt(roundTripped)).toBe('Siti Rahayu, NIK 3402123456789012');
      expect(JSON.stringify(sealed)).not.toContain('Siti');
      expect(JSON.stringify(sealed)).not.toContain(subject);
      expect(sealed).toEqual({
        v: 1,
        alg: 'A256GCM',
        keyId: expect.any(String),
        iv: expect.any(String),
        ciphertext: expect.any(String),
        tag: expect.any(String),
      });
    });

    it('uses one key per subject and a fresh IV per blob', async () => {
      const a = randomUUID();
      const first = await vault.encrypt(a, 'same');
      const second = await vault.encrypt(a, 'same');
      const other = await vault.encrypt(randomUUID(), 'same');
      expect(second.keyId).toBe(first.keyId);
      expect(other.keyId).not.toBe(first.keyId);
      expect(second.iv).not.toBe(first.iv);
      expect(second.ciphertext).not.toBe(first.ciphertext);
    });

    it('gives concurrent first uses of a subject one key between them', async () => {
      const subject = randomUUID();
      const blobs = await Promise.all(Array.from({ length: 8 }, (_, i) => vault.encrypt(subject, `v${i}`)));
      expect(new Set(blobs.map((b) => b.keyId)).size).toBe(1);
      expect(await Promise.all(blobs.map((b) => vault.decrypt(b)))).toEqual(blobs.map((_, i) => `v${i}`));
    });

    it('seals for new subjects in memory and writes only the keys a batch keeps, all at once', async () => {
      const keys = vault.newSubjects!();
      const [kept1, kept2, dropped] = [randomUUID(), randomUUID(), randomUUID()];
      const sealed = [
        await keys.encrypt(kept1, 'satu'),
        await keys.encrypt(kept1, 'satu lagi'),
        await keys.encrypt(kept2, 'dua'),
        await keys.encrypt(dropped, 'ditolak'),
      ];
      expect(sealed[0]!.keyId).toBe(sealed[1]!.keyId);
      expect(sealed[2]!.keyId).not.toBe(sealed[0]!.keyId);
      // Nothing is written before commit.
      await expect(vault.decrypt(sealed[0]!)).rejects.toBeInstanceOf(UnknownKeyError);
      await keys.commit([kept1, kept2]);
      expect(await Promise.all(sealed.slice(0, 3).map((b) => vault.decrypt(b)))).toEqual([
        'satu',
        'satu lagi',
        'dua',
      ]);
      expect((await vault.encrypt(kept1, 'nanti')).keyId).toBe(sealed[0]!.keyId);
      await expect(vault.decrypt(sealed[3]!)).rejects.toBeInstanceOf(UnknownKeyError);
      expect(await vault.isDestroyed(dropped)).toBe(false);
    });

    it('writes no key of a batch when one of its subjects has a key or was erased already', async () => {
      const existing = randomUUID();
      const erased = randomUUID();
      const before = await vault.encrypt(existing, 'lama');
      await vault.destroy(erased);
      for (const taken of [existing, erased]) {
        const keys = vault.newSubjects!();
        const fresh = randomUUID();
        const blob = await keys.encrypt(fresh, 'baru');
        await keys.encrypt(taken, 'x');
        // The storage's own unique violation (an error from another realm than jest's, hence not toThrow).
        await expect(keys.commit([fresh, taken])).rejects.toHaveProperty('message');
        await expect(vault.decrypt(blob)).rejects.toBeInstanceOf(UnknownKeyError);
      }
      expect(await vault.decrypt(before)).toBe('lama');
      await expect(vault.encrypt(erased, 'x')).rejects.toBeInstanceOf(SubjectErasedError);
    });

    it('after destroy answers ERASED for every blob of that subject only, and refuses to seal again', async () => {
      const erased = randomUUID();
      const kept = randomUUID();
      const blobs = [await vault.encrypt(erased, 'one'), await vault.encrypt(erased, 'two')];
      const keptBlob = await vault.encrypt(kept, 'kept');

      expect(await vault.isDestroyed(erased)).toBe(false);
      const result = await vault.destroy(erased);
      expect(result.alreadyDestroyed).toBe(false);
      expect(Number.isNaN(Date.parse(result.destroyedAt))).toBe(false);

      for (const blob of blobs) expect(await vault.decrypt(blob)).toBe(ERASED);
      expect(await vault.decrypt(keptBlob)).toBe('kept');
      expect(await vault.isDestroyed(erased)).toBe(true);
      await expect(vault.encrypt(erased, 'again')).rejects.toBeInstanceOf(SubjectErasedError);

      const again = await vault.destroy(erased);
      expect(again).toEqual({ destroyedAt: result.destroyedAt, alreadyDestroyed: true });
    });

    it('tombstones a subject that never had a key, so no key can be created for it later', async () => {
      const subject = randomUUID();
      await vault.destroy(subject);
      expect(await vault.isDestroyed(subject)).toBe(true);
      await expect(vault.encrypt(subject, 'x')).rejects.toBeInstanceOf(SubjectErasedError);
    });

    it('refuses a tampered blob and a blob moved onto another key, and names an unknown key', async () => {
      const sealed = await vault.encrypt(randomUUID(), 'payload');
      const flipped = Buffer.from(sealed.ciphertext, 'base64');
      flipped[0] = flipped[0]! ^ 1;
      await expect(
        vault.decrypt({ ...sealed, ciphertext: flipped.toString('base64') }),
      ).rejects.toBeInstanceOf(SealedValueCorruptError);
      const otherKey = (await vault.encrypt(randomUUID(), 'other')).keyId;
      await expect(vault.decrypt({ ...sealed, keyId: otherKey })).rejects.toBeInstanceOf(
        SealedValueCorruptError,
      );
      await expect(vault.decrypt({ ...sealed, keyId: randomUUID() })).rejects.toBeInstanceOf(UnknownKeyError);
      await expect(vault.decrypt({ ...sealed, iv: 'short' })).rejects.toBeInstanceOf(SealedValueCorruptError);
    });

    it('erasure leaves the events byte for byte as they were, so the hash chain still verifies', async () => {
      const store = new MemoryEventStore();
      const subject = randomUUID();
      const sealed = await vault.encrypt(subject, JSON.stringify({ name: 'Budi' }));
      await store.append('complaint-1', [
        {
          type: 'ComplaintReceived',
          data: { complainant: { subjectId: subject, sealed } },
          metadata: { occurredAt: '2026-01-05T01:00:00.000Z' },
        },
      ]);
      const before = await store.readStream('complaint-1');
      await vault.destroy(subject);
      const after = await store.readStream('complaint-1');
      expect(after).toEqual(before);
      expect((await verifyStream(store, 'complaint-1')).ok).toBe(true);
      const stored = after[0]!.data as { complainant: { sealed: typeof sealed } };
      expect(await vault.decrypt(stored.complainant.sealed)).toBe(ERASED);
      await store.close();
    });
  });
}
