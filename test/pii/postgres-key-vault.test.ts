import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { ERASED } from '../../services/shared/pii';
import { PostgresKeyVault } from '../../services/shared/pii/postgres-vault';
import { createTestDatabase, requirePostgres } from '../support/postgres';
import { keyVaultConformance } from './key-vault.conformance';

const describePg = requirePostgres('PostgreSQL key vault') ? describe : describe.skip;

describePg('PostgreSQL', () => {
  let database: { url: string; drop(): Promise<void> };
  beforeAll(async () => {
    database = await createTestDatabase('vault');
  });
  afterAll(async () => {
    await database?.drop();
  });

  keyVaultConformance('PostgreSQL', async () => {
    const vault = new PostgresKeyVault(database.url, { schema: 'pii' });
    return { vault, done: () => vault.close() };
  });

  it('keeps its table in its own schema, and two vaults on one database see each other', async () => {
    const a = new PostgresKeyVault(database.url, { schema: 'vault_two' });
    const b = new PostgresKeyVault(database.url, { schema: 'vault_two' });
    const subject = randomUUID();
    const sealed = await a.encrypt(subject, 'telepon');
    expect(await b.decrypt(sealed)).toBe('telepon');
    await b.destroy(subject);
    expect(await a.decrypt(sealed)).toBe(ERASED);
    await a.close();
    await b.close();

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query(
      "SELECT table_schema FROM information_schema.tables WHERE table_name = 'data_keys' ORDER BY 1",
    );
    const material = await client.query('SELECT material FROM vault_two.data_keys WHERE subject_id = $1', [
      subject,
    ]);
    await client.end();
    expect(rows.map((r) => r.table_schema)).toEqual(expect.arrayContaining(['vault_two']));
    expect(material.rows[0].material).toBeNull();
  });
});
