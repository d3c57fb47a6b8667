// The one way the wizard talks to its server: relative /api URLs, the session token as the
// X-Auth-Token header, and errors turned into ApiError {message, hint, status}.

const TOKEN_KEY = 'vmexporter.token';
let token = '';

// Reads ?token=… from the address bar (as printed by vmexporter), keeps it for this tab in
// sessionStorage and removes it from the visible URL and history.
export function initSession() {
  const params = new URLSearchParams(window.location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    params.delete('token');
    const query = params.toString();
    window.history.replaceState(null, '', window.location.pathname + (query ? `?${query}` : '') + window.location.hash);
  }
  token = sessionStorage.getItem(TOKEN_KEY) || '';
}

// An error reply of our API ({"error","status","hint"}) or a failure to reach it.
export class ApiError extends Error {
  constructor(message, { status = 0, hint = '', body = null } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.hint = hint;
    this.body = body;
  }
}

// Calls `path` (relative, e.g. 'api/validate'); `body` is sent as JSON. Resolves with the parsed
// reply; rejects with ApiError (or the AbortError of `signal`).
export async function api(path, { method, body, signal } = {}) {
  const headers = { 'X-Auth-Token': token, Accept: 'application/json' };
  const init = { method: method || (body === undefined ? 'GET' : 'POST'), headers, signal, cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError('Cannot reach vmexporter.', {
      hint: 'Is it still running? Start it again and open the URL it prints.',
    });
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    let hint = (data && data.hint) || '';
    if (!hint && res.status === 401) hint = 'Open the URL vmexporter printed at start-up (it ends with ?token=…).';
    if (!hint && res.status === 404 && !(data && data.error)) hint = 'This vmexporter version does not offer this yet.';
    throw new ApiError((data && data.error) || `${path} failed: HTTP ${res.status}`, { status: res.status, hint, body: data });
  }
  return data;
}

// The link that downloads a file this vmexporter produced (the session cookie authorises it).
export function downloadHref(path) {
  return `api/download?path=${encodeURIComponent(path)}`;
}

// The link that downloads the original -> pseudonym mapping of a completed, obfuscated export
// (served from memory, never stored by vmexporter; the session cookie authorises it).
export function mappingHref(jobId) {
  return `api/export/mapping?id=${encodeURIComponent(jobId)}`;
}
