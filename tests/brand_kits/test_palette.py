from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from apps.brand_kits.colors import (
    contrast_ratio,
    contrast_warnings,
    delta_e,
    hex_to_rgb,
    is_neutral,
    readable_text_on,
    relative_luminance,
    rgb_to_hex,
)
from apps.brand_kits.extraction.evidence import ColorEvidence
from apps.brand_kits.extraction.palette import dominant_colors, propose_colors

COFFEE = "#6f4e37"
LATTE = "#d4a373"
LINKEDIN_BLUE = "#0a66c2"


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def make_coffee_logo() -> bytes:
    """A 200×100 PNG: transparent background, a big coffee disc and a smaller latte bar."""
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, 90, 90), fill=hex_to_rgb(COFFEE) + (255,))
    draw.rectangle((110, 40, 190, 60), fill=hex_to_rgb(LATTE) + (255,))
    return encode(image, "PNG")


def evidence(*items: tuple[str, float, str]) -> list[ColorEvidence]:
    return [ColorEvidence(hex=color, weight=weight, role=role) for color, weight, role in items]


def shares(colors: list[tuple[str, float]]) -> dict[str, float]:
    return dict(colors)


# --- Color math -------------------------------------------------------------------------------


def test_hex_and_rgb_convert_both_ways() -> None:
    assert hex_to_rgb("#6f4e37") == (111, 78, 55)
    assert hex_to_rgb("#ABC") == (170, 187, 204)
    assert hex_to_rgb(" 0a66c2 ") == (10, 102, 194)
    assert rgb_to_hex((111, 78, 55)) == "#6f4e37"
    assert rgb_to_hex((300, -4, 127.6)) == "#ff0080"


@pytest.mark.parametrize("value", ["", "#12", "#ggg", "red", "#1234567", "rgb(0,0,0)"])
def test_hex_to_rgb_refuses_what_is_not_a_hex_color(value: str) -> None:
    with pytest.raises(ValueError):
        hex_to_rgb(value)


def test_relative_luminance_follows_wcag() -> None:
    assert relative_luminance("#000000") == 0
    assert relative_luminance("#ffffff") == pytest.approx(1)
    assert relative_luminance("#808080") == pytest.approx(0.2159, abs=1e-4)
    # 0.2126 × 0.00304 + 0.7152 × 0.1329 + 0.0722 × 0.5395, by hand.
    assert relative_luminance("#0a66c2") == pytest.approx(0.1346, abs=1e-4)


def test_contrast_ratio_of_black_on_white_is_21_and_symmetric() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#ffffff", "#000000") == pytest.approx(21)
    assert contrast_ratio("#777777", "#777777") == pytest.approx(1)
    # #767676 is the well-known lightest grey that passes 4.5:1 on white.
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#0a66c2", "#ffffff") == pytest.approx(1.05 / 0.1846, abs=0.01)


def test_neutrals_are_whites_greys_blacks_and_faint_tints() -> None:
    for color in ("#ffffff", "#000000", "#e5e7eb", "#222222", "#6b7280", "#faf7f2", "#111827"):
        assert is_neutral(color), color
    for color in (COFFEE, LATTE, LINKEDIN_BLUE, "#ffd600", "#16a34a", "#0a1f44", "#ff5a5f"):
        assert not is_neutral(color), color


def test_delta_e_is_small_for_near_colors_and_large_for_different_ones() -> None:
    assert delta_e("#0a66c2", "#0a66c2") == 0
    assert delta_e("#0a66c2", "#0b67c3") < 2
    assert delta_e("#0a66c2", "#d4a373") > 50


def test_readable_text_is_white_on_dark_and_near_black_on_light() -> None:
    assert readable_text_on("#0a66c2") == "#ffffff"
    assert readable_text_on("#111111") == "#ffffff"
    assert readable_text_on("#ffffff") == "#111827"
    assert readable_text_on("#ffd600") == "#111827"


# --- Contrast warnings ------------------------------------------------------------------------


def test_a_well_contrasted_kit_has_no_warnings() -> None:
    colors = {"primary": "#0a66c2", "background": "#ffffff", "text": "#1f2937"}
    assert contrast_warnings(colors) == []


def test_it_warns_about_body_text_with_too_little_contrast() -> None:
    warnings = contrast_warnings({"background": "#ffffff", "text": "#aaaaaa"})
    assert warnings == [
        {
            "field": "text",
            "message": "Text on background has a contrast of 2.3:1; "
            "at least 4.5:1 is needed for body text.",
        }
    ]


def test_a_ratio_just_below_the_threshold_is_not_rounded_up_to_it() -> None:
    # #777777 on white is 4.48:1: it fails, so it must not read "4.5:1".
    [warning] = contrast_warnings({"background": "#ffffff", "text": "#777777"})
    assert "4.4:1" in warning["message"]


def test_a_yellow_primary_on_white_warns_for_links_but_not_buttons() -> None:
    warnings = contrast_warnings({"primary": "#ffd600", "background": "#ffffff"})
    assert [w["field"] for w in warnings] == ["primary"]
    assert "1.4:1" in warnings[0]["message"]
    assert "3:1" in warnings[0]["message"]


def test_a_mid_tone_primary_warns_that_no_button_label_is_readable() -> None:
    # Pure red reaches 4.0:1 with white labels and 4.4:1 with near-black ones.
    warnings = contrast_warnings({"primary": "#ff0000", "background": "#ffffff"})
    assert warnings == [
        {
            "field": "primary",
            "message": "Button labels on the primary color reach a contrast of only 4.4:1, "
            "in white or in near-black; at least 4.5:1 is needed for buttons.",
        }
    ]
    # A slightly darker teal reaches 4.5:1 with white labels.
    assert contrast_warnings({"primary": "#2f7fa0", "background": "#ffffff"}) == []


def test_unset_colors_count_as_what_the_templates_render() -> None:
    # Only a black background: the default near-black text and primary vanish on it.
    warnings = contrast_warnings({"background": "#000000"})
    assert [w["field"] for w in warnings] == ["text", "primary"]
    assert contrast_warnings({}) == []


def test_values_that_are_not_colors_are_skipped() -> None:
    assert contrast_warnings({"primary": "blue", "text": "", "background": "#fff"}) == []


# --- Logo colors ------------------------------------------------------------------------------


def test_a_transparent_png_gives_its_two_brand_colors_without_the_transparency() -> None:
    colors = dominant_colors(make_coffee_logo())
    assert [color for color, _ in colors] == [COFFEE, LATTE]
    # The disc covers about 5,000 px², the bar about 1,700: 3 to 1 of the opaque pixels.
    assert shares(colors)[COFFEE] == pytest.approx(0.75, abs=0.05)
    assert sum(share for _, share in colors) == pytest.approx(1, abs=0.02)


def test_an_anti_aliased_logo_gives_its_exact_brand_colors() -> None:
    # Drawn large and scaled down, like an exported logo: every edge is a blend, and the thin
    # latte lettering is mostly edges.
    big = Image.new("RGBA", (800, 400), (0, 0, 0, 0))
    draw = ImageDraw.Draw(big)
    draw.ellipse((40, 40, 360, 360), fill=hex_to_rgb(COFFEE) + (255,))
    draw.text((400, 100), "Coffee", fill=hex_to_rgb(LATTE) + (255,), font_size=160)
    logo = big.resize((200, 100), Image.Resampling.LANCZOS)
    colors = dominant_colors(encode(logo, "PNG"))
    assert [color for color, _ in colors] == [COFFEE, LATTE]


def test_a_jpeg_on_white_reports_the_white_background_too() -> None:
    image = Image.new("RGB", (300, 150), "#ffffff")
    ImageDraw.Draw(image).rectangle((0, 0, 99, 149), fill=LINKEDIN_BLUE)
    colors = dominant_colors(encode(image, "JPEG", quality=90))
    assert len(colors) == 2
    (first, first_share), (second, second_share) = colors
    # JPEG shifts colors slightly: compare perceptually.
    assert delta_e(first, "#ffffff") < 3
    assert first_share == pytest.approx(2 / 3, abs=0.05)
    assert delta_e(second, LINKEDIN_BLUE) < 3
    assert second_share == pytest.approx(1 / 3, abs=0.05)


def test_a_single_pixel_image_has_one_color() -> None:
    image = Image.new("RGB", (1, 1), COFFEE)
    assert dominant_colors(encode(image, "PNG")) == [(COFFEE, 1.0)]


def test_a_fully_transparent_image_has_no_colors() -> None:
    image = Image.new("RGBA", (40, 40), (255, 0, 0, 0))
    assert dominant_colors(encode(image, "PNG")) == []


def test_a_gif_with_a_transparent_index_ignores_its_background() -> None:
    image = Image.new("P", (60, 60), 0)
    image.putpalette([255, 255, 255, *hex_to_rgb("#e11d48"), *hex_to_rgb("#1e3a8a")] + [0] * 759)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 29, 59), fill=1)
    draw.rectangle((30, 0, 59, 19), fill=2)
    colors = dominant_colors(encode(image, "GIF", transparency=0))
    assert [color for color, _ in colors] == ["#e11d48", "#1e3a8a"]
    assert shares(colors)["#e11d48"] == pytest.approx(0.75, abs=0.02)


def test_a_webp_logo_is_read() -> None:
    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((16, 16, 47, 47), fill=(22, 163, 74, 255))
    [(color, share)] = dominant_colors(encode(image, "WEBP", lossless=True))
    assert color == "#16a34a"
    assert share == pytest.approx(1, abs=0.01)


def test_near_identical_colors_merge_into_the_bigger_one() -> None:
    image = Image.new("RGB", (100, 100), "#0a66c2")
    ImageDraw.Draw(image).rectangle((0, 0, 99, 29), fill="#0c69c6")  # ΔE ≈ 1.5
    assert dominant_colors(encode(image, "PNG")) == [("#0a66c2", 1.0)]


def test_max_colors_keeps_the_biggest_shares() -> None:
    image = Image.new("RGB", (100, 100), "#ffffff")
    draw = ImageDraw.Draw(image)
    for i, color in enumerate(("#e11d48", "#16a34a", "#2563eb", "#f59e0b")):
        draw.rectangle((i * 20, 0, i * 20 + 19 - i * 3, 99), fill=color)
    colors = dominant_colors(encode(image, "PNG"), max_colors=2)
    assert [color for color, _ in colors] == ["#ffffff", "#e11d48"]


def test_a_large_jpeg_is_reduced_before_it_is_analysed() -> None:
    image = Image.new("RGB", (4000, 3000), "#ffffff")
    ImageDraw.Draw(image).ellipse((1000, 500, 3000, 2500), fill=COFFEE)
    colors = dominant_colors(encode(image, "JPEG", quality=85))
    assert delta_e(colors[0][0], "#ffffff") < 3
    assert any(delta_e(color, COFFEE) < 5 for color, _ in colors)
    # The disc is π/4 of a 2000² square in a 4000×3000 image: about 26%.
    coffee_share = sum(share for color, share in colors if delta_e(color, COFFEE) < 10)
    assert coffee_share == pytest.approx(0.26, abs=0.04)


@pytest.mark.parametrize(
    "data",
    [b"", b"not an image", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, make_coffee_logo()[:60]],
)
def test_unreadable_data_gives_no_colors(data: bytes) -> None:
    assert dominant_colors(data) == []


# --- Proposal ---------------------------------------------------------------------------------


def test_the_coffee_site_gets_its_brown_and_latte() -> None:
    logo = [(color, share, "logo") for color, share in dominant_colors(make_coffee_logo())]
    proposal = propose_colors(
        evidence(
            (COFFEE, 1, "brand"),
            (COFFEE, 4, "button"),
            *logo,
            ("#ffffff", 3, "background"),
            ("#222222", 5, "text"),
            ("#dddddd", 40, "other"),
        )
    )
    assert proposal["primary"] == COFFEE
    assert LATTE in (proposal.get("secondary"), proposal.get("accent"))
    assert proposal["background"] == "#ffffff"
    assert proposal["text"] == "#222222"


def test_hundreds_of_grey_borders_do_not_outvote_the_theme_color() -> None:
    proposal = propose_colors(
        evidence(
            (LINKEDIN_BLUE, 1, "theme"),
            (LINKEDIN_BLUE, 6, "button"),
            ("#e5e7eb", 200, "other"),
            ("#f3f2ef", 2, "background"),
            ("#000000", 1, "text"),
            ("#191919", 12, "text"),
        )
    )
    assert proposal == {
        "primary": LINKEDIN_BLUE,
        "background": "#f3f2ef",
        "text": "#191919",
    }


def test_a_chromatic_color_used_everywhere_cannot_outvote_brand_evidence() -> None:
    proposal = propose_colors(
        evidence(
            ("#16a34a", 300, "other"),  # success badges
            ("#7c3aed", 1, "brand"),
            ("#7c3aed", 2, "button"),
        )
    )
    assert proposal["primary"] == "#7c3aed"
    assert proposal["secondary"] == "#16a34a"


def test_near_shades_join_one_group_represented_by_its_strongest_member() -> None:
    proposal = propose_colors(
        evidence(
            ("#0b67c4", 1, "link"),  # 3
            ("#0a66c2", 1, "heading"),  # 2, ΔE < 1: the same brand blue
            ("#0d6ac8", 1, "heading"),  # 2, ΔE < 3
            ("#e11d48", 1, "button"),  # 5: beats each of the blues, not the three together
        )
    )
    assert proposal["primary"] == "#0b67c4"
    assert proposal["secondary"] == "#e11d48"


def test_a_hover_shade_of_primary_is_not_proposed_as_secondary() -> None:
    proposal = propose_colors(
        evidence(
            ("#0a66c2", 1, "theme"),
            ("#0a66c2", 4, "button"),
            ("#064a8f", 4, "other"),  # button:hover, ΔE ≈ 17 from the primary
        )
    )
    assert "secondary" not in proposal
    assert "accent" not in proposal


def test_accent_evidence_goes_to_accent_even_when_another_color_scores_higher() -> None:
    proposal = propose_colors(
        evidence(
            ("#1e3a8a", 1, "brand"),
            ("#1e3a8a", 3, "button"),
            ("#f59e0b", 1, "accent"),
            ("#0d9488", 4, "link"),
            ("#0d9488", 1, "heading"),
        )
    )
    assert proposal["primary"] == "#1e3a8a"
    assert proposal["accent"] == "#f59e0b"
    assert proposal["secondary"] == "#0d9488"


def test_a_single_brand_color_gets_no_invented_secondary_or_accent() -> None:
    proposal = propose_colors(evidence(("#e11d48", 1, "theme"), ("#ffffff", 1, "background")))
    assert proposal == {"primary": "#e11d48", "background": "#ffffff", "text": "#111827"}


def test_a_stray_declaration_is_not_a_brand_color() -> None:
    proposal = propose_colors(
        evidence(("#e11d48", 1, "theme"), ("#dc2626", 1, "other"), ("#16a34a", 2, "other"))
    )
    assert proposal == {"primary": "#e11d48", "background": "#ffffff", "text": "#111827"}


def test_a_black_and_white_brand_gets_its_darkest_strong_neutral_as_primary() -> None:
    proposal = propose_colors(
        evidence(
            ("#ffffff", 0.7, "logo"),
            ("#1a1a1a", 0.3, "logo"),
            ("#000000", 3, "button"),
            ("#555555", 10, "other"),
            ("#ffffff", 1, "background"),
            ("#333333", 4, "text"),
        )
    )
    assert proposal == {"primary": "#000000", "background": "#ffffff", "text": "#333333"}


def test_without_any_color_evidence_the_proposal_is_neutral_and_readable() -> None:
    assert propose_colors([]) == {"primary": "#111111", "background": "#ffffff", "text": "#111827"}


def test_a_dark_theme_site_keeps_its_dark_background_and_light_text() -> None:
    proposal = propose_colors(
        evidence(
            ("#0d1117", 2, "background"),
            ("#e6edf3", 6, "text"),
            ("#2f81f7", 5, "link"),
            ("#238636", 3, "button"),
            ("#30363d", 80, "other"),
        )
    )
    assert proposal["background"] == "#0d1117"
    assert proposal["text"] == "#e6edf3"
    assert {proposal["primary"], proposal.get("secondary")} == {"#2f81f7", "#238636"}


def test_a_black_and_white_brand_on_a_dark_theme_gets_a_primary_that_shows() -> None:
    proposal = propose_colors(
        evidence(("#000000", 2, "background"), ("#ffffff", 4, "button"), ("#ffffff", 1, "text"))
    )
    assert proposal["primary"] == "#ffffff"
    assert propose_colors(evidence(("#000000", 1, "background")))["primary"] == "#f5f5f5"


def test_body_text_with_too_little_contrast_is_replaced_by_a_readable_one() -> None:
    proposal = propose_colors(
        evidence(("#ffffff", 1, "background"), ("#b0b0b0", 9, "text"), ("#e11d48", 1, "brand"))
    )
    assert proposal["text"] == "#111827"
    assert contrast_ratio(proposal["text"], proposal["background"]) >= 4.5


def test_a_readable_text_color_of_the_site_is_preferred_to_a_generic_one() -> None:
    proposal = propose_colors(evidence(("#b0b0b0", 9, "text"), ("#374151", 2, "text")))
    assert proposal["text"] == "#374151"


def test_the_proposal_is_deterministic_and_ties_go_to_the_lower_hex() -> None:
    items = evidence(("#e11d48", 1, "brand"), ("#2563eb", 1, "brand"), ("#16a34a", 1, "brand"))
    proposals = {
        tuple(sorted(propose_colors(list(order)).items()))
        for order in (items, items[::-1], [items[1], items[2], items[0]])
    }
    assert len(proposals) == 1
    assert propose_colors(items)["primary"] == "#16a34a"


def test_malformed_evidence_is_ignored() -> None:
    proposal = propose_colors(
        evidence(
            ("not-a-color", 10, "brand"),
            ("#E11D48", 1, "brand"),
            ("#2563eb", 0, "brand"),
            ("#16a34a", 5, "no-such-role"),
        )
    )
    assert proposal == {"primary": "#e11d48", "background": "#ffffff", "text": "#111827"}
