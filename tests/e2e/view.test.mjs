// `vmimport view` end to end: demo-like data (bench/gen_view_dataset.py) in a real
// victoria-metrics, exported by our vmexporter (obfuscated), then viewed: vmimport starts its own
// victoria-metrics, imports the bundle and serves the overview. Checked in a real browser: the
// metadata matches metadata.json, every panel of every component has data, findings flag the
// planted restart and nearly full disk (and nothing on a healthy bundle), the query box plots
// rate(vm_http_requests_total[5m]); Ctrl-C leaves no victoria-metrics and no storage behind.
// Screenshots at 1366 and 390 px land in the harness' screenshot dir (build/e2e-screenshots).
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  binDir, importLines, launchBrowser, repoRoot, screenshotDir, startBinary, startVictoriaMetrics, stopAll, tempDir, test,
} from './lib/harness.mjs';

after(stopAll);

const STEP = 30;
const SAMPLES = 120; // 1 h
const END = Math.floor(Date.now() / 1000 / STEP) * STEP - 600;

// Exports everything from a victoria-metrics holding the generated data; returns the bundle path.
async function exportBundle(faults) {
  const jsonl = execFileSync('python3', [join(repoRoot, 'bench', 'gen_view_dataset.py'), '--instances', '1',
    '--samples', String(SAMPLES), '--step', String(STEP), '--end', String(END), ...faults],
  { maxBuffer: 1 << 28 }).toString();
  const source = await startVictoriaMetrics();
  await importLines(source.url, jsonl);
  const out = tempDir();
  const stdout = execFileSync(join(binDir, 'vmexporter'), ['export', `-url=${source.url}`,
    `-start=${new Date((END - SAMPLES * STEP) * 1000).toISOString()}`, `-end=${new Date((END + 60) * 1000).toISOString()}`,
    `-output=${out}`], { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim().split('\n');
  return stdout[stdout.length - 1];
}

function metadataOf(zip) {
  return JSON.parse(execFileSync('unzip', ['-p', zip, 'metadata.json']).toString());
}

// Starts `vmimport view` with a private TMPDIR; resolves with the app and that dir.
async function startView(zip) {
  const tmp = tempDir();
  const app = await startBinary('vmimport', ['view', zip], { env: { TMPDIR: tmp }, timeoutMs: 120000 });
  const vmPid = Number(app.output().match(/victoria-metrics \(pid (\d+)\) listens/)[1]);
  const storage = app.output().match(/with its data in (\S+)/)[1];
  return { app, tmp, vmPid, storage };
}

function alive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

async function openOverview(browser, url, width) {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForSelector('body[data-overview="ready"]', { timeout: 120000 });
  return { page, errors };
}

test('vmimport view: overview of an exported bundle with a restart and a nearly full disk', async () => {
  const zip = await exportBundle(['--restart', 'vmstorage:0', '--disk-full', 'vmstorage:0']);
  const meta = metadataOf(zip);
  const view = await startView(zip);
  assert.ok(alive(view.vmPid), 'the private victoria-metrics runs');
  assert.ok(existsSync(view.storage));
  const browser = await launchBrowser();
  try {
    const { page, errors } = await openOverview(browser, view.app.url, 1366);

    // Metadata shown = metadata.json.
    const shown = await page.locator('#metadata').innerText();
    for (const v of [meta.export_id, meta.export_date, meta.time_range.start, meta.time_range.end, ...meta.components, ...meta.jobs]) {
      assert.ok(shown.includes(v), `metadata shows ${v}:\n${shown}`);
    }
    assert.ok(shown.includes(meta.selection.selector), 'selector shown');
    assert.match(shown, /Obfuscated\s+yes/);

    // Every component of the bundle has its section, every panel has data.
    const sections = await page.locator('section.component').evaluateAll((els) => els.map((e) => e.dataset.component));
    // Obfuscated jobs keep their component: "vmstorage-job-1".
    const expected = [...new Set(meta.jobs.map((j) => j.replace(/-job-\d+$/, '')))].sort();
    assert.equal(expected.length, 7);
    assert.deepEqual(sections.sort(), expected);
    const panels = await page.locator('article.panel').evaluateAll((els) => els.map((e) => [e.id, e.dataset.state]));
    assert.ok(panels.length >= 50, `panels drawn: ${panels.length}`);
    const without = panels.filter(([, s]) => s !== 'data');
    assert.deepEqual(without, [], 'every panel has data');
    assert.ok(await page.locator('#panel-vmstorage-disk canvas').count() > 0);

    // Findings: the planted restart and the nearly full disk, on the vmstorage pseudonym.
    const storageInstance = await page.locator('#components-table tr[data-component="vmstorage"]').count();
    assert.equal(storageInstance, 1);
    const restart = page.locator('li.finding[data-rule="restarts"]');
    const disk = page.locator('li.finding[data-rule="disk"]');
    assert.equal(await restart.count(), 1, await page.locator('#findings').innerText());
    assert.equal(await disk.count(), 1);
    for (const f of [restart, disk]) {
      const instance = await f.getAttribute('data-instance');
      assert.match(instance, /^777\.777\.\d+\.\d+:8482$/, 'named by its pseudonym');
      assert.ok(!instance.startsWith('10.'));
    }
    assert.equal(await page.locator('li.finding[data-rule]').count(), 2, await page.locator('#findings').innerText());
    assert.equal(await disk.locator('a').getAttribute('href'), '#panel-vmstorage-disk');
    await page.screenshot({ path: join(screenshotDir, 'vmimport-view-1366.png'), fullPage: true,
      clip: { x: 0, y: 0, width: 1366, height: 3000 }, timeout: 120000 });

    // The query box.
    await page.fill('#query-input', 'rate(vm_http_requests_total[5m])');
    await page.click('#query-run');
    await page.waitForSelector('#query-card[data-series]', { state: 'attached', timeout: 120000 });
    assert.ok(Number(await page.locator('#query-card').getAttribute('data-series')) > 10);
    assert.ok(await page.locator('#query-chart canvas').count() > 0);
    assert.ok(await page.locator('#query-result-table tbody tr').count() > 10);
    await page.locator('#query-card').screenshot({ path: join(screenshotDir, 'vmimport-view-query-1366.png') });
    assert.deepEqual(errors, []);

    const narrow = await openOverview(browser, view.app.url, 390);
    // The narrow page is ~40000 px tall: its top (findings, metadata, first panels) is the picture.
    await narrow.page.screenshot({ path: join(screenshotDir, 'vmimport-view-390.png'), fullPage: true,
      clip: { x: 0, y: 0, width: 390, height: 3000 }, timeout: 120000 });
    const overflow = await narrow.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `no horizontal scrolling at 390 px (${overflow} px)`);
    assert.deepEqual(narrow.errors, []);
  } finally {
    await browser.close();
  }

  // Ctrl-C: the private victoria-metrics is gone, and so is its storage.
  const exited = new Promise((r) => view.app.child.once('exit', (code) => r(code)));
  view.app.child.kill('SIGINT');
  assert.equal(await exited, 0, view.app.output());
  assert.ok(!alive(view.vmPid), 'victoria-metrics stopped');
  assert.ok(!existsSync(view.storage), 'storage removed');
  assert.deepEqual(readdirSync(view.tmp), [], 'nothing left in TMPDIR');
});

// A bundle of generated data without planted faults, packed directly (the export path is covered
// above); resolves with the ZIP's path and its metrics.jsonl text.
function healthyBundle() {
  const dir = tempDir();
  const zip = join(dir, 'healthy.zip');
  execFileSync('python3', ['-c', `
import subprocess, sys, zipfile
data = subprocess.run([sys.executable, sys.argv[1], '--instances', '1', '--samples', sys.argv[2], '--end', sys.argv[3]],
                      check=True, capture_output=True).stdout
with zipfile.ZipFile(sys.argv[4], 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('metrics.jsonl', data)
    z.writestr('metadata.json', '{"export_id": "healthy", "obfuscated": false}')
`, join(repoRoot, 'bench', 'gen_view_dataset.py'), String(SAMPLES), String(END), zip]);
  return { zip, jsonl: execFileSync('unzip', ['-p', zip, 'metrics.jsonl'], { maxBuffer: 1 << 28 }).toString() };
}

test('vmimport view: a healthy bundle has no findings', async () => {
  const { zip } = healthyBundle();
  const view = await startView(zip);
  const browser = await launchBrowser();
  try {
    const { page, errors } = await openOverview(browser, view.app.url, 1366);
    assert.equal(await page.locator('#no-findings').count(), 1, await page.locator('#findings').innerText());
    assert.equal(await page.locator('li.finding[data-rule]').count(), 0);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
  const exited = new Promise((r) => view.app.child.once('exit', (code) => r(code)));
  view.app.child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.ok(!alive(view.vmPid));
  assert.deepEqual(readdirSync(view.tmp), []);
});

async function stopWithCtrlC(app) {
  const exited = new Promise((r) => app.child.once('exit', (code) => r(code)));
  app.child.kill('SIGINT');
  assert.equal(await exited, 0, app.output());
}

async function overviewShowsData(url) {
  const browser = await launchBrowser();
  try {
    const { page, errors } = await openOverview(browser, url, 1366);
    assert.equal(await page.locator('#no-findings').count(), 1, await page.locator('#findings').innerText());
    const panels = await page.locator('article.panel').evaluateAll((els) => els.map((e) => e.dataset.state));
    assert.ok(panels.length > 10 && panels.every((state) => state === 'data'), `panels: ${panels.join(',')}`);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
}

test('vmimport view -keep=DIR keeps the data for the next run, which starts without importing again', async () => {
  const { zip } = healthyBundle();
  const keep = join(tempDir(), 'case-1234');
  const first = await startBinary('vmimport', ['view', `-keep=${keep}`, zip], { env: { TMPDIR: tempDir() }, timeoutMs: 120000 });
  const firstVm = Number(first.output().match(/victoria-metrics \(pid (\d+)\) listens/)[1]);
  await overviewShowsData(first.url);
  await stopWithCtrlC(first);
  assert.ok(!alive(firstVm), 'victoria-metrics stopped');
  assert.ok(existsSync(keep) && readdirSync(keep).length > 0, 'the data stays in the -keep dir');

  const second = await startBinary('vmimport', ['view', `-keep=${keep}`, zip], { env: { TMPDIR: tempDir() }, timeoutMs: 120000 });
  assert.match(second.output(), /is already in/, second.output());
  await overviewShowsData(second.url);
  await stopWithCtrlC(second);
  assert.ok(existsSync(keep) && readdirSync(keep).length > 0);
});

test('vmimport view -url shows a VictoriaMetrics that already holds the data, and leaves it running', async () => {
  const { zip, jsonl } = healthyBundle();
  const vm = await startVictoriaMetrics();
  await importLines(vm.url, jsonl);
  const tmp = tempDir();
  const app = await startBinary('vmimport', ['view', `-url=${vm.url}`, zip], { env: { TMPDIR: tmp }, timeoutMs: 120000 });
  assert.doesNotMatch(app.output(), /starting victoria-metrics/, 'no private victoria-metrics');
  await overviewShowsData(app.url);
  await stopWithCtrlC(app);
  assert.ok(alive(vm.child.pid), 'the user\'s victoria-metrics keeps running');
  assert.equal((await fetch(`${vm.url}/health`)).status, 200);
  assert.deepEqual(readdirSync(tmp), []);
});
