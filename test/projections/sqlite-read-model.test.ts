import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
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

  it('makes partial indexes (only the documents of their collection), and replaces a whole-table index of an older version', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-rm-'));
    const file = path.join(dir, 'complaint.sqlite');
    const index = {
      collection: 'cases',
      name: 'status',
      fields: [{ path: 'status', type: 'text' }],
    } as const;
    try {
      const old = new SqliteReadModelStore({ file });
      await old.close();
      const raw = new Database(file);
      raw.exec("CREATE INDEX rm_cases_status ON documents (collection, json_extract(doc, '$.status'))");
      raw.close();

      const store = new SqliteReadModelStore({ file });
      await store.ensureIndexes([index]);
      await store.reset('p', 1, ['cases', 'other']);
      await store.applyBatch('p', 1, async (tx) => {
        await tx.put('cases', 'c1', { id: 'c1', status: 'RECEIVED' });
        await tx.put('other', 'o1', { id: 'o1', status: 'RECEIVED' });
        await tx.put('other', 'o2', { id: 'o2', status: 'CLOSED' });
      });
      expect(await store.find('cases', { where: { status: 'RECEIVED' } })).toEqual([
        { id: 'c1', status: 'RECEIVED' },
      ]);
      await store.close();

      const check = new Database(file, { readonly: true });
      const sql = check.prepare("SELECT sql FROM sqlite_master WHERE name = 'rm_cases_status'").pluck().get();
      expect(sql).toMatch(/WHERE collection = 'cases'$/);
      check.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('given a collection being built from nothing', () => {
    const index = {
      collection: 'clocks',
      name: 'due',
      fields: [{ path: 'dueAt', type: 'text' }],
    } as const;
    let dir: string;
    let file: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-rm-'));
      file = path.join(dir, 'evaluation.sqlite');
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const indexIn = (name: string) => {
      const raw = new Database(file, { readonly: true });
      try {
        return (
          raw.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?").get(name) !== undefined
        );
      } finally {
        raw.close();
      }
    };
    const build = (store: SqliteReadModelStore, position: number) =>
      store.applyBatch('clocks', position, async (tx) => {
        for (let i = 0; i < 50; i++)
          await tx.put('clocks', `k${i}`, { id: `k${i}`, dueAt: `2026-12-${10 + (i % 9)}` });
      });

    it('makes its indexes once at its first read, not with every write of the build', async () => {
      const store = new SqliteReadModelStore({ file });
      try {
        await store.ensureIndexes([index]);
        await store.reset('clocks', 1, ['clocks']);
        await build(store, 10);
        expect(indexIn('rm_clocks_due')).toBe(false);
        expect(await store.count('clocks', { where: { dueAt: '2026-12-10' } })).toBe(6);
        expect(indexIn('rm_clocks_due')).toBe(true);
        expect(await store.explain('clocks', { where: { dueAt: '2026-12-10' } })).toMatch(/rm_clocks_due/);
      } finally {
        await store.close();
      }
    });

    it('makes them when the projections have caught up (settleIndexes), and again after a rebuild drops them', async () => {
      const store = new SqliteReadModelStore({ file });
      try {
        await store.ensureIndexes([index]);
        await build(store, 10);
        await store.settleIndexes();
        expect(indexIn('rm_clocks_due')).toBe(true);

        await store.reset('clocks', 2, ['clocks']);
        expect(indexIn('rm_clocks_due')).toBe(false);
        await build(store, 20);
        await store.settleIndexes();
        expect(indexIn('rm_clocks_due')).toBe(true);
        expect(
          await store.find('clocks', { where: { dueAt: '2026-12-11' }, orderBy: [{ path: 'id' }] }),
        ).toHaveLength(6);
      } finally {
        await store.close();
      }
    });

    it('makes them at once for a collection that holds documents already', async () => {
      const first = new SqliteReadModelStore({ file });
      await build(first, 10);
      await first.close();
      const store = new SqliteReadModelStore({ file });
      try {
        await store.ensureIndexes([index]);
        expect(indexIn('rm_clocks_due')).toBe(true);
      } finally {
        await store.close();
      }
    });
  });

  it('does not write a document put back as it was read (no index entry or trigram is touched)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-rm-'));
    const file = path.join(dir, 'evaluation.sqlite');
    try {
      const store = new SqliteReadModelStore({ file });
      await store.reset('p', 1, ['summaries']);
      await store.applyBatch('p', 1, (tx) => tx.put('summaries', 'a', { id: 'a', open: 2 }));
      const raw = new Database(file);
      raw.exec(`CREATE TABLE writes (id TEXT);
        CREATE TRIGGER count_updates AFTER UPDATE ON documents BEGIN INSERT INTO writes VALUES (new.id); END;`);
      const writes = () => raw.prepare('SELECT id FROM writes').pluck().all();
      await store.applyBatch('p', 2, async (tx) => {
        const doc = await tx.get<{ id: string; open: number }>('summaries', 'a');
        await tx.put('summaries', 'a', { ...doc! });
      });
      expect(writes()).toEqual([]);
      await store.applyBatch('p', 3, async (tx) => {
        const doc = await tx.get<{ id: string; open: number }>('summaries', 'a');
        await tx.put('summaries', 'a', { ...doc!, open: 3 });
      });
      expect(writes()).toEqual(['a']);
      expect(await store.get('summaries', 'a')).toEqual({ id: 'a', open: 3 });
      expect(await store.checkpoint('p')).toEqual({ position: 3, version: 1 });
      raw.close();
      await store.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
