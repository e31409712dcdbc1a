/// <reference lib="dom" />
/**
 * The console's other pages in Debian's Chromium, beside the complaint's journey (console.browser.test.ts,
 * which jest runs in parallel with this file): the sign-in page, the auditor's monitoring with a chart's
 * table view, a supervisor approving the follow-up letter and an officer sending it, the letter printed
 * as a document and to PDF by the browser's print engine, an officer recording an agency's response, and
 * an evaluation round with its berita acara. axe-core on every page: no serious or critical violation.
 */
import type { Browser, Page } from 'puppeteer-core';
import { launchChromium } from '../support/browser';
import {
  type AxeResult,
  axe as axeOf,
  choose,
  clickButton,
  ensureConsoleBuilt,
  openConsole,
  signIn,
  text,
  WAIT,
  waitForText,
} from '../support/console-page';
import { type Federation, startFederation } from '../support/federation';

jest.setTimeout(180_000);

const BANTUL = 'inspektorat-bantul';
const MONTHS =
  /(Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|November|Desember) \d{4}/;

let fed: Federation;
let browser: Browser;
let base: string;
let tokens: Record<'officer' | 'supervisor' | 'auditor' | 'admin', string>;
let complaintId: string;
let trackingNumber: string;
const accessibility: AxeResult[] = [];

const open = (hash: string): Promise<Page> => openConsole(browser, base, hash);
async function axe(page: Page, name: string): Promise<void> {
  accessibility.push(await axeOf(page, name));
}

async function ok<T>(query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const reply = await fed.gql<T>(query, variables, token);
  expect(reply.errors).toBeUndefined();
  return reply.data;
}

beforeAll(async () => {
  ensureConsoleBuilt();
  fed = await startFederation({ subgraphs: ['complaint', 'correspondence', 'evaluation'] });
  base = fed.gatewayUrl.replace(/\/graphql$/, '');
  tokens = {
    officer: await fed.token({ role: 'OFFICER', sub: 'officer-1' }),
    supervisor: await fed.token({ role: 'SUPERVISOR', sub: 'supervisor-1' }),
    auditor: await fed.token({ role: 'AUDITOR', sub: 'auditor-1' }),
    admin: await fed.token({ role: 'ADMIN', sub: 'admin-1' }),
  };
  await ok(
    `mutation C($input: CreateAgencyInput!) { createAgency(input: $input) { id } }`,
    {
      input: {
        id: BANTUL,
        name: 'Inspektorat Kabupaten Bantul',
        kind: 'REGENCY',
        region: 'DI Yogyakarta',
        regionCode: 'ID-YO',
        contact: { emails: [`${BANTUL}@example.go.id`] },
      },
    },
    tokens.admin,
  );
  // Complaints are forwarded only to an agency in its pilot (or active).
  await ok(
    `mutation A($a: ID!, $input: AppointFocalPointInput!) { appointFocalPoint(agencyId: $a, input: $input) { id } }`,
    { a: BANTUL, input: { userId: `pic-${BANTUL}`, name: 'PIC Bantul', position: 'Inspektur Pembantu' } },
    tokens.admin,
  );
  await ok(`mutation P($id: ID!) { startAgencyPilot(id: $id) { id } }`, { id: BANTUL }, tokens.admin);
  const filed = await ok<{ fileComplaint: { complaint: { id: string; trackingNumber: string } } }>(
    `mutation F($input: FileComplaintInput!) { fileComplaint(input: $input) { complaint { id trackingNumber } } }`,
    {
      input: {
        channel: 'WEB',
        subject: 'Pungutan liar di kantor desa',
        description: 'Biaya surat keterangan.',
      },
    },
  );
  complaintId = filed.fileComplaint.complaint.id;
  trackingNumber = filed.fileComplaint.complaint.trackingNumber;
  await ok(`mutation V($id: ID!) { verifyComplaint(id: $id) { id } }`, { id: complaintId }, tokens.officer);
  await ok(
    `mutation W($id: ID!, $a: [ID!]!) { forwardComplaint(id: $id, agencyIds: $a) { id } }`,
    { id: complaintId, a: [BANTUL] },
    tokens.officer,
  );
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await fed?.close();
});

describe('the console beside the journey', () => {
  it('the sign-in page, then the auditor lands on monitoring and reads a chart as a table', async () => {
    const page = await open('#/monitoring');
    await page.waitForSelector('#token', WAIT);
    await axe(page, 'sign-in');
    await signIn(page, tokens.auditor);
    await waitForText(page, '[data-testid=inflow-total]', /\d/);
    await page.waitForSelector('[data-testid=inflow] svg', WAIT);
    await axe(page, 'monitoring (auditor)');
    await page.click('[data-testid=inflow] button[aria-pressed]');
    await waitForText(page, '[data-testid=inflow] table', /WEB/);
    await axe(page, 'monitoring, inflow as a table');
  });

  it('a supervisor approves the follow-up letter, an officer sends it, and it prints as a document and to PDF', async () => {
    const supervisor = await open(`#/case/${complaintId}`);
    await signIn(supervisor, tokens.supervisor);
    await waitForText(supervisor, '[data-testid=letters]', /FOLLOW_UP_REQUEST/);
    await clickButton(supervisor, /^Setujui$/);
    await waitForText(supervisor, '[data-testid=letters]', /Disetujui/);

    const officer = await open(`#/case/${complaintId}`);
    await signIn(officer, tokens.officer);
    await waitForText(officer, '[data-testid=letters]', /Disetujui[\s\S]*B-\d+\//);
    // Approval is the supervisor's: the officer is offered sending, not approving.
    expect(await officer.$$eval('#main button', (bs) => bs.map((b) => b.textContent))).not.toContain(
      'Setujui',
    );
    await clickButton(officer, /^Kirim$/);
    await waitForText(officer, '[data-testid=letters]', /Dikirim|Terkirim/);
    await axe(officer, 'case with letters (officer)');

    const href = await officer.$eval('[data-testid=letters] a', (a) => (a as HTMLAnchorElement).hash);
    // The same tab: the token lives in the tab's sessionStorage.
    const letter = officer;
    await letter.goto(`${base}/console/${href}`);
    await waitForText(letter, '[data-testid=letter-number]', /^B-\d+\/Kemensetneg\//);
    const document = await text(letter, '.document');
    expect(document).toContain('KEMENTERIAN SEKRETARIAT NEGARA');
    expect(document).toMatch(MONTHS);
    expect(document).toContain('Inspektorat Kabupaten Bantul');
    expect(document).toContain(trackingNumber);
    await axe(letter, 'letter document');
    // "Cetak / PDF" is the browser's print engine: the same page as a PDF.
    const pdf = Buffer.from(await letter.pdf({ format: 'A4' }));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it("an officer records the agency's response that came on paper", async () => {
    const officer = await open(`#/case/${complaintId}`);
    await signIn(officer, tokens.officer);
    await waitForText(officer, 'h1', /Diteruskan|Dalam tindak lanjut/);
    await choose(officer, '#main .actions select', BANTUL);
    await officer.type('#main .actions textarea', 'Pungutan telah dihentikan dan petugas diberi sanksi.');
    await clickButton(officer, /^Catat tanggapan$/);
    await waitForText(officer, 'h1', /Ditanggapi/);
    await waitForText(officer, '[data-testid=forwardings]', /Ditanggapi/);
  });

  it('a supervisor opens an evaluation round; its berita acara prints as a document', async () => {
    const page = await open('#/evaluation');
    await signIn(page, tokens.supervisor);
    await page.waitForSelector('#main h1', WAIT);
    await choose(page, '#main select', BANTUL);
    await clickButton(page, /^Buka putaran evaluasi$/);
    await waitForText(page, '#main', /Inspektorat Kabupaten Bantul[^\n]*Terbuka/);
    await page.waitForSelector('#main .chart svg', WAIT);
    await axe(page, 'evaluation with a round');

    const href = await page.$eval('a[href^="#/berita-acara/"]', (a) => (a as HTMLAnchorElement).hash);
    const evaluationId = decodeURIComponent(href.replace('#/berita-acara/', ''));
    for (const [owner, description] of [
      ['AGENCY', 'Menindaklanjuti pengaduan yang terlambat'],
      ['KEMENSETNEG', 'Memantau tindak lanjut setiap bulan'],
    ]) {
      await ok(
        `mutation A($evaluationId: ID!, $owner: FollowUpActionOwner!, $description: String!) {
          agreeFollowUpAction(evaluationId: $evaluationId, owner: $owner, description: $description, dueDate: "2026-12-31") { id }
        }`,
        { evaluationId, owner, description },
        tokens.supervisor,
      );
    }
    const ba = page;
    await ba.goto(`${base}/console/${href}`);
    await waitForText(ba, 'h1', /BERITA ACARA/);
    const document = await text(ba, '.document');
    expect(document).toContain('KEMENTERIAN SEKRETARIAT NEGARA');
    expect(document).toContain('Inspektorat Kabupaten Bantul');
    // Who carries each follow-up action, by name: never the API's code.
    expect(document).toMatch(/Menindaklanjuti pengaduan yang terlambat — Inspektorat Kabupaten Bantul/);
    expect(document).toMatch(/Memantau tindak lanjut setiap bulan — Kementerian Sekretariat Negara/);
    expect(document).not.toMatch(/KEMENSETNEG|— AGENCY/);
    expect(document).toMatch(MONTHS);
    await axe(ba, 'berita acara');
    const pdf = Buffer.from(await ba.pdf({ format: 'A4' }));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('every page visited has no serious or critical axe violation', () => {
    expect(accessibility.filter((a) => a.violations.length > 0)).toEqual([]);
    expect(accessibility.map((a) => a.page)).toEqual([
      'sign-in',
      'monitoring (auditor)',
      'monitoring, inflow as a table',
      'case with letters (officer)',
      'letter document',
      'evaluation with a round',
      'berita acara',
    ]);
  });
});
