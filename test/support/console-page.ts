/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Driving the console in Chromium: open a page, sign in by pasting a token, wait for text (a timeout
 * says what the page showed), click a button by its label, and run axe-core on the page as it stands.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { CONSOLE_DIST } from '../../gateway/console';

// Generous: CI machines are shared, and a live refresh re-reads every figure of the page.
// Polling by interval: requestAnimationFrame, the default, does not run in a page in the background.
export const WAIT = { timeout: 60_000, polling: 250 };

const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** `npm test` builds the console first; a lone run of a browser test file builds it when absent. */
export function ensureConsoleBuilt(): void {
  if (existsSync(path.join(CONSOLE_DIST, 'index.html'))) return;
  execFileSync('npx', ['vite', 'build', '--config', 'console/vite.config.mts'], {
    cwd: path.resolve(__dirname, '..', '..'),
    stdio: 'inherit',
  });
}

export async function openConsole(browser: Browser, base: string, hash: string): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (err) => console.error(`page error on ${hash}: ${(err as Error).message}`));
  await page.goto(`${base}/console/${hash}`, { waitUntil: 'domcontentloaded' });
  return page;
}

export async function signIn(page: Page, token: string): Promise<void> {
  await page.waitForSelector('#token', WAIT);
  await page.type('#token', token);
  await page.click('form button[type=submit]');
  await page.waitForSelector('[data-testid=who]', WAIT);
}

export interface AxeResult {
  readonly page: string;
  readonly violations: string[];
}

/** axe-core on the page as it stands: its serious and critical violations. */
export async function axe(page: Page, name: string): Promise<AxeResult> {
  // Through the DevTools protocol, which the page's CSP (script-src 'self') does not govern.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const w = window as unknown as {
      axe: {
        run: (
          ctx: Document,
          o: object,
        ) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }>;
      };
    };
    const result = await w.axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  return { page: name, violations };
}

export const text = (page: Page, selector: string) =>
  page.$eval(selector, (el) => (el as HTMLElement).innerText);

/** Waits until the element's text matches; on a timeout the error carries what the page showed. */
export async function waitForText(page: Page, selector: string, expected: RegExp): Promise<string> {
  try {
    await page.waitForFunction(
      (sel, source) => {
        const el = document.querySelector(sel) as HTMLElement | null;
        return !!el && new RegExp(source).test(el.innerText);
      },
      WAIT,
      selector,
      expected.source,
    );
  } catch (err) {
    const shown = await page.evaluate(() => document.body.innerText).catch(() => '(page gone)');
    throw new Error(
      `${(err as Error).message}: waiting for ${expected} in ${selector}; the page shows:\n${shown.slice(0, 2000)}`,
    );
  }
  return text(page, selector);
}

export async function clickButton(page: Page, label: RegExp): Promise<void> {
  await page.waitForFunction(
    (source) =>
      [...document.querySelectorAll('button')].some(
        (b) => new RegExp(source).test(b.innerText) && !(b as HTMLButtonElement).disabled,
      ),
    WAIT,
    label.source,
  );
  await page.evaluate((source) => {
    const button = [...document.querySelectorAll('button')].find(
      (b) => new RegExp(source).test(b.innerText) && !(b as HTMLButtonElement).disabled,
    ) as HTMLButtonElement;
    button.click();
  }, label.source);
}

/** Chooses an option of a React-controlled select (setting .value alone does not reach React). */
export async function choose(page: Page, selector: string, value: string): Promise<void> {
  await page.waitForFunction(
    (sel, v) => !!document.querySelector(`${sel} option[value="${v}"]`),
    WAIT,
    selector,
    value,
  );
  await page.evaluate(
    (sel, v) => {
      const select = [...document.querySelectorAll(sel)].find((s) =>
        s.querySelector(`option[value="${v}"]`),
      ) as HTMLSelectElement;
      const setter = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value')!.set!;
      setter.call(select, v);
      select.dispatchEvent(new Event('change', { bubbles: true }));
    },
    selector,
    value,
  );
}
