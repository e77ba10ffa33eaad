#!/usr/bin/env bash
# Issue 2's figures: `dialer dry-run` and `dialer import` over a 1,000,000-row CSV (mixed
# formats, ~10% junk, ~5% duplicates), wall time and peak RSS from /usr/bin/time -v.
# Usage: bench/foundation.sh [ROWS]   (release build; results in bench-out/)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
out=bench-out
mkdir -p "$out"
cargo build --release --quiet
bin=target/release/dialer
csv=$out/numbers-$rows.csv
[ -f "$csv" ] || python3 bench/gen_numbers.py "$rows" "$csv" --seed 1
cat > "$out/bench.yaml" <<YAML
name: bench
numbers: { file: numbers-$rows.csv, column: phone, default_region: CN }
schedule:
  timezone: Asia/Shanghai
  windows: [{ days: [mon, tue, wed, thu, fri, sat, sun], start: "00:00", end: "24:00" }]
pacing: { batch_size: 100, max_concurrent: 200, max_cps: 100 }
YAML
measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -v "$@" > /dev/null 2> "$out/time.txt" || { cat "$out/time.txt"; exit 1; }
  local wall rss
  wall=$(grep 'Elapsed (wall clock)' "$out/time.txt" | awk '{print $NF}')
  rss=$(grep 'Maximum resident' "$out/time.txt" | awk '{print $NF}')
  printf '%-28s wall %-9s peak RSS %6d MB\n' "$label" "$wall" $((rss / 1024))
}
echo "rows: $rows; machine: $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in 1 2 3; do measure "dry-run --format json ($i)" "$bin" dry-run "$out/bench.yaml" --format json; done
for i in 1 2 3; do
  rm -f "$out/bench.db" "$out/bench.db-wal" "$out/bench.db-shm"
  measure "import, new database ($i)" "$bin" --db "$out/bench.db" import "$out/bench.yaml"
done
measure "import again (idempotent)" "$bin" --db "$out/bench.db" import "$out/bench.yaml"
