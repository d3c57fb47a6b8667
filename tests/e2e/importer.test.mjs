// vmimport's page in a real browser against real victoria-metrics processes: export a few series
// from one VM, drop the bundle (a ZIP with one broken line) on the page, read the preflight, run
// the import into a second VM and see the verified result and the line set aside. Screenshots at
// 1366 px and 390 px land in the harness's screenshotDir (build/e2e-screenshots).
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  importLines, launchBrowser, screenshot, startBinary, startVictoriaMetrics, stopAll, tempDir, test, writeTemp,
} from './lib/harness.mjs';

after(stopAll);

const SERIES = 24;
const SAMPLES = 40;

function dataset(endMs) {
  const lines = [];
  for (let s = 0; s < SERIES; s++) {
    const ts = [];
    const vs = [];
    for (let k = 0; k < SAMPLES; k++) {
      ts.push(endMs - (SAMPLES - 1 - k) * 30_000);
      vs.push(s * 100 + k);
    }
    lines.push(JSON.stringify({
      metric: { __name__: `e2e_metric_${s % 3}`, job: 'vmstorage-prod', instance: `10.0.1.${s}:8482`, shard: String(s) },
      values: vs, timestamps: ts,
    }));
  }
  return `${lines.join('\n')}\n`;
}

async function scalar(vmUrl, query, atSeconds) {
  const body = new URLSearchParams({ query, time: String(atSeconds), nocache: '1' });
  const r = await fetch(`${vmUrl}/api/v1/query`, { method: 'POST', body });
  const j = await r.json();
  return j.data.result.length ? Number(j.data.result[0].value[1]) : 0;
}

test('a bundle dropped on the page is imported into VictoriaMetrics and verified', async () => {
  const endMs = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
  const source = await startVictoriaMetrics();
  await importLines(source.url, dataset(endMs));
  const exported = await (await fetch(`${source.url}/api/v1/export`, {
    method: 'POST', body: new URLSearchParams({ 'match[]': '{job="vmstorage-prod"}' }),
  })).text();
  const exportedLines = exported.trim().split('\n');
  assert.equal(exportedLines.length, SERIES);
  // The third line is cut short: it must be reported with its number and set aside.
  exportedLines.splice(2, 0, '{"metric":{"__name__":"e2e_broken","job":"x"},"values":[1],"timestamps":[');
  const jsonl = writeTemp('metrics.jsonl', `${exportedLines.join('\n')}\n`);
  const zip = join(tempDir(), 'vmexport_e2e.zip');
  execFileSync('python3', ['-c', `
import sys, zipfile
z = zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED)
z.write(sys.argv[1], 'metrics.jsonl')
z.writestr('metadata.json', '{"export_id": "e2e-1", "export_date": "2025-01-01T00:00:00Z"}')
z.close()`, jsonl, zip]);

  const target = await startVictoriaMetrics();
  const app = await startBinary('vmimport');
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(app.url);
    await page.waitForFunction(() => document.getElementById('version').textContent.length > 0);
    await page.fill('#url', target.url);
    await page.click('#check-btn');
    await page.locator('#check-result .msg-ok').waitFor({ timeout: 15000 });
    await screenshot(page, 'vmimport-connection-1366');

    await page.setInputFiles('#file-input', zip);
    await page.locator('#preflight dd').first().waitFor({ timeout: 20000 });
    const preflight = await page.locator('#preflight').innerText();
    assert.match(preflight, /Series\s+24\b/);
    assert.match(preflight, new RegExp(`Samples\\s+${(SERIES * SAMPLES).toLocaleString('en-US')}`));
    assert.match(preflight, /e2e-1/);
    assert.match(await page.locator('#preflight-notes').innerText(), /1 malformed line .*line 3/s);
    await screenshot(page, 'vmimport-preflight-1366');

    await page.click('#start-btn');
    await page.locator('#verdict .msg').waitFor({ timeout: 60000 });
    const verdict = await page.locator('#verdict').innerText();
    assert.match(verdict, /Verified: the target holds all 24 series and 960 samples/);
    assert.match(await page.locator('#rejects').innerText(), /line 3: /);
    assert.match(await page.locator('#progress-facts').innerText(), /completed/);
    // The job is done: Start stays off, so a second click cannot send the bundle again.
    assert.equal(await page.locator('#start-btn').isDisabled(), true);
    assert.match(await page.locator('#start-result').innerText(), /drop it again/);
    await screenshot(page, 'vmimport-verified-1366');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'vmimport-verified-390');

    // What the page said is what the target holds.
    assert.equal(await scalar(target.url, 'count(last_over_time({job="vmstorage-prod"}[1h]))', endMs / 1000), SERIES);
    assert.equal(await scalar(target.url, 'sum(count_over_time({job="vmstorage-prod"}[1h]))', endMs / 1000), SERIES * SAMPLES);

    // "Open overview" points the overview at the target just imported into.
    const href = await page.locator('#overview-link').getAttribute('href');
    assert.match(href, /^overview\.html\?.*job=/);
    const overview = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    overview.on('pageerror', (e) => errors.push(String(e)));
    await overview.goto(new URL(href, app.url).toString());
    await overview.waitForSelector('body[data-overview="ready"]', { timeout: 60000 });
    assert.match(await overview.locator('#metadata').innerText(), /Export ID\s+e2e-1/);
    await overview.fill('#query-input', 'count({job="vmstorage-prod"})');
    await overview.click('#query-run');
    await overview.waitForSelector('#query-card[data-series]', { state: 'attached', timeout: 60000 });
    assert.match(await overview.locator('#query-result-table').innerText(), /24/);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('the connection check explains a wrong URL, and a .jsonl dropped on the page imports', async () => {
  const target = await startVictoriaMetrics();
  const app = await startBinary('vmimport');
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(app.url);
    await page.fill('#url', `${target.url}/bogus-prefix`);
    await page.click('#check-btn');
    await page.locator('#check-result .msg-error').waitFor({ timeout: 15000 });
    assert.match(await page.locator('#check-result').innerText(), /cannot write to/);
    await screenshot(page, 'vmimport-check-error-390');

    await page.fill('#url', target.url);
    const endMs = Math.floor(Date.now() / 1000) * 1000 - 600_000;
    const text = dataset(endMs);
    // A real drop event, as a user dragging a file from their desktop makes.
    await page.evaluate((content) => {
      const dt = new DataTransfer();
      dt.items.add(new File([content], 'replay.jsonl', { type: 'application/jsonl' }));
      document.getElementById('dropzone').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, text);
    await page.locator('#preflight dd').first().waitFor({ timeout: 20000 });
    // A shift into the future is called out with the range the samples would land in.
    await page.selectOption('#time-shift', 'fixed');
    await page.fill('#shift-by', '72h');
    await page.locator('#shift-by').dispatchEvent('change');
    await page.locator('#preflight-notes', { hasText: 'puts samples in the future' }).waitFor({ timeout: 20000 });
    assert.match(await page.locator('#preflight').innerText(), /After the shift\s+\d{4}-\d\d-\d\dT/);
    await page.selectOption('#time-shift', 'none');
    await page.locator('#preflight-notes', { hasText: 'fits the target' }).waitFor({ timeout: 20000 });
    await page.click('#start-btn');
    await page.locator('#verdict .msg').waitFor({ timeout: 60000 });
    assert.match(await page.locator('#verdict').innerText(), /Verified/);
    assert.equal(await page.locator('#start-btn').isDisabled(), true);
    await screenshot(page, 'vmimport-jsonl-verified-390');
  } finally {
    await browser.close();
  }
});
