// The import card: progress bar, counters, cancel and resume.
import { api } from './api.js';
import { $, fill, facts, message } from './dom.js';
import { bytes, count, seconds } from './format.js';

let timer = null;

function render(job) {
  const p = job.progress || {};
  const fraction = job.state === 'completed' ? 1 : Math.min(1, p.progress || 0);
  $('bar-fill').style.width = `${(fraction * 100).toFixed(1)}%`;
  $('progress-bar').setAttribute('aria-valuenow', String(Math.round(fraction * 100)));
  fill($('progress-facts'), ...facts([
    ['State', job.state === 'running' ? p.phase : job.state],
    ['Read', `${bytes(job.state === 'completed' ? p.bytes_total : p.bytes_read)} of ${bytes(p.bytes_total)}`],
    ['Lines', `${count(p.lines)}${p.lines_rejected ? ` (${count(p.lines_rejected)} set aside)` : ''}`],
    ['Samples sent', count(p.samples_sent)],
    ['Speed', `${count(Math.round(p.samples_per_second || 0))} samples/s`],
    ['ETA', job.state === 'running' ? seconds(p.eta_seconds) : '-'],
  ]));
  $('cancel-btn').hidden = job.state !== 'running';
  $('resume-btn').hidden = !job.can_resume;
  fill($('job-error'), ...(job.error && job.state !== 'completed' ? [message(job.state === 'canceled' ? 'warn' : 'error', job.error, job.hint)] : []));
}

// Polls the job until it ends, calling onEnd(job) once. A failed poll (vmimport busy, a network
// hiccup) is retried with a growing pause instead of ending the polling; a job that no longer
// exists (404) ends it.
export function follow(jobId, onEnd) {
  clearTimeout(timer);
  $('progress-card').hidden = false;
  let failures = 0;
  const tick = async () => {
    try {
      const job = await api(`api/import/status?id=${encodeURIComponent(jobId)}`);
      failures = 0;
      render(job);
      if (job.state === 'running') {
        timer = setTimeout(tick, 500);
      } else {
        onEnd(job);
      }
    } catch (e) {
      if (e.status === 404) {
        fill($('job-error'), message('error', e.message, e.hint));
        return;
      }
      failures += 1;
      const wait = Math.min(10, 2 ** Math.min(failures, 4) / 2);
      fill($('job-error'), message('warn', `Cannot read the import's status (${e.message}); trying again in ${wait}s`,
        'the import goes on in vmimport meanwhile'));
      timer = setTimeout(tick, wait * 1000);
    }
  };
  tick();
}

export function initProgress(getJobId, onResume) {
  $('cancel-btn').addEventListener('click', async () => {
    try { await api('api/import/cancel', { json: { job_id: getJobId() } }); } catch (e) { fill($('job-error'), message('error', e.message, e.hint)); }
  });
  $('resume-btn').addEventListener('click', async () => {
    try {
      await api('api/import/resume', { json: { job_id: getJobId() } });
      onResume();
    } catch (e) { fill($('job-error'), message('error', e.message, e.hint)); }
  });
}
