#!/usr/bin/env python3
"""Writes a tiny stand-in for a multi-speaker Piper voice, for tests only: not a voice.

It has a Piper model's inputs and output, so the engine drives it exactly as it drives a real
voice, and it says nothing: each speaker hums one steady tone for as long as the phoneme ids
would last. That lets the tests check what the engine does with speakers, the rate and the pitch
(the tone's length and frequency) without a real multi-speaker voice on the machine.

  inputs   input int64 [1, N] (phoneme ids), input_lengths int64 [1], scales float [3]
           (noise_scale, length_scale, noise_w), sid int64 [1]
  output   output float [1, 1, T]: T = N * 256 * length_scale samples at 16 kHz of a sine at the
           speaker's pitch, 110 Hz for speaker "low" (id 0) and 220 Hz for "high" (id 1)

Its phoneme map lacks "ð" on purpose, so tests see how a phoneme a voice cannot say is handled.
With --slow, the model also spins through a long loop of matrix products first (seconds to
minutes), so tests can see a run stopped at its deadline.

Usage: make-tiny-piper-model.py OUT.onnx [--slow]   (writes OUT.onnx and OUT.onnx.json)
Needs the onnx package: pip install onnx==1.23.2
"""

import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

RATE = 16000
HOP = 256
PITCHES = [110.0, 220.0]
SPEAKERS = {"low": 0, "high": 1}
# Piper's usual symbols and the IPA espeak-ng writes for English, except "ð".
SYMBOLS = ["_", "^", "$", " ", "!", "'", "(", ")", ",", "-", ".", ":", ";", "?"] + list(
    "abcdefhijklmnopqrstuvwxyz"
) + list("æçøħŋœɐɑɒɔɕəɚɛɜɞɟɡɣɤɪɫɬɹɾʃʊʌʒʔʲˈˌːθᵻɝʍ") + ["\u0303", "\u0327", "\u0329"]


def const(name, values, dtype):
    array = np.array(values, dtype=dtype)
    return helper.make_node("Constant", [], [name], value=onnx.numpy_helper.from_array(array, name + "_value"))


def model(slow):
    nodes = [
        const("one", [1], np.int64),
        const("hop", [float(HOP)], np.float32),
        const("rate", [float(RATE)], np.float32),
        const("zero_f", 0.0, np.float32),
        const("one_f", 1.0, np.float32),
        const("tau", [2.0 * np.pi], np.float32),
        const("gain", [0.3], np.float32),
        const("pitches", PITCHES, np.float32),
        const("length_index", [1], np.int64),
        const("out_shape", [1, 1, -1], np.int64),
        # N, the number of ids.
        helper.make_node("Shape", ["input"], ["input_shape"]),
        helper.make_node("Gather", ["input_shape", "one"], ["n"], axis=0),
        helper.make_node("Cast", ["n"], ["n_f"], to=TensorProto.FLOAT),
        # T = floor(N * HOP * length_scale) samples.
        helper.make_node("Gather", ["scales", "length_index"], ["length_scale"], axis=0),
        helper.make_node("Mul", ["n_f", "hop"], ["frames_f"]),
        helper.make_node("Mul", ["frames_f", "length_scale"], ["samples_f"]),
        helper.make_node("Floor", ["samples_f"], ["samples_floor"]),
        helper.make_node("ReduceMax", ["samples_floor"], ["samples_scalar"], keepdims=0),
        # t = 0, 1, ..., T-1 divided by the rate.
        helper.make_node("Range", ["zero_f", "samples_scalar", "one_f"], ["ticks"]),
        helper.make_node("Div", ["ticks", "rate"], ["t"]),
        # 0.3 * sin(2 pi f t), f the speaker's pitch.
        helper.make_node("Gather", ["pitches", "sid"], ["f0"], axis=0),
        helper.make_node("Mul", ["t", "f0"], ["ft"]),
        helper.make_node("Mul", ["ft", "tau"], ["phase"]),
        helper.make_node("Sin", ["phase"], ["wave"]),
        helper.make_node("Mul", ["wave", "gain"], ["quiet_wave"]),
    ]
    last = "quiet_wave"
    if slow:
        # A loop of 256 x 256 matrix products whose result is multiplied by zero and added.
        body_nodes = [
            helper.make_node("MatMul", ["m_in", "m_in"], ["m_sq"]),
            helper.make_node("Tanh", ["m_sq"], ["m_out"]),
            helper.make_node("Identity", ["cond_in"], ["cond_out"]),
        ]
        body = helper.make_graph(
            body_nodes,
            "spin",
            [
                helper.make_tensor_value_info("i", TensorProto.INT64, []),
                helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
                helper.make_tensor_value_info("m_in", TensorProto.FLOAT, [256, 256]),
            ],
            [
                helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
                helper.make_tensor_value_info("m_out", TensorProto.FLOAT, [256, 256]),
            ],
        )
        nodes += [
            const("trips", 1_000_000, np.int64),
            const("keep_going", True, np.bool_),
            const("start", np.full((256, 256), 0.01), np.float32),
            helper.make_node("Loop", ["trips", "keep_going", "start"], ["spun"], body=body),
            helper.make_node("ReduceSum", ["spun"], ["spun_sum"], keepdims=0),
            helper.make_node("Mul", ["spun_sum", "zero_f"], ["nothing"]),
            helper.make_node("Add", [last, "nothing"], ["slow_wave"]),
        ]
        last = "slow_wave"
    nodes.append(helper.make_node("Reshape", [last, "out_shape"], ["output"]))
    graph = helper.make_graph(
        nodes,
        "tiny-piper-stand-in",
        [
            helper.make_tensor_value_info("input", TensorProto.INT64, [1, "phonemes"]),
            helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
            helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3]),
            helper.make_tensor_value_info("sid", TensorProto.INT64, [1]),
        ],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, "time"])],
    )
    built = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="audiobook-tests")
    built.ir_version = 8
    onnx.checker.check_model(built)
    return built


def config():
    return {
        "audio": {"sample_rate": RATE, "quality": "x_low"},
        "espeak": {"voice": "en-us"},
        "inference": {"noise_scale": 0.667, "length_scale": 1, "noise_w": 0.8},
        "phoneme_type": "espeak",
        "phoneme_id_map": {symbol: [i] for i, symbol in enumerate(SYMBOLS)},
        "num_symbols": len(SYMBOLS),
        "num_speakers": len(SPEAKERS),
        "speaker_id_map": SPEAKERS,
        "piper_version": "1.0.0",
        "language": {"code": "en_US"},
        "dataset": "tiny stand-in for tests, not a voice",
    }


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1 or not args[0].endswith(".onnx"):
        sys.exit(__doc__)
    out = args[0]
    onnx.save(model("--slow" in sys.argv), out)
    with open(out + ".json", "w", encoding="utf-8") as f:
        json.dump(config(), f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
