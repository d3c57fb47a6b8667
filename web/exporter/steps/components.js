// Step 4: the components found over the whole time range, with their jobs, instances and series;
// the user picks jobs and sees an estimate of the bundle's size and the export's duration.
import { h, replace, uid } from '../dom.js';
import { api } from '../api.js';
import { button, errorBox, showError } from '../controls.js';
import { connectionBody, connectionKey, jobKey, state, timeRangeBody } from '../state.js';
import { formatBytes, formatDuration, formatNumber } from '../format.js';
import { estimateExport, jobSeries } from '../estimate.js';

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
      versionOf(comp) ? h('span', { class: 'pill' }, versionOf(comp)) : null),
    jobList);
}

function versionOf(comp) {
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
    replace(body, h('div', { class: 'panel' }, h('p', {}, 'You chose to export a custom ', state.queryType === 'metricsql' ? 'MetricsQL query' : 'series selector', ':'),
      h('pre', { class: 'query' }, state.query.trim()), h('p', { class: 'help' }, 'There are no components to pick. To change the query, go back to step 1.')));
  } else if (state.discovery && state.discoveryKey === discoveryKey()) {
    renderDiscovery();
  } else {
    discover();
  }
  return h('div', {}, h('p', { class: 'lead' }, 'Components found between the start and the end of your range. Pick the jobs support should see.'), body);
}

async function leave() {
  if (state.mode === 'custom') return true;
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
