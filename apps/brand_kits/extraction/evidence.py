"""What brand extraction finds on a website, before it is merged into a proposal.

The page analysis (`page.py`, `css.py`) produces these; the palette (`palette.py`) and the job
(`job.py`) consume them. Plain data, so each stage can be tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Where a color was seen, which says how much it tells about the brand.
COLOR_ROLES = (
    "theme",  # <meta name="theme-color">
    "brand",  # a custom property named like the brand or primary color (--brand, --primary…)
    "accent",  # a custom property named secondary/accent/highlight
    "button",  # background of buttons, .btn, CTAs
    "link",  # color of links
    "heading",  # color of h1–h3
    "background",  # background of html/body/main
    "text",  # color of body text
    "other",  # any other declaration
    "logo",  # a dominant color of a logo image (weight = share of its opaque pixels)
)

# How a logo candidate was found, strongest evidence first.
LOGO_SOURCES = (
    "img-logo",  # <img> whose class/id/alt/src (or a parent's class/id) says logo
    "header-img",  # the first image inside <header> / the top navigation
    "apple-touch-icon",
    "icon",  # <link rel="icon">, including the favicon
    "og-image",  # <meta property="og:image">
    "inline-svg",  # an inline <svg> that looks like the logo: noted, never stored
)


@dataclass(frozen=True)
class ColorEvidence:
    hex: str  # "#rrggbb", lower case
    weight: float  # how many times / how strongly it was seen
    role: str  # one of COLOR_ROLES


@dataclass(frozen=True)
class FontEvidence:
    family: str  # the first family of a font-family list, unquoted ("Inter")
    weight: float
    role: str  # "heading", "body", "google" (a Google Fonts link), "other"


@dataclass(frozen=True)
class LogoCandidate:
    url: str  # absolute URL (data: URLs are skipped)
    source: str  # one of LOGO_SOURCES
    score: float  # higher is more likely the logo
    alt: str = ""
    width: int | None = None  # from attributes or `sizes`, when given
    height: int | None = None


@dataclass
class PageEvidence:
    """Everything one HTML page says about its brand."""

    final_url: str
    name: str | None = None
    name_source: str | None = None  # "og:site_name", "application-name", "title"
    theme_color: str | None = None
    logo_candidates: list[LogoCandidate] = field(default_factory=list)  # best first
    inline_svg_logos: int = 0  # inline <svg> logos seen (not stored: SVG assets are refused)
    stylesheet_urls: list[str] = field(default_factory=list)  # in document order, capped
    inline_css: list[str] = field(default_factory=list)  # <style> blocks, capped
    colors: list[ColorEvidence] = field(default_factory=list)  # from style attributes, meta
    fonts: list[FontEvidence] = field(default_factory=list)  # Google Fonts links, inline CSS
    social_links: list[dict[str, str]] = field(default_factory=list)  # [{network, url}]
    description: str | None = None


@dataclass
class StyleEvidence:
    """What the page's CSS (inline and linked) says: colors and fonts, weighted by use."""

    colors: list[ColorEvidence] = field(default_factory=list)
    fonts: list[FontEvidence] = field(default_factory=list)
