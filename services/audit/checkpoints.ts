/**
 * Signed checkpoints of the log: hash chains alone cannot show that events were cut off the end of a
 * stream (a shorter chain is still whole), so at intervals the heads of every stream (id, revision, hash),
 * the log's head position, its event count and a running digest of every event hash in log order are
 * signed with Ed25519 and kept OUTSIDE the log, in their own SQLite file next to the data. Verification
 * then holds each chain against the last checkpoint.
 *
 * The key: DUMAS_CHECKPOINT_PRIVATE_KEY (PKCS#8 PEM, or its DER in base64); a verifier without the
 * private key may be given DUMAS_CHECKPOINT_PUBLIC_KEY (SPKI PEM). Without either, a development key is
 * generated once under the data directory (checkpoint-dev-key.pem, mode 0600).
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

export interface CheckpointKeys {
  /** Absent for a verifier holding only the public key. */
  readonly privateKey?: KeyObject;
  readonly publicKey: KeyObject;
  /** First 16 hex digits of the SHA-256 of the public key (SPKI DER). */
  readonly keyId: string;
}

export const DEV_KEY_FILE = 'checkpoint-dev-key.pem';

function keyFrom(text: string, kind: 'private' | 'public'): KeyObject {
  const trimmed = text.trim();
  const pem = trimmed.startsWith('-----BEGIN');
  const der = Buffer.from(trimmed, 'base64');
  const key =
    kind === 'private'
      ? createPrivateKey(pem ? trimmed : { key: der, format: 'der', type: 'pkcs8' })
      : createPublicKey(pem ? trimmed : { key: der, format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ed25519')
    throw new Error(`the checkpoint ${kind} key must be an Ed25519 key`);
  return key;
}

function keysOf(privateKey: KeyObject | undefined, publicKey: KeyObject): CheckpointKeys {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return {
    ...(privateKey ? { privateKey } : {}),
    publicKey,
    keyId: createHash('sha256').update(der).digest('hex').slice(0, 16),
  };
}

/** The signing key from the environment, or the development key under `dataDir` (created when absent). */
export function loadCheckpointKeys(dataDir: string, env: NodeJS.ProcessEnv = process.env): CheckpointKeys {
  if (env.DUMAS_CHECKPOINT_PRIVATE_KEY) {
    const privateKey = keyFrom(env.DUMAS_CHECKPOINT_PRIVATE_KEY, 'private');
    return keysOf(privateKey, createPublicKey(privateKey));
  }
  if (env.DUMAS_CHECKPOINT_PUBLIC_KEY)
    return keysOf(undefined, keyFrom(env.DUMAS_CHECKPOINT_PUBLIC_KEY, 'public'));
  const file = path.join(dataDir, DEV_KEY_FILE);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    try {
      // 'wx': two processes starting together keep whichever key was written first.
      fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
        flag: 'wx',
        mode: 0o600,
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const privateKey = keyFrom(fs.readFileSync(file, 'utf8'), 'private');
  return keysOf(privateKey, createPublicKey(privateKey));
}

/** A stream's head: [revision, hash]. */
export type StreamHead = readonly [number, string];

export interface CheckpointBody {
  readonly v: 1;
  /** Read before the log was: every event recorded before this instant is at or below headPosition. */
  readonly takenAt: string;
  readonly headPosition: number;
  readonly eventCount: number;
  /** SHA-256 chained over every event's position and hash in log order (see `advanceDigest`). */
  readonly logDigest: string;
  readonly streams: Readonly<Record<string, StreamHead>>;
  /** SHA-256 of the previous checkpoint's body ('' for the first): checkpoints chain too. */
  readonly previous: string;
  readonly keyId: string;
}

export interface Checkpoint {
  readonly seq: number;
  readonly body: CheckpointBody;
  readonly bodyText: string;
  readonly signature: string;
}

export function advanceDigest(digest: string, event: Pick<RecordedEvent, 'position' | 'hash'>): string {
  return createHash('sha256').update(`${digest}:${event.position}:${event.hash}`).digest('hex');
}

export class CheckpointSignatureError extends Error {
  constructor(readonly seq: number) {
    super(`checkpoint ${seq} does not carry a valid signature of the configured key`);
    this.name = 'CheckpointSignatureError';
  }
}

/** The checkpoints file: append-only rows, each body signed. */
export class CheckpointStore {
  private readonly db: Database.Database;

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file, { timeout: 10_000 });
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS checkpoints (
      seq           INTEGER PRIMARY KEY,
      taken_at      TEXT    NOT NULL,
      head_position INTEGER NOT NULL,
      body          TEXT    NOT NULL,
      signature     TEXT    NOT NULL
    )`);
  }

  static forDataDir(dataDir: string): CheckpointStore {
    return new CheckpointStore(path.join(dataDir, 'checkpoints.sqlite'));
  }

  /** The newest checkpoint, its signature verified; undefined when none was ever taken. */
  latest(keys: CheckpointKeys): Checkpoint | undefined {
    const row = this.db
      .prepare<[], { seq: number; body: string; signature: string }>(
        'SELECT seq, body, signature FROM checkpoints ORDER BY seq DESC LIMIT 1',
      )
      .get();
    return row ? verified(row, keys) : undefined;
  }

  /** Every checkpoint, oldest first, each verified. */
  all(keys: CheckpointKeys): Checkpoint[] {
    return this.db
      .prepare<[], { seq: number; body: string; signature: string }>(
        'SELECT seq, body, signature FROM checkpoints ORDER BY seq',
      )
      .all()
      .map((row) => verified(row, keys));
  }

  append(body: CheckpointBody, keys: CheckpointKeys): Checkpoint {
    if (!keys.privateKey) throw new Error('taking a checkpoint needs DUMAS_CHECKPOINT_PRIVATE_KEY');
    const bodyText = canonicalJson(body);
    const signature = sign(null, Buffer.from(bodyText), keys.privateKey).toString('base64');
    const info = this.db
      .prepare('INSERT INTO checkpoints (taken_at, head_position, body, signature) VALUES (?, ?, ?, ?)')
      .run(body.takenAt, body.headPosition, bodyText, signature);
    return { seq: Number(info.lastInsertRowid), body, bodyText, signature };
  }

  close(): void {
    this.db.close();
  }
}

function verified(row: { seq: number; body: string; signature: string }, keys: CheckpointKeys): Checkpoint {
  const ok = verify(null, Buffer.from(row.body), keys.publicKey, Buffer.from(row.signature, 'base64'));
  if (!ok) throw new CheckpointSignatureError(row.seq);
  return {
    seq: row.seq,
    body: JSON.parse(row.body) as CheckpointBody,
    bodyText: row.body,
    signature: row.signature,
  };
}

/** Where an event does not continue its stream's chain, or undefined when it does. */
export function chainBreak(event: RecordedEvent, head: StreamHead | undefined): string | undefined {
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

export class ChainBrokenError extends Error {
  constructor(
    readonly streamId: string,
    readonly revision: number,
    readonly reason: string,
  ) {
    super(`stream ${streamId} breaks at revision ${revision}: ${reason}`);
    this.name = 'ChainBrokenError';
  }
}

const PAGE = 2_000;

/**
 * Extends the last checkpoint over the events recorded since, checking that each continues its chain,
 * and signs the result. Refuses (ChainBrokenError) to sign over a broken chain. Returns the previous
 * checkpoint unchanged when nothing was recorded since.
 */
export async function takeCheckpoint(
  store: EventStore,
  checkpoints: CheckpointStore,
  keys: CheckpointKeys,
  now: () => Date = () => new Date(),
): Promise<Checkpoint> {
  const last = checkpoints.latest(keys);
  const takenAt = now().toISOString();
  const streams: Record<string, StreamHead> = { ...(last?.body.streams ?? {}) };
  let position = last?.body.headPosition ?? 0;
  let count = last?.body.eventCount ?? 0;
  let digest = last?.body.logDigest ?? '';
  for (;;) {
    const page = await store.readAll({ fromPosition: position, maxCount: PAGE });
    for (const event of page) {
      const reason = chainBreak(event, streams[event.streamId]);
      if (reason) throw new ChainBrokenError(event.streamId, event.revision, reason);
      streams[event.streamId] = [event.revision, event.hash];
      digest = advanceDigest(digest, event);
      count++;
      position = event.position;
    }
    if (page.length < PAGE) break;
  }
  if (last && position === last.body.headPosition) return last;
  return checkpoints.append(
    {
      v: 1,
      takenAt,
      headPosition: position,
      eventCount: count,
      logDigest: digest,
      streams,
      previous: last ? createHash('sha256').update(last.bodyText).digest('hex') : '',
      keyId: keys.keyId,
    },
    keys,
  );
}

export interface CheckpointerOptions {
  readonly intervalMs?: number;
  readonly onError?: (err: unknown) => void;
}

export interface Checkpointer {
  /** When a pass last succeeded (the heads are signed up to then), in epoch ms; undefined before the first. */
  lastPassAt(): number | undefined;
  stop(): Promise<void>;
}

/** Takes a checkpoint now and then at intervals until stopped; one at a time. */
export function startCheckpointer(
  store: EventStore,
  checkpoints: CheckpointStore,
  keys: CheckpointKeys,
  options: CheckpointerOptions = {},
): Checkpointer {
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  let lastPassAt: number | undefined;
  const tick = () => {
    running = running
      .then(async () => {
        if (stopped) return;
        await takeCheckpoint(store, checkpoints, keys);
        lastPassAt = Date.now();
      })
      .catch((err) => options.onError?.(err));
  };
  tick();
  const timer = setInterval(tick, options.intervalMs ?? 60_000);
  timer.unref();
  return {
    lastPassAt: () => lastPassAt,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
