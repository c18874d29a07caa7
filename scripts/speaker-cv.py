#!/usr/bin/env python3
"""Leave-one-novel-out cross-validation of the speaker model, scored with the team's scorer.

Usage (from the project root):
  python3 scripts/speaker-cv.py [--data ../shared/eval/pdnc] [--keep DIR] [--json] [NAME ...]

For each annotated novel in --data, `cargo run --release --example train_speakers -- --cv DIR`
trains the model on the other novels only (its history features and its calibration curve too
come from those novels alone), then writes the held-out novel's script as `audiobook script
STORY --format jsonl` would print it. Each prediction is scored with ../shared/eval/score.py and
the figures are pooled over all quotations the way ../shared/eval/attribution.py pools them.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "eval", "pdnc"))
    ap.add_argument("--keep", help="folder to keep each novel's predictions in")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--jobs", default="2")
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    sys.path.insert(0, os.path.join(os.path.abspath(args.data), ".."))
    import score  # noqa: E402  (the team's scorer, next to the data)

    out = args.keep or tempfile.mkdtemp(prefix="speaker-cv-")
    os.makedirs(out, exist_ok=True)
    dirs = sorted(d for d in os.listdir(args.data) if os.path.isfile(os.path.join(args.data, d, "quotation_info.csv")))
    if args.names:
        dirs = [d for d in dirs if d in args.names]
    cmd = ["cargo", "run", "--quiet", "--release", "--example", "train_speakers", "--",
           "--pdnc", args.data, "--cv", out, "--jobs", args.jobs]
    if args.names:
        for d in dirs:
            subprocess.run(cmd + ["--only", d], cwd=ROOT, check=True)
    else:
        subprocess.run(cmd, cwd=ROOT, check=True)

    rows = []
    for d in dirs:
        res = score.score(os.path.join(args.data, d), os.path.join(out, f"{d}.pred.jsonl"))
        rows.append(res)
    n = sum(r["quotes"] for r in rows)
    correct = sum(r["attribution"]["correct"] for r in rows)
    gold_spans = sum(r["detection"]["gold_spans"] for r in rows)
    found = sum(r["detection"]["recall"] * r["detection"]["gold_spans"] for r in rows)
    npred = sum(r["detection"]["predicted_dialogue_segments"] for r in rows)
    good = sum(r["detection"]["precision"] * r["detection"]["predicted_dialogue_segments"] for r in rows)
    by_type = {}
    for r in rows:
        for k, v in r["attribution"]["by_type"].items():
            t = by_type.setdefault(k, [0.0, 0])
            t[0] += v["accuracy"] * v["n"]
            t[1] += v["n"]
    pairs = [tuple(x) for r in rows for x in r.pop("calibration_pairs", [])]
    p = good / npred if npred else 0.0
    rc = found / gold_spans if gold_spans else 0.0
    summary = {
        "novels": len(rows), "quotes": n,
        "attribution_accuracy": round(correct / n, 4) if n else 0.0,
        "by_type": {k: round(v[0] / v[1], 4) for k, v in sorted(by_type.items()) if v[1]},
        "detection": {"precision": round(p, 4), "recall": round(rc, 4),
                      "f1": round(2 * p * rc / (p + rc), 4) if p + rc else 0.0},
        "calibration": score.calibration_summary(pairs),
    }
    if args.json:
        print(json.dumps({"rows": rows, "summary": summary}))
        return 0
    for r in rows:
        d, a = r["detection"], r["attribution"]
        bt = " ".join(f"{k}={v['accuracy']:.3f}" for k, v in a["by_type"].items())
        c = r["calibration"]
        print(f"{r['story']:30s} quotes={r['quotes']:5d} detF1={d['f1']:.3f} attr={a['accuracy']:.3f} [{bt}] "
              f"ECE={c['ece']:.3f}")
    bt = " ".join(f"{k}={v:.3f}" for k, v in summary["by_type"].items())
    print(f"ALL (leave-one-novel-out) novels={len(rows)} quotes={n} detection F1={summary['detection']['f1']:.3f} "
          f"attribution={summary['attribution_accuracy']:.3f} [{bt}]")
    c = summary["calibration"]
    if c.get("ece") is not None:
        acc9 = c["accuracy_at_0.9"] if c["accuracy_at_0.9"] is not None else 0
        print(f"calibration: ECE={c['ece']:.3f}; confidence >= 0.9 on {c['share_at_0.9']:.0%} of detected quotations, "
              f"right {acc9:.1%} of the time")
    print(f"predictions in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
