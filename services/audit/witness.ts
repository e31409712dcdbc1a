/**
 * The witness: signed heads kept outside the store, in the spirit of Certificate Transparency's signed
 * tree heads and immudb's client-verified state. A head is one checkpoint's signed text, its signature
 * and the public key that signs it. Whoever keeps any earlier head can later prove that the log still
 * extends it (`npm run -s audit -- verify --all --since head.json`), even against someone who can write
 * the database files and the data directory.
 *
 * `npm run -s audit -- head > head.json` exports the current head; the checkpointer also publishes each
 * head it signs to DUMAS_CHECKPOINT_WITNESS_DIR (a directory on other storage: a mounted share, a
 * separate disk, a synced folder), one file per checkpoint, and refuses to sign a checkpoint that does
 * not extend the newest head found there.
 */
import { createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  type Checkpoint,
  type CheckpointKeys,
  keyIdOf,
  keysOf,
  parseCheckpoint,
  publicKeyPem,
  signatureHolds,
} from './checkpoints';

export const HEAD_FORMAT = 'dumas-checkpoint-head/1';

export interface WitnessHead {
  readonly format: typeof HEAD_FORMAT;
  readonly seq: number;
  readonly headPosition: number;
  readonly takenAt: string;
  /** The signed text of the checkpoint (canonical JSON of its body). */
  readonly body: string;
  readonly signature: string;
  /** SPKI PEM of the key that signed it. */
  readonly publicKey: string;
}

export function headOf(cp: Checkpoint, keys: CheckpointKeys): WitnessHead {
  return {
    format: HEAD_FORMAT,
    seq: cp.body.seq,
    headPosition: cp.body.headPosition,
    takenAt: cp.body.takenAt,
    body: cp.bodyText,
    signature: cp.signature,
    publicKey: publicKeyPem(keys),
  };
}

export class WitnessHeadError extends Error {}

/**
 * A head read back: its checkpoint, and the keys to verify with. With `keys` anchored by configuration,
 * the head's own key must be that key; otherwise the head's key is the anchor (it was kept apart).
 */
export function readHead(
  text: string,
  keys?: CheckpointKeys,
): { checkpoint: Checkpoint; keys: CheckpointKeys } {
  let head: Partial<WitnessHead>;
  try {
    head = JSON.parse(text) as Partial<WitnessHead>;
  } catch {
    throw new WitnessHeadError('the witness head is not JSON');
  }
  if (head.format !== HEAD_FORMAT)
    throw new WitnessHeadError(`the witness head is not a ${HEAD_FORMAT} document`);
  const checkpoint = parseCheckpoint(head.body, head.signature);
  if (!checkpoint) throw new WitnessHeadError('the witness head carries no readable checkpoint');
  let headKey: ReturnType<typeof createPublicKey>;
  try {
    headKey = createPublicKey(String(head.publicKey));
  } catch {
    throw new WitnessHeadError('the witness head carries no readable public key');
  }
  const verifying = keys?.anchored ? keys.publicKey : headKey;
  if (keys?.anchored && keyIdOf(headKey) !== keys.keyId) {
    throw new WitnessHeadError('the witness head was signed by another key than the configured one');
  }
  if (!signatureHolds(checkpoint, verifying)) {
    throw new WitnessHeadError('the witness head does not carry a valid signature');
  }
  return { checkpoint, keys: keys?.anchored ? keys : keysOf(undefined, headKey, true) };
}

/** A directory of heads, one file per checkpoint (head-000000000042.json), written atomically. */
export class DirectoryWitness {
  constructor(readonly dir: string) {}

  publish(head: WitnessHead): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const file = path.join(this.dir, `head-${String(head.seq).padStart(12, '0')}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(head, null, 2)}\n`);
    fs.renameSync(tmp, file);
  }

  /** The text of the newest head published, or undefined when there is none. */
  newest(): string | undefined {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir).filter((n) => /^head-\d{12}\.json$/.test(n));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const last = names.sort().pop();
    return last ? fs.readFileSync(path.join(this.dir, last), 'utf8') : undefined;
  }
}
