// Findings: what the overview flags before anyone reads a chart. Each rule is one instant query
// over the whole bundle range R (so one spike anywhere counts), a threshold taken from
// VictoriaMetrics' public alerting rules where one exists, and the panel that shows it. A
// finding names instances as they are in the bundle (pseudonyms when it was obfuscated).
import { instantQuery, runBatch } from './view-api.js';
import { formatValue } from './units.js';

// Thresholds, documented on the page under each finding and in the README.
export const rules = [
  {
    id: 'restarts', panel: 'restarts', unit: 'short', severity: 'error',
    threshold: 'any change of process_start_time_seconds',
    // changes() would count the first sample of the range as a change; changes_prometheus does not.
    expr: 'sum by (job, instance) (changes_prometheus(process_start_time_seconds[$R])) > 0',
    text: (v) => `restarted ${v} time${v === 1 ? '' : 's'}`,
  },
  {
    id: 'memory', panel: 'memory', unit: 'percent', severity: 'error',
    threshold: 'anonymous RSS above 90% of the memory VictoriaMetrics may use (vm_available_memory_bytes)',
    expr: 'max by (job, instance) (max_over_time(process_resident_memory_anon_bytes[$R])) / max by (job, instance) (min_over_time(vm_available_memory_bytes[$R])) > 0.9',
    text: (v) => `memory reached ${formatValue(v, 'percent')} of its limit`,
  },
  {
    id: 'disk', panel: 'disk', unit: 'percent', severity: 'error',
    threshold: 'data takes more than 80% of data plus free disk space at the end of the range',
    expr: 'sum by (job, instance) (last_over_time(vm_data_size_bytes[$R])) / (sum by (job, instance) (last_over_time(vm_free_disk_space_bytes[$R])) + sum by (job, instance) (last_over_time(vm_data_size_bytes[$R]))) > 0.8',
    text: (v) => `disk nearly full: data is ${formatValue(v, 'percent')} of data plus free space`,
  },
  {
    id: 'slow_inserts', panel: 'slow_inserts', unit: 'percent', severity: 'warn',
    threshold: 'more than 5% of added rows were slow inserts',
    expr: 'sum by (job, instance) (increase_prometheus(vm_slow_row_inserts_total[$R])) / sum by (job, instance) (increase_prometheus(vm_rows_added_to_storage_total[$R])) > 0.05',
    text: (v) => `${formatValue(v, 'percent')} of inserts were slow (the caches are too small for the active series)`,
  },
  {
    id: 'churn', panel: 'churn', unit: 'percent', severity: 'warn',
    threshold: 'new series are more than 10% of added rows',
    expr: 'sum by (job, instance) (increase_prometheus(vm_new_timeseries_created_total[$R])) / sum by (job, instance) (increase_prometheus(vm_rows_added_to_storage_total[$R])) > 0.1',
    text: (v) => `high churn: new series are ${formatValue(v, 'percent')} of added rows`,
  },
  {
    id: 'rw_drops', panel: 'rw_drops', unit: 'short', severity: 'error',
    threshold: 'any remote-write block dropped',
    expr: 'sum by (job, instance) (increase_prometheus(vmagent_remotewrite_packets_dropped_total[$R])) > 0',
    text: (v) => `dropped ${formatValue(v, 'short')} remote-write blocks`,
  },
  {
    id: 'rejected', panel: 'rejected', unit: 'short', severity: 'warn',
    threshold: 'any row ignored or invalid',
    expr: 'sum by (job, instance) (increase_prometheus({__name__=~"vm_rows_ignored_total|vm_rows_invalid_total"}[$R])) > 0',
    text: (v) => `rejected ${formatValue(v, 'short')} rows`,
  },
  {
    id: 'rule_errors', panel: 'rule_errors', unit: 'short', severity: 'error',
    threshold: 'any rule evaluation error',
    expr: 'sum by (job, instance) (increase_prometheus({__name__=~"vmalert_alerting_rules_errors_total|vmalert_recording_rules_errors_total"}[$R])) > 0',
    text: (v) => `${formatValue(v, 'short')} rule evaluation errors`,
  },
  {
    id: 'fds', panel: 'fds', unit: 'percent', severity: 'error',
    threshold: 'open files above 80% of the limit',
    expr: 'max by (job, instance) (max_over_time(process_open_fds[$R])) / max by (job, instance) (min_over_time(process_max_fds[$R])) > 0.8',
    text: (v) => `too many open files: ${formatValue(v, 'percent')} of the limit`,
  },
  {
    id: 'errors_logged', panel: 'logs', unit: 'short', severity: 'warn',
    threshold: 'any message logged at level error, fatal or panic',
    expr: 'sum by (job, instance) (increase_prometheus(vm_log_messages_total{level=~"error|fatal|panic"}[$R])) > 0',
    text: (v) => `logged ${formatValue(v, 'short')} errors`,
  },
];

// Runs every rule at `endS` over `rangeS`; returns [{rule, job, instance, value}].
export async function computeFindings(endS, rangeS) {
  const R = `${Math.max(60, Math.ceil(rangeS))}s`;
  const answers = await runBatch(rules.map((rule) => instantQuery(rule.expr.replaceAll('$R', R), endS)));
  return answers.flatMap((rows, i) => (rows instanceof Error ? [{ rule: rules[i], error: rows.message }]
    : rows.map((r) => ({ rule: rules[i], job: r.metric.job, instance: r.metric.instance, value: r.value }))));
}
