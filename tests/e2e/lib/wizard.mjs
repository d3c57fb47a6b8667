// Steps through vmexporter's wizard in a real browser: the moves the wizard tests share.
import { importLines } from './harness.mjs';

// Imports two VictoriaMetrics jobs (a vmstorage and a vmselect, three samples each, ten minutes
// ago) into the victoria-metrics at `vmUrl`.
export async function importTwoJobs(vmUrl) {
  const t = Date.now() - 10 * 60_000;
  const line = (job, instance) => JSON.stringify({
    metric: { __name__: 'vm_rows', job, instance, type: 'storage/small' }, values: [1, 2, 3], timestamps: [t, t + 30_000, t + 60_000],
  });
  await importLines(vmUrl, `${line('vmstorage-prod', '10.0.1.1:8482')}\n${line('vmselect-prod', '10.0.3.1:8481')}\n`);
}

// Opens the wizard of `app` in a new 1366 px context; page.pageErrors collects script errors.
export async function openWizardPage(browser, app) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  page.pageErrors = [];
  page.on('pageerror', (e) => page.pageErrors.push(String(e)));
  await page.goto(app.url);
  await page.waitForSelector('#step-heading');
  return page;
}

export async function waitTitle(page, expected) {
  await page.waitForFunction((t) => document.querySelector('#step-heading')?.textContent.endsWith(t), expected, { timeout: 30000 });
}

// Clicks Next and waits for the step titled `expected`.
export async function next(page, expected) {
  await page.locator('[data-role=next]').click();
  await waitTitle(page, expected);
}

// Tests the connection to `url` on the Connection step; waits for the result `expect`.
export async function connect(page, url, expect = 'ok') {
  await page.getByLabel('VictoriaMetrics URL').fill(url);
  await page.locator('[data-role=test]').click();
  await page.waitForSelector(`[data-role=validation][data-state=${expect}]`, { timeout: 30000 });
}
