import { createHash } from 'node:crypto';
import {
  canonicalJson,
  computeEventHash,
  hashCanonicalContent,
  verifyChain,
} from '../../services/shared/eventstore/hash';
import type { RecordedEvent } from '../../services/shared/eventstore/types';

describe('canonicalJson', () => {
  it('sorts keys at every depth, whatever order they were written in', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });

  it('leaves out undefined properties and writes undefined array items as null, as JSON does', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, 1], c: () => 1 })).toBe('{"b":[null,1]}');
  });

  it('writes numbers in their shortest round-trip form and -0 as 0', () => {
    expect(canonicalJson([1.5, 1e21, 1e-7, -0, 0.1 + 0.2])).toBe('[1.5,1e+21,1e-7,0,0.30000000000000004]');
  });

  it('hashes what a JSON round trip gives back: dates become their ISO text', () => {
    const value = { at: new Date('2026-11-28T08:00:00.000Z'), nested: { keep: true, drop: undefined } };
    expect(canonicalJson(value)).toBe(canonicalJson(JSON.parse(JSON.stringify(value))));
  });

  it('escapes strings exactly as JSON does, Indonesian text and control characters included', () => {
    const text = 'Laporan "jalan rusak" — Sewon\n\u0000✓';
    expect(canonicalJson(text)).toBe(JSON.stringify(text));
  });

  it('refuses values JSON cannot carry rather than storing something else, naming where they are', () => {
    expect(() => canonicalJson({ a: [1, { b: Number.NaN }] })).toThrow('$.a[1].b is not a finite number');
    expect(() => canonicalJson({ n: Number.POSITIVE_INFINITY })).toThrow(TypeError);
    expect(() => canonicalJson({ n: 10n })).toThrow(/bigint/);
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
  });
});

describe('computeEventHash', () => {
  const content = {
    streamId: 'complaint-1',
    revision: 0,
    id: '3f1c9a52-6a43-4a8e-9d0b-2b7e5f1d8c11',
    type: 'ComplaintFiled',
    data: { channel: 'EMAIL', agencies: ['inspektorat-diy'] },
    metadata: { occurredAt: '2026-11-28T08:00:00.000Z' },
  };

  it('is SHA-256 hex over the previous hash followed by the canonical content', () => {
    const expected = createHash('sha256')
      .update(`${'f'.repeat(64)}${canonicalJson(content)}`)
      .digest('hex');
    expect(computeEventHash('f'.repeat(64), content)).toBe(expected);
  });

  it('agrees with the variant that takes already canonical data and metadata', () => {
    expect(
      hashCanonicalContent(
        '',
        content.streamId,
        content.revision,
        content.id,
        content.type,
        canonicalJson(content.data),
        canonicalJson(content.metadata),
      ),
    ).toBe(computeEventHash('', content));
  });

  it('changes with every covered field and with the previous hash', () => {
    const base = computeEventHash('', content);
    expect(computeEventHash('0'.repeat(64), content)).not.toBe(base);
    expect(computeEventHash('', { ...content, streamId: 'complaint-2' })).not.toBe(base);
    expect(computeEventHash('', { ...content, revision: 1 })).not.toBe(base);
    expect(computeEventHash('', { ...content, id: 'other' })).not.toBe(base);
    expect(computeEventHash('', { ...content, type: 'ComplaintRejected' })).not.toBe(base);
    expect(
      computeEventHash('', { ...content, data: { channel: 'LETTER', agencies: ['inspektorat-diy'] } }),
    ).not.toBe(base);
    expect(
      computeEventHash('', { ...content, metadata: { occurredAt: '2026-11-29T08:00:00.000Z' } }),
    ).not.toBe(base);
  });
});

describe('verifyChain', () => {
  function chain(streamId: string, count: number): RecordedEvent[] {
    const events: RecordedEvent[] = [];
    let previousHash = '';
    for (let revision = 0; revision < count; revision++) {
      const content = {
        streamId,
        revision,
        id: `e-${revision}`,
        type: 'ComplaintNoted',
        data: { n: revision },
        metadata: { occurredAt: '2026-11-28T08:00:00.000Z' },
      };
      const hash = computeEventHash(previousHash, content);
      events.push({
        ...content,
        position: revision + 10,
        recordedAt: '2026-11-28T08:00:01.000Z',
        hash,
        previousHash,
      });
      previousHash = hash;
    }
    return events;
  }

  it('accepts an empty stream and a whole chain, naming its length and last hash', () => {
    expect(verifyChain('complaint-1', [])).toEqual({
      ok: true,
      streamId: 'complaint-1',
      events: 0,
      lastHash: '',
    });
    const events = chain('complaint-1', 4);
    expect(verifyChain('complaint-1', events)).toEqual({
      ok: true,
      streamId: 'complaint-1',
      events: 4,
      lastHash: events[3]!.hash,
    });
  });

  it('ignores position and recordedAt, which the hash does not cover', () => {
    const events = chain('complaint-1', 3).map((e) => ({
      ...e,
      position: e.position * 7,
      recordedAt: 'later',
    }));
    expect(verifyChain('complaint-1', events).ok).toBe(true);
  });

  it('names an edited event', () => {
    const events = chain('complaint-1', 4);
    events[2] = { ...events[2]!, data: { n: 99 } };
    expect(verifyChain('complaint-1', events)).toMatchObject({
      ok: false,
      brokenAt: 2,
      reason: expect.any(String),
    });
  });

  it('names an edited event even when its hash was recomputed, at the event after it', () => {
    const events = chain('complaint-1', 4);
    const edited = { ...events[1]!, data: { n: 99 } };
    events[1] = { ...edited, hash: computeEventHash(edited.previousHash, edited) };
    expect(verifyChain('complaint-1', events)).toMatchObject({ ok: false, brokenAt: 2 });
  });

  it('names a missing revision', () => {
    const events = chain('complaint-1', 4);
    events.splice(1, 1);
    expect(verifyChain('complaint-1', events)).toMatchObject({ ok: false, brokenAt: 1 });
  });

  it('names events out of order', () => {
    const events = chain('complaint-1', 4);
    [events[1], events[2]] = [events[2]!, events[1]!];
    expect(verifyChain('complaint-1', events)).toMatchObject({ ok: false, brokenAt: 1 });
  });

  it('names an event from another stream', () => {
    const events = chain('complaint-1', 3);
    events[1] = chain('complaint-2', 2)[1]!;
    expect(verifyChain('complaint-1', events)).toMatchObject({ ok: false, brokenAt: 1 });
  });

  it('names a first event that claims a predecessor', () => {
    const events = chain('complaint-1', 2);
    events[0] = { ...events[0]!, previousHash: 'a'.repeat(64) };
    expect(verifyChain('complaint-1', events)).toMatchObject({ ok: false, brokenAt: 0 });
  });
});
