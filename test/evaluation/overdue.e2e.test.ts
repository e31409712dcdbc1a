/**
 * The overdue list (`overdueClocks`) through the gateway over real HTTP, at a fixed date: running clocks
 * past their due instant, most overdue first, each with its complaint resolved from the complaint subgraph
 * in the same request; a page at a time with keyset cursors; an agency's focal point sees its own agency's
 * only, another agency's none.
 */
import { FixedClock } from '../../services/shared/clock';
import { type Federation, startFederation } from '../support/federation';

const BANTUL = 'inspektorat-bantul';
const SLEMAN = 'inspektorat-sleman';
const DAY = 24 * 60 * 60 * 1000;
// Monday 2 March 2026, 09:00 WIB.
const clock = new FixedClock(new Date('2026-03-02T02:00:00.000Z'));

const OVERDUE = `query O($agencyId: ID, $first: Int, $after: String) {
  overdueClocks(agencyId: $agencyId, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { kind state dueAt agency { id name } complaint { id trackingNumber subject status } } }
  }
}`;

interface Overdue {
  overdueClocks: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
    edges: {
      cursor: string;
      node: {
        kind: string;
        state: string;
        dueAt: string;
        agency: { id: string; name: string } | null;
        complaint: { id: string; trackingNumber: string; subject: string; status: string };
      };
    }[];
  };
}

let fed: Federation;
let officer: string;
const filed: Record<'a' | 'b' | 'c', { id: string; trackingNumber: string }> = {} as never;

async function ok<T = Record<string, unknown>>(query: string, vars: Record<string, unknown>, token: string) {
  const reply = await fed.gql<T>(query, vars, token);
  expect(reply.errors).toBeUndefined();
  return reply.data;
}

const overdue = (token: string, vars: Record<string, unknown> = {}) => ok<Overdue>(OVERDUE, vars, token);

const mutate = (name: string, args: string, vars: Record<string, unknown>, token: string) =>
  ok(
    `mutation M(${args}) { ${name}(${Object.keys(vars)
      .map((k) => `${k}: $${k}`)
      .join(', ')}) { id } }`,
    vars,
    token,
  );

beforeAll(async () => {
  fed = await startFederation({
    clock,
    subgraphs: ['complaint', 'correspondence', 'evaluation'],
    agencies: [BANTUL, SLEMAN],
  });
  officer = await fed.token({ role: 'OFFICER' });
  for (const key of ['a', 'b', 'c'] as const) {
    const data = await ok<{ fileComplaint: { complaint: { id: string; trackingNumber: string } } }>(
      `mutation F($input: FileComplaintInput!) { fileComplaint(input: $input) { complaint { id trackingNumber } } }`,
      { input: { channel: 'WEB', subject: `Pengaduan ${key}`, description: `Uraian pengaduan ${key}.` } },
      officer,
    );
    filed[key] = data.fileComplaint.complaint;
  }
  const forward = async (key: 'a' | 'b' | 'c', agencyId: string) => {
    await mutate('verifyComplaint', '$id: ID!', { id: filed[key].id }, officer);
    await mutate(
      'forwardComplaint',
      '$id: ID!, $agencyIds: [ID!]!',
      { id: filed[key].id, agencyIds: [agencyId] },
      officer,
    );
  };
  clock.advance(DAY); // Tuesday 3 March: a and c to Bantul (follow-up due Tuesday 10 March)
  await forward('a', BANTUL);
  await forward('c', BANTUL);
  clock.advance(DAY); // Wednesday 4 March: b to Sleman (follow-up due Wednesday 11 March)
  await forward('b', SLEMAN);
  const bantul = await fed.token({ role: 'AGENCY', agencyId: BANTUL });
  await mutate('acknowledgeComplaint', '$id: ID!', { id: filed.c.id }, bantul); // c's follow-up stops in time
});

afterAll(async () => {
  await fed?.close();
});

describe('overdueClocks', () => {
  it('is empty while every clock is within its time', async () => {
    const { overdueClocks } = await overdue(officer);
    expect(overdueClocks).toMatchObject({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false } });
  });

  it('lists the running clocks past due, most overdue first, each with its complaint in the same round', async () => {
    clock.set('2026-03-12T03:00:00.000Z'); // Thursday 12 March
    const { overdueClocks } = await overdue(officer);
    expect(overdueClocks.totalCount).toBe(2);
    expect(
      overdueClocks.edges.map(({ node }) => [
        node.complaint.trackingNumber,
        node.kind,
        node.agency?.id,
        node.dueAt,
      ]),
    ).toEqual([
      [filed.a.trackingNumber, 'AGENCY_FIRST_FOLLOW_UP', BANTUL, '2026-03-10T16:59:59.999Z'],
      [filed.b.trackingNumber, 'AGENCY_FIRST_FOLLOW_UP', SLEMAN, '2026-03-11T16:59:59.999Z'],
    ]);
    expect(overdueClocks.edges[0]!.node).toMatchObject({
      state: 'BREACHED',
      complaint: { id: filed.a.id, subject: 'Pengaduan a', status: 'FORWARDED' },
    });
    expect(overdueClocks.edges[0]!.node.agency!.name).toEqual(expect.any(String));
  });

  it('pages with keyset cursors', async () => {
    const first = (await overdue(officer, { first: 1 })).overdueClocks;
    expect(first).toMatchObject({ totalCount: 2, pageInfo: { hasNextPage: true, hasPreviousPage: false } });
    const second = (await overdue(officer, { first: 1, after: first.pageInfo.endCursor })).overdueClocks;
    expect(second).toMatchObject({ totalCount: 2, pageInfo: { hasNextPage: false, hasPreviousPage: true } });
    expect([...first.edges, ...second.edges].map((e) => e.node.complaint.id)).toEqual([
      filed.a.id,
      filed.b.id,
    ]);
  });

  it("one agency's, when asked", async () => {
    const { overdueClocks } = await overdue(officer, { agencyId: SLEMAN });
    expect(overdueClocks.totalCount).toBe(1);
    expect(overdueClocks.edges.map((e) => e.node.complaint.id)).toEqual([filed.b.id]);
  });

  it("an agency's focal point sees its own agency's only; another agency's sees none", async () => {
    const bantul = await fed.token({ role: 'AGENCY', agencyId: BANTUL });
    for (const agencyId of [undefined, BANTUL]) {
      const own = (await overdue(bantul, agencyId ? { agencyId } : {})).overdueClocks;
      expect(own.totalCount).toBe(1);
      expect(own.edges.map((e) => [e.node.complaint.trackingNumber, e.node.agency?.id])).toEqual([
        [filed.a.trackingNumber, BANTUL],
      ]);
    }
    expect((await overdue(bantul, { agencyId: SLEMAN })).overdueClocks).toMatchObject({
      totalCount: 0,
      edges: [],
    });
    const outsider = await fed.token({ role: 'AGENCY', agencyId: 'inspektorat-gunungkidul' });
    expect((await overdue(outsider)).overdueClocks).toMatchObject({ totalCount: 0, edges: [] });
  });

  it('a clock that stops leaves the list', async () => {
    const sleman = await fed.token({ role: 'AGENCY', agencyId: SLEMAN });
    await mutate('acknowledgeComplaint', '$id: ID!', { id: filed.b.id }, sleman);
    const { overdueClocks } = await overdue(officer);
    expect(overdueClocks.edges.map((e) => e.node.complaint.id)).toEqual([filed.a.id]);
  });

  it.each([
    ['a page too long', { first: 101 }],
    ['a cursor it did not hand out', { after: 'bm90LWEtY3Vyc29y' }],
  ])('refuses %s with BAD_USER_INPUT', async (_, vars) => {
    const reply = await fed.gql(OVERDUE, vars, officer);
    expect(reply.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('is for case readers: no token, UNAUTHENTICATED', async () => {
    const reply = await fed.gql(OVERDUE, {});
    expect(reply.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
