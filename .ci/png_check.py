#!/usr/bin/env python3
"""Checks that a PNG screenshot shows a rendered page: mostly light, but with ink and colour.

Usage: png_check.py SHOT.png MIN_INK_FRACTION MIN_COLOURS

Decodes the PNG with the standard library only (8-bit RGB or RGBA, non-interlaced, as Chromium
writes them), then counts pixels that are not near-white ("ink") and distinct saturated colours
(chart lines and bars). Exits 1 with a one-line reason if the screenshot looks blank.
"""
import struct
import sys
import zlib


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        raise SystemExit(f"{path}: unsupported PNG (depth {depth}, colour type {colour})")
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        filter_type = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up = previous[x]
            up_left = previous[x - channels] if x >= channels else 0
            if filter_type == 1:
                line[x] = (line[x] + left) & 255
            elif filter_type == 2:
                line[x] = (line[x] + up) & 255
            elif filter_type == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif filter_type == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                pred = left if pa <= pb and pa <= pc else (up if pb <= pc else up_left)
                line[x] = (line[x] + pred) & 255
        rows.append(line)
        previous = line
    return width, height, channels, rows


def main():
    path, min_ink, min_colours = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    width, height, channels, rows = read_png(path)
    ink, colours, total = 0, set(), 0
    for row in rows[::2]:
        for x in range(0, width * channels, channels * 2):
            r, g, b = row[x], row[x + 1], row[x + 2]
            total += 1
            if min(r, g, b) < 200:
                ink += 1
            if max(r, g, b) - min(r, g, b) > 80:
                colours.add((r // 32, g // 32, b // 32))
    fraction = ink / max(total, 1)
    if fraction < min_ink or len(colours) < min_colours:
        print(f"{path}: looks blank: {fraction:.3%} ink, {len(colours)} colours (want {min_ink:.1%}, {min_colours})")
        sys.exit(1)
    print(f"{path}: {width}x{height}, {fraction:.1%} ink, {len(colours)} colours")


main()
