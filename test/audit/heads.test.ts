/**
 * The signed stream heads (checkpoints v3): a set digest updated by what changed equals the digest of the
 * whole set; a checkpoint writes only the heads it moved, yet a head altered in the file is still caught;
 * and the heads a verification started with do not move under it when the next checkpoint is signed.
 */
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CheckpointRefusedError, takeCheckpoint } from '../../services/audit/checkpointer';
import { CheckpointStore, HeadsLattice, keysOf, type StreamHead } from '../../services/audit/checkpoints';
import { SqliteEventStore } from '../../services/shared/eventstore/sqlite';

const head = (n: number): StreamHead => [n, `${n}`.padStart(64, 'a'), n + 10];

describe('HeadsLattice', () => {
  it('gives the same digest for the same heads, whatever the order or the path taken', () => {
    const heads: [string, StreamHead][] = Array.from({ length: 50 }, (_, i) => [`s-${i}`, head(i)]);
    const whole = HeadsLattice.of(heads).digest();
    expect(HeadsLattice.of([...heads].reverse()).digest()).toBe(whole);
    // Moving one head and moving it back, and removing every head, retrace the digest exactly.
    const moved = HeadsLattice.of(heads);
    moved.remove('s-7', head(7));
    moved.add('s-7', head(99));
    expect(moved.digest()).not.toBe(whole);
    expect(moved.digest()).toBe(
      HeadsLattice.of(
        heads.map(([s, h]) => [s, s === 's-7' ? head(99) : h] as [string, StreamHead]),
      ).digest(),
    );
    for (const [s, h] of heads) moved.remove(s, s === 's-7' ? head(99) : h);
    expect(moved.digest()).toBe(new HeadsLattice().digest());
  });

  it('keeps the digest that signed checkpoints hold: SHAKE128 lanes read little-endian, added mod 2^16', () => {
    // Computed when each lane was read with readUInt16LE; any change of the leaf would orphan every
    // checkpoint signed before it.
    const digest = HeadsLattice.of([
      ['complaint-a', [0, 'a'.repeat(64), 1]],
      ['complaint-b', [3, 'b'.repeat(64), 9]],
      ['tracking-number-DUMAS-2026-000001', [0, 'c'.repeat(64), 2]],
    ]).digest();
    expect(digest).toBe('7fe629c9a15bd435be520decef565656c384bccaa74d9f09e76261bbbc75bd06');
  });
});

describe('given checkpoints over several streams', () => {
  let dir: string;
  let store: SqliteEventStore;
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keys = keysOf(privateKey, publicKey, true);
  const append = (stream: string) =>
    store.append(stream, [
      { type: 'NoteAdded', data: {}, metadata: { occurredAt: new Date().toISOString() } },
    ]);

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-heads-'));
    store = new SqliteEventStore({ file: path.join(dir, 'events.sqlite'), durability: 'normal' });
    for (const s of ['a', 'b', 'c']) await append(`complaint-${s}`);
  });

  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes only the heads a tick moved, and still catches a head altered in the file', async () => {
    const file = CheckpointStore.forDataDir(dir);
    await takeCheckpoint(store, file, keys);
    await append('complaint-a');
    const second = await takeCheckpoint(store, file, keys);
    // The three complaints and the log's copy of checkpoint 1.
    expect(second?.body).toMatchObject({ v: 3, seq: 2, streamCount: 4 });
    expect((await file.heads(second!))?.get('complaint-a')?.[0]).toBe(1);
    file.close();

    // Someone with file access rewrites a head no tick has touched since: a fresh reader refuses it.
    const db = new Database(path.join(dir, 'checkpoints.sqlite'));
    db.prepare("UPDATE stream_heads SET hash = ? WHERE stream_id = 'complaint-b'").run('f'.repeat(64));
    db.close();
    const reopened = CheckpointStore.forDataDir(dir);
    try {
      await append('complaint-c');
      await expect(takeCheckpoint(store, reopened, keys)).rejects.toThrow(CheckpointRefusedError);
      await expect(takeCheckpoint(store, reopened, keys)).rejects.toThrow(
        /stream heads kept with checkpoint 2/,
      );
    } finally {
      reopened.close();
    }
  });

  it('keeps the heads a verification started with while the next checkpoint is signed', async () => {
    const file = CheckpointStore.forDataDir(dir);
    try {
      const first = await takeCheckpoint(store, file, keys);
      const held = (await file.heads(first!))!;
      await append('complaint-a');
      await append('complaint-d');
      const second = await takeCheckpoint(store, file, keys);
      expect(held.get('complaint-a')?.[0]).toBe(0);
      expect(held.has('complaint-d')).toBe(false);
      expect(held.size).toBe(3);
      const now = (await file.heads(second!))!;
      expect(now.get('complaint-a')?.[0]).toBe(1);
      expect(now.size).toBe(5);
      expect([...now].map(([s]) => s).sort()).toEqual([
        'audit-checkpoints',
        'complaint-a',
        'complaint-b',
        'complaint-c',
        'complaint-d',
      ]);
    } finally {
      file.close();
    }
  });
});
