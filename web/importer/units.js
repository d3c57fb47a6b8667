// Formats chart values by unit: bytes, percent (0..1), seconds, per-second rates, plain counts.
const si = ['', 'k', 'M', 'G', 'T', 'P'];

function short(v) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a < 0.001) return v.toExponential(1);
  if (a < 1) return v.toFixed(3).replace(/0+$/, '').replace(/\.$/, '');
  let u = 0;
  let x = v;
  while (Math.abs(x) >= 1000 && u < si.length - 1) { x /= 1000; u += 1; }
  return `${Number(x.toFixed(Math.abs(x) < 10 ? 2 : 1))}${si[u]}`;
}

function bytes(v) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let x = v;
  let u = 0;
  while (Math.abs(x) >= 1024 && u < units.length - 1) { x /= 1024; u += 1; }
  return `${Number(x.toFixed(Math.abs(x) < 10 ? 2 : 1))} ${units[u]}`;
}

function duration(v) {
  const a = Math.abs(v);
  if (a === 0) return '0s';
  if (a < 1e-3) return `${Number((v * 1e6).toFixed(1))}µs`;
  if (a < 1) return `${Number((v * 1e3).toFixed(1))}ms`;
  if (a < 120) return `${Number(v.toFixed(2))}s`;
  if (a < 7200) return `${Number((v / 60).toFixed(1))}m`;
  return `${Number((v / 3600).toFixed(1))}h`;
}

// `unit` is one of 'bytes', 'percent', 'seconds', 'cores', 'per_second', 'short'.
export function formatValue(v, unit) {
  if (v == null || Number.isNaN(v)) return '–';
  switch (unit) {
    case 'bytes': return bytes(v);
    case 'percent': return `${Number((v * 100).toFixed(v * 100 < 10 ? 2 : 1))}%`;
    case 'seconds': return duration(v);
    case 'cores': return `${short(v)} cores`;
    case 'per_second': return `${short(v)}/s`;
    default: return short(v);
  }
}

export const unitNames = {
  bytes: 'bytes', percent: 'percent', seconds: 'seconds', cores: 'CPU cores', per_second: 'per second', short: '',
};
