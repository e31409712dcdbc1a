import { LETTERS, letterQuery, lettersProjection } from '../../services/correspondence/projections';
import { expectIndexedPlan, PLAN_ENGINES, storeWithIndexes } from '../support/plans';

/**
 * A complaint's letters (`Complaint.letters`, `letters(filter: {complaintId})`) are read by id from the
 * complaint's list of letters, for every role's filter: a plan that scans the letters fails here.
 */
describe.each(PLAN_ENGINES)('%s: letters of a complaint', (engine) => {
  const store = storeWithIndexes(lettersProjection.indexes ?? [], engine);

  it.each([
    ['an officer', { id: 'officer', role: 'OFFICER' }],
    ['an agency', { id: 'pic', role: 'AGENCY', agencyId: 'inspektorat-bantul' }],
  ] as const)('for %s: the id index, no scan', async (_, actor) => {
    const query = letterQuery({ complaintId: 'c-1' }, actor, { limit: 50, offset: 0 }, ['l-1', 'l-2']);
    await expectIndexedPlan(store(), LETTERS, query!, 'rm_letters_id');
  });
});
