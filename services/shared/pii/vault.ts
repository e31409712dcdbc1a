import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { ERASED, type Erased, isSealedValue, type SealedValue } from './sealed';

/**
 * Crypto-shredding: one AES-256-GCM data key per data subject (a complainant), kept outside the event
 * log. `destroy` deletes the key material and keeps a tombstone, so every later read of any blob sealed
 * with it answers ERASED at once, wherever the blob was copied (events, read models, exports).
 */
export interface KeyVault {
  /** Seals `plaintext` with the subject's data key, creating the key on first use. Refused once destroyed. */
  encrypt(subjectId: string, plaintext: string): Promise<SealedValue>;
  /** The plaintext, or ERASED when the key has been destroyed. Throws on an unknown key or a tampered blob. */
  decrypt(sealed: SealedValue): Promise<string | Erased>;
  /** Destroys the subject's key for good. Idempotent; also tombstones a subject that never had a key. */
  destroy(subjectId: string): Promise<{ readonly destroyedAt: string; readonly alreadyDestroyed: boolean }>;
  /** Whether the subject's key has been destroyed. */
  isDestroyed(subjectId: string): Promise<boolean>;
  /**
   * Keys for subjects that are new (a bulk import's complainants), made in memory: a batch seals with
   * them at once, without reading a key per blob, and writes the keys it keeps in one transaction. Optional.
   */
  newSubjects?(): NewSubjectKeys;
  /**
   * newSubjects for another thread (a bulk import's worker, see SubjectKeyMaker): the master key its
   * keys are wrapped with (null: stored raw), and how the keys it made are written, as `commit` does.
   * Optional.
   */
  newSubjectsElsewhere?(): NewSubjectKeysElsewhere;
  close(): Promise<void>;
}

/** See KeyVault.newSubjectsElsewhere. */
export interface NewSubjectKeysElsewhere {
  /** Handed to the thread that makes the keys (`new SubjectKeyMaker(masterKey)`). */
  readonly masterKey: Uint8Array | null;
  /** Writes keys a SubjectKeyMaker made (`take`), all or nothing, as NewSubjectKeys.commit does. */
  commit(keys: readonly StoredDataKey[]): Promise<void>;
}

/** See KeyVault.newSubjects. */
export interface NewSubjectKeys {
  /** Seals with the subject's new key, made on first use and kept in memory until `commit`. */
  encrypt(subjectId: string, plaintext: string): Promise<SealedValue>;
  /**
   * Writes the keys of these subjects (those sealed for; a subject with nothing sealed needs none) in one
   * transaction, before anything sealed with them is stored; the others are forgotten (a refused row's
   * key is never written). All or nothing: throws, writing none, when any of them has a key or a
   * tombstone already (a subject id that was not new).
   */
  commit(subjectIds: readonly string[]): Promise<void>;
}

/** The subject's key was destroyed: nothing may be sealed for it again (that would undo the erasure). */
export class SubjectErasedError extends Error {
  readonly code = 'SUBJECT_ERASED';
  constructor() {
    super('the data subject has been erased; no personal data may be stored for it again');
    this.name = 'SubjectErasedError';
  }
}

/** A blob names a key the vault has never held: a vault lost or mixed up, not an erasure. */
export class UnknownKeyError extends Error {
  readonly code = 'UNKNOWN_KEY';
  constructor(readonly keyId: string) {
    super(`the key vault holds no key ${keyId}`);
    this.name = 'UnknownKeyError';
  }
}

/** The blob does not open with its key: altered ciphertext, IV or tag, or a malformed blob. */
export class SealedValueCorruptError extends Error {
  readonly code = 'SEALED_VALUE_CORRUPT';
  constructor(readonly keyId: string | undefined) {
    super(`a sealed value${keyId ? ` for key ${keyId}` : ''} failed authentication`);
    this.name = 'SealedValueCorruptError';
  }
}

/** A row of the key table as both storage adapters hold it. */
export interface StoredDataKey {
  readonly keyId: string;
  readonly subjectId: string;
  /** Null once destroyed. Wrapped (see `wrapping`) or raw 32 bytes. */
  readonly material: Buffer | null;
  /** 'none', or 'A256GCM' when wrapped with the vault's master key. */
  readonly wrapping: 'none' | 'A256GCM';
  readonly destroyedAt: string | null;
}

/** What a storage adapter must do; the cryptography is the same for all of them (DataKeyVault). */
export interface DataKeyStorage {
  /** Inserts the candidate unless the subject already has a row; returns the subject's row either way. */
  insertOrGet(candidate: StoredDataKey): Promise<StoredDataKey>;
  /** Inserts them all in one transaction, or none when any subject (or key id) has a row already. */
  insertNew?(candidates: readonly StoredDataKey[]): Promise<void>;
  bySubject(subjectId: string): Promise<StoredDataKey | undefined>;
  byKeyId(keyId: string): Promise<StoredDataKey | undefined>;
  /** Sets material to null and destroyedAt (keeping the first time); inserts a tombstone when absent. */
  tombstone(subjectId: string, newKeyId: string, destroyedAt: string): Promise<StoredDataKey>;
  close(): Promise<void>;
}

export interface DataKeyVaultOptions {
  /**
   * 32 bytes. When set, data keys are stored wrapped with it, so the key file or table alone opens
   * nothing. Keep it in a secret store, never next to the keys (DUMAS_VAULT_MASTER_KEY, base64).
   */
  readonly masterKey?: Buffer;
  /** Injected for tests; defaults to the wall clock (the vault is infrastructure, not a decider). */
  readonly now?: () => Date;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

// Binding the key id as associated data stops a blob from being re-labelled with another subject's key.
const blobAad = (keyId: string) => Buffer.from(`dumas-pii-v1:${keyId}`, 'utf8');
const wrapAad = (keyId: string, subjectId: string) =>
  Buffer.from(`dumas-key-v1:${keyId}:${subjectId}`, 'utf8');

/**
 * Random bytes for IVs and new keys, drawn from the CSPRNG 4 KB at a time: a bulk import seals two blobs
 * and makes a key per row, and a call into OpenSSL per draw cost more than the cipher. Each draw is a
 * copy, so no two callers share memory, and the pool's used bytes are zeroed.
 */
const RANDOM_POOL_BYTES = 4096;
let randomPool = Buffer.alloc(0);
let randomUsed = 0;

function freshRandom(size: number): Buffer {
  if (randomUsed + size > randomPool.length) {
    randomPool = randomBytes(RANDOM_POOL_BYTES);
    randomUsed = 0;
  }
  const out = Buffer.from(randomPool.subarray(randomUsed, randomUsed + size));
  randomPool.fill(0, randomUsed, randomUsed + size);
  randomUsed += size;
  return out;
}

function seal(key: Buffer, aad: Buffer, plaintext: Buffer): { iv: Buffer; ciphertext: Buffer; tag: Buffer } {
  const iv = freshRandom(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, ciphertext, tag: cipher.getAuthTag() };
}

function open(key: Buffer, aad: Buffer, iv: Buffer, ciphertext: Buffer, tag: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

/** A blob sealed with a raw data key. */
function sealedWith(key: Buffer, keyId: string, plaintext: string): SealedValue {
  const { iv, ciphertext, tag } = seal(key, blobAad(keyId), Buffer.from(plaintext, 'utf8'));
  return {
    v: 1,
    alg: 'A256GCM',
    keyId,
    iv: iv.toString('base64'),
    ciphertext: ciphertext.toString('base64'),
    tag: tag.toString('base64'),
  };
}

export function parseMasterKey(base64: string | undefined): Buffer | undefined {
  if (!base64) return undefined;
  const key = Buffer.from(base64, 'base64');
  if (key.length !== KEY_BYTES) throw new Error('DUMAS_VAULT_MASTER_KEY must be 32 bytes, base64-encoded');
  return key;
}

const SUBJECT_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

function assertSubjectId(subjectId: string): void {
  // Subject ids are opaque system ids (never a NIK or an email), so a strict alphabet is no loss.
  if (!SUBJECT_ID.test(subjectId))
    throw new TypeError('subject id must be 1-128 characters of [A-Za-z0-9_.:-]');
}

/** A raw data key as a vault stores it: wrapped with the master key when there is one. */
function storedKey(
  masterKey: Buffer | undefined,
  subjectId: string,
  keyId: string,
  raw: Buffer,
): StoredDataKey {
  let material: Buffer;
  if (!masterKey) material = Buffer.from(raw);
  else {
    const { iv, ciphertext, tag } = seal(masterKey, wrapAad(keyId, subjectId), raw);
    material = Buffer.concat([iv, tag, ciphertext]);
  }
  return { keyId, subjectId, material, wrapping: masterKey ? 'A256GCM' : 'none', destroyedAt: null };
}

/**
 * New subjects' keys made in memory (KeyVault.newSubjects): seals with them at once, and hands over the
 * keys of the subjects kept, as the vault stores them, for one transaction to write. Needs no storage, so
 * a worker thread can make them (KeyVault.newSubjectsElsewhere gives it the master key).
 */
export class SubjectKeyMaker {
  // Raw keys stay here only until they are taken or dropped, then they are zeroed.
  private readonly made = new Map<string, { stored: StoredDataKey; raw: Buffer }>();
  private readonly masterKey: Buffer | undefined;

  constructor(masterKey: Uint8Array | null | undefined) {
    if (masterKey && masterKey.length !== KEY_BYTES) throw new Error('master key must be 32 bytes');
    this.masterKey = masterKey ? Buffer.from(masterKey) : undefined;
  }

  async encrypt(subjectId: string, plaintext: string): Promise<SealedValue> {
    let entry = this.made.get(subjectId);
    if (!entry) {
      assertSubjectId(subjectId);
      const raw = freshRandom(KEY_BYTES);
      entry = { stored: storedKey(this.masterKey, subjectId, randomUUID(), raw), raw };
      this.made.set(subjectId, entry);
    }
    return sealedWith(entry.raw, entry.stored.keyId, plaintext);
  }

  /** The stored form of these subjects' keys (those sealed for); every key made so far is forgotten. */
  take(subjectIds: readonly string[]): StoredDataKey[] {
    const kept: StoredDataKey[] = [];
    for (const id of subjectIds) {
      const entry = this.made.get(id);
      if (entry) kept.push(entry.stored);
    }
    for (const { raw } of this.made.values()) raw.fill(0);
    this.made.clear();
    return kept;
  }
}

/** The vault's cryptography over any DataKeyStorage (SQLite, PostgreSQL). */
export class DataKeyVault implements KeyVault {
  private readonly masterKey: Buffer | undefined;
  private readonly now: () => Date;

  constructor(
    private readonly storage: DataKeyStorage,
    options: DataKeyVaultOptions = {},
  ) {
    if (options.masterKey && options.masterKey.length !== KEY_BYTES)
      throw new Error('master key must be 32 bytes');
    this.masterKey = options.masterKey;
    this.now = options.now ?? (() => new Date());
  }

  /** A new key for the subject, wrapped as this vault stores keys. */
  private newKey(subjectId: string): StoredDataKey {
    const raw = freshRandom(KEY_BYTES);
    try {
      return storedKey(this.masterKey, subjectId, randomUUID(), raw);
    } finally {
      raw.fill(0);
    }
  }

  newSubjects(): NewSubjectKeys {
    const insertNew = this.insertNew();
    const maker = new SubjectKeyMaker(this.masterKey);
    return {
      encrypt: (subjectId, plaintext) => maker.encrypt(subjectId, plaintext),
      commit: async (subjectIds) => {
        const kept = maker.take(subjectIds);
        if (kept.length) await insertNew(kept);
      },
    };
  }

  newSubjectsElsewhere(): NewSubjectKeysElsewhere {
    const insertNew = this.insertNew();
    return {
      masterKey: this.masterKey ?? null,
      commit: async (keys) => {
        // Buffers arrive from another thread as plain Uint8Arrays.
        if (keys.length)
          await insertNew(keys.map((k) => ({ ...k, material: k.material && Buffer.from(k.material) })));
      },
    };
  }

  private insertNew(): (keys: readonly StoredDataKey[]) => Promise<void> {
    const storage = this.storage;
    if (!storage.insertNew) throw new Error('this key storage cannot write many keys at once');
    return (keys) => storage.insertNew!(keys);
  }

  async encrypt(subjectId: string, plaintext: string): Promise<SealedValue> {
    assertSubjectId(subjectId);
    let row = await this.storage.bySubject(subjectId);
    if (!row) row = await this.storage.insertOrGet(this.newKey(subjectId));
    if (row.destroyedAt !== null || row.material === null) throw new SubjectErasedError();
    const key = this.unwrap(row);
    try {
      return sealedWith(key, row.keyId, plaintext);
    } finally {
      key.fill(0);
    }
  }

  async decrypt(sealed: SealedValue): Promise<string | Erased> {
    if (!isSealedValue(sealed)) throw new SealedValueCorruptError(undefined);
    const row = await this.storage.byKeyId(sealed.keyId);
    if (!row) throw new UnknownKeyError(sealed.keyId);
    if (row.destroyedAt !== null || row.material === null) return ERASED;
    const key = this.unwrap(row);
    try {
      const plaintext = open(
        key,
        blobAad(row.keyId),
        Buffer.from(sealed.iv, 'base64'),
        Buffer.from(sealed.ciphertext, 'base64'),
        Buffer.from(sealed.tag, 'base64'),
      );
      return plaintext.toString('utf8');
    } catch {
      throw new SealedValueCorruptError(sealed.keyId);
    } finally {
      key.fill(0);
    }
  }

  async destroy(subjectId: string): Promise<{ destroyedAt: string; alreadyDestroyed: boolean }> {
    assertSubjectId(subjectId);
    const before = await this.storage.bySubject(subjectId);
    if (before?.destroyedAt) return { destroyedAt: before.destroyedAt, alreadyDestroyed: true };
    const row = await this.storage.tombstone(subjectId, randomUUID(), this.now().toISOString());
    return { destroyedAt: row.destroyedAt!, alreadyDestroyed: false };
  }

  async isDestroyed(subjectId: string): Promise<boolean> {
    assertSubjectId(subjectId);
    const row = await this.storage.bySubject(subjectId);
    return row?.destroyedAt != null;
  }

  close(): Promise<void> {
    return this.storage.close();
  }

  private unwrap(row: StoredDataKey): Buffer {
    const material = row.material!;
    if (row.wrapping === 'none') return Buffer.from(material);
    if (!this.masterKey) throw new Error(`data key ${row.keyId} is wrapped but the vault has no master key`);
    try {
      return open(
        this.masterKey,
        wrapAad(row.keyId, row.subjectId),
        material.subarray(0, IV_BYTES),
        material.subarray(IV_BYTES + TAG_BYTES),
        material.subarray(IV_BYTES, IV_BYTES + TAG_BYTES),
      );
    } catch {
      throw new Error(`data key ${row.keyId} does not unwrap with the configured master key`);
    }
  }
}
