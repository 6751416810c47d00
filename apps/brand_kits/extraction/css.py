"""What a page's CSS says about its brand: colors and fonts, classified by where they are used.

Pure analysis on text (tinycss2, no network); the job fetches the stylesheets and the palette
(`palette.py`) turns the weighted evidence into a proposal.
"""

from __future__ import annotations

import colorsys
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

import tinycss2
from tinycss2.ast import FunctionBlock, Node

from .evidence import COLOR_ROLES, ColorEvidence, FontEvidence, StyleEvidence

MAX_CSS_CHARS = 512 * 1024  # per text; the rest is cut off
MAX_RULES = 5_000  # qualified rules looked at, over all texts
MAX_VAR_DEPTH = 8  # var() chains deeper than this (or cyclic) stay unresolved
FONT_FACE_WEIGHT = 0.5  # a declared @font-face says less than a font in use

# The 148 CSS named colors (CSS Color 4), gray and grey spellings both.
NAMED_COLORS = {
    "aliceblue": "#f0f8ff", "antiquewhite": "#faebd7", "aqua": "#00ffff",
    "aquamarine": "#7fffd4", "azure": "#f0ffff", "beige": "#f5f5dc", "bisque": "#ffe4c4",
    "black": "#000000", "blanchedalmond": "#ffebcd", "blue": "#0000ff",
    "blueviolet": "#8a2be2", "brown": "#a52a2a", "burlywood": "#deb887",
    "cadetblue": "#5f9ea0", "chartreuse": "#7fff00", "chocolate": "#d2691e",
    "coral": "#ff7f50", "cornflowerblue": "#6495ed", "cornsilk": "#fff8dc",
    "crimson": "#dc143c", "cyan": "#00ffff", "darkblue": "#00008b", "darkcyan": "#008b8b",
    "darkgoldenrod": "#b8860b", "darkgray": "#a9a9a9", "darkgreen": "#006400",
    "darkgrey": "#a9a9a9", "darkkhaki": "#bdb76b", "darkmagenta": "#8b008b",
    "darkolivegreen": "#556b2f", "darkorange": "#ff8c00", "darkorchid": "#9932cc",
    "darkred": "#8b0000", "darksalmon": "#e9967a", "darkseagreen": "#8fbc8f",
    "darkslateblue": "#483d8b", "darkslategray": "#2f4f4f", "darkslategrey": "#2f4f4f",
    "darkturquoise": "#00ced1", "darkviolet": "#9400d3", "deeppink": "#ff1493",
    "deepskyblue": "#00bfff", "dimgray": "#696969", "dimgrey": "#696969",
    "dodgerblue": "#1e90ff", "firebrick": "#b22222", "floralwhite": "#fffaf0",
    "forestgreen": "#228b22", "fuchsia": "#ff00ff", "gainsboro": "#dcdcdc",
    "ghostwhite": "#f8f8ff", "gold": "#ffd700", "goldenrod": "#daa520", "gray": "#808080",
    "green": "#008000", "greenyellow": "#adff2f", "grey": "#808080", "honeydew": "#f0fff0",
    "hotpink": "#ff69b4", "indianred": "#cd5c5c", "indigo": "#4b0082", "ivory": "#fffff0",
    "khaki": "#f0e68c", "lavender": "#e6e6fa", "lavenderblush": "#fff0f5",
    "lawngreen": "#7cfc00", "lemonchiffon": "#fffacd", "lightblue": "#add8e6",
    "lightcoral": "#f08080", "lightcyan": "#e0ffff", "lightgoldenrodyellow": "#fafad2",
    "lightgray": "#d3d3d3", "lightgreen": "#90ee90", "lightgrey": "#d3d3d3",
    "lightpink": "#ffb6c1", "lightsalmon": "#ffa07a", "lightseagreen": "#20b2aa",
    "lightskyblue": "#87cefa", "lightslategray": "#778899", "lightslategrey": "#778899",
    "lightsteelblue": "#b0c4de", "lightyellow": "#ffffe0", "lime": "#00ff00",
    "limegreen": "#32cd32", "linen": "#faf0e6", "magenta": "#ff00ff", "maroon": "#800000",
    "mediumaquamarine": "#66cdaa", "mediumblue": "#0000cd", "mediumorchid": "#ba55d3",
    "mediumpurple": "#9370db", "mediumseagreen": "#3cb371", "mediumslateblue": "#7b68ee",
    "mediumspringgreen": "#00fa9a", "mediumturquoise": "#48d1cc",
    "mediumvioletred": "#c71585", "midnightblue": "#191970", "mintcream": "#f5fffa",
    "mistyrose": "#ffe4e1", "moccasin": "#ffe4b5", "navajowhite": "#ffdead",
    "navy": "#000080", "oldlace": "#fdf5e6", "olive": "#808000", "olivedrab": "#6b8e23",
    "orange": "#ffa500", "orangered": "#ff4500", "orchid": "#da70d6",
    "palegoldenrod": "#eee8aa", "palegreen": "#98fb98", "paleturquoise": "#afeeee",
    "palevioletred": "#db7093", "papayawhip": "#ffefd5", "peachpuff": "#ffdab9",
    "peru": "#cd853f", "pink": "#ffc0cb", "plum": "#dda0dd", "powderblue": "#b0e0e6",
    "purple": "#800080", "rebeccapurple": "#663399", "red": "#ff0000",
    "rosybrown": "#bc8f8f", "royalblue": "#4169e1", "saddlebrown": "#8b4513",
    "salmon": "#fa8072", "sandybrown": "#f4a460", "seagreen": "#2e8b57",
    "seashell": "#fff5ee", "sienna": "#a0522d", "silver": "#c0c0c0", "skyblue": "#87ceeb",
    "slateblue": "#6a5acd", "slategray": "#708090", "slategrey": "#708090",
    "snow": "#fffafa", "springgreen": "#00ff7f", "steelblue": "#4682b4", "tan": "#d2b48c",
    "teal": "#008080", "thistle": "#d8bfd8", "tomato": "#ff6347", "turquoise": "#40e0d0",
    "violet": "#ee82ee", "wheat": "#f5deb3", "white": "#ffffff", "whitesmoke": "#f5f5f5",
    "yellow": "#ffff00", "yellowgreen": "#9acd32",
}  # fmt: skip

# Families that say nothing about the brand: CSS generics and keywords.
GENERIC_FAMILIES = {
    "serif", "sans-serif", "monospace", "cursive", "fantasy", "math", "emoji", "fangsong",
    "system-ui", "ui-serif", "ui-sans-serif", "ui-monospace", "ui-rounded", "-apple-system",
    "blinkmacsystemfont", "inherit", "initial", "unset", "revert", "revert-layer",
    "apple color emoji", "segoe ui emoji", "segoe ui symbol", "noto color emoji",
}  # fmt: skip
# The usual members of a "system font stack". After system-ui/-apple-system they are the OS
# font, not a choice; first in the list ("Segoe UI", sans-serif) they are a real choice.
SYSTEM_STACK_FAMILIES = {
    "segoe ui", "roboto", "helvetica neue", "helvetica", "arial", "noto sans", "ubuntu",
    "cantarell", "oxygen", "oxygen-sans", "fira sans", "droid sans", "liberation sans",
}  # fmt: skip
_SYSTEM_MARKERS = {"system-ui", "-apple-system", "blinkmacsystemfont", "ui-sans-serif"}

# (hex or family, role) → weight
Weights = defaultdict[tuple[str, str], float]

_COLOR_FUNCTIONS = {"rgb", "rgba", "hsl", "hsla"}
_NESTING_AT_RULES = {"media", "supports", "layer", "container", "document", "scope"}
_FONT_SIZE_KEYWORDS = {
    "xx-small", "x-small", "small", "medium", "large", "x-large", "xx-large", "xxx-large",
    "larger", "smaller",
}  # fmt: skip
# Properties whose colors count as "other" evidence (color/background get a role first).
_OTHER_COLOR_PROPERTIES = re.compile(
    r"^(border(-(top|right|bottom|left|block|inline)(-(start|end))?)?(-color)?|"
    r"outline(-color)?|fill|stroke|text-decoration-color|caret-color|accent-color)$"
)
_BRAND_PROPERTY = re.compile(r"brand|primary|(^|[-_])main($|[-_])")
_ACCENT_PROPERTY = re.compile(r"secondary|accent|highlight")
_BUTTON_CLASS = re.compile(r"^(btn|cta)([-_].*)?$|button")
_HEADING_CLASS = re.compile(r"^(heading|title|display)([-_].*)?$")


def parse_color(value: str) -> str | None:
    """A CSS color as `#rrggbb`; None when it is not an opaque-enough, concrete color."""
    text = value.strip().lower()
    if text.startswith("#"):
        return _parse_hex(text[1:])
    match = re.fullmatch(r"(rgba?|hsla?)\((.*)\)", text, re.DOTALL)
    if match:
        try:
            return _parse_color_function(match[1], match[2])
        except ValueError:
            return None
    return NAMED_COLORS.get(text)


def _parse_hex(digits: str) -> str | None:
    if not re.fullmatch(r"[0-9a-f]{3,8}", digits) or len(digits) in (5, 7):
        return None
    if len(digits) in (3, 4):
        digits = "".join(c * 2 for c in digits)
    if len(digits) == 8 and int(digits[6:], 16) / 255 < 0.5:
        return None
    return "#" + digits[:6]


def _number(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(text)
    return number


def _channel(text: str, scale: float) -> float:
    """A number, or a percentage of `scale`; `none` is zero (CSS Color 4)."""
    if text == "none":
        return 0.0
    if text.endswith("%"):
        return _number(text[:-1]) * scale / 100
    return _number(text)


def _hue(text: str) -> float:
    units = {"deg": 1.0, "grad": 0.9, "rad": 180 / math.pi, "turn": 360.0}
    for unit, factor in units.items():
        if text.endswith(unit):
            return _number(text[: -len(unit)]) * factor
    return _channel(text, 360)


def _parse_color_function(name: str, arguments: str) -> str | None:
    alpha_text = "1"
    if "," in arguments:
        parts = [part.strip() for part in arguments.split(",")]
        if len(parts) == 4:
            alpha_text = parts.pop()
    else:
        main, _, alpha = arguments.partition("/")
        parts = main.split()
        alpha_text = alpha.strip() or "1"
    if len(parts) != 3 or _channel(alpha_text, 1) < 0.5:
        return None
    if name.startswith("rgb"):
        rgb = [_channel(part, 255) for part in parts]
    else:
        hue = _hue(parts[0]) % 360 / 360
        saturation, lightness = (min(max(_channel(p, 100), 0), 100) / 100 for p in parts[1:])
        rgb = [c * 255 for c in colorsys.hls_to_rgb(hue, lightness, saturation)]
    # Round half up like browsers; the epsilon absorbs float error (hsl 50% → 127.4999…).
    return "#" + "".join(f"{math.floor(min(max(c, 0), 255) + 0.5 + 1e-9):02x}" for c in rgb)


class _Rule:
    """One style rule, flattened out of any @media/@supports around it."""

    __slots__ = ("declarations", "selectors")

    def __init__(self, selectors: list[str], declarations: list[tinycss2.ast.Declaration]):
        self.selectors = selectors
        self.declarations = declarations


def analyze_css(
    css_texts: Sequence[str], *, style_attributes: Sequence[str | tuple[str, str]] = ()
) -> StyleEvidence:
    """Colors and fonts of stylesheets and style="" attributes, weighted by number of uses.

    A style attribute is either the bare attribute (classified as "other") or a pair of a
    selector describing its element and the attribute, e.g. `("a.btn", "background: #f60")`.
    """
    rules: list[_Rule] = []
    font_faces: list[str] = []
    budget = MAX_RULES
    for text in css_texts:
        if budget <= 0:
            break
        nodes = tinycss2.parse_stylesheet(
            _cut(text, budget), skip_comments=True, skip_whitespace=True
        )
        budget = _collect_rules(nodes, rules, font_faces, budget, depth=0)
    for attribute in style_attributes[:MAX_RULES]:
        selector, style = ("", attribute) if isinstance(attribute, str) else attribute
        declarations = tinycss2.parse_blocks_contents(
            style[:MAX_CSS_CHARS], skip_comments=True, skip_whitespace=True
        )
        rules.append(_Rule([selector] if selector else [], _declarations(declarations)))

    custom_properties = _custom_properties(rules)
    colors: Weights = defaultdict(float)
    fonts: Weights = defaultdict(float)
    for rule in rules:
        for declaration in rule.declarations:
            _classify(rule, declaration, custom_properties, colors, fonts)
    for family in font_faces:
        fonts[family, "other"] += FONT_FACE_WEIGHT
    return StyleEvidence(
        colors=[ColorEvidence(hex=h, weight=w, role=r) for (h, r), w in _heaviest(colors)],
        fonts=[FontEvidence(family=f, weight=w, role=r) for (f, r), w in _heaviest(fonts)],
    )


def _heaviest(weights: Weights) -> list[tuple[tuple[str, str], float]]:
    return sorted(weights.items(), key=lambda item: -item[1])  # first seen first on ties


def _cut(text: str, rule_budget: int) -> str:
    # tinycss2 tokenizes a whole text before returning any rule (about 1 s per 500 KiB), so
    # cut after the closing brace of roughly the last rule we would look at.
    text = text[:MAX_CSS_CHARS]
    end = -1
    for _ in range(rule_budget + 1):
        end = text.find("}", end + 1)
        if end < 0:
            return text
    return text[: end + 1]


def _collect_rules(
    nodes: Iterable[Node], rules: list[_Rule], font_faces: list[str], budget: int, depth: int
) -> int:
    for node in nodes:
        if budget <= 0:
            break
        if node.type == "qualified-rule":
            budget -= 1
            selectors = _split_selectors(tinycss2.serialize(node.prelude))
            contents = tinycss2.parse_blocks_contents(
                node.content, skip_comments=True, skip_whitespace=True
            )
            rules.append(_Rule(selectors, _declarations(contents)))
        elif node.type == "at-rule" and node.content is not None:
            keyword = node.lower_at_keyword
            if keyword == "font-face":
                contents = tinycss2.parse_blocks_contents(node.content, skip_comments=True)
                for declaration in _declarations(contents):
                    if declaration.lower_name == "font-family":
                        family = _first_family(declaration.value)
                        if family:
                            font_faces.append(family)
            elif keyword in _NESTING_AT_RULES and depth < 2:
                inner = tinycss2.parse_rule_list(
                    node.content, skip_comments=True, skip_whitespace=True
                )
                budget = _collect_rules(inner, rules, font_faces, budget, depth + 1)
    return budget


def _declarations(nodes: Iterable[Node]) -> list[tinycss2.ast.Declaration]:
    return [node for node in nodes if node.type == "declaration"]


def _split_selectors(prelude: str) -> list[str]:
    selectors, depth, start = [], 0, 0
    for index, char in enumerate(prelude):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            selectors.append(prelude[start:index].strip())
            start = index + 1
    selectors.append(prelude[start:].strip())
    return [selector for selector in selectors if selector]


def _subject(selector: str) -> tuple[str, list[str], str]:
    """The element a selector styles: (tag, classes, the whole compound), lower case."""
    compound = re.split(r"\s*[>+~]\s*|\s+", selector.lower().strip())[-1]
    tag = re.match(r"[a-z][a-z0-9-]*", compound)
    return (tag[0] if tag else ""), re.findall(r"\.([\w-]+)", compound), compound


def _is_root(compound: str, tag: str) -> bool:
    return tag in ("html", "body") or compound.startswith(":root")


def _is_button(tag: str, classes: list[str], compound: str) -> bool:
    if tag == "button" or any(_BUTTON_CLASS.search(name) for name in classes):
        return True
    return bool(
        re.search(r"\[(class\*=['\"]?button|type=['\"]?submit|role=['\"]?button)", compound)
    )


def _color_role(selectors: list[str], prop: str) -> str:
    """The strongest role any selector of the list gives to a color declaration."""
    best = "other"
    for selector in selectors:
        tag, classes, compound = _subject(selector)
        role = "other"
        if prop in ("background", "background-color"):
            if _is_button(tag, classes, compound):
                role = "button"
            elif _is_root(compound, tag) or tag == "main":
                role = "background"
        elif prop == "color":
            if tag == "a" and not _is_button(tag, classes, compound):
                role = "link"
            elif tag in ("h1", "h2", "h3"):
                role = "heading"
            elif _is_root(compound, tag):
                role = "text"
        if COLOR_ROLES.index(role) < COLOR_ROLES.index(best):
            best = role
    return best


def _font_role(selectors: list[str]) -> str:
    roles = set()
    for selector in selectors:
        tag, classes, compound = _subject(selector)
        if _is_root(compound, tag):
            roles.add("body")
        elif tag in ("h1", "h2", "h3") or any(_HEADING_CLASS.match(c) for c in classes):
            roles.add("heading")
    return "heading" if "heading" in roles else "body" if "body" in roles else "other"


def _custom_properties(rules: list[_Rule]) -> dict[str, list[Node]]:
    """Custom properties by name: the first on :root/html wins, else the first anywhere."""
    on_root: dict[str, list[Node]] = {}
    elsewhere: dict[str, list[Node]] = {}
    for rule in rules:
        root = any(_is_root(c, t) for t, _, c in map(_subject, rule.selectors))
        for declaration in rule.declarations:
            if declaration.name.startswith("--"):
                target = on_root if root else elsewhere
                target.setdefault(declaration.name, declaration.value)
    return elsewhere | on_root


def _resolve(
    nodes: Iterable[Node], properties: dict[str, list[Node]], depth: int = 0
) -> list[Node]:
    """The value with var() replaced, also inside functions: rgba(var(--rgb), .5)."""
    resolved: list[Node] = []
    for node in nodes:
        if node.type != "function":
            resolved.append(node)
        elif node.lower_name == "var":
            resolved.extend(_resolve_var(node.arguments, properties, depth))
        elif any(arg.type == "function" for arg in node.arguments):
            arguments = _resolve(node.arguments, properties, depth)
            resolved.append(
                FunctionBlock(node.source_line, node.source_column, node.name, arguments)
            )
        else:
            resolved.append(node)
    return resolved


def _resolve_var(
    arguments: list[Node], properties: dict[str, list[Node]], depth: int
) -> list[Node]:
    if depth >= MAX_VAR_DEPTH:
        return []
    significant = [node for node in arguments if node.type not in ("whitespace", "comment")]
    if not significant or significant[0].type != "ident":
        return []
    name = significant[0].value
    if name in properties:
        return _resolve(properties[name], properties, depth + 1)
    commas = [i for i, node in enumerate(arguments) if node.type == "literal" and node.value == ","]
    if commas:
        return _resolve(arguments[commas[0] + 1 :], properties, depth + 1)
    return []


def _colors_in(nodes: Iterable[Node]) -> list[str]:
    """Colors in a value; gradients and url() are not looked into."""
    found = []
    for node in nodes:
        color = None
        if node.type == "hash":
            color = _parse_hex(node.value.lower())
        elif node.type == "ident":
            color = NAMED_COLORS.get(node.lower_value)
        elif node.type == "function" and node.lower_name in _COLOR_FUNCTIONS:
            color = parse_color(tinycss2.serialize([node]))
        if color:
            found.append(color)
    return found


def _split_commas(nodes: Iterable[Node]) -> list[list[Node]]:
    parts: list[list[Node]] = [[]]
    for node in nodes:
        if node.type == "literal" and node.value == ",":
            parts.append([])
        elif node.type not in ("whitespace", "comment"):
            parts[-1].append(node)
    return parts


def _family_name(nodes: list[Node]) -> str:
    if len(nodes) == 1 and nodes[0].type == "string":
        return " ".join(nodes[0].value.split())
    if nodes and all(node.type == "ident" for node in nodes):
        return " ".join(node.value for node in nodes)
    return ""


def _first_family(nodes: Iterable[Node], *, shorthand: bool = False) -> str | None:
    """The first family of a font-family list (or `font` shorthand) that names a real font."""
    parts = _split_commas(nodes)
    if shorthand:
        # font: [style weight…] size[/line-height] family, …: the family follows the size.
        first = parts[0]
        sizes = [
            i
            for i, node in enumerate(first)
            if node.type in ("dimension", "percentage", "number")
            or (node.type == "literal" and node.value == "/")
            or (node.type == "ident" and node.lower_value in _FONT_SIZE_KEYWORDS)
        ]
        if not sizes:
            return None
        parts[0] = first[sizes[-1] + 1 :]
    system_stack = False
    for part in parts:
        name = _family_name(part)
        key = name.lower()
        if key in _SYSTEM_MARKERS:
            system_stack = True
        if not name or key in GENERIC_FAMILIES or (system_stack and key in SYSTEM_STACK_FAMILIES):
            continue
        return name[:100]
    return None


def _classify(
    rule: _Rule,
    declaration: tinycss2.ast.Declaration,
    properties: dict[str, list[Node]],
    colors: Weights,
    fonts: Weights,
) -> None:
    name = declaration.lower_name
    if name.startswith("--"):
        role = (
            "brand"
            if _BRAND_PROPERTY.search(name)
            else "accent"
            if _ACCENT_PROPERTY.search(name)
            else None
        )
        # Other custom properties (a theme's whole preset palette) count only where used.
        if role:
            for color in _colors_in(_resolve(declaration.value, properties)):
                colors[color, role] += 1
        return
    if name in ("color", "background", "background-color") or _OTHER_COLOR_PROPERTIES.match(name):
        role = _color_role(rule.selectors, name)
        for color in _colors_in(_resolve(declaration.value, properties)):
            colors[color, role] += 1
    elif name in ("font-family", "font"):
        value = _resolve(declaration.value, properties)
        family = _first_family(value, shorthand=name == "font")
        if family:
            fonts[family, _font_role(rule.selectors)] += 1
