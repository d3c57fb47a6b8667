// Keeps the wizard's settings across a reload or a Back/Forward through the browser's history, in
// this tab's sessionStorage. Secrets (password, token, header value, obfuscation key) are never
// stored: the user types them again.
import { state } from './state.js';
import { PRESETS, presetRange } from './time.js';

const KEY = 'vmexporter.settings';

export function saveSettings() {
  const c = state.connection;
  const p = state.privacy;
  const settings = {
    mode: state.mode,
    queryType: state.queryType,
    query: state.query,
    range: state.range,
    connection: { url: c.url, authType: c.authType, username: c.username, headerName: c.headerName,
      skipTlsVerify: c.skipTlsVerify, caFile: c.caFile },
    selectedJobs: [...state.selectedJobs],
    privacy: { enabled: p.enabled, instance: p.instance, job: p.job, deepScrub: p.deepScrub,
      customLabels: [...p.customLabels], dropLabels: [...p.dropLabels] },
    metricStepSeconds: state.metricStepSeconds,
    batchWindowSeconds: state.batchWindowSeconds,
    stagingDir: state.stagingDir,
  };
  try {
    sessionStorage.setItem(KEY, JSON.stringify(settings));
  } catch {
    // Storage full or disabled: the wizard still works, it only forgets on reload.
  }
}

// Puts saved settings back into `state`; returns whether there were any.
export function restoreSettings() {
  let saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(KEY) || 'null');
  } catch {
    saved = null;
  }
  if (!saved || typeof saved !== 'object') return false;
  const pick = (value, fallback) => (typeof value === typeof fallback ? value : fallback);
  state.mode = saved.mode === 'custom' ? 'custom' : 'cluster';
  state.queryType = saved.queryType === 'metricsql' ? 'metricsql' : 'selector';
  state.query = pick(saved.query, '');
  if (saved.range && typeof saved.range === 'object') {
    Object.assign(state.range, saved.range);
    // A preset ("last 3h") means "ending now", not ending when it was chosen.
    const preset = PRESETS.find((p) => p.key === saved.range.preset);
    if (preset) Object.assign(state.range, presetRange(preset.seconds));
  }
  if (saved.connection && typeof saved.connection === 'object') {
    for (const k of ['url', 'authType', 'username', 'headerName', 'skipTlsVerify', 'caFile']) {
      state.connection[k] = pick(saved.connection[k], state.connection[k]);
    }
  }
  state.selectedJobs = new Set(Array.isArray(saved.selectedJobs) ? saved.selectedJobs : []);
  if (saved.privacy && typeof saved.privacy === 'object') {
    const p = state.privacy;
    for (const k of ['enabled', 'instance', 'job', 'deepScrub']) p[k] = pick(saved.privacy[k], p[k]);
    p.customLabels = new Set(Array.isArray(saved.privacy.customLabels) ? saved.privacy.customLabels : []);
    p.dropLabels = new Set(Array.isArray(saved.privacy.dropLabels) ? saved.privacy.dropLabels : []);
  }
  state.metricStepSeconds = pick(saved.metricStepSeconds, 0);
  state.batchWindowSeconds = pick(saved.batchWindowSeconds, 0);
  state.stagingDir = pick(saved.stagingDir, '');
  return true;
}
