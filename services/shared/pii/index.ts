import type { DumasConfig } from '../config';
import { SqliteKeyVault } from './sqlite-vault';
import type { KeyVault } from './vault';

export * from './identity';
export * from './sealed';
export * from './sqlite-vault';
export * from './vault';

/**
 * The vault that goes with a configuration: PostgreSQL (schema `pii`) when the events live in
 * PostgreSQL, else `<dataDir>/keys.sqlite`. Never inside the event log itself. Data keys are wrapped with
 * DUMAS_VAULT_MASTER_KEY (32 bytes, base64) when it is set.
 */
export function openKeyVault(config: Pick<DumasConfig, 'vault'>): KeyVault {
  const { vault } = config;
  const options = vault.masterKey ? { masterKey: vault.masterKey } : {};
  // PostgreSQL's adapter is loaded only when chosen (as the event store's is), so SQLite loads no `pg`.
  if (vault.kind === 'postgres') {
    const { PostgresKeyVault } = require('./postgres-vault') as typeof import('./postgres-vault');
    return new PostgresKeyVault(vault.url, { ...options, schema: vault.schema });
  }
  return new SqliteKeyVault(vault.file, options);
}
