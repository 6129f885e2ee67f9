"""Draw the favicon's PNG and ICO files from the same shapes as
src/gridgov/core/static/icons/favicon.svg (a blue tile, a white 3×3 grid, a red point).

Run once when the icon changes: ``.venv/bin/python scripts/make-favicons.py``; the files are
committed. Needs Pillow (a development tool only; the platform never draws icons at run time).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / "src" / "gridgov" / "core" / "static" / "icons"
BLUE, RED = "#0d6efd", "#dc3545"
LINES = (12, 25.3, 38.7, 52)  # the grid's lines on the SVG's 64 × 64 canvas


def draw(size: int) -> Image.Image:
    s = size * 4  # drawn large, then scaled down for smooth edges
    k = s / 64
    im = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.rounded_rectangle((0, 0, s - 1, s - 1), radius=12 * k, fill=BLUE)
    width = max(1, round(3.5 * k))
    for v in LINES:
        d.line([(v * k, 12 * k), (v * k, 52 * k)], fill="white", width=width)
        d.line([(12 * k, v * k), (52 * k, v * k)], fill="white", width=width)
    c, r, ring = 45.3 * k, 9 * k, 1.5 * k
    d.ellipse((c - r - ring, c - r - ring, c + r + ring, c + r + ring), fill="white")
    d.ellipse((c - r + ring, c - r + ring, c + r - ring, c + r - ring), fill=RED)
    return im.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    draw(180).save(OUT / "apple-touch-icon.png", optimize=True)
    draw(32).save(OUT / "favicon-32.png", optimize=True)
    draw(48).save(OUT / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])


if __name__ == "__main__":
    main()
