#!/usr/bin/env python3
"""Does a render lose intelligibility on the way to the ear?

Usage:
  python3 scripts/asr-check.py STORY [--engine NAME] [--keep DIR] [--lines]

1. Renders STORY with target/release/audiobook into a fresh folder (fresh cache), passing
   --engine through when given.
2. Listens to the render with the same recognizer as ../shared/eval/asr_wer.py (PocketSphinx):
   overall WER, per-voice WER, lost lines (WER >= 0.9).
3. Speaks every manifest line again DIRECTLY through its engine's own command line, with the
   voice and the prosody flags the Rust code uses (src/engine/{espeak,flite,festival}.rs), one WAV
   per line, and scores each with the same listener: the "direct" WER, overall and per voice.
   Voices of the `embedded` and `piper` engines have no command line of their own here: they
   speak through `audiobook voices --engine NAME --sample TEXT`, straight from the engine, when
   their prosody is the default; otherwise they are skipped (and
   said so), and the comparison covers only the lines that have a direct rendition.
4. Prints both figures, their difference, the per-voice table side by side and the render's lost
   lines; each lost line's render and direct clips are also heard by a fresh listener, since the
   shared one carries what it learnt of earlier lines into the next and may hear the same audio
   differently after different lines. Exits 1 if a target is missed: render WER more than 0.05 above direct, or any lost
   line. Exits 2 if the check itself could not run.

--keep DIR keeps the render (DIR/render), the direct WAVs (DIR/direct) and a per-line JSON
report (DIR/lines.json). --lines prints every line's render and direct WER.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import wave

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "..", "shared", "eval"))
import asr_wer  # noqa: E402  the listener every intelligibility figure in this project uses

import audioop  # noqa: E402  (asr_wer already silenced its deprecation warning)

BINARY = os.path.join(ROOT, "target", "release", "audiobook")
MAX_WER_GAP = 0.05
MAX_LOST = 0
TIMEOUT_S = 120


# ---------------------------------------------------------------- the engines' own command lines
# Mirrors of the Rust mappings; keep in step with src/engine/*.rs.

def clamp_multiplier(v):  # engine/mod.rs
    v = 1.0 if v is None or v != v or v in (float("inf"), float("-inf")) else float(v)
    return min(max(v, 0.25), 4.0)


def finite_or(v, default):
    return default if v is None or v != v or v in (float("inf"), float("-inf")) else float(v)


def rust_round(x):
    """f32::round: halves away from zero (Python's round() goes to even)."""
    return int(x + 0.5) if x >= 0 else -int(-x + 0.5)


def espeak_args(voice, p):  # espeak.rs command_args / prosody_values
    def scale(mult, unit, lo, hi):
        return rust_round(min(max(finite_or(mult, 1.0) * unit, lo), hi))

    wpm = scale(p["rate"], 175.0, 80.0, 450.0)
    pitch = scale(p["pitch"], 50.0, 0.0, 99.0)
    amp = scale(p["volume"], 100.0, 0.0, 200.0)
    return ["-v", voice, "-s", str(wpm), "-p", str(pitch), "-a", str(amp), "--stdout"]


FLITE_PITCH = {"slt": 172.0, "awb": 132.0, "kal16": 95.0}  # flite.rs KNOWN; rms: None


def flite_args(voice, p, text_path, out_path):  # flite.rs command_args
    args = ["-voice", voice]
    rate = clamp_multiplier(p["rate"])
    if rate != 1.0:
        args += ["--setf", f"duration_stretch={1.0 / rate:.3f}"]
    pitch = clamp_multiplier(p["pitch"])
    if voice in FLITE_PITCH and pitch != 1.0:
        args += ["--setf", f"int_f0_target_mean={FLITE_PITCH[voice] * pitch:.1f}"]
    return args + ["-f", text_path, "-o", out_path]


def scheme_string(text):  # festival.rs scheme_string
    out = ['"']
    for c in text:
        if c in '"\\':
            out += ["\\", c]
        elif unicodedata.category(c) == "Cc":  # Rust char::is_control
            out.append(" ")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def festival_prosody(voice, p):  # festival.rs prosody_forms
    import math

    rate, pitch = clamp_multiplier(p["rate"]), clamp_multiplier(p["pitch"])
    if rate == 1.0 and pitch == 1.0:
        return ""
    if voice.endswith("_hts"):
        semis = 12.0 * math.log2(pitch)
        return (f'(set! hts_engine_params (append hts_engine_params (list (list "-r" {rate:.3f}) '
                f'(list "-fm" {semis:.3f}))))\n')
    return (f"(Parameter.set 'Duration_Stretch (* (or (Parameter.get 'Duration_Stretch) 1.0) {1.0 / rate:.3f}))\n"
            f"(if (assoc 'target_f0_mean int_lr_params) (set! int_lr_params (cons (list 'target_f0_mean "
            f"(* {pitch:.3f} (car (cdr (assoc 'target_f0_mean int_lr_params))))) int_lr_params)))\n")


def festival_script(voice, p, text, wav_path):  # festival.rs line_script, without the marker
    return (f"(voice_{voice})\n{festival_prosody(voice, p)}"
            f"(set! audiobook_utt (utt.synth (Utterance Text {scheme_string(text)})))\n"
            f"(utt.save.wave audiobook_utt {scheme_string(wav_path)} 'riff)\n")


def software_volume(path, volume):
    """flite and festival have no volume flag: the Rust code scales the samples (scale_volume)."""
    gain = min(max(finite_or(volume, 1.0), 0.0), 4.0)
    if gain == 1.0:
        return
    with wave.open(path) as f:
        params, data = f.getparams(), f.readframes(f.getnframes())
    data = audioop.mul(data, params.sampwidth, gain)
    with wave.open(path, "wb") as f:
        f.setparams(params)
        f.writeframes(data)


def run(cmd, stdin=b""):
    r = subprocess.run(cmd, input=stdin, capture_output=True, timeout=TIMEOUT_S)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])}... exited {r.returncode}: {r.stderr.decode(errors='replace')[-300:]}")
    return r.stdout


def slug(name):  # render.rs slug
    s = ""
    for c in name.lower():
        if c.isascii() and c.isalnum():
            s += c
        elif s and not s.endswith("-"):
            s += "-"
    s = s.rstrip("-")[:48].rstrip("-")
    return s or "chapter"


def speak_direct(items, out_dir):
    """items: [(id, voice dict, text)]. Writes out_dir/<id>.wav for each it can; returns
    {id: path or None} and a list of notes."""
    done, notes, festival_batches = {}, [], {}
    for lid, v, text in items:
        eng, voice = v["engine"], v["voice"]
        path = os.path.join(out_dir, f"{lid:04d}.wav")
        try:
            if eng == "espeak-ng":
                with open(path, "wb") as f:
                    f.write(run(["espeak-ng"] + espeak_args(voice, v), text.encode()))
                done[lid] = path
            elif eng == "flite":
                txt = os.path.join(out_dir, f"{lid:04d}.txt")
                with open(txt, "w", encoding="utf-8") as f:
                    f.write(text)
                run(["flite"] + flite_args(voice, v, txt, path))
                software_volume(path, v["volume"])
                done[lid] = path
            elif eng == "festival":
                festival_batches.setdefault(voice, []).append((lid, v, text, path))
            elif eng in ("embedded", "piper") and all(v.get(k, 1.0) == 1.0 for k in ("rate", "pitch", "volume")):
                # The embedded voice lives inside the binary, and Piper's voices run in it:
                # `voices --sample` speaks a text with each of the engine's voices, straight from
                # the engine, into ./output/voices/.
                work = os.path.join(out_dir, f"{lid:04d}-{eng}")
                os.makedirs(work, exist_ok=True)
                subprocess.run([BINARY, "voices", "--engine", eng, "--sample", text], cwd=work,
                               capture_output=True, timeout=TIMEOUT_S, check=True)
                shutil.move(os.path.join(work, "output", "voices", f"{eng}-{slug(voice)}.wav"), path)
                shutil.rmtree(work, ignore_errors=True)
                done[lid] = path
            else:
                done[lid] = None
        except (RuntimeError, subprocess.TimeoutExpired, OSError) as e:
            notes.append(f"line {lid}: direct {eng}/{voice} failed: {e}")
            done[lid] = None
    # One festival process per voice, fed the same Scheme the Rust worker sends it line by line.
    for voice, batch in festival_batches.items():
        script = "".join(festival_script(voice, v, text, path) for _, v, text, path in batch)
        try:
            run(["festival", "--pipe"], script.encode())
        except (RuntimeError, subprocess.TimeoutExpired, OSError) as e:
            notes.append(f"direct festival/{voice} failed: {e}")
        for lid, v, _, path in batch:
            if os.path.isfile(path):
                software_volume(path, v["volume"])
                done[lid] = path
            else:
                notes.append(f"line {lid}: festival/{voice} wrote no audio")
                done[lid] = None
    return done, notes


# ---------------------------------------------------------------- listening

def voice_label(v):
    s = f"{v['engine']}:{v['voice']}"
    extra = [f"{k}={v[k]:g}" for k in ("rate", "pitch", "volume") if v.get(k, 1.0) != 1.0]
    return s + (f" ({', '.join(extra)})" if extra else "")


def render_lines(render_dir):
    """Every scored line of the render with its cut, exactly as asr_wer.score_render cuts it."""
    man = json.load(open(os.path.join(render_dir, "manifest.json"), encoding="utf-8"))
    out = []
    for ch in man["chapters"]:
        pcm, rate = asr_wer.read_wav(os.path.join(render_dir, ch["file"]))
        for ln in ch.get("lines", []):
            text = ln.get("text")
            if not text or not asr_wer.words(text):
                continue
            a, b = int(ln["start_s"] * rate) * 2, int(ln["end_s"] * rate) * 2
            out.append({"line": ln.get("line"), "voice": ln.get("voice"), "text": text,
                        "kind": ln.get("kind"), "speaker": ln.get("speaker"),
                        "pcm": pcm[a:b], "rate": rate})
    return man, out


def score(ear, pcm, rate, text):
    ref = asr_wer.words(text)
    hyp = ear.hear(pcm, rate)
    return asr_wer.edit_distance(ref, asr_wer.words(hyp)), len(ref), hyp


def wer(err, ref):
    return err / ref if ref else None


def fmt(x):
    return "   -  " if x is None else f"{x:6.3f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("story")
    ap.add_argument("--engine")
    ap.add_argument("--keep", help="keep render, direct WAVs and lines.json here")
    ap.add_argument("--lines", action="store_true", help="print every line's WERs")
    ap.add_argument("--cross-check", action="store_true",
                    help="also run asr_wer.score_render on the render and compare (decodes it twice)")
    args = ap.parse_args()

    if not os.access(BINARY, os.X_OK):
        print(f"{BINARY} missing: run `cargo build --release` in {ROOT}", file=sys.stderr)
        return 2
    story = os.path.abspath(args.story)
    work = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="asr-check-")
    render_dir, cache_dir, direct_dir = (os.path.join(work, d) for d in ("render", "cache", "direct"))
    for d in (render_dir, cache_dir, direct_dir):
        shutil.rmtree(d, ignore_errors=True)
    os.makedirs(direct_dir)
    try:
        # 1. render (cwd = project root so its voices/ folder applies, as for a user)
        cmd = [BINARY, "render", story, "--output", render_dir, "--cache", cache_dir, "--quiet"]
        if args.engine:
            cmd += ["--engine", args.engine]
        r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if r.returncode != 0:
            print(f"render failed ({r.returncode}):\n{r.stderr}", file=sys.stderr)
            return 2

        # 2. the render, through asr_wer's own scorer (the official figure) and line by line
        official = asr_wer.score_render(render_dir, None, 0) if args.cross_check else None
        man, lines = render_lines(render_dir)
        if man.get("failures"):
            print(f"note: the render reports {len(man['failures'])} failed line(s)")
        ear = asr_wer.Listener()
        clips = {}
        for i, ln in enumerate(lines):
            clips[i] = (ln.pop("pcm"), ln.pop("rate"))
            ln["r_err"], ln["ref"], ln["r_heard"] = score(ear, *clips[i], ln["text"])

        # 3. each line straight from its engine
        direct, notes = speak_direct([(i, ln["voice"], ln["text"]) for i, ln in enumerate(lines)], direct_dir)
        skipped = sorted({voice_label(ln["voice"]) for i, ln in enumerate(lines) if direct.get(i) is None
                          and ln["voice"]["engine"] not in ("espeak-ng", "flite", "festival")})
        for i, ln in enumerate(lines):
            path = direct.get(i)
            if path:
                pcm, rate = asr_wer.read_wav(path)
                ln["d_err"], _, ln["d_heard"] = score(ear, pcm, rate, ln["text"])
            else:
                ln["d_err"] = ln["d_heard"] = None

        # 4. report
        tot = {"r_all": [0, 0], "r": [0, 0], "d": [0, 0]}
        per_voice = {}
        lost = sum(1 for ln in lines if ln["r_err"] / ln["ref"] >= 0.9)
        for ln in lines:
            pv = per_voice.setdefault(voice_label(ln["voice"]), {"n": 0, "r": [0, 0], "d": [0, 0], "lost": 0, "nd": 0})
            pv["n"] += 1
            pv["r"][0] += ln["r_err"]
            pv["r"][1] += ln["ref"]
            pv["lost"] += ln["r_err"] / ln["ref"] >= 0.9
            tot["r_all"][0] += ln["r_err"]
            tot["r_all"][1] += ln["ref"]
            if ln["d_err"] is not None:
                pv["nd"] += 1
                pv["d"][0] += ln["d_err"]
                pv["d"][1] += ln["ref"]
                tot["r"][0] += ln["r_err"]
                tot["r"][1] += ln["ref"]
                tot["d"][0] += ln["d_err"]
                tot["d"][1] += ln["ref"]

        r_all, r_cmp, d_cmp = (wer(*tot[k]) for k in ("r_all", "r", "d"))
        n_cmp = sum(1 for ln in lines if ln["d_err"] is not None)
        print(f"story: {os.path.relpath(story, ROOT)}   engine: {args.engine or 'default'}   lines scored: {len(lines)}")
        if official and official["wer"] is not None and abs(official["wer"] - r_all) > 1e-3:
            print(f"warning: asr_wer.py reports WER {official['wer']}, this script {r_all:.4f}")
        for s in skipped:
            print(f"note: {s} has no command line of its own; its lines are left out of the comparison")
        for n in notes:
            print(f"note: {n}")
        print(f"render WER, all lines:            {fmt(r_all)}" + (f"   (asr_wer.py: {official['wer']})" if official else ""))
        print(f"render WER, {n_cmp:3d} compared lines:  {fmt(r_cmp)}")
        print(f"direct WER, {n_cmp:3d} compared lines:  {fmt(d_cmp)}")
        gap = None if r_cmp is None or d_cmp is None else r_cmp - d_cmp
        print(f"render - direct:                  {'' if gap is None else f'{gap:+.3f}'}   (target <= {MAX_WER_GAP:+.2f})")
        print(f"render lost lines (WER >= 0.9):   {lost}   (target {MAX_LOST})")
        lost_lines = [(i, ln) for i, ln in enumerate(lines) if ln["r_err"] / ln["ref"] >= 0.9]
        for i, ln in lost_lines:
            direct_lost = ln["d_err"] is not None and ln["d_err"] / ln["ref"] >= 0.9
            how = "no direct rendition" if ln["d_err"] is None else ("lost directly too" if direct_lost else "render only")
            print(f"  line {ln['line']:>3} {voice_label(ln['voice']):<32} {ln['text'][:30]!r:<34} heard {ln['r_heard'][:24]!r:<26} {how}")
            # The listener carries what it learnt of earlier lines into the next one, so the same
            # audio can be heard differently in another sequence. A fresh listener for both clips
            # tells the audio apart from that history.
            fresh_render = asr_wer.Listener().hear(*clips[i])
            path = direct.get(i)
            fresh_direct = asr_wer.Listener().hear(*asr_wer.read_wav(path)) if path else None
            print(f"      a fresh listener hears the render as {fresh_render[:30]!r}"
                  + ("" if fresh_direct is None else f", the direct rendition as {fresh_direct[:30]!r}"))
        print()
        w = max([len(k) for k in per_voice] + [5])
        print(f"{'voice':<{w}}  lines  render  direct    diff  lost")
        for k, pv in sorted(per_voice.items()):
            rw, dw = wer(*pv["r"]), wer(*pv["d"])
            rw_cmp = wer(*pv["r"]) if pv["nd"] == pv["n"] else None
            diff = "      -" if dw is None or rw_cmp is None else f"{rw_cmp - dw:+7.3f}"
            print(f"{k:<{w}}  {pv['n']:5d}  {fmt(rw)}  {fmt(dw)} {diff}  {pv['lost']:4d}")

        if args.lines:
            print()
            for ln in lines:
                d = "  -  " if ln["d_err"] is None else f"{ln['d_err'] / ln['ref']:.2f}"
                print(f"line {ln['line']:>3} {voice_label(ln['voice']):<28} render {ln['r_err'] / ln['ref']:.2f} "
                      f"direct {d}  {ln['text'][:60]!r}")
                print(f"           render heard: {ln['r_heard'][:90]!r}")
                if ln["d_heard"] is not None:
                    print(f"           direct heard: {ln['d_heard'][:90]!r}")
        if args.keep:
            with open(os.path.join(work, "lines.json"), "w", encoding="utf-8") as f:
                json.dump([{**ln, "direct_wav": direct.get(i)} for i, ln in enumerate(lines)], f, indent=1)

        missed = []
        if gap is not None and gap > MAX_WER_GAP:
            missed.append(f"render WER is {gap:.3f} above direct")
        if lost > MAX_LOST:
            missed.append(f"{lost} lost line(s)")
        print()
        print("FAIL: " + "; ".join(missed) if missed else "OK: targets met")
        return 1 if missed else 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
