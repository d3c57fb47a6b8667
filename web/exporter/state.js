// The wizard's state: what the user chose in each step, and the API request bodies built from it.
// Secrets (password, token, header value) live here in memory only, never in storage.
import { browserZone, presetRange, toRfc3339 } from './time.js';

function initialState() {
  const range = presetRange(3600);
  return {
    serverConfig: null, // GET /api/config
    mode: 'cluster', // 'cluster' (VictoriaMetrics components) | 'custom'
    queryType: 'selector',
    query: '',
    range: { preset: '1h', startMs: range.startMs, endMs: range.endMs, zone: browserZone(), startText: '', endText: '' },
    connection: {
      url: '', authType: 'none', username: '', password: '', token: '', headerName: '', headerValue: '',
      skipTlsVerify: false, caFile: '',
    },
    validation: null, // last successful /api/validate reply
    validationKey: '', // connectionKey() it belongs to
    discovery: null, // last /api/discover reply
    discoveryKey: '',
    selectedJobs: new Set(), // "component\u0000job"
    privacy: {
      enabled: true, instance: true, job: true, deepScrub: true,
      customLabels: new Set(), dropLabels: new Set(),
      keepLabels: new Set(), // default identity labels the user opted out of
      key: '', // optional obfuscation key (a secret: memory only)
    },
    metricStepSeconds: 0,
    batchWindowSeconds: 0, // 0: automatic
    stagingDir: '',
    job: null, // {id, start reply}
  };
}

export const state = initialState();

// Resets everything except the server config and the connection (so "start another" is quick).
export function resetForAnotherExport() {
  const keep = { serverConfig: state.serverConfig, connection: state.connection, validation: state.validation,
    validationKey: state.validationKey, stagingDir: state.stagingDir };
  Object.assign(state, initialState(), keep);
}

export const jobKey = (component, job) => `${component}\u0000${job}`;

// The connection as the API expects it (SPEC section 4). Once /api/validate resolved the URL,
// its normalised parts are sent too so every later call uses exactly what was tested.
export function connectionBody() {
  const c = state.connection;
  const auth = { type: c.authType };
  if (c.authType === 'basic') Object.assign(auth, { username: c.username, password: c.password });
  if (c.authType === 'bearer') auth.token = c.token;
  if (c.authType === 'header') Object.assign(auth, { header_name: c.headerName, header_value: c.headerValue });
  const body = { url: c.url.trim(), auth, skip_tls_verify: c.skipTlsVerify };
  if (c.caFile.trim()) body.tls_ca_file = c.caFile.trim();
  const resolved = state.validation && state.validationKey === connectionKey() ? resolvedConnection(state.validation) : null;
  if (resolved) {
    for (const k of ['url', 'api_base_path', 'tenant_id', 'is_multitenant', 'full_api_url']) {
      if (resolved[k] !== undefined && resolved[k] !== null) body[k] = resolved[k];
    }
    // The resolved URL no longer carries user:pass@; keep sending them, as basic auth.
    const fromUrl = urlCredentials(c.url);
    if (fromUrl && c.authType === 'none') body.auth = { type: 'basic', ...fromUrl };
  }
  return body;
}

// {username, password} written into a pasted URL (user:pass@host), or null.
function urlCredentials(text) {
  const raw = text.trim();
  try {
    const u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
    if (!u.username) return null;
    return { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
  } catch {
    return null;
  }
}

// The normalised connection inside a /api/validate reply, wherever the server put it.
export function resolvedConnection(validation) {
  if (!validation) return null;
  return validation.connection || validation.resolved_connection || validation.resolved || null;
}

// Identifies what the user typed, so a changed URL or credential invalidates earlier checks.
export function connectionKey() {
  const c = state.connection;
  return JSON.stringify([c.url.trim(), c.authType, c.username, c.password, c.token, c.headerName, c.headerValue,
    c.skipTlsVerify, c.caFile.trim()]);
}

export function timeRangeBody() {
  return { start: toRfc3339(state.range.startMs), end: toRfc3339(state.range.endMs) };
}

// The selected jobs grouped: {components: [...], jobs: [...], jobComponents: {job: component}}
// in discovery order. jobComponents lets the server name pseudonyms <component>-job-<n> even
// when several components are exported together.
export function selection() {
  const components = [];
  const jobs = [];
  const jobComponents = {};
  for (const comp of (state.discovery && state.discovery.components) || []) {
    let any = false;
    for (const job of comp.jobs || []) {
      if (state.selectedJobs.has(jobKey(comp.component, job))) {
        any = true;
        if (!jobs.includes(job)) jobs.push(job);
        jobComponents[job] = comp.component;
      }
    }
    if (any) components.push(comp.component);
  }
  return { components, jobs, jobComponents };
}

// The full ExportConfig (SPEC section 4) for /api/sample and /api/export/start.
// `overrides.obfuscation` replaces the obfuscation part (label discovery asks for raw labels).
export function exportConfigBody(overrides = {}) {
  const p = state.privacy;
  const { components, jobs, jobComponents } = state.mode === 'cluster' ? selection() : { components: [], jobs: [], jobComponents: {} };
  const body = {
    connection: connectionBody(),
    time_range: timeRangeBody(),
    components,
    jobs,
    job_components: jobComponents,
    mode: state.mode,
    query_type: state.queryType,
    query: state.mode === 'custom' ? state.query.trim() : '',
    obfuscation: {
      enabled: p.enabled,
      obfuscate_instance: p.enabled && p.instance,
      obfuscate_job: p.enabled && p.job,
      preserve_structure: true,
      deep_scrub: p.enabled && p.deepScrub,
      custom_labels: p.enabled ? [...p.customLabels] : [],
      drop_labels: [...p.dropLabels],
      keep_labels: [...p.keepLabels],
      ...(p.enabled && p.key ? { key: p.key } : {}),
    },
    batching: state.batchWindowSeconds > 0
      ? { enabled: true, strategy: 'custom', custom_interval_seconds: state.batchWindowSeconds }
      : { enabled: true, strategy: 'auto', custom_interval_seconds: 0 },
    staging_dir: state.stagingDir.trim(),
    metric_step_seconds: state.metricStepSeconds,
  };
  return Object.assign(body, overrides);
}
