// Step 6: start the export, follow its progress (windows, samples/s, ETA, current window),
// cancel or resume it, then download the bundle and see its size and SHA-256, and (when obfuscated)
// download the pseudonym mapping that stays with the user.
import { h, replace } from '../dom.js';
import { api, downloadHref, mappingHref } from '../api.js';
import { button, errorBox, showError } from '../controls.js';
import { exportConfigBody, resetForAnotherExport, selection, state } from '../state.js';
import { formatBytes, formatDuration, formatNumber, pickNumber } from '../format.js';
import { formatInZone } from '../time.js';
import { rememberJob } from '../known-jobs.js';

const POLL_MS = 700;

let view = null;
let ctxRef = null;
let pollTimer = 0;
let rate = { lastCount: null, lastAt: 0, perSecond: null };
let downloadedFor = '';

function stopPolling() {
  clearTimeout(pollTimer);
  pollTimer = 0;
}

function summary() {
  const cfg = exportConfigBody();
  const sel = selection();
  const rows = [
    ['Time range', `${formatInZone(state.range.startMs, state.range.zone)} → ${formatInZone(state.range.endMs, state.range.zone)}`],
    ['VictoriaMetrics', cfg.connection.full_api_url || cfg.connection.url],
    state.mode === 'custom' ? ['Query', state.query.trim()] : ['Jobs', `${sel.jobs.length} jobs of ${sel.components.join(', ')}`],
    ['Obfuscation', state.privacy.enabled ? ['on', state.privacy.instance && 'instances', state.privacy.job && 'jobs', state.privacy.deepScrub && 'deep scrub',
      state.privacy.customLabels.size && `custom labels: ${[...state.privacy.customLabels].join(', ')}`].filter(Boolean).join(', ') : 'OFF: real names and addresses will be in the bundle'],
    ['Dropped labels', state.privacy.dropLabels.size ? [...state.privacy.dropLabels].join(', ') : 'none'],
    ['Metric step', state.metricStepSeconds ? `${state.metricStepSeconds}s` : 'raw samples'],
    ['Staging directory', state.stagingDir],
    ['Bundle goes to', (state.serverConfig && state.serverConfig.output_dir) || 'the output directory'],
  ];
  return h('dl', { class: 'summary' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function renderReady(err) {
  const startError = errorBox();
  const start = button('Start export', () => startExport(start, startError), { kind: 'primary', 'data-role': 'start' });
  replace(view, h('p', { class: 'lead' }, 'Check the summary, then start. You can cancel at any time and resume later.'), summary(),
    startError, h('div', { class: 'step-nav' }, button('Back', () => ctxRef.go(4)), start));
  if (err) showError(startError, err);
}

async function startExport(startButton, startError) {
  startButton.disabled = true;
  showError(startError, null);
  try {
    const body = exportConfigBody();
    const reply = await api('api/export/start', { body });
    state.job = { id: reply.job_id, start: reply, status: reply, configKey: JSON.stringify(body) };
    rememberJob(reply.job_id);
    rate = { lastCount: null, lastAt: 0, perSecond: null };
    ctxRef.refreshStepper();
    renderProgress(reply);
    poll();
  } catch (err) {
    startButton.disabled = false;
    showError(startError, err);
  }
}

async function poll() {
  stopPolling();
  if (!state.job) return;
  const id = state.job.id;
  try {
    const status = await api(`api/export/status?id=${encodeURIComponent(id)}`);
    if (!state.job || state.job.id !== id) return;
    state.job.status = status;
    state.job.pollError = null;
    onStatus(status);
  } catch (err) {
    if (!state.job || state.job.id !== id) return;
    state.job.pollError = err;
    renderProgress(state.job.status || {});
    pollTimer = setTimeout(poll, POLL_MS * 3);
  }
}

function onStatus(status) {
  ctxRef.refreshStepper();
  const s = status.state;
  if (s === 'completed') {
    renderCompleted(status);
  } else if (s === 'failed' || s === 'canceled' || s === 'cancelled') {
    renderProgress(status);
  } else {
    renderProgress(status);
    pollTimer = setTimeout(poll, POLL_MS);
  }
}

function updateRate(status) {
  const count = pickNumber(status, 'samples_processed', 'samples_exported', 'metrics_processed');
  const direct = pickNumber(status, 'samples_per_second', 'rate_per_second');
  if (direct !== undefined) { rate.perSecond = direct; return; }
  if (count === undefined) return;
  const now = performance.now();
  if (rate.lastCount !== null && now - rate.lastAt > 300) {
    const inst = ((count - rate.lastCount) * 1000) / (now - rate.lastAt);
    rate.perSecond = rate.perSecond === null ? inst : rate.perSecond * 0.6 + inst * 0.4;
  }
  if (rate.lastCount === null || now - rate.lastAt > 300) { rate.lastCount = count; rate.lastAt = now; }
}

function rangeText(r) {
  if (!r) return '—';
  if (typeof r === 'string') return r;
  const start = Date.parse(r.start);
  const end = Date.parse(r.end);
  if (Number.isNaN(start) || Number.isNaN(end)) return `${r.start || ''} – ${r.end || ''}`;
  return `${formatInZone(start, state.range.zone)} → ${formatInZone(end, state.range.zone)}`;
}

function etaText(eta) {
  if (eta === null || eta === undefined || eta === '') return '—';
  if (typeof eta === 'number') return formatDuration(eta);
  if (typeof eta === 'object') return formatDuration(pickNumber(eta, 'seconds', 'eta_seconds'));
  return String(eta);
}

function errorOf(status) {
  const e = status.error;
  if (!e) return null;
  if (typeof e === 'object') return { message: e.error || e.message || JSON.stringify(e), hint: e.hint || status.hint || '' };
  return { message: String(e), hint: status.hint || '' };
}

function renderProgress(status) {
  updateRate(status);
  const s = status.state || 'pending';
  const total = pickNumber(status, 'total_batches') ?? 0;
  const done = pickNumber(status, 'completed_batches') ?? 0;
  const progress = pickNumber(status, 'progress') ?? (total ? done / total : 0);
  const active = s === 'pending' || s === 'running';
  const count = pickNumber(status, 'samples_processed', 'samples_exported', 'metrics_processed');
  // The server counts series lines (metrics_processed); newer versions may also count samples.
  const bySamples = pickNumber(status, 'samples_processed', 'samples_exported') !== undefined;
  const bar = h('progress', { max: '1', value: String(progress), 'aria-label': 'Export progress' });
  const stats = h('div', { class: 'stats' },
    stat(`${formatNumber(done)} / ${formatNumber(total)}`, 'windows done', 'windows'),
    stat(rate.perSecond === null || !count ? '—' : formatNumber(rate.perSecond), bySamples ? 'samples/s' : 'series/s', 'rate'),
    // While a window is being retried nobody knows how long the outage lasts.
    stat(active && !status.retrying ? etaText(status.eta_seconds ?? status.eta) : '—', 'remaining', 'eta'),
    stat(!count ? '—' : formatNumber(count), bySamples ? 'samples exported' : 'series exported', 'count'));
  const title = { pending: 'Preparing the export…', running: 'Exporting…', failed: 'The export stopped with an error',
    canceled: 'The export was cancelled', cancelled: 'The export was cancelled' }[s] || s;
  const err = errorBox();
  const actions = h('div', { class: 'step-nav' });
  if (active) {
    actions.append(h('span'), button('Cancel', (e) => cancelExport(e.target, err), { kind: 'danger', 'data-role': 'cancel' }));
  } else {
    // Resume only where it can succeed (an older server does not say: then offer it).
    const resumable = status.resumable !== false;
    actions.append(button('Back to settings', () => { state.job = null; ctxRef.go(4); }),
      h('span', { class: 'btn-group' },
        button('Start over', () => { state.job = null; renderReady(); }, { 'data-role': 'start-over', kind: resumable ? 'secondary' : 'primary' }),
        resumable ? button('Resume', (e) => resumeExport(e.target, err), { kind: 'primary', 'data-role': 'resume' }) : null));
  }
  replace(view,
    h('div', { class: 'progress-head' }, h('span', { class: 'progress-title', role: 'status' }, title),
      h('span', { class: 'progress-pct' }, `${Math.floor(progress * 100)}%`)),
    bar, stats,
    h('p', { class: 'help' }, 'Current window: ', h('span', { class: 'mono', 'data-role': 'current-window' }, active ? rangeText(status.current_range) : '—')),
    active && status.retrying ? h('p', { class: 'warn-text', 'data-role': 'retrying' },
      'VictoriaMetrics is not answering as it should; the export keeps trying (it waits up to -retry.maxTime per window, then fails and can be resumed): ',
      h('span', { class: 'mono' }, status.retrying)) : null,
    status.source && status.source !== 'export' ? h('p', { class: 'warn-text', 'data-role': 'source' }, `Reading data with ${status.source}.`) : null,
    active || status.resumable === false ? null : h('p', { class: 'help' }, `${formatNumber(done)} of ${formatNumber(total)} windows are finished and kept in the staging directory; Resume fetches only the rest, with the same pseudonyms.`),
    err, actions);
  view.dataset.state = s;
  view.dataset.jobId = state.job ? state.job.id : '';
  const failure = errorOf(status) || (state.job && state.job.pollError);
  if (failure) showError(err, failure);
  else if (s === 'failed') showError(err, { message: 'The export failed.', hint: status.resumable === false ? 'Change the settings and start over.' : 'Resume continues after the last finished window.' });
}

function stat(value, label, role) {
  return h('div', { class: 'stat' }, h('span', { class: 'stat-value', 'data-role': role }, value), h('span', { class: 'stat-label' }, label));
}

// Cancel and resume answer with the job's status: show it at once (not the state before the
// click) and keep following the job.
function followReply(reply) {
  stopPolling();
  if (reply && reply.state) {
    state.job.status = reply;
    onStatus(reply);
  } else {
    poll();
  }
}

async function cancelExport(btn, err) {
  btn.disabled = true;
  try {
    followReply(await api('api/export/cancel', { body: { job_id: state.job.id } }));
  } catch (e) {
    btn.disabled = false;
    showError(err, e);
  }
}

async function resumeExport(btn, err) {
  btn.disabled = true;
  try {
    const reply = await api('api/export/resume', { body: { job_id: state.job.id } });
    if (reply && reply.job_id) state.job.id = reply.job_id;
    rememberJob(state.job.id);
    rate = { lastCount: null, lastAt: 0, perSecond: null };
    followReply(reply);
  } catch (e) {
    btn.disabled = false;
    showError(err, e);
  }
}

function triggerDownload(href, name) {
  const a = h('a', { href, download: name || '', hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
}

async function copyText(text, btn, note) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Clipboard API refused (permissions): fall back to a selected text field.
    const ta = h('textarea', { class: 'visually-hidden', value: text, readonly: true });
    document.body.append(ta);
    ta.select();
    document.execCommand('copy');
    ta.remove();
  }
  note.textContent = 'Copied.';
  btn.focus();
  setTimeout(() => { note.textContent = ''; }, 2500);
}

// The mapping row of the summary: a download link plus why it exists and why it stays here.
// The mapping holds the real names, so it is only offered for obfuscated exports.
function mappingRow(bundleName) {
  const base = (bundleName || 'vmexport').replace(/\.zip$/i, '');
  const helpId = 'mapping-help';
  return [h('dt', {}, 'Pseudonym mapping'),
    h('dd', { class: 'mapping-row' },
      h('a', { class: 'btn', href: mappingHref(state.job.id), download: `${base}.mapping.json`, 'data-role': 'download-mapping',
        'aria-describedby': helpId }, 'Download mapping (stays on this computer)'),
      h('span', { class: 'help', id: helpId },
        'It turns the pseudonyms in support\'s answer back into your real names (vmexporter reveal -mapping=FILE). ',
        h('strong', {}, 'Keep it here: never send it with the bundle.')))];
}

function renderCompleted(status) {
  const r = status.result || {};
  const name = r.archive_name || (r.archive_path || '').split('/').pop();
  const size = pickNumber(r, 'archive_size_bytes', 'archive_size');
  const href = downloadHref(r.archive_path || name);
  const copyNote = h('span', { class: 'help', role: 'status' });
  const obfuscated = r.obfuscation_applied ?? (state.job.start && state.job.start.obfuscation_enabled) ?? state.privacy.enabled;
  const copy = button('Copy', (e) => copyText(r.sha256 || '', e.target, copyNote), { 'data-role': 'copy-sha', 'aria-label': 'Copy SHA-256' });
  replace(view,
    h('div', { class: 'done-head' }, h('span', { class: 'done-icon', 'aria-hidden': 'true' }, '✓'),
      h('div', {}, h('div', { class: 'progress-title', role: 'status' }, 'Export complete'),
        h('div', { class: 'help' }, 'The download starts automatically. If it did not, use the button below.'))),
    h('dl', { class: 'summary' },
      h('dt', {}, 'Bundle'), h('dd', { class: 'mono', 'data-role': 'archive-name' }, name),
      h('dt', {}, 'Size'), h('dd', { 'data-role': 'archive-size' }, size === undefined ? '—' : `${formatBytes(size)} (${formatNumber(size)} bytes)`),
      h('dt', {}, 'Contents'), h('dd', { 'data-role': 'contents' }, `${formatNumber(pickNumber(r, 'series_exported', 'series_count'))} series`,
        pickNumber(r, 'samples_exported') !== undefined ? `, ${formatNumber(r.samples_exported)} samples` : ''),
      h('dt', {}, 'Saved in'), h('dd', { class: 'mono' }, r.archive_path || '—'),
      h('dt', {}, 'SHA-256'), h('dd', { class: 'sha-row' }, h('code', { class: 'sha', 'data-role': 'sha256' }, r.sha256 || '—'), copy, copyNote),
      obfuscated ? mappingRow(name) : null),
    h('p', { class: 'help' }, obfuscated
      ? 'The bundle is obfuscated. Send it to support together with the SHA-256 so they can check it arrived intact.'
      : 'This bundle is NOT obfuscated: it contains your real addresses and names.'),
    h('div', { class: 'step-nav' },
      h('span', { class: 'btn-group' },
        h('a', { class: 'btn primary', href, download: name, 'data-role': 'download' }, 'Download bundle')),
      button('Start another export', () => { stopPolling(); resetForAnotherExport(); ctxRef.restart(); }, { 'data-role': 'start-another' })));
  view.dataset.state = 'completed';
  if (downloadedFor !== state.job.id) {
    downloadedFor = state.job.id;
    triggerDownload(href, name);
  }
}

// Shows an export this page started earlier (found by the welcome step after the tab was closed
// and opened again): its progress, or its result with the download and the mapping.
export function attachJob(id, status) {
  state.job = { id, start: null, status, configKey: JSON.stringify(exportConfigBody()) };
  rate = { lastCount: null, lastAt: 0, perSecond: null };
  downloadedFor = id;  // it was offered when it finished; the button is there if wanted again
}

function render(ctx) {
  ctxRef = ctx;
  view = h('div', { class: 'export-view', 'data-role': 'export' });
  // Settings changed in earlier steps after a finished export: offer a fresh start, not the old result.
  const finished = state.job && state.job.status && !['pending', 'running'].includes(state.job.status.state);
  if (finished && state.job.configKey !== JSON.stringify(exportConfigBody())) state.job = null;
  if (state.job && state.job.status) onStatus(state.job.status);
  else renderReady();
  if (state.job && state.job.status && ['pending', 'running'].includes(state.job.status.state)) poll();
  return view;
}

function dispose() {
  stopPolling();
}

export default { title: 'Export', render, dispose, ownFooter: true };
