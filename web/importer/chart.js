// The one chart of the overview: a uPlot line chart (window.uPlot, embedded at build time from the
// npm package) of series [{label, points: [[unixSeconds, value], …]}], with unit-aware axes and
// legend, resized with its container. Labels reach uPlot as data; it renders them as text.
import { formatValue } from './units.js';

const palette = ['#3f51b5', '#e8710a', '#12a4b4', '#c5221f', '#188038', '#9334e6', '#f9ab00', '#5f6368',
  '#d01884', '#1a73e8', '#795548', '#00897b'];

// Merges the series' timestamps into one x axis; missing points stay null (gaps).
function align(series) {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const col = new Array(xs.length).fill(null);
    for (const [t, v] of s.points) col[index.get(t)] = Number.isFinite(v) ? v : null;
    return col;
  });
  return [xs, ...ys];
}

// Draws into `container` (emptied first) and returns the uPlot instance. `width` saves a layout
// when the caller knows it; by default the container's.
export function drawChart(container, series, { unit = 'short', height = 220, startS, endS, width: known } = {}) {
  container.replaceChildren();
  const width = Math.max(260, known || container.clientWidth || 600);
  const opts = {
    width,
    height,
    // Times in UTC, like the bundle's metadata.
    tzDate: (ts) => window.uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    scales: { x: { time: true, ...(startS && endS ? { range: () => [startS, endS] } : {}) } },
    series: [
      { value: (u, v) => (v == null ? '–' : new Date(v * 1000).toISOString().replace('T', ' ').slice(0, 19)) },
      ...series.map((s, i) => ({
        label: s.label,
        stroke: palette[i % palette.length],
        width: 1.5,
        spanGaps: false,
        points: { show: false },
        value: (u, v) => formatValue(v, unit),
      })),
    ],
    axes: [
      { stroke: '#5f6368', grid: { stroke: '#eceff3' } },
      {
        stroke: '#5f6368',
        grid: { stroke: '#eceff3' },
        size: 84,
        values: (u, vals) => vals.map((v) => formatValue(v, unit)),
      },
    ],
    legend: { live: true },
    cursor: { points: { size: 5 } },
  };
  const plot = new window.uPlot(opts, align(series), container);
  const observer = new ResizeObserver(() => {
    const w = Math.max(260, container.clientWidth);
    if (Math.abs(w - plot.width) > 2) plot.setSize({ width: w, height });
  });
  observer.observe(container);
  return plot;
}

// A legend label from a series' labels: the listed keys in order, the rest after.
export function seriesLabel(metric, keys = []) {
  const parts = [];
  for (const k of keys) if (metric[k] !== undefined) parts.push(metric[k]);
  for (const [k, v] of Object.entries(metric)) if (!keys.includes(k) && k !== '__name__') parts.push(`${k}=${v}`);
  if (metric.__name__) parts.unshift(metric.__name__);
  return parts.join(' ') || 'value';
}
