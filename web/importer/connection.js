// The target card: URL, tenant, auth and TLS, and the connection check.
import { api } from './api.js';
import { $, fill, message, el } from './dom.js';

const authFields = { basic: 'auth-basic', bearer: 'auth-bearer', header: 'auth-header' };

function showAuthFields() {
  const type = $('auth-type').value;
  for (const [name, id] of Object.entries(authFields)) $(id).hidden = name !== type;
}

// The connection part of the import config.
export function connectionConfig() {
  const type = $('auth-type').value;
  const auth = { type };
  if (type === 'basic') { auth.username = $('username').value; auth.password = $('password').value; }
  if (type === 'bearer') auth.token = $('token').value;
  if (type === 'header') { auth.header_name = $('header-name').value.trim(); auth.header_value = $('header-value').value; }
  return {
    url: $('url').value.trim(),
    tenant_id: $('tenant').value.trim(),
    project_id: $('project').value.trim(),
    read_url: $('read-url').value.trim(),
    auth,
    skip_tls_verify: $('skip-tls').checked,
    tls_ca_file: $('tls-ca-file').value.trim(),
    tls_cert_file: $('tls-cert-file').value.trim(),
    tls_key_file: $('tls-key-file').value.trim(),
  };
}

// Checks the connection and shows the result; resolves with the answer (or null on failure).
export async function checkConnection() {
  const out = $('check-result');
  fill(out, message('info', 'Checking…'));
  try {
    const r = await api('api/connection/check', { json: { connection: connectionConfig() } });
    if (r.ok) {
      const details = [`writes go to ${r.target.write_url}`];
      details.push(r.retention ? `retention ${r.retention}` : 'retention unknown (type it in the options)');
      details.push(r.max_labels_per_series != null ? `at most ${r.max_labels_per_series} labels per series`
        : 'label limit unknown (type it in the options)');
      fill(out, message('ok', 'Connected: the target accepts imports and answers queries.', details.join(' · ')));
    } else {
      fill(out, message('error', r.error, r.hint));
    }
    return r;
  } catch (e) {
    fill(out, message('error', e.message, e.hint));
    return null;
  }
}

export function initConnection(onChange) {
  $('auth-type').addEventListener('change', showAuthFields);
  showAuthFields();
  $('check-btn').addEventListener('click', async () => {
    const r = await checkConnection();
    if (r && r.ok) onChange();
  });
  for (const input of document.querySelectorAll('#connection-card input, #connection-card select')) {
    input.addEventListener('change', () => fill($('check-result'), el('span')));
  }
}
