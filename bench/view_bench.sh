#!/usr/bin/env bash
# How fast the overview of `vmimport view` is drawn on the 6-instance benchmark bundle.
#
# The bundle: bench/gen_view_dataset.py --instances 6 --samples 960 (the import benchmark's series
# with believable health values) packed as a bundle ZIP, cached in $BENCH_DATA (see lib.sh).
# Headless chromium starts first with a blank page (a support engineer's browser is already
# running; its start is not vmimport's), then `vmimport view -no-browser bundle.zip` runs; the
# moment it prints the overview's URL (the import has finished and been verified) the page opens
# it (bench/view_bench_page.mjs) and waits until every panel and the findings are drawn. Prints,
# from that one run:
#   ours:     import finished -> all panels and findings drawn (target: <= 3 s), the page's marks,
#             the time its batched queries took to be answered, and the CPU seconds chromium,
#             vmimport and victoria-metrics spent meanwhile (wall time here grows with the
#             machine's other load; CPU time much less)
#   baseline: the same queries one request each, 4 at a time, through vmimport (how the overview
#             asked before batching; nothing drawn)
#   floor:    the same queries straight at the private victoria-metrics, one curl, 8 at a time
# Baseline and floor run after ours, on caches ours warmed (nocache=1 skips only the result cache).
#
#   bench/view_bench.sh                      # uses build/bin/vmimport
#   VMIMPORT=build-x/bin/vmimport INSTANCES=2 SAMPLES=240 bench/view_bench.sh
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
VMIMPORT=${VMIMPORT:-$ROOT/build/bin/vmimport}
INSTANCES=${INSTANCES:-6}
SAMPLES=${SAMPLES:-960}
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
bench_init vmimport-view-bench

[ -x "$VMIMPORT" ] || { echo "no vmimport at $VMIMPORT (build it, or set VMIMPORT=...)" >&2; exit 1; }
[ -d "$ROOT/node_modules/playwright-core" ] || { echo "run make deps (npm ci) first" >&2; exit 1; }

BUNDLE="$BENCH_DATA/view-i$INSTANCES-s$SAMPLES-e$BENCH_END.zip"
if [ ! -f "$BUNDLE" ]; then
  echo "generating the dataset (--instances $INSTANCES --samples $SAMPLES) into $BUNDLE..." >&2
  python3 "$HERE/gen_view_dataset.py" --instances "$INSTANCES" --samples "$SAMPLES" --end "$BENCH_END" > "$WORK/metrics.jsonl"
  pack_bundle view-bench
  mv "$WORK/bundle.zip" "$BUNDLE.tmp"
  mv "$BUNDLE.tmp" "$BUNDLE"
  rm "$WORK/metrics.jsonl"
fi
echo "bundle: $BUNDLE ($(du -h "$BUNDLE" | cut -f1)); load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# The page side waits for the URL in view.out (and gives up if vmimport, pid in view.pid, exits).
cd "$ROOT"
node bench/view_bench_page.mjs "$WORK" >"$WORK/page.json" &
PAGE_PID=$!
PIDS+=("$PAGE_PID")
for _ in $(seq 1 6000); do
  [ -f "$WORK/browser.ready" ] && break
  kill -0 "$PAGE_PID" 2>/dev/null || { echo "the browser did not start" >&2; exit 1; }
  sleep 0.05
done
t0=$(now)
TMPDIR="$WORK" "$VMIMPORT" view -no-browser "$BUNDLE" >"$WORK/view.out" 2>"$WORK/view.err" &
VIEW_PID=$!
PIDS+=("$VIEW_PID")
echo "$VIEW_PID" > "$WORK/view.pid.tmp" && mv "$WORK/view.pid.tmp" "$WORK/view.pid"
wait "$PAGE_PID" || { echo "the page run failed" >&2; cat "$WORK/view.err" >&2; exit 1; }
page=$(cat "$WORK/page.json")
field() { python3 -c 'import json,sys; v=json.loads(sys.argv[1])[sys.argv[2]]; print(", ".join(f"{k} {x}" for k, x in v.items()) if isinstance(v, dict) else v)' "$page" "$1"; }

# Floor: the page's queries straight at the private victoria-metrics.
VM=$(grep -o 'listens on http://[^ ]*' "$WORK/view.err" | head -1 | cut -d' ' -f3)
python3 - "$VM" "$WORK/queries.json" > "$WORK/curl.cfg" <<'PY'
import json, sys, urllib.parse
vm, path = sys.argv[1], sys.argv[2]
for q in json.load(open(path)):
    qs = urllib.parse.urlencode({**{k: str(v) for k, v in q["params"].items()}, "nocache": "1"})
    print(f'url = "{vm}/api/v1/{q["route"]}?{qs}"\noutput = "/dev/null"')
PY
f0=$(now)
curl -fsS -Z --parallel-max 8 -K "$WORK/curl.cfg" 2>"$WORK/curl.err" || { cat "$WORK/curl.err" >&2; exit 1; }
floor=$(echo "$(now) - $f0" | bc)

kill -INT "$VIEW_PID"  # what Ctrl-C sends
wait "$VIEW_PID" || true
left=$(find "$WORK" -mindepth 1 -maxdepth 1 -name 'vmimport-view-*' | wc -l)  # not $WORK itself

echo "== vmimport view, $INSTANCES instances x $SAMPLES samples ($(field queries) queries); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'import (start to URL)          : %.2f s\n' "$(echo "$(field import_done_at) - $t0" | bc)"
printf 'ours: import finished -> drawn : %.2f s (target <= 3 s); %s panels: %s with data, %s empty, %s failed; %s in the findings list\n' \
  "$(field import_done_to_drawn_s)" "$(field panels)" "$(field with_data)" "$(field empty)" "$(field failed)" "$(field findings)"
printf '      page marks (s after open): %s\n' "$(field marks)"
printf '      queries answered in      : %.2f s (%s requests)\n' "$(field queries_s)" "$(field requests)"
printf '      CPU meanwhile (s)        : %s\n' "$(field cpu_s)"
printf 'baseline: one request each    : %.2f s (4 at a time through vmimport, nothing drawn)\n' "$(field baseline_one_request_each_s)"
printf 'floor: curl straight at VM     : %.2f s (8 at a time)\n' "$floor"
echo "after Ctrl-C: $left storage directories left"
