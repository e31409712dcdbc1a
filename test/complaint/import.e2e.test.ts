/**
 * The bulk import over a real SQLite store shared with the running federation: the shipped samples go
 * in, the cases read back through the gateway with their original times, SLA clocks from those times and
 * provenance; a second run adds nothing; a bad row leaves nothing behind.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { main as auditCli } from '../../services/cli/audit';
import { formatReport, parseImportArgs } from '../../services/cli/import';
import { seedAgencies } from '../../services/cli/seed';
import { LAPOR_MAPPING, SHEET_MAPPING } from '../../services/complaint/import/mapping';
import { runImport } from '../../services/complaint/import/run';
import { type Federation, startFederation } from '../support/federation';

let fed: Federation;
let officer: string;
const SAMPLES = path.resolve(__dirname, '..', '..', 'samples');

beforeAll(async () => {
  fed = await startFederation();
  await seedAgencies(fed.store, new Date('2026-01-02T00:00:00Z'));
  officer = await fed.token({ role: 'OFFICER' });
});

afterAll(async () => {
  await fed?.close();
});

const vaultOf = (f: Federation) => f.runtimes.complaint!.vault;

async function importSample(name: string, mapping = LAPOR_MAPPING, dryRun = false) {
  const file = path.join(fed.dataDir, name);
  copyFileSync(path.join(SAMPLES, name), file);
  return runImport({ file, mapping, store: fed.store, vault: vaultOf(fed), dryRun });
}

const BY_REFERENCE = `query C($filter: ComplaintFilterInput) {
  complaints(first: 50, filter: $filter) { edges { node {
    id trackingNumber status channel channelReference receivedAt category region
    agencies { id }
    sla { clocks { kind state startedAt dueAt } }
  } } }
}`;

async function complaintsByReference(): Promise<Map<string, Record<string, unknown>>> {
  await Promise.all(Object.values(fed.runtimes).map((r) => r.catchUp()));
  const reply = await fed.gql(BY_REFERENCE, {}, officer);
  expect(reply.errors).toBeUndefined();
  const map = new Map<string, Record<string, unknown>>();
  for (const e of reply.data.complaints.edges) map.set(e.node.channelReference, e.node);
  return map;
}

describe('given the SP4N-LAPOR! sample export', () => {
  it('a dry run checks every row and writes nothing', async () => {
    const head = await fed.store.headPosition();
    const report = await importSample('lapor-export.csv', LAPOR_MAPPING, true);
    expect(report).toMatchObject({ dryRun: true, read: 6, imported: 5, alreadyPresent: 0, refused: 1 });
    expect(await fed.store.headPosition()).toBe(head);
  });

  it('imports each row as one case with its original times and reports the bad row by line', async () => {
    const report = await importSample('lapor-export.csv');
    expect(report).toMatchObject({ read: 6, imported: 5, alreadyPresent: 0, refused: 1 });
    expect(report.refusals).toEqual([
      {
        line: 7,
        reference: 'LAPOR-CONTOH-0006',
        reason: expect.stringMatching(/Tanggal Laporan.*date-time/),
      },
    ]);
    const csv = readFileSync(report.refusalsFile, 'utf8');
    expect(csv.split('\n')[0]).toBe('line,reference,reason');
    expect(csv).toContain('7,LAPOR-CONTOH-0006,');
    expect(formatReport(report)).toContain('line 7:');

    const cases = await complaintsByReference();
    const closed = cases.get('LAPOR-CONTOH-0001')!;
    expect(closed).toMatchObject({
      status: 'CLOSED',
      channel: 'LAPOR',
      receivedAt: '2026-05-12T01:15:00.000Z', // 08:15 WIB
      category: 'infrastruktur',
      region: 'Kabupaten Bantul',
      agencies: [{ id: 'inspektorat-bantul' }],
    });
    expect(String(closed.trackingNumber)).toMatch(/^DUMAS-2026-\d{6}$/);
    expect(cases.get('LAPOR-CONTOH-0002')).toMatchObject({ status: 'FORWARDED' });
    expect(cases.get('LAPOR-CONTOH-0003')).toMatchObject({ status: 'RECEIVED' });
    expect(cases.get('LAPOR-CONTOH-0004')).toMatchObject({ status: 'REJECTED' });
    // Forwarded in July and never answered: the agency's clock ran out long ago.
    const late = cases.get('LAPOR-CONTOH-0005') as {
      sla: { clocks: { kind: string; state: string; startedAt: string }[] };
    };
    expect(late.sla.clocks).toContainEqual(
      expect.objectContaining({
        kind: 'AGENCY_FIRST_FOLLOW_UP',
        state: 'BREACHED',
        startedAt: '2026-07-16T01:45:00.000Z',
      }),
    );
    // Answered and closed in its own time: the clocks stopped then, not at the import.
    const answered = closed as { sla: { clocks: { kind: string; state: string }[] } };
    expect(answered.sla.clocks.every((c) => c.state !== 'RUNNING')).toBe(true);
  });

  it('keeps original time in occurredAt, recording time in recordedAt, and the provenance on every event', async () => {
    const cases = await complaintsByReference();
    const id = cases.get('LAPOR-CONTOH-0001')!.id as string;
    const events = await fed.store.readStream(`complaint-${id}`);
    expect(events.map((e) => e.type)).toEqual([
      'ComplaintReceived',
      'ComplaintVerified',
      'ComplaintForwarded',
      'AgencyResponseRecorded',
      'ComplaintResolved',
      'ComplaintClosed',
    ]);
    expect(events.map((e) => e.metadata.occurredAt)).toEqual([
      '2026-05-12T01:15:00.000Z',
      '2026-05-13T03:00:00.000Z',
      '2026-05-13T03:00:00.000Z',
      '2026-06-02T07:30:00.000Z',
      '2026-06-05T02:00:00.000Z',
      '2026-06-05T02:00:00.000Z',
    ]);
    for (const e of events) {
      expect(Date.parse(e.recordedAt)).toBeGreaterThan(Date.parse('2026-11-01T00:00:00Z'));
      expect(e.metadata.imported).toMatchObject({ source: 'SP4N-LAPOR! export', line: 2 });
    }
    // The original id is the channel reference, kept sealed only (it can be personal on other channels).
    expect(JSON.stringify(events[0]!.data)).not.toContain('LAPOR-CONTOH-0001');
    expect((events[0]!.data as { imported: unknown }).imported).toMatchObject({
      source: 'SP4N-LAPOR! export',
      originalId: null,
      fileDigest: expect.stringMatching(/^[0-9a-f]{64}$/),
      line: 2,
    });
  });

  it('reads the imported case as of a past instant on either clock, through the gateway and the audit CLI', async () => {
    const cases = await complaintsByReference();
    const closed = cases.get('LAPOR-CONTOH-0001')!;
    const AS_OF = `query A($id: ID!, $at: DateTime!, $basis: TimeBasis) { complaint(id: $id) {
      asOf(at: $at, basis: $basis) { basis status forwardings { agencyId status } clocks { kind } }
    } }`;
    const at = '2026-05-20T00:00:00Z'; // forwarded on 13 May, answered on 2 June
    const occurred = await fed.gql(AS_OF, { id: closed.id, at }, officer);
    expect(occurred.errors).toBeUndefined();
    expect(occurred.data.complaint.asOf).toMatchObject({
      basis: 'OCCURRED',
      status: 'FORWARDED',
      forwardings: [{ agencyId: 'inspektorat-bantul', status: 'FORWARDED' }],
    });
    expect(occurred.data.complaint.asOf.clocks.length).toBeGreaterThan(0);
    // dumas learnt of it only at the import, long after May.
    const recorded = await fed.gql(AS_OF, { id: closed.id, at, basis: 'RECORDED' }, officer);
    expect(recorded.data.complaint.asOf).toMatchObject({ basis: 'RECORDED', status: null, forwardings: [] });

    const out: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      const env = { DUMAS_DATA_DIR: fed.dataDir };
      const tn = String(closed.trackingNumber);
      expect(await auditCli(['as-of', tn, at], env)).toBe(0);
      expect(await auditCli(['as-of', tn, at, '--basis', 'recorded'], env)).toBe(0);
    } finally {
      write.mockRestore();
    }
    const text = out.join('');
    expect(text).toMatch(/as it stood in the world[^\n]*\n\s+status: FORWARDED/);
    expect(text).toMatch(/as recorded then[^\n]*\n\s+not yet received/);
  });

  it('drafts no follow-up letter for a forwarding that happened in the source system', async () => {
    await Promise.all(Object.values(fed.runtimes).map((r) => r.catchUp()));
    const letters = await fed.store.readAll({ filter: { eventTypes: ['LetterDrafted'] } });
    expect(letters).toHaveLength(0);
  });

  it('adds nothing when the same file is imported again', async () => {
    const head = await fed.store.headPosition();
    const report = await importSample('lapor-export.csv');
    expect(report).toMatchObject({ read: 6, imported: 0, alreadyPresent: 5, refused: 1 });
    expect(await fed.store.headPosition()).toBe(head);
  });
});

describe('given the spreadsheet template', () => {
  it('imports letters, e-mails and walk-ins with their channel, and refuses an unknown channel', async () => {
    const report = await importSample('complaints-sheet.csv', SHEET_MAPPING);
    expect(report).toMatchObject({ read: 5, imported: 4, refused: 1 });
    expect(report.refusals[0]).toMatchObject({
      line: 6,
      reason: expect.stringMatching(/channel must be one of/),
    });
    const cases = await complaintsByReference();
    expect(cases.get('SURAT-2026-0101')).toMatchObject({ channel: 'LETTER', status: 'CLOSED' });
    expect(cases.get('SURAT-2026-0102')).toMatchObject({
      status: 'FORWARDED',
      agencies: [{ id: 'inspektorat-sleman' }, { id: 'inspektorat-diy' }],
    });
    expect(cases.get('MAIL-2026-0103')).toMatchObject({
      channel: 'EMAIL',
      receivedAt: '2026-08-19T07:12:00.000Z',
    });
    expect(cases.get('WALKIN-2026-0104')).toMatchObject({ channel: 'WALK_IN', status: 'REJECTED' });
  });
});

describe('given rows that cannot become a whole case', () => {
  it('refuses each with its reason and leaves no partial case or claimed number behind', async () => {
    const file = path.join(fed.dataDir, 'bad.jsonl');
    const ok = {
      reference: 'X-1',
      channel: 'LETTER',
      received_at: '2026-03-01 10:00',
      subject: 'Contoh',
      description: 'Contoh isi',
    };
    writeFileSync(
      file,
      [
        JSON.stringify({
          ...ok,
          reference: 'X-1',
          agencies: 'inspektorat-tidak-ada',
          forwarded_at: '2026-03-02 10:00',
        }),
        JSON.stringify({
          ...ok,
          reference: 'X-2',
          forwarded_at: '2026-02-01 10:00',
          agencies: 'inspektorat-bantul',
        }),
        JSON.stringify({ ...ok, reference: 'X-3', closed_at: '2026-03-05 10:00' }),
        '{not json',
        JSON.stringify({ ...ok, reference: 'X-4', subject: 'x'.repeat(300) }),
        JSON.stringify({ ...ok, reference: 'X-5', received_at: '2099-01-01 10:00' }),
      ].join('\n'),
    );
    const head = await fed.store.headPosition();
    const report = await runImport({ file, mapping: SHEET_MAPPING, store: fed.store, vault: vaultOf(fed) });
    expect(report.imported).toBe(0);
    expect(report.refusals.map((r) => [r.line, r.reason])).toEqual([
      [1, 'an agency is not in the directory (by id or name)'],
      [2, 'forwardedAt is earlier than receivedAt'],
      [3, expect.stringMatching(/closedAt is given but no response/)],
      [4, 'not valid JSON'],
      [5, 'subject must be at most 200 characters'],
      [6, expect.stringMatching(/in the future/)],
    ]);
    expect(await fed.store.headPosition()).toBe(head);
  });
});

describe('the command line', () => {
  it('reads FILE, --format, --mapping and --dry-run, and refuses what it does not know', () => {
    expect(parseImportArgs(['a.csv', '--mapping', 'lapor', '--dry-run'])).toEqual({
      file: 'a.csv',
      mapping: 'lapor',
      dryRun: true,
    });
    expect(parseImportArgs(['a.txt', '--format', 'jsonl'])).toMatchObject({
      format: 'jsonl',
      mapping: 'sheet',
    });
    expect(() => parseImportArgs(['--format', 'xml', 'a'])).toThrow(/--format/);
    expect(() => parseImportArgs([])).toThrow(/FILE/);
  });
});
