"""A website's brand colors: the dominant colors of a logo, and the merge of everything the site
shows into a proposed palette (primary, secondary, accent, background, text). Pure functions, no
Django; the color math is `apps.brand_kits.colors`."""

from __future__ import annotations

import io
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from PIL import Image

from ..colors import (
    BODY_TEXT_CONTRAST,
    NEAR_BLACK,
    WHITE,
    contrast_ratio,
    delta_e,
    hex_to_rgb,
    is_hex_color,
    is_neutral,
    readable_text_on,
    rgb_to_hex,
)
from .evidence import ColorEvidence

# ΔE (CIE76) thresholds: logo colors closer than LOGO_MERGE_DELTA_E are one color; evidence closer
# than GROUP_DELTA_E is one brand color; secondary and accent must differ from primary and from
# each other by more than DISTINCT_DELTA_E.
LOGO_MERGE_DELTA_E = 10.0
GROUP_DELTA_E = 12.0
DISTINCT_DELTA_E = 20.0

# How much one sighting of a color in each role says about the brand. Background and text say
# nothing about the brand color: they are read separately.
ROLE_WEIGHTS = {
    "theme": 6.0,
    "brand": 8.0,
    "button": 5.0,
    "accent": 3.0,
    "link": 3.0,
    "heading": 2.0,
    "logo": 10.0,  # times the color's share of the logo
    "other": 0.3,  # per use, capped per group by OTHER_CAP
    "background": 0.0,
    "text": 0.0,
}
# Repeated use of a named role counts, with diminishing returns: the factor is 1 + log2(uses),
# at most MAX_USES_FACTOR (reached at 8 uses).
MAX_USES_FACTOR = 4.0
# Hundreds of border or shadow declarations must not outvote a theme-color or a button.
OTHER_CAP = 3.0
# A chromatic group needs at least this score to be proposed: a color seen in three stray
# declarations is not a brand color, a button or a tenth of the logo is.
MIN_BRAND_SCORE = 1.0
# Logo colors covering less than this share of the opaque pixels are mostly edge blends from
# anti-aliasing and downscaling (one column of a 128-pixel thumbnail is 0.8%).
MIN_LOGO_SHARE = 0.02
# A logo color is named after its most frequent exact pixel value when that value covers at least
# this share of the color's pixels, else after the mean.
SNAP_SHARE = 0.05
# Roles that make a neutral a brand color of a black-and-white brand.
_STRONG_ROLES = {"theme", "brand", "button", "logo"}


# --- Logo colors ------------------------------------------------------------------------------


def _opaque_pixels(data: bytes) -> Image.Image | None:
    """The logo's opaque pixels (alpha ≥ 128) as an RGB image; None if undecodable or blank."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            # JPEG decodes at 1/2, 1/4 or 1/8 scale here, so a 12-megapixel photo costs little.
            image.draft("RGB", (128, 128))
            # Nearest: a sample of the real pixels. Averaging filters would invent blends of
            # neighbouring colors (and bicubic, fringes) that the logo does not have.
            image.thumbnail((128, 128), Image.Resampling.NEAREST)
            rgba = image.convert("RGBA")
    except Exception:
        # Corrupt or hostile files raise all sorts of things inside Pillow's decoders
        # (OSError, ValueError, SyntaxError, DecompressionBombError, struct.error…).
        return None
    if not any(rgba.getchannel("A").histogram()[:128]):
        return rgba.convert("RGB")  # JPEGs and most photos: no transparency to drop
    raw = rgba.tobytes()
    opaque = bytearray()
    for i in range(0, len(raw), 4):
        if raw[i + 3] >= 128:
            opaque += raw[i : i + 3]
    if not opaque:
        return None
    return Image.frombytes("RGB", (len(opaque) // 3, 1), bytes(opaque))


def dominant_colors(data: bytes, *, max_colors: int = 5) -> list[tuple[str, float]]:
    """The main colors of a logo image as `[("#rrggbb", share), …]`, largest share first.

    Shares are of the opaque pixels (0–1); transparent pixels are ignored, a white background
    is reported like any other color. Any image Pillow cannot read gives `[]`.
    """
    pixels = _opaque_pixels(data)
    if pixels is None:
        return []
    quantized = pixels.quantize(colors=8, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    palette = quantized.getpalette() or []
    raw = pixels.tobytes()
    boxes: dict[int, Counter[bytes]] = defaultdict(Counter)  # palette index → exact colors
    for position, index in enumerate(quantized.tobytes()):
        boxes[index][raw[position * 3 : position * 3 + 3]] += 1

    # Merge boxes whose mean colors are near, biggest box first.
    groups: list[tuple[str, Counter[bytes]]] = []
    for index, counts in sorted(boxes.items(), key=lambda item: (-item[1].total(), item[0])):
        mean = _palette_hex(palette, index)
        group = next((g for g in groups if delta_e(mean, g[0]) < LOGO_MERGE_DELTA_E), None)
        if group is None:
            groups.append((mean, Counter(counts)))
        else:
            group[1].update(counts)

    # A box's mean smears a flat brand color with its anti-aliased edges (and a large color
    # takes several boxes): name a group after its most frequent exact color, unless nothing
    # stands out in it (a gradient, a photo).
    pixel_count = len(raw) // 3
    shares: list[tuple[str, float]] = []
    for mean, counts in groups:
        size = counts.total()
        exact, count = min(counts.items(), key=lambda item: (-item[1], item[0]))
        color = rgb_to_hex((exact[0], exact[1], exact[2])) if count >= size * SNAP_SHARE else mean
        shares.append((color, size / pixel_count))
    shares.sort(key=lambda item: (-item[1], item[0]))
    return [(color, share) for color, share in shares if share >= MIN_LOGO_SHARE][:max_colors]


def _palette_hex(palette: list[int], index: int) -> str:
    return rgb_to_hex((palette[index * 3], palette[index * 3 + 1], palette[index * 3 + 2]))


# --- Proposal ---------------------------------------------------------------------------------


@dataclass
class _Group:
    """Evidence colors within GROUP_DELTA_E of the most-weighted one, its representative."""

    hex: str
    role_scores: dict[str, float] = field(default_factory=dict)

    def add(self, role: str, score: float) -> None:
        self.role_scores[role] = self.role_scores.get(role, 0.0) + score

    @property
    def score(self) -> float:
        other = self.role_scores.get("other", 0.0)
        return sum(self.role_scores.values()) - other + min(other, OTHER_CAP)


def _score(item: ColorEvidence) -> float:
    weight = max(0.0, item.weight)
    if item.role == "logo":
        return ROLE_WEIGHTS["logo"] * min(weight, 1.0)
    if item.role == "other":
        return ROLE_WEIGHTS["other"] * weight
    uses = weight if weight < 1 else min(1 + math.log2(weight), MAX_USES_FACTOR)
    return ROLE_WEIGHTS.get(item.role, 0.0) * uses


def _normalized(evidence: list[ColorEvidence]) -> list[ColorEvidence]:
    return [
        ColorEvidence(hex=rgb_to_hex(hex_to_rgb(item.hex)), weight=item.weight, role=item.role)
        for item in evidence
        if is_hex_color(item.hex) and item.weight > 0
    ]


def _groups(evidence: list[ColorEvidence]) -> list[_Group]:
    """Brand-relevant evidence grouped by perceptual nearness, best score first."""
    per_hex: dict[str, _Group] = {}
    for item in evidence:
        if ROLE_WEIGHTS.get(item.role, 0.0) > 0:
            per_hex.setdefault(item.hex, _Group(item.hex)).add(item.role, _score(item))

    groups: list[_Group] = []
    # Greedy, most-weighted color first: each group's representative is its strongest member.
    for color in sorted(per_hex.values(), key=lambda g: (-g.score, g.hex)):
        group = next((g for g in groups if delta_e(color.hex, g.hex) < GROUP_DELTA_E), None)
        if group is None:
            groups.append(color)
        else:
            for role, score in color.role_scores.items():
                group.add(role, score)
    return sorted(groups, key=lambda g: (-g.score, g.hex))


def _most_weighted(evidence: list[ColorEvidence], role: str) -> list[str]:
    weights: dict[str, float] = defaultdict(float)
    for item in evidence:
        if item.role == role:
            weights[item.hex] += item.weight
    return sorted(weights, key=lambda color: (-weights[color], color))


def _distinct(color: str, others: list[str]) -> bool:
    return all(delta_e(color, other) > DISTINCT_DELTA_E for other in others)


def propose_colors(evidence: list[ColorEvidence]) -> dict[str, str]:
    """Merge the colors seen on a website (CSS roles, theme-color, logo colors) into a Brand
    Kit's `{primary, secondary, accent, background, text}`.

    background and text are always present, primary too (a near-black when the site shows no
    brand color). secondary and accent are only proposed when the site shows other clearly
    distinct brand colors: none is invented from primary.
    """
    evidence = _normalized(evidence)
    backgrounds = _most_weighted(evidence, "background")
    background = backgrounds[0] if backgrounds else WHITE

    texts = _most_weighted(evidence, "text")
    readable = [t for t in texts if contrast_ratio(t, background) >= BODY_TEXT_CONTRAST]
    text = readable[0] if readable else readable_text_on(background)

    groups = _groups(evidence)
    chromatic = [g for g in groups if not is_neutral(g.hex) and g.score >= MIN_BRAND_SCORE]
    proposal: dict[str, str] = {}
    if chromatic:
        proposal["primary"] = chromatic[0].hex
    else:
        # A black-and-white brand: the neutral its logo or buttons use that stands out most
        # on the background (the darkest, on a light background).
        strong = [
            g
            for g in groups
            if sum(g.role_scores.get(role, 0.0) for role in _STRONG_ROLES) >= MIN_BRAND_SCORE
        ]
        strong.sort(key=lambda g: (-contrast_ratio(g.hex, background), g.hex))
        fallback = "#111111" if readable_text_on(background) == NEAR_BLACK else "#f5f5f5"
        proposal["primary"] = strong[0].hex if strong else fallback

    # A second brand color that repeats the text or the page's background adds nothing.
    candidates = [
        g for g in chromatic[1:] if _distinct(g.hex, [proposal["primary"], text, background])
    ]
    # Colors the site itself calls accent become the accent, even when another scores higher.
    accents = sorted(
        (g for g in candidates if g.role_scores.get("accent", 0.0) > 0),
        key=lambda g: (-g.role_scores["accent"], g.hex),
    )
    if accents:
        proposal["accent"] = accents[0].hex
    for group in candidates:
        if _distinct(group.hex, list(proposal.values())):
            for name in ("secondary", "accent"):
                if name not in proposal:
                    proposal[name] = group.hex
                    break
        if "secondary" in proposal and "accent" in proposal:
            break
    names = ("primary", "secondary", "accent")
    colors = {name: proposal[name] for name in names if name in proposal}
    return {**colors, "background": background, "text": text}
