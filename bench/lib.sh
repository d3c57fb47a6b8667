# Shared by the benchmark scripts (source it): a work dir removed at exit, every process started
# through start_vm stopped at exit, free loopback ports and a timer.

# bench_init PREFIX: WORK=/tmp/PREFIX.XXXXXX, cleaned up (with the processes in PIDS) on exit.
bench_init() {
  WORK=$(mktemp -d "/tmp/$1.XXXXXX")
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

# start_vm NAME: a victoria-metrics with its data in $WORK/NAME on a free port, healthy on return;
# sets VM_URL and VM_PID. Not to be called inside $(...): the pid must reach PIDS in this shell.
start_vm() {
  local port; port=$(free_port)
  /usr/bin/victoria-metrics -storageDataPath="$WORK/$1" -httpListenAddr="127.0.0.1:$port" \
    -retentionPeriod=100y -search.latencyOffset=0s -loggerLevel=ERROR >"$WORK/$1.log" 2>&1 &
  VM_PID=$!
  PIDS+=("$VM_PID")
  VM_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 200); do curl -fs "$VM_URL/health" >/dev/null 2>&1 && break; sleep 0.05; done
}

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
