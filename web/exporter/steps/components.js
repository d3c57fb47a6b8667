// Step 4: the components found over the whole time range, with their jobs, instances and series;
// the user picks jobs and sees an estimate of the bundle's size and the export's duration.
import { h, replace, uid } from '../dom.js';
import { api } from '../api.js';
import { button, errorBox, showError } from '../controls.js';
import { connectionBody, connectionKey, jobKey, state, timeRangeBody } from '../state.js';
import { formatBytes, formatDuration, formatNumber, versionsText } from '../format.js';
import { estimateExport, jobSeries } from '../estimate.js';
import { querySyntaxError } from '../query-syntax.js';

let body = null;
let totals = null;
let selectionError = null;

function discoveryKey() {
  return JSON.stringify([connectionKey(), timeRangeBody()]);
}

function selectedSeries() {
  let n = 0;
  for (const comp of state.discovery.components || []) {
    for (const job of comp.jobs || []) if (state.selectedJobs.has(jobKey(comp.component, job))) n += jobSeries(comp, job);
  }
  return n;
}

function renderTotals() {
  const seconds = (state.range.endMs - state.range.startMs) / 1000;
  const est = estimateExport(state.discovery, selectedSeries(), seconds, state.metricStepSeconds);
  const jobs = state.selectedJobs.size;
  replace(totals,
    h('div', { class: 'stat' }, h('span', { class: 'stat-value' }, formatNumber(jobs)), h('span', { class: 'stat-label' }, jobs === 1 ? 'job selected' : 'jobs selected')),
    h('div', { class: 'stat' }, h('span', { class: 'stat-value' }, formatNumber(est.series)), h('span', { class: 'stat-label' }, 'series')),
    h('div', { class: 'stat' }, h('span', { class: 'stat-value', 'data-role': 'estimated-size' }, `≈ ${formatBytes(est.bytes)}`), h('span', { class: 'stat-label' }, 'bundle size')),
    h('div', { class: 'stat' }, h('span', { class: 'stat-value' }, `≈ ${formatDuration(est.seconds)}`), h('span', { class: 'stat-label' }, 'export time')));
  if (jobs > 0) showError(selectionError, null);
}

function componentRow(comp) {
  const jobs = comp.jobs || [];
  const id = uid('c');
  const jobBoxes = [];
  const compBox = h('input', { type: 'checkbox', id, dataset: { component: comp.component } });
  const syncComponent = () => {
    const n = jobs.filter((j) => state.selectedJobs.has(jobKey(comp.component, j))).length;
    compBox.checked = n === jobs.length && n > 0;
    compBox.indeterminate = n > 0 && n < jobs.length;
  };
  compBox.addEventListener('change', () => {
    for (const j of jobs) {
      if (compBox.checked) state.selectedJobs.add(jobKey(comp.component, j));
      else state.selectedJobs.delete(jobKey(comp.component, j));
    }
    for (const b of jobBoxes) b.checked = compBox.checked;
    syncComponent();
    renderTotals();
  });
  const jobList = h('ul', { class: 'job-list', 'aria-label': `Jobs of ${comp.component}` });
  for (const job of jobs) {
    const jid = uid('j');
    const box = h('input', { type: 'checkbox', id: jid, checked: state.selectedJobs.has(jobKey(comp.component, job)), dataset: { job },
      onchange: (e) => {
        if (e.target.checked) state.selectedJobs.add(jobKey(comp.component, job));
        else state.selectedJobs.delete(jobKey(comp.component, job));
        syncComponent();
        renderTotals();
      } });
    jobBoxes.push(box);
    jobList.append(h('li', { class: 'job-row' }, box, h('label', { for: jid, class: 'mono' }, job),
      h('span', { class: 'num' }, `${formatNumber(jobSeries(comp, job))} series`)));
  }
  syncComponent();
  const instances = comp.instance_count ?? 0;
  return h('li', { class: 'component', dataset: { component: comp.component } },
    h('div', { class: 'component-head' }, compBox, h('label', { for: id, class: 'component-name' }, comp.component),
      h('span', { class: 'num' }, `${formatNumber(instances)} ${instances === 1 ? 'instance' : 'instances'}`),
      h('span', { class: 'num' }, `${formatNumber(comp.metrics_count_estimate)} series`),
      versionOf(comp) ? h('span', { class: 'pill', 'data-role': 'versions' }, versionOf(comp)) : null),
    jobList);
}

function versionOf(comp) {
  const seen = versionsText(comp.versions_seen);
  if (seen) return seen;
  if (typeof comp.version === 'string' && comp.version) return comp.version;
  return Array.isArray(comp.versions) ? comp.versions.filter(Boolean).join(', ') : '';
}

// Jobs without VictoriaMetrics evidence and discovery's own notes (what fell back and why).
function discoveryNotes() {
  const d = state.discovery;
  const items = [];
  if (Array.isArray(d.other_jobs) && d.other_jobs.length) {
    items.push(h('li', {}, `Other jobs in this range, not recognised as VictoriaMetrics components (not exported; use a custom selector for them): `,
      h('span', { class: 'mono' }, d.other_jobs.slice(0, 20).join(', ')), d.other_jobs.length > 20 ? ` and ${d.other_jobs.length - 20} more` : ''));
  }
  for (const n of Array.isArray(d.notes) ? d.notes : []) items.push(h('li', {}, String(n)));
  return items.length ? h('ul', { class: 'notes help', 'data-role': 'discovery-notes' }, items) : null;
}

function renderDiscovery() {
  const comps = state.discovery.components || [];
  if (comps.length === 0) {
    replace(body, selectionError, h('div', { class: 'empty', 'data-role': 'no-components' },
      h('p', {}, 'No VictoriaMetrics components were found in this time range.'),
      h('p', { class: 'help' }, 'Choose a longer or earlier range in step 2, check that the URL points at the VictoriaMetrics that stores these metrics (often a separate monitoring instance), or export a custom selector (step 1).')));
    return;
  }
  const setAll = (on) => {
    state.selectedJobs.clear();
    if (on) for (const c of comps) for (const j of c.jobs || []) state.selectedJobs.add(jobKey(c.component, j));
    renderDiscovery();
  };
  totals = h('div', { class: 'stats', 'aria-live': 'polite', 'data-role': 'totals' });
  replace(body,
    h('div', { class: 'toolbar' }, button('Select all', () => setAll(true)), button('Select none', () => setAll(false)),
      h('span', { class: 'help' }, 'Estimates are rough; the export shows real progress.')),
    h('ul', { class: 'components' }, comps.map(componentRow)),
    totals, selectionError, discoveryNotes());
  renderTotals();
}

async function discover() {
  const key = discoveryKey();
  replace(body, h('p', { class: 'loading', role: 'status' }, 'Searching for components over the whole time range…'));
  try {
    const reply = await api('api/discover', { body: { connection: connectionBody(), time_range: timeRangeBody() } });
    // Keep the user's earlier choice (also one restored after a reload); otherwise select all.
    const previous = state.discovery || state.selectedJobs.size ? new Set(state.selectedJobs) : null;
    state.discovery = reply || { components: [] };
    state.discoveryKey = key;
    state.selectedJobs.clear();
    for (const c of state.discovery.components || []) {
      for (const j of c.jobs || []) if (!previous || previous.has(jobKey(c.component, j))) state.selectedJobs.add(jobKey(c.component, j));
    }
    if (state.selectedJobs.size === 0) for (const c of state.discovery.components || []) for (const j of c.jobs || []) state.selectedJobs.add(jobKey(c.component, j));
    renderDiscovery();
  } catch (err) {
    const box = errorBox();
    replace(body, box, h('div', { class: 'actions' }, button('Try again', () => discover())));
    showError(box, err);
  }
}

function render() {
  selectionError = errorBox();
  body = h('div', { 'data-role': 'discovery' });
  if (state.mode === 'custom') {
    renderCustom();
  } else if (state.discovery && state.discoveryKey === discoveryKey()) {
    renderDiscovery();
  } else {
    discover();
  }
  return h('div', {}, h('p', { class: 'lead' }, 'Components found between the start and the end of your range. Pick the jobs support should see.'), body);
}

// Custom mode: the query stays editable here, and VictoriaMetrics checks it as it is typed, so a
// broken selector is refused on this step and never reaches the export.
let queryCheck = { text: null, promise: null, error: null, reply: null };
let checkTimer = 0;

function renderCustom() {
  const result = h('p', { class: 'help', role: 'status', 'data-role': 'query-check' });
  const error = errorBox();
  const input = h('textarea', { rows: '3', spellcheck: 'false', value: state.query, 'data-role': 'custom-query',
    'aria-label': state.queryType === 'metricsql' ? 'MetricsQL query' : 'Series selector',
    oninput: (e) => {
      state.query = e.target.value;
      clearTimeout(checkTimer);
      checkTimer = setTimeout(() => checkQuery(result, error), 400);
    } });
  replace(body, h('div', { class: 'panel' },
    h('p', {}, 'You chose to export a custom ', state.queryType === 'metricsql' ? 'MetricsQL query' : 'series selector',
      '. There are no components to pick; VictoriaMetrics checks the query here.'),
    input, result, error));
  checkQuery(result, error);
}

function checkQuery(result, error) {
  const text = state.query.trim();
  if (queryCheck.text === text && queryCheck.promise) return showCheck(queryCheck.promise, result, error);
  const local = querySyntaxError(text);
  // A selector is counted over the whole range, job by job; a MetricsQL query at this moment.
  const ask = state.queryType === 'selector'
    ? api('api/discover-selector', { body: { connection: connectionBody(), time_range: timeRangeBody(), selector: text } })
    : api('api/validate-query', { body: { connection: connectionBody(), query: text } });
  const promise = local
    ? Promise.resolve({ error: { message: local, hint: 'A selector looks like {job="vmagent", instance=~"10.0.0.*"}.' } })
    : ask.then((reply) => ({ reply }), (err) => ({ error: err }));
  queryCheck = { text, promise };
  return showCheck(promise, result, error);
}

async function showCheck(promise, result, error) {
  result.textContent = 'Checking the query…';
  const { reply, error: err } = await promise;
  if (promise !== queryCheck.promise) return;  // a newer check replaced this one
  queryCheck.reply = reply || null;
  queryCheck.error = err || null;
  showError(error, err || null);
  result.textContent = !reply ? ''
    : reply.jobs ? selectorSummary(reply.jobs)
      : `A valid MetricsQL query: it returns ${formatNumber(reply.result_count || 0)} series now.`;
}

function selectorSummary(jobs) {
  const series = jobs.reduce((n, j) => n + (j.metrics_count_estimate || 0), 0);
  if (!jobs.length) return 'A valid series selector, but no series match it in this time range: the bundle would be empty.';
  const names = jobs.slice(0, 5).map((j) => j.job || '(no job)').join(', ') + (jobs.length > 5 ? ', …' : '');
  return `A valid series selector: ${formatNumber(series)} series of ${jobs.length} job${jobs.length === 1 ? '' : 's'} in this time range (${names}).`;
}

async function leave() {
  if (state.mode === 'custom') {
    clearTimeout(checkTimer);
    const result = body.querySelector('[data-role="query-check"]');
    const error = body.querySelector('.error-box') || errorBox();
    await checkQuery(result, error);
    return !queryCheck.error;
  }
  if (!state.discovery || state.discoveryKey !== discoveryKey()) {
    showError(selectionError, { message: 'The search for components has not finished yet.',
      hint: 'Wait for the list to appear, or use "Try again" if the search failed.' });
    if (!selectionError.isConnected) body.prepend(selectionError);
    return false;
  }
  if (!(state.discovery.components || []).length) {
    showError(selectionError, { message: 'There is nothing to export: no components were found in this time range.',
      hint: 'Go back to step 2 for a longer or earlier range, to step 3 for another URL, or to step 1 to export a custom selector.' });
    return false;
  }
  if (state.selectedJobs.size === 0) {
    showError(selectionError, { message: 'Select at least one job to export.', hint: '"Select all" is a good start for a support case.' });
    return false;
  }
  return true;
}

export default { title: 'Components', render, leave };
