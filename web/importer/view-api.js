// Queries against the overview's VictoriaMetrics, through vmimport's token-protected proxy
// (/api/view/query, /api/view/query_range, and /api/view/batch for many at once). Answers come
// back as plain arrays for charts.
import { api, failure } from './api.js';

function params(obj) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(obj)) if (v !== undefined && v !== null) p.append(k, String(v));
  return p.toString();
}

function rangeSeries(data) {
  return data.result.map((r) => ({
    metric: r.metric,
    points: r.values.map(([t, v]) => [Number(t), Number(v)]),
  }));
}

function instantRows(data) {
  if (data.resultType === 'scalar') return [{ metric: {}, value: Number(data.result[1]) }];
  return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

// A range query over [startS, endS] (unix seconds) for runBatch; answers [{metric, points: [[ts, value], …]}].
export function rangeQuery(query, startS, endS, stepS) {
  return { route: 'query_range', params: { query, start: startS, end: endS, step: `${stepS}s` }, parse: rangeSeries };
}

// An instant query at `timeS` for runBatch; answers [{metric, value}].
export function instantQuery(query, timeS) {
  return { route: 'query', params: { query, time: timeS }, parse: instantRows };
}

// The most queries vmimport takes in one batch.
const maxBatch = 200;

// Runs queries made by rangeQuery/instantQuery in one request (a browser pays for every request
// it makes; vmimport runs them side by side). Resolves with one entry per query, in order: its
// parsed answer, or an Error for a query that failed. Rejects only if the request itself fails.
export async function runBatch(queries) {
  const out = [];
  for (let i = 0; i < queries.length; i += maxBatch) {
    const part = queries.slice(i, i + maxBatch);
    const answer = await api('api/view/batch', { json: { queries: part.map(({ route, params: p }) => ({ route, params: p })) } });
    answer.results.forEach((r, j) => {
      const ok = r.status >= 200 && r.status < 300 && r.body && r.body.data;
      // A bad query's body is VictoriaMetrics' {"status":"error","error":"…"}: its text is the message.
      out.push(ok ? part[j].parse(r.body.data) : failure(r.status, r.body));
    });
  }
  return out;
}

// A range query over [startS, endS] (unix seconds) on its own (the query box):
// [{metric, points: [[ts, value], …]}]. A bad query rejects with VictoriaMetrics' error text.
export async function queryRange(query, startS, endS, stepS) {
  const { route, params: p, parse } = rangeQuery(query, startS, endS, stepS);
  return parse((await api(`api/view/${route}?${params(p)}`)).data);
}

// Quotes a string for a MetricsQL label matcher ("…").
export function quote(s) {
  return `"${String(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

// A regex matching exactly the given strings, for job=~"…".
export function exactRegex(values) {
  return values.map((v) => String(v).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
}
