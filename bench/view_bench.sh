#!/usr/bin/env bash
# How fast the overview of `vmimport view` is drawn on the 6-instance benchmark bundle.
#
# Builds the realistic dataset (bench/gen_view_dataset.py --instances 6 --samples 960: the
# import benchmark's series with believable health values), packs it as a bundle ZIP, runs
# `vmimport view -no-browser bundle.zip`, and once it prints the overview's URL (the import has
# finished and been verified) opens the page in headless chromium and waits until every panel
# and the findings are drawn. Prints the import time, the time from the import finishing to the
# last panel drawn (target: <= 3 s), the page's own load-to-drawn time and the panel count.
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

echo "generating the dataset (--instances $INSTANCES --samples $SAMPLES)..." >&2
python3 "$HERE/gen_view_dataset.py" --instances "$INSTANCES" --samples "$SAMPLES" > "$WORK/metrics.jsonl"
pack_bundle view-bench
echo "dataset: $(wc -l < "$WORK/metrics.jsonl") series lines, $(du -h "$WORK/bundle.zip" | cut -f1) ZIP" >&2

t0=$(now)
TMPDIR="$WORK" "$VMIMPORT" view -no-browser "$WORK/bundle.zip" >"$WORK/view.out" 2>"$WORK/view.err" &
VIEW_PID=$!
PIDS+=("$VIEW_PID")
URL=
for _ in $(seq 1 6000); do
  URL=$(grep -o 'listening on http://[^ ]*' "$WORK/view.out" | cut -d' ' -f3 || true)
  [ -n "$URL" ] && break
  kill -0 "$VIEW_PID" 2>/dev/null || { cat "$WORK/view.out" "$WORK/view.err" >&2; exit 1; }
  sleep 0.05
done
[ -n "$URL" ] || { echo "vmimport view printed no URL" >&2; cat "$WORK/view.err" >&2; exit 1; }
t1=$(now)

cd "$ROOT"
node --input-type=module - "$URL" "$t1" <<'JS' | tee "$WORK/page.json"
import { chromium } from 'playwright-core';
const [url, importDone] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
await page.goto(url);
await page.waitForSelector('body[data-overview="ready"]', { timeout: 300000 });
const drawn = Date.now() / 1000;
const timing = await page.evaluate(() => performance.now() / 1000);
const states = await page.locator('article.panel').evaluateAll((els) => els.map((e) => e.dataset.state));
const count = (s) => states.filter((x) => x === s).length;
console.log(JSON.stringify({ import_done_to_drawn_s: +(drawn - Number(importDone)).toFixed(2), page_load_to_drawn_s: +timing.toFixed(2),
  panels: states.length, with_data: count('data'), empty: count('empty'), failed: count('error') }));
await browser.close();
JS
kill -INT "$VIEW_PID"  # what Ctrl-C sends
wait "$VIEW_PID" || true
left=$(find "$WORK" -mindepth 1 -maxdepth 1 -name 'vmimport-view-*' | wc -l)  # not $WORK itself
printf 'import (start to URL): %.2f s\n' "$(echo "$t1 - $t0" | bc)"
echo "overview: $(cat "$WORK/page.json")"
echo "after Ctrl-C: $left storage directories left"
