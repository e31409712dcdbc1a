import { CLOCK_ORDER, EVALUATION_INDEXES, SLA_CLOCKS } from '../../services/evaluation/projections';
import { SqliteReadModelStore } from '../../services/shared/projections/sqlite-read-model';

/**
 * The evaluation's read paths are answered from its indexes, so a page costs what the page costs: a plan
 * that scans the documents table fails here.
 */
describe('evaluation read plans', () => {
  let store: SqliteReadModelStore;
  beforeAll(async () => {
    store = new SqliteReadModelStore({ file: ':memory:' });
    await store.ensureIndexes(EVALUATION_INDEXES);
  });
  afterAll(() => store.close());

  it.each([
    ['one complaint', 'c-1'],
    ['a page of complaints', { in: ['c-1', 'c-2', 'c-3'] }],
  ] as const)("%s's clocks: the complaint index, no scan", async (_, complaintId) => {
    const plan = await store.explain(SLA_CLOCKS, { where: { complaintId }, orderBy: CLOCK_ORDER });
    expect(plan).toMatch(/USING (COVERING )?INDEX rm_sla_clocks_complaint/);
    expect(plan).not.toMatch(/\bSCAN documents\b/);
  });
});
