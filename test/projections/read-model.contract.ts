import { DomainError } from '../../services/shared/errors';
import type { DocQuery, ReadModelStore } from '../../services/shared/projections/types';

export interface ReadModelFixture {
  readonly store: ReadModelStore;
  /** Another store over the same data (another connection, as another process would have); closed by cleanup. */
  another(): Promise<ReadModelStore>;
  cleanup(): Promise<void>;
  /** Brings the planner's statistics up to date, where the engine's plans depend on them. */
  analyze?(): Promise<void>;
}

interface CaseView {
  id: string;
  status: string;
  channel: string;
  receivedAt: string;
  ageDays: number;
  subject: string;
  summary?: string;
  agencies: string[];
  confidential: boolean;
  complainant: { erased: boolean; region: string | null };
  forwardings: { agencyId: string }[];
  priority?: number | string;
}

const CASES: CaseView[] = [
  {
    id: 'c1',
    status: 'RECEIVED',
    channel: 'EMAIL',
    receivedAt: '2026-01-05T08:00:00.000Z',
    ageDays: 40,
    subject: 'Jalan rusak di Bantul',
    summary: 'Perbaikan jalan desa',
    agencies: [],
    confidential: false,
    complainant: { erased: false, region: 'Bantul' },
    forwardings: [],
    priority: 2,
  },
  {
    id: 'c2',
    status: 'FORWARDED',
    channel: 'LAPOR',
    receivedAt: '2026-02-10T08:00:00.000Z',
    ageDays: 12,
    subject: 'Pungutan liar SEKOLAH',
    agencies: ['inspektorat-sleman', 'inspektorat-diy'],
    confidential: true,
    complainant: { erased: true, region: null },
    forwardings: [{ agencyId: 'inspektorat-sleman' }],
    priority: 10,
  },
  {
    id: 'c3',
    status: 'FORWARDED',
    channel: 'WEB',
    receivedAt: '2026-03-01T08:00:00.000Z',
    ageDays: 3,
    subject: 'Ijazah ditahan',
    summary: 'ÉCOLE meminta biaya tebusan',
    agencies: ['inspektorat-bantul'],
    confidential: false,
    complainant: { erased: false, region: 'Sleman' },
    forwardings: [{ agencyId: 'inspektorat-bantul' }],
    priority: '5',
  },
  {
    id: 'c4',
    status: 'CLOSED',
    channel: 'LETTER',
    receivedAt: '2025-12-24T08:00:00.000Z',
    ageDays: 90,
    subject: 'Bantuan sosial tidak diterima',
    agencies: ['inspektorat-diy'],
    confidential: false,
    complainant: { erased: false, region: 'Gunungkidul' },
    forwardings: [{ agencyId: 'inspektorat-diy' }],
  },
];

async function seed(store: ReadModelStore, cases: readonly CaseView[] = CASES): Promise<void> {
  await store.applyBatch('cases', 1, async (tx) => {
    for (const c of cases) await tx.put('cases', c.id, c);
  });
}

const ids = (docs: readonly { id: string }[]) => docs.map((d) => d.id);

/** The same behaviour, held against every ReadModelStore adapter. */
export function describeReadModelStoreContract(name: string, factory: () => Promise<ReadModelFixture>): void {
  describe(`ReadModelStore contract: ${name}`, () => {
    let fixture: ReadModelFixture;
    let store: ReadModelStore;
    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    describe('documents and checkpoints', () => {
      it('reads an absent document as undefined and a never-run projection at position 0, version 0', async () => {
        expect(await store.get('cases', 'nope')).toBeUndefined();
        expect(await store.checkpoint('never')).toEqual({ position: 0, version: 0 });
      });

      it('stores the batch documents and the checkpoint together', async () => {
        await store.reset('cases', 3, ['cases']);
        await seed(store);
        expect(await store.get('cases', 'c2')).toEqual(CASES[1]);
        expect(await store.checkpoint('cases')).toEqual({ position: 1, version: 3 });
      });

      it('reads several documents by id at once, in the order asked, undefined where there is none', async () => {
        await seed(store);
        const many = await store.getMany<CaseView>('cases', ['c2', 'nope', 'c1', 'c2']);
        expect(many).toEqual([CASES[1], undefined, CASES[0], CASES[1]]);
        expect(many[0]).not.toBe(many[3]);
        expect(await store.getMany('cases', [])).toEqual([]);
        expect(await store.getMany('other', ['c1'])).toEqual([undefined]);
      });

      it('within a batch, a get sees the batch own puts and deletes', async () => {
        await seed(store);
        await store.applyBatch('cases', 2, async (tx) => {
          const c1 = await tx.get<CaseView>('cases', 'c1');
          await tx.put('cases', 'c1', { ...c1!, status: 'VERIFIED' });
          expect((await tx.get<CaseView>('cases', 'c1'))?.status).toBe('VERIFIED');
          await tx.delete('cases', 'c2');
          expect(await tx.get('cases', 'c2')).toBeUndefined();
          await tx.put('cases', 'c9', { id: 'c9' });
        });
        expect((await store.get<CaseView>('cases', 'c1'))?.status).toBe('VERIFIED');
        expect(await store.get('cases', 'c2')).toBeUndefined();
        expect(await store.get('cases', 'c9')).toEqual({ id: 'c9' });
        expect(await store.count('cases')).toBe(4);
      });

      it('a read document changed in memory without a put is not stored', async () => {
        await seed(store);
        await store.applyBatch('cases', 2, async (tx) => {
          const c1 = await tx.get<CaseView>('cases', 'c1');
          c1!.status = 'MUTATED';
          expect((await tx.get<CaseView>('cases', 'c1'))?.status).toBe('RECEIVED');
        });
        expect((await store.get<CaseView>('cases', 'c1'))?.status).toBe('RECEIVED');
      });

      it('a batch whose function throws writes nothing and keeps the checkpoint', async () => {
        await seed(store);
        await expect(
          store.applyBatch('cases', 2, async (tx) => {
            await tx.put('cases', 'c1', { id: 'c1', status: 'HALF' });
            await tx.delete('cases', 'c2');
            throw new Error('projection bug');
          }),
        ).rejects.toThrow('projection bug');
        expect((await store.get<CaseView>('cases', 'c1'))?.status).toBe('RECEIVED');
        expect(await store.get('cases', 'c2')).toBeDefined();
        expect((await store.checkpoint('cases')).position).toBe(1);
      });

      it('refuses a batch that does not move the checkpoint forward, so two runners cannot double an effect', async () => {
        await seed(store);
        const stale = store.applyBatch('cases', 1, async (tx) => tx.put('cases', 'x', { id: 'x' }));
        await expect(stale).rejects.toMatchObject({ code: 'CONFLICT' });
        expect(await store.get('cases', 'x')).toBeUndefined();
      });

      it('reset clears only the named collections and sets the version at position 0', async () => {
        await seed(store);
        await store.applyBatch('other', 7, async (tx) =>
          tx.put('agencies', 'inspektorat-diy', { id: 'inspektorat-diy' }),
        );
        await store.reset('cases', 2, ['cases']);
        expect(await store.count('cases')).toBe(0);
        expect(await store.get('agencies', 'inspektorat-diy')).toEqual({ id: 'inspektorat-diy' });
        expect(await store.checkpoint('cases')).toEqual({ position: 0, version: 2 });
        expect((await store.checkpoint('other')).position).toBe(7);
        await store.applyBatch('cases', 1, async (tx) => tx.put('cases', 'c1', CASES[0]));
        expect(await store.checkpoint('cases')).toEqual({ position: 1, version: 2 });
      });

      it('a batch sees what another connection wrote since, even for a document it read before', async () => {
        await store.applyBatch('cases', 1, async (tx) => tx.put('cases', 'c1', { id: 'c1', events: 1 }));
        await store.applyBatch('cases', 2, async (tx) => {
          const c1 = await tx.get<{ events: number }>('cases', 'c1');
          await tx.put('cases', 'c1', { id: 'c1', events: c1!.events + 1 });
        });
        const byHand = await fixture.another();
        await byHand.reset('cases', 2, ['cases']);
        await byHand.applyBatch('cases', 1, async (tx) => tx.put('cases', 'c1', { id: 'c1', events: 100 }));
        await store.applyBatch('cases', 2, async (tx) => {
          expect(await tx.get('cases', 'c1')).toEqual({ id: 'c1', events: 100 });
          await tx.put('cases', 'c2', { id: 'c2' });
        });
        await byHand.applyBatch('other', 1, async (tx) => tx.delete('cases', 'c1'));
        await store.applyBatch('cases', 3, async (tx) => {
          expect(await tx.get('cases', 'c1')).toBeUndefined();
          expect(await tx.get('cases', 'c2')).toEqual({ id: 'c2' });
        });
      });

      it('commits a large batch of documents in one go', async () => {
        await store.applyBatch('bulk', 5000, async (tx) => {
          for (let i = 0; i < 3000; i++)
            await tx.put('bulk', `d${i}`, { id: `d${i}`, n: i, text: `it's "quoted" \\ ${i}` });
        });
        expect(await store.count('bulk')).toBe(3000);
        expect(await store.get('bulk', 'd2999')).toEqual({
          id: 'd2999',
          n: 2999,
          text: `it's "quoted" \\ 2999`,
        });
        expect(await store.count('bulk', { where: { n: { gte: 1000, lt: 2000 } } })).toBe(1000);
      });
    });

    describe('queries', () => {
      beforeEach(async () => {
        await seed(store);
        await store.applyBatch('noise', 1, async (tx) =>
          tx.put('letters', 'c1', { id: 'c1', status: 'RECEIVED' }),
        );
      });

      it('matches equality on strings, numbers and booleans, with strict types, within one collection', async () => {
        expect(ids(await store.find<CaseView>('cases', { where: { status: 'FORWARDED' } }))).toEqual([
          'c2',
          'c3',
        ]);
        expect(ids(await store.find<CaseView>('cases', { where: { confidential: true } }))).toEqual(['c2']);
        expect(ids(await store.find<CaseView>('cases', { where: { confidential: false } }))).toEqual([
          'c1',
          'c3',
          'c4',
        ]);
        expect(ids(await store.find<CaseView>('cases', { where: { priority: 5 } }))).toEqual([]);
        expect(ids(await store.find<CaseView>('cases', { where: { priority: '5' } }))).toEqual(['c3']);
        expect(ids(await store.find<CaseView>('cases', { where: { priority: 10 } }))).toEqual(['c2']);
        expect(
          ids(await store.find<CaseView>('cases', { where: { status: 'FORWARDED', channel: 'WEB' } })),
        ).toEqual(['c3']);
      });

      it('follows dotted paths into objects and arrays', async () => {
        expect(ids(await store.find<CaseView>('cases', { where: { 'complainant.erased': true } }))).toEqual([
          'c2',
        ]);
        expect(
          ids(await store.find<CaseView>('cases', { where: { 'complainant.region': 'Sleman' } })),
        ).toEqual(['c3']);
        expect(
          ids(
            await store.find<CaseView>('cases', { where: { 'forwardings.0.agencyId': 'inspektorat-diy' } }),
          ),
        ).toEqual(['c4']);
      });

      it('null matches a null or missing field', async () => {
        expect(ids(await store.find<CaseView>('cases', { where: { 'complainant.region': null } }))).toEqual([
          'c2',
        ]);
        expect(ids(await store.find<CaseView>('cases', { where: { summary: null } }))).toEqual(['c2', 'c4']);
      });

      it('matches in-lists of strings or numbers, and an empty list matches nothing', async () => {
        expect(
          ids(await store.find<CaseView>('cases', { where: { status: { in: ['RECEIVED', 'CLOSED'] } } })),
        ).toEqual(['c1', 'c4']);
        expect(ids(await store.find<CaseView>('cases', { where: { priority: { in: [2, '5'] } } }))).toEqual([
          'c1',
          'c3',
        ]);
        expect(await store.count('cases', { where: { status: { in: [] } } })).toBe(0);
      });

      it('matches ranges over ISO timestamps and numbers, never across types', async () => {
        expect(
          ids(
            await store.find<CaseView>('cases', {
              where: { receivedAt: { gte: '2026-01-01T00:00:00.000Z', lt: '2026-03-01T08:00:00.000Z' } },
            }),
          ),
        ).toEqual(['c1', 'c2']);
        expect(ids(await store.find<CaseView>('cases', { where: { ageDays: { gt: 12 } } }))).toEqual([
          'c1',
          'c4',
        ]);
        expect(ids(await store.find<CaseView>('cases', { where: { ageDays: { lte: 12 } } }))).toEqual([
          'c2',
          'c3',
        ]);
        expect(ids(await store.find<CaseView>('cases', { where: { priority: { gte: 0 } } }))).toEqual([
          'c1',
          'c2',
        ]);
      });

      it('contains matches an element of an array field only', async () => {
        expect(
          ids(await store.find<CaseView>('cases', { where: { agencies: { contains: 'inspektorat-diy' } } })),
        ).toEqual(['c2', 'c4']);
        expect(await store.count('cases', { where: { status: { contains: 'FORWARDED' } } })).toBe(0);
      });

      it('like is a case-insensitive substring match, Unicode included, on string fields only', async () => {
        expect(ids(await store.find<CaseView>('cases', { where: { subject: { like: 'sekolah' } } }))).toEqual(
          ['c2'],
        );
        expect(ids(await store.find<CaseView>('cases', { where: { subject: { like: 'BANTUL' } } }))).toEqual([
          'c1',
        ]);
        expect(ids(await store.find<CaseView>('cases', { where: { summary: { like: 'école' } } }))).toEqual([
          'c3',
        ]);
        expect(await store.count('cases', { where: { subject: { like: '%' } } })).toBe(0);
        expect(await store.count('cases', { where: { ageDays: { like: '4' } } })).toBe(0);
      });

      it('text search matches any of several fields', async () => {
        const found = await store.find<CaseView>('cases', {
          text: { fields: ['subject', 'summary'], value: 'JALAN' },
        });
        expect(ids(found)).toEqual(['c1']);
        expect(
          ids(
            await store.find<CaseView>('cases', {
              text: { fields: ['subject', 'summary'], value: 'ijazah' },
            }),
          ),
        ).toEqual(['c3']);
        expect(
          await store.count('cases', {
            where: { status: 'FORWARDED' },
            text: { fields: ['subject'], value: 'a' },
          }),
        ).toBe(2);
      });

      it('orders by several keys, missing values last in either direction, then pages', async () => {
        expect(ids(await store.find<CaseView>('cases', { orderBy: [{ path: 'receivedAt' }] }))).toEqual([
          'c4',
          'c1',
          'c2',
          'c3',
        ]);
        expect(
          ids(await store.find<CaseView>('cases', { orderBy: [{ path: 'ageDays', direction: 'desc' }] })),
        ).toEqual(['c4', 'c1', 'c2', 'c3']);
        expect(
          ids(
            await store.find<CaseView>('cases', {
              orderBy: [{ path: 'status' }, { path: 'receivedAt', direction: 'desc' }],
            }),
          ),
        ).toEqual(['c4', 'c3', 'c2', 'c1']);
        expect(
          ids(await store.find<CaseView>('cases', { orderBy: [{ path: 'summary', direction: 'desc' }] })),
        ).toEqual(['c3', 'c1', 'c2', 'c4']);
        expect(ids(await store.find<CaseView>('cases', { orderBy: [{ path: 'summary' }] }))).toEqual([
          'c1',
          'c3',
          'c2',
          'c4',
        ]);
        const page = await store.find<CaseView>('cases', {
          orderBy: [{ path: 'receivedAt' }],
          limit: 2,
          offset: 1,
        });
        expect(ids(page)).toEqual(['c1', 'c2']);
        expect(
          ids(await store.find<CaseView>('cases', { orderBy: [{ path: 'receivedAt' }], offset: 3 })),
        ).toEqual(['c3']);
        expect(await store.find('cases', { limit: 0 })).toEqual([]);
      });

      it('counts with the same filters as find', async () => {
        expect(await store.count('cases')).toBe(4);
        expect(await store.count('letters')).toBe(1);
        expect(
          await store.count('cases', { where: { status: { in: ['FORWARDED'] }, confidential: false } }),
        ).toBe(1);
      });

      describe('with a search index', () => {
        const TEXT = ['subject', 'summary'];
        const searchIndex = {
          collection: 'cases',
          name: 'text',
          kind: 'search' as const,
          fields: TEXT.map((path) => ({ path, type: 'text' as const })),
        };
        const needles = [
          'JALAN',
          'ijazah',
          'école',
          'an ',
          'a',
          'ah',
          'sekolah liar',
          '"quoted',
          '50%',
          'it_s',
          'tidak',
        ];
        const search = async () =>
          Promise.all(
            needles.map(async (value) => ({
              value,
              found: ids(
                await store.find<CaseView>('cases', {
                  text: { fields: TEXT, value },
                  orderBy: [{ path: 'id' }],
                }),
              ),
              counted: await store.count('cases', {
                where: { confidential: false },
                text: { fields: TEXT, value },
              }),
            })),
          );

        it('answers every text search as without it, over documents written before and after it was made', async () => {
          const before = await search();
          await store.ensureIndexes([searchIndex]);
          await store.ensureIndexes([searchIndex]); // Idempotent, as every process start calls it.
          expect(await search()).toEqual(before);
          await store.applyBatch('cases', 2, async (tx) => {
            await tx.put('cases', 'c1', { ...CASES[0], subject: 'Lampu mati', summary: 'Gelap' });
            await tx.put('cases', 'c5', { ...CASES[3], id: 'c5', subject: 'Jalan berlubang 50% lebar' });
            await tx.delete('cases', 'c2');
            // Lower case of İ is i + a combining dot: the needle as the substring test folds it.
            await tx.put('cases', 'c6', { ...CASES[0], id: 'c6', subject: 'Kantor İmigrasi', summary: '' });
          });
          const find = async (value: string) =>
            ids(
              await store.find<CaseView>('cases', {
                text: { fields: TEXT, value },
                orderBy: [{ path: 'id' }],
              }),
            );
          expect(await find('jalan')).toEqual(['c5']);
          expect(await find('50% l')).toEqual(['c5']);
          expect(await find('gelap')).toEqual(['c1']);
          expect(await find('sekolah')).toEqual([]);
          expect(await find('İmigrasi')).toEqual(['c6']);
          await store.reset('cases', 1, ['cases']);
          expect(await find('jalan')).toEqual([]);
        });

        it('is what the planner reads for a text search of three characters or more', async () => {
          await store.ensureIndexes([searchIndex]);
          // Enough other documents that reading the index is worth it to a cost-based planner.
          await store.applyBatch('cases', 2, async (tx) => {
            for (let i = 0; i < 500; i++) {
              await tx.put('cases', `n${i}`, { ...CASES[0], id: `n${i}`, subject: `Keluhan nomor ${i}` });
            }
          });
          await fixture.analyze?.();
          const plan = await store.explain('cases', { text: { fields: TEXT, value: 'sekolah' }, limit: 20 });
          expect(plan).toMatch(/rm_cases_text/);
          // Fields outside the index, or a needle too short for trigrams: the substring test alone.
          expect(
            await store.explain('cases', { text: { fields: ['subject', 'channel'], value: 'sekolah' } }),
          ).not.toMatch(/rm_cases_text/);
          expect(await store.explain('cases', { text: { fields: TEXT, value: 'se' } })).not.toMatch(
            /rm_cases_text/,
          );
        });
      });

      describe('with typed indexes', () => {
        const NEWEST = [
          { path: 'receivedAt', direction: 'desc' as const },
          { path: 'id', direction: 'desc' as const },
        ];
        const ORDER = [
          { path: 'receivedAt', type: 'text' as const },
          { path: 'id', type: 'text' as const },
        ];
        const queries: DocQuery[] = [
          { where: { status: 'FORWARDED' }, orderBy: NEWEST },
          { where: { status: { in: ['FORWARDED', 'CLOSED'] } }, orderBy: NEWEST },
          { where: { status: { in: [] } }, orderBy: NEWEST },
          {
            where: { receivedAt: { gte: '2026-02-01T00:00:00.000Z', lte: '2026-03-01T08:00:00.000Z' } },
            orderBy: NEWEST,
          },
          { where: { confidential: false, channel: 'WEB' }, orderBy: NEWEST },
          { where: { status: 'FORWARDED', 'complainant.erased': true }, orderBy: NEWEST },
          { where: { status: 42 }, orderBy: NEWEST },
          { orderBy: NEWEST, limit: 2, offset: 1 },
        ];
        const declare = (s: ReadModelStore) =>
          s.ensureIndexes([
            { collection: 'cases', name: 'newest', fields: ORDER },
            {
              collection: 'cases',
              name: 'status_newest',
              fields: [{ path: 'status', type: 'text' }, ...ORDER],
            },
            {
              collection: 'cases',
              name: 'channel_newest',
              fields: [{ path: 'channel', type: 'text' }, ...ORDER],
            },
            {
              collection: 'cases',
              name: 'confidential_newest',
              fields: [{ path: 'confidential', type: 'boolean' }, ...ORDER],
            },
          ]);

        it('answer every query as before, for documents that keep the declared types', async () => {
          const before = await Promise.all(
            queries.map(async (q) => ids(await store.find<CaseView>('cases', q))),
          );
          const counts = await Promise.all(
            queries.map((q) => store.count('cases', { where: q.where ?? {} })),
          );
          await declare(store);
          await declare(store); // Idempotent, as every process start calls it.
          for (const [i, q] of queries.entries()) {
            expect(ids(await store.find<CaseView>('cases', q))).toEqual(before[i]);
            expect(await store.count('cases', { where: q.where ?? {} })).toBe(counts[i]);
          }
        });

        it('are what the planner reads for every filter and the order, not a scan of the table', async () => {
          await declare(store);
          // Which of the indexes is the planner's choice (it depends on statistics); that one is used is not.
          const planned: DocQuery[] = [
            { orderBy: NEWEST },
            { where: { status: { in: ['FORWARDED'] } }, orderBy: NEWEST },
            { where: { status: 'FORWARDED' }, orderBy: NEWEST, after: ['2026-03-01T08:00:00.000Z', 'c3'] },
            { where: { receivedAt: { gte: '2026-02-01T00:00:00.000Z' } }, orderBy: NEWEST },
            { where: { channel: 'WEB' }, orderBy: NEWEST },
            { where: { confidential: true }, orderBy: NEWEST },
          ];
          for (const q of planned) {
            const plan = await store.explain('cases', { ...q, limit: 20 });
            expect(plan).toMatch(/rm_cases_\w+/);
            expect(plan).not.toMatch(/\bSCAN documents\b|Seq Scan/);
          }
        });

        it('page a list of values in order, one index read per value, as a filter over the whole list would', async () => {
          await declare(store);
          await store.applyBatch('cases', 2, async (tx) => {
            for (let i = 0; i < 40; i++) {
              const status = ['RECEIVED', 'FORWARDED', 'CLOSED', 'REJECTED'][i % 4]!;
              // Pairs share a receipt time, so the tie-break by id decides between values too.
              const receivedAt = new Date(Date.UTC(2026, 3, 1 + Math.floor(i / 2))).toISOString();
              await tx.put('cases', `m${String(i).padStart(2, '0')}`, {
                ...CASES[0],
                id: `m${String(i).padStart(2, '0')}`,
                status,
                receivedAt,
              });
            }
          });
          const all = await store.find<CaseView>('cases', { orderBy: NEWEST });
          for (const values of [
            ['FORWARDED', 'CLOSED'],
            ['REJECTED', 'RECEIVED', 'NONE'],
            ['CLOSED', 'CLOSED'],
          ]) {
            const expected = all.filter((c) => values.includes(c.status));
            const where = { status: { in: values } };
            expect(ids(await store.find<CaseView>('cases', { where, orderBy: NEWEST, limit: 7 }))).toEqual(
              ids(expected.slice(0, 7)),
            );
            const after = [expected[4]!.receivedAt, expected[4]!.id];
            expect(
              ids(await store.find<CaseView>('cases', { where, orderBy: NEWEST, limit: 5, after })),
            ).toEqual(ids(expected.slice(5, 10)));
            expect(
              ids(
                await store.find<CaseView>('cases', {
                  where: { ...where, channel: 'EMAIL' },
                  orderBy: NEWEST,
                  limit: 3,
                }),
              ),
            ).toEqual(ids(expected.filter((c) => c.channel === 'EMAIL').slice(0, 3)));
          }
        });

        it('page by keyset: after a document, exactly the documents an offset would give', async () => {
          await declare(store);
          const all = await store.find<CaseView>('cases', { orderBy: NEWEST });
          for (let i = 0; i < all.length; i++) {
            const after = [all[i]!.receivedAt, all[i]!.id];
            expect(ids(await store.find<CaseView>('cases', { orderBy: NEWEST, after, limit: 2 }))).toEqual(
              ids(all.slice(i + 1, i + 3)),
            );
          }
          const forwarded = await store.find<CaseView>('cases', {
            where: { status: 'FORWARDED' },
            orderBy: NEWEST,
            after: [all[0]!.receivedAt, all[0]!.id],
          });
          expect(ids(forwarded)).toEqual(ids(all.slice(1).filter((c) => c.status === 'FORWARDED')));
        });

        it('refuse a keyset cursor that does not fit the order, as bad user input', async () => {
          await declare(store);
          for (const q of [
            { orderBy: [{ path: 'summary' }], after: ['x'] },
            { orderBy: NEWEST, after: ['2026-01-01T00:00:00.000Z'] },
            { orderBy: NEWEST, after: [1, 'c1'] },
            { orderBy: [NEWEST[0]!, { path: 'id', direction: 'asc' as const }], after: ['x', 'y'] },
          ]) {
            await expect(store.find('cases', q)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
          }
        });
      });

      it('refuses a path that is not a plain dotted field name, as bad user input', async () => {
        for (const path of ["status') OR 1=1 --", 'a..b', '', 'x.y z']) {
          const error = await store.find('cases', { where: { [path]: 'x' } }).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(DomainError);
          expect((error as DomainError).code).toBe('BAD_USER_INPUT');
        }
        await expect(
          store.find('cases', { where: { status: { between: 1 } as never } }),
        ).rejects.toMatchObject({
          code: 'BAD_USER_INPUT',
        });
        await expect(store.find('cases', { where: { ageDays: { gte: 1, lt: 'z' } } })).rejects.toMatchObject({
          code: 'BAD_USER_INPUT',
        });
        await expect(store.find('cases', { limit: -1 })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
      });
    });
  });
}
