"""What one fetched HTML page says about its brand: name, logo candidates, colors, fonts, links.

Pure analysis (no network, no database). Every loop over the document is capped, so a hostile
2 MiB page with 10,000 images costs about a quarter of a second (bench/bench_extraction.py).
"""

from __future__ import annotations

import codecs
import re
from urllib.parse import parse_qsl, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from .css import analyze_css, parse_color
from .evidence import ColorEvidence, FontEvidence, LogoCandidate, PageEvidence

MAX_IMAGES = 300  # <img> elements looked at, in document order
MAX_LINKS = 200  # <a> elements looked at for social links: the first 150 and the last 50
MAX_HEAD_ELEMENTS = 300  # <meta> and <link> elements each
MAX_SVGS = 300
MAX_STYLE_ATTRIBUTES = 500
MAX_STYLE_BLOCKS = 100
MAX_INLINE_CSS_CHARS = 256 * 1024
MAX_STYLESHEETS = 4
MAX_LOGO_CANDIDATES = 20
MAX_SOCIAL_LINKS = 10

# Logo scores run from 0 to 100: 70 and up is an image that says it is the logo, 40–60 the
# first header image or a touch icon, 30–40 a favicon, about 20 the og:image (a last resort:
# usually a banner, but it still comes first when nothing else is there). Penalties can sink a
# candidate to 0 or below, and those are dropped.
SCORE_LOGO_OWN = 80.0  # class/id/alt/file name of the <img> itself says logo/brand
SCORE_LOGO_ANCESTOR = 75.0  # only a parent does (<a class="navbar-brand"><img></a>)
SCORE_ALT_IS_NAME = 70.0  # no logo word, but the alt text is the brand name
SCORE_HEADER_IMAGE = 50.0
SCORE_TOUCH_ICON = 40.0
SCORE_ICON = 30.0
SCORE_OG_IMAGE = 20.0
BONUS_ALT_IS_NAME = 10.0
BONUS_IN_HEADER = 5.0
BONUS_HOME_LINK = 5.0
PENALTY_IN_FOOTER = 10.0
PENALTY_SVG = 25.0  # still listed, but the job refuses SVG: rank raster images first
PENALTY_NOT_A_LOGO = 60.0  # sprite, hero, avatar, a wall of partner logos, payment badges

_LOGO_WORDS = re.compile(r"logo|brand")
# Whole words only ("hero-banner", "payment_icons", "partners"; not "heroku").
_NOT_LOGO_WORDS = re.compile(
    r"(?<![a-z])(sprite|banner|hero|avatar|payment|visa|mastercard|amex|paypal|klarna|"
    r"apple-?pay|badge|partner|client|customer|sponsor)s?(?![a-z])"
)
_TITLE_SEPARATORS = re.compile(r"\s+[|\-—–·»]\s+|:\s+|\s+::\s+")
_GENERIC_TITLE_WORDS = {
    "home", "homepage", "home page", "welcome", "index", "start", "main", "shop", "store",
    "blog", "about", "about us", "contact", "official site", "official website", "startseite",
    "accueil", "inicio",
}  # fmt: skip
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)

# host (without www.) → network; pinterest has a domain per country.
_SOCIAL_HOSTS = {
    "facebook.com": "facebook", "fb.com": "facebook", "instagram.com": "instagram",
    "twitter.com": "x", "x.com": "x", "linkedin.com": "linkedin", "youtube.com": "youtube",
    "tiktok.com": "tiktok", "github.com": "github", "pinterest.com": "pinterest",
    "threads.net": "threads", "threads.com": "threads", "discord.gg": "discord",
    "discord.com": "discord", "dribbble.com": "dribbble", "behance.net": "behance",
    "medium.com": "medium",
}  # fmt: skip
# Paths that share a page or show one post rather than the brand's profile.
_NOT_A_PROFILE = re.compile(
    r"^/(sharer|share|intent|sharearticle|sharing|dialog|plugins|pin/create|watch|embed|"
    r"results|p|reel|explore|hashtag|search|home|login|signup)(\b|$)|/status/|/post/",
    re.IGNORECASE,
)
_GOOGLE_FONTS_IMPORT = re.compile(
    r"""@import\s+(?:url\()?\s*["']?(https?://fonts\.googleapis\.com/[^"')\s;]+)"""
)
_NETWORK_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,49}")


def analyze_page(html: bytes, base_url: str, content_type: str = "") -> PageEvidence:
    """The brand evidence of one HTML page; `base_url` is the page's final URL."""
    tree = LexborHTMLParser(_decode(html, content_type))
    evidence = PageEvidence(final_url=base_url)
    base = _document_base(tree, base_url)
    metas = _metas(tree)

    evidence.name, evidence.name_source = _brand_name(tree, metas, base_url)
    description = metas.get("description") or metas.get("og:description")
    evidence.description = " ".join(description.split())[:500] if description else None
    evidence.theme_color = _theme_color(tree)
    if evidence.theme_color:
        evidence.colors.append(ColorEvidence(hex=evidence.theme_color, weight=1.0, role="theme"))

    links = tree.css("link")[:MAX_HEAD_ELEMENTS]
    candidates = _image_candidates(tree, base, evidence.name)
    candidates += _icon_candidates(links, base)
    candidates += _og_image_candidates(metas, base)
    evidence.logo_candidates = _best_first(candidates)
    evidence.inline_svg_logos = _count_svg_logos(tree, evidence.name)

    evidence.inline_css = _inline_css(tree)
    google_urls = []
    for link in links:
        url = _stylesheet_url(link, base)
        if url and urlsplit(url).hostname == "fonts.googleapis.com":
            google_urls.append(url)
        elif (
            url
            and url not in evidence.stylesheet_urls
            and len(evidence.stylesheet_urls) < MAX_STYLESHEETS
        ):
            evidence.stylesheet_urls.append(url)
    for css in evidence.inline_css:
        google_urls += _GOOGLE_FONTS_IMPORT.findall(css)
    families = dict.fromkeys(f for url in google_urls for f in google_font_families(url))
    evidence.fonts += [FontEvidence(family=f, weight=1.0, role="google") for f in families]

    inline = analyze_css([], style_attributes=_style_attributes(tree))
    evidence.colors += inline.colors
    evidence.fonts += inline.fonts
    evidence.social_links = _social_links(tree, base)
    return evidence


def _decode(html: bytes, content_type: str) -> str:
    """Bytes to text: BOM, then the HTTP charset, then a <meta> in the first 2 KiB, else UTF-8."""
    if html.startswith(codecs.BOM_UTF8):
        return html[3:].decode("utf-8", errors="replace")
    declared = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
    if declared and _known_encoding(declared[1]):
        return html.decode(declared[1], errors="replace")
    sniffed = _CHARSET.search(html[:2048])
    encoding = sniffed[1].decode("ascii") if sniffed else "utf-8"
    # HTML: a <meta> that claims UTF-16 was read as ASCII, so it means UTF-8.
    if not _known_encoding(encoding) or encoding.lower().startswith("utf-16"):
        encoding = "utf-8"
    return html.decode(encoding, errors="replace")


def _known_encoding(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def _document_base(tree: LexborHTMLParser, base_url: str) -> str:
    base = tree.css_first("base[href]")
    if base is not None:
        url = urljoin(base_url, base.attrs.sget("href").strip())
        if urlsplit(url).scheme in ("http", "https"):
            return url
    return base_url


def _absolute(base: str, href: str) -> str | None:
    """An http(s) URL for an attribute value; None for data:, javascript: and broken ones."""
    href = href.strip()
    if not href or href.startswith(("data:", "#")):
        return None
    try:
        url = urljoin(base, href)
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts._replace(fragment="").geturl()


def _metas(tree: LexborHTMLParser) -> dict[str, str]:
    """The first content of each <meta name/property>, keyed in lower case."""
    metas: dict[str, str] = {}
    for meta in tree.css("meta")[:MAX_HEAD_ELEMENTS]:
        key = (meta.attrs.sget("property") or meta.attrs.sget("name")).strip().lower()
        content = meta.attrs.sget("content").strip()
        if key and content:
            metas.setdefault(key, content)
    return metas


def _brand_name(
    tree: LexborHTMLParser, metas: dict[str, str], base_url: str
) -> tuple[str | None, str | None]:
    for key in ("og:site_name", "application-name"):
        if metas.get(key):
            return _clip(metas[key]), key
    title = tree.css_first("title")
    titles = [metas.get("og:title", ""), title.text() if title is not None else ""]
    domain = _domain_label(base_url)
    cleaned = [_clean_title(t, domain) for t in titles if t.strip()]
    for name, matches_domain in cleaned:
        if matches_domain:
            return _clip(name), "title"
    return (_clip(cleaned[0][0]), "title") if cleaned else (None, None)


def _clip(text: str) -> str:
    return " ".join(text.split())[:200]


def _domain_label(url: str) -> str:
    """`https://www.acme-coffee.co.uk/` → `acmecoffee`: the name part of the host."""
    labels = (urlsplit(url).hostname or "").removeprefix("www.").split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and len(labels[-2]) <= 3:
        labels = labels[:-1]  # co.uk, com.au
    return re.sub(r"[^a-z0-9]", "", labels[-2] if len(labels) >= 2 else labels[0])


def _clean_title(title: str, domain: str) -> tuple[str, bool]:
    """The brand part of a title, and whether it matches the domain name."""
    segments = [s.strip() for s in _TITLE_SEPARATORS.split(" ".join(title.split()))]
    segments = [re.sub(r"^welcome to\s+", "", s, flags=re.IGNORECASE) for s in segments if s]
    for segment in segments:
        key = re.sub(r"[^a-z0-9]", "", segment.lower())
        if len(key) >= 3 and len(domain) >= 3 and (key in domain or domain in key):
            return segment, True
    specific = [s for s in segments if s.lower() not in _GENERIC_TITLE_WORDS]
    return min(specific or segments or [title.strip()], key=len), False


def _theme_color(tree: LexborHTMLParser) -> str | None:
    metas = tree.css('meta[name="theme-color" i]')[:10]
    plain = [m for m in metas if not m.attrs.sget("media").strip()]
    light = [m for m in metas if "light" in m.attrs.sget("media").lower()]
    for meta in plain + light + metas:
        color = parse_color(meta.attrs.sget("content"))
        if color:
            return color
    return None


def _words(node: LexborNode) -> str:
    if not node.is_element_node:
        return ""  # the document itself
    return f"{node.attrs.sget('class')} {node.attrs.sget('id')}".lower()


def _dimension(value: str) -> int | None:
    match = re.fullmatch(r"\s*(\d{1,5})(?:px)?\s*", value)
    return int(match[1]) if match else None


def _srcset_best(srcset: str) -> str:
    """The largest candidate of a srcset (by `w` or `x` descriptor), or ""."""
    best, best_size = "", -1.0
    for candidate in re.split(r",\s+", srcset.strip()):
        parts = candidate.split()
        if not parts:
            continue
        size = 1.0
        if len(parts) > 1 and re.fullmatch(r"\d+(\.\d+)?[wx]", parts[1]):
            size = float(parts[1][:-1])
        if size > best_size:
            best, best_size = parts[0], size
    return best


def _image_url(img: LexborNode, base: str) -> str | None:
    attrs = img.attrs
    options = [_srcset_best(attrs.sget("srcset")), attrs.sget("src")]
    options += [attrs.sget("data-src"), attrs.sget("data-lazy-src")]
    parent = img.parent
    if parent is not None and parent.tag == "picture":
        options += [_srcset_best(s.attrs.sget("srcset")) for s in parent.css("source")[:5]]
    for option in options:
        url = _absolute(base, option)
        if url:
            return url
    return None


def _image_candidates(tree: LexborHTMLParser, base: str, name: str | None) -> list[LogoCandidate]:
    candidates = []
    header_image_seen = False
    root = urljoin(base, "/")
    home = {root, root.rstrip("/"), "/"}
    for img in tree.css("img")[:MAX_IMAGES]:
        url = _image_url(img, base)
        if url is None:
            continue
        width, height = _dimension(img.attrs.sget("width")), _dimension(img.attrs.sget("height"))
        if (width is not None and width <= 2) or (height is not None and height <= 2):
            continue  # a tracking pixel
        alt = " ".join(img.attrs.sget("alt").split())[:200]
        filename = urlsplit(url).path.rsplit("/", 1)[-1].lower()
        own = f"{_words(img)} {alt.lower()} {filename}"
        ancestors, in_header, in_footer, home_link = [], False, False, False
        node, depth = img.parent, 0
        while node is not None and node.tag not in ("body", "html") and depth < 15:
            if depth < 3:
                ancestors.append(_words(node))
            in_header = in_header or node.tag in ("header", "nav")
            in_header = in_header or node.attrs.sget("role") == "banner"
            in_footer = in_footer or node.tag == "footer"
            if node.tag == "a" and node.attrs.sget("href").strip() in home:
                home_link = True
            node, depth = node.parent, depth + 1
        alt_is_name = bool(name) and alt.lower() == (name or "").lower()

        if _LOGO_WORDS.search(own):
            score, source = SCORE_LOGO_OWN, "img-logo"
        elif any(_LOGO_WORDS.search(words) for words in ancestors):
            score, source = SCORE_LOGO_ANCESTOR, "img-logo"
        elif alt_is_name:
            score, source, alt_is_name = SCORE_ALT_IS_NAME, "img-logo", False
        elif in_header and not header_image_seen:
            score, source, header_image_seen = SCORE_HEADER_IMAGE, "header-img", True
        else:
            continue
        score += BONUS_ALT_IS_NAME if alt_is_name else 0
        score += BONUS_IN_HEADER if in_header else 0
        score += BONUS_HOME_LINK if home_link else 0
        score -= PENALTY_IN_FOOTER if in_footer else 0
        score -= PENALTY_SVG if filename.endswith(".svg") else 0
        not_logo = set(_NOT_LOGO_WORDS.findall(" ".join([own, *ancestors])))
        if not_logo - set((name or "").lower().split()):  # a brand may be called Hero
            score -= PENALTY_NOT_A_LOGO
        candidates.append(LogoCandidate(url, source, score, alt, width, height))
    return candidates


def _icon_candidates(links: list[LexborNode], base: str) -> list[LogoCandidate]:
    candidates = []
    for link in links:
        rel = link.attrs.sget("rel").lower().split()
        if "apple-touch-icon" in rel or "apple-touch-icon-precomposed" in rel:
            source, score, default_size = "apple-touch-icon", SCORE_TOUCH_ICON, 180
        elif "icon" in rel:
            source, score, default_size = "icon", SCORE_ICON, None
        else:
            continue
        url = _absolute(base, link.attrs.sget("href"))
        if url is None:
            continue
        sizes = re.findall(r"(\d{1,4})x(\d{1,4})", link.attrs.sget("sizes").lower())
        width, height = max((int(w), int(h)) for w, h in sizes) if sizes else (None, None)
        size = width or default_size or 0
        score += min(size, 512) / 64  # up to +8: a larger icon is a better logo stand-in
        if urlsplit(url).path.lower().endswith(".svg") or "svg" in link.attrs.sget("type"):
            score -= PENALTY_SVG / 2
        candidates.append(LogoCandidate(url, source, score, width=width, height=height))
    return candidates


def _og_image_candidates(metas: dict[str, str], base: str) -> list[LogoCandidate]:
    keys = ("og:image", "og:image:secure_url", "og:image:url", "twitter:image")
    urls = [_absolute(base, metas[key]) for key in keys if key in metas]
    return [LogoCandidate(url, "og-image", SCORE_OG_IMAGE) for url in urls if url]


def _best_first(candidates: list[LogoCandidate]) -> list[LogoCandidate]:
    """Sorted by score (document order on ties), one per URL, the positive ones only."""
    best: dict[str, LogoCandidate] = {}
    for candidate in sorted(candidates, key=lambda c: -c.score):
        if candidate.score > 0:
            best.setdefault(candidate.url, candidate)
    return list(best.values())[:MAX_LOGO_CANDIDATES]


def _count_svg_logos(tree: LexborHTMLParser, name: str | None) -> int:
    count = 0
    for svg in tree.css("svg")[:MAX_SVGS]:
        title = svg.css_first("title")
        label = f"{svg.attrs.sget('aria-label')} {title.text() if title else ''}".lower()
        words = [_words(svg)]
        node = svg.parent
        for _ in range(3):
            if node is None or node.tag in ("body", "html"):
                break
            words.append(_words(node))
            node = node.parent
        says_logo = any(_LOGO_WORDS.search(w) for w in [*words, label])
        if says_logo or (name and name.lower() in label):
            count += 1
    return count


def _inline_css(tree: LexborHTMLParser) -> list[str]:
    blocks, total = [], 0
    for style in tree.css("style")[:MAX_STYLE_BLOCKS]:
        if style.attrs.sget("media").strip().lower() == "print":
            continue
        text = style.text()[: MAX_INLINE_CSS_CHARS - total]
        if text.strip():
            blocks.append(text)
            total += len(text)
        if total >= MAX_INLINE_CSS_CHARS:
            break
    return blocks


def _stylesheet_url(link: LexborNode, base: str) -> str | None:
    if "stylesheet" not in link.attrs.sget("rel").lower().split():
        return None
    if "alternate" in link.attrs.sget("rel").lower().split():
        return None
    # media="print" with onload="this.media='all'" is the usual trick to load CSS late.
    media = link.attrs.sget("media").strip().lower()
    if media == "print" and "media" not in link.attrs.sget("onload"):
        return None
    return _absolute(base, link.attrs.sget("href"))


def google_font_families(url: str) -> list[str]:
    """Families of a Google Fonts stylesheet URL, css2 (`family=Inter:wght@400`) or v1."""
    families = []
    for key, value in parse_qsl(urlsplit(url).query):
        if key != "family":
            continue
        for family in value.split("|"):
            name = " ".join(family.split(":", 1)[0].split())
            if name and name not in families:
                families.append(name[:100])
    return families


def _style_attributes(tree: LexborHTMLParser) -> list[str | tuple[str, str]]:
    """(a selector describing the element, its style) pairs, for css.analyze_css."""
    pairs: list[str | tuple[str, str]] = []
    for node in tree.css("[style]")[:MAX_STYLE_ATTRIBUTES]:
        classes = "".join(f".{name}" for name in node.attrs.sget("class").split())
        kind = node.attrs.sget("type").strip().lower()
        selector = f"{node.tag}{classes}" + (f"[type={kind}]" if kind.isalnum() else "")
        pairs.append((selector, node.attrs.sget("style")))
    return pairs


def _social_links(tree: LexborHTMLParser, base: str) -> list[dict[str, str]]:
    anchors = tree.css("a[href]")
    # Social links usually sit in the footer: look at both ends of a long page.
    if len(anchors) > MAX_LINKS:
        anchors = anchors[: MAX_LINKS * 3 // 4] + anchors[-MAX_LINKS // 4 :]
    found: dict[str, str] = {}
    for anchor in anchors:
        url = _absolute(base, anchor.attrs.sget("href"))
        if url is None:
            continue
        parts = urlsplit(url)
        host = (parts.hostname or "").removeprefix("www.").removeprefix("m.")
        network = _SOCIAL_HOSTS.get(host)
        if network is None and re.fullmatch(r"([a-z]{2}\.)?pinterest\.[a-z.]{2,6}", host):
            network = "pinterest"
        if network is None and host.endswith(".medium.com"):
            network = "medium"
        if network is None or network in found or not _NETWORK_NAME.fullmatch(network):
            continue
        if not parts.path.strip("/") and not host.endswith(".medium.com"):
            continue  # the network's home page
        if _NOT_A_PROFILE.search(parts.path):
            continue
        found[network] = url
        if len(found) >= MAX_SOCIAL_LINKS:
            break
    return [{"network": network, "url": url} for network, url in found.items()]
