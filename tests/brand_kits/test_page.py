"""Brand evidence read out of one HTML page: name, logos, colors, fonts, social links."""

from __future__ import annotations

import pytest

from apps.brand_kits.extraction.page import (
    MAX_IMAGES,
    MAX_LOGO_CANDIDATES,
    analyze_page,
    google_font_families,
)

BASE = "https://www.acme.com/"


def page(head: str = "", body: str = "") -> bytes:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>".encode()


def sources(html: bytes, base_url: str = BASE) -> list[tuple[str, str]]:
    return [(c.source, c.url) for c in analyze_page(html, base_url).logo_candidates]


def test_it_finds_a_bootstrap_navbar_brand() -> None:
    html = page(
        "<title>Acme</title><link rel='icon' href='/favicon.ico'>",
        """<nav class="navbar navbar-expand-lg bg-body-tertiary"><div class="container-fluid">
        <a class="navbar-brand" href="#"><img src="/static/acme.png" alt="Acme" width="30"
        height="24" class="d-inline-block align-text-top"></a>
        <img src="/static/flag-en.png" alt="English"></div></nav>
        <main><img src="/static/team.jpg" alt="Our team"></main>""",
    )
    evidence = analyze_page(html, BASE)
    best = evidence.logo_candidates[0]
    assert (best.source, best.url) == ("img-logo", "https://www.acme.com/static/acme.png")
    assert (best.alt, best.width, best.height) == ("Acme", 30, 24)
    assert [c.source for c in evidence.logo_candidates] == ["img-logo", "header-img", "icon"]
    assert "https://www.acme.com/static/team.jpg" not in [c.url for c in evidence.logo_candidates]


def test_it_finds_a_wordpress_custom_logo_and_its_largest_srcset_image() -> None:
    html = page(
        """<meta property="og:site_name" content="Acme Roasters">
        <link rel="icon" href="https://www.acme.com/wp-content/uploads/cropped-icon-32x32.png"
         sizes="32x32"><link rel="icon" href="/wp-content/uploads/cropped-icon-192x192.png"
         sizes="192x192"><link rel="apple-touch-icon"
         href="/wp-content/uploads/cropped-icon-180x180.png">""",
        """<header id="masthead" class="site-header"><div class="site-branding">
        <a href="https://www.acme.com/" class="custom-logo-link" rel="home"><img width="300"
        height="80" src="https://www.acme.com/wp-content/uploads/logo.png" class="custom-logo"
        alt="Acme Roasters" srcset="https://www.acme.com/wp-content/uploads/logo.png 300w,
        https://www.acme.com/wp-content/uploads/logo-600x160.png 600w"
        sizes="(max-width: 300px) 100vw, 300px"></a></div></header>""",
    )
    evidence = analyze_page(html, BASE)
    assert (evidence.name, evidence.name_source) == ("Acme Roasters", "og:site_name")
    assert sources(html) == [
        ("img-logo", "https://www.acme.com/wp-content/uploads/logo-600x160.png"),
        ("apple-touch-icon", "https://www.acme.com/wp-content/uploads/cropped-icon-180x180.png"),
        ("icon", "https://www.acme.com/wp-content/uploads/cropped-icon-192x192.png"),
        ("icon", "https://www.acme.com/wp-content/uploads/cropped-icon-32x32.png"),
    ]
    assert evidence.logo_candidates[2].width == 192


def test_it_finds_a_shopify_header_logo_with_a_protocol_relative_url() -> None:
    html = page(
        "<title>Acme Coffee &ndash; Fresh beans delivered</title>",
        """<header class="site-header" role="banner"><h1 class="site-header__logo"
        itemscope itemtype="http://schema.org/Organization"><a href="/"
        class="site-header__logo-image"><img src="//acme.com/cdn/shop/files/acme_200x.png?v=12"
        alt="Acme Coffee"></a></h1><a href="/cart"><img src="//acme.com/cdn/cart.png"
        alt="Cart"></a></header>""",
    )
    evidence = analyze_page(html, "https://acme.com/")
    assert evidence.name == "Acme Coffee"
    best = evidence.logo_candidates[0]
    assert best.url == "https://acme.com/cdn/shop/files/acme_200x.png?v=12"
    assert best.source == "img-logo"
    # Logo words from a parent, alt text equal to the name, in the header, links home.
    assert best.score == 75 + 10 + 5 + 5


def test_a_page_with_only_an_og_image_still_gets_a_candidate() -> None:
    html = page('<meta property="og:image" content="/social/share-card.jpg">', "<p>Hello</p>")
    assert sources(html) == [("og-image", "https://www.acme.com/social/share-card.jpg")]


def test_it_keeps_one_candidate_per_url_the_best_one() -> None:
    html = page(
        '<meta property="og:image" content="https://www.acme.com/logo.png">',
        '<div id="logo"><img src="logo.png"></div><img class="logo" src="/logo.png#x">',
    )
    assert sources(html) == [("img-logo", "https://www.acme.com/logo.png")]


def test_it_uses_the_document_base_and_skips_data_and_javascript_urls() -> None:
    html = page(
        '<base href="https://cdn.acme.net/assets/">',
        """<img class="logo" src="data:image/png;base64,iVBORw0KGgo=">
        <img class="logo" src="javascript:alert(1)"><img class="brand-mark" src="mark.png">""",
    )
    assert sources(html) == [("img-logo", "https://cdn.acme.net/assets/mark.png")]


def test_it_prefers_raster_logos_and_penalises_what_is_not_a_logo() -> None:
    html = page(
        body="""<header><img class="hero-banner" src="/hero.jpg"></header>
        <div class="logo"><img src="/logo.svg"></div>
        <img src="/brand-logo.png"><img class="logo" src="/pixel.gif" width="1" height="1">
        <footer><div class="payment-logos"><img class="logo" src="/visa.png"></div></footer>""",
    )
    urls = [url.removeprefix(BASE) for _, url in sources(html)]
    # The payment badge sinks below any favicon; the hero banner and the pixel are dropped.
    assert urls == ["brand-logo.png", "logo.svg", "visa.png"]
    assert analyze_page(html, BASE).logo_candidates[-1].score < 20


def test_it_reads_a_picture_source_when_the_img_has_no_usable_src() -> None:
    html = page(
        body="""<a class="header__brand" href="/"><picture>
        <source srcset="/logo-1x.webp 1x, /logo-2x.webp 2x" type="image/webp">
        <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt=""></picture></a>""",
    )
    assert sources(html) == [("img-logo", "https://www.acme.com/logo-2x.webp")]


def test_it_counts_inline_svg_logos_without_making_them_candidates() -> None:
    html = page(
        "<title>Acme</title>",
        """<header><a href="/" class="site-logo"><svg viewBox="0 0 10 10"></svg></a>
        <svg role="img"><title>Acme</title></svg><svg class="icon-cart"></svg></header>
        <svg aria-label="Company logo"></svg>""",
    )
    evidence = analyze_page(html, BASE)
    assert evidence.inline_svg_logos == 3
    assert evidence.logo_candidates == []


@pytest.mark.parametrize(
    ("title", "base_url", "name"),
    [
        ("Acme Coffee — Fresh beans delivered", "https://shop.example/", "Acme Coffee"),
        ("Home | Acme", "https://shop.example/", "Acme"),
        ("Acme: Fresh beans", "https://shop.example/", "Acme"),
        ("Welcome to Acme - Coffee roasted in Lyon", "https://shop.example/", "Acme"),
        ("Fresh coffee, roasted weekly · Northwind", "https://www.northwind.co.uk/", "Northwind"),
        (
            "Buy Coffee Online | Acme Coffee Roasters",
            "https://acmecoffee.com/",
            "Acme Coffee Roasters",
        ),
        ("  Acme\n  Coffee  ", "https://shop.example/", "Acme Coffee"),
    ],
)
def test_it_cleans_the_brand_out_of_the_title(title: str, base_url: str, name: str) -> None:
    evidence = analyze_page(page(f"<title>{title}</title>"), base_url)
    assert (evidence.name, evidence.name_source) == (name, "title")


def test_it_prefers_the_application_name_to_the_title_and_caps_names() -> None:
    html = page('<meta name="application-name" content="Acme App"><title>Home | Other</title>')
    assert analyze_page(html, BASE).name == "Acme App"
    long = analyze_page(page(f"<title>{'A' * 500}</title>"), BASE)
    assert long.name == "A" * 200


def test_it_reads_theme_color_preferring_the_one_without_media() -> None:
    html = page(
        """<meta name="theme-color" media="(prefers-color-scheme: dark)" content="#111111">
        <meta name="theme-color" content="rgb(255, 102, 0)">"""
    )
    evidence = analyze_page(html, BASE)
    assert evidence.theme_color == "#ff6600"
    assert [(c.hex, c.role) for c in evidence.colors] == [("#ff6600", "theme")]


def test_it_lists_stylesheets_and_reads_google_fonts_instead_of_fetching_them() -> None:
    html = page(
        """<link rel="stylesheet" href="/css/site.css">
        <link rel="stylesheet" href="/css/print.css" media="print">
        <link rel="stylesheet" href="/css/late.css" media="print" onload="this.media='all'">
        <link rel="alternate stylesheet" href="/css/contrast.css">
        <link rel="stylesheet"
         href="https://fonts.googleapis.com/css2?family=Inter:wght@400;700&amp;family=Playfair+Display:ital,wght@1,700&amp;display=swap">
        <link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Open+Sans:400,700|Roboto">
        <link rel="stylesheet" href="/css/site.css"><link rel="stylesheet" href="javascript:x">
        <link rel="stylesheet" href="/a.css"><link rel="stylesheet" href="/b.css">
        <link rel="stylesheet" href="/c.css">
        <style>@import url("https://fonts.googleapis.com/css2?family=Lora&display=swap");
        body { color: #333 }</style>""",
    )
    evidence = analyze_page(html, BASE)
    assert evidence.stylesheet_urls == [
        "https://www.acme.com/css/site.css",
        "https://www.acme.com/css/late.css",
        "https://www.acme.com/a.css",
        "https://www.acme.com/b.css",
    ]
    google = [f.family for f in evidence.fonts if f.role == "google"]
    assert google == ["Inter", "Playfair Display", "Open Sans", "Roboto", "Lora"]
    assert len(evidence.inline_css) == 1 and "body { color: #333 }" in evidence.inline_css[0]


def test_it_parses_google_fonts_urls_of_both_api_versions() -> None:
    css2 = "https://fonts.googleapis.com/css2?family=Inter:wght@400;700&family=Roboto+Mono"
    assert google_font_families(css2) == ["Inter", "Roboto Mono"]
    v1 = "https://fonts.googleapis.com/css?family=Open+Sans:400,700|Roboto&subset=latin"
    assert google_font_families(v1) == ["Open Sans", "Roboto"]
    assert google_font_families("https://fonts.googleapis.com/css2?display=swap") == []


def test_it_reads_colors_and_fonts_of_style_attributes() -> None:
    html = page(
        body="""<a class="btn btn-primary" href="/buy" style="background-color: #e4572e">Buy</a>
        <div style="font-family: 'Archivo', sans-serif"></div><p style="color: nope">x</p>""",
    )
    evidence = analyze_page(html, BASE)
    assert [(c.hex, c.role) for c in evidence.colors] == [("#e4572e", "button")]
    assert [(f.family, f.role) for f in evidence.fonts] == [("Archivo", "other")]


def test_it_finds_one_profile_link_per_network_and_skips_share_links() -> None:
    html = page(
        body="""<article>
        <a href="https://www.facebook.com/sharer/sharer.php?u=https://acme.com">Share</a>
        <a href="https://twitter.com/intent/tweet?text=hi">Tweet</a>
        <a href="https://twitter.com/share?url=x">Tweet</a>
        <a href="https://www.linkedin.com/shareArticle?mini=true&url=x">Share</a>
        <a href="https://pinterest.com/pin/create/button/?url=x">Pin</a>
        <a href="https://www.youtube.com/watch?v=abc">Our video</a>
        <a href="https://www.instagram.com/p/Cxyz/">A post</a></article>
        <footer><a href="https://www.facebook.com/">Facebook</a>
        <a href="https://www.facebook.com/acmecoffee">Facebook</a>
        <a href="https://facebook.com/acme-other">Facebook again</a>
        <a href="https://twitter.com/acmecoffee">Twitter</a><a href="https://x.com/acme2">X</a>
        <a href="https://www.linkedin.com/company/acme/">LinkedIn</a>
        <a href="https://www.youtube.com/@acmecoffee">YouTube</a>
        <a href="https://www.instagram.com/acmecoffee/">Instagram</a>
        <a href="https://www.tiktok.com/@acmecoffee">TikTok</a>
        <a href="https://github.com/acme">GitHub</a><a href="https://discord.gg/acme">Discord</a>
        <a href="https://acme.medium.com/">Blog</a><a href="https://example.com/acme">Other</a>
        </footer>""",
    )
    links = analyze_page(html, BASE).social_links
    assert links == [
        {"network": "facebook", "url": "https://www.facebook.com/acmecoffee"},
        {"network": "x", "url": "https://twitter.com/acmecoffee"},
        {"network": "linkedin", "url": "https://www.linkedin.com/company/acme/"},
        {"network": "youtube", "url": "https://www.youtube.com/@acmecoffee"},
        {"network": "instagram", "url": "https://www.instagram.com/acmecoffee/"},
        {"network": "tiktok", "url": "https://www.tiktok.com/@acmecoffee"},
        {"network": "github", "url": "https://github.com/acme"},
        {"network": "discord", "url": "https://discord.gg/acme"},
        {"network": "medium", "url": "https://acme.medium.com/"},
    ]


def test_it_reads_the_description_capped() -> None:
    html = page(f'<meta name="description" content="  Fresh   beans {"x" * 600}">')
    description = analyze_page(html, BASE).description
    assert description is not None
    assert description.startswith("Fresh beans x") and len(description) == 500


@pytest.mark.parametrize(
    ("head", "content_type"),
    [
        ("", "text/html; charset=windows-1252"),
        ('<meta charset="windows-1252">', "text/html"),
        ('<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">', ""),
    ],
)
def test_it_decodes_with_the_declared_charset(head: str, content_type: str) -> None:
    html = f"<html><head>{head}<title>Caf\xe9 Acme</title></head></html>".encode("cp1252")
    assert analyze_page(html, BASE, content_type).name == "Café Acme"


def test_it_falls_back_to_utf8_and_replaces_broken_bytes() -> None:
    html = page("<title>Café Acme</title>").replace(b"Acme", b"Ac\xffme")
    assert analyze_page(html, BASE, "text/html; charset=no-such-charset").name == "Café Ac\ufffdme"


def test_a_huge_page_is_read_only_up_to_the_caps() -> None:
    images = "".join(f'<img src="/p/{i}.jpg" class="logo-{i}">' for i in range(10_000))
    late_logo = '<img class="logo" src="/the-real-logo.png">'
    html = page(
        "<title>Acme | Shop</title>",
        images + late_logo + '<footer><a href="https://instagram.com/acme">ig</a></footer>',
    )
    html += b"<!--" + b"x" * (2 * 1024 * 1024 - len(html)) + b"-->"
    evidence = analyze_page(html, BASE)
    urls = [c.url for c in evidence.logo_candidates]
    assert len(urls) == MAX_LOGO_CANDIDATES
    assert urls[0] == "https://www.acme.com/p/0.jpg"
    assert "https://www.acme.com/the-real-logo.png" not in urls  # past the first MAX_IMAGES
    assert f"https://www.acme.com/p/{MAX_IMAGES}.jpg" not in urls
    assert evidence.name == "Acme"
    assert evidence.social_links == [{"network": "instagram", "url": "https://instagram.com/acme"}]


def test_garbage_does_not_raise() -> None:
    for html in [b"", b"\x00\xff\xfe", b"<html><img src='http://[::1'><a href='http://[x'>", b"<"]:
        evidence = analyze_page(html, BASE)
        assert evidence.final_url == BASE
        assert evidence.logo_candidates == []


def test_a_wall_of_partner_logos_ranks_below_the_brand_logo_even_in_the_footer() -> None:
    html = page(
        "<title>Hero Coffee</title>",
        """<section class="our-partners"><div class="logo-grid"><img src="/p/globex.png"
        alt="Globex logo"><img src="/p/initech.png" alt="Initech logo"></div></section>
        <footer><a href="/"><img class="footer-logo" src="/hero-logo.png"></a></footer>""",
    )
    urls = [url.removeprefix(BASE) for _, url in sources(html)]
    assert urls == ["hero-logo.png", "p/globex.png", "p/initech.png"]
    # "hero" is a penalised word, but not when it is the brand's own name.
    assert analyze_page(html, BASE).logo_candidates[0].score == 80 - 10 + 5
