/**
 * The demo data of `npm start`, as `npm start` writes it: the whole federation runs over a fresh data dir
 * (its correspondence flows live, as in the subgraph processes), then `seedIfEmpty` appends through its
 * own store connection to the same SQLite file. Everything is then read back through the gateway: letters
 * in every state of every kind, complaints in every status, KPIs and evaluation rounds of the seeded
 * quarter. A fixed clock makes the quarter and every date the same on every run.
 */
import 'reflect-metadata';
import { seededQuarter, seedIfEmpty } from '../services/cli/seed';
import type { CorrespondenceRuntime } from '../services/correspondence/subgraph';
import { FixedClock } from '../services/shared/clock';
import { loadConfig } from '../services/shared/config';
import { type Federation, startFederation } from './support/federation';

// Monday 16 November 2026, 10:00 WIB.
const NOW = new Date('2026-11-16T03:00:00.000Z');
const QUARTER = seededQuarter(NOW);

let fed: Federation;
let officer: string;
let seededAt: { seeded: boolean; head: number };

interface LetterView {
  id: string;
  kind: string;
  state: string;
  agencyId: string | null;
  number: string | null;
  relatedLetterId: string | null;
  attachments: { sha256: string; size: number }[];
}

async function ok<T = Record<string, unknown>>(query: string, vars: Record<string, unknown>, token: string) {
  const reply = await fed.gql<T>(query, vars, token);
  expect(reply.errors).toBeUndefined();
  return reply.data;
}

/** Every flow and projection of every subgraph has handled the log as it stands. */
async function settled(): Promise<void> {
  const head = await fed.store.headPosition();
  const correspondence = fed.runtimes.correspondence as CorrespondenceRuntime;
  await correspondence.flows!.runner.waitFor(head);
  const after = await fed.store.headPosition();
  for (const runtime of Object.values(fed.runtimes)) await runtime.projections.waitFor(after, 20_000);
}

beforeAll(async () => {
  // No reminder timer: the only reminders are those the seed's deadlines produced.
  process.env.DUMAS_REMINDER_TICK_MS = '0';
  fed = await startFederation({ clock: new FixedClock(NOW) });
  officer = await fed.token({ role: 'OFFICER' });
  const seeded = await seedIfEmpty(loadConfig({ DUMAS_DATA_DIR: fed.dataDir }), NOW);
  await settled();
  seededAt = { seeded, head: await fed.store.headPosition() };
}, 90_000);

afterAll(async () => {
  delete process.env.DUMAS_REMINDER_TICK_MS;
  await fed?.close();
});

async function allLetters(token: string): Promise<LetterView[]> {
  const out: LetterView[] = [];
  for (let offset = 0; ; offset += 100) {
    const { letters } = await ok<{ letters: LetterView[] }>(
      `query L($offset: Int) { letters(limit: 100, offset: $offset) {
        id kind state agencyId number relatedLetterId attachments { sha256 size } } }`,
      { offset },
      token,
    );
    out.push(...letters);
    if (letters.length < 100) return out;
  }
}

describe('the demo seed', () => {
  it('seeds an empty log once, and a second run leaves the log as it is', async () => {
    expect(seededAt.seeded).toBe(true);
    expect(await seedIfEmpty(loadConfig({ DUMAS_DATA_DIR: fed.dataDir }), NOW)).toBe(false);
    expect(await fed.store.headPosition()).toBe(seededAt.head);
  });

  it('leaves the running flows nothing to do and nothing failed', async () => {
    const correspondence = fed.runtimes.correspondence as CorrespondenceRuntime;
    expect(correspondence.flows!.runner.failures()).toEqual({});
    // The running flows saw every event the seed's own flow handlers had already acted on: none doubled.
    const events = await fed.store.readAll();
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    const forwardings = events.filter((e) => e.type === 'ComplaintForwarded').length;
    const followUps = events.filter(
      (e) => e.type === 'LetterDrafted' && (e.data as { kind: string }).kind === 'FOLLOW_UP_REQUEST',
    ).length;
    expect(followUps).toBe(forwardings);
    // The log reads in time order, as one written live would.
    const times = events.map((e) => String(e.metadata.occurredAt));
    expect(times).toEqual([...times].sort());
  });

  it('has letters of every kind in every state that kind goes through', async () => {
    const letters = await allLetters(officer);
    const seen = new Set(letters.map((l) => `${l.kind}/${l.state}`));
    const outbound = ['DRAFT', 'APPROVED', 'SENT', 'DELIVERED', 'ACKNOWLEDGED', 'REPLIED'];
    const expected = [
      ...outbound.map((s) => `FOLLOW_UP_REQUEST/${s}`),
      ...outbound.map((s) => `REMINDER/${s}`),
      'AGENCY_REPLY/DELIVERED',
      'AGENCY_REPLY/ACKNOWLEDGED',
      ...['DRAFT', 'APPROVED', 'SENT', 'DELIVERED'].map((s) => `COMPLAINANT_NOTICE/${s}`),
    ];
    expect([...seen].sort()).toEqual(expected.sort());

    // Numbers from the gap-free register: every approved outbound letter has one, 1..n in the year.
    const numbered = letters.filter((l) => l.kind !== 'AGENCY_REPLY' && l.state !== 'DRAFT');
    expect(numbered.every((l) => l.number)).toBe(true);
    const sequences = numbered.map((l) => Number(/^B-(\d+)\//.exec(l.number!)?.[1])).sort((a, b) => a - b);
    expect(sequences).toEqual(sequences.map((_, i) => i + 1));

    // Reminders chase a follow-up request; replies answer one of the agency's letters.
    const byId = new Map(letters.map((l) => [l.id, l]));
    for (const l of letters.filter((x) => x.kind === 'REMINDER')) {
      expect(byId.get(l.relatedLetterId!)?.kind).toBe('FOLLOW_UP_REQUEST');
    }
    for (const l of letters.filter((x) => x.kind === 'AGENCY_REPLY')) {
      const answered = byId.get(l.relatedLetterId!);
      expect(answered?.state).toBe('REPLIED');
      expect(answered?.agencyId).toBe(l.agencyId);
    }
  });

  it('keeps reply attachments in the blob store, readable and matching their hash', async () => {
    const letters = await allLetters(officer);
    const withFile = letters.filter((l) => l.kind === 'AGENCY_REPLY' && l.attachments.length > 0);
    expect(withFile.length).toBeGreaterThan(0);
    const { sha256, size } = withFile[0]!.attachments[0]!;
    const { letter } = await ok<{ letter: { attachmentContent: string } }>(
      `query A($id: ID!, $sha: String!) { letter(id: $id) { attachmentContent(sha256: $sha) } }`,
      { id: withFile[0]!.id, sha: sha256 },
      officer,
    );
    const bytes = Buffer.from(letter.attachmentContent, 'base64');
    expect(bytes.length).toBe(size);
    expect(bytes.toString('utf8')).toContain('LAPORAN HASIL TINDAK LANJUT');
  });

  it("shows an agency's focal point only its own agency's letters, never a draft", async () => {
    const bantul = await fed.token({ role: 'AGENCY', agencyId: 'inspektorat-bantul' });
    const letters = await allLetters(bantul);
    expect(letters.length).toBeGreaterThan(0);
    for (const l of letters) {
      expect(l.agencyId).toBe('inspektorat-bantul');
      expect(['DRAFT', 'APPROVED']).not.toContain(l.state);
      expect(l.kind).not.toBe('COMPLAINANT_NOTICE');
    }
  });

  it('has complaints in every status of the lifecycle', async () => {
    const { complaints } = await ok<{ complaints: { edges: { node: { status: string } }[] } }>(
      `{ complaints(first: 100) { edges { node { status } } } }`,
      {},
      officer,
    );
    expect(complaints.edges).toHaveLength(36);
    expect(new Set(complaints.edges.map((e) => e.node.status))).toEqual(
      new Set([
        'RECEIVED',
        'AWAITING_INFORMATION',
        'REJECTED',
        'VERIFIED',
        'FORWARDED',
        'IN_FOLLOW_UP',
        'RESPONDED',
        'RESOLVED',
        'CLOSED',
      ]),
    );
  });

  it("shows each agency's performance over the seeded quarter with received and responded complaints", async () => {
    expect(QUARTER).toEqual({ kind: 'QUARTER', from: '2026-07-01', to: '2026-09-30' });
    const { agencyRanking } = await ok<{
      agencyRanking: {
        agency: { id: string };
        performance: { received: number; forwarded: number; responded: number; remindersSent: number };
      }[];
    }>(
      `query R($period: PeriodInput!) { agencyRanking(period: $period) {
        agency { id } performance { received forwarded responded remindersSent } } }`,
      { period: { year: 2026, quarter: 3 } },
      officer,
    );
    const bantul = agencyRanking.find((r) => r.agency.id === 'inspektorat-bantul')!.performance;
    expect(bantul.received).toBeGreaterThan(0);
    expect(bantul.responded).toBeGreaterThan(0);
    const total = (k: 'received' | 'responded' | 'remindersSent') =>
      agencyRanking.reduce((n, r) => n + r.performance[k], 0);
    expect(total('received')).toBeGreaterThan(total('responded'));
    expect(total('responded')).toBeGreaterThan(0);
    expect(total('remindersSent')).toBeGreaterThan(0);
  });

  it('records an SLA policy change, a finalised berita acara and an open evaluation round', async () => {
    const { slaPolicyVersions } = await ok<{
      slaPolicyVersions: { version: number; effectiveFrom: string }[];
    }>(`{ slaPolicyVersions { version effectiveFrom } }`, {}, officer);
    expect(slaPolicyVersions.map((v) => v.version)).toEqual([0, 1]);
    expect(slaPolicyVersions[1]!.effectiveFrom < '2026-11-16').toBe(true);

    const { evaluations } = await ok<{
      evaluations: {
        agency: { id: string };
        status: string;
        period: { from: string; to: string };
        kpis: { received: number; responded: number };
        signatures: { side: string }[];
      }[];
    }>(
      `{ evaluations { agency { id } status period { from to } kpis { received responded } signatures { side } } }`,
      {},
      officer,
    );
    const byAgency = Object.fromEntries(evaluations.map((e) => [e.agency.id, e]));
    expect(byAgency['inspektorat-bantul']).toMatchObject({
      status: 'FINALISED',
      period: { from: QUARTER.from, to: QUARTER.to },
    });
    expect(byAgency['inspektorat-bantul']!.signatures.map((s) => s.side).sort()).toEqual([
      'AGENCY',
      'KEMENSETNEG',
    ]);
    expect(byAgency['inspektorat-bantul']!.kpis.received).toBeGreaterThan(0);
    expect(byAgency['inspektorat-sleman']?.status).toBe('OPEN');
  });
});
