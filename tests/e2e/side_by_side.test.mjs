// Both binaries' pages open in one Chromium profile at the same time. Cookies ignore ports, so
// with one cookie name the page opened second overwrote the first one's session and the
// exporter's download link answered 401 (issue 15). Each server now names its cookie after the
// binary and port, and both pages drop ?token= from the address bar.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, startBinary, stopAll, test } from './lib/harness.mjs';

after(stopAll);

// GET path on the page's own server with the browser's cookies only (no X-Auth-Token header).
function statusWithCookieOnly(page, path) {
  return page.evaluate(async (p) => (await fetch(p, { credentials: 'same-origin' })).status, path);
}

test('vmexporter and vmimport pages work side by side in one browser', async () => {
  const exporter = await startBinary('vmexporter');
  const importer = await startBinary('vmimport');
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ viewport: { width: 1366, height: 800 } });
    const errors = [];
    const exporterPage = await context.newPage();
    exporterPage.on('pageerror', (e) => errors.push(String(e)));
    await exporterPage.goto(exporter.url);
    await exporterPage.waitForFunction(() => document.getElementById('version').textContent.length > 0);

    const importerPage = await context.newPage();
    importerPage.on('pageerror', (e) => errors.push(String(e)));
    await importerPage.goto(importer.url);
    await importerPage.waitForFunction(() => document.getElementById('version').textContent.length > 0);

    const cookies = (await context.cookies()).map((c) => c.name).sort();
    const exporterPort = new URL(exporter.base).port;
    const importerPort = new URL(importer.base).port;
    assert.deepEqual(cookies, [`vmx_exporter_${exporterPort}`, `vmx_import_${importerPort}`].sort());

    // Plain links (the bundle download) authenticate with the cookie alone: the exporter's must
    // still work after the importer was opened, and the other way round.
    assert.equal(await statusWithCookieOnly(exporterPage, '/api/config'), 200);
    assert.equal(await statusWithCookieOnly(importerPage, '/api/config'), 200);
    assert.equal(await statusWithCookieOnly(exporterPage, '/api/download?path=none.zip'), 404);

    // The session token is not left in the address bar (history, screen shares, bookmarks).
    assert.ok(!exporterPage.url().includes('token='), exporterPage.url());
    assert.ok(!importerPage.url().includes('token='), importerPage.url());

    // A reload keeps working with the token kept for the tab.
    await importerPage.reload();
    const config = await importerPage.evaluate(async () => {
      const { api } = await import('./api.js');
      return api('api/config');
    });
    assert.ok(config.max_upload_bytes > 0);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
