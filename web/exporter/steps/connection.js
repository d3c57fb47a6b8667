// Step 3: where VictoriaMetrics is and how to log in; "Test connection" shows each stage
// (reachable, auth, flavour, version, components) and an actionable error.
import { h, replace } from '../dom.js';
import { api } from '../api.js';
import { button, errorBox, field, radioGroup, showError, switchRow, textInput } from '../controls.js';
import { connectionBody, connectionKey, resolvedConnection, state } from '../state.js';
import { describeUrl } from '../url-hint.js';
import { versionsText } from '../format.js';

let urlField = null;
let urlHint = null;
let resultPanel = null;
let actionError = null;
let testButton = null;
let authFields = null;
let authInputs = {};
let running = null;

function renderUrlHint() {
  const d = describeUrl(state.connection.url);
  showError(urlField.error, d.error || null);
  const resolved = state.validation && state.validationKey === connectionKey() ? resolvedConnection(state.validation) : null;
  if (resolved) {
    const parts = [['Base URL', resolved.full_api_url || `${resolved.url || ''}${resolved.api_base_path || ''}`]];
    if (resolved.tenant_id) parts.push(['Tenant', resolved.tenant_id]);
    if (resolved.is_multitenant) parts.push(['Tenant', 'all tenants (multitenant)']);
    replace(urlHint, h('span', { class: 'hint-title' }, 'Confirmed by the server:'), partsList(parts));
    return;
  }
  if (!d.ok) {
    replace(urlHint, d.error ? null : h('span', { class: 'muted' }, 'Paste any form: http://host:8428, …:8481/select/0/prometheus, a vmauth or gateway URL, or a full API URL.'));
    return;
  }
  replace(urlHint, h('span', { class: 'hint-title' }, 'Understood as:'), partsList(d.parts),
    d.notes.length ? h('ul', { class: 'notes' }, d.notes.map((n) => h('li', {}, n))) : null);
}

function partsList(parts) {
  return parts.map(([k, v]) => h('span', { class: 'hint-pair' }, h('span', { class: 'hint-key' }, `${k}:`), ' ', h('code', {}, v)));
}

// The settings of the last test and its outcome ('ok' | 'failed'), to mark the result stale
// as soon as the user edits anything it depended on.
let tested = { key: '', outcome: '' };

function connectionChanged() {
  renderUrlHint();
  showError(actionError, null);
  if (!tested.outcome || resultPanel.dataset.state === 'running') return;
  const stale = tested.key !== connectionKey();
  resultPanel.classList.toggle('stale', stale);
  resultPanel.dataset.state = stale ? 'stale' : tested.outcome;
}

function bindText(key, props = {}) {
  const input = textInput({ value: state.connection[key], ...props,
    oninput: (e) => { state.connection[key] = e.target.value; connectionChanged(); } });
  return input;
}

function renderAuthFields() {
  authInputs = {};
  const type = state.connection.authType;
  const fields = [];
  const add = (key, label, props) => {
    const f = field({ label, input: bindText(key, props) });
    authInputs[key] = f;
    fields.push(f.root);
  };
  if (type === 'basic') {
    add('username', 'Username', { autocomplete: 'username' });
    add('password', 'Password', { type: 'password', autocomplete: 'current-password' });
  } else if (type === 'bearer') {
    add('token', 'Bearer token', { type: 'password' });
  } else if (type === 'header') {
    add('headerName', 'Header name', { placeholder: 'X-Api-Key' });
    add('headerValue', 'Header value', { type: 'password' });
  }
  replace(authFields, fields);
  authFields.hidden = fields.length === 0;
}

const ICON = { ok: '✓', fail: '✕', warn: '!', skip: '–', wait: '…' };

function renderStages(stages, ...extra) {
  replace(resultPanel, h('ol', { class: 'stages' }, stages.map((s) => h('li', { class: `stage ${s.state}`, dataset: { stage: s.key } },
    h('span', { class: 'stage-icon', 'aria-hidden': 'true' }, ICON[s.state]),
    h('span', { class: 'stage-name' }, s.name),
    h('span', { class: 'visually-hidden' }, ` ${s.state === 'ok' ? 'passed' : s.state === 'fail' ? 'failed' : s.state === 'warn' ? 'warning' : 'not checked'}: `),
    h('span', { class: 'stage-detail' }, s.detail || ''),
    s.hint ? h('div', { class: 'stage-hint' }, s.hint) : null))), extra);
  resultPanel.hidden = false;
}

function componentNames(reply) {
  // `components` is vmgather's count of instances; the per-component details are beside it.
  const list = reply.detected_components || (Array.isArray(reply.components) ? reply.components : reply.vm_components) || [];
  if (!Array.isArray(list)) return Object.keys(list);
  return list.map((c) => (typeof c === 'string' ? c : c.component || c.name || c.job || '')).filter(Boolean);
}

function versionText(reply) {
  // Per component, every version with its instances (a cluster mid-upgrade runs two).
  const perComponent = (Array.isArray(reply.detected_components) ? reply.detected_components : [])
    .filter((c) => c && Array.isArray(c.versions_seen) && c.versions_seen.some((v) => v.version))
    .map((c) => `${c.component} ${versionsText(c.versions_seen)}`);
  if (perComponent.length) return perComponent.join(', ');
  if (typeof reply.version === 'string' && reply.version) return reply.version;
  const versions = reply.versions || reply.component_versions;
  if (versions && typeof versions === 'object') {
    const entries = Array.isArray(versions) ? versions.map((v) => [v.component || v.name, v.version]) : Object.entries(versions);
    const text = entries.filter(([, v]) => v).map(([k, v]) => `${k} ${v}`).join(', ');
    if (text) return text;
  }
  const list = Array.isArray(reply.detected_components) ? reply.detected_components.filter((c) => c && c.version) : [];
  if (list.length) return list.map((c) => `${c.component || c.name} ${c.version}`).join(', ');
  return '';
}

// "single" → "single-node"; adds what answers behind vmauth or a gateway.
function flavourText(reply) {
  const names = { single: 'single-node', cluster: 'cluster (vmselect)', vmauth: 'vmauth', managed: 'managed / gateway' };
  const raw = reply.flavour || reply.flavor || '';
  let text = names[raw] || raw;
  const backend = names[reply.backend] || reply.backend;
  if (text && backend && raw !== reply.backend) text += ` → ${backend}`;
  else if (text && reply.behind_vmauth && raw !== 'vmauth') text += ' behind vmauth';
  return text;
}

function successStages(reply) {
  const resolved = resolvedConnection(reply) || {};
  const auth = state.connection.authType === 'none' ? 'no authentication needed'
    : state.connection.authType === 'basic' ? `accepted for user ${state.connection.username}` : `accepted (${state.connection.authType})`;
  const flavour = flavourText(reply);
  const version = versionText(reply);
  const comps = componentNames(reply);
  return [
    { key: 'reachable', name: 'Reachable', state: 'ok', detail: resolved.full_api_url || reply.url || '' },
    { key: 'auth', name: 'Authentication', state: 'ok', detail: auth },
    { key: 'flavour', name: 'Flavour', state: flavour ? 'ok' : 'warn', detail: flavour || 'not detected' },
    { key: 'version', name: 'Version', state: version ? 'ok' : 'warn',
      detail: version || 'not reported (some builds leave the version label empty); detection used other evidence' },
    { key: 'components', name: 'Components', state: comps.length ? 'ok' : 'warn',
      detail: comps.length ? comps.join(', ') : 'none found yet; step 4 searches the whole time range' },
  ];
}

function failureStages(err) {
  const body = err.body || {};
  // The server names the failed stage: url, reachable, auth or api (the API answered wrongly).
  const aliases = { url: 'reachable', api: 'flavour' };
  const named = body.stage || body.failed_stage || (err.status === 401 || err.status === 403 ? 'auth' : 'reachable');
  const stage = aliases[named] || named;
  const order = ['reachable', 'auth', 'flavour', 'version', 'components'];
  const names = { reachable: 'Reachable', auth: 'Authentication', flavour: 'Flavour', version: 'Version', components: 'Components' };
  const failedAt = Math.max(0, order.indexOf(stage));
  return order.map((key, i) => ({
    key, name: names[key],
    state: i < failedAt ? 'ok' : i === failedAt ? 'fail' : 'skip',
    detail: i < failedAt ? (key === 'reachable' ? 'the server answered' : 'passed') : i === failedAt ? err.message : 'not checked',
    hint: i === failedAt ? err.hint : '',
  }));
}

function attemptsList(reply) {
  const attempts = (reply && (reply.attempts || reply.tried)) || [];
  if (!Array.isArray(attempts) || attempts.length === 0) return [];
  return [h('details', { class: 'attempts' }, h('summary', {}, `What was tried (${attempts.length})`),
    h('ul', {}, attempts.map((a) => h('li', {},
      h('span', { class: 'mono' }, typeof a === 'string' ? a : a.endpoint || a.url || a.full_api_url || ''),
      typeof a === 'object' ? ` — ${a.ok || a.success ? 'ok' : a.error || a.message || 'failed'}` : ''))))];
}

// The server's notes (fallbacks it took, e.g. an export route through another prefix) and hint.
function notesList(reply) {
  if (!reply) return [];
  const notes = new Set((Array.isArray(reply.notes) ? reply.notes : []).map(String));
  if (reply.success !== false && reply.hint) notes.add(String(reply.hint));
  if (notes.size === 0) return [];
  return [h('div', { class: 'validation-notes', 'data-role': 'validation-notes' }, h('div', { class: 'hint-title' }, 'Notes'),
    h('ul', { class: 'notes help' }, [...notes].map((n) => h('li', {}, n))))];
}

function checkInputs() {
  const c = state.connection;
  const d = describeUrl(c.url);
  if (!c.url.trim()) {
    showError(urlField.error, 'Enter the URL of your VictoriaMetrics (single-node, vmselect, vmauth or gateway).');
    urlField.input.focus();
    return false;
  }
  if (d.error) { urlField.input.focus(); return false; }
  const need = { basic: ['username', 'Enter the username.'], bearer: ['token', 'Enter the token.'], header: ['headerName', 'Enter the header name.'] }[c.authType];
  if (need && !c[need[0]].trim()) {
    showError(authInputs[need[0]].error, need[1]);
    authInputs[need[0]].input.focus();
    return false;
  }
  return true;
}

// Runs /api/validate for the current settings; resolves true when the connection works.
async function testConnection() {
  if (!checkInputs()) return false;
  if (running) return running;
  const key = connectionKey();
  testButton.disabled = true;
  testButton.textContent = 'Testing…';
  resultPanel.classList.remove('stale');
  resultPanel.dataset.state = 'running';
  renderStages([{ key: 'reachable', name: 'Reachable', state: 'wait', detail: 'contacting VictoriaMetrics…' }]);
  state.validation = null;
  running = (async () => {
    try {
      const reply = await api('api/validate', { body: { connection: connectionBody() } });
      if (reply && (reply.success === false || reply.ok === false || reply.reachable === false)) {
        const err = new Error(reply.error || reply.message || 'The connection test failed.');
        err.hint = reply.hint || '';
        err.body = reply;
        throw err;
      }
      state.validation = reply;
      state.validationKey = key;
      renderStages(successStages(reply), notesList(reply), attemptsList(reply));
      resultPanel.dataset.state = 'ok';
      tested = { key, outcome: 'ok' };
      return true;
    } catch (err) {
      renderStages(failureStages(err), notesList(err.body), attemptsList(err.body));
      if (err.body && err.body.stage === 'url') showError(urlField.error, err);
      resultPanel.dataset.state = 'failed';
      tested = { key, outcome: 'failed' };
      return false;
    } finally {
      testButton.disabled = false;
      testButton.textContent = 'Test connection';
      renderUrlHint();
      running = null;
    }
  })();
  return running;
}

function render() {
  const urlInput = bindText('url', { placeholder: 'http://vmselect:8481/select/0/prometheus', inputmode: 'url', name: 'vm-url' });
  urlField = field({ label: 'VictoriaMetrics URL', input: urlInput, wide: true });
  urlHint = h('div', { class: 'url-hint', 'aria-live': 'polite', 'data-role': 'url-hint' });
  urlField.root.insertBefore(urlHint, urlField.error);
  urlInput.addEventListener('keydown', (e) => { if (e.key === 'Enter') testConnection(); });

  authFields = h('div', { class: 'row' });
  const auth = radioGroup({ legend: 'Authentication', name: 'auth-type', horizontal: true, value: state.connection.authType,
    options: [{ value: 'none', label: 'None' }, { value: 'basic', label: 'Basic' }, { value: 'bearer', label: 'Bearer token' }, { value: 'header', label: 'Custom header' }],
    onchange: (v) => { state.connection.authType = v; renderAuthFields(); connectionChanged(); } });

  const caFile = field({ label: 'CA certificate file (PEM path on this computer)', input: bindText('caFile', { placeholder: '/etc/ssl/my-ca.pem' }) });
  const tls = h('details', { class: 'tls', open: state.connection.skipTlsVerify || !!state.connection.caFile },
    h('summary', {}, 'TLS options'),
    switchRow({ label: 'Skip TLS certificate verification', help: 'Only for self-signed test setups: anyone in between could read the traffic.',
      checked: state.connection.skipTlsVerify, onchange: (v) => { state.connection.skipTlsVerify = v; connectionChanged(); } }),
    caFile.root);

  testButton = button('Test connection', () => testConnection(), { kind: 'primary-outline', 'data-role': 'test' });
  actionError = errorBox();
  resultPanel = h('div', { class: 'result-panel', 'aria-live': 'polite', 'data-role': 'validation', hidden: true });
  if (state.validation) {
    renderStages(successStages(state.validation), notesList(state.validation), attemptsList(state.validation));
    resultPanel.dataset.state = 'ok';
    tested = { key: state.validationKey, outcome: 'ok' };
  } else {
    tested = { key: '', outcome: '' };
  }
  renderAuthFields();
  renderUrlHint();
  connectionChanged();
  return h('div', {}, h('p', { class: 'lead' }, 'Point vmexporter at the VictoriaMetrics that stores your components\' own metrics (often a separate monitoring instance).'),
    urlField.root, auth, authFields, tls,
    h('div', { class: 'actions' }, testButton), actionError, resultPanel);
}

async function leave() {
  if (state.validation && state.validationKey === connectionKey()) return true;
  return testConnection();
}

export default { title: 'Connection', render, leave };
