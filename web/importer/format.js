// Number, byte, duration and time formatting for people.
export function bytes(n) {
  if (n == null) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Number(n);
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u += 1; }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

export function count(n) {
  if (n == null) return '-';
  return Number(n).toLocaleString('en-US');
}

export function seconds(s) {
  if (s == null || !Number.isFinite(s)) return '-';
  s = Math.round(s);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function shift(ms) {
  if (!ms) return 'none';
  const sign = ms < 0 ? '-' : '+';
  return sign + seconds(Math.abs(ms) / 1000);
}
