#!/usr/bin/env python3
"""Demo data for `vmimport view`: bench/gen_dataset.py's series with believable health values.

gen_dataset.py fills every series with random numbers, which is right for import speed but makes
health checks meaningless (memory "near the limit", disks "full", millions of rejected rows at
random). This filter runs it and rewrites the series the overview's panels and findings read so a
healthy cluster looks healthy, adds the series a /metrics page only shows after the fact
(vm_log_messages_total, vm_request_duration_seconds, vmalert's rule counters), and can plant faults:

  bench/gen_view_dataset.py --instances 1 --samples 240 > healthy.jsonl
  bench/gen_view_dataset.py --instances 1 --samples 240 --restart vmstorage:0 --disk-full vmstorage:0 > faulty.jsonl

COMPONENT:INDEX names an instance (the INDEX-th of that component). Deterministic like gen_dataset.py.
"""
import argparse
import json
import os
import subprocess
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def counter(start, per_step, n):
    return [start + per_step * k for k in range(n)]


def wiggle(base, amp, n, phase):
    return [round(base + amp * (((k + phase) % 13) - 6) / 6, 3) for k in range(n)]


def shaped(name, labels, n, seed, ts, fault):
    """New values for the series `name`, or None to keep gen_dataset's."""
    if name == "process_start_time_seconds":
        start = ts[0] // 1000 - 3 * 86400 - seed % 3600
        if "restart" in fault:
            mid = n // 2
            return [start] * mid + [ts[mid] // 1000 - 5] * (n - mid)
        return [start] * n
    if name == "process_resident_memory_bytes":
        return wiggle(1.6e9, 0.1e9, n, seed)
    if name == "process_resident_memory_anon_bytes":
        return wiggle(1.3e9, 0.1e9, n, seed)
    if name == "vm_available_memory_bytes":
        return [4.8e9] * n
    if name == "vm_allowed_memory_bytes":
        return [2.88e9] * n
    if name == "process_memory_limit_bytes":
        return [8e9] * n
    if name == "vm_free_disk_space_bytes":
        if "disk-full" in fault:
            return [round(6e9 - 4e9 * k / n) for k in range(n)]
        return [400e9 - 1e6 * k for k in range(n)]
    if name == "vm_data_size_bytes":
        return [16e9 + 1e6 * k for k in range(n)]
    if name == "process_open_fds":
        return wiggle(180, 20, n, seed)
    if name == "process_max_fds":
        return [1048576] * n
    if name == "vm_cache_entries" and labels.get("type") == "storage/hour_metric_ids":
        return wiggle(120000, 3000, n, seed)
    if name == "vm_active_merges":
        return [1 if (k + seed) % 5 == 0 else 0 for k in range(n)]
    if name == "process_cpu_seconds_total":
        return counter(50000 + seed % 1000, 12, n)  # 0.4 cores at a 30 s step
    if name in ("vm_rows_added_to_storage_total", "vm_rows_inserted_total", "vmagent_rows_inserted_total"):
        return counter(10**9 + seed, 30000, n)
    if name == "vm_slow_row_inserts_total":
        return counter(20000 + seed % 100, 9, n)
    if name == "vm_new_timeseries_created_total":
        return counter(800000 + seed % 100, 25, n)
    if name in ("vm_rows_ignored_total", "vm_rows_invalid_total", "vmagent_remotewrite_packets_dropped_total",
                "vm_promscrape_scrapes_failed_total", "vm_http_request_errors_total",
                "vmagent_remotewrite_errors_total", "vm_persistentqueue_bytes_dropped_total"):
        return [seed % 7] * n  # nothing new during the range
    return None


def extras(base, component, n, seed):
    """Series a real /metrics page grows after start-up, for one instance."""
    out = [
        ("vm_log_messages_total", {"level": "info", "location": "VictoriaMetrics/lib/storage/partition.go:1050"},
         counter(400 + seed % 50, 1, n)),
        ("vm_log_messages_total", {"level": "warn", "location": "VictoriaMetrics/lib/promscrape/scrapework.go:383"},
         counter(12, 0, n)),
        ("vm_log_messages_total", {"level": "error", "location": "VictoriaMetrics/app/vmselect/main.go:470"},
         counter(2, 0, n)),
        ("vm_request_duration_seconds", {"path": "/api/v1/query_range", "quantile": "0.99"},
         wiggle(0.08, 0.03, n, seed)),
        ("vm_request_duration_seconds", {"path": "/api/v1/query", "quantile": "0.99"},
         wiggle(0.02, 0.01, n, seed + 3)),
    ]
    if component == "vmalert":
        out += [
            ("vmalert_iteration_total", {"group": "demo"}, counter(9000 + seed % 100, 3, n)),
            ("vmalert_alerting_rules_errors_total", {"alertname": "DemoDiskFilling", "group": "demo"}, counter(0, 0, n)),
            ("vmalert_recording_rules_errors_total", {"recording": "demo:up:count", "group": "demo"}, counter(0, 0, n)),
            ("vmalert_alerts_firing", {"alertname": "DemoDiskFilling"}, [0] * n),
        ]
    for name, labels, values in out:
        metric = {"__name__": name, **labels, **base}
        yield {"metric": metric, "values": values}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--instances", type=int, default=2)
    ap.add_argument("--samples", type=int, default=120)
    ap.add_argument("--step", type=int, default=30)
    ap.add_argument("--end", type=int, default=0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--restart", action="append", default=[], metavar="COMPONENT:INDEX")
    ap.add_argument("--disk-full", action="append", default=[], metavar="COMPONENT:INDEX")
    a = ap.parse_args()
    faults = {}
    for kind, targets in (("restart", a.restart), ("disk-full", a.disk_full)):
        for t in targets:
            faults.setdefault(t, set()).add(kind)
    gen = subprocess.Popen([sys.executable, os.path.join(HERE, "gen_dataset.py"), "--instances", str(a.instances),
                            "--samples", str(a.samples), "--step", str(a.step), "--end", str(a.end),
                            "--seed", str(a.seed)], stdout=subprocess.PIPE, text=True)
    out = sys.stdout
    index = {}  # job -> {instance: index}
    for line in gen.stdout:
        row = json.loads(line)
        m = row["metric"]
        name = m["__name__"]
        job, inst = m.get("job", ""), m.get("instance", "")
        component = job.split("-", 1)[-1]
        idx = index.setdefault(job, {}).setdefault(inst, len(index.get(job, {})))
        fault = faults.get(f"{component}:{idx}", set())
        seed = zlib.crc32(f"{job}/{inst}".encode())
        n = len(row["timestamps"])
        if name == "vm_app_version":
            base = {k: v for k, v in m.items() if k not in ("__name__", "version", "short_version")}
            for extra in extras(base, component, n, seed):
                extra["timestamps"] = row["timestamps"]
                out.write(json.dumps(extra, separators=(",", ":")) + "\n")
        values = shaped(name, m, n, seed, row["timestamps"], fault)
        if values is not None:
            row["values"] = values
        out.write(json.dumps(row, separators=(",", ":")) + "\n")
    sys.exit(gen.wait())


if __name__ == "__main__":
    main()
