#!/usr/bin/env bash
# Benchmarks renders with the Piper engine against Piper's own program (PyPI piper-tts), on
# demand (not a test): the same voice (en_US-joe-medium, from scripts/get-voices.sh) reading the
# same text (the longest story in stories/) in one process, taken in turn. Prints, best of RUNS
# with the range and the median:
#   - CPU (user + system) of `piper -m joe -i STORY -f out.wav` and of `audiobook render` with
#     every line in that voice (a voices file casts it for everyone), --jobs 1 and --jobs 2;
#     target: the render's CPU at most 0.9x the reference's;
#   - the render's wall time with --jobs 1 over --jobs 2; target at least 1.8x;
#   - a second render, all from the cache, over the first; target under 2%;
#   - peak memory (max RSS) of the render process, also on a longer text (LONG_CHARS characters
#     of Pride and Prejudice from ../shared, when present); target at most 500 MB.
# Renders start from an empty cache whose engine folder holds what the engine learns once per
# model (its hash, pitch and the model in ONNX Runtime's format, made on the very first render);
# COLD=1 leaves that out too, so each render also converts the model.
#
# Usage: scripts/bench-piper.sh [RUNS]        (default 3; from the repository root, idle machine)
#   REFERENCE_PYTHON=PY   a Python with piper-tts==1.8.0 (else one is made in target/piper-reference)
#   STORY=FILE            another text; LONG_CHARS=N (default 30000, 0 for none)
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-3}
story=${STORY:-$(wc -w stories/*.txt | grep -v ' total$' | sort -n | tail -1 | awk '{print $2}')}
long_chars=${LONG_CHARS:-30000}
data=${XDG_DATA_HOME:-$HOME/.local/share}/audiobook
model=$data/piper/en_US-joe-medium.onnx
[ -f "$model" ] || { echo "error: no $model: run scripts/get-voices.sh first" >&2; exit 1; }

cargo build --release --quiet
bin=$PWD/target/release/audiobook
ref_py=${REFERENCE_PYTHON:-}
if [ -z "$ref_py" ]; then
    ref_py=$PWD/target/piper-reference/bin/python
    if ! "$ref_py" -c 'import piper' 2>/dev/null; then
        python3 -m venv target/piper-reference
        target/piper-reference/bin/pip install --quiet --disable-pip-version-check piper-tts==1.8.0
    fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Every line in the joe voice: a voices file naming it for the narrator and each character.
voices_for() { # STORY DIR
    mkdir -p "$2"
    "$bin" cast "$1" --engine piper --format json | python3 -c '
import json, sys
cast = json.load(sys.stdin)
voice = "engine = \"piper\"\nvoice = \"en_US-joe-medium\"\n"
print("[narrator]\n" + voice)
for c in cast["characters"]:
    print("[characters.%s]\n%s" % (json.dumps(c["name"]), voice))' > "$2/$(basename "${1%.*}").toml"
}

# Runs a command; appends "wall_s cpu_s max_rss_mb" to FILE.
measure() { # FILE COMMAND...
    local file=$1
    shift
    local start end
    start=$(date +%s.%N)
    /usr/bin/time -f "%U %S %M" -o "$work/time" "$@" > /dev/null 2> "$work/stderr" || {
        cat "$work/stderr" >&2
        exit 1
    }
    end=$(date +%s.%N)
    read -r user sys rss < "$work/time"
    python3 -c "print(f'{$end - $start:.4f} {$user + $sys:.2f} {$rss / 1024:.0f}')" >> "$file"
}

# Best (lowest), range and median of a column of a results file.
stat() { # FILE COLUMN
    python3 -c "
import statistics
v = [float(l.split()[$2 - 1]) for l in open('$1') if l.strip()]
print(f'{min(v):.3f} ({min(v):.3f}-{max(v):.3f}, median {statistics.median(v):.3f}, {len(v)} runs)')"
}
best() { python3 -c "print(min(float(l.split()[$2 - 1]) for l in open('$1') if l.strip()))"; }
worst() { python3 -c "print(max(float(l.split()[$2 - 1]) for l in open('$1') if l.strip()))"; }

voices_for "$story" "$work/voices"
measure_render() { # FILE JOBS CACHE [STORY]
    measure "$1" "$bin" render "${4:-$story}" --voices "$work/voices" --engine piper --jobs "$2" --quiet \
        --output "$work/out" --cache "$3"
}

# What the engine learns once per model, for the renders to start from.
if [ "${COLD:-0}" != 1 ]; then
    "$bin" preview "$story" --voices "$work/voices" --engine piper --lines 1..1 --quiet \
        --output "$work/out" --cache "$work/warm"
fi
fresh_cache() {
    rm -rf "$work/cache" "$work/out"
    mkdir -p "$work/cache"
    if [ -d "$work/warm/engines" ]; then cp -r "$work/warm/engines" "$work/cache/engines"; fi
}

echo "story: $story ($(wc -w < "$story") words); $runs runs each" >&2
for i in $(seq "$runs"); do
    echo "run $i: reference" >&2
    measure "$work/reference" "$ref_py" -m piper -m "$model" -i "$story" -f "$work/reference.wav"
    for jobs in 1 2; do
        echo "run $i: render --jobs $jobs" >&2
        fresh_cache
        measure_render "$work/jobs$jobs" "$jobs" "$work/cache"
    done
    measure_render "$work/cached" 2 "$work/cache"
done

if [ "$long_chars" -gt 0 ] && [ -f ../shared/eval/pdnc/PrideAndPrejudice/novel_text.txt ]; then
    head -c "$long_chars" ../shared/eval/pdnc/PrideAndPrejudice/novel_text.txt > "$work/long.txt"
    voices_for "$work/long.txt" "$work/voices"
    echo "longer text: $(wc -w < "$work/long.txt") words, render --jobs 2" >&2
    fresh_cache
    measure_render "$work/long" 2 "$work/cache" "$work/long.txt"
fi

audio_s=$(python3 -c "import wave; w = wave.open('$work/reference.wav'); print(w.getnframes() / w.getframerate())")
echo
echo "Piper benchmark: $story, en_US-joe-medium, $(nproc) cores; best of $runs (range)"
echo "  reference, Piper's program ($audio_s s of audio): CPU $(stat "$work/reference" 2) s, wall $(stat "$work/reference" 1) s"
for jobs in 1 2; do
    echo "  render --jobs $jobs: CPU $(stat "$work/jobs$jobs" 2) s, wall $(stat "$work/jobs$jobs" 1) s, peak memory $(worst "$work/jobs$jobs" 3) MB"
done
python3 - "$work" <<'EOF'
import sys
from statistics import median
work = sys.argv[1]
def col(name, c):
    return [float(l.split()[c]) for l in open(f"{work}/{name}") if l.strip()]
ref, j1, j2 = col("reference", 1), col("jobs1", 1), col("jobs2", 1)
print(f"  CPU of the render over the reference's (best against best): --jobs 1 {min(j1) / min(ref):.2f}x, "
      f"--jobs 2 {min(j2) / min(ref):.2f}x (each pair {min(a / b for a in j2 for b in ref):.2f}x to "
      f"{max(a / b for a in j2 for b in ref):.2f}x); medians: --jobs 1 {median(j1) / median(ref):.2f}x, --jobs 2 "
      f"{median(j2) / median(ref):.2f}x; target <= 0.9x")
w1, w2 = col("jobs1", 0), col("jobs2", 0)
print(f"  --jobs 2 speed-up over --jobs 1: {min(w1) / min(w2):.2f}x "
      f"(range {min(w1) / max(w2):.2f}x to {max(w1) / min(w2):.2f}x); target >= 1.8x")
cached = col("cached", 0)
print(f"  second render from the cache: {min(cached):.3f} s, {100 * min(cached) / min(w2):.2f}% of the first "
      f"(up to {100 * max(cached) / min(w2):.2f}%); target < 2%")
try:
    long = [l.split() for l in open(f"{work}/long") if l.strip()][0]
    print(f"  longer text, --jobs 2: wall {float(long[0]):.1f} s, CPU {float(long[1]):.1f} s, peak memory {long[2]} MB")
except OSError:
    pass
peak = max(max(col("jobs1", 2)), max(col("jobs2", 2)))
print(f"  peak memory of the renders: {peak:.0f} MB; target <= 500 MB")
EOF
