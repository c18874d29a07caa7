#!/usr/bin/env python3
"""Compares what audiobook feeds a Piper voice with what Piper's own program feeds it.

For every line of text (the paragraphs of stories/*.txt, and a sample of the novels in
../shared/eval/pdnc when present), both sides phonemize with espeak-ng and frame the phonemes
as ids, sentence by sentence, for the en_US-joe-medium voice (scripts/get-voices.sh); this
reports how many sentences get the very same ids and lists the differences by word. For the
first lines, both sides then run the same model on their ids without noise (noise_scale and
noise_w 0, so a run is deterministic) and the audio is compared: where the ids are the same the
samples should be too, up to floating-point differences.

Piper's program ships espeak-ng 1.52 of its own; audiobook uses the system's libespeak-ng
(1.51 on Debian 12), so words whose pronunciation changed between the two differ.

Run it with a Python that has Piper's program (PyPI piper-tts), outside the repository:
  python3 -m venv /tmp/piper-ref && /tmp/piper-ref/bin/pip install piper-tts==1.8.0
  /tmp/piper-ref/bin/python scripts/compare-piper-reference.py [--lines N] [--audio N]
It runs `cargo test --release --test piper -- --ignored ours_for_the_reference` for our side.
"""

import argparse
import collections
import glob
import json
import os
import random
import re
import subprocess
import sys
import tempfile

import numpy as np
from piper import PiperVoice
from piper.config import SynthesisConfig

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VOICE = "en_US-joe-medium"


def data_dir():
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.environ["HOME"], ".local", "share")
    return os.path.join(base, "audiobook")


def corpus(limit, seed=1):
    paragraphs = []
    for path in sorted(glob.glob(os.path.join(ROOT, "stories", "*.txt"))):
        text = open(path, encoding="utf-8").read()
        paragraphs += [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]
    novels = []
    for path in sorted(glob.glob(os.path.join(ROOT, "..", "shared", "eval", "pdnc", "*", "novel_text.txt"))):
        text = open(path, encoding="utf-8").read()
        novels += [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]
    random.Random(seed).shuffle(novels)
    return (paragraphs + novels)[:limit]


def reference(voice, line, audio):
    """Piper's ids for each sentence of a line, and the model's audio for each without noise."""
    ids = [voice.phonemes_to_ids(sentence) for sentence in voice.phonemize(line) if sentence]
    noiseless = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
    sounds = [voice.phoneme_ids_to_audio(i, noiseless) for i in ids] if audio else []
    return ids, sounds


def word_differences(ours, theirs, id_to_phoneme):
    """The differing stretches of two id sequences, as phoneme strings."""
    def text(ids):
        return "".join(id_to_phoneme.get(i, "?") for i in ids[2:-1:2])

    a, b = text(ours).split(" "), text(theirs).split(" ")
    import difflib

    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b).get_opcodes():
        if op != "equal":
            yield " ".join(a[i1:i2]), " ".join(b[j1:j2])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1200, help="lines of text compared (default 1200)")
    parser.add_argument("--audio", type=int, default=40, help="of which the model's audio is compared (40)")
    args = parser.parse_args()

    model = os.path.join(data_dir(), "piper", VOICE + ".onnx")
    if not os.path.isfile(model):
        sys.exit(f"{model} is missing: run scripts/get-voices.sh")
    voice = PiperVoice.load(model)
    id_to_phoneme = {ids[0]: p for p, ids in voice.config.phoneme_id_map.items()}
    lines = corpus(args.lines)

    with tempfile.TemporaryDirectory() as work:
        with open(os.path.join(work, "lines.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        env = dict(os.environ, AUDIOBOOK_PIPER_COMPARE_DIR=work, AUDIOBOOK_PIPER_COMPARE_AUDIO=str(args.audio))
        subprocess.run(
            ["cargo", "test", "--quiet", "--release", "--test", "piper", "--", "--ignored", "ours_for_the_reference"],
            cwd=ROOT, env=env, check=True, stdout=sys.stderr)
        ours_all = [json.loads(line) for line in open(os.path.join(work, "ours.jsonl"), encoding="utf-8")]

        sentences = same = split = 0
        differences = collections.Counter()
        audio_same, audio_other = [], []
        for n, (line, ours) in enumerate(zip(lines, ours_all)):
            theirs, sounds = reference(voice, line, n < args.audio)
            if len(ours) != len(theirs):
                # A sentence longer than one run takes is cut in pieces on our side.
                split += 1
                continue
            for k, (a, b) in enumerate(zip(ours, theirs)):
                sentences += 1
                if a == b:
                    same += 1
                else:
                    differences.update(word_differences(a, b, id_to_phoneme))
                if n < args.audio:
                    mine = np.fromfile(os.path.join(work, f"ours-{n}-{k}.f32"), dtype="<f4")
                    ref = np.asarray(sounds[k], dtype=np.float32).reshape(-1)
                    m = min(len(mine), len(ref))
                    corr = float(np.corrcoef(mine[:m], ref[:m])[0, 1]) if m > 1 else 0.0
                    diff = float(np.max(np.abs(mine[:m] - ref[:m]))) if m else 1.0
                    snr = 10 * np.log10(np.sum(ref[:m] ** 2) / max(np.sum((mine[:m] - ref[:m]) ** 2), 1e-20))
                    (audio_same if a == b else audio_other).append((len(mine) == len(ref), corr, diff, snr))

    print(f"lines: {len(lines)}; sentences compared: {sentences}; lines with a sentence cut in runs: {split}")
    print(f"same ids: {same} of {sentences} sentences ({100.0 * same / max(sentences, 1):.1f}%)")
    for name, runs in [("same ids", audio_same), ("different ids", audio_other)]:
        if runs:
            lengths = sum(1 for r in runs if r[0])
            corr = min(r[1] for r in runs)
            diff = max(r[2] for r in runs)
            snr = min(r[3] for r in runs)
            print(f"audio, {name}: {len(runs)} sentences, {lengths} of the same length; "
                  f"lowest correlation {corr:.6f}, largest sample difference {diff:.2e}, lowest SNR {snr:.1f} dB")
    print("differences (ours -> Piper's), most frequent first:")
    for (a, b), count in differences.most_common(25):
        print(f"  {count:5d}  {a!r} -> {b!r}")


if __name__ == "__main__":
    main()
