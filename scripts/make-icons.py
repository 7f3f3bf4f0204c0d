#!/usr/bin/env python3
"""Draws the app icons (public/icon-192.png, public/icon-512.png): a white heart on a
deep-teal rounded square, antialiased, with nothing but the standard library."""
import struct
import zlib
from pathlib import Path

TEAL = (0x0E, 0x5A, 0x5F)
WHITE = (0xFF, 0xFF, 0xFF)
SAMPLES = 4  # per axis, for antialiasing


def inside_square(x, y, radius=0.22):
    # x, y in [0, 1]; a square with rounded corners filling the canvas.
    dx = max(radius - x, 0, x - (1 - radius))
    dy = max(radius - y, 0, y - (1 - radius))
    return dx * dx + dy * dy <= radius * radius


def inside_heart(x, y):
    # The heart curve (x² + y² − 1)³ − x² y³ ≤ 0, scaled to the middle of the icon.
    u = (x - 0.5) / 0.25
    v = (0.54 - y) / 0.25
    return (u * u + v * v - 1) ** 3 - u * u * v ** 3 <= 0


def pixel(px, py, size):
    square = heart = 0
    for i in range(SAMPLES):
        for j in range(SAMPLES):
            x = (px + (i + 0.5) / SAMPLES) / size
            y = (py + (j + 0.5) / SAMPLES) / size
            if inside_square(x, y):
                square += 1
                heart += inside_heart(x, y)
    n = SAMPLES * SAMPLES
    if not square:
        return (0, 0, 0, 0)
    mix = heart / square
    rgb = tuple(round(t * (1 - mix) + w * mix) for t, w in zip(TEAL, WHITE))
    return rgb + (round(255 * square / n),)


def png(size):
    rows = b"".join(b"\0" + b"".join(bytes(pixel(x, y, size)) for x in range(size)) for y in range(size))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


if __name__ == "__main__":
    public = Path(__file__).resolve().parent.parent / "public"
    for size in (192, 512):
        (public / f"icon-{size}.png").write_bytes(png(size))
