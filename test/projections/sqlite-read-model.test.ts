import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteReadModelStore } from '../../services/shared/projections/sqlite-read-model';
import { describeReadModelStoreContract } from './read-model.contract';

describeReadModelStoreContract('SQLite (file, WAL)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-rm-'));
  const store = new SqliteReadModelStore({ file: path.join(dir, 'complaint.sqlite') });
  return {
    store,
    cleanup: async () => {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

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

  it('a batch sees what another connection wrote since, even for a document it read before', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-rm-'));
    const file = path.join(dir, 'complaint.sqlite');
    const service = new SqliteReadModelStore({ file });
    const byHand = new SqliteReadModelStore({ file });
    try {
      await service.applyBatch('cases', 1, async (tx) => tx.put('cases', 'c1', { id: 'c1', events: 1 }));
      await service.applyBatch('cases', 2, async (tx) => {
        const c1 = await tx.get<{ events: number }>('cases', 'c1');
        await tx.put('cases', 'c1', { id: 'c1', events: c1!.events + 1 });
      });
      await byHand.reset('cases', 2, ['cases']);
      await byHand.applyBatch('cases', 1, async (tx) => tx.put('cases', 'c1', { id: 'c1', events: 100 }));
      await service.applyBatch('cases', 2, async (tx) => {
        expect(await tx.get('cases', 'c1')).toEqual({ id: 'c1', events: 100 });
      });
    } finally {
      await service.close();
      await byHand.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
