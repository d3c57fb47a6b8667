// Time ranges in a chosen time zone. The user reads and types wall-clock times in that zone; the
// API always gets the same instants as UTC RFC 3339.

export const PRESETS = [
  { key: '15m', label: '15m', seconds: 15 * 60 },
  { key: '1h', label: '1h', seconds: 3600 },
  { key: '3h', label: '3h', seconds: 3 * 3600 },
  { key: '6h', label: '6h', seconds: 6 * 3600 },
  { key: '12h', label: '12h', seconds: 12 * 3600 },
  { key: '24h', label: '24h', seconds: 24 * 3600 },
  { key: '7d', label: '7d', seconds: 7 * 86400 },
];

// The browser's own zone, e.g. "Europe/Berlin" ("UTC" when the browser does not say).
export function browserZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

// Every IANA zone the browser knows, UTC and the browser's zone first.
export function zoneChoices() {
  const own = browserZone();
  let all = [];
  try { all = Intl.supportedValuesOf('timeZone'); } catch { all = []; }
  const rest = all.filter((z) => z !== own && z !== 'UTC');
  return own === 'UTC' ? ['UTC', ...rest] : [own, 'UTC', ...rest];
}

const formatters = new Map();
function partsFormatter(zone) {
  if (!formatters.has(zone)) {
    formatters.set(zone, new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'shortOffset',
    }));
  }
  return formatters.get(zone);
}

// Wall-clock fields of the instant `ms` in `zone`: {year, month, day, hour, minute, second, offset}.
export function wallClock(ms, zone) {
  const parts = {};
  for (const p of partsFormatter(zone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  return {
    year: Number(parts.year), month: Number(parts.month), day: Number(parts.day),
    hour: Number(parts.hour), minute: Number(parts.minute), second: Number(parts.second),
    offset: (parts.timeZoneName || '').replace('GMT', 'UTC') || 'UTC',
  };
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

// "2025-01-02T03:04:05" in `zone`: the value a datetime-local input with step=1 shows.
export function toInputValue(ms, zone) {
  const w = wallClock(ms, zone);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
}

// "2025-01-02 03:04:05 UTC+1" for people.
export function formatInZone(ms, zone) {
  const w = wallClock(ms, zone);
  const offset = zone === 'UTC' ? 'UTC' : w.offset === 'UTC' ? 'UTC+0' : w.offset;
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)} ${offset}`;
}

function offsetAt(ms, zone) {
  const w = wallClock(ms, zone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

// Parses a datetime-local value ("2025-01-02T03:04" or with ":05") as wall-clock time in `zone`.
// Returns {ms} or {error}; a time skipped by a daylight-saving change is an error, not a guess.
export function parseInputValue(text, zone) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text || '');
  if (!m) return { error: 'Enter a date and time (YYYY-MM-DD hh:mm:ss).' };
  const [year, month, day, hour, minute, second] = m.slice(1).map((v) => Number(v || 0));
  const naive = Date.UTC(year, month - 1, day, hour, minute, second);
  let ms = naive - offsetAt(naive, zone);
  const second_try = naive - offsetAt(ms, zone);
  if (second_try !== ms) ms = second_try;
  if (toInputValue(ms, zone) !== `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${pad(second)}`) {
    return { error: `This time does not exist in ${zone} (a daylight-saving change skips it).` };
  }
  return { ms };
}

// RFC 3339 in UTC without needless milliseconds: "2025-01-02T03:04:05Z".
export function toRfc3339(ms) {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

// A preset range ending now, on whole seconds.
export function presetRange(seconds, nowMs = Date.now()) {
  const end = Math.floor(nowMs / 1000) * 1000;
  return { startMs: end - seconds * 1000, endMs: end };
}
