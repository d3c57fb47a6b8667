// The browser side of bench/view_bench.sh (run from the repository root, where node_modules is).
//
//   node bench/view_bench_page.mjs WORK
//
// Launches headless chromium and opens a blank page first (a support engineer's browser is
// already running when the import ends), then touches WORK/browser.ready and waits for
// `vmimport view` (its pid in WORK/view.pid) to print the overview's URL into WORK/view.out: that moment is the
// import finishing. Opens the URL, waits until every panel and the findings are drawn, and
// prints one JSON line: seconds from the import finishing to all drawn, the page's own marks,
// panel states, and the queries the page sent (batched) next to a baseline from the same browser
// a moment later: the same queries one request each, 4 at a time, through vmimport's proxy (how
// the overview asked before batching; nothing drawn). The queries also go to WORK/queries.json
// for the floor (curl straight at victoria-metrics).
import { chromium } from 'playwright-core';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [work] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu'],
});
const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
await page.goto('about:blank');
writeFileSync(join(work, 'browser.ready'), '');

const alive = () => {
  const pidFile = join(work, 'view.pid');
  if (!existsSync(pidFile)) return true;  // not started yet
  try { process.kill(Number(readFileSync(pidFile, 'utf8')), 0); return true; } catch { return false; }
};
let url = null;
while (!url) {
  const out = existsSync(join(work, 'view.out')) ? readFileSync(join(work, 'view.out'), 'utf8') : '';
  const m = /listening on (http:\/\/\S+)/.exec(out);
  if (m) { url = m[1]; break; }
  if (!alive()) { console.error('vmimport view exited before printing a URL'); process.exit(1); }
  await new Promise((r) => setTimeout(r, 10));
}
const importDone = Date.now();

const queries = [];
page.on('request', (r) => {
  if (r.url().endsWith('/api/view/batch')) queries.push(...JSON.parse(r.postData()).queries);
});
await page.goto(url);
await page.waitForSelector('body[data-overview="ready"]', { timeout: 300000 });
const drawn = Date.now();

const timing = await page.evaluate(() => {
  const ms = (v) => +(v / 1000).toFixed(2);
  const marks = Object.fromEntries(performance.getEntriesByType('mark')
    .filter((m) => m.name.startsWith('overview-')).map((m) => [m.name.slice(9), ms(m.startTime)]));
  const batches = performance.getEntriesByType('resource').filter((r) => r.name.endsWith('/api/view/batch'));
  return {
    marks,
    requests: batches.length,
    queries_s: ms(Math.max(...batches.map((b) => b.responseEnd)) - Math.min(...batches.map((b) => b.startTime))),
  };
});
const states = await page.locator('article.panel').evaluateAll((els) => els.map((e) => e.dataset.state));
const count = (s) => states.filter((x) => x === s).length;
const findings = await page.locator('#findings li').count();

// Baseline: the same queries, one request each, 4 at a time (as the page asked before batching).
const baselineS = await page.evaluate(async (list) => {
  const token = sessionStorage.getItem('vmimport.token');
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const q = list[next++];
      const res = await fetch(`api/view/${q.route}?${new URLSearchParams(q.params)}`, { headers: { 'X-Auth-Token': token } });
      await res.json();
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return +((performance.now() - t0) / 1000).toFixed(2);
}, queries);
writeFileSync(join(work, 'queries.json'), JSON.stringify(queries));
await browser.close();

console.log(JSON.stringify({
  import_done_at: importDone / 1000,
  import_done_to_drawn_s: +((drawn - importDone) / 1000).toFixed(2),
  marks: timing.marks,
  panels: states.length, with_data: count('data'), empty: count('empty'), failed: count('error'), findings,
  queries: queries.length, requests: timing.requests, queries_s: timing.queries_s,
  baseline_one_request_each_s: baselineS,
}));
