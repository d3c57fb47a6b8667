// A quick, client-side reading of a pasted VictoriaMetrics URL, shown while the user types. The
// server normalises for real (/api/validate); this only explains what it will most likely do.

// Returns {ok, parts: [[name, value]...], notes: [...], error} for the text in the URL field.
export function describeUrl(text) {
  let raw = (text || '').trim();
  if (!raw) return { ok: false, parts: [], notes: [], error: '' };
  const notes = [];
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    raw = `http://${raw}`;
    notes.push('No scheme given: http:// is assumed.');
  }
  let u;
  try {
    u = new URL(raw);
  } catch {
    return { ok: false, parts: [], notes, error: 'This does not look like a URL. Example: http://vmselect:8481/select/0/prometheus' };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    return { ok: false, parts: [], notes, error: `Only http:// and https:// are supported, not ${u.protocol}//.` };
  }
  if (u.username || u.password) notes.push('Credentials in the URL will be moved to basic auth and never shown or logged.');
  let path = u.pathname.replace(/\/+$/, '');
  const apiAt = path.search(/\/api\/v1(\/|$)/);
  if (apiAt >= 0) {
    path = path.slice(0, apiAt);
    notes.push('The API part of the pasted URL (/api/v1/…) is ignored.');
  }
  if (u.search && apiAt < 0) notes.push('The query string is ignored.');
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const parts = [['Host', `${u.protocol}//${u.hostname.includes(':') ? `[${u.hostname}]` : u.hostname}${u.port ? `:${u.port}` : ''}`]];
  let flavour = '';
  let m;
  if ((m = /^(.*)\/select\/([^/]+)(\/prometheus)?$/.exec(path))) {
    flavour = 'cluster vmselect';
    if (m[2] === 'multitenant') parts.push(['Tenant', 'all tenants (multitenant)']);
    else parts.push(['Tenant', m[2]]);
    if (m[1]) parts.push(['Path prefix', m[1]]);
    path = `${m[1]}/select/${m[2]}/prometheus`;
  } else if (/(^|\/)select$/.test(path)) {
    flavour = 'cluster vmselect';
    notes.push('No tenant in the URL: the cluster needs /select/<tenant>/prometheus (tenant 0 is tried).');
  } else if ((m = /^(.*)\/insert\/([^/]+)/.exec(path))) {
    return { ok: false, parts, notes, error: 'This is a vminsert (write) URL. Use the vmselect URL: …:8481/select/<tenant>/prometheus' };
  } else if ((m = /^(.*)\/(\d+(?::\d+)?)\/(rw|r)\/prometheus$/.exec(path))) {
    flavour = m[3] === 'rw' ? 'gateway (read-write route)' : 'gateway (read route)';
    parts.push(['Tenant', m[2]]);
    if (m[3] === 'rw') notes.push('If the /rw/ route cannot export, the same URL without rw is used for the export.');
  } else if ((m = /^(.*)\/(\d+(?::\d+)?)\/prometheus$/.exec(path))) {
    flavour = 'gateway / managed';
    parts.push(['Tenant', m[2]]);
  } else if (/\/prometheus$/.test(path)) {
    flavour = port === '8481' ? 'cluster vmselect' : 'single-node or vmauth';
  } else if (port === '8428') {
    flavour = 'single-node';
  } else if (port === '8481') {
    flavour = 'cluster vmselect';
    notes.push('No tenant in the URL: the cluster needs /select/<tenant>/prometheus (tenant 0 is tried).');
  } else if (port === '8427') {
    flavour = 'vmauth';
  }
  if (flavour) parts.push(['Looks like', flavour]);
  if (path) parts.push(['API base', path]);
  return { ok: true, parts, notes, error: '' };
}
