"""Draw the raster logos and icons of the test websites in this folder.

The images are committed; run this only to change them:

    .venv/bin/python tests/brand_kits/sites/make_images.py

It overwrites the files below and prints their sizes. Each logo is drawn in its site's brand
color (the BRAND_* constants, the same values as in the site's CSS), so that color is the clear
dominant color of the logo's opaque, non-white pixels.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).resolve().parent

# Kettle & Crow (coffee): terracotta on cream; Northwind (saas): blue; Azura (travel): teal.
BRAND_COFFEE = "#b4532a"
COFFEE_INK = "#2b1d14"
COFFEE_CREAM = "#fbf7f2"
BRAND_SAAS = "#3b5bdb"
BRAND_TRAVEL = "#0e7490"
TRAVEL_SAND = "#fbbf24"


def font(size: int, *, serif: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A bold serif when DejaVu is installed, else Pillow's bundled sans (Aileron)."""
    name = "DejaVuSerif-Bold.ttf" if serif else "DejaVuSans-Bold.ttf"
    for folder in ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu"):
        path = Path(folder) / name
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def coffee_bean(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], fill: str) -> None:
    """An upright bean: an ellipse with its crease drawn as two offset arcs."""
    draw.ellipse(box, fill=fill)
    left, top, right, bottom = box
    width = right - left
    crease = (left + width * 0.32, top - 4, left + width * 0.78, bottom + 4)
    draw.arc(crease, start=100, end=260, fill=BRAND_COFFEE, width=max(3, width // 9))


def coffee_logo() -> Image.Image:
    """Kettle & Crow: a terracotta roundel with a cream bean, the name set beside it."""
    scale = 4  # drawn large, then reduced, for smooth anti-aliased edges
    width, height = 480 * scale, 192 * scale
    img = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.ellipse((8 * scale, 8 * scale, 184 * scale, 184 * scale), fill=BRAND_COFFEE)
    draw.ellipse(
        (20 * scale, 20 * scale, 172 * scale, 172 * scale),
        outline=COFFEE_CREAM,
        width=3 * scale,
    )
    coffee_bean(draw, (66 * scale, 44 * scale, 126 * scale, 148 * scale), COFFEE_CREAM)
    draw.text(
        (204 * scale, 34 * scale), "KETTLE", font=font(54 * scale, serif=True), fill=BRAND_COFFEE
    )
    draw.text(
        (204 * scale, 96 * scale), "& CROW", font=font(54 * scale, serif=True), fill=BRAND_COFFEE
    )
    draw.text((206 * scale, 158 * scale), "COFFEE ROASTERS", font=font(17 * scale), fill=COFFEE_INK)
    return img.resize((480, 192), Image.Resampling.LANCZOS)


def coffee_touch_icon() -> Image.Image:
    """The roundel alone, on a square, as iOS wants it (no transparency)."""
    scale = 4
    img = Image.new("RGB", (180 * scale, 180 * scale), BRAND_COFFEE)
    draw = ImageDraw.Draw(img)
    draw.ellipse(
        (14 * scale, 14 * scale, 166 * scale, 166 * scale), outline=COFFEE_CREAM, width=4 * scale
    )
    coffee_bean(draw, (60 * scale, 36 * scale, 120 * scale, 144 * scale), COFFEE_CREAM)
    return img.resize((180, 180), Image.Resampling.LANCZOS)


def coffee_favicon() -> Image.Image:
    return coffee_touch_icon().resize((32, 32), Image.Resampling.LANCZOS)


def product_photo(seed: int, base: tuple[int, int, int]) -> Image.Image:
    """A stand-in product photo: a soft bag shape on a warm, noisy background."""
    rng = random.Random(seed)
    img = Image.new("RGB", (400, 300), (231, 222, 208))
    draw = ImageDraw.Draw(img)
    for _ in range(400):
        x, y = rng.randrange(400), rng.randrange(300)
        shade = rng.randrange(-14, 14)
        draw.point((x, y), fill=(231 + shade, 222 + shade, 208 + shade))
    draw.rounded_rectangle((140, 50, 260, 270), radius=16, fill=base)
    draw.rectangle((150, 120, 250, 180), fill=(245, 240, 230))
    return img.filter(ImageFilter.GaussianBlur(1.2))


def saas_logo() -> Image.Image:
    """Northwind: a blue rounded square with rising bars, and the blue wordmark, on white."""
    scale = 4
    width, height = 384 * scale, 96 * scale
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle(
        (8 * scale, 12 * scale, 80 * scale, 84 * scale), radius=16 * scale, fill=BRAND_SAAS
    )
    for index, bar in enumerate((22, 34, 46)):
        left = (22 + index * 16) * scale
        draw.rounded_rectangle(
            (left, (70 - bar) * scale, left + 10 * scale, 70 * scale),
            radius=3 * scale,
            fill="white",
        )
    draw.text((96 * scale, 18 * scale), "Northwind", font=font(46 * scale), fill=BRAND_SAAS)
    return img.resize((384, 96), Image.Resampling.LANCZOS)


def saas_favicon() -> Image.Image:
    img = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((0, 0, 31, 31), radius=7, fill=BRAND_SAAS)
    for index, bar in enumerate((8, 13, 18)):
        left = 7 + index * 7
        draw.rectangle((left, 25 - bar, left + 4, 25), fill="white")
    return img


def travel_share_card() -> Image.Image:
    """Azura Travel's og:image: the logo (a sun over a wave and the name) on a teal card."""
    scale = 2
    width, height = 1200 * scale, 630 * scale
    img = Image.new("RGB", (width, height), BRAND_TRAVEL)
    draw = ImageDraw.Draw(img)
    cx, cy = 600 * scale, 230 * scale
    draw.ellipse(
        (cx - 70 * scale, cy - 70 * scale, cx + 70 * scale, cy + 70 * scale), fill=TRAVEL_SAND
    )
    # The wave cuts the lower half of the sun.
    draw.rectangle(
        (cx - 90 * scale, cy + 10 * scale, cx + 90 * scale, cy + 90 * scale), fill=BRAND_TRAVEL
    )
    for offset in (22, 50):
        wave = [
            (x * scale, cy + (offset + 8 * math.sin(x / 24)) * scale)
            for x in range(cx // scale - 130, cx // scale + 131, 2)
        ]
        draw.line(wave, fill="white", width=8 * scale, joint="curve")
    title = font(110 * scale)
    text = "Azura Travel"
    left, top, right, bottom = draw.textbbox((0, 0), text, font=title)
    draw.text((cx - (right - left) // 2, 360 * scale), text, font=title, fill="white")
    tagline = font(34 * scale)
    text = "SMALL-GROUP JOURNEYS IN PORTUGAL & SPAIN"
    left, top, right, bottom = draw.textbbox((0, 0), text, font=tagline)
    draw.text((cx - (right - left) // 2, 520 * scale), text, font=tagline, fill=TRAVEL_SAND)
    return img.resize((1200, 630), Image.Resampling.LANCZOS)


def trap_logo() -> Image.Image:
    """The one real logo on the trap server's page of 10,000 images: a plum badge."""
    img = Image.new("RGBA", (200, 80), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((0, 0, 199, 79), radius=18, fill="#7c3aed")
    draw.text((22, 16), "Gallery", font=font(36), fill="white")
    return img


def save(img: Image.Image, relative: str, **options: object) -> None:
    path = HERE / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, **options)
    print(f"{relative}: {img.width}x{img.height}, {path.stat().st_size} bytes")


def main() -> None:
    uploads = "coffee/wp-content/uploads/2024/03"
    save(coffee_logo(), f"{uploads}/kettle-crow-logo.png", optimize=True)
    save(coffee_touch_icon(), f"{uploads}/cropped-kettle-crow-icon-180x180.png", optimize=True)
    save(coffee_favicon(), f"{uploads}/cropped-kettle-crow-icon-32x32.png", optimize=True)
    save(product_photo(1, (60, 40, 30)), f"{uploads}/ethiopia-guji-bag.jpg", quality=82)
    save(product_photo(2, (120, 70, 40)), f"{uploads}/house-espresso-bag.jpg", quality=82)
    save(saas_logo(), "saas/assets/img/northwind-logo.jpg", quality=92)
    save(saas_favicon(), "saas/favicon-32x32.png", optimize=True)
    save(travel_share_card(), "travel/assets/img/azura-travel-og.png", optimize=True)
    save(trap_logo(), "trap/gallery-logo.png", optimize=True)


if __name__ == "__main__":
    main()
