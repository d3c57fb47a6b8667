// The exports this page started, remembered in localStorage (per origin, so per vmexporter
// process and port) so that a closed tab, opened again, finds its running and finished exports.
// Only job ids are kept: they are useless without the session token.
const KEY = 'vmexporter.jobs';
const LIMIT = 20;

export function knownJobIds() {
  try {
    const ids = JSON.parse(localStorage.getItem(KEY) || '[]');
    return Array.isArray(ids) ? ids.filter((id) => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

function store(ids) {
  try {
    localStorage.setItem(KEY, JSON.stringify(ids.slice(-LIMIT)));
  } catch {
    // Storage disabled: reattaching is a convenience, the export itself is unaffected.
  }
}

export function rememberJob(id) {
  if (id) store([...knownJobIds().filter((known) => known !== id), id]);
}

export function forgetJob(id) {
  store(knownJobIds().filter((known) => known !== id));
}
