/**
 * `complaintInflow` through the gateway over real HTTP, at a fixed date: each channel's count in each
 * range, equal to what `complaints(first: 0, filter)` counts one range and channel at a time; the filter's
 * agency applies; an agency's focal point counts its own agency's complaints only.
 */
import { FixedClock } from '../../services/shared/clock';
import { type Federation, startFederation } from '../support/federation';

const BANTUL = 'inspektorat-bantul';
const DAY = 24 * 60 * 60 * 1000;
// Monday 2 March 2026, 09:00 WIB.
const clock = new FixedClock(new Date('2026-03-02T02:00:00.000Z'));
// Two weeks from Monday 2 March, Jakarta time, both bounds included.
const WEEKS = [
  { from: '2026-03-01T17:00:00.000Z', to: '2026-03-08T16:59:59.999Z' },
  { from: '2026-03-08T17:00:00.000Z', to: '2026-03-15T16:59:59.999Z' },
];
const INFLOW = `query I($ranges: [ReceivedRangeInput!]!, $filter: ComplaintFilterInput) {
  complaintInflow(ranges: $ranges, filter: $filter) { from to channels { channel count } }
}`;

let fed: Federation;
let officer: string;

type Inflow = {
  complaintInflow: { from: string; to: string; channels: { channel: string; count: number }[] }[];
};

async function ok<T = Record<string, unknown>>(query: string, vars: Record<string, unknown>, token: string) {
  const reply = await fed.gql<T>(query, vars, token);
  expect(reply.errors).toBeUndefined();
  return reply.data;
}

/** Each range's non-zero counts, by channel. */
async function inflow(token: string, filter?: Record<string, unknown>) {
  const data = await ok<Inflow>(INFLOW, { ranges: WEEKS, ...(filter ? { filter } : {}) }, token);
  return data.complaintInflow.map((r) =>
    Object.fromEntries(r.channels.filter((c) => c.count > 0).map((c) => [c.channel, c.count])),
  );
}

async function file(channel: string, subject: string): Promise<string> {
  const data = await ok<{ fileComplaint: { complaint: { id: string } } }>(
    `mutation F($input: FileComplaintInput!) { fileComplaint(input: $input) { complaint { id } } }`,
    { input: { channel, subject, description: `${subject}: uraian pengaduan.` } },
    officer,
  );
  return data.fileComplaint.complaint.id;
}

beforeAll(async () => {
  fed = await startFederation({ clock, subgraphs: ['complaint'], agencies: [BANTUL, 'inspektorat-sleman'] });
  officer = await fed.token({ role: 'OFFICER' });
  await file('WEB', 'Jalan rusak');
  await file('WALK_IN', 'Pungutan liar');
  clock.advance(7 * DAY); // Monday 9 March
  const id = await file('WEB', 'Lampu jalan padam');
  await ok(`mutation V($id: ID!) { verifyComplaint(id: $id) { id } }`, { id }, officer);
  await ok(
    `mutation F($id: ID!, $a: [ID!]!) { forwardComplaint(id: $id, agencyIds: $a) { id } }`,
    { id, a: [BANTUL] },
    officer,
  );
});

afterAll(async () => {
  await fed?.close();
});

describe('complaintInflow', () => {
  it('counts each channel in each range, every channel listed, as complaints(first: 0) does one at a time', async () => {
    const data = await ok<Inflow>(INFLOW, { ranges: WEEKS }, officer);
    expect(data.complaintInflow.map((r) => [r.from, r.to, r.channels.length])).toEqual(
      WEEKS.map((w) => [w.from, w.to, 6]),
    );
    expect(await inflow(officer)).toEqual([{ WEB: 1, WALK_IN: 1 }, { WEB: 1 }]);
    for (const [i, week] of WEEKS.entries()) {
      for (const { channel, count } of data.complaintInflow[i]!.channels) {
        const one = await ok<{ complaints: { totalCount: number } }>(
          `query C($f: ComplaintFilterInput) { complaints(first: 0, filter: $f) { totalCount } }`,
          { f: { receivedFrom: week.from, receivedTo: week.to, channel: [channel] } },
          officer,
        );
        expect([channel, one.complaints.totalCount]).toEqual([channel, count]);
      }
    }
  });

  it("applies the filter's other conditions (an agency, a status)", async () => {
    expect(await inflow(officer, { agencyId: BANTUL })).toEqual([{}, { WEB: 1 }]);
    expect(await inflow(officer, { status: ['RECEIVED'] })).toEqual([{ WEB: 1, WALK_IN: 1 }, {}]);
  });

  it("an agency's focal point counts its own agency's complaints only; another agency's none", async () => {
    const bantul = await fed.token({ role: 'AGENCY', agencyId: BANTUL });
    expect(await inflow(bantul)).toEqual([{}, { WEB: 1 }]);
    const sleman = await fed.token({ role: 'AGENCY', agencyId: 'inspektorat-sleman' });
    expect(await inflow(sleman)).toEqual([{}, {}]);
    expect(await inflow(sleman, { agencyId: BANTUL })).toEqual([{}, {}]);
  });

  it('refuses more than 53 ranges (BAD_USER_INPUT) and callers without a token (UNAUTHENTICATED)', async () => {
    const many = await fed.gql(INFLOW, { ranges: Array.from({ length: 54 }, () => WEEKS[0]) }, officer);
    expect(many.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const anonymous = await fed.gql(INFLOW, { ranges: WEEKS });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
