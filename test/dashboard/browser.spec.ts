/** Without Chromium the browser tests fail, saying what to install: they are never skipped. */
import { describe, expect, it } from '@jest/globals';
import { launchChromium } from './browser.js';

describe('the browser for the dashboard tests', () => {
  it('fails with a message naming the package when Chromium is missing', async () => {
    await expect(launchChromium('/nonexistent/chromium')).rejects.toThrow(/Chromium is missing at \/nonexistent\/chromium: install Debian's package \(apt-get install -y chromium/);
  });
});
