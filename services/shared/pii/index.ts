import path from 'node:path';
import type { DumasConfig } from '../config';
import { PostgresKeyVault } from './postgres-vault';
import { SqliteKeyVault } from './sqlite-vault';
import { type KeyVault, parseMasterKey } from './vault';

export * from './identity';
export * from './postgres-vault';
export * from './sealed';
export * from './sqlite-vault';
export * from './vault';

/**
 * The vault that goes with a configuration: PostgreSQL (schema `pii`) when the events live in
 * PostgreSQL, else `<dataDir>/keys.sqlite`. Never inside the event log itself. Data keys are wrapped with
 * DUMAS_VAULT_MASTER_KEY (32 bytes, base64) when it is set.
 */
export function openKeyVault(config: DumasConfig, env: NodeJS.ProcessEnv = process.env): KeyVault {
  const masterKey = parseMasterKey(env.DUMAS_VAULT_MASTER_KEY);
  const options = masterKey ? { masterKey } : {};
  const postgresUrl =
    env.DUMAS_VAULT_POSTGRES_URL ?? (config.store.kind === 'postgres' ? config.store.url : undefined);
  if (postgresUrl)
    return new PostgresKeyVault(postgresUrl, { ...options, schema: env.DUMAS_VAULT_SCHEMA ?? 'pii' });
  return new SqliteKeyVault(env.DUMAS_VAULT_FILE ?? path.join(config.dataDir, 'keys.sqlite'), options);
}
