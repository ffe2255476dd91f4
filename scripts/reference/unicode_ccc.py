#!/usr/bin/env python3
"""Writes src/tokenizer/unicode-ccc.ts: the canonical combining class of every code point that has one,
as ranges, from Python's unicodedata. JavaScript has String.prototype.normalize but no combining classes,
and the tokenizer's NFD/NFC with offsets needs them to reorder and compose marks one char at a time.

    python3 scripts/reference/unicode_ccc.py
"""
import os, sys, unicodedata

ranges = []  # [start, end, ccc]
for cp in range(0x110000):
    ccc = unicodedata.combining(chr(cp))
    if not ccc:
        continue
    if ranges and ranges[-1][1] == cp - 1 and ranges[-1][2] == ccc:
        ranges[-1][1] = cp
    else:
        ranges.append([cp, cp, ccc])

items = [f'{s},{e - s},{c}' for s, e, c in ranges]
lines, line = [], ''
for it in items:
    if len(line) + len(it) + 2 > 110:
        lines.append(line)
        line = ''
    line += it + ','
lines.append(line)
flat = '\n  '.join(lines)
out = os.path.join(os.path.dirname(__file__), '..', '..', 'src', 'tokenizer', 'unicode-ccc.ts')
with open(out, 'w') as fh:
    fh.write(f'''// Canonical combining classes (Unicode {unicodedata.unidata_version}, from Python's unicodedata by
// scripts/reference/unicode_ccc.py): triples of first code point, run length - 1, class, sorted. Every code
// point not listed has class 0 (a starter).
export const CCC_RANGES: readonly number[] = [
  {flat}
];
''')
print(f'{len(ranges)} ranges, Unicode {unicodedata.unidata_version}', file=sys.stderr)
