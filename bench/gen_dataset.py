#!/usr/bin/env python3
"""Writes a realistic VictoriaMetrics self-monitoring dataset as /api/v1/import JSON lines.

Every component (vmstorage, vminsert, vmselect, vmagent, vmalert, vmauth, single node) gets
--instances instances; each instance exposes the series of a /metrics page captured from Debian's
victoria-metrics or vmagent (bench/templates/*.prom), with the labels a Kubernetes deployment adds
(private IPs, pod, node host names, namespace, cluster) so obfuscation has work to do.

  bench/gen_dataset.py --instances 6 --samples 960 --step 30 --end 1700000000 > data.jsonl
  curl -H 'Content-Type: application/jsonl' --data-binary @data.jsonl http://127.0.0.1:8428/api/v1/import

The same arguments always give the same bytes.
"""
import argparse
import json
import os
import random
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# component, template, port, version-prefix
COMPONENTS = [
    ("vmstorage", "victoria-metrics.prom", 8482, "vmstorage"),
    ("vminsert", "victoria-metrics.prom", 8480, "vminsert"),
    ("vmselect", "victoria-metrics.prom", 8481, "vmselect"),
    ("vmagent", "vmagent.prom", 8429, "vmagent"),
    ("vmalert", "vmagent.prom", 8880, "vmalert"),
    ("vmauth", "vmagent.prom", 8427, "vmauth"),
    ("vmsingle", "victoria-metrics.prom", 8428, "victoria-metrics"),
]
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def read_template(name):
    series = []
    seen = set()
    with open(os.path.join(HERE, "templates", name)) as f:
        for line in f:
            m = SAMPLE.match(line.strip())
            if not m or m.group(1) == "vm_app_version":
                continue
            labels = tuple(LABEL.findall(m.group(2) or ""))
            key = (m.group(1), labels)
            if key not in seen:
                seen.add(key)
                series.append((m.group(1), dict(labels)))
    return series


def values_for(name, rnd, samples):
    if name.endswith(("_total", "_count", "_sum", "_bucket")):
        start, rate = rnd.randint(0, 10**7), rnd.randint(0, 1000)
        return ",".join(str(start + rate * k) for k in range(samples))
    base = rnd.random() * 1000
    return ",".join(f"{base + (k % 11) * 0.125:.6g}" for k in range(samples))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--instances", type=int, default=2, help="instances per component")
    ap.add_argument("--samples", type=int, default=120, help="samples per series")
    ap.add_argument("--step", type=int, default=30, help="seconds between samples")
    ap.add_argument("--end", type=int, default=0, help="unix seconds of the last sample (0: now, rounded down to --step)")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    end = a.end or int(time.time()) // a.step * a.step
    rnd = random.Random(a.seed)
    templates = {t: read_template(t) for _, t, _, _ in COMPONENTS}
    first_ms = (end - a.step * (a.samples - 1)) * 1000
    timestamps = "[" + ",".join(str(first_ms + k * a.step * 1000) for k in range(a.samples)) + "]"
    out = sys.stdout
    for component, template, port, vprefix in COMPONENTS:
        for i in range(a.instances):
            ip = f"10.{rnd.randint(0, 255)}.{rnd.randint(0, 255)}.{rnd.randint(1, 254)}"
            base = {
                "job": f"prod-{component}",
                "instance": f"{ip}:{port}",
                "pod": f"{component}-{i}-{rnd.randint(10000, 99999)}",
                "node": "ip-" + ip.replace(".", "-") + ".eu-west-1.compute.internal",
                "namespace": "monitoring-prod",
                "cluster": "acme-payments-eu",
            }
            version = f"{vprefix}-20240101-000000-tags-v1.97.{i % 3}-cluster-0-g0000000"
            app = dict(base, __name__="vm_app_version", version=version, short_version=f"v1.97.{i % 3}")
            out.write('{"metric":' + json.dumps(app, separators=(",", ":")) + ',"values":['
                      + ",".join(["1"] * a.samples) + '],"timestamps":' + timestamps + "}\n")
            for name, labels in templates[template]:
                metric = {"__name__": name, **labels, **base}
                out.write('{"metric":' + json.dumps(metric, separators=(",", ":")) + ',"values":['
                          + values_for(name, rnd, a.samples) + '],"timestamps":' + timestamps + "}\n")


if __name__ == "__main__":
    main()
