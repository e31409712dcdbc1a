import {
  AGENCIES,
  agenciesProjection,
  agencyQuery,
  LETTERS,
  type LetterFilter,
  type ListPage,
  type LetterDoc,
  letterQuery,
  lettersProjection,
  matchesLetterQuery,
  pageOfLetters,
} from '../../services/correspondence/projections';
import { expectIndexedPlan, PLAN_ENGINES, storeWithIndexes } from '../support/plans';

/**
 * A complaint's letters (`Complaint.letters`, `letters(filter: {complaintId})`) are a handful, read by id
 * (the complaint's list of letter ids) and held to the filter, order and page in memory: the same letters,
 * in the same order, as the store's query would give for every role, filter and page.
 */
describe('letters of a complaint, read by id', () => {
  const store = storeWithIndexes(lettersProjection.indexes ?? []);
  const letter = (id: string, agencyId: string, state: string, kind: string, createdAt: string) => ({
    id,
    agencyId,
    state,
    kind,
    number: state === 'SENT' ? `B-${id}` : null,
    createdAt,
    complaintIds: ['c-1'],
  });
  const letters = [
    letter('l-1', 'inspektorat-bantul', 'SENT', 'FOLLOW_UP_REQUEST', '2026-11-02T03:00:00.000Z'),
    letter('l-2', 'inspektorat-sleman', 'SENT', 'FOLLOW_UP_REQUEST', '2026-11-02T03:00:00.000Z'),
    letter('l-3', 'inspektorat-bantul', 'DRAFT', 'REMINDER', '2026-11-20T03:00:00.000Z'),
    letter('l-4', 'inspektorat-bantul', 'REGISTERED', 'AGENCY_REPLY', '2026-11-10T03:00:00.000Z'),
    letter('l-5', 'inspektorat-bantul', 'SENT', 'REMINDER', '2026-11-25T03:00:00.000Z'),
  ];
  beforeAll(async () => {
    await store().applyBatch('letters', 1, async (tx) => {
      for (const l of letters) await tx.put(LETTERS, l.id, l);
    });
  });
  const officer = { id: 'officer', role: 'OFFICER' } as const;
  const pic = { id: 'pic', role: 'AGENCY', agencyId: 'inspektorat-bantul' } as const;

  it.each([
    ['an officer, all', {}, officer, {}],
    ['an officer, a page', {}, officer, { limit: 2 }],
    ['an officer, after a cursor', {}, officer, { limit: 2, after: ['2026-11-02T03:00:00.000Z', 'l-2'] }],
    ['an officer, an offset', {}, officer, { limit: 2, offset: 1 }],
    ['an officer, by kind', { kind: ['REMINDER'] }, officer, {}],
    ['an officer, by state and agency', { state: ['SENT'], agencyId: 'inspektorat-bantul' }, officer, {}],
    ['an officer, by number', { number: 'B-l-5' }, officer, {}],
    ['a focal point, its own as it may see them', {}, pic, {}],
    ['a focal point, another agency', { agencyId: 'inspektorat-sleman' }, pic, {}],
  ] as const)('for %s', async (_, filter, actor, page) => {
    const ids = letters.map((l) => l.id);
    const query = letterQuery({ ...filter, complaintId: 'c-1' } as LetterFilter, actor, page, ids);
    const expected = query ? await store().find<LetterDoc>(LETTERS, query) : [];
    const whole = letterQuery({ ...filter, complaintId: 'c-1' } as LetterFilter, actor, {}, ids);
    const docs = (await store().getMany<LetterDoc>(LETTERS, ids)).filter((d) => d !== undefined);
    const got = whole
      ? pageOfLetters(
          docs.filter((d) => matchesLetterQuery(d, whole)),
          page,
        )
      : [];
    expect(got.map((l) => l.id)).toEqual(expected.map((l) => l.id));
  });
});

/**
 * The letter lists and their connection (`letters`, `letterConnection`, `Agency.letters`): newest first
 * off an index walked backwards, for every role and filter, on the first page and after a cursor.
 */
describe.each(PLAN_ENGINES)('%s: lists of letters', (engine) => {
  const store = storeWithIndexes(lettersProjection.indexes ?? [], engine);
  const officer = { id: 'officer', role: 'OFFICER' } as const;
  const pic = { id: 'pic', role: 'AGENCY', agencyId: 'inspektorat-bantul' } as const;
  const first: ListPage = { limit: 21 };
  const after: ListPage = { limit: 21, after: ['2026-11-02T03:00:00.000Z', 'letter-9'] };

  it.each([
    ['an officer, every letter', {}, officer, 'rm_letters_newest', first],
    ['an officer, after a cursor', {}, officer, 'rm_letters_newest', after],
    [
      'an officer, by kind and state',
      { kind: ['FOLLOW_UP_REQUEST'], state: ['SENT'] },
      officer,
      'rm_letters_newest',
      first,
    ],
    [
      'an officer, one agency',
      { agencyId: 'inspektorat-sleman' },
      officer,
      'rm_letters_agency_newest',
      after,
    ],
    ['a focal point, its own', {}, pic, 'rm_letters_agency_newest', after],
    [
      'an officer, by number',
      { number: 'B-12/Kemensetneg/2026' },
      officer,
      'rm_letters_number_newest',
      first,
    ],
  ] as const)('for %s: %s, no scan', async (_, filter, actor, index, page) => {
    const query = letterQuery(filter as LetterFilter, actor, page);
    const plan = await expectIndexedPlan(store(), LETTERS, query!, index);
    // After a cursor the index is entered at the cursor (a range on the order's leading key), not walked
    // from its start: a page half-way down costs what the first page costs.
    if (engine === 'SQLite' && page.after) expect(plan).toMatch(/<expr>[<>]\?\)/);
  });
});

describe.each(PLAN_ENGINES)('%s: the agency directory', (engine) => {
  const store = storeWithIndexes(agenciesProjection.indexes ?? [], engine);

  it.each([
    ['the first page', { limit: 21 }],
    ['after a cursor', { limit: 21, after: ['Inspektorat Kabupaten Bantul', 'inspektorat-bantul'] }],
  ])('by name, %s: no scan', async (_, page) => {
    await expectIndexedPlan(store(), AGENCIES, agencyQuery({}, page), 'rm_agencies_by_name');
  });
});
