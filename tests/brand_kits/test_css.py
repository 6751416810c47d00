"""Colors and fonts read out of CSS: color syntaxes, roles by selector, var() and bounds."""

from __future__ import annotations

import pytest

from apps.brand_kits.extraction.css import MAX_RULES, NAMED_COLORS, analyze_css, parse_color
from apps.brand_kits.extraction.evidence import StyleEvidence


def colors_of(evidence: StyleEvidence) -> dict[tuple[str, str], float]:
    return {(c.hex, c.role): c.weight for c in evidence.colors}


def fonts_of(evidence: StyleEvidence) -> dict[tuple[str, str], float]:
    return {(f.family, f.role): f.weight for f in evidence.fonts}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("#F60", "#ff6600"),
        ("#ff6600cc", "#ff6600"),
        ("#f60c", "#ff6600"),
        (" #0D6EFD ", "#0d6efd"),
        ("rgb(255, 102, 0)", "#ff6600"),
        ("rgba(255,102,0,0.8)", "#ff6600"),
        ("rgb(255 102 0 / 80%)", "#ff6600"),
        ("rgb(100% 40% 0%)", "#ff6600"),
        ("hsl(24, 100%, 50%)", "#ff6600"),
        ("hsla(24deg 100% 50% / 1)", "#ff6600"),
        ("hsl(0.5turn 100% 25%)", "#008080"),
        ("RebeccaPurple", "#663399"),
        ("grey", "#808080"),
        ("rgb(300, -5, 0)", "#ff0000"),
    ],
)
def test_it_parses_css_colors_to_hex(value: str, expected: str) -> None:
    assert parse_color(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "transparent",
        "currentColor",
        "inherit",
        "var(--brand)",
        "rgba(255, 102, 0, 0.2)",
        "#ff660033",
        "rgb(0 0 0 / 10%)",
        "linear-gradient(#fff, #000)",
        "#ff66",
        "#zzzzzz",
        "rgb(1, 2)",
        "rgb(nan, 0, 0)",
        "notacolor",
        "",
    ],
)
def test_it_refuses_what_is_not_a_concrete_opaque_color(value: str) -> None:
    assert parse_color(value) is None


def test_it_knows_all_148_named_colors() -> None:
    assert len(NAMED_COLORS) == 148
    assert all(parse_color(name.upper()) == hex_ for name, hex_ in NAMED_COLORS.items())


def test_it_classifies_colors_by_selector_and_property() -> None:
    css = """
    :root { --brand-color: #e4572e; --color-accent: #17bebb; --gray-100: #f8f9fa; }
    html, body { background-color: #fffdf8; color: #222222; }
    a, a:hover { color: #1d4ed8; }
    h1, h2 { color: #111827; }
    .btn-primary, button { background: #e4572e; }
    input[type="submit"] { background-color: #e4572e; }
    .card { border: 1px solid silver; box-shadow: 0 0 2px #000; }
    .icon { fill: tomato; }
    """
    colors = colors_of(analyze_css([css]))
    assert colors == {
        ("#e4572e", "brand"): 1,
        ("#17bebb", "accent"): 1,
        ("#fffdf8", "background"): 1,
        ("#222222", "text"): 1,
        ("#1d4ed8", "link"): 1,
        ("#111827", "heading"): 1,
        ("#e4572e", "button"): 2,
        ("#c0c0c0", "other"): 1,
        ("#ff6347", "other"): 1,
    }


def test_it_orders_evidence_by_number_of_uses() -> None:
    css = ".a { color: red } .b { color: blue } .c { color: blue } .d { border-color: blue }"
    evidence = analyze_css([css])
    assert [(c.hex, c.weight) for c in evidence.colors] == [("#0000ff", 3), ("#ff0000", 1)]


def test_it_resolves_custom_properties_with_root_first_and_fallbacks() -> None:
    css = """
    .dark { --primary: #000000; }
    :root { --primary: #6d28d9; --link: var(--primary); --bs-primary-rgb: 109, 40, 217; }
    a { color: var(--link); }
    .btn { background-color: rgba(var(--bs-primary-rgb), 1); }
    h1 { color: var(--undefined, #0f766e); }
    h2 { color: var(--undefined); }
    .loop { --a: var(--b); --b: var(--a); color: var(--a); }
    """
    colors = colors_of(analyze_css([css]))
    assert colors[("#6d28d9", "link")] == 1
    assert colors[("#6d28d9", "button")] == 1
    assert colors[("#0f766e", "heading")] == 1
    assert ("#000000", "link") not in colors
    # --primary on :root is a brand color; the one on .dark is only its own evidence.
    assert colors[("#6d28d9", "brand")] == 1
    assert colors[("#000000", "brand")] == 1


def test_it_reads_rules_inside_media_and_supports_but_not_keyframes() -> None:
    css = """
    @media (min-width: 768px) { .btn { background: #ff006e; } }
    @supports (display: grid) { @media print { h1 { color: #3a86ff; } } }
    @keyframes pulse { from { color: #00ff00; } to { color: #0000ff; } }
    """
    colors = colors_of(analyze_css([css]))
    assert colors == {("#ff006e", "button"): 1, ("#3a86ff", "heading"): 1}


def test_it_finds_the_first_real_font_family_by_role() -> None:
    css = """
    body { font-family: "Source Sans 3", -apple-system, sans-serif; }
    h1, .title { font-family: 'Playfair Display', Georgia, serif; }
    h2 { font: italic 700 2rem/1.2 Lora, serif; }
    .code { font-family: var(--font-mono, "JetBrains Mono"), monospace; }
    .system { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
    .choice { font-family: "Segoe UI", sans-serif; }
    .inherit { font: inherit; }
    @font-face { font-family: "Acme Grotesk"; src: url(acme.woff2); }
    """
    fonts = fonts_of(analyze_css([css]))
    assert fonts == {
        ("Source Sans 3", "body"): 1,
        ("Playfair Display", "heading"): 1,
        ("Lora", "heading"): 1,
        ("JetBrains Mono", "other"): 1,
        ("Segoe UI", "other"): 1,
        ("Acme Grotesk", "other"): 0.5,
    }


def test_it_resolves_font_variables() -> None:
    css = ":root { --font-heading: 'Fraunces', serif; } h2 { font-family: var(--font-heading); }"
    assert fonts_of(analyze_css([css])) == {("Fraunces", "heading"): 1}


def test_it_classifies_style_attributes_by_the_element_they_describe() -> None:
    evidence = analyze_css(
        [":root { --cta: #ff5a5f; }"],
        style_attributes=[
            ("a.button.is-large", "background-color: var(--cta); color: white"),
            ("body", "font-family: Inter, sans-serif"),
            "color: #123456",
        ],
    )
    assert colors_of(evidence) == {
        ("#ff5a5f", "button"): 1,
        ("#ffffff", "other"): 1,
        ("#123456", "other"): 1,
    }
    assert fonts_of(evidence) == {("Inter", "body"): 1}


def test_malformed_css_does_not_raise() -> None:
    css = """
    .a { color: #ff0000
    }}} .b { background: rgb(1,2,; } @media { .c { color: blue
    /* unterminated comment
    """
    evidence = analyze_css([css, "}{", "@media screen {", "a { color: var(--x, }", "\x00\ufffd"])
    assert ("#ff0000", "other") in colors_of(evidence)


def test_it_stops_after_the_rule_budget() -> None:
    css = ".r { color: #abcdef }\n" * (MAX_RULES + 2_000)
    evidence = analyze_css([css, "a { color: #fedcba }"])
    assert colors_of(evidence) == {("#abcdef", "other"): MAX_RULES}
