#!/usr/bin/env bash
# Renders the same texts with two builds of audiobook and compares what they wrote: every chapter
# WAV byte for byte, and manifest.json with the run's timing (`wall_s`) left out. For a change
# that must not change behaviour (a refactor), run it before merging:
#
#   git worktree add /tmp/before <commit> && (cd /tmp/before && cargo build --release)
#   scripts/compare-renders.sh /tmp/before/target/release/audiobook target/release/audiobook
#
# Texts: every story in stories/ with the engines found on this machine, and one annotated novel
# (../shared/eval/pdnc, Winnie-the-Pooh unless NOVEL=path) through espeak-ng, which renders a
# novel in seconds. Each build renders with a cache of its own, so each synthesizes every line.
# Prints one line per text and exits non-zero when anything differs.
set -euo pipefail

[[ $# -eq 2 ]] || { echo "usage: $0 OLD_BINARY NEW_BINARY" >&2; exit 2; }
old=$(realpath "$1")
new=$(realpath "$2")
root=$(cd "$(dirname "$0")/.." && pwd)
novel=${NOVEL:-$root/../shared/eval/pdnc/WinnieThePooh/novel_text.txt}
work=$(mktemp -d "${TMPDIR:-/tmp}/compare-renders.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/voices"

# TEXT LABEL [ARGS...]: renders TEXT with both builds, then compares.
compare() {
    local text=$1 label=$2
    shift 2
    for side in old new; do
        local bin=$old
        [[ $side == new ]] && bin=$new
        # Both write to one path, which chapter fingerprints include, then move it aside.
        "$bin" --voices "$work/voices" render "$text" --quiet --output "$work/out/$label" \
            --cache "$work/$side-cache" "$@" 2>"$work/$side-$label.err" ||
            { echo "$label: the $side build failed:" >&2; cat "$work/$side-$label.err" >&2; return 1; }
        mkdir -p "$work/$side"
        mv "$work/out/$label" "$work/$side/$label"
    done
    python3 - "$work/old/$label" "$work/new/$label" "$label" <<'PY'
import json, pathlib, sys
old, new, label = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
problems = []
wavs = lambda d: sorted(p.name for p in d.glob("*.wav"))
if wavs(old) != wavs(new):
    problems.append(f"chapter files differ: {wavs(old)} against {wavs(new)}")
for name in wavs(old):
    if (new / name).exists() and (old / name).read_bytes() != (new / name).read_bytes():
        problems.append(f"{name} differs")
def manifest(d):
    m = json.loads((d / "manifest.json").read_text())
    m.pop("wall_s", None)
    return m
a, b = manifest(old), manifest(new)
if a != b:
    keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    problems.append(f"manifest.json differs in {keys}")
    for ca, cb in zip(a.get("chapters", []), b.get("chapters", [])):
        for k in sorted(set(ca) | set(cb)):
            if ca.get(k) != cb.get(k) and k != "lines":
                problems.append(f"  chapter {ca.get('index')}: {k}: {str(ca.get(k))[:60]} -> {str(cb.get(k))[:60]}")
        for la, lb in zip(ca.get("lines", []), cb.get("lines", [])):
            if la != lb:
                problems.append(f"  first differing line: {la} -> {lb}")
                break
n = len(wavs(old))
print(f"{label}: " + ("identical" if not problems else "DIFFERENT") + f" ({n} chapter file(s))")
for p in problems[:20]:
    print("  " + p)
sys.exit(1 if problems else 0)
PY
}

status=0
for story in "$root"/stories/*.txt; do
    compare "$story" "$(basename "$story" .txt)" || status=1
done
if [[ -f $novel ]] && command -v espeak-ng >/dev/null; then
    compare "$novel" novel --engine espeak-ng || status=1
else
    echo "note: no novel at $novel or no espeak-ng; the novel is not compared" >&2
fi
exit $status
