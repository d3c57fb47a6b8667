// Each binary serves its embedded page in a real browser, and the page reaches /api/health.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBinary, launchBrowser, screenshot, stopAll, test } from './lib/harness.mjs';

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

// Exports a killed earlier run left behind are shown on the welcome step with how to continue
// them (or why they cannot be); their text comes from files on disk, so it must stay text.
test('vmexporter welcome step lists unfinished exports of an earlier run', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'vmx-e2e-staged-'));
  // The default staging root is private to the user: <TMPDIR>/vmexporter-<uid> (no XDG_RUNTIME_DIR).
  const root = join(tmp, `vmexporter-${process.getuid()}`);
  const stage = (id, manifest) => {
    mkdirSync(join(root, id), { recursive: true, mode: 0o700 });
    writeFileSync(join(root, id, 'manifest.json'), JSON.stringify(manifest), { mode: 0o600 });
  };
  const windows = [{ start_ms: 0, end_ms: 1, completed: true, samples: 10 }, { start_ms: 1, end_ms: 2, completed: false }];
  const time_range = { start: '2026-01-01T00:00:00Z', end: '2026-01-01T06:00:00Z' };
  stage('aaaa11112222', { created_ms: 1, obfuscated: true, keyed: true, windows, time_range,
    config: { connection: { url: 'http://127.0.0.1:8428' } } });
  stage('bbbb33334444', { created_ms: 2, obfuscated: true, keyed: false, windows, time_range,
    config: { connection: { url: '<img src=x onerror=alert(1)>' } } });
  const app = await startBinary('vmexporter', [], { env: { TMPDIR: tmp, XDG_RUNTIME_DIR: '' } });
  const browser = await launchBrowser();
  try {
    for (const width of [1366, 390]) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      await page.goto(app.url);
      const box = page.locator('[data-role="staged-exports"]');
      await box.waitFor();
      const text = await box.innerText();
      assert.match(text, /Unfinished exports from an earlier run/i);
      assert.match(text, /aaaa11112222 · 2026-01-01T00:00:00Z – 2026-01-01T06:00:00Z · 1 of 2 windows done/);
      assert.ok(text.includes(`vmexporter export -resume=aaaa11112222 -staging-dir=${root}`), text);
      assert.match(text, /same credentials and obfuscation key/);
      assert.match(text, /bbbb33334444[\s\S]*Cannot be resumed: pseudonyms were random \(no obfuscation key\)/);
      assert.equal(await page.locator('[data-role="staged-exports"] img').count(), 0);
      await screenshot(page, `wizard-1-welcome-unfinished-${width}`);
      await page.close();
    }
  } finally {
    await browser.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});
