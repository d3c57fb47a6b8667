#!/usr/bin/env bash
# `make demo`: a local VictoriaMetrics stack with realistic data, and the vmexporter wizard
# pointed at it. Everything runs in the background from .demo/ and survives this script;
# `scripts/demo.sh stop` (make demo-stop) ends it. Running it again reuses what is running.
#
#   victoria-metrics  127.0.0.1:8428 (or a free port)  6h of generated data for 7 components
#   vmagent           scrapes victoria-metrics, vmagent, vmalert, vmauth every 10s (live data)
#   vmalert, vmauth   real components so their own metrics exist
#   vmexporter        the wizard, URL printed at the end
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEMO=$ROOT/.demo
BIN=$ROOT/build/bin
mkdir -p "$DEMO/logs" "$DEMO/bundles"

alive() { [ -f "$DEMO/$1.pid" ] && kill -0 "$(cat "$DEMO/$1.pid")" 2>/dev/null; }
port_free() { ! ss -Hltn "sport = :$1" | grep -q .; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
launch() {  # name, command...
  local name=$1; shift
  setsid nohup "$@" >"$DEMO/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$DEMO/$name.pid"
}
wait_http() {
  for _ in $(seq 1 150); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "error: $1 did not answer; see $DEMO/logs" >&2; exit 1
}

if [ "${1:-}" = stop ]; then
  for n in vmexporter vmagent vmalert vmauth victoria-metrics; do
    alive "$n" && kill "$(cat "$DEMO/$n.pid")" && echo "stopped $n"
    rm -f "$DEMO/$n.pid"
  done
  exit 0
fi

if ! alive victoria-metrics; then
  VM_PORT=8428; port_free $VM_PORT || VM_PORT=$(free_port)
  AGENT_PORT=$(free_port); ALERT_PORT=$(free_port); AUTH_PORT=$(free_port)
  printf 'VM_PORT=%s\nAGENT_PORT=%s\nALERT_PORT=%s\nAUTH_PORT=%s\n' $VM_PORT $AGENT_PORT $ALERT_PORT $AUTH_PORT > "$DEMO/ports"
  launch victoria-metrics /usr/bin/victoria-metrics -storageDataPath="$DEMO/data" \
    -httpListenAddr=127.0.0.1:$VM_PORT -retentionPeriod=100y -search.latencyOffset=5s
fi
# shellcheck disable=SC1091
source "$DEMO/ports"
VM=http://127.0.0.1:$VM_PORT
wait_http "$VM/health"

cat > "$DEMO/scrape.yml" <<YAML
global: {scrape_interval: 10s}
scrape_configs:
  - {job_name: victoria-metrics, static_configs: [{targets: ['127.0.0.1:$VM_PORT']}]}
  - {job_name: vmagent, static_configs: [{targets: ['127.0.0.1:$AGENT_PORT']}]}
  - {job_name: vmalert, static_configs: [{targets: ['127.0.0.1:$ALERT_PORT']}]}
  - {job_name: vmauth, static_configs: [{targets: ['127.0.0.1:$AUTH_PORT']}]}
YAML
cat > "$DEMO/rules.yml" <<'YAML'
groups:
  - name: demo
    rules:
      - record: demo:up:count
        expr: count(up == 1)
YAML
cat > "$DEMO/auth.yml" <<YAML
users:
  - {username: demo, password: demo-password, url_prefix: "$VM"}
YAML
alive vmagent || launch vmagent /usr/bin/vmagent -httpListenAddr=127.0.0.1:$AGENT_PORT \
  -promscrape.config="$DEMO/scrape.yml" -remoteWrite.url="$VM/api/v1/write" \
  -remoteWrite.tmpDataPath="$DEMO/vmagent-queue"
alive vmalert || launch vmalert /usr/bin/vmalert -httpListenAddr=127.0.0.1:$ALERT_PORT \
  -rule="$DEMO/rules.yml" -datasource.url="$VM" -remoteWrite.url="$VM"
alive vmauth || launch vmauth /usr/bin/vmauth -httpListenAddr=127.0.0.1:$AUTH_PORT -auth.config="$DEMO/auth.yml"

if [ ! -f "$DEMO/data-loaded" ]; then
  echo "loading 6h of demo data (7 components x 2 instances) into $VM ..."
  python3 bench/gen_dataset.py --instances 2 --samples 720 --step 30 \
    | curl -fsS -H 'Content-Type: application/jsonl' --data-binary @- "$VM/api/v1/import"
  curl -fsS "$VM/internal/force_flush" > /dev/null
  touch "$DEMO/data-loaded"
fi

if ! alive vmexporter; then
  launch vmexporter "$BIN/vmexporter" -output="$DEMO/bundles" -vm.url="$VM" -no-browser
  for _ in $(seq 1 100); do grep -q 'listening on' "$DEMO/logs/vmexporter.log" && break; sleep 0.1; done
fi
URL=$(grep -o 'http://[^ ]*' "$DEMO/logs/vmexporter.log" | head -1)
[ -n "$URL" ] || { echo "error: vmexporter did not start; see $DEMO/logs/vmexporter.log" >&2; exit 1; }
command -v xdg-open >/dev/null && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && xdg-open "$URL" >/dev/null 2>&1 || true
cat <<MSG

VictoriaMetrics with demo data: $VM   (also behind vmauth: http://127.0.0.1:$AUTH_PORT, demo / demo-password)
vmexporter wizard:              $URL
Bundles are written to $DEMO/bundles. Stop everything with: make demo-stop
MSG
