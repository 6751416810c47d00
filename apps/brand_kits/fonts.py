"""Font stacks: a chosen font followed by web-safe fallbacks, for CSS `font-family`."""

from __future__ import annotations

SANS_FALLBACK = ("Helvetica", "Arial", "sans-serif")
SERIF_FALLBACK = ("Georgia", "Times New Roman", "serif")
MONO_FALLBACK = ("Menlo", "Consolas", "monospace")

# Well-known serif and monospace families; anything else falls back to sans-serif, the safe
# guess for a brand font.
_SERIF = {
    "georgia",
    "times",
    "times new roman",
    "garamond",
    "eb garamond",
    "merriweather",
    "playfair display",
    "lora",
    "pt serif",
    "noto serif",
    "libre baskerville",
    "source serif pro",
    "source serif 4",
    "crimson text",
    "roboto slab",
    "dm serif display",
    "cormorant garamond",
    "baskerville",
    "palatino",
}
_MONO = {
    "courier",
    "courier new",
    "menlo",
    "consolas",
    "monaco",
    "fira code",
    "fira mono",
    "jetbrains mono",
    "roboto mono",
    "source code pro",
    "ibm plex mono",
    "space mono",
}


def _css_name(name: str) -> str:
    # Single quotes: the stack usually ends up inside a style="…" attribute.
    return name if name.replace("-", "").isalnum() else f"'{name}'"


def font_stack(name: str | None) -> str:
    """`Inter` → `Inter, Helvetica, Arial, sans-serif`; no font → the fallback alone."""
    if not name:
        return ", ".join(SANS_FALLBACK)
    key = name.lower()
    fallback = SERIF_FALLBACK if key in _SERIF else MONO_FALLBACK if key in _MONO else SANS_FALLBACK
    family = [name, *(font for font in fallback if font.lower() != key)]
    return ", ".join(_css_name(font) for font in family)
