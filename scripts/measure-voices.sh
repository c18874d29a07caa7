#!/bin/sh
# Measures how intelligible and how natural each voice is: renders the same ~60 words with every
# listed voice (through the engine code itself, via an ignored test in tests/engines.rs), then
# - has PocketSphinx transcribe each render (../shared/eval/asr_wer.py) and prints 1 - WER as rows
#   for the MEASURED table in src/engine/catalogue.rs;
# - scores each render with the DNSMOS models (../shared/eval/naturalness.py) and prints P.808 as
#   rows for the NATURALNESS table there, OVRL in the comment.
# Piper voices are measured too: every one `audiobook voices --engine piper` lists.
#
# Usage: scripts/measure-voices.sh [OUT_DIR]   (from the repository root)
#   needs pocketsphinx for python3 (ASR_WER names another asr_wer.py), and for naturalness a
#   Python with naturalness.py's packages (NATURALNESS_PYTHON; see the top of naturalness.py);
#   SKIP_ASR=1 or SKIP_NATURALNESS=1 leaves one measure out.
set -eu

out=${1:-target/voice-measure}
asr=${ASR_WER:-../shared/eval/asr_wer.py}
naturalness=${NATURALNESS:-../shared/eval/naturalness.py}
naturalness_python=${NATURALNESS_PYTHON:-python3}
mkdir -p "$out"

# Plain prose written for this measurement: common words, a name, a number, no dialogue.
cat > "$out/text.txt" <<'TEXT'
Every morning the old baker opened his shop before the sun came up. He mixed flour, water and salt
in a wide wooden bowl, and the whole street smelled of warm bread by seven o'clock. Children
stopped at the window on their way to school. On Fridays he baked twelve small honey cakes and gave
them away to anyone who said good morning.
TEXT

# Every English voice of flite, festival and the embedded engine, and a spread of espeak-ng
# accents and variants (all accents plain, then male, female and klatt variants).
cat > "$out/voices.txt" <<'VOICES'
flite slt
flite rms
flite awb
flite kal16
festival cmu_us_slt_arctic_hts
festival kal_diphone
embedded kal16
embedded kal16-low
embedded kal16-high
embedded kal16-fast
embedded kal16-slow
embedded kal16-deep
espeak-ng en-us
espeak-ng en
espeak-ng en-gb-x-rp
espeak-ng en-gb-scotland
espeak-ng en-gb-x-gbclan
espeak-ng en-gb-x-gbcwmd
espeak-ng en-029
espeak-ng en-us-nyc
espeak-ng en-us+m1
espeak-ng en-us+m3
espeak-ng en-us+m7
espeak-ng en-us+f1
espeak-ng en-us+f2
espeak-ng en-us+f3
espeak-ng en-us+f4
espeak-ng en-us+f5
espeak-ng en-us+klatt
espeak-ng en-us+klatt2
espeak-ng en-us+klatt4
espeak-ng en+f3
espeak-ng en-gb-x-rp+m3
espeak-ng en-gb-x-rp+f3
espeak-ng en-gb-x-rp+klatt
espeak-ng en-gb-scotland+f2
espeak-ng en-us+Alicia
espeak-ng en-us+whisper
VOICES

# Every Piper voice installed (none when the engine is not set up).
cargo run --quiet --release -- voices --engine piper 2>/dev/null | awk 'NR > 1 { print "piper " $2 }' >> "$out/voices.txt" || true

AUDIOBOOK_MEASURE_DIR="$out" cargo test --quiet --release --test engines -- --ignored render_measurement_set >&2

if [ "${SKIP_ASR:-0}" != 1 ]; then
    echo "// intelligibility (MEASURED): 1 - WER"
    while read -r engine voice; do
        wav="$out/$engine--$voice.wav"
        [ -f "$wav" ] || { echo "    // $engine $voice: not rendered" ; continue; }
        wer=$(python3 "$asr" --wav "$wav" --text "$out/text.txt" --json |
            python3 -c 'import json,sys; print(json.load(sys.stdin)["wer"])')
        python3 -c "import sys; print('    (\"%s\", \"%s\", %.2f), // WER %s' % ('$engine', '$voice', max(0.0, 1 - $wer), '$wer'))"
    done < "$out/voices.txt"
fi

if [ "${SKIP_NATURALNESS:-0}" != 1 ]; then
    echo "// naturalness (NATURALNESS): DNSMOS P.808"
    while read -r engine voice; do
        wav="$out/$engine--$voice.wav"
        [ -f "$wav" ] || { echo "    // $engine $voice: not rendered" ; continue; }
        "$naturalness_python" "$naturalness" --json "$wav" | python3 -c '
import json, sys
engine, voice = sys.argv[1:3]
score = json.load(sys.stdin)["files"][0]
print("    (\"%s\", \"%s\", %.2f), // OVRL %.2f" % (engine, voice, score["p808_mos"], score["ovrl"]))' "$engine" "$voice"
    done < "$out/voices.txt"
fi
