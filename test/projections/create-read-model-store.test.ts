import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createReadModelStore } from '../../services/shared/projections';
import { PostgresReadModelStore } from '../../services/shared/projections/postgres-read-model';
import { SqliteReadModelStore } from '../../services/shared/projections/sqlite-read-model';
import { createTestDatabase, requirePostgres } from '../support/postgres';

describe('createReadModelStore', () => {
  it('opens <dir>/<subgraph>.sqlite by default, creating the directory', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-rm-'));
    const dir = path.join(root, 'readmodels');
    try {
      const store = await createReadModelStore({ kind: 'sqlite', dir }, 'complaint');
      expect(store).toBeInstanceOf(SqliteReadModelStore);
      await store.applyBatch('cases', 1, async (tx) => tx.put('cases', 'c1', { id: 'c1' }));
      await store.close();
      expect(fs.existsSync(path.join(dir, 'complaint.sqlite'))).toBe(true);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses a subgraph name that could escape its file or schema', async () => {
    await expect(createReadModelStore({ kind: 'sqlite', dir: os.tmpdir() }, '../complaint')).rejects.toThrow(
      'a subgraph name must be lower-case letters',
    );
  });

  (requirePostgres('createReadModelStore on PostgreSQL') ? it : it.skip)(
    'opens the schema rm_<subgraph> when read models are in PostgreSQL',
    async () => {
      const database = await createTestDatabase('rmfactory');
      try {
        const store = await createReadModelStore({ kind: 'postgres', url: database.url }, 'evaluation');
        expect(store).toBeInstanceOf(PostgresReadModelStore);
        await store.applyBatch('kpis', 2, async (tx) => tx.put('kpis', 'inspektorat-diy', { received: 1 }));
        await store.close();
        const again = await PostgresReadModelStore.connect({ url: database.url, schema: 'rm_evaluation' });
        expect(await again.get('kpis', 'inspektorat-diy')).toEqual({ received: 1 });
        await again.close();
      } finally {
        await database.drop();
      }
    },
  );
});
