import {
  AGENCY_CASES_COLLECTION,
  agencyCasesQuery,
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
    'status and channel': { status: ['FORWARDED', 'IN_FOLLOW_UP'] as const, channel: ['EMAIL'] as const },
  };

  it.each(Object.entries(filters))('%s: an index, no scan, also after a keyset cursor', async (_, filter) => {
    const query = complaintDocQuery(filter);
    for (const page of [{ limit: 21 }, { limit: 21, after: ['2026-03-01T00:00:00.000Z', 'c-1'] }]) {
      const plan = await store.explain(COMPLAINTS_COLLECTION, { ...query, ...page });
      expect(plan).toMatch(/USING (COVERING )?INDEX rm_complaints_/);
      expect(plan).not.toMatch(/\bSCAN documents\b/);
      // After a cursor the index is entered at it (a range on receivedAt), not walked from its start;
      // a received range bounds that key itself.
      if ('after' in page && !('receivedFrom' in filter)) expect(plan).toMatch(/<expr>[<>]\?\)/);
    }
  });

  // An agency's list (every focal point's, and the officer's agency filter) reads the agency cases.
  const agencyFilters = {
    agency: { agencyId: 'inspektorat-bantul' },
    'agency and status': { agencyId: 'inspektorat-bantul', status: ['FORWARDED'] as const },
    'agency and channel': { agencyId: 'inspektorat-bantul', channel: ['WEB', 'EMAIL'] as const },
    'agency and received': { agencyId: 'inspektorat-bantul', receivedFrom: '2026-01-01T00:00:00Z' },
  };

  it.each(Object.entries(agencyFilters))("%s: the agency cases' index, no scan", async (_, filter) => {
    for (const viewer of [undefined, { role: 'AGENCY' as const, agencyId: 'inspektorat-bantul' }]) {
      const query = agencyCasesQuery(complaintDocQuery(filter, viewer));
      expect(query).toBeDefined();
      for (const page of [{ limit: 21 }, { limit: 21, after: ['2026-03-01T00:00:00.000Z', 'c-1'] }]) {
        const plan = await store.explain(AGENCY_CASES_COLLECTION, { ...query, ...page });
        expect(plan).toMatch(/USING (COVERING )?INDEX rm_agency_cases_agency_/);
        expect(plan).not.toMatch(/\bSCAN documents\b/);
        if ('after' in page && !('receivedFrom' in filter)) expect(plan).toMatch(/<expr>[<>]\?\)/);
      }
    }
  });

  it('a text search of three characters or more reads the trigram index; a shorter one walks the list', async () => {
    const plan = await store.explain(COMPLAINTS_COLLECTION, {
      ...complaintDocQuery({ text: 'Sleman' }),
      limit: 21,
    });
    expect(plan).toMatch(/rm_complaints_text/);
    const short = await store.explain(COMPLAINTS_COLLECTION, {
      ...complaintDocQuery({ text: 'ab' }),
      limit: 21,
    });
    expect(short).toMatch(/rm_complaints_newest/);
  });

  it('a text search held to an agency reads the complaints themselves', () => {
    expect(agencyCasesQuery(complaintDocQuery({ agencyId: 'x', text: 'jalan' }))).toBeUndefined();
    expect(agencyCasesQuery(complaintDocQuery({ status: ['RECEIVED'] }))).toBeUndefined();
  });

  it('a tracking-number lookup reads its index', async () => {
    const plan = await store.explain(COMPLAINTS_COLLECTION, {
      where: { trackingNumber: 'DUMAS-2026-000001' },
    });
    expect(plan).toMatch(/rm_complaints_tracking/);
  });
});
