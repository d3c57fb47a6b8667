// Queries against the overview's VictoriaMetrics, through vmimport's token-protected proxy
// (/api/view/query, /api/view/query_range). Answers come back as plain arrays for charts.
import { api } from './api.js';

function params(obj) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(obj)) if (v !== undefined && v !== null) p.append(k, String(v));
  return p.toString();
}

async function prom(path, args) {
  try {
    const body = await api(`api/view/${path}?${params(args)}`);
    return body.data;
  } catch (e) {
    // VictoriaMetrics' own error text for a bad query: {"status":"error","error":"…"}.
    if (e.body && e.body.error) e.message = e.body.error;
    throw e;
  }
}

// A range query over [startS, endS] (unix seconds): [{metric, points: [[ts, value], …]}].
export async function queryRange(query, startS, endS, stepS) {
  const data = await prom('query_range', { query, start: startS, end: endS, step: `${stepS}s` });
  return data.result.map((r) => ({
    metric: r.metric,
    points: r.values.map(([t, v]) => [Number(t), Number(v)]),
  }));
}

// An instant query at `timeS`: [{metric, value}].
export async function queryInstant(query, timeS) {
  const data = await prom('query', { query, time: timeS });
  if (data.resultType === 'scalar') return [{ metric: {}, value: Number(data.result[1]) }];
  return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

// Quotes a string for a MetricsQL label matcher ("…").
export function quote(s) {
  return `"${String(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

// A regex matching exactly the given strings, for job=~"…".
export function exactRegex(values) {
  return values.map((v) => String(v).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
}
