/**
 * What the dashboard's browser specs share: pages in Vietnam's time zone, signing in with the
 * keyboard, choosing a custom period, and polling the page without string evaluation.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const DAY = 86_400_000;
const VN = 7 * 3600_000;

/** A local (+07:00) date, `days` from today. */
export const localDate = (days: number) => new Date(Date.now() + VN + days * DAY).toISOString().slice(0, 10);

/** Polls `probe` until it answers true (no string evaluation in the page: its CSP forbids eval). */
export async function until(probe: () => Promise<boolean>, timeoutMs = 5000, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export class Dashboard {
  private readonly contexts: BrowserContext[] = [];

  constructor(
    private readonly browser: Browser,
    readonly base: string,
  ) {}

  async newPage(viewport = { width: 1280, height: 800 }): Promise<Page> {
    const context = await this.browser.newContext({ viewport, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    this.contexts.push(context);
    return context.newPage();
  }

  /** Keyboard only: the key field has the focus, Enter submits; resolves once the main table shows. */
  async signIn(page: Page, key: string): Promise<void> {
    await page.goto(this.base);
    await page.locator('#key').waitFor();
    await page.keyboard.type(key);
    await page.keyboard.press('Enter');
    await page.locator('table.form-table tbody tr').first().waitFor({ timeout: 10_000 });
  }

  async close(): Promise<void> {
    for (const c of this.contexts) await c.close();
  }
}

/**
 * Chooses the custom period from `first` to `last` (local dates, inclusive) and waits until the
 * main table shows it; answers the period as the API takes it (`to` exclusive).
 */
export async function chooseDays(page: Page, first: string, last: string, dayAfterLast: string): Promise<{ from: string; to: string }> {
  await page.selectOption('#period', 'custom');
  await page.fill('#first', first);
  await page.fill('#last', last);
  await page.click('.filters button[type=submit]');
  const from = `${first}T00:00:00+07:00`;
  const to = `${dayAfterLast}T00:00:00+07:00`;
  await until(async () => (await page.getAttribute('table.form-table', 'data-from')) === new Date(from).toISOString(), 5000, 'the custom period');
  return { from, to };
}
