/**
 * Signed checkpoints of the log, chained so they can only move forward.
 *
 * Hash chains alone cannot show that events were cut off the end of a stream, nor that a writer with
 * database access re-hashed a whole stream after editing it. So at intervals the checkpointer signs, with
 * Ed25519, a small body that covers:
 * - the previous checkpoint (the SHA-256 of its signed text): checkpoints form a chain of their own;
 * - the log head position and event count, and a digest chained over every event's position, id and hash
 *   in log order (the whole prefix);
 * - every stream head ([revision, hash, position]) through a set digest of the heads (`HeadsLattice`,
 *   v3; v2 bodies hashed the canonical JSON of the whole map). The heads are kept beside the body, one
 *   row per stream, and a checkpoint rewrites only the rows of the streams appended to since the last:
 *   the digest is additive, so a tick removes a changed stream's old head and adds its new one, and its
 *   cost follows what was appended, not how many streams the store holds.
 *
 * Before it signs, the checkpointer verifies what was appended since the last checkpoint (the signed head
 * still in place, every new event continuing its stream's chain from the signed head, nothing slipped
 * into the signed range, nothing dated before the last checkpoint) and the checkpoints themselves (the
 * records in the file, the copies in the log, the newest head published to the witness). When any of it
 * fails it signs nothing: it records an alert, `/ready` reports degraded, and auditors see it.
 *
 * Where they live:
 * - the checkpoints file (SQLite, `<data>/checkpoints.sqlite`): the signed bodies, the latest heads map,
 *   the alert, and the ledger: one row (position, id, stream, revision, hash) per event a checkpoint
 *   covered, so a verifier can name the first altered row exactly. The ledger is trusted only as far as
 *   it reproduces the signed digests;
 * - the log itself (stream `audit-checkpoints`, event `CheckpointSigned`): so a store whose checkpoint
 *   file vanished no longer looks like one that never had a checkpoint;
 * - a witness outside the store (witness.ts): each head published to a directory.
 *
 * Keys: the signer needs DUMAS_CHECKPOINT_PRIVATE_KEY (PKCS#8 PEM or base64 DER) or
 * DUMAS_CHECKPOINT_PRIVATE_KEY_FILE. A verifier takes DUMAS_CHECKPOINT_PUBLIC_KEY (SPKI) or the key of a
 * witness head. Only outside production, with no key configured, a development key is generated under
 * the data directory; a verdict against it is marked unanchored, since whoever can write the data
 * directory can also re-sign with it.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { canonicalJson, computeEventHash } from '../shared/eventstore/hash';
import type { EventStore, RecordedEvent } from '../shared/eventstore/types';
import type { AuditConfig } from '../shared/config';
import { keptFile } from '../shared/dev-secret';
import { yieldToEventLoop } from '../shared/event-loop';
import { type ExpectedSize, PackedHeads } from './packed-heads';

export type CheckpointKeySettings = Pick<
  AuditConfig,
  'checkpointPrivateKey' | 'checkpointPrivateKeyFile' | 'checkpointPublicKey'
>;

export interface CheckpointKeys {
  /** Absent for a verifier holding only the public key. */
  readonly privateKey?: KeyObject;
  readonly publicKey: KeyObject;
  /** First 16 hex digits of the SHA-256 of the public key (SPKI DER). */
  readonly keyId: string;
  /**
   * Whether the verifying key came from outside the data directory (configuration or a witness head).
   * A development key read from the data directory proves nothing against someone who can write there.
   */
  readonly anchored: boolean;
}

export const DEV_KEY_FILE = 'checkpoint-dev-key.pem';

function keyFrom(text: string, kind: 'private' | 'public', variable: string): KeyObject {
  const trimmed = text.trim();
  const pem = trimmed.startsWith('-----BEGIN');
  let key: KeyObject;
  try {
    key =
      kind === 'private'
        ? createPrivateKey(
            pem ? trimmed : { key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'pkcs8' },
          )
        : createPublicKey(
            pem ? trimmed : { key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'spki' },
          );
  } catch {
    throw new Error(`${variable} is not a readable ${kind} key`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${variable} must be an Ed25519 key`);
  return key;
}

export function keysOf(
  privateKey: KeyObject | undefined,
  publicKey: KeyObject,
  anchored: boolean,
): CheckpointKeys {
  return {
    ...(privateKey ? { privateKey } : {}),
    publicKey,
    keyId: keyIdOf(publicKey),
    anchored,
  };
}

export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

export function publicKeyPem(keys: CheckpointKeys): string {
  return keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

/** Whether `file` lies inside `dir` (after resolving both). */
function isInside(file: string, dir: string): boolean {
  const relative = path.relative(path.resolve(dir), path.resolve(file));
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * The checkpoint keys as configured (the audit section of services/shared/config.ts). In production
 * (`production: true`) the signing key must be configured and its file must not lie under the data
 * directory; elsewhere a development key is generated under the data directory when nothing is configured.
 */
export function loadCheckpointKeys(
  dataDir: string,
  settings: CheckpointKeySettings,
  options: { production?: boolean } = {},
): CheckpointKeys {
  const production = options.production ?? false;
  const configuredPublic = settings.checkpointPublicKey
    ? keyFrom(settings.checkpointPublicKey, 'public', 'DUMAS_CHECKPOINT_PUBLIC_KEY')
    : undefined;
  let privateKey: KeyObject | undefined;
  if (settings.checkpointPrivateKey) {
    privateKey = keyFrom(settings.checkpointPrivateKey, 'private', 'DUMAS_CHECKPOINT_PRIVATE_KEY');
  } else if (settings.checkpointPrivateKeyFile) {
    const file = settings.checkpointPrivateKeyFile;
    if (production && isInside(file, dataDir)) {
      throw new Error(
        'DUMAS_CHECKPOINT_PRIVATE_KEY_FILE must not lie under DUMAS_DATA_DIR: whoever can write the data could re-sign it',
      );
    }
    privateKey = keyFrom(fs.readFileSync(file, 'utf8'), 'private', 'DUMAS_CHECKPOINT_PRIVATE_KEY_FILE');
  }
  if (privateKey) {
    const publicKey = createPublicKey(privateKey);
    if (configuredPublic && keyIdOf(configuredPublic) !== keyIdOf(publicKey)) {
      throw new Error('DUMAS_CHECKPOINT_PUBLIC_KEY is not the public half of the configured signing key');
    }
    return keysOf(privateKey, publicKey, true);
  }
  if (configuredPublic) return keysOf(undefined, configuredPublic, true);
  if (production) {
    throw new Error(
      'NODE_ENV=production needs DUMAS_CHECKPOINT_PRIVATE_KEY or DUMAS_CHECKPOINT_PRIVATE_KEY_FILE (an Ed25519 key kept outside DUMAS_DATA_DIR)',
    );
  }
  // Processes starting together keep whichever key was linked into place first, and read it whole.
  const pem = keptFile(dataDir, DEV_KEY_FILE, () =>
    generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  );
  const dev = keyFrom(pem, 'private', DEV_KEY_FILE);
  return keysOf(dev, createPublicKey(dev), false);
}

/** A stream's head: [revision, hash, position]. */
export type StreamHead = readonly [number, string, number];

export interface CheckpointBody {
  /** 3: headsDigest is the set digest of the heads (HeadsLattice); 2: SHA-256 of the heads map's JSON. */
  readonly v: 2 | 3;
  /** 1 for the first checkpoint, then each one more than the previous. */
  readonly seq: number;
  /** SHA-256 of the previous checkpoint's signed text ('' for the first). */
  readonly previous: string;
  /** When it was taken: every event recorded before this instant is at or below headPosition. */
  readonly takenAt: string;
  /** The previous checkpoint's head position (0 for the first): this one newly covers (from, head]. */
  readonly fromPosition: number;
  readonly headPosition: number;
  readonly eventCount: number;
  /** SHA-256 chained over every event's position, id and hash in log order (see `advanceDigest`). */
  readonly logDigest: string;
  readonly streamCount: number;
  /** v3: `HeadsLattice.digest()` of every stream's head; v2: SHA-256 of the heads map's canonical JSON. */
  readonly headsDigest: string;
  readonly keyId: string;
}

export interface Checkpoint {
  readonly body: CheckpointBody;
  /** The canonical JSON that was signed. */
  readonly bodyText: string;
  readonly signature: string;
}

export const CHECKPOINT_STREAM = 'audit-checkpoints';
export const CHECKPOINT_EVENT = 'CheckpointSigned';

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
export const checkpointDigest = (cp: Checkpoint) => sha256(cp.bodyText);

export function advanceDigest(
  digest: string,
  event: Pick<RecordedEvent, 'position' | 'id' | 'hash'>,
): string {
  return createHash('sha256').update(`${digest}:${event.position}:${event.id}:${event.hash}`).digest('hex');
}

/**
 * A digest of a set of stream heads that can be updated one head at a time: the lattice hash LtHash16
 * (Bellare–Micciancio's additive set hash with the parameters of Lewi et al., "Securing Update
 * Propagation with Homomorphic Hashing": 1,024 lanes of 16 bits, added mod 2^16). Each head is expanded
 * with SHAKE128 to 2,048 bytes and added lane by lane; removing a head subtracts it. A 256-bit additive
 * sum would be as cheap but falls to a generalized-birthday search over chosen heads; the lattice does not.
 * The signed value is the SHA-256 of the lanes (little-endian).
 */
export class HeadsLattice {
  private readonly lanes: Uint16Array;

  constructor(lanes?: Uint16Array) {
    this.lanes = lanes ? new Uint16Array(lanes) : new Uint16Array(LATTICE_LANES);
  }

  static of(heads: Iterable<readonly [string, StreamHead]>): HeadsLattice {
    const lattice = new HeadsLattice();
    for (const [streamId, head] of heads) lattice.add(streamId, head);
    return lattice;
  }

  clone(): HeadsLattice {
    return new HeadsLattice(this.lanes);
  }

  add(streamId: string, head: StreamHead): void {
    const leaf = latticeLeaf(streamId, head);
    const lanes = this.lanes;
    for (let i = 0, b = 0; i < LATTICE_LANES; i++, b += 2) {
      lanes[i] = lanes[i]! + (leaf.charCodeAt(b) | (leaf.charCodeAt(b + 1) << 8));
    }
  }

  remove(streamId: string, head: StreamHead): void {
    const leaf = latticeLeaf(streamId, head);
    const lanes = this.lanes;
    for (let i = 0, b = 0; i < LATTICE_LANES; i++, b += 2) {
      lanes[i] = lanes[i]! - (leaf.charCodeAt(b) | (leaf.charCodeAt(b + 1) << 8));
    }
  }

  digest(): string {
    const bytes = Buffer.alloc(LATTICE_LANES * 2);
    for (let i = 0; i < LATTICE_LANES; i++) bytes.writeUInt16LE(this.lanes[i]!, i * 2);
    return createHash('sha256').update(bytes).digest('hex');
  }
}

const LATTICE_LANES = 1024;

/**
 * A head's SHAKE128 expansion, as a one-byte string: its 2,048 bytes, two to a lane, little-endian. A
 * string lives on the JavaScript heap and goes with the next young-generation collection; a Buffer per
 * head is memory outside it, and a first pass over 275k heads left ~50 MB of it with the allocator.
 */
function latticeLeaf(streamId: string, [revision, hash, position]: StreamHead): string {
  return createHash('shake128', { outputLength: LATTICE_LANES * 2 })
    .update(`dumas-head\n${streamId}\n${revision}\n${hash}\n${position}`)
    .digest('binary'); // latin1: one char a byte
}

/**
 * Signatures already found valid, per key: every pass re-reads the whole chain of checkpoints (so an
 * altered record is always seen), but checks again only what it has not seen verified in this process.
 */
const verifiedSignatures = new WeakMap<KeyObject, Set<string>>();

export function signatureHolds(cp: Checkpoint, publicKey: KeyObject): boolean {
  let verified = verifiedSignatures.get(publicKey);
  const seen = `${cp.signature}:${sha256(cp.bodyText)}`;
  if (verified?.has(seen)) return true;
  let holds = false;
  try {
    holds = verify(null, Buffer.from(cp.bodyText), publicKey, Buffer.from(cp.signature, 'base64'));
  } catch {
    holds = false;
  }
  if (holds) {
    if (!verified) {
      verified = new Set();
      verifiedSignatures.set(publicKey, verified);
    }
    verified.add(seen);
  }
  return holds;
}

/** A checkpoint from its signed text; undefined when the text is not a v2 or v3 body. */
export function parseCheckpoint(bodyText: unknown, signature: unknown): Checkpoint | undefined {
  if (typeof bodyText !== 'string' || typeof signature !== 'string') return undefined;
  try {
    const body = JSON.parse(bodyText) as CheckpointBody;
    return body && (body.v === 2 || body.v === 3) && Number.isInteger(body.seq)
      ? { body, bodyText, signature }
      : undefined;
  } catch {
    return undefined;
  }
}

/** One event a checkpoint covered, as it was when signed. */
export interface LedgerRow {
  readonly position: number;
  readonly id: string;
  readonly streamId: string;
  readonly revision: number;
  readonly hash: string;
}

export interface CheckpointAlert {
  readonly at: string;
  readonly kind: string;
  readonly reason: string;
  readonly position: number | null;
  readonly streamId: string | null;
  readonly revision: number | null;
}

interface LedgerDbRow {
  position: number;
  id: string;
  stream_id: string;
  revision: number;
  hash: string;
}
const toLedger = (r: LedgerDbRow): LedgerRow => ({
  position: r.position,
  id: r.id,
  streamId: r.stream_id,
  revision: r.revision,
  hash: r.hash,
});

/** The heads a checkpoint signed, with their set digest (v3; computed from the map for a v2 body). */
export interface SignedHeads {
  readonly seq: number;
  readonly heads: HeadsView;
  readonly lattice: HeadsLattice;
}

/**
 * The heads one checkpoint signed, unchanging once made: a verification that started against checkpoint
 * N keeps N's heads while the checkpointer signs N+1. The next checkpoint's view shares this one's packed
 * heads and adds only what changed (the changes since the last packing are copied, the rest shared); it
 * is packed anew once the changes reach a sixteenth of the streams, so a tick's cost follows what was
 * appended and the occasional packing (a copy of the arrays) is paid once per many ticks.
 */
export class HeadsView implements Iterable<[string, StreamHead]> {
  private constructor(
    private readonly base: PackedHeads,
    private readonly delta: ReadonlyMap<string, StreamHead>,
    readonly size: number,
  ) {}

  static of(heads: Iterable<readonly [string, StreamHead]>, expected?: ExpectedSize): HeadsView {
    const packed = PackedHeads.from(heads, expected);
    return new HeadsView(packed, new Map(), packed.size);
  }

  get(streamId: string): StreamHead | undefined {
    return this.delta.get(streamId) ?? this.base.get(streamId);
  }

  has(streamId: string): boolean {
    return this.delta.has(streamId) || this.base.has(streamId);
  }

  *[Symbol.iterator](): Iterator<[string, StreamHead]> {
    yield* this.delta;
    for (const entry of this.base) if (!this.delta.has(entry[0])) yield entry;
  }

  *keys(): Iterable<string> {
    for (const [streamId] of this) yield streamId;
  }

  /** This view with `changed` applied, as a new view (this one stays as it is). */
  with(changed: ReadonlyMap<string, StreamHead>): HeadsView {
    let added = 0;
    for (const streamId of changed.keys()) if (!this.has(streamId)) added++;
    const size = this.size + added;
    const delta = new Map([...this.delta, ...changed]);
    if (delta.size > Math.max(4_096, this.base.size / 16)) {
      const packed = this.base.with(delta);
      return new HeadsView(packed, new Map(), packed.size);
    }
    return new HeadsView(this.base, delta, size);
  }
}

/** The checkpoints file: signed bodies, the latest heads, the ledger and the current alert. */
export class CheckpointStore {
  private readonly db: Database.Database;
  private readonly byId: Database.Statement<[string], LedgerDbRow>;
  private readonly atPosition: Database.Statement<[number], LedgerDbRow>;
  private readonly ofStream: Database.Statement<[string, number], LedgerDbRow>;
  private headsCache: SignedHeads | undefined;
  private parsed: Checkpoint[] = [];

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file, { timeout: 10_000 });
    this.db.pragma('journal_mode = WAL');
    // Its heads are read whole once per start and then point by point: SQLite's default 16 MB page
    // cache would only keep that one pass's pages for the life of the process.
    this.db.pragma('cache_size = -2048');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS signed_checkpoints (
        seq       INTEGER PRIMARY KEY,
        body      TEXT NOT NULL,
        signature TEXT NOT NULL
      );
      -- v2 checkpoints: the whole heads map as JSON, rewritten by every checkpoint.
      CREATE TABLE IF NOT EXISTS checkpoint_heads (seq INTEGER PRIMARY KEY, heads TEXT NOT NULL);
      -- v3 checkpoints: one row per stream, rewritten only for the streams a checkpoint newly covers;
      -- stream_heads_seq says which checkpoint the rows are the heads of.
      CREATE TABLE IF NOT EXISTS stream_heads (
        stream_id TEXT PRIMARY KEY,
        revision  INTEGER NOT NULL,
        hash      TEXT NOT NULL,
        position  INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS stream_heads_seq (one INTEGER PRIMARY KEY CHECK (one = 1), seq INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS ledger (
        position  INTEGER PRIMARY KEY,
        id        TEXT NOT NULL,
        stream_id TEXT NOT NULL,
        revision  INTEGER NOT NULL
        , hash    TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS ledger_id ON ledger (id);
      CREATE INDEX IF NOT EXISTS ledger_stream ON ledger (stream_id, revision);
      CREATE TABLE IF NOT EXISTS checkpoint_alert (
        one INTEGER PRIMARY KEY CHECK (one = 1),
        alert TEXT NOT NULL
      );
    `);
    this.byId = this.db.prepare('SELECT * FROM ledger WHERE id = ?');
    this.atPosition = this.db.prepare('SELECT * FROM ledger WHERE position = ?');
    this.ofStream = this.db.prepare(
      'SELECT * FROM ledger WHERE stream_id = ? AND position <= ? ORDER BY revision',
    );
  }

  static forDataDir(dataDir: string): CheckpointStore {
    return new CheckpointStore(path.join(dataDir, 'checkpoints.sqlite'));
  }

  /** Every checkpoint record, oldest first, as stored (signatures are the verifier's business). */
  all(): Checkpoint[] {
    const rows = this.db
      .prepare<[], { body: string; signature: string }>(
        'SELECT body, signature FROM signed_checkpoints ORDER BY seq',
      )
      .all();
    // Parsed once per process: a row whose text is unchanged reuses its parse.
    const parsed = rows.map((row, i) => {
      const known = this.parsed[i];
      if (known && known.bodyText === row.body && known.signature === row.signature) return known;
      return parseCheckpoint(row.body, row.signature) ?? forgedRecord(row.body, row.signature);
    });
    this.parsed = parsed;
    return parsed;
  }

  latest(): Checkpoint | undefined {
    const row = this.db
      .prepare<[], { body: string; signature: string }>(
        'SELECT body, signature FROM signed_checkpoints ORDER BY seq DESC LIMIT 1',
      )
      .get();
    return row
      ? (parseCheckpoint(row.body, row.signature) ?? forgedRecord(row.body, row.signature))
      : undefined;
  }

  /** The heads signed by `cp`, when the stored copy still reproduces its headsDigest. */
  async heads(cp: Checkpoint): Promise<HeadsView | undefined> {
    return (await this.signedHeads(cp))?.heads;
  }

  /**
   * The heads signed by `cp` and their digest, when the stored rows still reproduce the signed digest.
   * Read and checked once per checkpoint (O(streams)); the checkpointer then keeps them current itself.
   */
  async signedHeads(cp: Checkpoint): Promise<SignedHeads | undefined> {
    if (this.headsCache?.seq === cp.body.seq) return this.headsCache;
    let heads: HeadsView;
    let lattice: HeadsLattice;
    if (cp.body.v === 2) {
      const row = this.db
        .prepare<[number], { heads: string }>('SELECT heads FROM checkpoint_heads WHERE seq = ?')
        .get(cp.body.seq);
      if (!row || sha256(row.heads) !== cp.body.headsDigest) return undefined;
      const map = new Map(Object.entries(JSON.parse(row.heads) as Record<string, StreamHead>));
      lattice = HeadsLattice.of(map);
      heads = HeadsView.of(map);
    } else {
      const marker = this.db
        .prepare<[], { seq: number }>('SELECT seq FROM stream_heads_seq WHERE one = 1')
        .get();
      if (marker?.seq !== cp.body.seq) return undefined;
      const expected = this.db
        .prepare<[], ExpectedSize>(
          'SELECT count(*) AS streams, total(length(CAST(stream_id AS BLOB))) AS idBytes FROM stream_heads',
        )
        .get()!;
      const rows = this.db
        .prepare<[], { stream_id: string; revision: number; hash: string; position: number }>(
          'SELECT stream_id, revision, hash, position FROM stream_heads',
        )
        .iterate();
      try {
        heads = HeadsView.of(rowHeads(rows), expected);
      } catch {
        return undefined; // a row that is no head (its hash is not one): the copy cannot reproduce the digest
      }
      // Each head costs a SHAKE128 expansion (~30 µs): a store of 300k streams would hold the event
      // loop for seconds at the first tick after a start, so the sum gives way between slices.
      lattice = new HeadsLattice();
      let added = 0;
      for (const [streamId, head] of heads) {
        lattice.add(streamId, head);
        if (++added % 2_000 === 0) await yieldToEventLoop();
      }
      if (this.headsCache?.seq === cp.body.seq) return this.headsCache;
      if (heads.size !== cp.body.streamCount || lattice.digest() !== cp.body.headsDigest) return undefined;
    }
    this.headsCache = { seq: cp.body.seq, heads, lattice };
    return this.headsCache;
  }

  ledgerById(id: string): LedgerRow | undefined {
    const row = this.byId.get(id);
    return row ? toLedger(row) : undefined;
  }

  ledgerAt(position: number): LedgerRow | undefined {
    const row = this.atPosition.get(position);
    return row ? toLedger(row) : undefined;
  }

  /** A stream's ledger rows up to a position, in revision order. */
  ledgerOfStream(streamId: string, upTo: number): LedgerRow[] {
    return this.ofStream.all(streamId, upTo).map(toLedger);
  }

  /** Ledger rows in (from, to], in position order, a page at a time. */
  *ledgerRange(from: number, to: number, pageSize = 5_000): Generator<LedgerRow> {
    const page = this.db.prepare<[number, number, number], LedgerDbRow>(
      'SELECT * FROM ledger WHERE position > ? AND position <= ? ORDER BY position LIMIT ?',
    );
    let after = from;
    for (;;) {
      const rows = page.all(after, to, pageSize);
      for (const r of rows) yield toLedger(r);
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1]!.position;
    }
  }

  /**
   * Keeps a new checkpoint, the heads it changed and the rows it newly covers, at once. `base` is what
   * the changes apply to (the previous checkpoint's signed heads; a v2 or absent one means every row is
   * written); `lattice` is the digest the new checkpoint signed. Only the changed streams' rows are
   * written, so the cost follows what was appended.
   */
  record(
    cp: Checkpoint,
    heads: { base: SignedHeads | undefined; changed: ReadonlyMap<string, StreamHead>; lattice: HeadsLattice },
    covered: readonly LedgerRow[],
  ): void {
    const insertLedger = this.db.prepare(
      'INSERT OR REPLACE INTO ledger (position, id, stream_id, revision, hash) VALUES (?, ?, ?, ?, ?)',
    );
    const upsertHead = this.db.prepare(
      `INSERT INTO stream_heads (stream_id, revision, hash, position) VALUES (?, ?, ?, ?)
       ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision, hash = excluded.hash, position = excluded.position`,
    );
    const { base, changed, lattice } = heads;
    const rewriteAll =
      !base || this.db.prepare('SELECT 1 FROM stream_heads_seq WHERE seq = ?').get(base.seq) === undefined;
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO signed_checkpoints (seq, body, signature) VALUES (?, ?, ?)')
        .run(cp.body.seq, cp.bodyText, cp.signature);
      if (rewriteAll) {
        this.db.prepare('DELETE FROM checkpoint_heads').run();
        this.db.prepare('DELETE FROM stream_heads').run();
        for (const [streamId, head] of base?.heads ?? []) {
          if (!changed.has(streamId)) upsertHead.run(streamId, head[0], head[1], head[2]);
        }
      }
      for (const [streamId, head] of changed) upsertHead.run(streamId, head[0], head[1], head[2]);
      this.db.prepare('INSERT OR REPLACE INTO stream_heads_seq (one, seq) VALUES (1, ?)').run(cp.body.seq);
      for (const r of covered) insertLedger.run(r.position, r.id, r.streamId, r.revision, r.hash);
      this.db.prepare('DELETE FROM checkpoint_alert').run();
    })();
    // The signed heads move on in memory too, so the next tick need not read them back.
    const view = base ? base.heads.with(changed) : HeadsView.of(changed);
    this.headsCache = { seq: cp.body.seq, heads: view, lattice };
  }

  alert(): CheckpointAlert | undefined {
    const row = this.db.prepare<[], { alert: string }>('SELECT alert FROM checkpoint_alert').get();
    return row ? (JSON.parse(row.alert) as CheckpointAlert) : undefined;
  }

  clearAlert(): void {
    this.db.prepare('DELETE FROM checkpoint_alert').run();
  }

  raiseAlert(alert: CheckpointAlert): void {
    this.db
      .prepare('INSERT OR REPLACE INTO checkpoint_alert (one, alert) VALUES (1, ?)')
      .run(JSON.stringify(alert));
  }

  close(): void {
    this.db.close();
  }
}

function* rowHeads(
  rows: Iterable<{ stream_id: string; revision: number; hash: string; position: number }>,
): Iterable<[string, StreamHead]> {
  for (const r of rows) yield [r.stream_id, [r.revision, r.hash, r.position]];
}

/** A stored record that is not a readable v2 body: kept so the verifier reports it as forged. */
function forgedRecord(bodyText: string, signature: string): Checkpoint {
  return {
    body: { v: 2, seq: -1 } as unknown as CheckpointBody,
    bodyText,
    signature,
  };
}

/** The checkpoints copied into the log, oldest first, each with the log position of its copy. */
export async function readLogCheckpoints(
  store: EventStore,
): Promise<{ checkpoint: Checkpoint | undefined; event: RecordedEvent }[]> {
  const events = await store.readStream(CHECKPOINT_STREAM);
  return events.map((event) => {
    const data = event.data as { body?: unknown; signature?: unknown } | null;
    return { checkpoint: parseCheckpoint(data?.body, data?.signature), event };
  });
}

/** Where an event does not continue its stream's chain from `head` (revision, hash), or undefined. */
export function chainBreak(
  event: RecordedEvent,
  head: readonly [number, string, ...unknown[]] | undefined,
): string | undefined {
  const expected = head ? head[0] + 1 : 0;
  if (event.revision !== expected) {
    return event.revision > expected
      ? `revision ${expected} is missing (found ${event.revision})`
      : `revision ${event.revision} is out of order`;
  }
  if (event.previousHash !== (head ? head[1] : ''))
    return 'previousHash does not match the hash of the prior event';
  try {
    if (computeEventHash(event.previousHash, event) !== event.hash)
      return 'hash does not match the event content';
  } catch {
    return 'content cannot be hashed';
  }
  return undefined;
}

/** Sign a body (keys must hold the private key). */
export function signBody(body: CheckpointBody, keys: CheckpointKeys): Checkpoint {
  if (!keys.privateKey) throw new Error('taking a checkpoint needs DUMAS_CHECKPOINT_PRIVATE_KEY');
  const bodyText = canonicalJson(body);
  return { body, bodyText, signature: sign(null, Buffer.from(bodyText), keys.privateKey).toString('base64') };
}

/** The deterministic event id of checkpoint `seq`'s copy in the log, so a retried copy is idempotent. */
export function checkpointEventId(seq: number, keyId: string): string {
  const h = sha256(`dumas-checkpoint:${keyId}:${seq}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export async function appendToLog(store: EventStore, cp: Checkpoint): Promise<void> {
  await store.append(
    CHECKPOINT_STREAM,
    [
      {
        id: checkpointEventId(cp.body.seq, cp.body.keyId),
        type: CHECKPOINT_EVENT,
        data: { seq: cp.body.seq, body: cp.bodyText, signature: cp.signature },
        metadata: { occurredAt: cp.body.takenAt },
      },
    ],
    { expectedRevision: cp.body.seq === 1 ? 'no_stream' : cp.body.seq - 2 },
  );
}
