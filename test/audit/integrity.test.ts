/**
 * Tampering with the SQLite events file behind the store's back, one way per test, and the verdicts
 * of the per-case check and the whole-store check.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CheckpointStore, loadCheckpointKeys, takeCheckpoint } from '../../services/audit/checkpoints';
import { verifyCaseIntegrity, verifyStore } from '../../services/audit/integrity';
import { computeEventHash } from '../../services/shared/eventstore/hash';
import { SqliteEventStore } from '../../services/shared/eventstore/sqlite';

const CASE = 'c-0001';
const COMPLAINT = `complaint-${CASE}`;
const LETTER = 'letter-l-0001';

let dir: string;
let file: string;

async function seed(): Promise<void> {
  const store = new SqliteEventStore({ file });
  const meta = (n: number) => ({ occurredAt: `2026-01-05T01:0${n}:00.000Z`, caseId: CASE });
  await store.append(COMPLAINT, [
    { type: 'ComplaintReceived', data: { complaintId: CASE, status: 'RECEIVED' }, metadata: meta(0) },
    { type: 'ComplaintVerified', data: { category: 'infrastructure' }, metadata: meta(1) },
  ]);
  await store.append(COMPLAINT, [
    {
      type: 'ComplaintForwarded',
      data: { forwardings: [{ agencyId: 'inspektorat-bantul' }] },
      metadata: meta(2),
    },
  ]);
  await store.append(LETTER, [
    {
      type: 'LetterDrafted',
      data: { letterId: 'l-0001', complaintIds: [CASE] },
      metadata: { occurredAt: meta(3).occurredAt },
    },
    { type: 'LetterApproved', data: { letterId: 'l-0001' }, metadata: { occurredAt: meta(4).occurredAt } },
  ]);
  await store.append('complaint-c-0002', [
    {
      type: 'ComplaintReceived',
      data: { complaintId: 'c-0002' },
      metadata: { occurredAt: meta(5).occurredAt, caseId: 'c-0002' },
    },
  ]);
  await store.close();
}

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dumas-integrity-'));
  file = path.join(dir, 'events.sqlite');
  await seed();
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Takes a signed checkpoint, tampers with the raw file, and returns both verdicts. */
async function tamperAndVerify(tamper: (db: Database.Database) => void, checkpoint = true) {
  const keys = loadCheckpointKeys(dir, {});
  const checkpoints = CheckpointStore.forDataDir(dir);
  let store = new SqliteEventStore({ file });
  if (checkpoint) await takeCheckpoint(store, checkpoints, keys);
  await store.close();
  const db = new Database(file);
  tamper(db);
  db.close();
  store = new SqliteEventStore({ file });
  try {
    return {
      ofCase: await verifyCaseIntegrity(store, CASE, checkpoints, keys),
      whole: await verifyStore(store, checkpoints, keys),
    };
  } finally {
    await store.close();
    checkpoints.close();
  }
}

const row = (db: Database.Database, stream: string, revision: number) =>
  db.prepare('SELECT * FROM events WHERE stream_id = ? AND revision = ?').get(stream, revision) as Record<
    string,
    string | number
  >;

describe('given an untouched store with a signed checkpoint', () => {
  it('answers OK for the case and the whole store', async () => {
    const { ofCase, whole } = await tamperAndVerify(() => {});
    expect(ofCase).toMatchObject({ ok: true, streamsChecked: 2, eventsChecked: 5, problems: [] });
    expect(ofCase.checkpoint).not.toBeNull();
    expect(whole).toMatchObject({ ok: true, eventsChecked: 6, problems: [] });
  });
});

describe('given a tampered events file', () => {
  it('catches an edited row at its revision', async () => {
    const { ofCase, whole } = await tamperAndVerify((db) =>
      db
        .prepare(
          "UPDATE events SET data = json_set(data, '$.category', 'other') WHERE stream_id = ? AND revision = 1",
        )
        .run(COMPLAINT),
    );
    expect(ofCase.ok).toBe(false);
    expect(ofCase.problems[0]).toMatchObject({ streamId: COMPLAINT, revision: 1 });
    expect(ofCase.problems[0]!.reason).toMatch(/hash does not match/);
    expect(whole.problems[0]).toMatchObject({ streamId: COMPLAINT, revision: 1 });
  });

  it('catches a deleted row in the middle of a stream', async () => {
    const { ofCase, whole } = await tamperAndVerify((db) =>
      db.prepare('DELETE FROM events WHERE stream_id = ? AND revision = 1').run(COMPLAINT),
    );
    expect(ofCase.problems[0]).toMatchObject({ streamId: COMPLAINT, revision: 1 });
    expect(ofCase.problems[0]!.reason).toMatch(/missing/);
    expect(whole.ok).toBe(false);
    expect(whole.problems.some((p) => p.streamId === COMPLAINT && p.revision === 1)).toBe(true);
  });

  it('catches two rows swapped in order', async () => {
    const { ofCase, whole } = await tamperAndVerify((db) => {
      const swap = db.prepare('UPDATE events SET revision = ? WHERE stream_id = ? AND revision = ?');
      db.transaction(() => {
        swap.run(-1, COMPLAINT, 0);
        swap.run(0, COMPLAINT, 1);
        swap.run(1, COMPLAINT, -1);
      })();
    });
    expect(ofCase.problems[0]).toMatchObject({ streamId: COMPLAINT, revision: 0 });
    expect(whole.problems[0]).toMatchObject({ streamId: COMPLAINT, revision: 0 });
  });

  it('catches a row appended outside the store with a hash the store did not compute', async () => {
    const { ofCase, whole } = await tamperAndVerify((db) => {
      const head = row(db, COMPLAINT, 2);
      db.prepare(
        `INSERT INTO events (id, stream_id, revision, type, data, metadata, recorded_at, hash, previous_hash)
         VALUES ('forged-1', ?, 3, 'ComplaintResolved', '{}', ?, ?, ?, ?)`,
      ).run(
        COMPLAINT,
        JSON.stringify({ occurredAt: head.recorded_at, caseId: CASE }),
        new Date().toISOString(),
        'f'.repeat(64),
        head.hash,
      );
    });
    expect(ofCase.problems[0]).toMatchObject({ streamId: COMPLAINT, revision: 3 });
    expect(ofCase.problems[0]!.reason).toMatch(/hash does not match/);
    expect(whole.problems[0]).toMatchObject({ streamId: COMPLAINT, revision: 3 });
  });

  it('catches a correctly hashed row appended outside the store and back-dated before the checkpoint', async () => {
    const { ofCase, whole } = await tamperAndVerify((db) => {
      const head = row(db, COMPLAINT, 2);
      // Blended into the history: dated a minute before the real head, long before the checkpoint.
      const backDated = new Date(Date.parse(head.recorded_at as string) - 60_000).toISOString();
      const metadata = { occurredAt: backDated, caseId: CASE };
      const content = {
        streamId: COMPLAINT,
        revision: 3,
        id: 'forged-2',
        type: 'ComplaintResolved',
        data: {},
        metadata,
      };
      const hash = computeEventHash(head.hash as string, content);
      db.prepare(
        `INSERT INTO events (id, stream_id, revision, type, data, metadata, recorded_at, hash, previous_hash)
         VALUES (?, ?, 3, ?, '{}', ?, ?, ?, ?)`,
      ).run('forged-2', COMPLAINT, 'ComplaintResolved', JSON.stringify(metadata), backDated, hash, head.hash);
    });
    expect(ofCase.problems[0]).toMatchObject({ streamId: COMPLAINT, revision: 3 });
    expect(ofCase.problems[0]!.reason).toMatch(/before checkpoint/);
    expect(whole.problems[0]).toMatchObject({ streamId: COMPLAINT, revision: 3 });
  });

  it('catches a truncated tail, which the chain alone cannot', async () => {
    const { ofCase, whole } = await tamperAndVerify((db) =>
      db.prepare('DELETE FROM events WHERE stream_id = ? AND revision = 1').run(LETTER),
    );
    expect(ofCase.problems[0]).toMatchObject({ streamId: LETTER, revision: 1 });
    expect(ofCase.problems[0]!.reason).toMatch(/truncated/);
    expect(whole.problems.some((p) => p.streamId === LETTER && /truncated/.test(p.reason))).toBe(true);
  });

  it('without a checkpoint, a truncated tail passes: the reason checkpoints exist', async () => {
    const { ofCase } = await tamperAndVerify(
      (db) => db.prepare('DELETE FROM events WHERE stream_id = ? AND revision = 1').run(LETTER),
      false,
    );
    expect(ofCase).toMatchObject({ ok: true, checkpoint: null });
  });

  it('catches a whole stream deleted inside the signed range (whole-store count and digest)', async () => {
    const { whole } = await tamperAndVerify((db) =>
      db.prepare('DELETE FROM events WHERE stream_id = ?').run('complaint-c-0002'),
    );
    expect(whole.ok).toBe(false);
    expect(whole.problems.map((p) => p.reason).join('\n')).toMatch(/differs from checkpoint|truncated/);
  });

  it('refuses a checkpoint whose signature was forged', async () => {
    const { ofCase } = await tamperAndVerify(() => {
      const cp = new Database(path.join(dir, 'checkpoints.sqlite'));
      cp.prepare('UPDATE checkpoints SET body = replace(body, \'"eventCount":6\', \'"eventCount":5\')').run();
      cp.close();
    });
    expect(ofCase.ok).toBe(false);
    expect(ofCase.problems[0]!.reason).toMatch(/valid signature/);
  });
});
