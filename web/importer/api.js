// Every request the page makes to vmimport goes through this file, so headers (the session
// token) are added in one place. Paths are relative ('api/...') so the page works under any prefix.
const TOKEN_KEY = 'vmimport.token';
const headers = {};

// Reads ?token=… from the address bar (as printed by vmimport), keeps it for this tab in
// sessionStorage and removes it from the visible URL and history, as the exporter's page does.
function sessionToken() {
  const params = new URLSearchParams(window.location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    params.delete('token');
    const query = params.toString();
    window.history.replaceState(null, '', window.location.pathname + (query ? `?${query}` : '') + window.location.hash);
  }
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

const token = sessionToken();
if (token) headers['X-Auth-Token'] = token;

// The session token, for links that open another page of this vmimport in a new tab (which
// has no copy of this tab's sessionStorage); that page takes it out of its address bar again.
export function pageToken() {
  return token;
}

// Sets a header sent with every API request.
export function setApiHeader(name, value) {
  headers[name] = value;
}

// The Error for an API answer with HTTP `status` and JSON `body` ({error, hint}).
export function failure(status, body) {
  const err = new Error((body && body.error) || `the request failed with HTTP ${status}`);
  err.hint = body && body.hint;
  err.status = status;
  err.body = body;
  return err;
}

// Calls the API; `json` makes it a POST with a JSON body. Resolves with the JSON answer,
// rejects with an Error carrying .hint on a 4xx/5xx answer.
export async function api(path, { json, method } = {}) {
  const init = { method: method || (json === undefined ? 'GET' : 'POST'), headers: { ...headers }, credentials: 'same-origin' };
  if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  }
  const res = await fetch(path, init);
  let body = null;
  try { body = await res.json(); } catch { body = null; }
  if (!res.ok) throw failure(res.status, body);
  return body;
}

// POSTs multipart form data, reporting upload progress as onProgress(sentBytes, totalBytes).
export function upload(path, formData, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.withCredentials = true;
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable && onProgress) onProgress(e.loaded, e.total); };
    xhr.onerror = () => reject(new Error('the upload was interrupted; is vmimport still running?'));
    xhr.onload = () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { body = null; }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else reject(failure(xhr.status, body));
    };
    xhr.send(formData);
  });
}
