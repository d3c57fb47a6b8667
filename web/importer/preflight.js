// The preflight summary: what the bundle holds and how it fits the target.
import { api } from './api.js';
import { $, fill, facts, message } from './dom.js';
import { count, seconds, shift } from './format.js';

let last = { key: null, report: null };

// Runs the preflight for `jobId` with `config` and renders it; resolves with the report or null.
// The same bundle and options are asked once (vmimport reads the bundle only on the first call).
export async function runPreflight(jobId, config) {
  const key = JSON.stringify([jobId, config]);
  if (key === last.key) return last.report;
  const box = $('preflight');
  const notes = $('preflight-notes');
  fill(notes, message('info', 'Reading the bundle…'));
  try {
    const p = await api('api/preflight', { json: { job_id: jobId, config } });
    const meta = p.metadata || {};
    const rows = [
      ['Format', p.bundle_format],
      ['Series', count(p.series)],
      ['Samples', count(p.samples)],
      ['Metric names', count(p.metric_names)],
      ['Time range', p.samples ? `${p.time_range.start} → ${p.time_range.end}` : '-'],
      ['Span', seconds(p.span_seconds)],
      ['Lines', count(p.lines)],
      ['Labels per series (max)', p.target_max_labels != null
        ? `${p.max_labels_per_series} (target allows ${p.target_max_labels})`
        : `${p.max_labels_per_series} (target limit unknown; set it in the options)`],
      ['Time shift', shift(p.shift_ms)],
      ['After the shift', p.samples && p.shift_ms ? `${p.shifted_time_range.start} → ${p.shifted_time_range.end}` : '-'],
      ['Outside retention', p.samples_outside_retention == null
        ? 'unknown (target retention not readable; set it in the options)'
        : `${count(p.samples_outside_retention)} samples (retention ${p.retention})`],
    ];
    if (meta.export_id) rows.unshift(['Export', `${meta.export_id}${meta.export_date ? ` · ${meta.export_date}` : ''}`]);
    fill(box, ...facts(rows));
    const out = [];
    if (p.malformed_lines > 0) {
      const first = p.first_malformed.map((m) => `line ${m.line}: ${m.error}`).join('; ');
      out.push(message('warn', `${count(p.malformed_lines)} malformed ${p.malformed_lines === 1 ? 'line' : 'lines'} will be set aside (${first})`,
        'turn on strict mode to refuse the bundle instead'));
    }
    if (p.series_over_label_limit > 0) {
      out.push(message('warn', `${count(p.series_over_label_limit)} series have more labels than the target's -maxLabelsPerTimeseries=${p.target_max_labels}`,
        'VictoriaMetrics would drop their extra labels; drop labels below or raise the limit on the target'));
    }
    if (p.samples_outside_retention > 0) {
      out.push(message('warn', `About ${count(p.samples_outside_retention)} samples are older than the target's retention`,
        'shift the time (e.g. to now) or skip them; otherwise VictoriaMetrics drops them silently'));
    }
    if (p.shifted_into_future) {
      out.push(message('warn', `The shift puts samples in the future: they would land at ${p.shifted_time_range.start} → ${p.shifted_time_range.end}`,
        'dashboards show them only when their time comes; shift so the last sample is now instead'));
    }
    if (out.length === 0) out.push(message('ok', 'The bundle fits the target.'));
    fill(notes, ...out);
    last = { key, report: p };
    return p;
  } catch (e) {
    fill(box);
    fill(notes, message('error', e.message, e.hint));
    return null;
  }
}
