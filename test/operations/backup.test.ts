/**
 * Backup and restore, for both stores. SQLite: the whole federation runs, a complaint is filed (identity
 * sealed with a vault key), verified and forwarded (the follow-up flow drafts a letter), a checkpoint is
 * signed; a backup is taken while everything still runs; it is restored into an empty data dir, where
 * `audit verify --all` passes, the federation starts, rebuilds its read models (the flows replay without
 * drafting a second letter), shows the identity (the vault came along), and a new command chains on the
 * restored stream. PostgreSQL: pg_dump of a database holding events and vault, restored with pg_restore
 * into an empty one; the same checks at store level.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CheckpointStore, loadCheckpointKeys } from '../../services/audit/checkpoints';
import { verifyStore } from '../../services/audit/integrity';
import { main as audit } from '../../services/cli/audit';
import { createBackup, readBackup, restoreBackup } from '../../services/cli/backup';
import { loadConfig } from '../../services/shared/config';
import { createEventStore, verifyStream } from '../../services/shared/eventstore';
import { openKeyVault } from '../../services/shared/pii';
import { type Federation, startFederation } from '../support/federation';
import { createTestDatabase, requirePostgres } from '../support/postgres';

const scratch: string[] = [];
const tempDir = (label: string) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), `dumas-${label}-`));
  scratch.push(dir);
  return dir;
};

afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** `audit verify --all` on a configuration, its report captured. */
async function verifyAll(env: NodeJS.ProcessEnv): Promise<{ code: number; report: string }> {
  const write = process.stdout.write.bind(process.stdout);
  let report = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    report += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    return { code: await audit(['verify', '--all'], env), report };
  } finally {
    process.stdout.write = write;
  }
}

async function ok(fed: Federation, query: string, variables: Record<string, unknown>, token: string) {
  const reply = await fed.gql(query, variables, token);
  expect(reply.errors).toBeUndefined();
  return reply.data;
}

const CASE = `query Case($id: ID!) {
  complaint(id: $id) { status version complainant { name } letters { kind state } forwardings { agencyId status } }
}`;

describe('given a running federation on SQLite', () => {
  it('backs up online, restores into an empty place, verifies, and chains new events on', async () => {
    const fed = await startFederation();
    const env = { DUMAS_DATA_DIR: fed.dataDir };
    let id: string;
    const backup = path.join(tempDir('backup'), 'nightly');
    try {
      const officer = await fed.token({ role: 'OFFICER' });
      const admin = await fed.token({ role: 'ADMIN' });
      await ok(
        fed,
        `mutation C($input: CreateAgencyInput!) { createAgency(input: $input) { id } }`,
        {
          input: {
            id: 'inspektorat-bantul',
            name: 'Inspektorat Kabupaten Bantul',
            kind: 'REGENCY',
            region: 'Kabupaten Bantul',
            contact: { emails: ['inspektorat@bantulkab.example.go.id'] },
          },
        },
        admin,
      );
      await ok(
        fed,
        `mutation A($input: AppointFocalPointInput!) { appointFocalPoint(agencyId: "inspektorat-bantul", input: $input) { id } }`,
        { input: { userId: 'pic-inspektorat-bantul', name: 'PIC Bantul', position: 'Inspektur' } },
        admin,
      );
      await ok(fed, `mutation { startAgencyPilot(id: "inspektorat-bantul") { id } }`, {}, admin);
      const filed = await ok(
        fed,
        `mutation F($input: FileComplaintInput!) { fileComplaint(input: $input) { complaint { id } } }`,
        {
          input: {
            channel: 'LETTER',
            channelReference: 'B-9/DIY/2026',
            subject: 'Pungutan liar di kantor desa',
            description: 'Warga dimintai biaya untuk surat keterangan yang seharusnya gratis.',
            complainant: { name: 'Budi Santoso', email: 'budi@example.id' },
          },
        },
        officer,
      );
      id = filed.fileComplaint.complaint.id;
      await ok(fed, `mutation V($id: ID!) { verifyComplaint(id: $id) { status } }`, { id }, officer);
      await ok(
        fed,
        `mutation W($id: ID!) { forwardComplaint(id: $id, agencyIds: ["inspektorat-bantul"]) { status } }`,
        { id },
        officer,
      );
      await fed.runtimes.correspondence!.catchUp();
      expect(await audit(['checkpoint'], env)).toBe(0);

      const manifest = await createBackup(backup, { env });
      expect(manifest.entries.map((e) => e.role).slice(0, 2)).toEqual(['checkpoints', 'events']);
      expect(manifest.entries.map((e) => e.role)).toEqual(expect.arrayContaining(['vault', 'blobs']));
      // Read models are derived and are not part of a backup.
      expect(manifest.entries.some((e) => e.file.includes('readmodels'))).toBe(false);
      expect(readBackup(backup).entries).toHaveLength(manifest.entries.length);
    } finally {
      await fed.close();
    }

    const restored = path.join(tempDir('restored'), 'data');
    const restoredEnv = { DUMAS_DATA_DIR: restored };
    await restoreBackup(backup, { env: restoredEnv });
    await expect(restoreBackup(backup, { env: restoredEnv })).rejects.toThrow(/not empty/);
    const first = await verifyAll(restoredEnv);
    expect(first.report).toMatch(/^OK: /);
    expect(first.code).toBe(0);

    const again = await startFederation({ dataDir: restored });
    try {
      const officer = await again.token({ role: 'OFFICER' });
      const bantul = await again.token({ role: 'AGENCY', agencyId: 'inspektorat-bantul' });
      for (const runtime of Object.values(again.runtimes)) await runtime.catchUp();
      const before = (await ok(again, CASE, { id: id! }, officer)).complaint;
      expect(before).toMatchObject({
        status: 'FORWARDED',
        complainant: { name: 'Budi Santoso' },
        letters: [{ kind: 'FOLLOW_UP_REQUEST', state: 'DRAFT' }],
      });
      const acknowledged = await ok(
        again,
        `mutation A($id: ID!) { acknowledgeComplaint(id: $id) { status version } }`,
        { id: id! },
        bantul,
      );
      expect(acknowledged.acknowledgeComplaint.version).toBe(before.version + 1);
      for (const runtime of Object.values(again.runtimes)) await runtime.catchUp();
      const after = (await ok(again, CASE, { id: id! }, officer)).complaint;
      expect(after.letters).toHaveLength(1);
    } finally {
      await again.close();
    }
    const second = await verifyAll(restoredEnv);
    expect(second.code).toBe(0);
    const count = (report: string) => Number(/(\d+) events/.exec(report)?.[1]);
    expect(count(second.report)).toBeGreaterThan(count(first.report));
  });
});

const describePg = requirePostgres('backup and restore on PostgreSQL') ? describe : describe.skip;

describePg('given dumas on PostgreSQL', () => {
  it('pg_dump and pg_restore carry the log, the vault and the checkpoints into an empty database', async () => {
    const source = await createTestDatabase('backup_source');
    const target = await createTestDatabase('backup_target');
    try {
      const sourceEnv = {
        DUMAS_STORE: 'postgres',
        DUMAS_POSTGRES_URL: source.url,
        DUMAS_DATA_DIR: tempDir('pg-src'),
      };
      const targetEnv = {
        DUMAS_STORE: 'postgres',
        DUMAS_POSTGRES_URL: target.url,
        DUMAS_DATA_DIR: tempDir('pg-dst'),
      };
      const config = loadConfig(sourceEnv);
      const store = await createEventStore(config.store);
      const vault = openKeyVault(config);
      const sealed = await vault.encrypt('subject-1', 'Siti Rahayu');
      for (let i = 0; i < 3; i++) {
        await store.append(`complaint-${i}`, [
          { type: 'Noted', data: { n: i, who: sealed }, metadata: { occurredAt: new Date().toISOString() } },
        ]);
      }
      await vault.close();
      await store.close();
      expect(await audit(['checkpoint'], sourceEnv)).toBe(0);

      const backup = path.join(tempDir('pg-backup'), 'b');
      const manifest = await createBackup(backup, { env: sourceEnv });
      expect(manifest.entries.map((e) => e.role)).toEqual([
        'checkpoints',
        'postgres:events+readmodels+vault+blobs',
        'datafile',
      ]);
      await restoreBackup(backup, { env: targetEnv });
      await expect(restoreBackup(backup, { env: targetEnv })).rejects.toThrow(/not empty/);

      const restoredConfig = loadConfig(targetEnv);
      const restored = await createEventStore(restoredConfig.store);
      const restoredVault = openKeyVault(restoredConfig);
      const checkpoints = CheckpointStore.forDataDir(restoredConfig.dataDir);
      try {
        const verdict = await verifyStore(
          restored,
          checkpoints,
          loadCheckpointKeys(restoredConfig.dataDir, restoredConfig.audit),
        );
        expect(verdict.ok).toBe(true);
        // Three events and the checkpoint's own copy in the log.
        expect(verdict.eventsChecked).toBe(4);
        expect(await restoredVault.decrypt(sealed)).toBe('Siti Rahayu');
        await restored.append(
          'complaint-1',
          [
            {
              type: 'Noted',
              data: { n: 'after restore' },
              metadata: { occurredAt: new Date().toISOString() },
            },
          ],
          { expectedRevision: 0 },
        );
        const chain = await verifyStream(restored, 'complaint-1');
        expect(chain).toMatchObject({ ok: true, events: 2 });
      } finally {
        checkpoints.close();
        await restoredVault.close();
        await restored.close();
      }
      expect((await verifyAll(targetEnv)).code).toBe(0);
    } finally {
      await source.drop();
      await target.drop();
    }
  });
});
