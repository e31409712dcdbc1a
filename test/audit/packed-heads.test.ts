import { createHash } from 'node:crypto';
import type { StreamHead } from '../../services/audit/checkpoints';
import { HeadsView } from '../../services/audit/checkpoints';
import { PackedHeads } from '../../services/audit/packed-heads';

const hashOf = (text: string) => createHash('sha256').update(text).digest('hex');
const head = (streamId: string, revision: number, position = revision * 7 + 1): StreamHead => [
  revision,
  hashOf(`${streamId}@${revision}`),
  position,
];

describe('given heads packed from a map of many streams', () => {
  const streams = Array.from(
    { length: 5_000 },
    (_, i) => `complaint-${i.toString(36)}-${'x'.repeat(i % 17)}`,
  );
  const map = new Map(streams.map((s, i) => [s, head(s, i % 13, 1_000_000_000_000 + i)] as const));
  const packed = PackedHeads.from(map);

  it('gives back every head exactly, by stream and in iteration', () => {
    expect(packed.size).toBe(map.size);
    for (const [streamId, expected] of map) expect(packed.get(streamId)).toEqual(expected);
    expect(new Map(packed)).toEqual(map);
  });

  it('knows no stream it was not given, however near its id', () => {
    expect(packed.get('complaint-0-x')).toBeUndefined();
    expect(packed.has('complaint-')).toBe(false);
    expect(packed.has('')).toBe(false);
    expect(packed.has(`${streams[42]}y`)).toBe(false);
  });

  it('applies changes into new heads and leaves the old ones as they were', () => {
    const moved = new Map<string, StreamHead>([
      [streams[7]!, head(streams[7]!, 99)],
      ['letter-new', head('letter-new', 0)],
    ]);
    const next = packed.with(moved);
    expect(next.size).toBe(map.size + 1);
    expect(next.get(streams[7]!)).toEqual(head(streams[7]!, 99));
    expect(next.get('letter-new')).toEqual(head('letter-new', 0));
    expect(next.get(streams[8]!)).toEqual(map.get(streams[8]!));
    expect(packed.get(streams[7]!)).toEqual(map.get(streams[7]!));
    expect(packed.has('letter-new')).toBe(false);
  });

  it('grows past its table many times over, through repeated changes', () => {
    let heads = PackedHeads.empty();
    const expected = new Map<string, StreamHead>();
    for (let round = 0; round < 40; round++) {
      const changed = new Map<string, StreamHead>();
      for (let i = 0; i < 250; i++) {
        const streamId = `s-${(round * 131 + i * 7) % 6_000}`;
        changed.set(streamId, head(streamId, round));
      }
      heads = heads.with(changed);
      for (const [k, v] of changed) expected.set(k, v);
    }
    expect(heads.size).toBe(expected.size);
    expect(new Map(heads)).toEqual(expected);
  });
});

describe('given stream ids that are not ASCII', () => {
  it('finds each by its exact id, and not by a look-alike of the same length', () => {
    const ids = ['agency-dinas-pekerjaan-umum-ü', 'kasus-日本', 'é', 'e\u0301'];
    const packed = PackedHeads.from(ids.map((s, i) => [s, head(s, i)] as const));
    for (const [i, s] of ids.entries()) expect(packed.get(s)).toEqual(head(s, i));
    expect(packed.has('e')).toBe(false);
    expect(packed.has('agency-dinas-pekerjaan-umum-u')).toBe(false);
  });

  it('refuses an id that UTF-8 cannot carry, and a hash that is none', () => {
    expect(() => PackedHeads.from([['lone-\ud800', head('x', 0)]])).toThrow(TypeError);
    expect(() => PackedHeads.from([['complaint-1', [0, 'ABC', 1]]])).toThrow(TypeError);
    expect(() => PackedHeads.from([['complaint-1', [0, hashOf('a').toUpperCase(), 1]]])).toThrow(TypeError);
  });
});

describe('given a view of signed heads', () => {
  it('keeps what a verification started with while later checkpoints add to it, across packings', () => {
    const first = HeadsView.of(
      Array.from({ length: 3_000 }, (_, i) => [`c-${i}`, head(`c-${i}`, 0)] as const),
    );
    let view = first;
    const expected = new Map(first);
    for (let tick = 1; tick <= 12; tick++) {
      // 600 changes a tick: the view is packed anew every few ticks (a sixteenth of the streams, at least 4,096).
      const changed = new Map<string, StreamHead>();
      for (let i = 0; i < 600; i++) {
        const streamId = `c-${(tick * 997 + i * 5) % 4_000}`;
        changed.set(streamId, head(streamId, tick));
      }
      view = view.with(changed);
      for (const [k, v] of changed) expected.set(k, v);
      expect(view.size).toBe(expected.size);
    }
    expect(new Map(view)).toEqual(expected);
    expect(first.size).toBe(3_000);
    expect(first.get('c-10')).toEqual(head('c-10', 0));
    expect(first.has('c-3999')).toBe(false);
  });
});
