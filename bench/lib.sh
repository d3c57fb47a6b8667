# Shared by the benchmark scripts (source it): a work dir removed at exit, every process started
# through start_vm stopped at exit, free loopback ports, timing and the cached datasets.
#
# Datasets and loaded victoria-metrics storage are kept in $BENCH_DATA (default /work/benchdata,
# on disk rather than a RAM /tmp: 24 instances are 2.25 GB) and reused by later runs; their
# timestamps end at the fixed $BENCH_END so the same arguments always give the same bytes.
BENCH_DATA=${BENCH_DATA:-/work/benchdata}
BENCH_END=${BENCH_END:-1764547200}  # 2025-12-01T00:00:00Z
BENCH_STEP=30

# bench_init PREFIX: WORK=$BENCH_DATA/PREFIX.XXXXXX, cleaned up (with the processes in PIDS) on exit.
bench_init() {
  mkdir -p "$BENCH_DATA"
  WORK=$(mktemp -d "$BENCH_DATA/$1.XXXXXX")
  PIDS=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
now() { date +%s.%N; }
cpu_s() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$1/stat"; }  # user+sys CPU seconds of a live pid

# start_vm DIR: a victoria-metrics with its data in DIR on a free port, healthy on return; sets
# VM_URL and VM_PID. Not to be called inside $(...): the pid must reach PIDS in this shell.
start_vm() {
  local port; port=$(free_port)
  /usr/bin/victoria-metrics -storageDataPath="$1" -httpListenAddr="127.0.0.1:$port" \
    -retentionPeriod=100y -search.latencyOffset=0s -loggerLevel=ERROR >"$1.log" 2>&1 &
  VM_PID=$!
  PIDS+=("$VM_PID")
  VM_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 3000); do curl -fs "$VM_URL/health" >/dev/null 2>&1 && break; sleep 0.05; done
}

# stop_vm PID: stops one victoria-metrics started by start_vm and waits for it to flush and exit.
stop_vm() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# dataset INSTANCES SAMPLES: prints the path of the cached JSON-lines dataset, generating it once.
dataset() {
  local f="$BENCH_DATA/data-i$1-s$2-e$BENCH_END.jsonl"
  if [ ! -f "$f" ]; then
    echo "generating the dataset (--instances $1 --samples $2) into $f..." >&2
    python3 "$HERE/gen_dataset.py" --instances "$1" --samples "$2" --step "$BENCH_STEP" --end "$BENCH_END" > "$f.tmp"
    mv "$f.tmp" "$f"
  fi
  echo "$f"
}

# timed NAME CMD...: runs CMD under /usr/bin/time -v; sets NAME_wall, NAME_cpu (user+sys seconds,
# children included) and NAME_rss (peak RSS in MB of the largest process).
timed() {
  local name=$1; shift
  /usr/bin/time -v -o "$WORK/$name.time" "$@"
  local wall cpu rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$WORK/$name.time")
  cpu=$(awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {printf "%.2f", u + s}' "$WORK/$name.time")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$WORK/$name.time")
  printf -v "${name}_wall" '%s' "$wall"
  printf -v "${name}_cpu" '%s' "$cpu"
  printf -v "${name}_rss" '%s' "$rss"
}

ratio() { echo "$1 / $2" | bc -l | xargs printf '%.2f'; }
mb() { echo "$1 / 1000000" | bc -l | xargs printf '%.1f'; }

# pack_bundle EXPORT_ID: $WORK/metrics.jsonl -> $WORK/bundle.zip (metrics.jsonl + a minimal
# metadata.json), like a vmexporter bundle without obfuscation.
pack_bundle() {
  python3 - "$WORK" "$1" <<'PY'
import json, os, sys, zipfile
w, export_id = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(os.path.join(w, "bundle.zip"), "w", zipfile.ZIP_DEFLATED) as z:
    z.write(os.path.join(w, "metrics.jsonl"), "metrics.jsonl")
    z.writestr("metadata.json", json.dumps({"export_id": export_id, "obfuscated": False}))
PY
}
