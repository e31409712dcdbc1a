/**
 * The signed head of every stream, packed into typed arrays. The checkpointer and the integrity
 * verifier hold one head per stream in the log; as a map of tuples and hex strings that cost ~270 bytes a
 * stream (73 MB of heap and ~180 MB of RSS once loaded, at 275k streams). Packed it costs about a third:
 * the stream ids back to back as UTF-8, revision and position as doubles, the hash as its 32 bytes, and
 * an open-addressing table of slots for lookups.
 *
 * PackedHeads never change once built (a verification keeps the heads it started with while the next
 * checkpoint is signed): `with` returns new ones, copying the arrays (a memcpy each) and then writing
 * only what changed.
 */
import type { StreamHead } from './checkpoints';

const HASH_BYTES = 32;
const HEX_HASH = /^[0-9a-f]{64}$/;

/** FNV-1a over the UTF-16 code units: cheap, and every probe ends in an exact comparison anyway. */
function hashOf(streamId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < streamId.length; i++) h = Math.imul(h ^ streamId.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The smallest power of two holding `slots` at most half full. */
function tableLength(slots: number): number {
  let length = 16;
  while (length < slots * 2) length *= 2;
  return length;
}

/** The arrays and the lookups; what the builder fills and the built heads read. */
class HeadsArrays {
  constructor(
    /** Stream ids, UTF-8, back to back in slot order. */
    protected ids: Buffer,
    /** Where slot i's id ends in `ids` (it starts where slot i - 1's ends). */
    protected idEnds: Uint32Array,
    protected revisions: Float64Array,
    protected positions: Float64Array,
    /** HASH_BYTES a slot. */
    protected hashes: Buffer,
    /** Slot + 1 by the id's hash, linear probing; 0 is an empty place. At most half full. */
    protected table: Int32Array,
    protected count: number,
  ) {}

  protected headAt(slot: number): StreamHead {
    const at = slot * HASH_BYTES;
    return [this.revisions[slot]!, this.hashes.toString('hex', at, at + HASH_BYTES), this.positions[slot]!];
  }

  protected idAt(slot: number): string {
    return this.ids.toString('utf8', this.idStart(slot), this.idEnds[slot]!);
  }

  protected idStart(slot: number): number {
    return slot ? this.idEnds[slot - 1]! : 0;
  }

  protected slotOf(streamId: string): number {
    const mask = this.table.length - 1;
    for (let place = hashOf(streamId) & mask; ; place = (place + 1) & mask) {
      const entry = this.table[place]!;
      if (entry === 0) return -1;
      if (this.idIs(entry - 1, streamId)) return entry - 1;
    }
  }

  private idIs(slot: number, streamId: string): boolean {
    const start = this.idStart(slot);
    const end = this.idEnds[slot]!;
    if (end - start === streamId.length) {
      // ASCII, as stream ids are: compared code unit by byte, without decoding.
      let k = 0;
      for (; k < streamId.length; k++) {
        const unit = streamId.charCodeAt(k);
        if (unit >= 0x80) break;
        if (this.ids[start + k] !== unit) return false;
      }
      if (k === streamId.length) return true;
    }
    return this.ids.toString('utf8', start, end) === streamId;
  }
}

export class PackedHeads extends HeadsArrays implements Iterable<[string, StreamHead]> {
  static empty(): PackedHeads {
    return new HeadsBuilder(0).finish();
  }

  /**
   * Packs the heads given (a later head of the same stream replaces an earlier one). Given how many
   * streams and id bytes are coming, the arrays are allocated once at their size: growing them by
   * doubling leaves the allocator holding about three times what is kept.
   */
  static from(heads: Iterable<readonly [string, StreamHead]>, expected?: ExpectedSize): PackedHeads {
    const builder = new HeadsBuilder(expected?.streams ?? 1_024, undefined, expected?.idBytes);
    for (const [streamId, head] of heads) builder.put(streamId, head);
    return builder.finish();
  }

  get size(): number {
    return this.count;
  }

  get(streamId: string): StreamHead | undefined {
    const slot = this.slotOf(streamId);
    return slot < 0 ? undefined : this.headAt(slot);
  }

  has(streamId: string): boolean {
    return this.slotOf(streamId) >= 0;
  }

  *[Symbol.iterator](): Iterator<[string, StreamHead]> {
    for (let slot = 0; slot < this.count; slot++) yield [this.idAt(slot), this.headAt(slot)];
  }

  /** These heads with `changed` applied, as new PackedHeads (these stay as they are). */
  with(changed: ReadonlyMap<string, StreamHead>): PackedHeads {
    const builder = new HeadsBuilder(this.count + changed.size, this);
    for (const [streamId, head] of changed) builder.put(streamId, head);
    return builder.finish();
  }

  /** The arrays, for a builder that starts from these heads (and copies them). */
  arrays(): ConstructorParameters<typeof HeadsArrays> {
    return [this.ids, this.idEnds, this.revisions, this.positions, this.hashes, this.table, this.count];
  }
}

export interface ExpectedSize {
  readonly streams: number;
  /** The stream ids' length in UTF-8, all together. */
  readonly idBytes: number;
}

/** Fills arrays that grow as needed, then trims them into PackedHeads; used once. */
class HeadsBuilder extends HeadsArrays {
  constructor(capacity: number, base?: PackedHeads, idBytes?: number) {
    const slots = Math.max(capacity, 1);
    if (!base) {
      super(
        Buffer.allocUnsafe(idBytes ?? slots * 40),
        new Uint32Array(slots),
        new Float64Array(slots),
        new Float64Array(slots),
        Buffer.allocUnsafe(slots * HASH_BYTES),
        new Int32Array(tableLength(slots)),
        0,
      );
      return;
    }
    const [ids, idEnds, revisions, positions, hashes, table, count] = base.arrays();
    const bytes = count ? idEnds[count - 1]! : 0;
    super(
      Buffer.allocUnsafe(bytes + (slots - count) * 40),
      new Uint32Array(slots),
      new Float64Array(slots),
      new Float64Array(slots),
      Buffer.allocUnsafe(slots * HASH_BYTES),
      table.length >= tableLength(slots) ? table.slice() : new Int32Array(tableLength(slots)),
      count,
    );
    ids.copy(this.ids, 0, 0, bytes);
    this.idEnds.set(idEnds.subarray(0, count));
    this.revisions.set(revisions.subarray(0, count));
    this.positions.set(positions.subarray(0, count));
    hashes.copy(this.hashes, 0, 0, count * HASH_BYTES);
    if (this.table.length !== table.length) this.rehash();
  }

  put(streamId: string, head: StreamHead): void {
    const [revision, hash, position] = head;
    if (!HEX_HASH.test(hash)) throw new TypeError(`the head of ${streamId} is not a SHA-256 hash`);
    let slot = this.slotOf(streamId);
    if (slot < 0) slot = this.add(streamId);
    this.revisions[slot] = revision;
    this.positions[slot] = position;
    this.hashes.write(hash, slot * HASH_BYTES, HASH_BYTES, 'hex');
  }

  finish(): PackedHeads {
    const n = this.count;
    const bytes = n ? this.idEnds[n - 1]! : 0;
    // Trimmed to what is held (the slack of the growth would otherwise be kept for good); arrays that
    // were sized right are kept as they are.
    const fits = n === this.idEnds.length;
    return new PackedHeads(
      bytes === this.ids.length ? this.ids : Buffer.from(this.ids.subarray(0, bytes)),
      fits ? this.idEnds : this.idEnds.slice(0, n),
      fits ? this.revisions : this.revisions.slice(0, n),
      fits ? this.positions : this.positions.slice(0, n),
      fits ? this.hashes : Buffer.from(this.hashes.subarray(0, n * HASH_BYTES)),
      // A table up to twice the size needed is kept as it is: re-placing every slot costs more.
      this.table.length <= tableLength(n) * 2 ? this.table : this.rehashed(tableLength(n)),
      n,
    );
  }

  private add(streamId: string): number {
    const bytes = Buffer.byteLength(streamId, 'utf8');
    // A lone surrogate would come back as U+FFFD: a stream that could never be found again.
    if (bytes !== streamId.length && Buffer.from(streamId, 'utf8').toString('utf8') !== streamId) {
      throw new TypeError('a stream id that is not well-formed UTF-16');
    }
    const slot = this.count;
    if (slot === this.idEnds.length) this.grow();
    const start = this.idStart(slot);
    if (start + bytes > this.ids.length) {
      const ids = Buffer.allocUnsafe(Math.max(this.ids.length * 2, start + bytes));
      this.ids.copy(ids, 0, 0, start);
      this.ids = ids;
    }
    this.ids.write(streamId, start, 'utf8');
    this.idEnds[slot] = start + bytes;
    this.count++;
    if (this.count * 2 > this.table.length) this.rehash();
    else place(this.table, hashOf(streamId), slot);
    return slot;
  }

  private grow(): void {
    const slots = this.idEnds.length * 2;
    const idEnds = new Uint32Array(slots);
    idEnds.set(this.idEnds);
    this.idEnds = idEnds;
    const revisions = new Float64Array(slots);
    revisions.set(this.revisions);
    this.revisions = revisions;
    const positions = new Float64Array(slots);
    positions.set(this.positions);
    this.positions = positions;
    const hashes = Buffer.allocUnsafe(slots * HASH_BYTES);
    this.hashes.copy(hashes);
    this.hashes = hashes;
  }

  private rehash(): void {
    this.table = this.rehashed(tableLength(Math.max(this.count, this.idEnds.length)));
  }

  private rehashed(length: number): Int32Array {
    const table = new Int32Array(length);
    for (let slot = 0; slot < this.count; slot++) place(table, hashOf(this.idAt(slot)), slot);
    return table;
  }
}

function place(table: Int32Array, hash: number, slot: number): void {
  const mask = table.length - 1;
  let at = hash & mask;
  while (table[at] !== 0) at = (at + 1) & mask;
  table[at] = slot + 1;
}
