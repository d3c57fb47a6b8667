#!/usr/bin/env bash
# vmexporter's export speed, size and memory against VictoriaMetrics alone, in one run.
#
# Loads the realistic dataset (bench/gen_dataset.py --instances $INSTANCES --samples 960: ~4.5k
# series per instance, cached in $BENCH_DATA with its loaded storage, see lib.sh) into a local
# victoria-metrics (free port, stopped at exit), then over the same range and series:
#   floor: curl <vm>/api/v1/export -o /dev/null        (VictoriaMetrics alone; after a warm-up)
#   gzip:  curl <vm>/api/v1/export | gzip -1 > file
#   ours:  vmexporter export -config ... (obfuscated: windows, parallel fetches, rewrite, staging,
#          deflate, ZIP + SHA-256, metadata, sidecar)
# and prints wall and CPU (user+sys) seconds of each, the ratios, the sizes and vmexporter's peak
# RSS (/usr/bin/time -v). Targets (issue 16): ours <= 1.25x floor, bundle <= gzip -1, RSS <= 64 MB.
# PERF=1 records vmexporter with `perf record` into $BENCH_DATA/perf-export.data.
# CHECK=1 also opens the bundle with unzip -t and Python's zipfile, and imports its metrics.jsonl
# into a fresh victoria-metrics with plain curl and with vmimport, comparing series and samples.
#
#   bench/export_bench.sh                          # uses build/bin/vmexporter
#   INSTANCES=24 bench/export_bench.sh
#   VMEXPORTER=build-x/bin/vmexporter INSTANCES=2 SAMPLES=240 CHECK=1 bench/export_bench.sh
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
VMEXPORTER=${VMEXPORTER:-$ROOT/build/bin/vmexporter}
VMIMPORT=${VMIMPORT:-$(dirname "$VMEXPORTER")/vmimport}
INSTANCES=${INSTANCES:-6}
SAMPLES=${SAMPLES:-960}
CHECK=${CHECK:-0}
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
bench_init vmexporter-bench

[ -x "$VMEXPORTER" ] || { echo "no vmexporter at $VMEXPORTER (build it, or set VMEXPORTER=...)" >&2; exit 1; }
rfc3339() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

END=$BENCH_END
START=$(( END - SAMPLES * BENCH_STEP ))
DATA=$(dataset "$INSTANCES" "$SAMPLES")
STORAGE="$BENCH_DATA/vm-i$INSTANCES-s$SAMPLES-e$END"
if [ ! -f "$STORAGE.ready" ]; then
  echo "loading $DATA into $STORAGE..." >&2
  rm -rf "$STORAGE"
  start_vm "$STORAGE"
  curl -fs -H "Content-Type: application/jsonl" -X POST -T "$DATA" "$VM_URL/api/v1/import"
  curl -fs "$VM_URL/internal/force_flush" >/dev/null
  stop_vm "$VM_PID"
  touch "$STORAGE.ready"
fi
start_vm "$STORAGE"
VM=$VM_URL
echo "dataset: $(wc -l < "$DATA") series, $(mb "$(stat -c %s "$DATA")") MB of JSON lines; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# The same selection every way: every job in the data (what the wizard's cluster mode sends).
JOBS_JSON=$(curl -fs "$VM/api/v1/label/job/values?start=$START&end=$END" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["data"]))')
MATCH=$(python3 -c 'import json,re,sys; print("{job=~\"" + "|".join(re.sub(r"([\\.+*?()|\[\]{}^$])", r"\\\\\1", j) for j in json.loads(sys.argv[1])) + "\"}")' "$JOBS_JSON")
export VM MATCH START END WORK
EXPORT='curl -fs "$VM/api/v1/export" --data-urlencode "match[]=$MATCH" -d "start=$START" -d "end=$END"'

# vm_cpu NAME CMD...: like timed, and the CPU seconds victoria-metrics spent meanwhile in NAME_vm.
vm_cpu() {
  local name=$1 before; shift
  before=$(cpu_s "$VM_PID")
  timed "$name" "$@"
  printf -v "${name}_vm" '%.2f' "$(echo "$(cpu_s "$VM_PID") - $before" | bc -l)"
}

sh -c "$EXPORT -o /dev/null"  # warm-up: every run below reads from the same warm caches
vm_cpu floor sh -c "$EXPORT -o /dev/null"
vm_cpu gzip sh -c "$EXPORT | gzip -1 > \"\$WORK/curl.jsonl.gz\""

mkdir -p "$WORK/out" "$WORK/staging"
cat > "$WORK/config.json" <<JSON
{"connection": {"url": "$VM"},
 "time_range": {"start": "$(rfc3339 "$START")", "end": "$(rfc3339 $((END + 1)))"},
 "mode": "cluster", "jobs": $JOBS_JSON,
 "obfuscation": {"enabled": true, "obfuscate_instance": true, "obfuscate_job": true,
                 "custom_labels": ["pod", "node", "namespace", "cluster"]},
 "staging_dir": "$WORK/staging"}
JSON
vm_cpu ours ${PERF:+perf record -F 499 -o "$BENCH_DATA/perf-export.data" --} "$VMEXPORTER" export -config "$WORK/config.json" -output "$WORK/out" >"$WORK/ours.out" 2>"$WORK/ours.err" \
  || { cat "$WORK/ours.err" >&2; exit 1; }
BUNDLE=$(cat "$WORK/ours.out")
bundle_bytes=$(stat -c %s "$BUNDLE")
gzip_bytes=$(stat -c %s "$WORK/curl.jsonl.gz")

echo "== export, $INSTANCES instances x $SAMPLES samples: $(grep '^exported' "$WORK/ours.err")"
printf '%-36s %8s %9s %11s %9s\n' pipeline "wall s" "CPU s" "VM CPU s" "x floor"
for p in floor gzip ours; do
  wall=${p}_wall cpu=${p}_cpu vmc=${p}_vm
  label=$p
  case $p in
    floor) label="curl /api/v1/export -o /dev/null" ;;
    gzip) label="curl /api/v1/export | gzip -1" ;;
    ours) label="vmexporter export (obfuscated)" ;;
  esac
  printf '%-36s %8.2f %9.2f %11.2f %9s\n' "$label" "${!wall}" "${!cpu}" "${!vmc}" "$(ratio "${!wall}" "$floor_wall")"
done
printf 'ratio ours / curl|gzip -1   : %s (wall)\n' "$(ratio "$ours_wall" "$gzip_wall")"
printf 'bundle %s MB, curl|gzip -1 %s MB (ratio %s)\n' "$(mb "$bundle_bytes")" "$(mb "$gzip_bytes")" "$(ratio "$bundle_bytes" "$gzip_bytes")"
printf 'vmexporter peak RSS          : %s MB (target <= 64)\n' "$ours_rss"
printf 'targets: wall <= 1.25x floor, bundle <= gzip -1, RSS <= 64 MB; %s cores, load %s\n' "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"

if [ "$CHECK" = 1 ]; then
  unzip -tq "$BUNDLE" >/dev/null && echo "check: unzip -t OK"
  python3 -c "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print('check: python zipfile OK,', ', '.join(z.namelist()))" "$BUNDLE"
  # samples: sum over series of count_over_time across the whole range
  counts() {
    local q='sum(count_over_time({__name__!=""}['"$((SAMPLES * BENCH_STEP + 60))"'s]))'
    local s; s=$(curl -fs "$1/api/v1/query" --data-urlencode 'query=count({__name__!=""})' -d "time=$END" | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')
    local n; n=$(curl -fs "$1/api/v1/query" --data-urlencode "query=$q" -d "time=$END" | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')
    echo "$s series, $n samples"
  }
  echo "check: source      $(counts "$VM")"
  start_vm "$WORK/vm-curl"
  unzip -p "$BUNDLE" metrics.jsonl | curl -fs -H "Content-Type: application/jsonl" -X POST -T - "$VM_URL/api/v1/import"
  curl -fs "$VM_URL/internal/force_flush" >/dev/null
  echo "check: plain curl  $(counts "$VM_URL")"
  stop_vm "$VM_PID"
  if [ -x "$VMIMPORT" ]; then
    start_vm "$WORK/vm-ours"
    "$VMIMPORT" import -url="$VM_URL" -no-verify "$BUNDLE" >/dev/null 2>"$WORK/vmimport.err" || cat "$WORK/vmimport.err" >&2
    curl -fs "$VM_URL/internal/force_flush" >/dev/null
    echo "check: vmimport    $(counts "$VM_URL")"
    stop_vm "$VM_PID"
  fi
fi
