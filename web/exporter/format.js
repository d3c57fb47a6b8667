// Number, size and duration formatting for people.

const numberFormat = new Intl.NumberFormat('en-US');

export function formatNumber(n) {
  return Number.isFinite(n) ? numberFormat.format(Math.round(n)) : '—';
}

// 1536 → "1.5 KiB".
export function formatBytes(bytes) {
  if (!Number.isFinite(bytes)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i += 1; }
  return `${i === 0 ? Math.round(v) : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

// 3725 → "1h 2m 5s"; below a second "<1s".
export function formatDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 1) return '<1s';
  let s = Math.round(seconds);
  const d = Math.floor(s / 86400); s -= d * 86400;
  const hh = Math.floor(s / 3600); s -= hh * 3600;
  const mm = Math.floor(s / 60); s -= mm * 60;
  const parts = [];
  if (d) parts.push(`${d}d`);
  if (hh) parts.push(`${hh}h`);
  if (mm && !d) parts.push(`${mm}m`);
  if (s && !d && !hh) parts.push(`${s}s`);
  return parts.join(' ') || '0s';
}

// The first finite number among obj[names[i]]; undefined when none.
export function pickNumber(obj, ...names) {
  if (!obj) return undefined;
  for (const n of names) {
    const v = obj[n];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

// Versions a component ran in the range with their instance counts, from versions_seen
// ([{version, instances}], "" = the build reported none): "v1.97.1", "v1.97.0 ×2 · v1.97.1 ×1",
// "version not reported". "" when there is nothing to say.
export function versionsText(seen) {
  if (!Array.isArray(seen) || !seen.length) return '';
  const name = (v) => v.version || 'version not reported';
  if (seen.length === 1) return name(seen[0]);
  return seen.map((v) => `${name(v)} ×${v.instances}`).join(' · ');
}
