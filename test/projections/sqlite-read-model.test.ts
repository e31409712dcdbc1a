import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteReadModelStore } from '../../services/shared/projections/sqlite-read-model';
import { describeReadModelStoreContract } from './read-model.contract';

function sqliteFixture(documentCacheSize?: number, documentCacheChars?: number) {
  return async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-rm-'));
    const file = path.join(dir, 'complaint.sqlite');
    const store = new SqliteReadModelStore({ file, documentCacheSize, documentCacheChars });
    const others: SqliteReadModelStore[] = [];
    return {
      store,
      another: async () => {
        const other = new SqliteReadModelStore({ file, documentCacheSize, documentCacheChars });
        others.push(other);
        return other;
      },
      cleanup: async () => {
        for (const other of others) await other.close();
        await store.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  };
}

describeReadModelStoreContract('SQLite (file, WAL)', sqliteFixture());
describeReadModelStoreContract('SQLite without the document cache', sqliteFixture(0));
// A budget smaller than a few documents: entries leave the cache as others come, and nothing changes.
describeReadModelStoreContract(
  'SQLite with a document cache of 600 characters',
  sqliteFixture(undefined, 600),
);

describe('SqliteReadModelStore', () => {
  it('keeps documents and checkpoints across reopening the file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-rm-'));
    const file = path.join(dir, 'complaint.sqlite');
    try {
      const first = new SqliteReadModelStore({ file });
      await first.reset('cases', 4, ['cases']);
      await first.applyBatch('cases', 12, async (tx) =>
        tx.put('cases', 'c1', { id: 'c1', status: 'RECEIVED' }),
      );
      await first.close();
      const second = new SqliteReadModelStore({ file });
      expect(await second.get('cases', 'c1')).toEqual({ id: 'c1', status: 'RECEIVED' });
      expect(await second.checkpoint('cases')).toEqual({ position: 12, version: 4 });
      await second.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
