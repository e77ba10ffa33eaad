#!/usr/bin/env bash
# Issue 3's media figure: 2,000 concurrent answered calls, each streaming a 60 s prompt, from
# one `dialer run` to one `dialer sim` on loopback. The simulator timestamps every RTP packet
# it receives against its call's 20 ms grid (lateness p50/p99/p99.9/max, and sequence gaps as
# loss); the dialer's peak RSS is sampled from /proc every 200 ms, once for a one-call run of
# the same campaign (the idle process: runtime, SIP stack, prompt) and once for the full run;
# per call = (full - one) / (calls - 1).
# Usage: bench/streams.sh [CALLS] [PROMPT_SECONDS]   (release build; results in bench-out/streams/)
set -euo pipefail
cd "$(dirname "$0")/.."
calls=${1:-2000}
secs=${2:-60}
out=bench-out/streams
mkdir -p "$out"
cargo build --release --quiet
bin=$PWD/target/release/dialer
python3 - "$calls" "$secs" "$out" <<'PY'
import math, struct, sys, wave
calls, secs, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with open(f"{out}/numbers.csv", "w") as f:
    # Last four digits 7000-7999: never a SIP code, which the simulator would act on.
    f.write("phone\n" + "".join(f"+86{138 + i // 10000}{i % 10000:04d}7{i % 1000:03d}\n" for i in range(calls)))
w = wave.open(f"{out}/prompt.wav", "wb")
w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
w.writeframes(b"".join(struct.pack("<h", int(3000 * math.sin(i * 0.3))) for i in range(8000 * secs)))
PY
campaign() { # numbers file, concurrency
cat > "$out/c.yaml" <<YAML
name: streams
numbers: { file: $1, column: phone, default_region: CN }
caller_id: "+861012345678"
schedule:
  timezone: Asia/Shanghai
  windows: [{ days: [mon, tue, wed, thu, fri, sat, sun], start: "00:00", end: "24:00" }]
pacing: { batch_size: 2000, max_concurrent: $2, max_cps: 200 }
call: { ring_timeout: 10s, max_duration: $((secs + 60))s }
prompt: prompt.wav
sip: { bind: "127.0.0.1:0", rtp_ports: 20000-29999 }
trunks: [{ name: sim, uri: "sip:127.0.0.1:25070" }]
YAML
}
peak_rss() { # runs the campaign, prints the dialer's peak RSS (KB)
  rm -f "$out"/d.db*
  (cd "$out" && exec "$bin" --db d.db run c.yaml --yes --progress never -q) &
  local run=$! peak=0 rss
  while kill -0 $run 2> /dev/null; do
    rss=$(awk '/VmRSS/ {print $2}' /proc/$run/status 2> /dev/null || echo 0)
    [ "${rss:-0}" -gt "$peak" ] && peak=$rss
    sleep 0.2
  done
  wait $run || true
  echo "$peak"
}
head -2 "$out/numbers.csv" > "$out/one.csv"
"$bin" sim --listen 127.0.0.1:25070 --ring 0ms-0ms --talk $((secs + 120))s-$((secs + 120))s \
  --rtp-ports 30000-39999 --capacity $((calls + 10)) > /dev/null &
sim=$!
trap 'kill $sim 2> /dev/null || true' EXIT
sleep 0.5
campaign one.csv 1
idle=$(peak_rss)
kill -INT $sim; wait $sim || true
rm -f "$out/sim.json"
"$bin" sim --listen 127.0.0.1:25070 --ring 0ms-0ms --talk $((secs + 120))s-$((secs + 120))s \
  --rtp-ports 30000-39999 --capacity $((calls + 10)) --stats-json "$out/sim.json" > "$out/sim.txt" &
sim=$!
sleep 0.5
echo "calls: $calls x ${secs} s prompt; machine: $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
campaign numbers.csv "$calls"
peak=$(peak_rss)
kill -INT $sim; wait $sim || true
python3 - "$out/sim.json" "$calls" "$idle" "$peak" "$secs" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); calls, idle, peak, secs = map(int, sys.argv[2:6])
l = r["rtp_lateness_ms"]; per_call = r["rtp_packets_per_call"]
print(f"max concurrent calls at the simulator: {r['max_concurrent']}")
print(f"RTP packets: {sum(per_call)} ({min(per_call)}-{max(per_call)} a call; {secs * 50} expected), lost {r['rtp_lost']}")
print(f"lateness ms: p50 {l['p50']:.1f}, p99 {l['p99']:.1f}, p99.9 {l['p999']:.1f}, max {l['max']:.1f}")
print(f"dialer peak RSS: one call {idle / 1024:.1f} MB, {calls} calls {peak / 1024:.1f} MB, {(peak - idle) / max(calls - 1, 1):.1f} KB a call")
PY
