import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  formatTrackingNumber,
  parseTrackingNumber,
  TRACKING_NUMBER_STREAM_PREFIX,
  TrackingNumberBits,
  TrackingNumberService,
  TrackingNumbersExhaustedError,
  trackingYear,
} from '../../services/complaint/tracking-number';
import { MemoryEventStore } from '../../services/shared/eventstore/memory';
import { SqliteEventStore } from '../../services/shared/eventstore/sqlite';

const run = promisify(execFile);
const repoRoot = path.resolve(__dirname, '../..');
const now = '2026-03-02T03:00:00.000Z';

describe('tracking number format', () => {
  it('formats and parses DUMAS-<year>-<6 digits>', () => {
    expect(formatTrackingNumber(2026, 42)).toBe('DUMAS-2026-000042');
    expect(parseTrackingNumber(' dumas-2026-000042 ')).toEqual({ year: 2026, serial: 42 });
    expect(parseTrackingNumber('DUMAS-2026-42')).toBeUndefined();
    expect(parseTrackingNumber('LAPOR-2026-000042')).toBeUndefined();
  });

  it('remembers numbers one bit each, per year and serial (TrackingNumberBits)', () => {
    const drawn = new TrackingNumberBits();
    for (const [year, serial] of [
      [2025, 0],
      [2025, 7],
      [2025, 8],
      [2025, 999_999],
      [2026, 7],
    ] as const)
      drawn.add(formatTrackingNumber(year, serial));
    for (const n of ['DUMAS-2025-000000', 'DUMAS-2025-000007', 'DUMAS-2025-000008', 'DUMAS-2025-999999'])
      expect(drawn.has(n)).toBe(true);
    for (const n of ['DUMAS-2025-000001', 'DUMAS-2025-000009', 'DUMAS-2026-000008', 'DUMAS-2024-000007'])
      expect(drawn.has(n)).toBe(false);
    expect(drawn.has('not a number')).toBe(false);
    expect(() => drawn.add('not a number')).toThrow(RangeError);
  });

  it('takes the year in Western Indonesian Time', () => {
    expect(trackingYear('2026-12-31T16:59:59Z')).toBe(2026);
    expect(trackingYear('2026-12-31T17:00:00Z')).toBe(2027);
  });
});

describe('TrackingNumberService', () => {
  it('draws again when a number is taken, and records which complaint holds it', async () => {
    const store = new MemoryEventStore();
    const draws = [7, 7, 7, 8];
    const service = new TrackingNumberService(store, { random: () => draws.shift()! });
    expect(await service.claim('c-1', 2026, { now })).toBe('DUMAS-2026-000007');
    expect(await service.claim('c-2', 2026, { now })).toBe('DUMAS-2026-000008');
    expect(await service.lookup('DUMAS-2026-000007')).toBe('c-1');
    expect(await service.lookup('dumas-2026-000008')).toBe('c-2');
    expect(await service.lookup('DUMAS-2026-000009')).toBeUndefined();
    expect(await service.lookup('nonsense')).toBeUndefined();
    const [claim] = await store.readStream(`${TRACKING_NUMBER_STREAM_PREFIX}DUMAS-2026-000007`);
    expect(claim).toMatchObject({
      type: 'TrackingNumberClaimed',
      data: { trackingNumber: 'DUMAS-2026-000007', complaintId: 'c-1', at: now },
      metadata: { occurredAt: now, caseId: 'c-1' },
    });
  });

  it('claims along with the complaint in one append: a taken number draws again and writes nothing else', async () => {
    const store = new MemoryEventStore();
    const draws = [7, 7, 8];
    const service = new TrackingNumberService(store, { random: () => draws.shift()! });
    await service.claim('c-1', 2026, { now });
    const writes: string[] = [];
    const appended = await service.claimAlong('c-2', 2026, { now }, async (claim, trackingNumber) => {
      writes.push(trackingNumber);
      return store.appendMany([
        claim,
        {
          streamId: 'complaint-c-2',
          events: [{ type: 'ComplaintNoted', data: { trackingNumber }, metadata: { occurredAt: now } }],
          expectedRevision: 'no_stream',
        },
      ]);
    });
    expect(writes).toEqual(['DUMAS-2026-000007', 'DUMAS-2026-000008']);
    expect(appended[1]!.position).toBe(appended[0]!.position + 1);
    expect(await service.lookup('DUMAS-2026-000008')).toBe('c-2');
    expect((await store.readStream('complaint-c-2')).map((e) => e.data)).toEqual([
      { trackingNumber: 'DUMAS-2026-000008' },
    ]);
  });

  it('claimAlong passes on a failure of the other stream: the number is not spent', async () => {
    const store = new MemoryEventStore();
    await store.append('complaint-c-1', [
      { type: 'ComplaintNoted', data: {}, metadata: { occurredAt: now } },
    ]);
    const service = new TrackingNumberService(store, { random: () => 5 });
    await expect(
      service.claimAlong('c-1', 2026, { now }, (claim) =>
        store.appendMany([
          claim,
          {
            streamId: 'complaint-c-1',
            events: [{ type: 'ComplaintNoted', data: {}, metadata: { occurredAt: now } }],
            expectedRevision: 'no_stream',
          },
        ]),
      ),
    ).rejects.toMatchObject({ streamId: 'complaint-c-1' });
    expect(await service.lookup('DUMAS-2026-000005')).toBeUndefined();
  });

  it('gives up with TrackingNumbersExhaustedError when every draw is taken', async () => {
    const store = new MemoryEventStore();
    const service = new TrackingNumberService(store, { random: () => 1, maxAttempts: 5 });
    await service.claim('c-1', 2026, { now });
    await expect(service.claim('c-2', 2026, { now })).rejects.toBeInstanceOf(TrackingNumbersExhaustedError);
  });

  it('draws uniformly random serials by default (not a sequence)', async () => {
    const service = new TrackingNumberService(new MemoryEventStore());
    const numbers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => service.claim(`c-${i}`, 2026, { now })),
    );
    const serials = numbers.map((n) => parseTrackingNumber(n)!.serial);
    expect(new Set(serials).size).toBe(50);
    const ascending = serials.every((s, i) => i === 0 || s > serials[i - 1]!);
    expect(ascending).toBe(false);
  });
});

describe('TrackingNumberService on SQLite with many concurrent intakes', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-tracking-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gives 150 concurrent intakes in one process 150 different numbers from a space of 300', async () => {
    const store = new SqliteEventStore({ file: path.join(dir, 'one-process.sqlite') });
    const service = new TrackingNumberService(store, {
      random: () => Math.floor(Math.random() * 300),
      maxAttempts: 1000,
    });
    const numbers = await Promise.all(
      Array.from({ length: 150 }, (_, i) => service.claim(`c-${i}`, 2026, { now })),
    );
    expect(new Set(numbers).size).toBe(150);
    const claims = await store.readAll({ filter: { streamPrefixes: [TRACKING_NUMBER_STREAM_PREFIX] } });
    expect(claims.length).toBe(150);
    for (const [i, n] of numbers.entries()) expect(await service.lookup(n)).toBe(`c-${i}`);
    await store.close();
  });

  it('gives intakes in three processes sharing the file distinct numbers from a space of 200', async () => {
    const file = path.join(dir, 'three-processes.sqlite');
    new SqliteEventStore({ file }).close();
    const workers = ['w1', 'w2', 'w3'].map((worker) =>
      run(process.execPath, ['-r', '@swc-node/register', path.join(__dirname, 'claim-worker.ts')], {
        cwd: repoRoot,
        env: { ...process.env, CLAIM_WORKER_TASK: JSON.stringify({ file, worker, count: 50, space: 200 }) },
      }),
    );
    const outputs = await Promise.all(workers);
    const claims = outputs.flatMap(
      (o) => (JSON.parse(o.stdout) as { claims: { complaintId: string; trackingNumber: string }[] }).claims,
    );
    expect(claims.length).toBe(150);
    expect(new Set(claims.map((c) => c.trackingNumber)).size).toBe(150);

    const store = new SqliteEventStore({ file });
    const service = new TrackingNumberService(store);
    const stored = await store.readAll({ filter: { streamPrefixes: [TRACKING_NUMBER_STREAM_PREFIX] } });
    expect(stored.length).toBe(150);
    for (const claim of claims) expect(await service.lookup(claim.trackingNumber)).toBe(claim.complaintId);
    await store.close();
  });
});
