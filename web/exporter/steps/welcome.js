// Step 1: what the bundle will hold, why sharing it is safe, and what to export.
import { h } from '../dom.js';
import { button, errorBox, field, radioGroup, showError, textInput } from '../controls.js';
import { state } from '../state.js';
import { api } from '../api.js';
import { forgetJob, knownJobIds, rememberJob } from '../known-jobs.js';
import { attachJob } from './export.js';
import { querySyntaxError } from '../query-syntax.js';

let queryField = null;

function render(ctx) {
  const intro = h('div', { class: 'two-col' },
    h('div', { class: 'panel' },
      h('h3', {}, 'What is collected'),
      h('ul', { class: 'plain' },
        h('li', {}, 'The internal metrics of your VictoriaMetrics components (vmstorage, vminsert, vmselect, vmagent, vmalert, vmauth, single-node) over the time range you choose.'),
        h('li', {}, 'Raw samples in VictoriaMetrics\' JSON-lines format, plus metadata (versions, time range, settings) and a README.'),
        h('li', {}, 'Nothing else: no logs, no configuration files, no credentials.'))),
    h('div', { class: 'panel' },
      h('h3', {}, 'Why it is safe to share'),
      h('ul', { class: 'plain' },
        h('li', {}, 'Addresses, host names and job names are replaced by stable pseudonyms (10.0.0.5:8482 → 777.777.1.3:8482) while the data streams, so no plaintext copy is written to disk.'),
        h('li', {}, 'You choose extra labels to pseudonymise or drop, and you see a preview of the exact output first.'),
        h('li', {}, 'The mapping back to real names stays on this machine; it is never in the bundle.'),
        h('li', {}, 'This page talks only to the vmexporter on this computer; your password is kept in memory for this session.'))));

  const customBox = h('div', { class: 'indent', hidden: state.mode !== 'custom' });
  const query = h('textarea', { rows: '3', spellcheck: 'false', placeholder: '{job=~"vmagent.*"}', value: state.query,
    oninput: (e) => { state.query = e.target.value; showError(queryField.error, null); } });
  queryField = field({ label: 'Series selector or MetricsQL query', input: query,
    help: 'A selector exports raw samples of the matching series; a MetricsQL query exports its results.' });
  customBox.append(
    radioGroup({ legend: 'Query type', name: 'query-type', horizontal: true, value: state.queryType,
      options: [{ value: 'selector', label: 'Series selector' }, { value: 'metricsql', label: 'MetricsQL' }],
      onchange: (v) => { state.queryType = v; } }),
    queryField.root);

  const mode = radioGroup({
    legend: 'What to export', name: 'mode', value: state.mode,
    options: [
      { value: 'cluster', label: 'VictoriaMetrics components', help: 'Discover the components and pick them in step 4. Recommended for support cases.' },
      { value: 'custom', label: 'Custom selector or MetricsQL', help: 'Export exactly the series you describe.' },
    ],
    onchange: (v) => { state.mode = v; customBox.hidden = v !== 'custom'; },
  });
  const unfinished = h('div', { class: 'unfinished', 'data-role': 'staged-exports', hidden: true });
  const session = h('div', { class: 'unfinished', 'data-role': 'session-exports', hidden: true });
  showSessionExports(session, ctx).then((live) => showUnfinished(unfinished, live, ctx));
  return h('div', {}, h('p', { class: 'lead' }, 'This wizard exports metrics from your VictoriaMetrics into a ZIP bundle you can send to support.'),
    session, unfinished, intro, mode, customBox);
}

const STATE_TEXT = { pending: 'starting', running: 'running', completed: 'finished', failed: 'failed', canceled: 'cancelled', cancelled: 'cancelled' };

// Exports this page started in this vmexporter process, still running or finished (the tab may
// have been closed meanwhile): each can be opened again to follow it or download its bundle.
// Resolves to the set of job ids this process knows, so the staged list below leaves them out.
async function showSessionExports(box, ctx) {
  const live = new Set();
  const rows = [];
  for (const id of knownJobIds().reverse()) {
    let status;
    try {
      status = await api(`api/export/status?id=${encodeURIComponent(id)}`);
    } catch (err) {
      if (err && [400, 404, 410].includes(err.status)) forgetJob(id);  // gone with its process
      continue;
    }
    live.add(id);
    const total = status.total_batches || 0;
    const done = status.completed_batches || 0;
    const result = status.result || {};
    const what = status.state === 'completed'
      ? (result.archive_name || (result.archive_path || '').split('/').pop() || 'bundle ready')
      : `${done} of ${total} windows done`;
    const open = button(status.state === 'completed' ? 'Open' : status.state === 'running' || status.state === 'pending' ? 'Show progress' : 'Open',
      () => { attachJob(id, status); ctx.showExport(); }, { 'data-role': 'attach', 'data-job-id': id });
    rows.push(h('li', { 'data-state': status.state },
      h('div', {}, h('code', { text: id }), ` · ${STATE_TEXT[status.state] || status.state} · ${what} `, open)));
  }
  if (rows.length) {
    box.append(h('h3', {}, 'Exports of this session'), h('ul', { class: 'plain' }, ...rows));
    box.hidden = false;
  }
  return live;
}

// Exports an earlier vmexporter left unfinished (killed, crashed, disk full): their completed
// windows wait in the staging dir. Each can be resumed here (with its credentials and obfuscation
// key given again: neither is ever stored) or discarded; the command line works too.
async function showUnfinished(box, live = new Set(), ctx = null) {
  let answer;
  try {
    answer = await api('api/export/staged');
  } catch {
    return;  // informational only: the wizard works without it
  }
  // Exports of this process are listed above with their real state, not as unfinished leftovers.
  const staged = ((answer && answer.staged) || []).filter((e) => !live.has(e.job_id));
  if (!staged.length) return;
  const list = h('ul', { class: 'plain' });
  for (const e of staged) list.append(stagedItem(e, answer.staging_root, ctx, () => {
    if (!list.children.length) box.hidden = true;
  }));
  box.append(h('h3', {}, 'Unfinished exports from an earlier run'), list);
  box.hidden = false;
}

function stagedItem(e, root, ctx, onGone) {
  const range = e.time_range ? `${e.time_range.start} – ${e.time_range.end}` : 'unknown range';
  const head = h('div', {}, h('code', { text: e.job_id }),
    ` · ${range} · ${e.completed_batches} of ${e.total_batches} windows done`);
  const item = h('li', { 'data-job-id': e.job_id });
  const err = errorBox();
  const form = h('div', { class: 'resume-form', hidden: true });
  const discard = button('Discard', async (ev) => {
    const btn = ev.target;
    if (btn.dataset.confirm !== 'yes') {  // a second click confirms: the staged windows are deleted
      btn.dataset.confirm = 'yes';
      btn.textContent = `Delete ${e.completed_batches} finished windows`;
      return;
    }
    btn.disabled = true;
    try {
      await api('api/export/discard', { body: { job_id: e.job_id, staging_dir: root } });
      item.remove();
      onGone();
    } catch (x) {
      btn.disabled = false;
      showError(err, x);
    }
  }, { kind: 'danger', 'data-role': 'discard' });
  const actions = h('span', { class: 'btn-group' });
  if (e.resumable) {
    actions.append(button('Resume…', () => { form.hidden = !form.hidden; }, { 'data-role': 'resume-open' }));
    fillResumeForm(form, e, root, ctx, err);
  }
  if (!e.in_use) actions.append(discard);  // another vmexporter is writing it
  const how = e.resumable
    ? h('div', { class: 'help' }, 'Resume fetches only the missing windows; in a terminal: ',
      h('code', { class: 'command', text: `vmexporter export -resume=${e.job_id} -staging-dir=${root}${e.url ? '' : ' -url=URL'}` }),
      e.keyed ? ' with the same credentials and obfuscation key.' : ' with the same credentials.')
    : h('div', { class: 'help' }, `Cannot be resumed: ${e.reason}.`);
  item.append(head, how, actions, form, err);
  return item;
}

// What a continuation needs again: the secret of its authentication, the obfuscation key of a
// keyed export, and the URL, jobs or query when the staging did not keep them (obfuscated
// exports keep no originals there; they are checked against the start's).
function fillResumeForm(form, e, root, ctx, err) {
  const inputs = {};
  const add = (key, label, help, type = 'password') => {
    const input = textInput({ type, autocomplete: 'off', 'data-field': key });
    inputs[key] = input;
    form.append(field({ label, input, help }).root);
  };
  if (!e.url) add('url', 'VictoriaMetrics URL', 'The same URL as when the export started.', 'text');
  if (e.originals_needed && e.mode === 'custom') add('query', 'Series selector or MetricsQL query', 'The same as when the export started.', 'text');
  if (e.originals_needed && e.mode === 'cluster') add('jobs', 'Jobs', 'The jobs named at the start, comma-separated; empty when none were named (every job).', 'text');
  if (e.auth_type === 'basic') add('password', 'Password', 'The user name is kept from the start.');
  if (e.auth_type === 'bearer') add('token', 'Bearer token');
  if (e.auth_type === 'header') add('header_value', 'Header value');
  if (e.keyed) add('obfuscation_key', 'Obfuscation key', 'The key the export started with: the pseudonyms must match the finished windows.');
  form.append(h('div', { class: 'step-nav' }, h('span'), button('Resume export', async (ev) => {
    const btn = ev.target;
    const body = { job_id: e.job_id, staging_dir: root };
    const auth = {};
    for (const k of ['password', 'token', 'header_value']) if (inputs[k]) auth[k] = inputs[k].value;
    if (Object.keys(auth).length) body.auth = auth;
    if (inputs.obfuscation_key) body.obfuscation_key = inputs.obfuscation_key.value;
    if (inputs.url) body.url = inputs.url.value.trim();
    if (inputs.query) body.query = inputs.query.value.trim();
    if (inputs.jobs) body.jobs = inputs.jobs.value.split(',').map((j) => j.trim()).filter(Boolean);
    btn.disabled = true;
    try {
      const reply = await api('api/export/resume', { body });
      const id = reply.job_id || e.job_id;
      rememberJob(id);
      attachJob(id, reply);
      if (ctx) ctx.showExport();
    } catch (x) {
      btn.disabled = false;
      showError(err, x);
    }
  }, { kind: 'primary', 'data-role': 'resume' })));
}

async function leave() {
  if (state.mode === 'custom' && !state.query.trim()) {
    showError(queryField.error, 'Enter a series selector such as {job="vmagent"}, or choose "VictoriaMetrics components".');
    queryField.input.focus();
    return false;
  }
  const syntax = state.mode === 'custom' ? querySyntaxError(state.query) : null;
  if (syntax) {
    showError(queryField.error, { message: syntax, hint: 'A selector looks like {job="vmagent", instance=~"10.0.0.*"}.' });
    queryField.input.focus();
    return false;
  }
  return true;
}

export default { title: 'Welcome', render, leave };
