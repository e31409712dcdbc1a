import {
  COMPLAINT_INDEXES,
  COMPLAINTS_COLLECTION,
  complaintDocQuery,
} from '../../services/complaint/projection';
import { SqliteReadModelStore } from '../../services/shared/projections/sqlite-read-model';

/**
 * Every filter of `complaints(filter:)` is answered from one of the complaints projection's indexes, in
 * the list's order, so a page costs what the page costs: a plan that scans the table fails here.
 * (The same check for PostgreSQL runs in the read-model contract suite.)
 */
describe('complaints list plans', () => {
  let store: SqliteReadModelStore;
  beforeAll(async () => {
    store = new SqliteReadModelStore({ file: ':memory:' });
    await store.ensureIndexes(COMPLAINT_INDEXES);
  });
  afterAll(() => store.close());

  const filters = {
    none: {},
    status: { status: ['FORWARDED', 'IN_FOLLOW_UP'] as const },
    channel: { channel: ['WEB'] as const },
    received: { receivedFrom: '2026-01-01T00:00:00Z', receivedTo: '2026-06-30T00:00:00Z' },
    confidential: { confidential: true },
    anonymous: { anonymous: false },
    'status and received': { status: ['RECEIVED'] as const, receivedFrom: '2026-01-01T00:00:00Z' },
  };

  it.each(Object.entries(filters))('%s: an index, no scan, also after a keyset cursor', async (_, filter) => {
    const query = complaintDocQuery(filter);
    for (const page of [{ limit: 21 }, { limit: 21, after: ['2026-03-01T00:00:00.000Z', 'c-1'] }]) {
      const plan = await store.explain(COMPLAINTS_COLLECTION, { ...query, ...page });
      expect(plan).toMatch(/USING (COVERING )?INDEX rm_complaints_/);
      expect(plan).not.toMatch(/\bSCAN documents\b/);
    }
  });

  it('a tracking-number lookup reads its index', async () => {
    const plan = await store.explain(COMPLAINTS_COLLECTION, {
      where: { trackingNumber: 'DUMAS-2026-000001' },
    });
    expect(plan).toMatch(/rm_complaints_tracking/);
  });
});
