// Which component each job of the bundle is, with its instances and versions, from the data
// itself: the version label of vm_app_version first (Debian's builds leave it empty), then the
// job name (vmexporter's pseudonyms keep the component: "vmstorage-job-1"), then metric names
// only one component exposes.
import { instantQuery, runBatch } from './view-api.js';

export const componentOrder = ['vmsingle', 'vmstorage', 'vminsert', 'vmselect', 'vmagent', 'vmalert', 'vmauth', 'other'];

function fromVersion(version) {
  const m = /^([a-z][a-z-]*?)-\d{8}-/.exec(version || '');
  if (!m) return null;
  if (m[1] === 'victoria-metrics') return 'vmsingle';
  return componentOrder.includes(m[1]) ? m[1] : null;
}

function fromJobName(job) {
  const j = String(job).toLowerCase();
  for (const c of ['vmstorage', 'vminsert', 'vmselect', 'vmagent', 'vmalert', 'vmauth', 'vmsingle']) {
    if (j.includes(c)) return c;
  }
  if (/victoria-?metrics|single/.test(j)) return 'vmsingle';
  return null;
}

// Metric evidence, most specific first.
const evidence = [
  ['vmagent', 'vmagent_remotewrite_requests_total'],
  ['vmalert', 'vmalert_iteration_total'],
  ['vmauth', 'vmauth_user_requests_total'],
  ['vminsert', 'vm_rpc_rows_sent_total'],
  ['vmselect', 'vm_rpc_send_duration_seconds_total'],
  ['vmsingle', 'vm_rows_added_to_storage_total'],
];

// [{component, jobs: [..], instances: [..], versions: [..]}] in componentOrder.
export async function detectComponents(endS, rangeS) {
  const w = `${Math.max(60, Math.ceil(rangeS))}s`;
  const answers = await runBatch([
    instantQuery(`group by (job, instance, version, short_version) (last_over_time(vm_app_version[${w}]))`, endS),
    instantQuery(`group by (job, instance) (last_over_time(process_start_time_seconds[${w}]))`, endS),
  ]);
  const failed = answers.find((a) => a instanceof Error);
  if (failed) throw failed;
  const [versions, instances] = answers;
  const jobs = new Map();  // job -> {component, instances:Set, versions:Set}
  const entry = (job) => {
    if (!jobs.has(job)) jobs.set(job, { component: null, instances: new Set(), versions: new Set() });
    return jobs.get(job);
  };
  for (const { metric } of versions) {
    if (metric.job === undefined) continue;
    const e = entry(metric.job);
    if (metric.instance) e.instances.add(metric.instance);
    const v = metric.short_version || metric.version;
    if (v) e.versions.add(v);
    e.component = e.component || fromVersion(metric.version);
  }
  for (const { metric } of instances) {
    if (metric.job === undefined) continue;
    const e = entry(metric.job);
    if (metric.instance) e.instances.add(metric.instance);
  }
  const unknown = [];
  for (const [job, e] of jobs) {
    e.component = e.component || fromJobName(job);
    if (!e.component) unknown.push(job);
  }
  // Every piece of evidence in one request; the most specific one found decides.
  const found = unknown.length ? await runBatch(evidence.map(([, metric]) => instantQuery(`group by (job) (last_over_time(${metric}[${w}]))`, endS))) : [];
  found.forEach((rows, i) => {
    if (rows instanceof Error) throw rows;
    for (const { metric: m } of rows) if (unknown.includes(m.job) && !jobs.get(m.job).component) jobs.get(m.job).component = evidence[i][0];
  });
  const byComponent = new Map();
  for (const [job, e] of jobs) {
    const c = e.component || 'other';
    if (!byComponent.has(c)) byComponent.set(c, { component: c, jobs: [], instances: new Set(), versions: new Set() });
    const g = byComponent.get(c);
    g.jobs.push(job);
    e.instances.forEach((i) => g.instances.add(i));
    e.versions.forEach((v) => g.versions.add(v));
  }
  return componentOrder.filter((c) => byComponent.has(c)).map((c) => {
    const g = byComponent.get(c);
    return { component: c, jobs: g.jobs.sort(), instances: [...g.instances].sort(), versions: [...g.versions].sort() };
  });
}
