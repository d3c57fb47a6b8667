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
let labelScan = { key: '', stats: null, count: 0 };

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

// Finds the labels actually present (raw values stay in this browser; they are only shown here).
async function scanLabels() {
  const key = configKey();
  if (labelScan.key === key && labelScan.stats) { renderLabels(); return; }
  replace(labelsBox, h('p', { class: 'loading', role: 'status' }, 'Looking for labels in your series…'));
  try {
    const config = exportConfigBody({ obfuscation: { enabled: false, obfuscate_instance: false, obfuscate_job: false,
      preserve_structure: true, deep_scrub: false, custom_labels: [], drop_labels: [] } });
    const reply = await api('api/sample', { body: { config, limit: LABEL_SCAN_LIMIT } });
    const sampled = seriesOf(reply);
    labelScan = { key, stats: labelStats(sampled), count: sampled.length };
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
  const names = [...stats.keys()].filter((k) => !BUILT_IN.has(k));
  if (names.length === 0) {
    replace(labelsBox, h('p', { class: 'help' }, 'The series have no labels besides job and instance.'));
    return;
  }
  const rows = names.map((name) => {
    const st = stats.get(name);
    const row = h('tr', { dataset: { label: name } });
    const pseudo = labelCheckbox(state.privacy.customLabels, name, 'Pseudonymise', (on) => { if (on) state.privacy.dropLabels.delete(name); sync(); });
    const drop = labelCheckbox(state.privacy.dropLabels, name, 'Drop', (on) => { if (on) state.privacy.customLabels.delete(name); sync(); });
    const sync = () => {
      pseudo.querySelector('input').checked = state.privacy.customLabels.has(name);
      pseudo.querySelector('input').disabled = !state.privacy.enabled;
      drop.querySelector('input').checked = state.privacy.dropLabels.has(name);
    };
    sync();
    row.append(h('th', { scope: 'row', class: 'mono' }, name),
      h('td', { class: 'examples' }, st.examples.map((v) => h('code', {}, v))),
      h('td', { class: 'num' }, `${st.count}`),
      h('td', { class: 'actions-cell' }, pseudo, drop));
    return row;
  });
  replace(labelsBox, h('div', { class: 'table-wrap' }, h('table', { class: 'labels' },
    h('caption', { class: 'help' }, `Labels found in ${labelScan.count} sampled series (besides job and instance). Pseudonymise turns values into <label>-<n>; Drop removes the label.`),
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
      onchange: (v) => { p.deepScrub = v; schedulePreview(); } }));

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
