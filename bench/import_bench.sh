#!/usr/bin/env bash
# vmimport speed and memory against plain curl, in one run.
#
# Takes the realistic dataset (bench/gen_dataset.py --instances $INSTANCES --samples 960, cached
# in $BENCH_DATA, see lib.sh), packs it as a bundle ZIP the way vmexporter does (metrics.jsonl +
# metadata.json, deflate level 1), then each into a fresh victoria-metrics:
#   floor: curl -H 'Content-Type: application/jsonl' -T metrics.jsonl -X POST <vm>/api/v1/import
#          (curl --data-binary @file, streamed: --data-binary reads the file into memory first and
#          gives up on 2 GB with "out of memory")
#   gzip:  gzip -1 -c metrics.jsonl | curl -H 'Content-Encoding: gzip' --data-binary @- ...
#   ours:  vmimport import -url=<vm> -no-verify bundle.zip  (unzip + parse + parallel POSTs)
# and prints wall and CPU (user+sys) seconds of each, the ratios, the sizes, vmimport's peak RSS
# (/usr/bin/time -v) and the series and samples each target holds afterwards (they must be equal).
# Targets (issue 16): ours <= 1.0x floor with every sample arriving, peak RSS <= 64 MB.
#
#   bench/import_bench.sh                 # uses build/bin/vmimport
#   INSTANCES=24 bench/import_bench.sh
#   VMIMPORT_ARGS="-gzip-level=1 -concurrency=3" bench/import_bench.sh   # extra vmimport flags
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
VMIMPORT=${VMIMPORT:-$ROOT/build/bin/vmimport}
INSTANCES=${INSTANCES:-6}
SAMPLES=${SAMPLES:-960}
read -r -a EXTRA <<< "${VMIMPORT_ARGS:-}"
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
bench_init vmimport-bench

[ -x "$VMIMPORT" ] || { echo "no vmimport at $VMIMPORT (build it, or set VMIMPORT=...)" >&2; exit 1; }

DATA=$(dataset "$INSTANCES" "$SAMPLES")
BUNDLE="$BENCH_DATA/bundle-i$INSTANCES-s$SAMPLES-e$BENCH_END.zip"
if [ ! -f "$BUNDLE" ]; then
  python3 - "$DATA" "$BUNDLE.tmp" <<'PY'
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
    z.write(sys.argv[1], "metrics.jsonl")
    z.writestr("metadata.json", json.dumps({"export_id": "bench", "obfuscated": False}))
PY
  mv "$BUNDLE.tmp" "$BUNDLE"
fi
echo "dataset: $(wc -l < "$DATA") series lines, $(mb "$(stat -c %s "$DATA")") MB JSON lines, $(mb "$(stat -c %s "$BUNDLE")") MB ZIP; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# counts URL: "<series> <samples>" the target holds over the dataset's range.
counts() {
  curl -fs "$1/internal/force_flush" >/dev/null
  local q='sum(count_over_time({__name__!=""}['"$((SAMPLES * BENCH_STEP + 60))"'s]))'
  local s n
  s=$(curl -fs "$1/api/v1/query" --data-urlencode 'query=count({__name__!=""})' -d "time=$BENCH_END" | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')
  n=$(curl -fs "$1/api/v1/query" --data-urlencode "query=$q" -d "time=$BENCH_END" | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')
  echo "$s $n"
}

# run NAME CMD...: CMD (which uses $URL) into a fresh victoria-metrics; sets NAME_wall/_cpu/_rss,
# NAME_vm (the target's CPU seconds) and NAME_counts. The target is stopped afterwards.
run() {
  local name=$1 before; shift
  start_vm "$WORK/vm-$name"
  export URL=$VM_URL
  before=$(cpu_s "$VM_PID")
  timed "$name" "$@"
  printf -v "${name}_vm" '%.2f' "$(echo "$(cpu_s "$VM_PID") - $before" | bc -l)"
  printf -v "${name}_counts" '%s' "$(counts "$URL")"
  stop_vm "$VM_PID"
  rm -rf "$WORK/vm-$name"
}
export DATA BUNDLE WORK
run floor sh -c 'curl -fs -H "Content-Type: application/jsonl" -X POST -T "$DATA" "$URL/api/v1/import"'
run gzip sh -c 'gzip -1 -c "$DATA" | curl -fs -H "Content-Type: application/jsonl" -H "Content-Encoding: gzip" -X POST -T - "$URL/api/v1/import"'
run ours sh -c '"$0" import -url="$URL" -no-verify "$@" "$BUNDLE" >/dev/null 2>"$WORK/vmimport.err"' "$VMIMPORT" "${EXTRA[@]}"

echo "== import, $INSTANCES instances x $SAMPLES samples ${VMIMPORT_ARGS:-}"
printf '%-44s %8s %9s %11s %9s  %s\n' pipeline "wall s" "CPU s" "VM CPU s" "x floor" "series samples"
for p in floor gzip ours; do
  wall=${p}_wall cpu=${p}_cpu vmc=${p}_vm c=${p}_counts
  case $p in
    floor) label="curl -T metrics.jsonl (--data-binary)" ;;
    gzip) label="gzip -1 | curl (Content-Encoding: gzip)" ;;
    ours) label="vmimport import bundle.zip" ;;
  esac
  printf '%-44s %8.2f %9.2f %11.2f %9s  %s\n' "$label" "${!wall}" "${!cpu}" "${!vmc}" "$(ratio "${!wall}" "$floor_wall")" "${!c}"
done
printf 'every sample arrived        : %s\n' "$([ "$ours_counts" = "$floor_counts" ] && echo yes || echo "NO ($ours_counts vs $floor_counts)")"
printf 'vmimport peak RSS           : %s MB (target <= 64)\n' "$ours_rss"
printf 'targets: wall <= 1.0x floor, RSS <= 64 MB; %s cores, load %s\n' "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
