/**
 * The store the volume benchmarks share (bench:race, bench:startup): `complaints` cases written as an import
 * file (complaints-csv.ts: a quarter each received only, forwarded, answered, closed) and loaded by the real
 * importer into a data directory under `root`, with the production settings beside it. Kept and reused by
 * the next run at the same size; BENCH_RACE_FRESH=1 builds it again.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { seedAgencies } from '../../services/cli/seed';
import { SHEET_MAPPING } from '../../services/complaint/import/mapping';
import { runImport } from '../../services/complaint/import/run';
import { loadConfig } from '../../services/shared/config';
import { createEventStore } from '../../services/shared/eventstore';
import { openKeyVault } from '../../services/shared/pii';
import { type CaseStage, writeComplaintsCsv } from './complaints-csv';

const STAGES: readonly CaseStage[] = ['closed', 'forwarded', 'responded', 'received'];
/**
 * The production settings the subgraphs and our gateway start with, kept beside the store: the vault's
 * master key must stay the one the import wrapped the complainants' keys with.
 */
export type StoreEnv = Record<string, string>;

export async function ensureStore(root: string, complaints: number, secret: string): Promise<StoreEnv> {
  const dataDir = path.join(root, 'data');
  const envFile = path.join(root, 'env.json');
  const complete = path.join(root, 'complete');
  if (process.env.BENCH_RACE_FRESH !== '1' && existsSync(complete)) {
    console.log(`reusing the store in ${root}`);
    return JSON.parse(readFileSync(envFile, 'utf8')) as StoreEnv;
  }
  rmSync(root, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  // The checkpoint signing key is kept outside the data directory, as production requires.
  const keyFile = path.join(root, 'checkpoint-key.pem');
  const { privateKey } = generateKeyPairSync('ed25519');
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const env: StoreEnv = {
    DUMAS_DATA_DIR: dataDir,
    DUMAS_VAULT_MASTER_KEY: randomBytes(32).toString('base64'),
    DUMAS_CHECKPOINT_PRIVATE_KEY_FILE: keyFile,
    DUMAS_GATEWAY_SECRET: randomBytes(32).toString('base64'),
    DUMAS_SUBGRAPH_GATEWAY_ONLY: 'false',
  };
  writeFileSync(envFile, JSON.stringify(env));

  const t0 = performance.now();
  const file = path.join(root, 'complaints.csv');
  await writeComplaintsCsv(file, complaints, (i) => STAGES[i % STAGES.length]!);
  const config = loadConfig({ ...env, DUMAS_JWT_SECRET: secret });
  const store = await createEventStore(config.store);
  const vault = openKeyVault(config);
  try {
    await seedAgencies(store, new Date('2025-01-01T00:00:00Z'));
    const report = await runImport({ file, mapping: SHEET_MAPPING, store, vault });
    console.log(
      `store built in ${((performance.now() - t0) / 1000).toFixed(0)} s: ${report.imported} complaints imported (${report.refused} refused), ${await store.headPosition()} events`,
    );
  } finally {
    await store.close();
    await vault.close();
  }
  rmSync(file);
  rmSync(file.replace(/\.csv$/, '.refused.csv'), { force: true });
  writeFileSync(complete, new Date().toISOString());
  return env;
}
