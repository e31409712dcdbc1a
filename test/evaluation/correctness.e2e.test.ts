/**
 * Evaluation correctness (issue 13), through the gateway over real HTTP at a fixed date:
 * - at most one unfinished round per agency and period;
 * - a clock keeps the calendar version in force when it started, so a calendar edit moves only the
 *   clocks started after it;
 * - agencies carry a province code from a fixed list, and that province's regional holidays apply;
 * - the performance of an agency nobody knows is NOT_FOUND, not a row of zeros.
 */
import { FixedClock } from '../../services/shared/clock';
import { type Federation, startFederation } from '../support/federation';

// Monday 4 May 2026, 09:00 WIB.
const clock = new FixedClock(new Date('2026-05-04T02:00:00.000Z'));
const MAY = { year: 2026, month: 5 };

let fed: Federation;
let officer: string;
let admin: string;

beforeAll(async () => {
  fed = await startFederation({ clock, subgraphs: ['complaint', 'correspondence', 'evaluation'] });
  officer = await fed.token({ role: 'OFFICER' });
  admin = await fed.token({ role: 'ADMIN' });
  for (const [id, regionCode] of [
    ['dinas-kulon-progo', 'ID-YO'],
    ['kementerian-x', null],
  ] as const) {
    await ok(
      `mutation C($input: CreateAgencyInput!) { createAgency(input: $input) { id regionCode } }`,
      {
        input: {
          id,
          name: `Agency ${id}`,
          kind: 'REGENCY',
          region: 'DI Yogyakarta',
          ...(regionCode ? { regionCode } : {}),
          contact: { emails: [`${id}@example.go.id`] },
        },
      },
      admin,
    );
    await ok(`mutation P($id: ID!) { startAgencyPilot(id: $id) { id } }`, { id }, admin);
  }
});

afterAll(async () => {
  await fed?.close();
});

async function ok<T = Record<string, unknown>>(query: string, vars: Record<string, unknown>, token: string) {
  const reply = await fed.gql<T>(query, vars, token);
  expect(reply.errors).toBeUndefined();
  return reply.data;
}

interface ClockView {
  kind: string;
  agency: { id: string } | null;
  dueAt: string | null;
}

async function file(subject: string): Promise<string> {
  const filed = await ok<{ fileComplaint: { complaint: { id: string } } }>(
    `mutation F($input: FileComplaintInput!) { fileComplaint(input: $input) { complaint { id } } }`,
    { input: { channel: 'WEB', subject, description: `${subject}: uraian pengaduan.` } },
    officer,
  );
  return filed.fileComplaint.complaint.id;
}

async function clocksOf(id: string): Promise<ClockView[]> {
  const data = await ok<{ complaint: { sla: { clocks: ClockView[] } } }>(
    `query C($id: ID!) { complaint(id: $id) { sla { clocks { kind agency { id } dueAt } } } }`,
    { id },
    officer,
  );
  return data.complaint.sla.clocks;
}

const OPEN = `mutation O($a: ID!, $p: PeriodInput!) { openEvaluation(agencyId: $a, period: $p) { id status } }`;

describe('evaluation rounds', () => {
  it('given an OPEN round of an agency and month, opening another for the same answers CONFLICT', async () => {
    const first = await ok<{ openEvaluation: { id: string; status: string } }>(
      OPEN,
      { a: 'dinas-kulon-progo', p: MAY },
      officer,
    );
    expect(first.openEvaluation.status).toBe('OPEN');
    const second = await fed.gql(OPEN, { a: 'dinas-kulon-progo', p: MAY }, officer);
    expect(second.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(second.errors?.[0]?.message).toContain(first.openEvaluation.id);
    // Another month of the same agency is another round.
    await ok(OPEN, { a: 'dinas-kulon-progo', p: { year: 2026, month: 4 } }, officer);
    const rounds = await ok<{ evaluations: { id: string }[] }>(
      `{ evaluations(agencyId: "dinas-kulon-progo") { id } }`,
      {},
      officer,
    );
    expect(rounds.evaluations).toHaveLength(2);
  });

  it('an agency nobody registered or forwarded to: performance and a round answer NOT_FOUND', async () => {
    const perf = await fed.gql(
      `query P($a: ID!, $p: PeriodInput!) { agencyPerformance(agencyId: $a, period: $p) { received } }`,
      { a: 'no-such-agency', p: MAY },
      officer,
    );
    expect(perf.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const round = await fed.gql(OPEN, { a: 'no-such-agency', p: MAY }, officer);
    expect(round.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('calendar versions', () => {
  it('a holiday added after a clock started leaves its due date alone and moves the clocks started later', async () => {
    const before = await file('Sebelum perubahan kalender');
    const [verificationBefore] = (await clocksOf(before)).filter((c) => c.kind === 'VERIFICATION');
    // Received Monday 4 May: the third working day after is Thursday 7 May.
    expect(verificationBefore!.dueAt).toBe('2026-05-07T16:59:59.999Z');

    clock.advance(60 * 60 * 1000);
    await ok(
      `mutation A($input: AddHolidayInput!) { addHoliday(input: $input) { date } }`,
      { input: { date: '2026-05-06', kind: 'NATIONAL_HOLIDAY', name: 'Hari libur pemilihan' } },
      admin,
    );
    clock.advance(60 * 60 * 1000);
    const after = await file('Sesudah perubahan kalender');

    const [unchanged] = (await clocksOf(before)).filter((c) => c.kind === 'VERIFICATION');
    expect(unchanged!.dueAt).toBe('2026-05-07T16:59:59.999Z');
    const [moved] = (await clocksOf(after)).filter((c) => c.kind === 'VERIFICATION');
    expect(moved!.dueAt).toBe('2026-05-08T16:59:59.999Z');
  });
});

describe('agency regions', () => {
  it('refuses a region that is not a province code from the fixed list', async () => {
    const refused = await fed.gql(
      `mutation C($input: CreateAgencyInput!) { createAgency(input: $input) { id } }`,
      {
        input: {
          id: 'dinas-bali',
          name: 'Dinas Bali',
          kind: 'PROVINCE',
          region: 'Bali',
          regionCode: 'Bali',
          contact: { emails: ['dinas-bali@example.go.id'] },
        },
      },
      admin,
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it("a regional holiday of the agency's province extends its forwarding clocks; a central agency's are not", async () => {
    clock.set(new Date('2026-05-11T02:00:00.000Z')); // Monday 11 May, 09:00 WIB
    await ok(
      `mutation A($input: AddHolidayInput!) { addHoliday(input: $input) { date } }`,
      {
        input: { date: '2026-05-13', kind: 'REGIONAL_HOLIDAY', region: 'ID-YO', name: 'Hari jadi DIY' },
      },
      admin,
    );
    const id = await file('Pelayanan perizinan');
    await ok(`mutation V($id: ID!) { verifyComplaint(id: $id) { id } }`, { id }, officer);
    await ok(
      `mutation F($id: ID!, $a: [ID!]!) { forwardComplaint(id: $id, agencyIds: $a) { id } }`,
      { id, a: ['dinas-kulon-progo', 'kementerian-x'] },
      officer,
    );
    const followUp = (await clocksOf(id)).filter((c) => c.kind === 'AGENCY_FIRST_FOLLOW_UP');
    const due = Object.fromEntries(followUp.map((c) => [c.agency!.id, c.dueAt]));
    // Five working days after Monday 11 May (14 and 15 May are off nationally): Wednesday 20 May; with
    // 13 May off in DI Yogyakarta too, Thursday 21 May.
    expect(due['kementerian-x']).toBe('2026-05-20T16:59:59.999Z');
    expect(due['dinas-kulon-progo']).toBe('2026-05-21T16:59:59.999Z');
  });
});
