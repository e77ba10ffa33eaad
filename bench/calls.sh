#!/usr/bin/env bash
# Issue 3's call-rate figure, side by side in one run: the highest rate sipp's own UAC
# (`sipp -sn uac -r R`) and `dialer run` (the whole pipeline: claim, policy, SQLite attempt
# rows before and after every call, SIP through rsipstack) each sustain against the same sipp
# UAS on loopback, with zero failed calls. Calls carry no prompt: answer, ACK, BYE.
# Usage: bench/calls.sh [CALLS] [RATE...]   (release build; results in bench-out/calls/)
set -euo pipefail
cd "$(dirname "$0")/.."
calls=${1:-20000}; shift || true
rates=${*:-500 1000 1500 2000}
out=bench-out/calls
mkdir -p "$out"
cargo build --release --quiet
bin=$PWD/target/release/dialer
uas_port=25060
sipp -sf bench/sipp/uas_fast.xml -i 127.0.0.1 -mi 127.0.0.1 -p $uas_port -mp 26000 \
  -nostdin -nr > /dev/null 2>&1 &
uas=$!
trap 'kill $uas 2> /dev/null || true' EXIT
sleep 0.5
python3 - "$calls" > "$out/numbers.csv" <<'PY'
import sys
print("phone")
for i in range(int(sys.argv[1])):
    print(f"+86138{i:08d}")
PY
echo "calls per run: $calls; machine: $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-28s %-28s\n' rate "sipp -sn uac (calls/s, failed)" "dialer run (calls/s, failed)"
for rate in $rates; do
  # sipp's UAC: its statistics file gives the calls that succeeded and failed.
  rm -f "$out"/uac_*.csv
  (cd "$out" && timeout 120 sipp -sn uac -r "$rate" -m "$calls" -l 5000 -i 127.0.0.1 -mi 127.0.0.1 \
    -nostdin -nr -trace_stat -fd 1000 -stf uac.csv 127.0.0.1:$uas_port > /dev/null 2>&1) || true
  sipp_line=$(python3 - "$out/uac.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1]), delimiter=";"))
h, last = rows[0], rows[-1]
get = lambda name: last[h.index(name)]
ok, failed = int(get("SuccessfulCall(C)")), int(get("FailedCall(C)"))
secs = float(get("ElapsedTime(C)").split(":")[0]) * 3600 + float(get("ElapsedTime(C)").split(":")[1]) * 60 \
    + float(get("ElapsedTime(C)").split(":")[2])
print(f"{ok / secs:8.0f} {failed:6d}")
PY
)
  # dialer: a fresh database, the whole pipeline.
  rm -f "$out"/d.db*
  cat > "$out/c.yaml" <<YAML
name: bench
numbers: { file: numbers.csv, column: phone, default_region: CN }
caller_id: "+861012345678"
schedule:
  timezone: Asia/Shanghai
  windows: [{ days: [mon, tue, wed, thu, fri, sat, sun], start: "00:00", end: "24:00" }]
pacing: { batch_size: 2000, max_concurrent: 2000, max_cps: $rate }
call: { ring_timeout: 10s, max_duration: 30s }
sip: { bind: "127.0.0.1:0", rtp_ports: 30000-59999 }
trunks: [{ name: sipp, uri: "sip:127.0.0.1:$uas_port" }]
YAML
  (cd "$out" && timeout 300 "$bin" --db d.db run c.yaml --yes --progress never -q > /dev/null 2>&1) || true
  dialer_line=$("$bin" --db "$out/d.db" export --attempts --format json | python3 -c '
import json, sys, datetime
rows = json.load(sys.stdin)
ts = sorted(datetime.datetime.fromisoformat(r["started_at"].replace("Z", "+00:00")) for r in rows)
failed = sum(1 for r in rows if r["disposition"] != "ANSWERED")
span = (ts[-1] - ts[0]).total_seconds() if len(ts) > 1 else 1
print(f"{(len(rows) - 1) / span:8.0f} {failed:6d}")')
  printf '%-6s %-28s %-28s\n' "$rate" "$sipp_line" "$dialer_line"
done
