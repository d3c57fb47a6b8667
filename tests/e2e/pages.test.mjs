// Each binary serves its embedded page in a real browser, and the page reaches /api/health.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBinary, launchBrowser, screenshot, stopAll } from './lib/harness.mjs';

after(stopAll);

for (const name of ['vmexporter', 'vmimport']) {
  test(`${name} page loads in chromium and shows the version from /api/health`, async () => {
    const app = await startBinary(name);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(app.url);
      assert.equal(await page.title(), name);
      const version = page.locator('#version');
      await version.waitFor();
      await page.waitForFunction(() => document.getElementById('version').textContent.length > 0);
      const health = await (await fetch(`${app.base}/api/health`)).json();
      assert.equal(await version.textContent(), health.version);
      await screenshot(page, `${name}-home-1366`);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
}
