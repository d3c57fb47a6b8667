// What the overview draws per component: the series a VictoriaMetrics engineer checks first, as
// our own MetricsQL (picked after VictoriaMetrics' public Grafana dashboards and alerting rules).
// In a query, $J is the component's job matcher, $w the rate window and every line is one
// (pseudonymised) instance unless the legend says otherwise.

const process = [
  { key: 'cpu', title: 'CPU', unit: 'cores', exprs: ['sum by (instance) (rate(process_cpu_seconds_total{$J}[$w]))'] },
  {
    key: 'memory', title: 'RSS against the memory limit', unit: 'bytes',
    exprs: ['sum by (instance) (process_resident_memory_bytes{$J})',
      'label_set(max by (instance) (vm_available_memory_bytes{$J}), "series", "limit")'],
  },
  {
    key: 'restarts', title: 'Restarts (process_start_time_seconds changes)', unit: 'short',
    // changes_prometheus: changes() counts the first sample of the first window as a change.
    exprs: ['sum by (instance) (changes_prometheus(process_start_time_seconds{$J}[$w]))'],
  },
  {
    key: 'fds', title: 'Open files against the limit', unit: 'percent',
    exprs: ['max by (instance) (process_open_fds{$J}) / max by (instance) (process_max_fds{$J})'],
  },
  {
    key: 'logs', title: 'Warnings and errors logged (by level and location)', unit: 'per_second',
    exprs: ['sum by (instance, level, location) (rate(vm_log_messages_total{$J, level!="info"}[$w]))'],
  },
  {
    key: 'http_errors', title: 'HTTP errors by path (top 8)', unit: 'per_second',
    exprs: ['topk_max(8, sum by (path) (rate(vm_http_request_errors_total{$J}[$w])))'],
  },
];

const storage = [
  { key: 'ingestion', title: 'Rows added to storage', unit: 'per_second', exprs: ['sum by (instance) (rate(vm_rows_added_to_storage_total{$J}[$w]))'] },
  { key: 'active_series', title: 'Active series (last hour)', unit: 'short', exprs: ['sum by (instance) (vm_cache_entries{$J, type="storage/hour_metric_ids"})'] },
  { key: 'churn', title: 'New series (churn)', unit: 'per_second', exprs: ['sum by (instance) (rate(vm_new_timeseries_created_total{$J}[$w]))'] },
  {
    key: 'slow_inserts', title: 'Slow inserts (share of added rows)', unit: 'percent',
    exprs: ['sum by (instance) (rate(vm_slow_row_inserts_total{$J}[$w])) / sum by (instance) (rate(vm_rows_added_to_storage_total{$J}[$w]))'],
  },
  {
    key: 'disk', title: 'Disk: data size and free space', unit: 'bytes',
    exprs: ['label_set(sum by (instance) (vm_data_size_bytes{$J}), "series", "data")',
      'label_set(min by (instance) (vm_free_disk_space_bytes{$J}), "series", "free")'],
  },
  { key: 'merges', title: 'Background merges (active)', unit: 'short', exprs: ['sum by (instance, type) (vm_active_merges{$J})'] },
  {
    key: 'rejected', title: 'Rejected rows (ignored or invalid)', unit: 'per_second',
    exprs: ['sum by (instance) (rate({__name__=~"vm_rows_ignored_total|vm_rows_invalid_total", $J}[$w]))'],
  },
];

const insert = [
  { key: 'ingestion', title: 'Rows received', unit: 'per_second', exprs: ['sum by (instance) (rate(vm_rows_inserted_total{$J}[$w]))'] },
  {
    key: 'rejected', title: 'Rejected rows (ignored or invalid)', unit: 'per_second',
    exprs: ['sum by (instance) (rate({__name__=~"vm_rows_ignored_total|vm_rows_invalid_total", $J}[$w]))'],
  },
];

const select = [
  {
    key: 'query_rate', title: 'Query requests', unit: 'per_second',
    exprs: ['sum by (instance) (rate(vm_http_requests_total{$J, path=~".*/api/v1/query(_range)?"}[$w]))'],
  },
  {
    key: 'query_latency', title: 'Query latency (p99)', unit: 'seconds',
    exprs: ['max by (instance, path) (vm_request_duration_seconds{$J, path=~".*/api/v1/query(_range)?", quantile="0.99"})'],
  },
  { key: 'cache_misses', title: 'Cache misses by cache (top 8)', unit: 'per_second', exprs: ['topk_max(8, sum by (type) (rate(vm_cache_misses_total{$J}[$w])))'] },
];

const vmagent = [
  { key: 'ingestion', title: 'Rows received', unit: 'per_second', exprs: ['sum by (instance) (rate(vmagent_rows_inserted_total{$J}[$w]))'] },
  { key: 'rw_queue', title: 'Remote-write queue (pending bytes)', unit: 'bytes', exprs: ['sum by (instance) (vmagent_remotewrite_pending_data_bytes{$J})'] },
  { key: 'rw_drops', title: 'Remote-write drops', unit: 'per_second', exprs: ['sum by (instance) (rate(vmagent_remotewrite_packets_dropped_total{$J}[$w]))'] },
  { key: 'scrape_errors', title: 'Scrape errors', unit: 'per_second', exprs: ['sum by (instance) (rate(vm_promscrape_scrapes_failed_total{$J}[$w]))'] },
];

const vmalert = [
  {
    key: 'rule_errors', title: 'Rule evaluation errors', unit: 'per_second',
    exprs: ['sum by (instance) (rate({__name__=~"vmalert_alerting_rules_errors_total|vmalert_recording_rules_errors_total", $J}[$w]))'],
  },
  { key: 'rule_evals', title: 'Group evaluations', unit: 'per_second', exprs: ['sum by (instance) (rate(vmalert_iteration_total{$J}[$w]))'] },
];

const requests = [
  { key: 'requests', title: 'HTTP requests', unit: 'per_second', exprs: ['sum by (instance) (rate(vm_http_requests_all_total{$J}[$w]))'] },
];

// Component -> its panels, most telling first; process health last.
export const componentPanels = {
  vmsingle: [...storage, ...select, ...process],
  vmstorage: [...storage, { ...select[2] }, ...process],
  vminsert: [...insert, ...requests, ...process],
  vmselect: [...select, ...process],
  vmagent: [...vmagent, ...process],
  vmalert: [...vmalert, ...process],
  vmauth: [...requests, ...process],
  other: [...requests, ...process],
};

export const componentTitles = {
  vmsingle: 'VictoriaMetrics single-node', vmstorage: 'vmstorage', vminsert: 'vminsert', vmselect: 'vmselect',
  vmagent: 'vmagent', vmalert: 'vmalert', vmauth: 'vmauth', other: 'Other jobs',
};

export function panelId(component, key) {
  return `panel-${component}-${key}`;
}

// The query text with the component's job matcher and the rate window (e.g. "120s") filled in.
export function expand(expr, jobMatcher, window) {
  return expr.replaceAll('$J', jobMatcher).replaceAll('$w', window);
}
