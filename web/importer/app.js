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

function followJob() {
  $('report-card').hidden = true;
  $('start-btn').disabled = true;
  follow(jobId, (job) => {
    $('start-btn').disabled = false;
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
    await api('api/import/start', { json: { job_id: jobId, config: config() } });
    followJob();
  } catch (e) {
    fill($('start-result'), message('error', e.message, e.hint));
  }
}

initConnection(refreshPreflight);
initOptions(refreshPreflight);
initDropzone((job) => {
  jobId = job.job_id;
  $('progress-card').hidden = true;
  $('report-card').hidden = true;
  refreshPreflight();
});
initProgress(() => jobId, followJob);
$('start-btn').addEventListener('click', startImport);

const health = await api('api/health');
document.getElementById('version').textContent = health.version;
