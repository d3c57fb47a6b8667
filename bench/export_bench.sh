#!/usr/bin/env bash
# vmexporter's export speed and memory against `curl /api/v1/export | gzip -1`, in one run.
#
# Generates the realistic dataset (bench/gen_dataset.py --instances 6 --samples 960: ~27k series x
# 960 samples), loads it into a local victoria-metrics (free port, temp dir, stopped at exit), then
# over the same range and the same series:
#   A: curl <vm>/api/v1/export | gzip -1 > file          (after one untimed warm-up run)
#   B: a full obfuscated export by the vmexporter binary: POST /api/export to its local server
#      (windows, parallel fetches, rewrite, staging, ZIP + SHA-256, metadata, sidecar)
# and prints both times, the ratio B/A and vmexporter's peak RSS (VmHWM).
# Targets: ratio <= 1.3, peak RSS <= 64 MB.
#
#   bench/export_bench.sh                          # uses build/bin/vmexporter
#   VMEXPORTER=build-x/bin/vmexporter INSTANCES=2 SAMPLES=240 bench/export_bench.sh
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
VMEXPORTER=${VMEXPORTER:-$ROOT/build/bin/vmexporter}
INSTANCES=${INSTANCES:-6}
SAMPLES=${SAMPLES:-960}
STEP=30
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
bench_init vmexporter-bench

[ -x "$VMEXPORTER" ] || { echo "no vmexporter at $VMEXPORTER (build it, or set VMEXPORTER=...)" >&2; exit 1; }

cpu_s() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$1/stat"; }  # user+sys CPU seconds of a pid
rfc3339() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

END=$(( $(date +%s) / STEP * STEP - 120 ))
START=$(( END - SAMPLES * STEP ))
echo "generating the dataset (--instances $INSTANCES --samples $SAMPLES)..." >&2
python3 "$HERE/gen_dataset.py" --instances "$INSTANCES" --samples "$SAMPLES" --step "$STEP" --end "$END" \
  > "$WORK/data.jsonl"
echo "dataset: $(wc -l < "$WORK/data.jsonl") series, $(du -h "$WORK/data.jsonl" | cut -f1) of JSON lines" >&2

start_vm vm
VM=$VM_URL
curl -fs -H 'Content-Type: application/jsonl' --data-binary @"$WORK/data.jsonl" "$VM/api/v1/import"
curl -fs "$VM/internal/force_flush" >/dev/null
rm -f "$WORK/data.jsonl"

# The same selection both ways: every job in the data (what the wizard's cluster mode sends).
JOBS_JSON=$(curl -fs "$VM/api/v1/label/job/values?start=$START&end=$END" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["data"]))')
MATCH=$(python3 -c 'import json,re,sys; print("{job=~\"" + "|".join(re.sub(r"([\\.+*?()|\[\]{}^$])", r"\\\\\1", j) for j in json.loads(sys.argv[1])) + "\"}")' "$JOBS_JSON")

curl_export() {
  curl -fs "$VM/api/v1/export" --data-urlencode "match[]=$MATCH" -d "start=$START" -d "end=$END" \
    | gzip -1 > "$WORK/curl.jsonl.gz"
}
curl_export  # warm-up: both runs below then read from the same warm caches
vm0=$(cpu_s "$VM_PID")
t0=$(now)
curl_export
t1=$(now)
vm1=$(cpu_s "$VM_PID")

mkdir -p "$WORK/out" "$WORK/staging"
"$VMEXPORTER" -no-browser -addr 127.0.0.1:0 -output "$WORK/out" >"$WORK/vmexporter.log" 2>&1 &
EXP_PID=$!
PIDS+=($EXP_PID)
URL=""
for _ in $(seq 1 200); do
  URL=$(grep -o 'http://127.0.0.1:[0-9]*/[^ ]*' "$WORK/vmexporter.log" | head -1 || true)
  [ -n "$URL" ] && break
  sleep 0.05
done
[ -n "$URL" ] || { echo "vmexporter did not start:" >&2; cat "$WORK/vmexporter.log" >&2; exit 1; }
BASE=$(echo "$URL" | grep -o 'http://127.0.0.1:[0-9]*')
TOKEN=$(echo "$URL" | sed -n 's/.*token=\([^&]*\).*/\1/p')

cat > "$WORK/config.json" <<JSON
{"connection": {"url": "$VM"},
 "time_range": {"start": "$(rfc3339 "$START")", "end": "$(rfc3339 $((END + 1)))"},
 "mode": "cluster", "jobs": $JOBS_JSON,
 "obfuscation": {"enabled": true, "obfuscate_instance": true, "obfuscate_job": true,
                 "custom_labels": ["pod", "node", "namespace", "cluster"]},
 "staging_dir": "$WORK/staging"}
JSON
vm2=$(cpu_s "$VM_PID")
t2=$(now)
code=$(curl -s -o "$WORK/export.json" -w '%{http_code}' -H "X-Auth-Token: $TOKEN" \
  -H 'Content-Type: application/json' --data-binary @"$WORK/config.json" "$BASE/api/export")
t3=$(now)
[ "$code" = 200 ] || { echo "export failed: HTTP $code $(cat "$WORK/export.json")" >&2; exit 1; }
vm3=$(cpu_s "$VM_PID")
OURS_CPU=$(cpu_s "$EXP_PID")
HWM_KB=$(awk '/VmHWM/ {print $2}' "/proc/$EXP_PID/status")

curl_s=$(echo "$t1 - $t0" | bc -l)
ours_s=$(echo "$t3 - $t2" | bc -l)
python3 - "$WORK/export.json" "$WORK/curl.jsonl.gz" <<'PY'
import json, os, sys
r = json.load(open(sys.argv[1]))
print(f"bundle: {r['archive_name']}, {r['archive_size']/1e6:.1f} MB, {r['metrics_count']} series, "
      f"{r['samples_count']} samples; curl|gzip -1 output {os.path.getsize(sys.argv[2])/1e6:.1f} MB")
PY
printf 'curl /api/v1/export | gzip -1   : %6.2f s\n' "$curl_s"
printf 'vmexporter obfuscated export    : %6.2f s\n' "$ours_s"
printf 'ratio vmexporter / curl         : %6.2f (target <= 1.3)\n' "$(echo "$ours_s / $curl_s" | bc -l)"
printf 'vmexporter peak RSS (VmHWM)     : %6.1f MB (target <= 64)\n' "$(echo "$HWM_KB / 1024" | bc -l)"
printf 'CPU seconds: victoria-metrics %.2f (curl run) / %.2f (our run); vmexporter %.2f on %s cores\n' \
  "$(echo "$vm1 - $vm0" | bc -l)" "$(echo "$vm3 - $vm2" | bc -l)" "$OURS_CPU" "$(nproc)"
