// The final card: what was sent, what the target holds, and the lines set aside.
import { $, el, fill, facts, message } from './dom.js';
import { count, seconds, shift } from './format.js';
import { pageToken } from './api.js';

const verdicts = {
  verified: ['ok', 'Verified'],
  more_than_sent: ['warn', 'Arrived, with more samples than sent (what the target held before is unknown)'],
  duplicates: ['warn', 'Arrived, some twice'],
  not_verified: ['warn', 'Imported, not verified'],
  incomplete: ['error', 'Mismatch'],
  skipped: ['warn', 'Nothing to verify'],
};

export function showReport(job) {
  const r = job.report;
  $('report-card').hidden = false;
  const verdict = $('verdict');
  if (!r) { fill(verdict); return; }
  const v = r.verification;
  if (v) {
    const [kind, title] = verdicts[v.outcome] || ['warn', v.outcome];
    fill(verdict, message(kind, `${title}: ${v.message}`));
  } else if (job.state === 'completed') {
    fill(verdict, message('warn', 'Imported without verification.'));
  } else {
    fill(verdict, message(job.state === 'canceled' ? 'warn' : 'error', `Import ${job.state}: ${job.error || ''}`, job.hint));
  }
  const rows = [
    ['Target', r.target + (r.tenant ? ` (tenant ${r.tenant})` : '')],
    ['Series sent', count(r.series_sent)],
    ['Samples sent', count(r.samples_sent)],
  ];
  if (v) rows.push(['Series found', count(v.series_found)], ['Samples found', count(v.samples_found)]);
  if (v && v.baseline) rows.push(['Held before the import', `${count(v.baseline.samples)} samples`]);
  if (v && v.samples_beyond) rows.push(['Stored twice', `${count(v.samples_beyond)} samples`]);
  if (r.batches_uncertain) rows.push(['Retried batches', `${count(r.batches_uncertain)} (${count(r.samples_uncertain)} samples the target may hold twice)`]);
  if (r.batches_skipped) rows.push(['Acknowledged before the resume', `${count(r.batches_skipped)} batches`]);
  rows.push(['Time range', r.time_range.start ? `${r.time_range.start} → ${r.time_range.end}` : '-']);
  if (r.shift_ms) rows.push(['Time shift', shift(r.shift_ms)]);
  if (r.retention) rows.push(['Skipped (outside retention)', count(r.samples_trimmed)]);
  rows.push(['Lines', `${count(r.lines)} read, ${count(r.lines_rejected)} set aside`], ['Took', seconds(r.seconds)]);
  fill($('report-facts'), ...facts(rows));
  const overview = $('overview-link');
  if (job.state === 'completed') {
    const q = new URLSearchParams(window.location.search);
    if (pageToken()) q.set('token', pageToken());
    q.set('job', job.job_id);
    overview.href = `overview.html?${q}`;
    $('overview-row').hidden = false;
  } else {
    $('overview-row').hidden = true;
  }
  const rejects = $('rejects');
  if (r.lines_rejected > 0) {
    const list = el('ul', { class: 'rejects' });
    for (const x of r.rejects) list.append(el('li', { text: `line ${x.line}: ${x.error}` }));
    const link = el('a', { href: `api/import/rejects?id=${encodeURIComponent(job.job_id)}`, download: 'rejects.jsonl', text: 'Download the lines set aside' });
    const parts = [el('h3', { text: 'Malformed lines (not imported)' }), list, link];
    if (r.rejects_note) parts.push(message('warn', r.rejects_note));
    fill(rejects, ...parts);
  } else {
    fill(rejects);
  }
}
