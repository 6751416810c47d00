"""Color math for Brand Kits: WCAG contrast, perceptual distance, readable text on a color,
and the contrast warnings the editor shows. Pure functions, no Django, so the editor, the
`brand` builder and the website import share them."""

from __future__ import annotations

import math
import re
from functools import lru_cache

RGB = tuple[int, int, int]

WHITE = "#ffffff"
NEAR_BLACK = "#111827"  # the near-black the email templates use for text

# Neutral colors for whatever a kit leaves unset, so a template's CSS never gets an empty value;
# contrast warnings judge an unset color as this, which is what the templates render.
DEFAULT_COLORS = {
    "primary": "#111827",
    "secondary": "#4b5563",
    "accent": "#2563eb",
    "background": "#ffffff",
    "text": "#111827",
}

# WCAG 2.x thresholds.
BODY_TEXT_CONTRAST = 4.5
LARGE_TEXT_CONTRAST = 3.0

# Chroma (CIE LCh) below which a color reads as white, grey, black or a faint tint like beige.
NEUTRAL_CHROMA = 12.0

_HEX = re.compile(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


def hex_to_rgb(value: str) -> RGB:
    """`#6f4e37` (or `#abc`, `#` optional) → `(111, 78, 55)`; ValueError if not a hex color."""
    match = _HEX.fullmatch(value.strip())
    if not match:
        raise ValueError(f"Not a hex color: {value!r}")
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    red, green, blue = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    return red, green, blue


def rgb_to_hex(rgb: tuple[float, float, float]) -> str:
    """`(111, 78, 55)` → `#6f4e37`; channels are rounded and clamped to 0–255."""
    red, green, blue = (min(255, max(0, round(channel))) for channel in rgb)
    return f"#{red:02x}{green:02x}{blue:02x}"


def _linear(channel: int) -> float:
    # sRGB transfer function; WCAG 2.0 printed 0.03928 as the knee, the sRGB standard (and
    # WCAG 2.2's errata) say 0.04045. No 8-bit value lies between the two.
    value = channel / 255
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def relative_luminance(value: str) -> float:
    """WCAG 2.x relative luminance, from 0 (black) to 1 (white)."""
    red, green, blue = (_linear(channel) for channel in hex_to_rgb(value))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2.x contrast ratio of two colors, from 1 (same luminance) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@lru_cache(maxsize=4096)
def _lab(value: str) -> tuple[float, float, float]:
    # sRGB → XYZ (D65) → CIELAB.
    red, green, blue = (_linear(channel) for channel in hex_to_rgb(value))
    x = (0.4124 * red + 0.3576 * green + 0.1805 * blue) / 0.95047
    y = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    z = (0.0193 * red + 0.1192 * green + 0.9505 * blue) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e(a: str, b: str) -> float:
    """Perceptual distance of two colors (CIE76 ΔE in CIELAB): about 2.3 is just noticeable."""
    return math.dist(_lab(a), _lab(b))


def chroma(value: str) -> float:
    """Colorfulness (C in CIE LCh): 0 for greys, about 130 for the most saturated sRGB colors."""
    _, a, b = _lab(value)
    return math.hypot(a, b)


def is_neutral(value: str) -> bool:
    """Whether a color reads as white, grey, black or a faint tint (off-white, greige)."""
    return chroma(value) < NEUTRAL_CHROMA


def readable_text_on(background: str) -> str:
    """White or near-black, whichever contrasts more with `background` (near-black on a tie)."""
    on_white = contrast_ratio(WHITE, background)
    return WHITE if on_white > contrast_ratio(NEAR_BLACK, background) else NEAR_BLACK


def _ratio(ratio: float) -> str:
    # Round down, so 4.46 reads "4.4:1" and never "4.5:1; at least 4.5:1 is needed".
    return f"{math.floor(ratio * 10) / 10:.1f}:1"


def is_hex_color(value: object) -> bool:
    """Whether `value` is a hex color such as `#6f4e37` or `6f4e37` (`#abc` too)."""
    return isinstance(value, str) and _HEX.fullmatch(value.strip()) is not None


def contrast_warnings(colors: dict[str, str]) -> list[dict[str, str]]:
    """Contrast problems of a Brand Kit's colors, as `{"field", "message"}` dicts.

    Unset colors count as what the templates render instead (white background, near-black text
    and primary); values that are not hex colors are skipped.
    """
    merged = {**DEFAULT_COLORS, **{k: v for k, v in colors.items() if v}}
    background, text, primary = merged["background"], merged["text"], merged["primary"]
    warnings: list[dict[str, str]] = []
    if is_hex_color(text) and is_hex_color(background):
        ratio = contrast_ratio(text, background)
        if ratio < BODY_TEXT_CONTRAST:
            warnings.append(
                {
                    "field": "text",
                    "message": f"Text on background has a contrast of {_ratio(ratio)}; "
                    "at least 4.5:1 is needed for body text.",
                }
            )
    if is_hex_color(primary):
        ratio = contrast_ratio(readable_text_on(primary), primary)
        if ratio < BODY_TEXT_CONTRAST:
            warnings.append(
                {
                    "field": "primary",
                    "message": f"Button labels on the primary color reach a contrast of only "
                    f"{_ratio(ratio)}, in white or in near-black; at least 4.5:1 is needed "
                    "for buttons.",
                }
            )
        if is_hex_color(background):
            ratio = contrast_ratio(primary, background)
            if ratio < LARGE_TEXT_CONTRAST:
                warnings.append(
                    {
                        "field": "primary",
                        "message": f"The primary color on the background has a contrast of "
                        f"{_ratio(ratio)}; at least 3:1 is needed for links, large text and "
                        "accents.",
                    }
                )
    return warnings
