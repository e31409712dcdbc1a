/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The console in a real headless Chromium (Debian's /usr/bin/chromium) against the whole federation over
 * real HTTP: a citizen files and tracks a complaint on the public pages; an officer sees the inflow count
 * change live on the monitoring page, verifies and forwards; the agency's focal point acknowledges and
 * replies with a PDF attachment; a supervisor resolves and closes; the auditor opens the timeline and
 * moves the time slider; another agency's focal point sees none of it. Every page passes axe-core with
 * no serious or critical violation. GraphiQL runs a subscription.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
import { channelComplaintId } from '../../services/complaint/import/importer';
import { SHEET_MAPPING } from '../../services/complaint/import/mapping';
import { runImport } from '../../services/complaint/import/run';

jest.setTimeout(180_000);

const BANTUL = 'inspektorat-bantul';
const SLEMAN = 'inspektorat-sleman';

let fed: Federation;
let browser: Browser;
let base: string;
let tokens: Record<'officer' | 'supervisor' | 'auditor' | 'bantul' | 'sleman' | 'admin', string>;
const accessibility: AxeResult[] = [];

beforeAll(async () => {
  ensureConsoleBuilt();
  fed = await startFederation({ subgraphs: ['complaint', 'correspondence', 'evaluation'] });
  base = fed.gatewayUrl.replace(/\/graphql$/, '');
  tokens = {
    officer: await fed.token({ role: 'OFFICER', sub: 'officer-1' }),
    supervisor: await fed.token({ role: 'SUPERVISOR', sub: 'supervisor-1' }),
    auditor: await fed.token({ role: 'AUDITOR', sub: 'auditor-1' }),
    admin: await fed.token({ role: 'ADMIN', sub: 'admin-1' }),
    bantul: await fed.token({ role: 'AGENCY', agencyId: BANTUL, sub: `pic-${BANTUL}` }),
    sleman: await fed.token({ role: 'AGENCY', agencyId: SLEMAN, sub: `pic-${SLEMAN}` }),
  };
  for (const [id, name] of [
    [BANTUL, 'Inspektorat Kabupaten Bantul'],
    [SLEMAN, 'Inspektorat Kabupaten Sleman'],
  ]) {
    const created = await fed.gql(
      `mutation C($input: CreateAgencyInput!) { createAgency(input: $input) { id } }`,
      {
        input: {
          id,
          name,
          kind: 'REGENCY',
          region: 'DI Yogyakarta',
          regionCode: 'ID-YO',
          contact: { emails: [`${id}@example.go.id`] },
        },
      },
      tokens.admin,
    );
    expect(created.errors).toBeUndefined();
    const appointed = await fed.gql(
      `mutation A($a: ID!, $input: AppointFocalPointInput!) { appointFocalPoint(agencyId: $a, input: $input) { id } }`,
      { a: id, input: { userId: `pic-${id}`, name: `PIC ${name}`, position: 'Inspektur Pembantu' } },
      tokens.admin,
    );
    expect(appointed.errors).toBeUndefined();
    const joined = await fed.gql(
      `mutation P($id: ID!) { startAgencyPilot(id: $id) { id } }`,
      { id },
      tokens.admin,
    );
    expect(joined.errors).toBeUndefined();
  }
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await fed?.close();
});

const open = (hash: string): Promise<Page> => openConsole(browser, base, hash);

/** axe-core on the page as it stands: serious and critical violations are recorded for the last test. */
async function axe(page: Page, name: string): Promise<void> {
  accessibility.push(await axeOf(page, name));
}

async function status(id: string): Promise<string> {
  const reply = await fed.gql<{ complaint: { status: string } }>(
    `query S($id: ID!) { complaint(id: $id) { status } }`,
    { id },
    tokens.officer,
  );
  return reply.data.complaint.status;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the journey of one complaint through the console', () => {
  let complaintId: string;
  let trackingNumber: string;
  let accessCode: string;

  it('an officer watches the monitoring page while a citizen files on the public page and tracks it', async () => {
    const officer = await open('#/monitoring');
    await signIn(officer, tokens.officer);
    const before = Number(
      (await waitForText(officer, '[data-testid=inflow-total]', /\d/)).replace(/\D/g, ''),
    );
    await waitForText(officer, '.live', /tersambung/);
    await officer.waitForSelector('[data-testid=inflow] svg', WAIT);
    await axe(officer, 'monitoring');

    const citizen = await open('#/public/file');
    await citizen.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true });
    await citizen.waitForSelector('input[name=subject]', WAIT);
    await axe(citizen, 'public file');
    await citizen.type('input[name=subject]', 'Jalan rusak di Kabupaten Bantul');
    await citizen.type(
      'textarea[name=description]',
      'Jalan desa rusak sejak dua tahun dan belum diperbaiki.',
    );
    await citizen.type('input[name=name]', 'Siti Rahayu');
    await citizen.type('input[name=phone]', '081234567890');
    await citizen.click('form button[type=submit]');
    trackingNumber = (await waitForText(citizen, '[data-testid=tracking-number]', /DUMAS-/)).trim();
    accessCode = (await text(citizen, '[data-testid=access-code]')).trim();
    expect(accessCode.length).toBeGreaterThan(4);
    await axe(citizen, 'public receipt');

    // Live: the officer's count goes up without a reload.
    await waitForText(officer, '[data-testid=inflow-total]', new RegExp(`\\b${before + 1}\\b`));

    const track = await open('#/public/track');
    await track.waitForSelector('input[name=trackingNumber]', WAIT);
    await track.type('input[name=trackingNumber]', trackingNumber);
    await track.type('input[name=accessCode]', accessCode);
    await track.click('form button[type=submit]');
    expect(await waitForText(track, '[data-testid=tracked]', /Diterima/)).toContain(trackingNumber);
    await axe(track, 'public track');

    const found = await fed.gql<{ complaintByTrackingNumber: { id: string } }>(
      `query T($t: String!) { complaintByTrackingNumber(trackingNumber: $t) { id } }`,
      { t: trackingNumber },
      tokens.officer,
    );
    complaintId = found.data.complaintByTrackingNumber.id;

    // The officer verifies and forwards from the case page.
    await officer.goto(`${base}/console/#/case/${complaintId}`);
    await waitForText(officer, 'h1', new RegExp(trackingNumber));
    expect(await text(officer, '[data-testid=complainant]')).toContain('Siti Rahayu');
    await axe(officer, 'case (officer)');
    await clickButton(officer, /^Verifikasi$/);
    await waitForText(officer, 'h1', /Terverifikasi/);
    await officer.waitForSelector('#main select', WAIT);
    await choose(officer, '#main select', BANTUL);
    await clickButton(officer, /^Teruskan$/);
    await waitForText(officer, 'h1', /Diteruskan/);
    await waitForText(officer, '[data-testid=forwardings]', /Bantul/);

    await officer.goto(`${base}/console/#/worklist`);
    await waitForText(officer, '[data-testid=worklist]', new RegExp(trackingNumber));
    await axe(officer, 'work list');
    await officer.goto(`${base}/console/#/evaluation`);
    await officer.waitForSelector('h1', WAIT);
    await axe(officer, 'evaluation');
  });

  it('the focal point sees it in the inbox, acknowledges it and replies with a PDF attachment', async () => {
    const pic = await open('#/inbox');
    await signIn(pic, tokens.bantul);
    await waitForText(pic, '[data-testid=worklist]', new RegExp(trackingNumber));
    await axe(pic, 'agency inbox');
    await pic.goto(`${base}/console/#/case/${complaintId}`);
    await waitForText(pic, 'h1', new RegExp(trackingNumber));
    // Identity stays visible to the agency only when neither anonymous nor confidential: it is neither.
    expect(await text(pic, '[data-testid=due-working-days]')).toMatch(/hari kerja/);
    await clickButton(pic, /Terima/);
    await waitForText(pic, 'h1', /Dalam tindak lanjut/);
    await axe(pic, 'case (agency)');

    const dir = mkdtempSync(path.join(os.tmpdir(), 'dumas-reply-'));
    const pdf = path.join(dir, 'laporan-tindak-lanjut.pdf');
    writeFileSync(
      pdf,
      '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
    );
    await pic.type('textarea', 'Jalan telah diperbaiki pada minggu ini.');
    const input = await pic.$('input[type=file]');
    await (input as unknown as { uploadFile: (p: string) => Promise<void> }).uploadFile(pdf);
    await clickButton(pic, /Kirim balasan/);
    await waitForText(pic, '[role=status]', /Berhasil/);
    await until(
      async () => (await status(complaintId)) === 'RESPONDED',
      'the reply to answer the forwarding',
    );
    await pic.reload();
    await waitForText(pic, '[data-testid=letters]', /laporan-tindak-lanjut\.pdf/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a supervisor resolves and closes it; the complainant sees it closed', async () => {
    const supervisor = await open(`#/case/${complaintId}`);
    await signIn(supervisor, tokens.supervisor);
    await waitForText(supervisor, 'h1', /Ditanggapi/);
    const note = await supervisor.$('#main .actions input');
    await note!.type('Jalan telah diperbaiki.');
    await clickButton(supervisor, /^Selesaikan$/);
    await waitForText(supervisor, 'h1', /Selesai ditangani/);
    await clickButton(supervisor, /^Tutup$/);
    await waitForText(supervisor, 'h1', /Ditutup/);

    const track = await open('#/public/track');
    await track.waitForSelector('input[name=trackingNumber]', WAIT);
    await track.type('input[name=trackingNumber]', trackingNumber);
    await track.type('input[name=accessCode]', accessCode);
    await track.click('form button[type=submit]');
    await waitForText(track, '[data-testid=tracked]', /Ditutup/);
    // A closed case asks the complainant to rate its handling.
    await track.waitForSelector('select[name=rating]', WAIT);
    await axe(track, 'public track (closed, rating)');
    await track.select('select[name=rating]', '4');
    await clickButton(track, /^Nilai penanganan$/);
    await waitForText(track, '[role=status]', /Terima kasih/);
  });

  it('the auditor opens the timeline, sees the integrity verified and moves the time slider', async () => {
    const auditor = await open(`#/case/${complaintId}`);
    await signIn(auditor, tokens.auditor);
    await waitForText(auditor, '[data-testid=integrity]', /Rantai hash utuh/);
    expect(await text(auditor, '[data-testid=complainant]')).toMatch(/disamarkan/);
    await waitForText(auditor, '[data-testid=asof]', /Ditutup/);
    await auditor.focus('#asof-slider');
    // The tracking number is claimed in the same append as the filing, so the first instant already
    // shows the complaint RECEIVED.
    await auditor.keyboard.press('Home');
    await waitForText(auditor, '[data-testid=asof]', /Diterima/);
    expect(await text(auditor, '[data-testid=asof]')).not.toMatch(/Ditutup/);
    await auditor.keyboard.press('End');
    await waitForText(auditor, '[data-testid=asof]', /Ditutup/);
    await axe(auditor, 'case timeline (auditor)');
  });

  it('the time slider of an imported case reads when things happened, or when dumas recorded them', async () => {
    // History recorded all at once today, that happened over weeks last year: as imported cases are.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dumas-slider-'));
    const file = path.join(dir, 'old.csv');
    writeFileSync(
      file,
      'reference,channel,received_at,subject,description,agencies,forwarded_at,responded_at,response,closed_at\n' +
        'OLD-1,LETTER,2025-03-02 09:00,Jalan rusak,Jalan desa rusak,Inspektorat Kabupaten Bantul,2025-03-03 10:00,2025-03-20 10:00,Sudah ditambal,2025-03-25 10:00\n',
    );
    const report = await runImport({
      file,
      mapping: SHEET_MAPPING,
      store: fed.store,
      vault: fed.runtimes.complaint!.vault,
    });
    rmSync(dir, { recursive: true, force: true });
    expect(report.imported).toBe(1);
    const imported = channelComplaintId('LETTER', 'OLD-1');
    await until(async () => (await status(imported)) === 'CLOSED', 'the imported case projected');

    const auditor = await open(`#/case/${imported}`);
    await signIn(auditor, tokens.auditor);
    await waitForText(auditor, '[data-testid=asof]', /Ditutup/);
    await auditor.focus('#asof-slider');
    await auditor.keyboard.press('Home');
    await waitForText(auditor, '[data-testid=asof]', /Diterima/);
    expect(await text(auditor, '[data-testid=asof]')).toMatch(/2025/);
    // As dumas knew it: every event of the case was recorded in one append, so it knew it closed at once.
    await choose(auditor, '.slider select', 'RECORDED');
    await waitForText(auditor, '[data-testid=asof]', /Ditutup/);
    expect(await text(auditor, '[data-testid=asof]')).not.toMatch(/2025/);
  });

  it("another agency's focal point sees none of it", async () => {
    const other = await open('#/inbox');
    await signIn(other, tokens.sleman);
    await other.waitForSelector('[data-testid=empty], [data-testid=worklist]', WAIT);
    expect(await other.$('[data-testid=empty]')).not.toBeNull();
    await axe(other, 'agency inbox (empty)');
    await other.goto(`${base}/console/#/case/${complaintId}`);
    await other.waitForSelector('h1', WAIT);
    expect(await text(other, '#main')).not.toContain(trackingNumber);
    expect(await text(other, '#main')).not.toContain('Jalan rusak');
  });

  it('English is one switch away, and every page visited has no serious or critical axe violation', async () => {
    const page = await open('#/public/file');
    await page.waitForSelector('input[name=subject]', WAIT);
    await page.select('header select', 'en');
    await waitForText(page, 'h1', /File a complaint/);
    expect(await page.$eval('html', (el) => el.lang)).toBe('en');
    await axe(page, 'public file (English)');
    const failing = accessibility.filter((a) => a.violations.length > 0);
    expect(failing).toEqual([]);
    expect(accessibility.length).toBeGreaterThanOrEqual(13);
  });
});

describe('GraphiQL', () => {
  it('runs the live case events subscription over SSE and shows an event', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/graphiql`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('.graphiql-tab', WAIT);
    await page.type('#authorization', tokens.officer);
    // The third example tab is the subscription.
    const tabs = await page.$$('.graphiql-tab');
    await tabs[2]!.click();
    // GraphiQL takes the operation name from the tab's editor once it has switched: executing before that
    // sends the previous tab's name, which the gateway rightly refuses as an unknown operation.
    await page.waitForFunction(
      () =>
        /subscription/.test(
          (document.querySelector('.graphiql-query-editor') as HTMLElement | null)?.innerText ?? '',
        ),
      WAIT,
    );
    await new Promise((r) => setTimeout(r, 500));
    await page.click('.graphiql-execute-button');
    await new Promise((r) => setTimeout(r, 1000));
    const filed = await fed.gql(
      `mutation F($input: FileComplaintInput!) { fileComplaint(input: $input) { complaint { id } } }`,
      { input: { channel: 'WEB', subject: 'Dari GraphiQL', description: 'Uji langganan.' } },
    );
    expect(filed.errors).toBeUndefined();
    await page.waitForFunction(
      () =>
        /ComplaintReceived/.test(
          (document.querySelector('.result-window') as HTMLElement | null)?.innerText ?? '',
        ),
      WAIT,
    );
  });
});
