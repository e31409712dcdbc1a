/**
 * The evaluation slice end to end through the gateway over real HTTP, at a fixed date: one query returns a
 * complaint's status (complaint subgraph) with its SLA clocks (evaluation); the breach scheduler puts a
 * late agency on the record; performance and ranking per role; a satisfaction rating with the access
 * code; an evaluation round signed by both sides; ADMIN's policy and calendar changes.
 */
import { FixedClock } from '../../services/shared/clock';
import type { EvaluationRuntime } from '../../services/evaluation/subgraph';
import { type Federation, startFederation } from '../support/federation';

const BANTUL = 'inspektorat-bantul';
const SLEMAN = 'inspektorat-sleman';
const DAY = 24 * 60 * 60 * 1000;
// Monday 2 March 2026, 09:00 WIB.
const clock = new FixedClock(new Date('2026-03-02T02:00:00.000Z'));

const CLOCKS = `sla { clocks { kind agency { id } startedAt dueAt stoppedAt state workingDaysElapsed breachRecordedAt } }`;
const COMPLAINT_WITH_CLOCKS = `query C($id: ID!) { complaint(id: $id) { id status ${CLOCKS} } }`;
const PERFORMANCE = `query P($agencyId: ID!, $period: PeriodInput!) {
  agencyPerformance(agencyId: $agencyId, period: $period) {
    agency { id } period { kind from to } received forwarded acknowledged responded respondedWithinSla
    respondedWithinSlaPercent medianWorkingDaysToFirstResponse open overdue ageing { bucket open }
    resolved satisfactionRatings meanSatisfaction
  }
}`;
const RANKING = `query R($period: PeriodInput!) {
  agencyRanking(period: $period) { rank agency { id } performance { responded respondedWithinSlaPercent } }
}`;
const MARCH = { year: 2026, month: 3 };

let fed: Federation;
let officer: string;
let supervisor: string;
let auditor: string;
let admin: string;
let bantul: string;
let sleman: string;
let complaintId: string;
let trackingNumber: string;
let accessCode: string;

interface ClockView {
  kind: string;
  agency: { id: string } | null;
  state: string;
  stoppedAt: string | null;
  dueAt: string | null;
  workingDaysElapsed: number;
  breachRecordedAt: string | null;
}

beforeAll(async () => {
  fed = await startFederation({
    clock,
    subgraphs: ['complaint', 'correspondence', 'evaluation'],
    agencies: ['inspektorat-bantul', 'inspektorat-sleman'],
  });
  officer = await fed.token({ role: 'OFFICER' });
  supervisor = await fed.token({ role: 'SUPERVISOR' });
  auditor = await fed.token({ role: 'AUDITOR' });
  admin = await fed.token({ role: 'ADMIN' });
  bantul = await fed.token({ role: 'AGENCY', agencyId: BANTUL });
  sleman = await fed.token({ role: 'AGENCY', agencyId: SLEMAN });
});

afterAll(async () => {
  await fed?.close();
});

async function ok<T = Record<string, unknown>>(query: string, vars: Record<string, unknown>, token?: string) {
  const reply = await fed.gql<T>(query, vars, token);
  expect(reply.errors).toBeUndefined();
  return reply.data;
}

const complaintMutation = (name: string, args: string, vars: Record<string, unknown>, token: string) =>
  ok(
    `mutation M(${args}) { ${name}(${Object.keys(vars)
      .map((k) => `${k}: $${k}`)
      .join(', ')}) { id status } }`,
    vars,
    token,
  );

const clocksOf = async (token: string): Promise<ClockView[] | null> => {
  const data = await ok<{ complaint: { sla: { clocks: ClockView[] } | null } | null }>(
    COMPLAINT_WITH_CLOCKS,
    { id: complaintId },
    token,
  );
  return data.complaint?.sla?.clocks ?? null;
};

describe('given a complaint forwarded to two agencies', () => {
  beforeAll(async () => {
    const filed = await ok<{
      fileComplaint: { accessCode: string; complaint: { id: string; trackingNumber: string } };
    }>(
      `mutation F($input: FileComplaintInput!) { fileComplaint(input: $input) { accessCode complaint { id trackingNumber } } }`,
      {
        input: {
          channel: 'WEB',
          subject: 'Pungutan liar di kantor desa',
          description: 'Warga dimintai biaya tambahan untuk surat keterangan.',
          region: 'DI Yogyakarta',
        },
      },
      officer,
    );
    complaintId = filed.fileComplaint.complaint.id;
    trackingNumber = filed.fileComplaint.complaint.trackingNumber;
    accessCode = filed.fileComplaint.accessCode;
    clock.advance(DAY); // Tuesday
    await complaintMutation('verifyComplaint', '$id: ID!', { id: complaintId }, officer);
    await complaintMutation(
      'forwardComplaint',
      '$id: ID!, $agencyIds: [ID!]!',
      { id: complaintId, agencyIds: [BANTUL, SLEMAN] },
      officer,
    );
  });

  it('one query returns the status from the complaint subgraph and the clocks from the evaluation', async () => {
    const data = await ok<{ complaint: { status: string; sla: { clocks: ClockView[] } } }>(
      COMPLAINT_WITH_CLOCKS,
      { id: complaintId },
      officer,
    );
    expect(data.complaint.status).toBe('FORWARDED');
    const clocks = data.complaint.sla.clocks;
    const byKind = (kind: string) => clocks.filter((c) => c.kind === kind);
    // Verified and forwarded the next working day: 1 of 3 working days used, met.
    expect(byKind('VERIFICATION')).toEqual([
      expect.objectContaining({ state: 'MET', workingDaysElapsed: 1, agency: null }),
    ]);
    expect(byKind('COMPLETION')).toEqual([expect.objectContaining({ state: 'RUNNING', stoppedAt: null })]);
    expect(
      byKind('AGENCY_FIRST_FOLLOW_UP')
        .map((c) => c.agency?.id)
        .sort(),
    ).toEqual([BANTUL, SLEMAN]);
    expect(
      byKind('WRITTEN_RESPONSE')
        .map((c) => [c.agency?.id, c.state])
        .sort(),
    ).toEqual([
      [BANTUL, 'RUNNING'],
      [SLEMAN, 'RUNNING'],
    ]);
    // Five working days after Tuesday 3 March: Tuesday 10 March, end of day WIB.
    expect(byKind('AGENCY_FIRST_FOLLOW_UP')[0]!.dueAt).toBe('2026-03-10T16:59:59.999Z');
  });

  it('with the correspondence subgraph running, the same query also returns the complaint’s letters', async () => {
    if (!fed.runtimes.correspondence) return; // the correspondence subgraph is not part of this tree yet
    const QUERY = `query C($id: ID!) { complaint(id: $id) { status letters { kind agencyId } ${CLOCKS} } }`;
    type Reply = {
      complaint: {
        status: string;
        letters: { kind: string; agencyId: string }[];
        sla: { clocks: ClockView[] };
      };
    };
    // The follow-up request drafts are written by a process manager shortly after the forwarding.
    let data = await ok<Reply>(QUERY, { id: complaintId }, officer);
    for (let i = 0; i < 100 && data.complaint.letters.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 50));
      data = await ok<Reply>(QUERY, { id: complaintId }, officer);
    }
    expect(data.complaint.status).toBe('FORWARDED');
    expect(data.complaint.letters.map((l) => [l.kind, l.agencyId]).sort()).toEqual([
      ['FOLLOW_UP_REQUEST', BANTUL],
      ['FOLLOW_UP_REQUEST', SLEMAN],
    ]);
    expect(data.complaint.sla.clocks.length).toBeGreaterThanOrEqual(5);
  });

  it("an agency's focal point sees only its own forwarding's clocks; another agency sees none", async () => {
    const clocks = await clocksOf(bantul);
    expect(clocks!.map((c) => [c.kind, c.agency?.id]).sort()).toEqual([
      ['AGENCY_FIRST_FOLLOW_UP', BANTUL],
      ['WRITTEN_RESPONSE', BANTUL],
    ]);
    const outsider = await fed.token({ role: 'AGENCY', agencyId: 'inspektorat-gunungkidul' });
    const reply = await fed.gql(COMPLAINT_WITH_CLOCKS, { id: complaintId }, outsider);
    expect(reply.data.complaint).toBeNull();
  });

  it('the scheduler records the breach of the agency that did not follow up, once, and the clock shows it', async () => {
    clock.advance(2 * DAY); // Thursday 5 March
    await complaintMutation('acknowledgeComplaint', '$id: ID!', { id: complaintId }, bantul);
    clock.set('2026-03-11T03:00:00.000Z'); // Wednesday 11 March: Sleman's 5 working days ran out yesterday
    const scheduler = (fed.runtimes.evaluation as EvaluationRuntime).scheduler;
    const first = await scheduler.tick();
    expect(first.recorded).toEqual([`${complaintId}/AGENCY_FIRST_FOLLOW_UP/${SLEMAN}/1`]);
    const second = await scheduler.tick();
    expect(second.recorded).toEqual([]);
    const breaches = (await fed.store.readStream(`sla-${complaintId}`)).filter(
      (e) => e.type === 'DeadlineBreached',
    );
    expect(breaches).toHaveLength(1);

    const clocks = (await clocksOf(officer))!;
    const slemanFollowUp = clocks.find(
      (c) => c.kind === 'AGENCY_FIRST_FOLLOW_UP' && c.agency?.id === SLEMAN,
    )!;
    expect(slemanFollowUp.state).toBe('BREACHED');
    expect(slemanFollowUp.breachRecordedAt).toBe('2026-03-11T03:00:00.000Z');
    const bantulFollowUp = clocks.find(
      (c) => c.kind === 'AGENCY_FIRST_FOLLOW_UP' && c.agency?.id === BANTUL,
    )!;
    expect(bantulFollowUp).toMatchObject({ state: 'MET', workingDaysElapsed: 2 });
  });

  it('performance: an agency sees only its own, officers and auditors see every agency', async () => {
    await complaintMutation(
      'recordAgencyResponse',
      '$id: ID!, $response: String!',
      { id: complaintId, response: 'Kepala desa telah ditegur dan biaya dikembalikan.' },
      bantul,
    );
    const own = await ok<{ agencyPerformance: Record<string, unknown> }>(
      PERFORMANCE,
      { agencyId: BANTUL, period: MARCH },
      bantul,
    );
    expect(own.agencyPerformance).toMatchObject({
      agency: { id: BANTUL },
      period: { kind: 'MONTH', from: '2026-03-01', to: '2026-03-31' },
      received: 1,
      forwarded: 1,
      acknowledged: 1,
      responded: 1,
      respondedWithinSla: 1,
      respondedWithinSlaPercent: 100,
      medianWorkingDaysToFirstResponse: 6,
      open: 0,
    });
    const other = await fed.gql(PERFORMANCE, { agencyId: SLEMAN, period: MARCH }, bantul);
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    for (const token of [officer, auditor]) {
      const sl = await ok<{ agencyPerformance: Record<string, unknown> }>(
        PERFORMANCE,
        { agencyId: SLEMAN, period: MARCH },
        token,
      );
      expect(sl.agencyPerformance).toMatchObject({ forwarded: 1, responded: 0, open: 1, overdue: 0 });
      const ranking = await ok<{ agencyRanking: { rank: number; agency: { id: string } }[] }>(
        RANKING,
        { period: MARCH },
        token,
      );
      expect(ranking.agencyRanking.map((r) => [r.rank, r.agency.id])).toEqual([
        [1, BANTUL],
        [2, SLEMAN],
      ]);
    }
    const ownRanking = await ok<{ agencyRanking: { rank: number; agency: { id: string } }[] }>(
      RANKING,
      { period: MARCH },
      sleman,
    );
    expect(ownRanking.agencyRanking.map((r) => [r.rank, r.agency.id])).toEqual([[2, SLEMAN]]);
  });

  it('Agency.performance is reachable from the complaint subgraph’s agency references', async () => {
    const data = await ok<{ complaint: { agencies: { id: string; performance: { forwarded: number } }[] } }>(
      `query Q($id: ID!, $period: PeriodInput!) {
        complaint(id: $id) { agencies { id performance(period: $period) { forwarded responded } } }
      }`,
      { id: complaintId, period: { year: 2026, quarter: 1 } },
      auditor,
    );
    expect(data.complaint.agencies).toEqual([
      { id: BANTUL, performance: { forwarded: 1, responded: 1 } },
      { id: SLEMAN, performance: { forwarded: 1, responded: 0 } },
    ]);
  });

  it('the complainant rates the handling once per resolution with the access code, without a token', async () => {
    const RATE = `mutation Rate($t: String!, $c: String!, $r: Int!, $m: String) {
      rateComplaintHandling(trackingNumber: $t, accessCode: $c, rating: $r, comment: $m) { trackingNumber resolution rating }
    }`;
    const early = await fed.gql(RATE, { t: trackingNumber, c: accessCode, r: 4 });
    expect(early.errors?.[0]?.extensions?.code).toBe('INVALID_TRANSITION');

    clock.advance(DAY);
    await complaintMutation(
      'recordAgencyResponse',
      '$id: ID!, $response: String!',
      { id: complaintId, response: 'Tidak ditemukan pungutan di Sleman.' },
      sleman,
    );
    await complaintMutation(
      'resolveComplaint',
      '$id: ID!, $resolution: String!',
      { id: complaintId, resolution: 'Biaya dikembalikan kepada warga.' },
      supervisor,
    );
    const wrong = await fed.gql(RATE, { t: trackingNumber, c: 'AAAA-BBBB-CCCC', r: 5 });
    expect(wrong.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(wrong.raw).not.toContain(trackingNumber);

    const rated = await ok<{ rateComplaintHandling: Record<string, unknown> }>(RATE, {
      t: trackingNumber.toLowerCase(),
      c: accessCode,
      r: 4,
      m: 'Cepat ditangani.',
    });
    expect(rated.rateComplaintHandling).toEqual({ trackingNumber, resolution: 1, rating: 4 });
    const again = await fed.gql(RATE, { t: trackingNumber, c: accessCode, r: 1 });
    expect(again.errors?.[0]?.extensions?.code).toBe('INVALID_TRANSITION');

    const perf = await ok<{ agencyPerformance: Record<string, unknown> }>(
      PERFORMANCE,
      { agencyId: SLEMAN, period: MARCH },
      officer,
    );
    expect(perf.agencyPerformance).toMatchObject({
      resolved: 1,
      satisfactionRatings: 1,
      meanSatisfaction: 4,
    });
    const stored = await fed.store.readStream(`satisfaction-${complaintId}`);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.metadata.actor).toEqual({ id: 'public', role: 'PUBLIC' });
  });

  it('an evaluation round snapshots the KPIs and is finalised by the officer and the agency’s PIC', async () => {
    const FIELDS = `id status agency { id } period { kind from to } kpis { responded meanSatisfaction }
      findings { text kpi } followUpActions { description owner dueDate } signatures { side signerName } finalisedAt version`;
    const opened = await ok<{
      openEvaluation: { id: string; status: string; kpis: Record<string, unknown> };
    }>(
      `mutation O($a: ID!, $p: PeriodInput!) { openEvaluation(agencyId: $a, period: $p) { ${FIELDS} } }`,
      { a: BANTUL, p: MARCH },
      officer,
    );
    const id = opened.openEvaluation.id;
    expect(opened.openEvaluation).toMatchObject({
      status: 'OPEN',
      kpis: { responded: 1, meanSatisfaction: 4 },
    });

    const denied = await fed.gql(
      `mutation O($a: ID!, $p: PeriodInput!) { openEvaluation(agencyId: $a, period: $p) { id } }`,
      { a: BANTUL, p: MARCH },
      bantul,
    );
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    await ok(
      `mutation F($id: ID!) { recordFinding(evaluationId: $id, text: "Semua tanggapan tepat waktu.", kpi: "respondedWithinSlaPercent") { id } }`,
      { id },
      officer,
    );
    await ok(
      `mutation A($id: ID!) { agreeFollowUpAction(evaluationId: $id, description: "Pelatihan PIC baru", owner: AGENCY, dueDate: "2026-06-30") { id } }`,
      { id },
      officer,
    );
    const SIGN = `mutation S($id: ID!, $n: String!) { signEvaluation(evaluationId: $id, signerName: $n, position: "Pejabat") { ${FIELDS} } }`;
    const outsider = await fed.gql(SIGN, { id, n: 'Orang Sleman' }, sleman);
    expect(outsider.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const hidden = await fed.gql(`query E($id: ID!) { evaluation(id: $id) { id } }`, { id }, sleman);
    expect(hidden.data.evaluation).toBeNull();

    const agencySigned = await ok<{ signEvaluation: { status: string } }>(
      SIGN,
      { id, n: 'PIC Bantul' },
      bantul,
    );
    expect(agencySigned.signEvaluation.status).toBe('SIGNING');
    const final = await ok<{ signEvaluation: Record<string, unknown> }>(
      SIGN,
      { id, n: 'Asdep Dumas' },
      officer,
    );
    expect(final.signEvaluation).toMatchObject({
      status: 'FINALISED',
      signatures: [
        { side: 'AGENCY', signerName: 'PIC Bantul' },
        { side: 'KEMENSETNEG', signerName: 'Asdep Dumas' },
      ],
    });
    const late = await fed.gql(
      `mutation F($id: ID!) { recordFinding(evaluationId: $id, text: "Tambahan") { id } }`,
      { id },
      officer,
    );
    expect(late.errors?.[0]?.extensions?.code).toBe('INVALID_TRANSITION');

    const list = await ok<{ evaluations: { id: string }[] }>(`{ evaluations { id } }`, {}, bantul);
    expect(list.evaluations.map((e) => e.id)).toEqual([id]);
    expect((await ok<{ evaluations: unknown[] }>(`{ evaluations { id } }`, {}, sleman)).evaluations).toEqual(
      [],
    );
  });

  it('evaluation rounds page by cursor, newest first, each agency its own', async () => {
    for (const [agencyId, month] of [
      [BANTUL, 4],
      [SLEMAN, 3],
      [SLEMAN, 4],
    ] as const) {
      await ok(
        `mutation O($a: ID!, $p: PeriodInput!) { openEvaluation(agencyId: $a, period: $p) { id } }`,
        { a: agencyId, p: { year: 2026, month } },
        officer,
      );
    }
    const walk = async (token: string, first: number) => {
      const ids: string[] = [];
      let after: string | null = null;
      for (let pages = 0; pages < 20; pages++) {
        const data: {
          evaluationConnection: {
            edges: { node: { id: string } }[];
            pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
          };
        } = await ok(
          `query W($after: String, $first: Int) { evaluationConnection(first: $first, after: $after) {
             edges { node { id } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`,
          { after, first },
          token,
        );
        const page = data.evaluationConnection;
        expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
        ids.push(...page.edges.map((e) => e.node.id));
        if (!page.pageInfo.hasNextPage) return ids;
        after = page.pageInfo.endCursor;
      }
      throw new Error('the connection did not end');
    };
    const listed = async (token: string) =>
      (await ok<{ evaluations: { id: string }[] }>(`{ evaluations { id } }`, {}, token)).evaluations.map(
        (e) => e.id,
      );
    const everyRound = await listed(officer);
    expect(everyRound).toHaveLength(4);
    expect(await walk(officer, 1)).toEqual(everyRound);
    expect(await walk(officer, 3)).toEqual(everyRound);
    const slemans = await walk(sleman, 1);
    expect(slemans).toEqual(await listed(sleman));
    expect(slemans).toHaveLength(2);

    const bad = await fed.gql(`{ evaluationConnection(after: "bm9wZQ") { edges { cursor } } }`, {}, officer);
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('given an administrator', () => {
  it('changes the SLA policy from a date on; nobody else may', async () => {
    const CHANGE = `mutation C($input: ChangeSlaPolicyInput!) { changeSlaPolicy(input: $input) { version effectiveFrom limits { kind length unit } } }`;
    const input = {
      effectiveFrom: '2026-04-01',
      limits: [{ kind: 'WRITTEN_RESPONSE', length: 10, unit: 'WORKING_DAYS' }],
      reason: 'Percepatan tanggapan',
    };
    const refused = await fed.gql(CHANGE, { input }, officer);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const changed = await ok<{
      changeSlaPolicy: { version: number; limits: { kind: string; length: number }[] }[];
    }>(CHANGE, { input }, admin);
    const latest = changed.changeSlaPolicy[changed.changeSlaPolicy.length - 1]!;
    expect(latest.version).toBe(1);
    expect(latest.limits.find((l) => l.kind === 'WRITTEN_RESPONSE')).toMatchObject({ length: 10 });
    const read = await ok<{ slaPolicyVersions: { version: number }[] }>(
      `{ slaPolicyVersions { version } }`,
      {},
      auditor,
    );
    expect(read.slaPolicyVersions.map((v) => v.version)).toEqual([0, 1]);
    const past = await fed.gql(CHANGE, { input: { ...input, effectiveFrom: '2026-01-01' } }, admin);
    expect(past.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('adds and removes a holiday, and working days follow', async () => {
    const between = `{ workingDaysBetween(from: "2026-05-04", to: "2026-05-08") }`;
    expect((await ok<{ workingDaysBetween: number }>(between, {}, officer)).workingDaysBetween).toBe(4);
    const ADD = `mutation A($input: AddHolidayInput!) { addHoliday(input: $input) { date kind name region } }`;
    const added = await ok<{ addHoliday: Record<string, unknown> }>(
      ADD,
      { input: { date: '2026-05-06', kind: 'NATIONAL_HOLIDAY', name: 'Hari libur pemilihan' } },
      admin,
    );
    expect(added.addHoliday).toEqual({
      date: '2026-05-06',
      kind: 'NATIONAL_HOLIDAY',
      name: 'Hari libur pemilihan',
      region: null,
    });
    const twice = await fed.gql(
      ADD,
      { input: { date: '2026-05-06', kind: 'NATIONAL_HOLIDAY', name: 'Lagi' } },
      admin,
    );
    expect(twice.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect((await ok<{ workingDaysBetween: number }>(between, {}, officer)).workingDaysBetween).toBe(3);
    const listed = await ok<{ holidays: { date: string }[] }>(
      `{ holidays(from: "2026-05-01", to: "2026-05-31") { date } }`,
      {},
      officer,
    );
    expect(listed.holidays.map((h) => h.date)).toContain('2026-05-06');
    await ok(`mutation { removeHoliday(date: "2026-05-06", reason: "Dibatalkan") }`, {}, admin);
    expect((await ok<{ workingDaysBetween: number }>(between, {}, officer)).workingDaysBetween).toBe(4);
    const notAdmin = await fed.gql(
      `mutation { removeHoliday(date: "2026-05-14", reason: "x") }`,
      {},
      officer,
    );
    expect(notAdmin.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
