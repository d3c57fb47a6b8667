#!/usr/bin/env bash
# vmimport speed and memory against plain curl, in one run.
#
# Builds the realistic dataset (bench/gen_dataset.py --instances 6 --samples 960), packs it as a
# bundle ZIP (metrics.jsonl + metadata.json), then into two fresh victoria-metrics:
#   A: curl -H 'Content-Type: application/jsonl' --data-binary @metrics.jsonl <A>/api/v1/import
#   B: vmimport import -url=<B> bundle.zip   (unzip + parse + gzip + parallel POSTs + verification)
# and prints both times, the ratio B/A and vmimport's peak RSS (/usr/bin/time -v).
# Targets: ratio <= 1.2, peak RSS <= 64 MB.
#
#   bench/import_bench.sh                 # uses build/bin/vmimport
#   VMIMPORT=build-x/bin/vmimport INSTANCES=2 SAMPLES=240 bench/import_bench.sh
#   VMIMPORT_ARGS="-gzip-level=0 -concurrency=3" bench/import_bench.sh   # extra vmimport flags
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


echo "generating the dataset (--instances $INSTANCES --samples $SAMPLES)..." >&2
python3 "$HERE/gen_dataset.py" --instances "$INSTANCES" --samples "$SAMPLES" > "$WORK/metrics.jsonl"
pack_bundle bench
LINES=$(wc -l < "$WORK/metrics.jsonl")
echo "dataset: $LINES series lines, $(du -h "$WORK/metrics.jsonl" | cut -f1) JSON lines, $(du -h "$WORK/bundle.zip" | cut -f1) ZIP" >&2

# Not VM_A=$(start_vm …): in a subshell the pid would never reach PIDS and the VM would outlive us.
start_vm vm-a
VM_A=$VM_URL
start_vm vm-b
VM_B=$VM_URL

t0=$(now)
code=$(curl -s -o "$WORK/curl.out" -w '%{http_code}' -H 'Content-Type: application/jsonl' \
  --data-binary @"$WORK/metrics.jsonl" "$VM_A/api/v1/import")
t1=$(now)
[ "$code" = 204 ] || { echo "curl import failed: HTTP $code $(cat "$WORK/curl.out")" >&2; exit 1; }

t2=$(now)
/usr/bin/time -v "$VMIMPORT" import -url="$VM_B" -no-verify "${EXTRA[@]}" "$WORK/bundle.zip" \
  >"$WORK/vmimport.out" 2>"$WORK/vmimport.err" || { cat "$WORK/vmimport.out" "$WORK/vmimport.err" >&2; exit 1; }
t3=$(now)

# Verification on its own (the import above skipped it so both timings measure ingestion only).
t4=$(now)
"$VMIMPORT" import -url="$VM_B" "$WORK/bundle.zip" >"$WORK/verify.out" 2>"$WORK/verify.err" || true
t5=$(now)

curl_s=$(echo "$t1 - $t0" | bc -l)
vmimport_s=$(echo "$t3 - $t2" | bc -l)
rss_kb=$(grep 'Maximum resident set size' "$WORK/vmimport.err" | awk '{print $NF}')
printf 'curl --data-binary @metrics.jsonl : %6.2f s\n' "$curl_s"
printf 'vmimport import bundle.zip %-7s: %6.2f s\n' "${VMIMPORT_ARGS:-}" "$vmimport_s"
printf 'ratio vmimport / curl             : %6.2f (target <= 1.2)\n' "$(echo "$vmimport_s / $curl_s" | bc -l)"
printf 'vmimport peak RSS                 : %6.1f MB (target <= 64)\n' "$(echo "$rss_kb / 1024" | bc -l)"
printf 'second import + verification      : %6.2f s: %s\n' "$(echo "$t5 - $t4" | bc -l)" \
  "$(grep '^verification:' "$WORK/verify.out" | cut -c18-)"
