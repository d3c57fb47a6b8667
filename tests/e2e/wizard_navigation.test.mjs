// The wizard's stepper and the browser's history: a step is marked done only when its checks
// passed, the address bar follows the step so Back/Forward move through the wizard instead of
// leaving it, settings (never secrets) survive a reload, and an empty Components step says why
// Next does nothing. Real chromium against real victoria-metrics processes.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launchBrowser, screenshot, startBinary, startDelayProxy, startVictoriaMetrics, stopAll, tempDir, test,
} from './lib/harness.mjs';
import { connect, importTwoJobs, next, openWizardPage, waitTitle } from './lib/wizard.mjs';

let browser;
let vm;
let emptyVm;

before(async () => {
  vm = await startVictoriaMetrics();
  emptyVm = await startVictoriaMetrics();
  await importTwoJobs(vm.url);
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  await stopAll();
});

async function open() {
  return openWizardPage(browser, await startBinary('vmexporter', [`-output=${tempDir()}`]));
}

const title = async (page) => (await page.locator('#step-heading').textContent()).replace(/^Step \d of 6/, '');

// {title: {done, clickable}} of the stepper's items.
async function stepper(page) {
  return page.locator('#stepper li').evaluateAll((items) => Object.fromEntries(items.map((li) => [
    li.querySelector('.step-title').textContent,
    { done: li.classList.contains('done') && li.querySelector('.step-num').textContent === '✓',
      clickable: !!li.querySelector('button') }])));
}

test('a connection that fails its test is never marked done, and later steps cannot be opened', async () => {
  const page = await open();
  await next(page, 'Time range');
  await next(page, 'Connection');
  await connect(page, vm.url);
  await next(page, 'Components');
  await page.waitForSelector('.components .component', { timeout: 30000 });
  assert.deepEqual((await stepper(page)).Connection, { done: true, clickable: true });

  // Back to the connection, point it at nothing: Next refuses, and the stepper no longer offers
  // Components nor shows the connection as done.
  await page.locator('#stepper button', { hasText: 'Connection' }).click();
  await waitTitle(page, 'Connection');
  await page.getByLabel('VictoriaMetrics URL').fill('http://127.0.0.1:1');
  await page.locator('[data-role=next]').click();
  await page.waitForSelector('[data-role=validation][data-state=failed]', { timeout: 30000 });
  assert.equal(await title(page), 'Connection');
  const after = await stepper(page);
  assert.deepEqual(after.Connection, { done: false, clickable: false }, JSON.stringify(after));
  assert.deepEqual(after.Components, { done: false, clickable: false }, JSON.stringify(after));
  assert.equal(after['Time range'].done, true);
  // Nor can the address bar skip ahead.
  await page.evaluate(() => { window.location.hash = '#step-5'; });
  await page.waitForFunction(() => window.location.hash === '#step-3');
  assert.equal(await title(page), 'Connection');
  await screenshot(page, 'wizard-nav-failed-connection-1366');
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('Back and Forward move through the steps and keep every setting; a reload keeps them too, never the password', async () => {
  const page = await open();
  await next(page, 'Time range');
  await page.locator('label', { hasText: 'Last 3h' }).click();
  await next(page, 'Connection');
  assert.match(page.url(), /#step-3$/);
  await page.getByLabel('Basic', { exact: true }).check();
  await page.getByLabel('Username').fill('support');
  await page.getByLabel('Password').fill('hunter2-secret');
  await page.getByLabel('None', { exact: true }).check();
  await connect(page, vm.url);
  await next(page, 'Components');
  await page.waitForSelector('.components .component', { timeout: 30000 });
  // Deselect one job, so a kept selection is visible.
  await page.locator('.components input[type=checkbox]').nth(1).uncheck();
  const selected = await page.locator('.components input[type=checkbox]:checked').count();
  await next(page, 'Privacy & settings');

  await page.goBack();
  await waitTitle(page, 'Components');
  await page.waitForSelector('.components .component', { timeout: 30000 });
  assert.equal(await page.locator('.components input[type=checkbox]:checked').count(), selected);
  await page.goBack();
  await waitTitle(page, 'Connection');
  assert.equal(await page.getByLabel('VictoriaMetrics URL').inputValue(), vm.url);
  assert.equal(await page.locator('[data-role=validation]').getAttribute('data-state'), 'ok');
  await page.goBack();
  await waitTitle(page, 'Time range');
  assert.equal(await page.getByLabel('Last 3h').isChecked(), true);
  await page.goForward();
  await waitTitle(page, 'Connection');
  await page.goForward();
  await waitTitle(page, 'Components');
  await screenshot(page, 'wizard-nav-forward-1366');

  // A reload on step 4 keeps the settings but asks for the connection test again.
  await page.reload();
  await waitTitle(page, 'Connection');
  assert.match(page.url(), /#step-3$/);
  assert.equal(await page.getByLabel('VictoriaMetrics URL').inputValue(), vm.url);
  const stored = await page.evaluate(() => JSON.stringify(sessionStorage));
  assert.ok(!stored.includes('hunter2-secret'), 'the password reached sessionStorage');
  const settings = JSON.parse(await page.evaluate(() => sessionStorage.getItem('vmexporter.settings')));
  assert.equal(settings.range.preset, '3h');
  await connect(page, vm.url);
  await next(page, 'Components');
  await page.waitForSelector('.components .component', { timeout: 30000 });
  assert.equal(await page.locator('.components input[type=checkbox]:checked').count(), selected);
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'wizard-nav-after-reload-390');
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('an empty Components step says why Next does nothing', async () => {
  const page = await open();
  await next(page, 'Time range');
  await next(page, 'Connection');
  await connect(page, emptyVm.url);
  await next(page, 'Components');
  await page.waitForSelector('[data-role=no-components]', { timeout: 30000 });
  await page.locator('[data-role=next]').click();
  const error = page.locator('.error-box:not([hidden])');
  await error.waitFor({ timeout: 10000 });
  assert.match(await error.textContent(), /nothing to export/);
  assert.equal(await title(page), 'Components');
  await screenshot(page, 'wizard-nav-empty-components-1366');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'wizard-nav-empty-components-390');
  assert.deepEqual(page.pageErrors, []);
  await page.context().close();
});

test('closing the tab mid-export: the page opened again lists the running export and reattaches to it', async () => {
  // Every export request waits 1 s, so the 36 five-minute windows of a 3 h range take a while.
  const slow = await startDelayProxy(vm.url, 1000, /api\/v1\/export/);
  const app = await startBinary('vmexporter', [`-output=${tempDir()}`]);
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, acceptDownloads: true });
  let page = await context.newPage();
  await page.goto(app.url);
  await next(page, 'Time range');
  await page.locator('label', { hasText: 'Last 3h' }).click();
  await next(page, 'Connection');
  await connect(page, slow.url);
  await next(page, 'Components');
  await page.waitForSelector('.components .component', { timeout: 30000 });
  await next(page, 'Privacy & settings');
  await page.getByLabel('Batch window').selectOption({ label: '5m' });
  await next(page, 'Export');
  await page.locator('[data-role=start]').click();
  await page.waitForSelector('[data-role=export][data-state=running]', { timeout: 30000 });
  const jobId = await page.locator('[data-role=export]').getAttribute('data-job-id');
  await page.close();

  // The same URL in a new tab: the export is listed as running, not as an unfinished leftover.
  page = await context.newPage();
  page.pageErrors = [];
  page.on('pageerror', (e) => page.pageErrors.push(String(e)));
  await page.goto(app.url);
  const row = page.locator(`[data-role=session-exports] li:has([data-job-id="${jobId}"])`);
  await row.waitFor({ timeout: 15000 });
  const rowState = await row.getAttribute('data-state');
  assert.ok(['running', 'pending', 'completed'].includes(rowState), `listed as ${rowState}`);
  if (rowState !== 'completed') assert.match(await row.textContent(), /running|starting/);
  assert.equal(await page.locator('[data-role="staged-exports"] code', { hasText: jobId }).count(), 0);
  await screenshot(page, 'wizard-nav-reattach-list-1366');

  const downloadWait = page.waitForEvent('download', { timeout: 5000 }).catch(() => null);
  await page.locator(`[data-role=attach][data-job-id="${jobId}"]`).click();
  await waitTitle(page, 'Export');
  await page.waitForSelector('[data-role=export][data-state=completed]', { timeout: 120000 });
  await downloadWait;
  assert.equal(await page.locator('[data-role=download]').count(), 1);
  assert.equal(await page.locator('[data-role=download-mapping]').count(), 1);
  // The download link serves the bundle.
  const href = await page.locator('[data-role=download]').getAttribute('href');
  const status = await page.evaluate(async (u) => (await fetch(u)).status, href);
  assert.equal(status, 200);
  await screenshot(page, 'wizard-nav-reattach-done-1366');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'wizard-nav-reattach-done-390');
  assert.deepEqual(page.pageErrors, []);
  await context.close();
});
