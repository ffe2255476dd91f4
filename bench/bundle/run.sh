#!/bin/sh
# The GPU bench bundle (npm run bench:bundle): ./run.sh OUTDIR [--quick] [--allow-software] [--budget-s N] [--runs N]
# Unpacks Node and Dawn once, finds a Vulkan loader and driver, prints the adapter, runs the suites and writes
# JSON + Markdown + SVG and summary.md into OUTDIR. A software adapter (SwiftShader) is refused unless
# --allow-software: its figures are CPU figures.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
if [ $# -lt 1 ] || [ "${1#-}" != "$1" ]; then
  echo "usage: $0 OUTDIR [--quick] [--allow-software] [--budget-s N] [--runs N]" >&2
  exit 2
fi
out="$1"
shift

unpack() { # FILE.xz -> FILE, once
  [ -f "$1" ] && return 0
  if command -v xz >/dev/null 2>&1; then
    xz -dc "$1.xz" > "$1.part"
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1.xz" "$1.part"
  else
    echo "error: neither xz nor python3 is here to unpack $1.xz" >&2
    exit 1
  fi
  mv "$1.part" "$1"
}
unpack "$here/node"
chmod +x "$here/node"
unpack "$here/node_modules/webgpu/dist/linux-x64/dawn.node"

# Dawn opens libvulkan.so.1 by name: the machine's own if it has one, else the bundled loader.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 '; then
  export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
# NVIDIA containers often ship the ICD outside the loader's search path.
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$f" ]; then export VK_DRIVER_FILES="$f"; break; fi
  done
fi
echo "vulkan: loader $(if [ -n "${LD_LIBRARY_PATH:-}" ]; then echo bundled; else echo system; fi); driver ${VK_DRIVER_FILES:-${VK_ICD_FILENAMES:-default search}}" >&2
mkdir -p "$out"
exec "$here/node" "$here/bench.mjs" --out "$out" "$@"
