// The exporter wizard in a real browser against a real victoria-metrics (and vmauth): the whole
// flow to a downloaded bundle that we open and check, plus the error paths a user meets (bad URL,
// wrong password, VM stopped mid-export, cancel + resume). Screenshots of every step at 1366 px
// and 390 px land in the harness's screenshotDir (build/e2e-screenshots).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort, importLines, killVictoriaMetrics, launchBrowser, restartVictoriaMetrics, screenshot, startBinary,
  startDelayProxy, startVictoriaMetrics, startVmAuth, stopAll, tempDir, test,
} from './lib/harness.mjs';

const MINUTE = 60_000;
const STEP_MS = 30_000;

// A VictoriaMetrics cluster's own metrics as vmagent would have scraped them: private addresses,
// real-looking job names, pod/namespace labels, and Debian's empty version label.
const TOPOLOGY = [
  { job: 'vmstorage-prod', instances: ['10.0.1.1:8482', '10.0.1.2:8482'],
    metrics: [['vm_rows', { type: 'storage/small' }], ['vm_cache_entries', { type: 'storage/tsid' }], ['vm_app_uptime_seconds', {}]] },
  { job: 'vminsert-prod', instances: ['10.0.2.1:8480'],
    metrics: [['vm_rpc_rows_sent_total', { addr: '10.0.1.1:8400' }], ['vm_app_uptime_seconds', {}]] },
  { job: 'vmselect-prod', instances: ['10.0.3.1:8481'],
    metrics: [['vm_cache_requests_total', { type: 'promql/rollupResult' }], ['vm_app_uptime_seconds', {}]] },
  { job: 'vmagent-k8s', instances: ['vmagent-0.monitoring.svc:8429'],
    metrics: [['vmagent_remotewrite_requests_total', { url: 'http://10.9.9.9:8428/api/v1/write' }], ['vm_app_uptime_seconds', {}]] },
];

// JSON lines for TOPOLOGY with one sample every 30 s in [fromMs, toMs); `copies` multiplies the
// series (label "shard") to make exports longer. Returns {text, timestamps: all sample times}.
function dataset(fromMs, toMs, copies = 1) {
  const lines = [];
  const timestamps = [];
  for (let t = fromMs; t < toMs; t += STEP_MS) timestamps.push(t);
  let seriesCount = 0;
  for (const { job, instances, metrics } of TOPOLOGY) {
    instances.forEach((instance, i) => {
      const base = { job, instance, pod: `${job}-${i}`, namespace: 'monitoring-prod' };
      const all = [...metrics, ['vm_app_version', { version: '', short_version: '' }]];
      for (const [name, labels] of all) {
        for (let c = 0; c < copies; c++) {
          const metric = { __name__: name, ...base, ...labels, ...(copies > 1 ? { shard: String(c) } : {}) };
          lines.push(JSON.stringify({ metric, values: timestamps.map((_, k) => k + c), timestamps }));
          seriesCount += 1;
        }
      }
    });
  }
  return { text: `${lines.join('\n')}\n`, timestamps, seriesCount };
}

// Samples the generator put into [startMs, endMs): what an exact export must contain.
function expectedSamples(data, startMs, endMs) {
  return data.seriesCount * data.timestamps.filter((t) => t >= startMs && t < endMs).length;
}

const now = Date.now();
const dataFrom = Math.floor((now - 50 * MINUTE) / STEP_MS) * STEP_MS;
const dataTo = now - 2 * MINUTE;

let browser;
let vm;
let data;

before(async () => {
  vm = await startVictoriaMetrics();
  data = dataset(dataFrom, dataTo);
  await importLines(vm.url, data.text);
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  await stopAll();
});

async function openWizard(app) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(app.url);
  await page.waitForSelector('#step-heading');
  page.pageErrors = pageErrors;
  return page;
}

// Full-page screenshots at desktop and phone width.
async function shots(page, name) {
  await screenshot(page, `wizard-${name}-1366`);
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, `wizard-${name}-390`);
  // Readable on a phone: nothing makes the page scroll sideways.
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `${name} is ${width}px wide at a 390px viewport`);
  await page.setViewportSize({ width: 1366, height: 900 });
}

async function heading(page) {
  return (await page.locator('#step-heading').textContent()).replace(/^Step \d of 6/, '');
}

async function next(page, expectedTitle) {
  await page.locator('[data-role=next]').click();
  await page.waitForFunction((t) => document.querySelector('#step-heading')?.textContent.endsWith(t), expectedTitle, { timeout: 30000 });
}

// Step 3: fills the connection, tests it and waits for the result ('ok' or 'failed').
async function testConnection(page, { url, auth, username, password }, expect = 'ok') {
  await page.getByLabel('VictoriaMetrics URL').fill(url);
  if (auth) {
    await page.getByLabel(auth, { exact: true }).check();
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
  }
  await page.locator('[data-role=test]').click();
  await page.waitForSelector(`[data-role=validation][data-state=${expect}]`, { timeout: 30000 });
}

// Steps 4-5 with defaults (all jobs, default obfuscation unless `plain`) and an optional batch window.
async function acceptComponentsAndPrivacy(page, batchWindow, { plain = false } = {}) {
  await next(page, 'Components');
  await page.waitForSelector('.components .component', { timeout: 30000 });
  await next(page, 'Privacy & settings');
  await page.waitForSelector('[data-role=preview] li.series', { timeout: 30000 });
  if (batchWindow) await page.getByLabel('Batch window').selectOption({ label: batchWindow });
  if (plain) await page.getByRole('checkbox', { name: 'Obfuscate', exact: true }).uncheck();
  await next(page, 'Export');
}

// Walks to step 6 for the last 3 h of `vmUrl` in 5-minute windows, starts the export and waits
// until at least one window is done. Returns {page, startText, endText} (the exported UTC range).
async function startSlowExport(vmUrl, flags = []) {
  const app = await startBinary('vmexporter', [`-output=${tempDir()}`, ...flags]);
  const page = await openWizard(app);
  await next(page, 'Time range');
  await page.locator('label', { hasText: 'Last 3h' }).click();
  const [startText, endText] = (await page.locator('[data-role=utc-range]').textContent()).split(' – ');
  await next(page, 'Connection');
  await testConnection(page, { url: vmUrl });
  await acceptComponentsAndPrivacy(page, '5m');
  await page.locator('[data-role=start]').click();
  await page.waitForFunction(() => /^[1-9]/.test(document.querySelector('[data-role=windows]')?.textContent || ''), null, { timeout: 60000 });
  return { page, startText, endText };
}

async function exportState(page) {
  return page.locator('[data-role=export]').getAttribute('data-state');
}

// Clicks Resume and waits until the view has left the canceled/failed state it was in.
async function resume(page) {
  await page.locator('[data-role=resume]').click();
  await page.waitForFunction(() => !['canceled', 'failed'].includes(document.querySelector('[data-role=export]')?.dataset.state),
    null, { timeout: 30000 });
}

async function waitExportState(page, states, timeout = 60000) {
  try {
    await page.waitForFunction((s) => s.includes(document.querySelector('[data-role=export]')?.dataset.state),
      states, { timeout });
  } catch (e) {
    throw new Error(`export never reached ${states.join('/')} in ${timeout} ms: ${await exportJobStatus(page)}`, { cause: e });
  }
  return exportState(page);
}

// The job's own status (state, error, completed batches…) from the server, as text for an
// assertion message: what the user saw is not enough to tell why an export ended the way it did.
async function exportJobStatus(page) {
  const shown = await page.locator('[data-role=export]').textContent().catch(() => '');
  const status = await page.evaluate(async () => {
    const id = document.querySelector('[data-role=export]')?.dataset.jobId;
    if (!id) return 'no job id on the page';
    const r = await fetch(`api/export/status?id=${encodeURIComponent(id)}`,
      { headers: { 'X-Auth-Token': sessionStorage.getItem('vmexporter.token') || '' } });
    return `${r.status} ${await r.text()}`;
  }).catch((e) => `status unavailable: ${e}`);
  return `job status ${status}; page shows: ${shown}`;
}

// Waits until the export ends (any final state) and asserts it is `expected`, quoting the job's
// error otherwise.
async function expectExportState(page, expected, timeout = 60000) {
  const state = await waitExportState(page, ['completed', 'failed', 'canceled'], timeout);
  if (state !== expected) assert.fail(`export ${state}, expected ${expected}: ${await exportJobStatus(page)}`);
}

// Saves the auto-started download and returns {path, entries, metrics (lines), metadata}.
async function openBundle(download) {
  const path = join(tempDir(), download.suggestedFilename());
  await download.saveAs(path);
  const listing = execFileSync('unzip', ['-l', path]).toString();
  const py = [
    'import json, sys, zipfile',
    'z = zipfile.ZipFile(sys.argv[1])',
    'assert z.testzip() is None',
    'print(json.dumps({"entries": z.namelist(), "metrics": z.read("metrics.jsonl").decode(), "metadata": json.loads(z.read("metadata.json"))}))',
  ].join('\n');
  const opened = JSON.parse(execFileSync('python3', ['-c', py, path], { maxBuffer: 256 << 20 }).toString());
  const lines = opened.metrics.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return { path, listing, entries: opened.entries, metricsText: opened.metrics, lines, metadata: opened.metadata,
    sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
}

// A series as the preview writes it: name{a="x", b="y"}, labels sorted.
function seriesText(metric) {
  const keys = Object.keys(metric).filter((k) => k !== '__name__').sort();
  return `${metric.__name__ || ''}{${keys.map((k) => `${k}=${JSON.stringify(String(metric[k]))}`).join(', ')}}`;
}

function sampleCount(lines) {
  return lines.reduce((n, l) => n + l.timestamps.length, 0);
}

// Wall-clock "YYYY-MM-DDThh:mm:ss" in Asia/Kolkata (UTC+05:30 all year) for a UTC instant.
function kolkataWallClock(ms) {
  return new Date(ms + 330 * MINUTE).toISOString().slice(0, 19);
}

test('whole flow without auth: custom range in another time zone, pseudonymised labels, bundle downloads and opens', async () => {
  const output = tempDir();
  const app = await startBinary('vmexporter', [`-output=${output}`, `-vm.url=${vm.url}`]);
  const page = await openWizard(app);

  // The token left the address bar but stays with the page for API calls.
  assert.ok(!page.url().includes('token='), `token still in the URL: ${page.url()}`);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('vmexporter.token')), app.token);
  assert.match(await page.locator('#version').textContent(), /\S/);

  // 1 Welcome
  assert.equal(await heading(page), 'Welcome');
  await page.getByText('What is collected').waitFor();
  await shots(page, '1-welcome');
  await next(page, 'Time range');

  // 2 Time range: a custom range typed in Asia/Kolkata; the UTC shown is what gets exported.
  await page.locator('label', { hasText: 'Last 3h' }).click();
  await page.locator('label', { hasText: 'Custom' }).click();
  // ICU may list India's zone under its older canonical name.
  const zoneSelect = page.getByLabel('Time zone');
  const indiaZone = await zoneSelect.evaluate((sel) => [...sel.options].map((o) => o.value).find((v) => v === 'Asia/Kolkata' || v === 'Asia/Calcutta'));
  await zoneSelect.selectOption(indiaZone);
  const startMs = Math.floor((now - 40 * MINUTE) / 1000) * 1000 + 7000; // odd seconds on purpose
  const endMs = Math.floor((now - 10 * MINUTE) / 1000) * 1000 + 3000;
  await page.getByLabel('Start', { exact: true }).fill(kolkataWallClock(startMs));
  await page.getByLabel('End', { exact: true }).fill(kolkataWallClock(endMs));
  const toRfc = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
  await page.waitForFunction((t) => document.querySelector('[data-role=utc-range]')?.textContent === t,
    `${toRfc(startMs)} – ${toRfc(endMs)}`);
  assert.match(await page.locator('.range-summary').textContent(), /UTC\+5:30/);
  await shots(page, '2-time-range');
  await next(page, 'Connection');

  // 3 Connection: prefilled from -vm.url, live hint, staged test result.
  const urlInput = page.getByLabel('VictoriaMetrics URL');
  assert.equal(await urlInput.inputValue(), vm.url);
  await urlInput.fill(`127.0.0.1:${vm.port}/prometheus/api/v1/query?query=up`);
  const hint = page.locator('[data-role=url-hint]');
  await page.waitForFunction(() => /http:\/\/ is assumed/.test(document.querySelector('[data-role=url-hint]').textContent));
  assert.match(await hint.textContent(), /API part .* is ignored/);
  await page.locator('[data-role=test]').click();
  await page.waitForSelector('[data-role=validation][data-state=ok]', { timeout: 30000 });
  for (const stage of ['reachable', 'auth', 'flavour', 'version', 'components']) {
    assert.ok(await page.locator(`.stage[data-stage=${stage}]`).isVisible(), `stage ${stage} shown`);
  }
  assert.equal(await page.locator('.stage[data-stage=reachable]').getAttribute('class'), 'stage ok');
  assert.match(await hint.textContent(), /Confirmed by the server/);
  await shots(page, '3-connection');
  await next(page, 'Components');

  // 4 Components over the whole range: vmstorage with its 2 instances; selection drives totals.
  await page.waitForSelector('.components .component', { timeout: 30000 });
  const storage = page.locator('.component', { hasText: 'vmstorage' }).first();
  assert.match(await storage.locator('.component-head').textContent(), /2 instances/);
  const totals = page.locator('[data-role=totals]');
  assert.match(await totals.textContent(), /4\s*jobs selected/);
  await page.getByRole('button', { name: 'Select none' }).click();
  await page.locator('[data-role=next]').click();
  await page.getByText('Select at least one job to export.').waitFor();
  await page.getByRole('button', { name: 'Select all' }).click();
  assert.match(await totals.textContent(), /4\s*jobs selected/);
  assert.match(await page.locator('[data-role=estimated-size]').textContent(), /≈ \d/);
  await shots(page, '4-components');
  await next(page, 'Privacy & settings');

  // 5 Privacy: labels actually present with example values; pseudonymise pod, drop namespace.
  const podRow = page.locator('table.labels tr[data-label=pod]');
  await podRow.waitFor({ timeout: 30000 });
  assert.match(await podRow.textContent(), /vmstorage-prod-0|vminsert-prod-0|vmselect-prod-0|vmagent-k8s-0/);
  // Identity labels (from /api/labels over the whole selection) are pseudonymised by default, each
  // with a one-line reason; support labels are never offered for pseudonyms.
  const podBox = page.getByRole('checkbox', { name: 'Pseudonymise label pod' });
  assert.ok(await podBox.isChecked(), 'pod is pre-checked');
  assert.match(await podRow.locator('[data-role=reason]').textContent(), /pod names carry deployment and customer names/);
  const nsRow = page.locator('table.labels tr[data-label=namespace]');
  assert.equal(await nsRow.getAttribute('data-treatment'), 'identity');
  assert.ok(await page.getByRole('checkbox', { name: 'Pseudonymise label namespace' }).isChecked(), 'namespace is pre-checked');
  assert.ok(await page.getByRole('checkbox', { name: 'Pseudonymise label type' }).isDisabled(), 'type is for support');
  assert.match(await page.locator('table.labels tr[data-label=type] [data-role=reason]').textContent(), /support needs it/);
  await page.getByRole('checkbox', { name: 'Drop label namespace' }).check();
  assert.ok(!(await page.getByRole('checkbox', { name: 'Pseudonymise label namespace' }).isChecked()), 'a dropped label is not pseudonymised');
  const preview = page.locator('[data-role=preview]');
  await page.waitForFunction(() => {
    const t = document.querySelector('[data-role=preview]').textContent;
    return /pod="pod-\d+"/.test(t) && !t.includes('namespace=') && !document.querySelector('[data-role=preview]').classList.contains('updating');
  }, null, { timeout: 30000 });
  const previewText = await preview.textContent();
  assert.match(previewText, /777\.777\.\d+\.\d+:\d+/);
  assert.ok(!/10\.0\.\d+\.\d+/.test(previewText), `preview leaks an address: ${previewText}`);
  assert.ok(!previewText.includes('vmstorage-prod'), 'preview leaks a job name');
  const previewSeries = await page.locator('[data-role=preview] li.series code').allTextContents();
  assert.ok(previewSeries.length > 0, 'the preview lists series');
  await shots(page, '5-privacy');
  await next(page, 'Export');

  // 6 Export: summary, progress, automatic download, SHA-256.
  await shots(page, '6-export-ready');
  const downloadPromise = page.waitForEvent('download', { timeout: 60000 });
  await page.locator('[data-role=start]').click();
  await expectExportState(page, 'completed');
  const bundle = await openBundle(await downloadPromise);
  await shots(page, '6-export-done');

  assert.match(bundle.listing, /metrics\.jsonl/);
  for (const entry of ['metrics.jsonl', 'metadata.json', 'README.txt']) assert.ok(bundle.entries.includes(entry), `${entry} in bundle`);
  assert.equal(await page.locator('[data-role=sha256]').textContent(), bundle.sha256);
  assert.match(await page.locator('[data-role=archive-size]').textContent(), new RegExp(`${readFileSync(bundle.path).length.toLocaleString('en-US')} bytes`));
  // Exactly the range the user saw: the metadata says so, and every generated sample in it is there once.
  assert.equal(Date.parse(bundle.metadata.time_range.start), startMs);
  assert.equal(Date.parse(bundle.metadata.time_range.end), endMs);
  assert.equal(sampleCount(bundle.lines), expectedSamples(data, startMs, endMs));
  for (const l of bundle.lines) {
    assert.ok(l.timestamps.every((t) => t >= startMs && t < endMs), 'sample outside the range');
    assert.ok(!('namespace' in l.metric), 'dropped label present');
    assert.match(l.metric.pod, /^pod-\d+$/);
  }
  assert.ok(!/10\.0\.\d+\.\d+|10\.9\.9\.9|vmstorage-prod|monitoring\.svc/.test(bundle.metricsText), 'bundle leaks originals');
  // The preview promised these exact pseudonyms: every previewed series is in the bundle as shown.
  const exportedSeries = new Set(bundle.lines.map((l) => seriesText(l.metric)));
  for (const shown of previewSeries) assert.ok(exportedSeries.has(shown), `previewed ${shown} is not in the bundle`);

  // The mapping stays local: offered beside the SHA-256, reached and pressed with the keyboard,
  // it downloads JSON that turns the bundle's pseudonyms back into the real instances and pods.
  const mappingLink = page.locator('[data-role=download-mapping]');
  assert.equal(await mappingLink.textContent(), 'Download mapping (stays on this computer)');
  assert.match(await page.locator('#mapping-help').textContent(), /never send it with the bundle/);
  const mappingPromise = page.waitForEvent('download', { timeout: 30000 });
  await page.locator('[data-role=copy-sha]').focus();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.role), 'download-mapping', 'Tab from Copy reaches the mapping');
  assert.notEqual(await mappingLink.evaluate((el) => getComputedStyle(el).outlineStyle), 'none', 'focus is visible');
  await page.keyboard.press('Enter');
  const mappingDownload = await mappingPromise;
  assert.equal(mappingDownload.suggestedFilename(), bundle.path.split('/').pop().replace(/\.zip$/, '.mapping.json'));
  const mapping = JSON.parse(readFileSync(await mappingDownload.path(), 'utf8'));
  const realInstances = TOPOLOGY.flatMap((t) => t.instances);
  const originalOf = (table, pseudonym) => Object.keys(table || {}).find((k) => table[k] === pseudonym);
  for (const l of bundle.lines) {
    const original = originalOf(mapping.instances, l.metric.instance);
    assert.ok(realInstances.includes(original), `${l.metric.instance} maps back to ${original}`);
    assert.equal(original.split(':')[1], l.metric.instance.split(':')[1], 'the port is kept');
    const owner = TOPOLOGY.find((t) => t.instances.includes(original));
    assert.equal(originalOf(mapping.identity_labels.pod, l.metric.pod), `${owner.job}-${owner.instances.indexOf(original)}`);
  }
  assert.deepEqual(readdirSync(output).filter((f) => f.includes('mapping')), [], 'the mapping was written on the server side');
  assert.deepEqual(page.pageErrors, []);

  // "Start another" returns to step 1 with the connection kept.
  await page.locator('[data-role=start-another]').click();
  assert.equal(await heading(page), 'Welcome');
  await page.context().close();
});

test('basic auth through vmauth: a wrong password is explained at the auth stage, the right one exports', async () => {
  const vmauth = await startVmAuth(vm.url, [{ username: 'support', password: 's3cret' }]);
  const app = await startBinary('vmexporter', [`-output=${tempDir()}`]);
  const page = await openWizard(app);
  await next(page, 'Time range');
  await page.locator('label', { hasText: 'Last 1h' }).click();
  await next(page, 'Connection');

  await testConnection(page, { url: vmauth.url, auth: 'Basic', username: 'support', password: 'wrong' }, 'failed');
  const authStage = page.locator('.stage[data-stage=auth]');
  assert.equal(await authStage.getAttribute('class'), 'stage fail');
  // vmauth 1.79 answers a wrong password with 400 "cannot find the provided auth token": still an
  // auth failure, explained as one.
  assert.match(await authStage.textContent(), /the username or password is wrong/);
  await shots(page, '3-connection-wrong-password');
  // Next does not go on with a failed connection.
  await page.locator('[data-role=next]').click();
  await page.waitForSelector('[data-role=validation][data-state=failed]', { timeout: 30000 });
  assert.equal(await heading(page), 'Connection');

  await page.getByLabel('Password').fill('s3cret');
  assert.equal(await page.locator('[data-role=validation]').getAttribute('data-state'), 'stale');
  await page.locator('[data-role=test]').click();
  await page.waitForSelector('[data-role=validation][data-state=ok]', { timeout: 30000 });
  assert.match(await page.locator('.stage[data-stage=auth]').textContent(), /support/);
  await acceptComponentsAndPrivacy(page, undefined, { plain: true });

  const downloadPromise = page.waitForEvent('download', { timeout: 60000 });
  await page.locator('[data-role=start]').click();
  await expectExportState(page, 'completed');
  const bundle = await openBundle(await downloadPromise);
  assert.ok(bundle.entries.includes('metrics.jsonl'));
  assert.ok(bundle.lines.length > 0, 'bundle has series');
  assert.ok(!bundle.metricsText.includes('s3cret'));
  // Obfuscation was off: the bundle holds the real names and no mapping is offered.
  assert.ok(bundle.metricsText.includes('vmstorage-prod'));
  assert.equal(await page.locator('[data-role=download-mapping]').count(), 0);
  assert.match(await page.locator('[data-role=export]').textContent(), /NOT obfuscated/);
  await shots(page, '6-export-done-not-obfuscated');
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('bad URLs: rejected forms are explained beside the field, an unreachable host at the reachable stage', async () => {
  const app = await startBinary('vmexporter', [`-output=${tempDir()}`]);
  const page = await openWizard(app);
  await next(page, 'Time range');
  await next(page, 'Connection');
  const url = page.getByLabel('VictoriaMetrics URL');

  await url.fill('ftp://example.com/data');
  await page.getByText('Only http:// and https:// are supported').waitFor();
  await url.fill(`http://127.0.0.1:${vm.port}/insert/0/prometheus`);
  await page.getByText('This is a vminsert (write) URL').waitFor();
  await page.locator('[data-role=next]').click();
  assert.equal(await heading(page), 'Connection');

  const closedPort = await freePort();
  await testConnection(page, { url: `http://127.0.0.1:${closedPort}` }, 'failed');
  const reach = page.locator('.stage[data-stage=reachable]');
  assert.equal(await reach.getAttribute('class'), 'stage fail');
  assert.match(await reach.textContent(), new RegExp(String(closedPort)));
  await shots(page, '3-connection-unreachable');
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('cancel and resume: the resumed export holds every sample exactly once', async () => {
  // A slow network in front of VM makes each window take a while, so there is time to cancel.
  const proxy = await startDelayProxy(vm.url, 250, /\/api\/v1\/export/);
  const { page, startText, endText } = await startSlowExport(proxy.url);
  await shots(page, '6-export-running');
  await page.locator('[data-role=cancel]').click();
  await expectExportState(page, 'canceled');
  const [doneAtCancel, total] = (await page.locator('[data-role=windows]').textContent()).split(' / ').map((s) => Number(s.replace(/,/g, '')));
  assert.ok(doneAtCancel < total, `cancel came too late: ${doneAtCancel}/${total}`);
  await shots(page, '6-export-canceled');

  const downloadPromise = page.waitForEvent('download', { timeout: 120000 });
  await resume(page);
  await expectExportState(page, 'completed', 120000);
  const bundle = await openBundle(await downloadPromise);
  assert.equal(sampleCount(bundle.lines), expectedSamples(data, Date.parse(startText), Date.parse(endText)));
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('VM stopped mid-export: the error is shown, and resume after VM is back completes the bundle', async () => {
  const own = await startVictoriaMetrics();
  await importLines(own.url, data.text);
  // A snapshot writes the fresh in-memory parts to disk, so the crash below keeps the data.
  assert.equal((await fetch(`${own.url}/snapshot/create`)).status, 200);
  const proxy = await startDelayProxy(own.url, 250, /\/api\/v1\/export/);
  // By default an export rides out 10 minutes of outage (-retry.maxTime); 20 s make the retries
  // run out within the test, and are long enough to see them on the page.
  const { page, startText, endText } = await startSlowExport(proxy.url, ['-retry.maxTime=20s']);
  await killVictoriaMetrics(own);
  // While it retries, the page says so and why (not a silent, frozen progress bar).
  const retrying = page.locator('[data-role=export] [data-role=retrying]');
  await retrying.waitFor({ timeout: 15000 });
  assert.match(await retrying.textContent(), /keeps trying[\s\S]*retrying window \S+ \.\. \S+ \(attempt \d+/);
  assert.equal(await page.locator('[data-role=export] [data-role=eta]').textContent(), '—');
  await shots(page, '6-export-retrying');
  // Retries with backoff run out, then the job fails with a message the user can act on.
  await expectExportState(page, 'failed', 120000);
  const errorText = await page.locator('[data-role=export] .error-box').textContent();
  // Which window, from where, and that the retries ran out: what the user needs to act on.
  assert.match(errorText, /cannot export window \S+\.\.\S+ from http:\/\/127\.0\.0\.1:\d+/);
  assert.match(errorText, /gave up after \d+ attempts/);
  await shots(page, '6-export-failed');

  await restartVictoriaMetrics(own);
  const downloadPromise = page.waitForEvent('download', { timeout: 120000 });
  await resume(page);
  const final = await waitExportState(page, ['completed', 'failed', 'canceled'], 120000);
  if (final !== 'completed') await shots(page, '6-export-failed-after-resume');
  assert.equal(final, 'completed', await exportJobStatus(page));
  const bundle = await openBundle(await downloadPromise);
  assert.equal(sampleCount(bundle.lines), expectedSamples(data, Date.parse(startText), Date.parse(endText)));
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('keyboard only: focus is visible, presets change with arrow keys, Next works with Enter', async () => {
  const app = await startBinary('vmexporter', [`-output=${tempDir()}`]);
  const page = await openWizard(app);
  // Tab from the top reaches the mode radios and the Next button, each with a visible outline.
  const seen = [];
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab');
    const info = await page.evaluate(() => {
      const el = document.activeElement;
      const style = getComputedStyle(el);
      const label = el.labels && el.labels[0] ? el.labels[0].textContent : el.textContent;
      return { tag: el.tagName, label: (label || '').trim().slice(0, 40), outline: style.outlineStyle, width: style.outlineWidth };
    });
    seen.push(info);
    if (info.label === 'Next') break;
  }
  const nextFocus = seen.find((s) => s.label === 'Next');
  assert.ok(nextFocus, `Next not reachable by Tab: ${JSON.stringify(seen)}`);
  assert.ok(seen.some((s) => s.tag === 'INPUT' && /VictoriaMetrics components/.test(s.label)), 'mode radio reachable');
  for (const s of seen.filter((x) => x.tag !== 'A')) assert.notEqual(s.outline, 'none', `no focus outline on ${s.label}`);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#step-heading').textContent.endsWith('Time range'));

  // The preset radios: focus the checked one, move with arrow keys, the summary follows.
  await page.locator('input[name=preset]:checked').focus();
  const before = await page.locator('.range-summary .pill').textContent();
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction((b) => document.querySelector('.range-summary .pill').textContent !== b, before);
  assert.equal(await page.locator('.range-summary .pill').textContent(), '3h');
  const outline = await page.evaluate(() => getComputedStyle(document.querySelector('input[name=preset]:focus + label')).outlineStyle);
  assert.notEqual(outline, 'none');
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('custom selector mode: only the matching series are exported, and label values render as text, never HTML', async () => {
  const own = await startVictoriaMetrics();
  const evil = '<img src=x onerror="window.__pwned=1">';
  const ts = data.timestamps;
  const evilLines = [
    JSON.stringify({ metric: { __name__: 'app_requests_total', job: 'app', instance: '10.1.1.1:9100', note: evil }, values: ts.map((_, i) => i), timestamps: ts }),
    JSON.stringify({ metric: { __name__: 'app_requests_total', job: 'other', instance: '10.1.1.2:9100' }, values: ts.map((_, i) => i), timestamps: ts }),
  ];
  await importLines(own.url, `${evilLines.join('\n')}\n`);
  const app = await startBinary('vmexporter', [`-output=${tempDir()}`, `-vm.url=${own.url}`]);
  const page = await openWizard(app);

  await page.getByLabel('Custom selector or MetricsQL').check();
  await page.locator('[data-role=next]').click();
  await page.getByText('Enter a series selector').waitFor();
  await page.getByLabel('Series selector or MetricsQL query').fill('{job="app"}');
  await shots(page, '1-welcome-custom');
  await next(page, 'Time range');
  await page.locator('label', { hasText: 'Last 1h' }).click();
  await next(page, 'Connection');
  await page.locator('[data-role=test]').click();
  await page.waitForSelector('[data-role=validation][data-state=ok]', { timeout: 30000 });
  await next(page, 'Components');
  // The query stays editable here, and VictoriaMetrics counted it over the range.
  assert.equal(await page.locator('[data-role=custom-query]').inputValue(), '{job="app"}');
  await page.waitForFunction(() => /valid series selector: 1 series of 1 job/.test(document.querySelector('[data-role=query-check]')?.textContent || ''),
    null, { timeout: 30000 });
  await next(page, 'Privacy & settings');

  // The label table and the preview show the value literally; nothing ran.
  const noteRow = page.locator('table.labels tr[data-label=note]');
  await noteRow.waitFor({ timeout: 30000 });
  assert.ok((await noteRow.textContent()).includes(evil));
  await page.waitForSelector('[data-role=preview] li.series', { timeout: 30000 });
  const previewText = await page.locator('[data-role=preview]').textContent();
  assert.ok(previewText.includes('note='), previewText);
  assert.ok(!previewText.includes('job="other"'));
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.locator('[data-role=preview] img, table.labels img').count(), 0);
  await next(page, 'Export');

  const downloadPromise = page.waitForEvent('download', { timeout: 60000 });
  await page.locator('[data-role=start]').click();
  await expectExportState(page, 'completed');
  const bundle = await openBundle(await downloadPromise);
  assert.equal(bundle.lines.length, 1, 'only the series matching {job="app"}');
  assert.ok(!bundle.metricsText.includes('10.1.1.1'));
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('bearer token through vmauth, and credentials pasted inside the URL, both connect', async () => {
  const bearer = await startVmAuth(vm.url, [{ bearer_token: 'tok-123' }]);
  const basic = await startVmAuth(vm.url, [{ username: 'support', password: 's3cret' }]);
  const app = await startBinary('vmexporter', [`-output=${tempDir()}`]);
  const page = await openWizard(app);
  await next(page, 'Time range');
  await next(page, 'Connection');

  await page.getByLabel('VictoriaMetrics URL').fill(bearer.url);
  await page.getByRole('radio', { name: 'Bearer token' }).check();
  await page.locator('[data-role=test]').click();
  await page.getByText('Enter the token.').waitFor();
  await page.locator('input[type=password]').fill('wrong');
  await page.locator('[data-role=test]').click();
  await page.waitForSelector('[data-role=validation][data-state=failed]', { timeout: 30000 });
  assert.equal(await page.locator('.stage[data-stage=auth]').getAttribute('class'), 'stage fail');
  await page.locator('input[type=password]').fill('tok-123');
  await page.locator('[data-role=test]').click();
  await page.waitForSelector('[data-role=validation][data-state=ok]', { timeout: 30000 });

  // user:pass@host: the hint says where the credentials go; the server moves them to basic auth.
  await page.getByRole('radio', { name: 'None' }).check();
  await page.getByLabel('VictoriaMetrics URL').fill(basic.url.replace('http://', 'http://support:s3cret@'));
  await page.getByText('Credentials in the URL will be moved to basic auth').waitFor();
  await page.locator('[data-role=test]').click();
  await page.waitForSelector('[data-role=validation][data-state=ok]', { timeout: 30000 });
  assert.ok(!(await page.locator('[data-role=validation]').textContent()).includes('s3cret'), 'secret echoed back');
  await next(page, 'Components');
  await page.waitForSelector('.components .component', { timeout: 30000 });
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('time zones: wall-clock times convert to the exact UTC instants, across DST and in skipped hours', async () => {
  const app = await startBinary('vmexporter', [`-output=${tempDir()}`]);
  const page = await openWizard(app);
  const r = await page.evaluate(async () => {
    const t = await import('./time.js');
    const zoneOf = (...names) => names.find((n) => { try { new Intl.DateTimeFormat('en', { timeZone: n }); return true; } catch { return false; } });
    const berlin = zoneOf('Europe/Berlin');
    const ny = zoneOf('America/New_York');
    return {
      winter: t.toRfc3339(t.parseInputValue('2025-01-15T10:20:30', berlin).ms),
      summer: t.toRfc3339(t.parseInputValue('2025-07-15T10:20:30', berlin).ms),
      newYork: t.toRfc3339(t.parseInputValue('2025-11-02T00:30:00', ny).ms),
      utc: t.toRfc3339(t.parseInputValue('2025-03-30T02:30:00', 'UTC').ms),
      skipped: t.parseInputValue('2025-03-30T02:30:00', berlin).error || '',
      roundTrip: t.toInputValue(Date.parse('2025-10-26T00:59:59Z'), berlin),
      shown: t.formatInZone(Date.parse('2025-07-15T08:20:30Z'), berlin),
    };
  });
  assert.equal(r.winter, '2025-01-15T09:20:30Z');
  assert.equal(r.summer, '2025-07-15T08:20:30Z');
  assert.equal(r.newYork, '2025-11-02T04:30:00Z');
  assert.equal(r.utc, '2025-03-30T02:30:00Z');
  assert.match(r.skipped, /does not exist/);
  assert.equal(r.roundTrip, '2025-10-26T02:59:59');
  assert.equal(r.shown, '2025-07-15 10:20:30 UTC+2');
  await page.context().close();
});
