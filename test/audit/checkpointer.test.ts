/**
 * The running checkpointer and the witness: heads published outside the store, a refusal that raises the
 * alert auditors see, and the CLI's `head` and `verify --since` over the same files.
 */
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startCheckpointer } from '../../services/audit/checkpointer';
import { type CheckpointAlert, CheckpointStore, keysOf } from '../../services/audit/checkpoints';
import { verifyCaseIntegrity, verifyStore } from '../../services/audit/integrity';
import { DirectoryWitness, readHead } from '../../services/audit/witness';
import { main } from '../../services/cli/audit';
import { computeEventHash } from '../../services/shared/eventstore/hash';
import { SqliteEventStore } from '../../services/shared/eventstore/sqlite';

let dir: string;
let witnessDir: string;
let store: SqliteEventStore;
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const keys = keysOf(privateKey, publicKey, true);
const env = () => ({
  DUMAS_DATA_DIR: dir,
  DUMAS_CHECKPOINT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  DUMAS_CHECKPOINT_WITNESS_DIR: witnessDir,
});

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-checkpointer-'));
  witnessDir = `${dir}-witness`;
  store = new SqliteEventStore({ file: path.join(dir, 'events.sqlite'), durability: 'normal' });
  await store.append('complaint-c-1', [
    {
      type: 'ComplaintReceived',
      data: { complaintId: 'c-1' },
      metadata: { occurredAt: new Date().toISOString(), caseId: 'c-1' },
    },
  ]);
});

afterEach(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(witnessDir, { recursive: true, force: true });
});

/** Runs the CLI in-process and returns what it wrote to stdout, and its exit code. */
async function cli(argv: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return { code: await main(argv, env()), out: chunks.join('') };
  } finally {
    write.mockRestore();
    err.mockRestore();
  }
}

it('publishes each head to the witness directory; a refusal raises the alert seen by every check', async () => {
  const file = CheckpointStore.forDataDir(dir);
  const witness = new DirectoryWitness(witnessDir);
  const refused: CheckpointAlert[] = [];
  const checkpointer = startCheckpointer(store, file, keys, {
    intervalMs: 3_600_000,
    witness,
    onRefused: (a) => refused.push(a),
  });
  try {
    await checkpointer.tick();
    expect(readHead(witness.newest()!, keys).checkpoint.body.seq).toBe(1);
    await store.append('complaint-c-1', [
      {
        type: 'ComplaintVerified',
        data: {},
        metadata: { occurredAt: new Date().toISOString(), caseId: 'c-1' },
      },
    ]);
    await checkpointer.tick();
    expect(fs.readdirSync(witnessDir).sort()).toEqual(['head-000000000001.json', 'head-000000000002.json']);
    expect(checkpointer.alert()).toBeUndefined();

    // A correctly hashed event slipped in behind the store's back, dated an hour ago.
    const db = new Database(path.join(dir, 'events.sqlite'));
    const head = db
      .prepare("SELECT * FROM events WHERE stream_id = 'complaint-c-1' AND revision = 1")
      .get() as {
      hash: string;
    };
    const backDated = new Date(Date.now() - 3_600_000).toISOString();
    const content = {
      streamId: 'complaint-c-1',
      revision: 2,
      id: 'forged',
      type: 'ComplaintResolved',
      data: {},
      metadata: { occurredAt: backDated, caseId: 'c-1' },
    };
    db.prepare(
      `INSERT INTO events (id, stream_id, revision, type, data, metadata, recorded_at, hash, previous_hash)
       VALUES ('forged', 'complaint-c-1', 2, 'ComplaintResolved', '{}', ?, ?, ?, ?)`,
    ).run(JSON.stringify(content.metadata), backDated, computeEventHash(head.hash, content), head.hash);
    db.close();
    await checkpointer.tick();
    expect(checkpointer.alert()).toMatchObject({ kind: 'INSERTED', streamId: 'complaint-c-1', revision: 2 });
    expect(refused).toHaveLength(1);
    expect(fs.readdirSync(witnessDir)).toHaveLength(2);
    const ofCase = await verifyCaseIntegrity(store, 'c-1', file, keys);
    expect(ofCase.alert).toMatchObject({ kind: 'INSERTED' });
    expect((await verifyStore(store, file, keys)).alert).toMatchObject({ kind: 'INSERTED' });
    const verify = await cli(['verify']);
    expect(verify.code).toBe(1);
    expect(verify.out).toMatch(/ALERT since .*refuses to sign: INSERTED at position \d+/);
  } finally {
    await checkpointer.stop();
    file.close();
  }
});

it('audit head exports the signed head; verify --since proves the log extends it, and catches a rewrite', async () => {
  expect((await cli(['checkpoint'])).out).toMatch(/^checkpoint 1: /);
  const head = await cli(['head']);
  expect(head.code).toBe(0);
  const headFile = path.join(dir, '..', `${path.basename(dir)}-head.json`);
  fs.writeFileSync(headFile, head.out);
  try {
    const ok = await cli(['verify', '--all', '--since', headFile]);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.out).toMatch(/^OK: /);
    const db = new Database(path.join(dir, 'events.sqlite'));
    db.prepare(`UPDATE events SET data = '{"complaintId":"c-9"}' WHERE position = 1`).run();
    db.close();
    const broken = await cli(['verify', '--all', '--since', headFile]);
    expect(broken.code).toBe(1);
    expect(broken.out).toMatch(/EDITED at position 1 complaint-c-1@0/);
  } finally {
    fs.rmSync(headFile, { force: true });
  }
});
