// Step 5: what to obfuscate or drop, with a live preview of sample series exactly as the bundle
// will hold them, plus the export's step, batch window and staging directory.
import { h, replace, uid } from '../dom.js';
import { api } from '../api.js';
import { errorBox, field, selectInput, showError, switchRow, textInput } from '../controls.js';
import { exportConfigBody, state } from '../state.js';
import { labelStats, seriesNodes, seriesOf } from '../series-text.js';

const PREVIEW_LIMIT = 20;
const LABEL_SCAN_LIMIT = 300;
const BUILT_IN = new Set(['job', 'instance']);

let labelsBox = null;
let previewBox = null;
let previewStatus = null;
let previewError = null;
let stagingField = null;
let previewTimer = 0;
let previewAbort = null;
let labelScan = { key: '', stats: null, count: 0, inventory: [] };

function configKey() {
  const c = exportConfigBody();
  return JSON.stringify([c.connection, c.time_range, c.components, c.jobs, c.mode, c.query_type, c.query]);
}

function schedulePreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(loadPreview, 250);
}

async function loadPreview() {
  if (previewAbort) previewAbort.abort();
  const abort = new AbortController();
  previewAbort = abort;
  previewStatus.textContent = 'Updating preview…';
  previewBox.classList.add('updating');
  try {
    const reply = await api('api/sample', { body: { config: exportConfigBody(), limit: PREVIEW_LIMIT }, signal: abort.signal });
    const series = seriesOf(reply);
    showError(previewError, null);
    replace(previewBox, series.length === 0
      ? h('li', { class: 'muted' }, 'No series in this range for the chosen jobs.')
      : series.map((s) => h('li', { class: 'series' }, h('code', {}, seriesNodes(s.metric)),
        s.samples !== undefined ? h('span', { class: 'num' }, `${s.samples} samples`) : null)));
    previewStatus.textContent = series.length
      ? `First ${series.length} series, as they will appear in the bundle${state.privacy.enabled ? ' (obfuscated)' : ' (NOT obfuscated)'}.`
      : '';
  } catch (err) {
    if (err.name === 'AbortError') return;
    previewStatus.textContent = '';
    replace(previewBox);
    showError(previewError, err);
  } finally {
    if (previewAbort === abort) {
      previewBox.classList.remove('updating');
      previewAbort = null;
    }
  }
}

// Finds every label of the selection over the whole range (/api/labels), with example values from
// a sample (raw values stay in this browser; they are only shown here).
async function scanLabels() {
  const key = configKey();
  if (labelScan.key === key && labelScan.stats) { renderLabels(); return; }
  replace(labelsBox, h('p', { class: 'loading', role: 'status' }, 'Looking for labels in your series…'));
  try {
    const config = exportConfigBody({ obfuscation: { enabled: false, obfuscate_instance: false, obfuscate_job: false,
      preserve_structure: true, deep_scrub: false, custom_labels: [], drop_labels: [] } });
    const [inventory, reply] = await Promise.all([
      api('api/labels', { body: { config } }),
      api('api/sample', { body: { config, limit: LABEL_SCAN_LIMIT } })]);
    const sampled = seriesOf(reply);
    labelScan = { key, stats: labelStats(sampled), count: sampled.length, inventory: inventory.labels || [] };
    renderLabels();
  } catch (err) {
    const box = errorBox();
    replace(labelsBox, box);
    showError(box, err);
  }
}

function labelCheckbox(set, name, label, onchange) {
  const id = uid('l');
  return h('span', { class: 'check' }, h('input', { type: 'checkbox', id, checked: set.has(name), dataset: { label: name },
    onchange: (e) => { if (e.target.checked) set.add(name); else set.delete(name); onchange(e.target.checked); schedulePreview(); } }),
  h('label', { for: id }, label, h('span', { class: 'visually-hidden' }, ` label ${name}`)));
}

function renderLabels() {
  const stats = labelScan.stats;
  const known = new Map(labelScan.inventory.map((l) => [l.name, l]));
  for (const name of stats.keys()) if (!known.has(name)) known.set(name, { name, treatment: 'other' });
  const names = [...known.keys()].filter((k) => !BUILT_IN.has(k) && k !== '__name__');
  if (names.length === 0) {
    replace(labelsBox, h('p', { class: 'help' }, 'The series have no labels besides job and instance.'));
    return;
  }
  // Identity labels first: they are what names the customer.
  names.sort((a, b) => (known.get(a).treatment === 'identity' ? 0 : 1) - (known.get(b).treatment === 'identity' ? 0 : 1) || a.localeCompare(b));
  const rows = names.map((name) => {
    const info = known.get(name);
    const st = stats.get(name) || { examples: [], count: 0 };
    const identity = info.treatment === 'identity';
    const support = info.treatment === 'support';
    const row = h('tr', { dataset: { label: name, treatment: info.treatment } });
    // An identity label is pseudonymised unless kept; any other label only when asked for.
    const isPseudonymised = () => (identity ? !state.privacy.keepLabels.has(name) : state.privacy.customLabels.has(name));
    const pseudo = labelCheckbox(new Set(isPseudonymised() ? [name] : []), name, 'Pseudonymise', (on) => {
      if (identity) { if (on) state.privacy.keepLabels.delete(name); else state.privacy.keepLabels.add(name); }
      else if (on) state.privacy.customLabels.add(name); else state.privacy.customLabels.delete(name);
      if (on) state.privacy.dropLabels.delete(name);
      sync();
    });
    const drop = labelCheckbox(state.privacy.dropLabels, name, 'Drop', (on) => {
      if (on && !identity) state.privacy.customLabels.delete(name);
      sync();
    });
    const sync = () => {
      pseudo.querySelector('input').checked = isPseudonymised() && !state.privacy.dropLabels.has(name);
      pseudo.querySelector('input').disabled = !state.privacy.enabled || support;
      drop.querySelector('input').checked = state.privacy.dropLabels.has(name);
    };
    sync();
    const reason = info.reason ? h('div', { class: 'help reason', dataset: { role: 'reason' } }, info.reason) : null;
    row.append(h('th', { scope: 'row' }, h('span', { class: 'mono' }, name), reason),
      h('td', { class: 'examples' }, st.examples.map((v) => h('code', {}, v))),
      h('td', { class: 'num' }, st.count ? `${st.count}` : '–'),
      h('td', { class: 'actions-cell' }, pseudo, drop));
    return row;
  });
  replace(labelsBox, h('div', { class: 'table-wrap' }, h('table', { class: 'labels' },
    h('caption', { class: 'help' }, `All ${names.length} labels of the selection over the whole range (besides job and instance); examples and counts from ${labelScan.count} sampled series. Labels that name people, customers or machines are pseudonymised by default (<label>-<n>); Drop removes a label.`),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Label'), h('th', { scope: 'col' }, 'Example values'),
      h('th', { scope: 'col', class: 'num' }, 'Series'), h('th', { scope: 'col' }, 'Action'))),
    h('tbody', {}, rows))));
}

function render() {
  const p = state.privacy;
  const detail = h('div', { class: 'indent', hidden: !p.enabled });
  const switches = h('div', { class: 'switches' },
    switchRow({ label: 'Obfuscate', help: 'Replace private names and addresses with stable pseudonyms while exporting.', checked: p.enabled,
      onchange: (v) => { p.enabled = v; detail.hidden = !v; if (labelScan.stats) renderLabels(); schedulePreview(); } }),
    detail);
  detail.append(
    switchRow({ label: 'Instances', help: 'IP addresses and host names in instance: 10.0.0.5:8482 → 777.777.1.3:8482 (the port is kept).', checked: p.instance,
      onchange: (v) => { p.instance = v; schedulePreview(); } }),
    switchRow({ label: 'Jobs', help: 'Job names become <component>-job-<n>, e.g. vmstorage-job-1.', checked: p.job,
      onchange: (v) => { p.job = v; schedulePreview(); } }),
    switchRow({ label: 'Deep scrub', help: 'Also addresses, URLs, e-mails and tenants hidden in other labels (addr, url, flag values…).', checked: p.deepScrub,
      onchange: (v) => { p.deepScrub = v; schedulePreview(); } }),
    field({ label: 'Obfuscation key (optional)',
      input: textInput({ type: 'password', value: p.key, 'data-field': 'obfuscation-key', autocomplete: 'off',
        oninput: (e) => { p.key = e.target.value; schedulePreview(); } }),
      help: 'Stable pseudonyms across exports: the same key gives the same pseudonyms, so support can compare bundles, and an interrupted export can be resumed after vmexporter restarts. Without a key, pseudonyms are random. The key is never stored.' }).root);

  labelsBox = h('div', { 'data-role': 'labels' });
  previewStatus = h('p', { class: 'help', role: 'status' });
  previewError = errorBox();
  previewBox = h('ul', { class: 'preview', 'data-role': 'preview', 'aria-label': 'Preview of exported series' });

  const step = field({ label: 'Metric step', input: selectInput([
    { value: 0, label: 'Raw samples (recommended)' }, { value: 15, label: '15s' }, { value: 30, label: '30s' },
    { value: 60, label: '1m' }, { value: 300, label: '5m' }, { value: 900, label: '15m' }, { value: 3600, label: '1h' }],
  state.metricStepSeconds, (v) => { state.metricStepSeconds = Number(v); }),
  help: 'Keep one sample per series per step (the last one), to make long ranges smaller.' });
  const windowField = field({ label: 'Batch window', input: selectInput([
    { value: 0, label: 'Automatic' }, { value: 300, label: '5m' }, { value: 900, label: '15m' }, { value: 3600, label: '1h' },
    { value: 6 * 3600, label: '6h' }, { value: 86400, label: '24h' }],
  state.batchWindowSeconds, (v) => { state.batchWindowSeconds = Number(v); }),
  help: 'The range is exported window by window; a cancelled export resumes after the last finished window.' });
  stagingField = field({ label: 'Staging directory', input: textInput({ value: state.stagingDir, class: 'mono',
    oninput: (e) => { state.stagingDir = e.target.value; showError(stagingField.error, null); } }),
  help: 'Finished windows are kept here until the bundle is complete.', wide: true });

  scanLabels();
  schedulePreview();
  return h('div', {},
    h('div', { class: 'section' }, h('h3', {}, 'Obfuscation'), switches),
    h('div', { class: 'section' }, h('h3', {}, 'Other labels'), labelsBox),
    h('div', { class: 'section' }, h('h3', {}, 'Preview'), previewStatus, previewError, previewBox),
    h('div', { class: 'section' }, h('h3', {}, 'Export settings'), h('div', { class: 'row' }, step.root, windowField.root), stagingField.root));
}

async function leave() {
  if (!state.stagingDir.trim()) {
    showError(stagingField.error, 'Enter a directory for temporary files (it is created if missing).');
    stagingField.input.focus();
    return false;
  }
  return true;
}

function dispose() {
  clearTimeout(previewTimer);
  if (previewAbort) previewAbort.abort();
}

export default { title: 'Privacy & settings', render, leave, dispose };
