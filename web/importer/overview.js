// Entry point of the overview page (`vmimport view`): waits for the import, then shows the
// bundle's metadata, the findings, per-component panels and the query box. Every string from the
// bundle or VictoriaMetrics goes in as text.
import { api } from './api.js';
import { $, el, fill, facts, message } from './dom.js';
import { count, bytes, seconds } from './format.js';
import { detectComponents } from './components.js';
import { computeFindings } from './findings.js';
import { renderFindings } from './findings-view.js';
import { componentTitles } from './panels.js';
import { renderComponent, drawPanels } from './panel-view.js';
import { initQuery } from './query.js';

async function waitReady() {
  // Opened from the importer page's "Open overview": point the overview at that import first.
  const job = new URLSearchParams(window.location.search).get('job');
  if (job) await api('api/view/open', { json: { job_id: job } });
  for (;;) {
    const info = await api('api/view');
    if (info.state === 'ready') { fill($('state')); return info; }
    if (info.state === 'failed') throw new Error(info.error || 'the import failed');
    const p = info.progress;
    const text = p ? `Importing the bundle: ${Math.round((p.progress || 0) * 100)}% of ${bytes(p.bytes_total)}, ${count(p.samples_sent)} samples sent (${p.phase})` : 'Starting…';
    fill($('state'), message('info', text));
    await new Promise((r) => setTimeout(r, 500));
  }
}

// The range to draw: what the import saw, else what the bundle says, else the last hour.
function timeRange(info) {
  for (const tr of [info.time_range, info.metadata && info.metadata.time_range]) {
    if (!tr || !tr.start || !tr.end) continue;
    const s = Date.parse(tr.start);
    const e = Date.parse(tr.end);
    if (Number.isFinite(s) && Number.isFinite(e) && e >= s) return [Math.floor(s / 1000), Math.max(Math.ceil(e / 1000), Math.floor(s / 1000) + 60)];
  }
  const now = Math.floor(Date.now() / 1000);
  return [now - 3600, now];
}

function text(v) {
  if (v == null || v === '') return '–';
  if (Array.isArray(v)) return v.length ? v.map(text).join(', ') : '–';
  if (typeof v === 'object') {
    return Object.entries(v).map(([k, x]) => `${k}: ${text(x)}`).join('; ');
  }
  return String(v);
}

function renderMetadata(info, startS, endS) {
  const m = info.metadata || {};
  const sel = m.selection || {};
  const rows = [];
  if (info.bundle) rows.push(['Bundle', info.bundle]);
  if (m.export_id) rows.push(['Export ID', m.export_id]);
  if (m.export_date) rows.push(['Exported at', m.export_date]);
  if (m.time_range) rows.push(['Export time range', `${m.time_range.start} → ${m.time_range.end}`]);
  rows.push(['Data range', `${new Date(startS * 1000).toISOString()} → ${new Date(endS * 1000).toISOString()} (${seconds(endS - startS)})`]);
  if (m.components) rows.push(['Components', text(m.components)]);
  if (m.jobs) rows.push(['Jobs', text(m.jobs)]);
  if (sel.selector !== undefined) rows.push(['Selector', sel.selector || '–']);
  if (sel.mode) rows.push(['Mode', `${sel.mode}${sel.query_type ? ` (${sel.query_type})` : ''}`]);
  if (m.metric_step_seconds !== undefined) rows.push(['Step', m.metric_step_seconds ? `${m.metric_step_seconds}s` : 'every sample']);
  if (m.metrics_count !== undefined) rows.push(['Series / samples', `${count(m.metrics_count)} / ${count(m.samples_count)}`]);
  if (m.obfuscated !== undefined) rows.push(['Obfuscated', m.obfuscated ? 'yes' : 'no']);
  if (m.obfuscation_policy) rows.push(['Obfuscation policy', text(m.obfuscation_policy)]);
  if (m.tool_version) rows.push(['Exported by', `vmexporter ${m.tool_version}`]);
  const imp = info.import;
  if (imp) {
    const v = imp.verification;
    rows.push(['Import', `${count(imp.series_sent)} series, ${count(imp.samples_sent)} samples${v ? `, ${v.outcome}` : ''}${imp.lines_rejected ? `, ${count(imp.lines_rejected)} lines set aside` : ''}`]);
  }
  rows.push(['Queried at', info.private ? `${info.target} (private victoria-metrics${info.kept_in ? `, data kept in ${info.kept_in}` : ', removed on exit'})` : info.target]);
  fill($('metadata'), ...facts(rows));
  if (!info.metadata) $('metadata').after(message('warn', 'This bundle has no metadata.json (a bare .jsonl bundle); the components below come from the data.'));
}

function renderComponentTable(components, metadata) {
  const versions = (metadata && metadata.vm_versions) || {};
  const table = el('table', { class: 'data-table', id: 'components-table' },
    el('thead', {}, el('tr', {}, el('th', { text: 'Component' }), el('th', { text: 'Version' }), el('th', { text: 'Instances' }), el('th', { text: 'Jobs' }))));
  const body = el('tbody');
  for (const c of components) {
    const version = c.versions.length ? c.versions.join(', ') : (versions[c.component] || '–');
    body.append(el('tr', { 'data-component': c.component },
      el('td', {}, el('a', { href: `#component-${c.component}`, text: componentTitles[c.component] || c.component })),
      el('td', { text: version }), el('td', { class: 'num', text: String(c.instances.length) }), el('td', { text: c.jobs.join(', ') })));
  }
  table.append(body);
  fill($('component-table'), table);
  fill($('component-nav'), ...components.map((c) => el('a', { href: `#component-${c.component}`, text: componentTitles[c.component] || c.component })));
}

// performance.mark()s of the way to a drawn overview, for bench/view_bench.sh.
const mark = (name) => performance.mark(`overview-${name}`);

async function main() {
  // The version in the top bar is a nicety: the page goes on without it.
  const health = api('api/health').then((h) => { $('version').textContent = h.version; }, () => {});
  let info;
  try {
    info = await waitReady();
  } catch (e) {
    fill($('state'), message('error', e.message, e.hint));
    return;
  }
  mark('ready');
  const [startS, endS] = timeRange(info);
  const rangeS = endS - startS;
  const stepS = Math.max(15, Math.ceil(rangeS / 240), (info.metadata && info.metadata.metric_step_seconds) || 0);
  const windowS = Math.max(2 * stepS, 120);
  $('title').textContent = info.bundle ? `Overview of ${info.bundle}` : 'Overview';
  $('lead').textContent = `Panels per component over the bundle's range (step ${stepS}s, rate window ${windowS}s); one line per instance.`;
  renderMetadata(info, startS, endS);
  const ctx = { startS, endS, stepS, windowS };
  initQuery(ctx);

  // The findings need no components to be computed, only to be shown: both start at once.
  const found = computeFindings(endS, rangeS + stepS).then((list) => ({ list }), (error) => ({ error }));
  const components = await detectComponents(endS, rangeS);
  mark('components');
  renderComponentTable(components, info.metadata);
  const container = $('components');
  const panels = components.map((c) => renderComponent(container, c));
  const findingsDone = found.then(({ list, error }) => {
    if (error) fill($('findings'), el('li', { class: 'finding sev-warn', text: `Findings could not be computed: ${error.message}` }));
    else renderFindings(list, components);
    mark('findings');
  });
  await drawPanels(panels, ctx);
  mark('panels');
  await findingsDone;
  await health;
  document.body.dataset.overview = 'ready';
}

main().catch((e) => fill($('state'), message('error', e.message, e.hint)));
