#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Renders tokengate.svg into the committed PNGs (Linux icon theme sizes), tokengate.ico
# (Windows) and tokengate.icns (macOS), so builds need no SVG renderer. Run after editing
# the SVG; needs rsvg-convert (Debian's librsvg2-bin) and python3.
set -euo pipefail
cd "$(dirname "$0")"
for size in 16 24 32 48 64 128 256 512; do
  rsvg-convert -w "$size" -h "$size" tokengate.svg -o "tokengate-$size.png"
done
python3 - <<'PY'
import struct

def png(size):
    with open(f"tokengate-{size}.png", "rb") as f:
        return f.read()

# ICO: a directory of PNG images (Windows Vista and later read PNG entries).
sizes = [16, 24, 32, 48, 64, 128, 256]
images = [png(s) for s in sizes]
offset = 6 + 16 * len(sizes)
ico = struct.pack("<HHH", 0, 1, len(sizes))
for s, data in zip(sizes, images):
    ico += struct.pack("<BBBBHHII", s % 256, s % 256, 0, 0, 1, 32, len(data), offset)
    offset += len(data)
with open("tokengate.ico", "wb") as f:
    f.write(ico + b"".join(images))

# ICNS: PNG-backed entries (icp4 16, icp5 32, ic07 128, ic08 256, ic09 512).
entries = b""
for kind, s in [(b"icp4", 16), (b"icp5", 32), (b"ic07", 128), (b"ic08", 256), (b"ic09", 512)]:
    data = png(s)
    entries += kind + struct.pack(">I", 8 + len(data)) + data
with open("tokengate.icns", "wb") as f:
    f.write(b"icns" + struct.pack(">I", 8 + len(entries)) + entries)
PY
