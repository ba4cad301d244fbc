/**
 * The browser for the dashboard's end-to-end tests: Debian's Chromium (never a downloaded one),
 * driven by playwright-core. A missing Chromium fails the tests with a message saying what to
 * install: they are never skipped (.ci/run installs it).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { dashboardDir } from '../../src/dashboard/dashboard.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The flags this machine needs (a closed network: no background connections, no QUIC, no sync). */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchChromium(executablePath = CHROMIUM): Promise<Browser> {
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium is missing at ${executablePath}: install Debian's package (apt-get install -y chromium, as .ci/run does) or set CHROMIUM_PATH`);
  }
  if (!existsSync(join(dashboardDir(), 'index.html'))) {
    throw new Error(`the dashboard is not built (${dashboardDir()}): run \`npm run build:web\` (npm test and npm run build do)`);
  }
  // headless: Playwright passes --headless and a new empty profile directory of its own (--user-data-dir).
  return chromium.launch({ executablePath, headless: true, args: FLAGS, timeout: 30_000 });
}
