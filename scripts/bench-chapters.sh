#!/usr/bin/env bash
# Shows that a render's work per chapter does not grow with the number of chapters: stories of
# 1000, 2000 and 3000 one-paragraph chapters, rendered with the embedded voice. Run on demand on
# an idle machine, never from the tests.
#
#   scripts/bench-chapters.sh            # 1000 2000 3000 chapters, best of 3
#   COUNTS="500 1000" REPEAT=5 scripts/bench-chapters.sh
#   BIN=/path/to/other/audiobook scripts/bench-chapters.sh   # another build, for comparison
#
# For each story, after one render that fills the cache:
#   warm   a render into a fresh output folder with every line cached: every chapter is written
#   kept   a render into the same folder again: every chapter is kept
# and the time per chapter of each (best of REPEAT). Linear work shows as a flat time per chapter.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
counts=${COUNTS:-1000 2000 3000}
repeat=${REPEAT:-3}
if [[ -z ${BIN:-} ]]; then cargo build --release --quiet; fi
bin=${BIN:-$root/target/release/audiobook}
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-chapters.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/voices"

# Seconds a command takes, to the millisecond.
seconds() {
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

best() { sort -n | head -1; }

render() { "$bin" --voices "$work/voices" render "$1" --engine embedded --quiet --output "$2" --cache "$3"; }

printf '%8s %10s %12s %10s %12s\n' chapters "warm (s)" "ms/chapter" "kept (s)" "ms/chapter"
for n in $counts; do
    story=$work/story-$n.txt
    for i in $(seq "$n"); do
        printf 'Chapter %d\n\nThe tide came in for the %d time.\n\n' "$i" "$i"
    done >"$story"
    cache=$work/cache-$n
    render "$story" "$work/first-$n" "$cache"
    warm=$(for r in $(seq "$repeat"); do rm -rf "$work/out-$n"; seconds render "$story" "$work/out-$n" "$cache"; done | best)
    kept=$(for r in $(seq "$repeat"); do seconds render "$story" "$work/out-$n" "$cache"; done | best)
    printf '%8d %10.2f %12.2f %10.2f %12.2f\n' "$n" "$warm" "$(echo "1000 * $warm / $n" | bc -l)" \
        "$kept" "$(echo "1000 * $kept / $n" | bc -l)"
done
