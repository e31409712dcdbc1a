/**
 * The tamper suite, shared by the store adapters: one test per attack someone with write access to the
 * database can try, each detected by the whole-store verification (`verify --all`) and by a case's
 * `integrity`, which must agree on the first altered row (log position, stream, revision) and the kind
 * of damage. An adapter's test file calls
 *
 *   describeTamperSuite('sqlite', async () => ({ open, raw, cleanup }))
 *
 * The factory runs before every test and hands back an empty store and raw access to its rows.
 */
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CheckpointRefusedError, takeCheckpoint } from '../../services/audit/checkpointer';
import {
  CHECKPOINT_STREAM,
  type CheckpointKeys,
  CheckpointStore,
  keysOf,
  loadCheckpointKeys,
} from '../../services/audit/checkpoints';
import {
  type IntegrityVerdict,
  verifyCaseIntegrity,
  verifySinceCheckpoint,
  verifyStore,
} from '../../services/audit/integrity';
import { DirectoryWitness, headOf, readHead } from '../../services/audit/witness';
import { computeEventHash } from '../../services/shared/eventstore/hash';
import type { EventMetadata, EventStore } from '../../services/shared/eventstore/types';

/** A row as stored, with data and metadata parsed. */
export interface RawRow {
  position: number;
  id: string;
  streamId: string;
  revision: number;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  recordedAt: string;
  hash: string;
  previousHash: string;
}

/** Direct access to the stored rows, bypassing the store, as an attacker with database access has. */
export interface RawAccess {
  rows(): Promise<RawRow[]>;
  /** Changes columns of the row at `position` (a new `position` moves it). */
  update(position: number, patch: Partial<RawRow>): Promise<void>;
  remove(position: number): Promise<void>;
  /** Inserts a row at exactly `row.position`. */
  insert(row: RawRow): Promise<void>;
  /** Makes the store's own bookkeeping (e.g. a stream-heads table) agree with the rows again. */
  settle(): Promise<void>;
}

export interface TamperFixture {
  /** A new connection to the store (the test closes it). */
  open(): Promise<EventStore>;
  readonly raw: RawAccess;
  cleanup(): Promise<void>;
}

const CASE = 'c-1';
const C1 = `complaint-${CASE}`;
const LETTER = 'letter-l-1';
const C2 = 'complaint-c-2';

const meta = (caseId?: string): EventMetadata => ({
  occurredAt: new Date().toISOString(),
  ...(caseId ? { caseId } : {}),
});

/** The configured signing key: from the environment, never the data directory. */
function configuredKeys(): CheckpointKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return keysOf(privateKey, publicKey, true);
}

export function describeTamperSuite(name: string, factory: () => Promise<TamperFixture>): void {
  describe(`tamper suite (${name})`, () => {
    let fixture: TamperFixture;
    let dir: string;
    let keys: CheckpointKeys;
    /** The verifier holds only the public key. */
    let verifierKeys: CheckpointKeys;

    async function withStore<T>(fn: (store: EventStore, file: CheckpointStore) => Promise<T>): Promise<T> {
      const store = await fixture.open();
      const file = CheckpointStore.forDataDir(dir);
      try {
        return await fn(store, file);
      } finally {
        file.close();
        await store.close();
      }
    }

    /**
     * Positions 1–7 interleave the case's complaint stream (revisions 0–3), its letter (0–1) and another
     * complaint; checkpoint 1 signs them (its copy lands at 8); one more event (9) and checkpoint 2 (copy
     * at 10).
     */
    beforeEach(async () => {
      fixture = await factory();
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-tamper-'));
      keys = configuredKeys();
      verifierKeys = keysOf(undefined, keys.publicKey, true);
      await withStore(async (store, file) => {
        await store.append(C1, [
          { type: 'ComplaintReceived', data: { complaintId: CASE }, metadata: meta(CASE) },
          { type: 'ComplaintVerified', data: { category: 'infrastructure' }, metadata: meta(CASE) },
        ]);
        await store.append(LETTER, [
          { type: 'LetterDrafted', data: { letterId: 'l-1', complaintIds: [CASE] }, metadata: meta() },
        ]);
        await store.append(C2, [
          { type: 'ComplaintReceived', data: { complaintId: 'c-2' }, metadata: meta('c-2') },
        ]);
        await store.append(C1, [
          { type: 'ComplaintForwarded', data: { agencyIds: ['a-1'] }, metadata: meta(CASE) },
        ]);
        await store.append(LETTER, [{ type: 'LetterApproved', data: { letterId: 'l-1' }, metadata: meta() }]);
        await store.append(C1, [{ type: 'ComplaintAcknowledged', data: {}, metadata: meta(CASE) }]);
        await takeCheckpoint(store, file, keys);
        await store.append(C2, [
          { type: 'ComplaintVerified', data: { category: 'other' }, metadata: meta('c-2') },
        ]);
        await takeCheckpoint(store, file, keys);
      });
    });

    afterEach(async () => {
      await fixture.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    async function verdicts(
      options: { witness?: ReturnType<typeof readHead>['checkpoint'] } = {},
    ): Promise<{ whole: IntegrityVerdict; ofCase: IntegrityVerdict }> {
      await fixture.raw.settle();
      return withStore(async (store, file) => ({
        whole: await verifyStore(store, file, verifierKeys, options),
        ofCase: await verifyCaseIntegrity(store, CASE, file, verifierKeys, options),
      }));
    }

    /** Both checks fail and name the same first altered row and kind. */
    function expectDetected(
      { whole, ofCase }: { whole: IntegrityVerdict; ofCase: IntegrityVerdict },
      expected: { kind: string; position: number; streamId?: string; revision?: number },
    ): void {
      expect(whole.ok).toBe(false);
      expect(ofCase.ok).toBe(false);
      expect(whole.problems[0]).toMatchObject(expected);
      expect(ofCase.problems[0]).toMatchObject(expected);
    }

    const row = async (position: number) => (await fixture.raw.rows()).find((r) => r.position === position)!;

    /** Re-hashes a stream from `fromRevision` on, as an attacker covering an edit would. */
    async function rehash(streamId: string, fromRevision: number): Promise<void> {
      const rows = (await fixture.raw.rows())
        .filter((r) => r.streamId === streamId)
        .sort((a, b) => a.revision - b.revision);
      let previous = fromRevision > 0 ? rows.find((r) => r.revision === fromRevision - 1)!.hash : '';
      for (const r of rows.filter((x) => x.revision >= fromRevision)) {
        const hash = computeEventHash(previous, { ...r });
        await fixture.raw.update(r.position, { hash, previousHash: previous });
        previous = hash;
      }
    }

    /** Attack 1 in full: edit + re-hash, then every checkpoint record gone (the file and the copies). */
    async function rewriteAndEraseCheckpoints(): Promise<void> {
      await fixture.raw.update(2, { data: { category: 'other' } });
      await rehash(C1, 1);
      for (const r of (await fixture.raw.rows()).filter((x) => x.streamId === CHECKPOINT_STREAM)) {
        await fixture.raw.remove(r.position);
      }
      for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { force: true });
      await fixture.raw.settle();
    }

    it('an untouched store verifies, after restarts and many checkpoints, by every check', async () => {
      for (let round = 0; round < 6; round++) {
        await withStore(async (store, file) => {
          await store.append(C1, [{ type: 'ComplaintNoteAdded', data: { round }, metadata: meta(CASE) }]);
          await store.append(`complaint-r-${round}`, [
            { type: 'ComplaintReceived', data: { complaintId: `r-${round}` }, metadata: meta(`r-${round}`) },
          ]);
          const cp = await takeCheckpoint(store, file, keys);
          expect(cp?.body.seq).toBe(3 + round);
          // Nothing new but the copy: no new checkpoint.
          expect((await takeCheckpoint(store, file, keys))?.body.seq).toBe(3 + round);
        });
      }
      const { whole, ofCase } = await verdicts();
      expect(whole).toMatchObject({ ok: true, problems: [], anchored: true, alert: null });
      expect(whole.checkpoint?.seq).toBe(8);
      expect(ofCase).toMatchObject({ ok: true, problems: [] });
      await withStore(async (store, file) => {
        expect((await verifySinceCheckpoint(store, file, verifierKeys)).problems).toEqual([]);
        const copies = await store.readStream(CHECKPOINT_STREAM);
        expect(copies).toHaveLength(8);
      });
    });

    it('edit: a row changed in place', async () => {
      await fixture.raw.update(2, { data: { category: 'other' } });
      expectDetected(await verdicts(), { kind: 'EDITED', position: 2, streamId: C1, revision: 1 });
    });

    it('edit + re-hash: named at the edited revision, not at the stream head', async () => {
      await fixture.raw.update(2, { data: { category: 'other' } });
      await rehash(C1, 1);
      expectDetected(await verdicts(), { kind: 'EDITED', position: 2, streamId: C1, revision: 1 });
    });

    it('delete: a row in the middle of a stream', async () => {
      await fixture.raw.remove(2);
      expectDetected(await verdicts(), { kind: 'REMOVED', position: 2, streamId: C1, revision: 1 });
    });

    it('truncate the tail: the last events of a stream', async () => {
      await fixture.raw.remove(7);
      expectDetected(await verdicts(), { kind: 'TRUNCATED', position: 7, streamId: C1, revision: 3 });
    });

    it('reorder within a stream: two revisions exchanged', async () => {
      await fixture.raw.update(2, { revision: -1 });
      await fixture.raw.update(5, { revision: 1 });
      await fixture.raw.update(2, { revision: 2 });
      expectDetected(await verdicts(), { kind: 'REORDERED', position: 2, streamId: C1, revision: 1 });
    });

    it('reorder in the log: two rows of different streams exchange positions, every chain intact', async () => {
      await fixture.raw.update(2, { position: 1000 });
      await fixture.raw.update(3, { position: 2 });
      await fixture.raw.update(1000, { position: 3 });
      expectDetected(await verdicts(), { kind: 'REORDERED', position: 2, streamId: C1, revision: 1 });
    });

    it('insert: a row the store did not hash', async () => {
      const head = await row(7);
      await fixture.raw.insert({
        ...head,
        position: 11,
        id: 'forged-1',
        revision: 4,
        type: 'ComplaintResolved',
        data: {},
        hash: 'f'.repeat(64),
        previousHash: head.hash,
        recordedAt: new Date().toISOString(),
      });
      expectDetected(await verdicts(), { kind: 'INSERTED', position: 11, streamId: C1, revision: 4 });
    });

    it('insert with a correct hash: slipped into the signed history, positions and revisions shifted', async () => {
      const rows = (await fixture.raw.rows()).sort((a, b) => b.position - a.position);
      for (const r of rows.filter((x) => x.position >= 2))
        await fixture.raw.update(r.position, { position: r.position + 1 });
      for (const r of rows
        .filter((x) => x.streamId === C1 && x.revision >= 1)
        .sort((a, b) => b.revision - a.revision)) {
        await fixture.raw.update(r.position + 1, { revision: r.revision + 1 });
      }
      const first = (await fixture.raw.rows()).find((r) => r.position === 1)!;
      await fixture.raw.insert({
        ...first,
        position: 2,
        id: 'forged-2',
        revision: 1,
        type: 'ComplaintRejected',
        data: { reason: 'forged' },
      });
      await rehash(C1, 1);
      expectDetected(await verdicts(), { kind: 'INSERTED', position: 2, streamId: C1, revision: 1 });
    });

    it('back-dated insert followed by the checkpointer: it refuses to sign, and the alert is visible', async () => {
      const head = await row(7);
      const backDated = new Date(Date.now() - 3_600_000).toISOString();
      const content = {
        streamId: C1,
        revision: 4,
        id: 'forged-3',
        type: 'ComplaintResolved',
        data: {},
        metadata: { occurredAt: backDated, caseId: CASE },
      };
      await fixture.raw.insert({
        ...content,
        position: 11,
        recordedAt: backDated,
        hash: computeEventHash(head.hash, content),
        previousHash: head.hash,
      });
      await fixture.raw.settle();
      await withStore(async (store, file) => {
        await expect(takeCheckpoint(store, file, keys)).rejects.toThrow(CheckpointRefusedError);
      });
      const found = await verdicts();
      expectDetected(found, { kind: 'INSERTED', position: 11, streamId: C1, revision: 4 });
      expect(found.whole.checkpoint?.seq).toBe(2);
    });

    it('edit + re-hash + delete the checkpoints file: the copies in the log still tell', async () => {
      await fixture.raw.update(2, { data: { category: 'other' } });
      await rehash(C1, 1);
      for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { force: true });
      const found = await verdicts();
      // Without the ledger the row cannot be named exactly: the signed range is.
      expectDetected(found, { kind: 'EDITED', position: 1 });
      expect(found.whole.problems.map((p) => p.reason).join('\n')).toMatch(/lacks checkpoint 1–2/);
      await withStore(async (store, file) => {
        await expect(takeCheckpoint(store, file, keys)).rejects.toThrow(/lacks checkpoint/);
      });
    });

    it('edit + re-hash + every checkpoint record deleted, then re-signed: the witness head tells', async () => {
      const witnessDir = path.join(dir, '..', `${path.basename(dir)}-witness`);
      const witness = new DirectoryWitness(witnessDir);
      try {
        await withStore(async (store, file) => {
          await store.append(C2, [{ type: 'ComplaintNoteAdded', data: {}, metadata: meta('c-2') }]);
          await takeCheckpoint(store, file, keys, { witness });
        });
        const kept = witness.newest()!;
        await rewriteAndEraseCheckpoints();
        // The checkpointer holds the store to the witness: it refuses a fresh first checkpoint.
        await withStore(async (store, file) => {
          await expect(takeCheckpoint(store, file, keys, { witness })).rejects.toThrow(
            /witness holds checkpoint 3/,
          );
        });
        // One without the witness signs a fresh chain over the forged log; the kept head still tells.
        await withStore(async (store, file) => takeCheckpoint(store, file, keys));
        const head = readHead(kept);
        const found = await verdicts({ witness: head.checkpoint });
        // The copies went too, so the signed range also lost rows.
        expectDetected(found, { kind: 'REMOVED', position: 1 });
        expect(found.whole.problems.map((p) => p.reason).join('\n')).toMatch(/witness holds checkpoint 3/);
      } finally {
        fs.rmSync(witnessDir, { recursive: true, force: true });
      }
    });

    it('re-sign with a key taken from the data dir: not the configured key', async () => {
      await rewriteAndEraseCheckpoints();
      const stolen = loadCheckpointKeys(dir, {});
      expect(stolen.anchored).toBe(false);
      await withStore(async (store, file) => takeCheckpoint(store, file, stolen));
      const found = await verdicts();
      expect(found.whole.ok).toBe(false);
      expect(found.ofCase.ok).toBe(false);
      expect(found.whole.problems[0]).toMatchObject({ kind: 'FORGED_CHECKPOINT' });
      expect(found.ofCase.problems[0]).toEqual(found.whole.problems[0]);
      expect(found.whole.problems[0]!.position).toEqual(expect.any(Number));
      expect(found.whole.problems[0]!.reason).toMatch(/valid signature of the configured key/);
    });

    it('a witness head exported before proves the log still extends it', async () => {
      const head = await withStore(async (_store, file) => headOf(file.all()[1]!, keys));
      const kept = readHead(JSON.stringify(head), verifierKeys).checkpoint;
      const intact = await verdicts({ witness: kept });
      expect(intact.whole.ok).toBe(true);
      expect(intact.ofCase.ok).toBe(true);
    });
  });
}
