// What the wizard does with work it did not start and input it cannot use: exports an earlier
// vmexporter left unfinished are resumed (credentials and obfuscation key typed again) or
// discarded from the welcome step, and a broken selector is refused on the step where it is typed
// (its brackets on step 1, VictoriaMetrics' verdict on step 4), never at the export.
// Real chromium against real victoria-metrics processes; a delaying proxy makes exports slow
// enough to kill mid-way.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  binDir, importLines, launchBrowser, screenshot, startBinary, startDelayProxy, startVictoriaMetrics, stopAll, tempDir, test,
} from './lib/harness.mjs';
import { connect, importTwoJobs, next, openWizardPage, waitTitle } from './lib/wizard.mjs';

let browser;
let vm;

before(async () => {
  vm = await startVictoriaMetrics();
  await importTwoJobs(vm.url);
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  await stopAll();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, fn, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

// Runs `vmexporter export` with a key against `url` and kills it (SIGKILL, as a crash) once the
// staging holds `windows` finished windows; resolves with the staged entry.
async function killedExport(app, url, tmp, key, windows = 2) {
  const known = new Set((await (await app.api('api/export/staged')).json()).staged.map((e) => e.job_id));
  const start = new Date(Date.now() - 3 * 3600_000).toISOString();
  const cli = spawn(join(binDir, 'vmexporter'), ['export', `-url=${url}`, `-start=${start}`, `-end=${new Date().toISOString()}`,
    '-batch-window=5m', `-obfuscation-key=${key}`, `-output=${tempDir()}`], { stdio: 'ignore', env: { ...process.env, TMPDIR: tmp } });
  let running;
  try {
    running = await until(`${windows} staged windows`, async () => {
      const { staged } = await (await app.api('api/export/staged')).json();
      return staged.find((e) => !known.has(e.job_id) && e.completed_batches >= windows);
    });
  } finally {
    cli.kill('SIGKILL');
    await new Promise((r) => (cli.exitCode !== null || cli.signalCode ? r() : cli.once('exit', r)));
  }
  // While the CLI ran, its staging was in use: neither resumable nor discardable from elsewhere.
  assert.ok(running.in_use && !running.resumable, JSON.stringify(running));
  const { staged } = await (await app.api('api/export/staged')).json();
  const left = staged.find((e) => e.job_id === running.job_id);
  assert.ok(left && !left.in_use, `a killed process holds no lock: ${JSON.stringify(left)}`);
  return left;
}

test('unfinished exports of a killed earlier run: Resume with the key completes the bundle, Discard removes one', async () => {
  const slow = await startDelayProxy(vm.url, 300, /api\/v1\/export/);
  const tmp = tempDir();
  const app = await startBinary('vmexporter', [`-output=${tempDir()}`], { env: { TMPDIR: tmp } });
  const resumed = await killedExport(app, slow.url, tmp, 'ticket-4711');
  const dropped = await killedExport(app, slow.url, tmp, 'ticket-4712');
  assert.ok(resumed.resumable && resumed.keyed, JSON.stringify(resumed));
  assert.ok(resumed.completed_batches < resumed.total_batches, JSON.stringify(resumed));

  const page = await openWizardPage(browser, app);
  const item = (id) => page.locator(`[data-role="staged-exports"] li[data-job-id="${id}"]`);
  await item(resumed.job_id).waitFor({ timeout: 15000 });
  assert.equal(await item(dropped.job_id).count(), 1);
  await screenshot(page, 'wizard-staged-list-1366');

  // Discard asks once more, then the staged windows are gone (from the page and the disk).
  const discard = item(dropped.job_id).locator('[data-role=discard]');
  await discard.click();
  assert.match(await discard.textContent(), /Delete \d+ finished windows/);
  assert.equal(await item(dropped.job_id).count(), 1, 'one click deletes nothing');
  await discard.click();
  await item(dropped.job_id).waitFor({ state: 'detached', timeout: 10000 });
  const left = (await (await app.api('api/export/staged')).json()).staged.map((e) => e.job_id);
  assert.deepEqual(left, [resumed.job_id]);

  // Resume: a wrong key is refused with the reason, the right one continues the export. The
  // staging of an obfuscated export keeps no URL, so it is typed again (checked against the start's).
  assert.equal(resumed.url, '', JSON.stringify(resumed));
  await item(resumed.job_id).locator('[data-role=resume-open]').click();
  await item(resumed.job_id).getByLabel('VictoriaMetrics URL').fill(slow.url);
  const keyInput = item(resumed.job_id).getByLabel('Obfuscation key');
  await keyInput.fill('ticket-0000');
  await item(resumed.job_id).locator('[data-role=resume]').click();
  const error = item(resumed.job_id).locator('.error-box:not([hidden])');
  await error.waitFor({ timeout: 10000 });
  assert.match(await error.textContent(), /obfuscation key does not match/);
  await screenshot(page, 'wizard-staged-wrong-key-1366');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'wizard-staged-wrong-key-390');
  await page.setViewportSize({ width: 1366, height: 900 });
  await keyInput.fill('ticket-4711');
  await item(resumed.job_id).locator('[data-role=resume]').click();
  await page.waitForSelector(`[data-role=export][data-job-id="${resumed.job_id}"]`, { timeout: 15000 });
  await page.waitForSelector('[data-role=export][data-state=completed]', { timeout: 120000 });
  await screenshot(page, 'wizard-staged-resumed-1366');

  // The bundle holds every sample exactly once: the finished windows of the killed run plus the rest.
  const href = await page.locator('[data-role=download]').getAttribute('href');
  const bytes = await page.evaluate(async (u) => Array.from(new Uint8Array(await (await fetch(u)).arrayBuffer())), href);
  const zip = join(tempDir(), 'resumed.zip');
  writeFileSync(zip, Buffer.from(bytes));
  const lines = execFileSync('unzip', ['-p', zip, 'metrics.jsonl']).toString().trim().split('\n').map((l) => JSON.parse(l));
  const samples = lines.reduce((n, l) => n + l.values.length, 0);
  const timestamps = lines.flatMap((l) => l.timestamps.map((ts) => `${JSON.stringify(l.metric)}@${ts}`));
  assert.equal(samples, 6, `2 series of 3 samples: ${JSON.stringify(lines)}`);
  assert.equal(new Set(timestamps).size, 6, 'no sample twice');
  assert.doesNotMatch(JSON.stringify(lines), /10\.0\.1\.1|vmstorage-prod/);
  assert.deepEqual((await (await app.api('api/export/staged')).json()).staged, []);
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

async function customQuery(page, query) {
  await page.locator('label', { hasText: 'Custom selector or MetricsQL' }).click();
  await page.getByLabel('Series selector or MetricsQL query').fill(query);
}

test('a broken selector is refused where it is typed: brackets on step 1, VictoriaMetrics\' verdict on step 4', async () => {
  const page = await openWizardPage(browser, await startBinary('vmexporter', [`-output=${tempDir()}`]));

  await customQuery(page, '{job="vmstorage-prod"');
  await page.locator('[data-role=next]').click();
  const stepOneError = page.locator('.field-error:not([hidden])');
  await stepOneError.waitFor({ timeout: 10000 });
  assert.match(await stepOneError.textContent(), /"\{" at character 1 is never closed/);
  await waitTitle(page, 'Welcome');
  await screenshot(page, 'wizard-selector-step1-1366');

  // Balanced, but not MetricsQL: VictoriaMetrics refuses it on step 4, and Next stays there.
  await page.getByLabel('Series selector or MetricsQL query').fill('{job=="vmstorage-prod"}');
  await next(page, 'Time range');
  await next(page, 'Connection');
  await connect(page, vm.url);
  await next(page, 'Components');
  const refusal = page.locator('[data-role=discovery] .error-box:not([hidden])');
  await refusal.waitFor({ timeout: 15000 });
  const refusalText = await refusal.textContent();
  assert.match(refusalText, /unexpected token/, refusalText);  // VictoriaMetrics' own words
  assert.doesNotMatch(refusalText, /errorType/, 'VictoriaMetrics\' error text, not its JSON wrapper');
  await page.locator('[data-role=next]').click();
  await sleep(500);
  await waitTitle(page, 'Components');
  await screenshot(page, 'wizard-selector-step4-refused-1366');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'wizard-selector-step4-refused-390');
  await page.setViewportSize({ width: 1366, height: 900 });

  // Mended on the same step: VictoriaMetrics counts the matching series, and Next goes on.
  await page.locator('[data-role=custom-query]').fill('{job="vmstorage-prod"}');
  await page.waitForFunction(() => /valid series selector: 1 series of 1 job in this time range \(vmstorage-prod\)/.test(document.querySelector('[data-role=query-check]')?.textContent || ''),
    null, { timeout: 15000 });
  assert.equal(await refusal.isHidden(), true);
  await next(page, 'Privacy & settings');
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('mixed versions: every version a component ran is shown with its instances, and an unreported one says so', async () => {
  const mixed = await startVictoriaMetrics();
  const t = Date.now() - 10 * 60_000;
  const line = (metric) => JSON.stringify({ metric, values: [1, 1, 1], timestamps: [t, t + 30_000, t + 60_000] });
  const storage = (instance, v) => line({ __name__: 'vm_app_version', job: 'vmstorage-prod', instance,
    version: `vmstorage-20240101-000000-tags-${v}-cluster-0-g0000000`, short_version: v });
  await importLines(mixed.url, [
    storage('10.0.1.1:8482', 'v1.97.0'), storage('10.0.1.2:8482', 'v1.97.0'), storage('10.0.1.3:8482', 'v1.97.1'),
    line({ __name__: 'vm_app_version', job: 'victoria-metrics', instance: '127.0.0.1:8428', version: '', short_version: '' }),
    line({ __name__: 'vm_rows', job: 'victoria-metrics', instance: '127.0.0.1:8428', type: 'storage/small' }),
  ].join('\n') + '\n');
  const page = await openWizardPage(browser, await startBinary('vmexporter', [`-output=${tempDir()}`]));
  await next(page, 'Time range');
  await next(page, 'Connection');
  await connect(page, mixed.url);
  assert.match(await page.locator('[data-role=validation]').textContent(), /vmstorage v1\.97\.0 ×2 · v1\.97\.1 ×1/);
  await next(page, 'Components');
  await page.waitForSelector('.components .component', { timeout: 30000 });
  const pill = (component) => page.locator(`.component[data-component="${component}"] [data-role=versions]`).textContent();
  assert.equal(await pill('vmstorage'), 'v1.97.0 ×2 · v1.97.1 ×1');
  assert.equal(await pill('vmsingle'), 'version not reported');
  await screenshot(page, 'wizard-versions-components-1366');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'wizard-versions-components-390');
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});
