from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser

from apps.email_templates import rendering
from apps.email_templates.rendering import (
    EmailSource,
    RenderedEmail,
    RenderError,
    check_template,
    html_to_text,
    render_email,
)
from apps.email_templates.starters import (
    STARTERS,
    STARTERS_BY_KEY,
    Starter,
    sample_brand,
    sample_context,
)

BRAND: dict[str, Any] = {
    "name": "Northwind",
    "colors": {
        "primary": "#0b7285",
        "secondary": "#1098ad",
        "accent": "#f08c00",
        "background": "#f1f3f5",
        "text": "#212529",
    },
    "logo": {"url": "https://cdn.northwind.test/logo@2x.png", "alt": "Northwind Traders"},
    "fonts": {
        "heading": "Merriweather",
        "body": "Source Sans 3",
        "headingStack": "Merriweather, Georgia, serif",
        "bodyStack": "'Source Sans 3', Arial, sans-serif",
    },
    "footer": {"companyName": "Northwind Traders Ltd", "address": "12 Harbour Rd, Bristol BS1 5TT"},
}


def render_starter(
    starter: Starter, brand: dict[str, Any] | None = None, *, use_cache: bool = True
) -> RenderedEmail:
    source = EmailSource(
        subject=starter.subject,
        preheader=starter.preheader,
        html=starter.html,
        purpose=starter.purpose,
    )
    context = sample_context(starter, brand or BRAND)
    render_email(source, context, use_cache=use_cache)
    return render_email(source, context, use_cache=use_cache)  # compiled from the second on


def body_of(html: str) -> str:
    return html.split("<body", 1)[1]


def test_there_are_four_starters_with_unique_keys() -> None:
    assert [s.key for s in STARTERS] == ["welcome", "receipt", "password_reset", "newsletter"]
    assert len(STARTERS_BY_KEY) == len(STARTERS)


def test_only_the_newsletter_is_marketing() -> None:
    assert {s.key: s.purpose for s in STARTERS} == {
        "welcome": "transactional",
        "receipt": "transactional",
        "password_reset": "transactional",
        "newsletter": "marketing",
    }


@pytest.mark.parametrize("starter", STARTERS, ids=lambda s: s.key)
def test_every_starter_passes_the_template_check(starter: Starter) -> None:
    fields = check_template("html", starter.html)
    check_template("subject", starter.subject)
    check_template("preheader", starter.preheader)

    for name in ["brand.colors.primary", "brand.footer.address", "profile.firstName"]:
        assert name in fields
    assert all(path.split(".")[0] in {"profile", "data", "brand", "unsubscribeUrl",
                                      "preferencesUrl"} for path in fields)  # fmt: skip


@pytest.mark.parametrize("starter", STARTERS, ids=lambda s: s.key)
def test_every_starter_renders_a_complete_email(starter: Starter) -> None:
    rendered = render_starter(starter)

    for output in [rendered.subject, rendered.html, rendered.text]:
        assert "{{" not in output
        assert "{%" not in output
    assert rendered.subject.strip() == rendered.subject
    assert "\n" not in rendered.subject
    # CSS inlined: the <style> rules sit on the elements, only media queries remain.
    assert 'style="' in rendered.html
    style_blocks = re.findall(r"<style>(.*?)</style>", rendered.html, re.DOTALL)
    assert len(style_blocks) == 1
    assert style_blocks[0].strip().startswith("@media only screen and (max-width: 620px)")
    assert re.search(r'<img [^>]*style="[^"]*border: 0', rendered.html)
    # The brand reaches the email.
    assert 'src="https://cdn.northwind.test/logo@2x.png"' in rendered.html
    assert 'alt="Northwind Traders"' in rendered.html
    assert "12 Harbour Rd, Bristol BS1 5TT" in rendered.html
    assert "#0b7285" in rendered.html
    assert "Merriweather" in rendered.html
    # 600 px, table-based, with a bulletproof button.
    assert 'width="600"' in rendered.html
    assert 'role="presentation"' in rendered.html
    assert re.search(
        r'<td align="center" bgcolor="#0b7285"[^>]*>\s*<a href="https://', rendered.html
    )
    # The preheader is hidden right after <body>.
    after_body = body_of(rendered.html).split(">", 1)[1]
    assert after_body.startswith('<div style="display:none;')
    # A plain-text part that reads well.
    assert rendered.text.startswith("Northwind Traders")  # the logo, by its alt text
    assert "Ada" in rendered.text
    assert "12 Harbour Rd, Bristol BS1 5TT" in rendered.text
    assert "@media" not in rendered.text
    assert "display:none" not in rendered.text
    assert "\n\n\n" not in rendered.text


@pytest.mark.parametrize("starter", STARTERS, ids=lambda s: s.key)
def test_every_starter_compiles_to_what_each_render_would_give(starter: Starter) -> None:
    compiled = render_starter(starter)
    as_written = render_starter(starter, use_cache=False)

    assert rendering._compiled_cached(starter.html).html is not None
    assert rendering._compiled_cached(starter.html).text is not None
    assert LexborHTMLParser(compiled.html).html == LexborHTMLParser(as_written.html).html
    assert compiled.text == as_written.text == html_to_text(compiled.html)
    assert compiled.subject == as_written.subject
    assert compiled.headers == as_written.headers


def test_the_welcome_text_has_its_steps_and_button() -> None:
    text = render_starter(STARTERS_BY_KEY["welcome"]).text

    assert "Welcome, Ada!" in text
    assert "1. Complete your profile" in text
    assert "Get started (https://app.example.com/start)" in text


def test_the_receipt_lists_every_item_and_the_total() -> None:
    rendered = render_starter(STARTERS_BY_KEY["receipt"])

    assert rendered.subject == "Your Northwind receipt for order #10482"
    assert "Ceramic mug, ocean blue | 2 | $24.00" in rendered.text
    assert "Single-origin beans, 250 g | 3 | $42.00" in rendered.text
    assert "Total | $105.00" in rendered.text
    assert rendered.headers == {}


def test_the_receipt_needs_its_order_number() -> None:
    starter = STARTERS_BY_KEY["receipt"]
    context = sample_context(starter, BRAND)
    context["data"] = {k: v for k, v in starter.sample_data.items() if k != "orderNumber"}
    source = EmailSource(subject=starter.subject, html=starter.html)

    with pytest.raises(RenderError) as caught:
        render_email(source, context)

    assert caught.value.path == "data.orderNumber"


def test_the_password_reset_shows_the_link_twice() -> None:
    rendered = render_starter(STARTERS_BY_KEY["password_reset"])

    assert rendered.html.count('href="https://app.example.com/reset/7Yt2kQ9xw"') == 2
    assert "expires in 30 minutes" in rendered.text


def test_the_newsletter_has_an_unsubscribe_link_and_headers() -> None:
    rendered = render_starter(STARTERS_BY_KEY["newsletter"])

    assert 'href="https://app.example.com/u/preview"' in rendered.html
    assert "Unsubscribe (https://app.example.com/u/preview)" in rendered.text
    assert "Email preferences (https://app.example.com/preferences/preview)" in rendered.text
    assert rendered.headers == {
        "List-Unsubscribe": "<https://app.example.com/u/preview>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    for title in ["Sends are twice as fast", "How Crumb &amp; Co doubled repeat orders"]:
        assert title in rendered.html


def test_a_brand_without_a_logo_shows_its_name() -> None:
    brand = copy.deepcopy(BRAND)
    brand["logo"] = None

    rendered = render_starter(STARTERS_BY_KEY["welcome"], brand)

    assert "<img" not in rendered.html
    assert rendered.text.startswith("Northwind\n\n")


def test_brand_values_are_escaped_in_the_html() -> None:
    brand = copy.deepcopy(BRAND)
    brand["footer"]["address"] = '1 Main St <script>alert("x")</script>'

    rendered = render_starter(STARTERS_BY_KEY["welcome"], brand)

    assert "<script>" not in rendered.html
    assert "1 Main St &lt;script&gt;" in rendered.html


def test_the_sample_brand_renders_every_starter() -> None:
    for starter in STARTERS:
        assert "Acme Inc." in render_starter(starter, sample_brand()).html
