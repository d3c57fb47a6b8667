// The browser side of bench/view_bench.sh (run from the repository root, where node_modules is).
//
//   node bench/view_bench_page.mjs WORK
//
// Launches headless chromium and opens a blank page first (a support engineer's browser is
// already running when the import ends), then touches WORK/browser.ready and waits for
// `vmimport view` (its pid in WORK/view.pid) to print the overview's URL into WORK/view.out:
// that moment is the import finishing. Opens the URL, waits until every panel and the findings
// are drawn, and prints one JSON line: seconds from the import finishing to all drawn, the
// page's own marks, panel states, how long the page's queries took (in batches; one request
// each with an older vmimport), and a baseline from the same browser a moment later: the same
// queries one request each, 4 at a time, through vmimport's proxy (how the overview asked before
// batching; nothing drawn). The queries also go to WORK/queries.json for the floor (curl
// straight at victoria-metrics).
import { chromium } from 'playwright-core';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [work] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu'],
});
const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
await page.goto('about:blank');
writeFileSync(join(work, 'browser.ready'), '');

// CPU seconds (user+sys) so far of the processes below `root` (it included): a figure the
// machine's other load does not inflate the way it does wall time.
function treeCpu(root) {
  const procs = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      procs.push({ pid: Number(d), ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / 100 });
    } catch { /* gone meanwhile */ }
  }
  const tree = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) if (!tree.has(p.pid) && tree.has(p.ppid)) { tree.add(p.pid); grew = true; }
  }
  return procs.filter((p) => tree.has(p.pid)).reduce((sum, p) => sum + p.cpu, 0);
}
function cpuOf(pid) {
  const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}
// chromium (below this node, which is left out), vmimport, and its victoria-metrics.
function cpuNow() {
  const view = Number(readFileSync(join(work, 'view.pid'), 'utf8'));
  return { chromium: treeCpu(process.pid) - cpuOf(process.pid), vmimport: cpuOf(view), 'victoria-metrics': treeCpu(view) - cpuOf(view) };
}

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
const cpuAtImportDone = cpuNow();

const queries = [];
let asking = true;  // until all is drawn: the baseline's own requests are not the page's
page.on('request', (r) => {
  const u = new URL(r.url());
  if (!asking) return;
  if (u.pathname.endsWith('/api/view/batch')) queries.push(...JSON.parse(r.postData()).queries);
  // One query per request: how the page asked before batching (VMIMPORT=an older build).
  const one = /\/api\/view\/(query|query_range)$/.exec(u.pathname);
  if (one) queries.push({ route: one[1], params: Object.fromEntries(u.searchParams) });
});
await page.goto(url);
await page.waitForSelector('body[data-overview="ready"]', { timeout: 300000 });
const drawn = Date.now();
asking = false;
const cpuAtDrawn = cpuNow();
const cpuSpent = Object.fromEntries(Object.keys(cpuAtDrawn).map((k) => [k, +(cpuAtDrawn[k] - cpuAtImportDone[k]).toFixed(2)]));

const timing = await page.evaluate(() => {
  const ms = (v) => +(v / 1000).toFixed(2);
  const marks = Object.fromEntries(performance.getEntriesByType('mark')
    .filter((m) => m.name.startsWith('overview-')).map((m) => [m.name.slice(9), ms(m.startTime)]));
  const asks = performance.getEntriesByType('resource')
    .filter((r) => /\/api\/view\/(batch|query|query_range)(\?|$)/.test(r.name));
  return {
    marks,
    requests: asks.length,
    queries_s: ms(Math.max(...asks.map((b) => b.responseEnd)) - Math.min(...asks.map((b) => b.startTime))),
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
  cpu_s: cpuSpent,
  queries: queries.length, requests: timing.requests, queries_s: timing.queries_s,
  baseline_one_request_each_s: baselineS,
}));
