// The final card: what was sent, what the target holds, and the lines set aside.
import { $, el, fill, facts, message } from './dom.js';
import { count, seconds, shift } from './format.js';

const verdicts = {
  verified: ['ok', 'Verified'],
  more_than_sent: ['ok', 'Arrived (the target already held data under these names, so the check is not exact)'],
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
  rows.push(['Time range', r.time_range.start ? `${r.time_range.start} → ${r.time_range.end}` : '-']);
  if (r.shift_ms) rows.push(['Time shift', shift(r.shift_ms)]);
  if (r.retention) rows.push(['Skipped (outside retention)', count(r.samples_trimmed)]);
  rows.push(['Lines', `${count(r.lines)} read, ${count(r.lines_rejected)} set aside`], ['Took', seconds(r.seconds)]);
  fill($('report-facts'), ...facts(rows));
  const overview = $('overview-link');
  if (job.state === 'completed') {
    const q = new URLSearchParams(window.location.search);
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
    fill(rejects, el('h3', { text: 'Malformed lines (not imported)' }), list, link);
  } else {
    fill(rejects);
  }
}
