#!/usr/bin/env bash
# Side-by-side speed of `dialer audio convert` (release build) and sox on the job prompts get:
# a 1-hour 44.1 kHz 16-bit stereo WAV -> 8 kHz mono mu-law WAV. Prints wall time and peak RSS
# (/usr/bin/time -v) for each, best of $RUNS runs, interleaved so both see the same machine.
#
# Usage: bench/audio.sh            (BENCH_OUT=dir to choose where the 635 MB input goes,
#                                    SECONDS_OF_AUDIO=600 for a shorter run, RUNS=3)
# Goal (issue 4): our wall time <= sox's, our peak RSS <= 50 MB.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${BENCH_OUT:-bench-out} # bench-out/ is git-ignored
secs=${SECONDS_OF_AUDIO:-3600}
runs=${RUNS:-3}
mkdir -p "$out"
command -v sox >/dev/null || { echo "bench needs sox" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench needs GNU time (/usr/bin/time)" >&2; exit 1; }

cargo build --release --locked --bin dialer >&2
dialer=target/release/dialer

in="$out/long-${secs}s.wav"
if [ ! -f "$in" ]; then
  echo "generating $in ($secs s, 44.1 kHz stereo 16-bit)" >&2
  # Left: a 440 Hz tone with a slow tremolo; right: pink noise. Not digital silence, not one
  # pure tone: the resampler and encoder see realistic, changing content.
  sox -n -r 44100 -c 2 -b 16 "$in" synth "$secs" sine 440 pinknoise tremolo 0.5 40 vol 0.5
fi
cat "$in" >/dev/null # warm the page cache so neither side pays for the first read

# measure NAME CMD...: prints "wall_s rss_kb"
measure() {
  local log="$out/time.log"
  /usr/bin/time -v -o "$log" "$@" >/dev/null 2>"$out/stderr.log" || {
    cat "$out/stderr.log" >&2
    exit 1
  }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0;
         for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  echo "$wall $rss"
}

best() { sort -n | head -1; }
declare -a ours sox_
for ((i = 1; i <= runs; i++)); do
  ours+=("$(measure "$dialer" -q audio convert "$in" "$out/ours.wav" --codec pcmu)")
  sox_+=("$(measure sox "$in" -r 8000 -c 1 -e u-law "$out/sox.wav")")
done

read -r ours_wall ours_rss < <(printf '%s\n' "${ours[@]}" | best)
read -r sox_wall sox_rss < <(printf '%s\n' "${sox_[@]}" | best)
printf '%-34s %10s %12s\n' "convert ${secs}s 44.1k stereo -> ulaw" "wall (s)" "peak RSS (MB)"
printf '%-34s %10.2f %12.1f\n' "dialer audio convert (release)" "$ours_wall" "$(echo "$ours_rss / 1024" | bc -l)"
printf '%-34s %10.2f %12.1f\n' "sox -r 8000 -c 1 -e u-law" "$sox_wall" "$(echo "$sox_rss / 1024" | bc -l)"
printf 'all runs (wall s, RSS kB): dialer: %s | sox: %s\n' "$(IFS=,; echo "${ours[*]}")" "$(IFS=,; echo "${sox_[*]}")"
ls -l "$out/ours.wav" "$out/sox.wav"
