import { LETTERS, letterQuery, lettersProjection } from '../../services/correspondence/projections';
import { SqliteReadModelStore } from '../../services/shared/projections/sqlite-read-model';

/**
 * A complaint's letters (`Complaint.letters`, `letters(filter: {complaintId})`) are read by id from the
 * complaint's list of letters, for every role's filter: a plan that scans the letters fails here.
 */
describe('letters of a complaint', () => {
  let store: SqliteReadModelStore;
  beforeAll(async () => {
    store = new SqliteReadModelStore({ file: ':memory:' });
    await store.ensureIndexes(lettersProjection.indexes ?? []);
  });
  afterAll(() => store.close());

  it.each([
    ['an officer', { id: 'officer', role: 'OFFICER' }],
    ['an agency', { id: 'pic', role: 'AGENCY', agencyId: 'inspektorat-bantul' }],
  ] as const)('for %s: the id index, no scan', async (_, actor) => {
    const query = letterQuery({ complaintId: 'c-1' }, actor, { limit: 50, offset: 0 }, ['l-1', 'l-2']);
    const plan = await store.explain(LETTERS, query!);
    expect(plan).toMatch(/USING (COVERING )?INDEX rm_letters_id/);
    expect(plan).not.toMatch(/\bSCAN documents\b/);
  });
});
