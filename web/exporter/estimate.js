// Rough size and duration of an export for the chosen jobs, from /api/discover's numbers.
import { pickNumber } from './format.js';

const ASSUMED_SCRAPE_SECONDS = 30; // VictoriaMetrics components are usually scraped every 10–30 s
const BYTES_PER_SAMPLE_ZIPPED = 1.6; // JSON lines compress ~10x; measured on VM's own metrics
const SAMPLES_PER_SECOND = 1.5e6; // export + obfuscation throughput on a laptop

// {series, samples, bytes, seconds, fromServer} for `selectedSeries` out of `discovery`.
export function estimateExport(discovery, selectedSeries, rangeSeconds, stepSeconds) {
  const totalSeries = totalSeriesOf(discovery);
  const share = totalSeries > 0 ? selectedSeries / totalSeries : 0;
  const est = (discovery && (discovery.estimate || discovery.estimates)) || discovery || {};
  const serverSamples = pickNumber(est, 'estimated_samples', 'samples_estimate', 'samples', 'estimated_sample_count');
  const serverBytes = pickNumber(est, 'estimated_bundle_bytes', 'estimated_bytes', 'bundle_bytes_estimate', 'bundle_bytes', 'bytes');
  const interval = Math.max(stepSeconds || 0, ASSUMED_SCRAPE_SECONDS);
  let samples = serverSamples !== undefined ? serverSamples * share : selectedSeries * (rangeSeconds / interval);
  if (serverSamples !== undefined && stepSeconds > ASSUMED_SCRAPE_SECONDS) samples *= ASSUMED_SCRAPE_SECONDS / stepSeconds;
  const bytes = serverBytes !== undefined ? serverBytes * share : samples * BYTES_PER_SAMPLE_ZIPPED + selectedSeries * 120;
  return { series: selectedSeries, samples, bytes, seconds: 2 + samples / SAMPLES_PER_SECOND, fromServer: serverBytes !== undefined };
}

export function totalSeriesOf(discovery) {
  let n = 0;
  for (const c of (discovery && discovery.components) || []) n += c.metrics_count_estimate || 0;
  return n;
}

// Series of one job of a component: job_metrics[job], else the component's count split evenly.
export function jobSeries(component, job) {
  const jm = component.job_metrics || {};
  if (typeof jm[job] === 'number') return jm[job];
  const jobs = component.jobs || [];
  return jobs.length ? Math.round((component.metrics_count_estimate || 0) / jobs.length) : 0;
}
