// Entry point of the importer page: wires the cards together.
import { api } from './api.js';
import { $, fill, message } from './dom.js';
import { initConnection, connectionConfig } from './connection.js';
import { initDropzone } from './dropzone.js';
import { initOptions, optionsConfig } from './options.js';
import { runPreflight } from './preflight.js';
import { follow, initProgress } from './progress.js';
import { showReport } from './report.js';

let jobId = null;

function config() {
  return { connection: connectionConfig(), ...optionsConfig() };
}

async function refreshPreflight() {
  if (!jobId) return;
  $('preflight-card').hidden = false;
  await runPreflight(jobId, config());
}

// A job starts once: after it ends the button stays off (a second click would send the bundle
// again); a failed or canceled job continues with Resume, a new import needs a new upload.
function followJob() {
  $('report-card').hidden = true;
  $('start-btn').disabled = true;
  follow(jobId, (job) => {
    $('start-btn').disabled = !job.can_start;
    if (job.state === 'completed') {
      fill($('start-result'), message('info', 'This bundle is imported. To import it again, drop it again.'));
    }
    showReport(job);
  });
}

async function startImport() {
  if (!jobId) return;
  if (!$('url').value.trim()) {
    fill($('start-result'), message('error', 'Enter the target URL first (card 1).'));
    return;
  }
  fill($('start-result'));
  try {
    $('start-btn').disabled = true;  // until the job ends; a double click starts it once
    await api('api/import/start', { json: { job_id: jobId, config: config() } });
    followJob();
  } catch (e) {
    $('start-btn').disabled = e.status === 409;
    fill($('start-result'), message('error', e.message, e.hint));
  }
}

initConnection(refreshPreflight);
initOptions(refreshPreflight);
initDropzone((job) => {
  jobId = job.job_id;
  $('start-btn').disabled = false;
  fill($('start-result'));
  $('progress-card').hidden = true;
  $('report-card').hidden = true;
  refreshPreflight();
});
initProgress(() => jobId, followJob);
$('start-btn').addEventListener('click', startImport);

const health = await api('api/health');
document.getElementById('version').textContent = health.version;
