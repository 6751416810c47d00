"""Brand import ("extraction"): the pure stages on their own, then whole jobs end to end.

In this process, no Django, p50/p95 over N runs of:

- `apps.brand_kits.extraction.page.analyze_page` on the three fixture sites' HTML
  (`{{ORIGIN}}` filled in as `tests/brand_kits/site_server.py` does) and on a synthetic 2 MiB
  page with 10,000 `<img>` (the most the job downloads as a page);
- `apps.brand_kits.extraction.css.analyze_css` on each fixture site's CSS (its inline `<style>`
  plus its stylesheet files, as the job passes them) and on a synthetic dense 512 KiB stylesheet
  (the most the job reads per sheet), next to tinycss2's bare tokenizing of the same text;
- `apps.brand_kits.extraction.palette.dominant_colors` on the fixture logos, on a 12-megapixel
  JPEG of just under 5 MiB (the most the job downloads per image) and on a 40-megapixel PNG logo
  with transparency (the largest image an Asset may be; PNG has no reduced-scale decode).

Then, in a fresh interpreter started first (so that its peak RSS is the job's, not the
synthetic inputs'): the fixture sites served on 127.0.0.1 by `serve_sites()`, Django on a
throwaway SQLite database and media folder in a temp dir, `SEGMENTFLOW_FETCH_ALLOW=127.0.0.1/32`
and a resolver that knows no other host, one Organization and Brand Kit, and for each site
`run_extraction(id)` called directly (no task queue) on a new BrandExtraction, several times:
the first run, p50/p95 of the rest, where the time went, and the process's peak RSS.

    .venv/bin/python bench/bench_extraction.py [--runs 30] [--job-runs 8]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SITES = ROOT / "tests" / "brand_kits" / "sites"
ORIGIN = "http://127.0.0.1:8000"
# site → (page file, the page's URL, its stylesheet files)
FIXTURE_PAGES = {
    "coffee": (
        "coffee/index.html",
        f"{ORIGIN}/",
        [
            "coffee/wp-includes/css/dist/block-library/style.min.css",
            "coffee/wp-content/themes/roastery/style.css",
        ],
    ),
    "saas": (
        "saas/index.html",
        f"{ORIGIN}/",
        ["saas/assets/css/vendor.min.css", "saas/assets/css/northwind.css"],
    ),
    "travel": ("travel/en/index.html", f"{ORIGIN}/en/", ["travel/assets/css/main.css"]),
}
# The images the job keeps as logos for the three sites.
FIXTURE_LOGOS = {
    "coffee logo (PNG 480×192, alpha)": "coffee/wp-content/uploads/2024/03/kettle-crow-logo.png",
    "coffee touch icon (PNG 180×180)": (
        "coffee/wp-content/uploads/2024/03/cropped-kettle-crow-icon-180x180.png"
    ),
    "saas logo (JPEG 384×96)": "saas/assets/img/northwind-logo.jpg",
    "travel og:image (PNG 1200×630)": "travel/assets/img/azura-travel-og.png",
}
MiB = 1024 * 1024
PAGE_BYTES = 2 * MiB  # extraction.PAGE_MAX_BYTES
CSS_BYTES = 512 * 1024  # extraction.STYLESHEET_MAX_BYTES
PHOTO_MAX_BYTES = 5 * MiB  # extraction.IMAGE_MAX_BYTES


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=30, help="timed calls per pure measurement")
    parser.add_argument("--job-runs", type=int, default=8, help="extractions per fixture site")
    parser.add_argument("--skip-job", action="store_true", help="only the pure stages")
    parser.add_argument("--measure-job", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


# --- Figures ----------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def time_runs(action: Callable[[], object], runs: int) -> tuple[float, float]:
    """p50 and p95 in ms of `runs` calls, after one warm-up call."""
    action()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return percentile(samples, 0.50), percentile(samples, 0.95)


def row(*cells: object) -> None:
    print("| " + " | ".join(str(cell) for cell in cells) + " |")


def ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


def size(n: int) -> str:
    return f"{n / MiB:.2f} MiB" if n >= MiB else f"{n / 1024:.1f} KiB"


# --- Synthetic inputs -------------------------------------------------------------------------


def many_images_page() -> bytes:
    """A gallery page just under 2 MiB: a header logo, then 10,000 captioned photos."""
    head = "\n".join(
        [
            "<!doctype html>",
            '<html lang="en"><head><meta charset="utf-8">',
            "<title>Gallery Co — every photo we ever took</title>",
            '<meta property="og:site_name" content="Gallery Co">',
            '<meta name="theme-color" content="#7c3aed">',
            '<link rel="stylesheet" href="/assets/site.css">',
            '<link rel="icon" href="/favicon-32x32.png" sizes="32x32">',
            "</head><body>",
            '<header class="site-header"><a class="logo" href="/">',
            '<img src="/gallery-logo.png" alt="Gallery Co logo" width="200" height="80">',
            "</a><nav><a href='/about'>About</a> <a href='https://instagram.com/galleryco'>"
            "Instagram</a></nav></header>",
            "<main><h1>The archive</h1><div class='grid'>",
        ]
    )
    tail = "</div></main><footer>© Gallery Co</footer></body></html>"
    figures = []
    for n in range(10_000):
        figures.append(
            f'<figure class="photo"><a href="/photos/{n:05d}"><img src="/img/{n:05d}.jpg" '
            f'alt="Photo {n}" width="300" height="200" loading="lazy" style="border: 0"></a>'
            f"<figcaption>Photo {n}</figcaption></figure>"
        )
    body = "\n".join(figures)
    room = PAGE_BYTES - len(head) - len(tail) - 64
    filler = " <p>More photos every week, straight from the studio.</p>"
    body += filler * max(0, (room - len(body)) // len(filler))
    page = (head + body + tail).encode()
    assert len(page) <= PAGE_BYTES, len(page)
    return page


def dense_stylesheet(seed: int = 7) -> str:
    """A realistic, minified-ish 512 KiB stylesheet: custom properties, components with states,
    hex/rgb/hsl/var() colors, font stacks, media queries and a few @font-face."""
    rng = random.Random(seed)
    hexes = [f"#{rng.randrange(0x1000000):06x}" for _ in range(120)]
    palette = ["primary", "secondary", "accent", "success", "danger", "muted", "surface", "ink"]
    parts = [
        ":root{"
        + "".join(f"--color-{name}:{rng.choice(hexes)};" for name in palette)
        + "".join(f"--gray-{n}00:{rng.choice(hexes)};" for n in range(1, 10))
        + "--font-body:Inter,system-ui,-apple-system,sans-serif;"
        + "--font-heading:'Playfair Display',Georgia,serif;}"
    ]
    for family in ("Inter", "Playfair Display", "JetBrains Mono"):
        parts.append(
            f"@font-face{{font-family:'{family}';src:url(/fonts/{family.replace(' ', '')}"
            ".woff2) format('woff2');font-weight:400;font-display:swap}"
        )
    components = ["btn", "card", "nav", "hero", "badge", "alert", "modal", "table", "form", "tag"]
    elements = ["title", "body", "footer", "icon", "link", "header", "item", "label"]
    states = ["", ":hover", ":focus", ":focus-visible", ":active", "::before", ".is-active"]
    properties = [
        lambda: f"color:{rng.choice(hexes)}",
        lambda: f"background-color:{rng.choice(hexes)}",
        lambda: f"border:1px solid {rng.choice(hexes)}",
        lambda: f"color:var(--color-{rng.choice(palette)})",
        lambda: f"background:var(--gray-{rng.randrange(1, 10)}00)",
        lambda: f"color:rgb({rng.randrange(256)},{rng.randrange(256)},{rng.randrange(256)})",
        lambda: f"box-shadow:0 1px 2px rgba(0,0,0,.{rng.randrange(5, 30)})",
        lambda: f"border-color:hsl({rng.randrange(360)},{rng.randrange(20, 90)}%,50%)",
        lambda: "font-family:var(--font-body)",
        lambda: f"font-size:{rng.randrange(12, 40)}px",
        lambda: f"padding:{rng.randrange(0, 24)}px {rng.randrange(0, 32)}px",
        lambda: f"margin:0 0 {rng.randrange(0, 24)}px",
        lambda: "display:flex",
        lambda: f"line-height:{rng.choice(('1.2', '1.4', '1.5', '1.6'))}",
        lambda: f"border-radius:{rng.randrange(0, 12)}px",
        lambda: "transition:color .15s ease-in-out,background-color .15s ease-in-out",
    ]

    def rule() -> str:
        component = rng.choice(components)
        variant = f"{component}-{rng.randrange(40)}"
        selectors = [
            f".{variant}{rng.choice(states)}",
            f".{component}__{rng.choice(elements)}{rng.choice(states)}",
        ][: rng.randrange(1, 3)]
        if rng.random() < 0.15:
            selectors.append(f"{rng.choice(('a', 'button', 'h2', 'li'))}.{variant}")
        declarations = ";".join(rng.choice(properties)() for _ in range(rng.randrange(1, 5)))
        return f"{','.join(selectors)}{{{declarations}}}"

    total = sum(len(part) for part in parts)
    while total < CSS_BYTES:
        if rng.random() < 0.1:
            width = rng.choice((576, 768, 992, 1200))
            inner = "".join(rule() for _ in range(rng.randrange(3, 12)))
            part = f"@media (min-width:{width}px){{{inner}}}"
        else:
            part = rule()
        parts.append(part)
        total += len(part)
    return "".join(parts)[:CSS_BYTES]


def big_photo() -> bytes:
    """A camera-like 4000×3000 JPEG (gradients under noise), as large as fits in 5 MiB."""
    from PIL import Image

    width, height = 4000, 3000
    gradient = Image.linear_gradient("L").resize((width, height))
    channels = []
    for sigma, flip in ((28, False), (32, True), (24, False)):
        noise = Image.effect_noise((width, height), sigma)
        base = gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if flip else gradient
        channels.append(Image.blend(base, noise, 0.3))
    photo = Image.merge("RGB", channels)
    for quality in range(95, 60, -1):
        out = io.BytesIO()
        photo.save(out, "JPEG", quality=quality)
        if out.tell() <= PHOTO_MAX_BYTES:
            return out.getvalue()
    raise AssertionError("no quality gives a JPEG under 5 MiB")


def big_png_logo() -> bytes:
    """A 40-megapixel (8000×5000) PNG logo: flat colored shapes on a transparent background."""
    from PIL import Image, ImageDraw

    logo = Image.new("RGBA", (8000, 5000), (0, 0, 0, 0))
    draw = ImageDraw.Draw(logo)
    draw.rounded_rectangle((400, 400, 4600, 4600), radius=600, fill="#b4532a")
    draw.ellipse((5000, 1000, 7600, 3600), fill="#2b1d14")
    draw.rectangle((400, 4700, 7600, 4900), fill="#fbf7f2")
    out = io.BytesIO()
    logo.save(out, "PNG")
    return out.getvalue()


# --- Pure stages ------------------------------------------------------------------------------


def bench_pure(runs: int) -> None:
    import tinycss2
    from PIL import Image
    from selectolax.lexbor import LexborHTMLParser

    from apps.brand_kits.extraction.css import MAX_RULES, _cut, analyze_css
    from apps.brand_kits.extraction.page import analyze_page
    from apps.brand_kits.extraction.palette import dominant_colors

    print("## analyze_page")
    print()
    row("page", "size", "p50 ms", "p95 ms")
    row("---", "---", "---", "---")
    inline_css: dict[str, list[str]] = {}
    for site, (file, url, _) in FIXTURE_PAGES.items():
        html = (SITES / file).read_bytes().replace(b"{{ORIGIN}}", ORIGIN.encode())
        inline_css[site] = analyze_page(html, url, "text/html; charset=utf-8").inline_css
        p50, p95 = time_runs(
            lambda html=html, url=url: analyze_page(html, url, "text/html; charset=utf-8"), runs
        )
        row(f"{site} (`{file}`)", size(len(html)), ms(p50), ms(p95))
    gallery = many_images_page()
    evidence = analyze_page(gallery, f"{ORIGIN}/", "text/html; charset=utf-8")
    assert evidence.logo_candidates[0].url.endswith("/gallery-logo.png"), evidence.logo_candidates
    p50, p95 = time_runs(lambda: analyze_page(gallery, f"{ORIGIN}/", "text/html"), runs)
    images = gallery.count(b"<img ") - 1
    label = f"synthetic gallery: a header logo + {images:,} `<img>`"
    row(label, size(len(gallery)), ms(p50), ms(p95))
    text = gallery.decode()
    p50, p95 = time_runs(lambda: LexborHTMLParser(text), runs)
    row("· selectolax (lexbor) parse alone, same page", size(len(gallery)), ms(p50), ms(p95))
    tree = LexborHTMLParser(text)
    p50, p95 = time_runs(lambda: tree.css("meta"), runs)
    row('· one `tree.css("meta")` over the parsed page', "", ms(p50), ms(p95))
    print()

    print("## analyze_css")
    print()
    row("CSS", "size", "rules", "p50 ms", "p95 ms")
    row("---", "---", "---", "---", "---")
    for site, (_, _, sheets) in FIXTURE_PAGES.items():
        texts = inline_css[site] + [(SITES / sheet).read_text() for sheet in sheets]
        chars = sum(len(text) for text in texts)
        rules = sum(text.count("}") for text in texts)
        p50, p95 = time_runs(lambda texts=texts: analyze_css(texts), runs)
        label = f"{site}: inline `<style>` + {len(sheets)} sheet{'s' * (len(sheets) > 1)}"
        row(label, size(chars), f"~{rules}", ms(p50), ms(p95))
    sheet = dense_stylesheet()
    braces = sheet.count("}")
    css_runs = max(3, runs // 3)
    p50, p95 = time_runs(lambda: analyze_css([sheet]), css_runs)
    row("synthetic dense stylesheet", size(len(sheet)), f"~{braces:,}", ms(p50), ms(p95))
    kept = _cut(sheet, MAX_RULES)
    p50, p95 = time_runs(
        lambda: tinycss2.parse_stylesheet(kept, skip_comments=True, skip_whitespace=True),
        css_runs,
    )
    label = f"· tinycss2.parse_stylesheet alone, on the {MAX_RULES:,} rules analyze_css keeps"
    row(label, size(len(kept)), "", ms(p50), ms(p95))
    print(f"(synthetic rows: {css_runs} runs; `}}` counted as rules, @media blocks included)")
    print()

    print("## dominant_colors")
    print()
    row("image", "size", "p50 ms", "p95 ms", "colors")
    row("---", "---", "---", "---", "---")
    inputs = [(label, (SITES / path).read_bytes()) for label, path in FIXTURE_LOGOS.items()]
    inputs.append(("12 MP JPEG 4000×3000 (photo-like)", big_photo()))
    inputs.append(("40 MP PNG 8000×5000, alpha (flat logo)", big_png_logo()))
    for label, data in inputs:
        colors = dominant_colors(data)
        image_runs = runs if len(data) < MiB else max(5, runs // 3)
        p50, p95 = time_runs(lambda data=data: dominant_colors(data), image_runs)
        found = " ".join(color for color, _ in colors[:3])
        row(label, size(len(data)), ms(p50), ms(p95), found)
    print(f"(images over 1 MiB: {max(5, runs // 3)} runs; Pillow {Image.__version__})")
    print()


# --- The whole job ----------------------------------------------------------------------------


def status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def only_loopback(host: str, port: int, **kwargs: Any) -> list[tuple[Any, ...]]:
    """The resolver for the job: 127.0.0.1 and nothing else (no DNS query leaves the box)."""
    if host != "127.0.0.1":
        raise socket.gaierror(socket.EAI_NONAME, f"bench resolves 127.0.0.1 only, not {host}")
    return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]


def measure_job(job_runs: int) -> None:
    """Child process: Django on a throwaway database, then the extractions; prints JSON."""
    with tempfile.TemporaryDirectory(prefix="sf-bench-extraction-") as var_dir:
        os.environ.update(
            {
                "DEBUG": "0",
                "SECRET_KEY": "bench-only",
                "ALLOWED_HOSTS": "testserver",
                "SEGMENTFLOW_VAR_DIR": var_dir,
                "SEGMENTFLOW_FETCH_ALLOW": "127.0.0.1/32",
                "DJANGO_SETTINGS_MODULE": "segmentflow.settings",
                "LOG_LEVEL": "WARNING",
            }
        )
        for name in ("DATABASE_URL", "SEGMENTFLOW_S3_BUCKET"):
            os.environ.pop(name, None)
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        try:
            print(json.dumps(run_jobs(job_runs)))
        finally:
            connections.close_all()


def run_jobs(job_runs: int) -> dict[str, Any]:
    from apps.accounts.models import Organization
    from apps.assets.models import Asset
    from apps.brand_kits.extraction import css, page, palette
    from apps.brand_kits.extraction import job as extraction
    from apps.brand_kits.models import BrandExtraction, BrandKit
    from segmentflow import fetching
    from tests.brand_kits.site_server import serve_sites

    fetching.DEFAULT_RESOLVER = only_loopback
    stages: dict[str, float] = defaultdict(float)

    def timed(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                stages[name] += time.perf_counter() - started

        return wrapper

    # Where the job's time goes; each wrapper costs about a microsecond.
    fetching.fetch = timed("fetch (HTTP on 127.0.0.1)", fetching.fetch)
    page.analyze_page = timed("analyze_page", page.analyze_page)
    css.analyze_css = timed("analyze_css (inline + sheets)", css.analyze_css)
    extraction.import_asset = timed(
        "import_asset (store + finalize each logo)", extraction.import_asset
    )
    palette.dominant_colors = timed("dominant_colors", palette.dominant_colors)
    palette.propose_colors = timed("propose_colors", palette.propose_colors)

    org = Organization.objects.create(name="Bench", slug="bench")
    kit = BrandKit.objects.create(organization=org, name="Bench brand", is_default=True)
    rss_before = status_kib("VmRSS")
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    results: dict[str, Any] = {"sites": {}}
    with serve_sites() as sites:
        for site, url in sites.items():
            samples, per_stage = [], defaultdict(float)
            for _ in range(job_runs):
                created = BrandExtraction.objects.create(organization=org, brand_kit=kit, url=url)
                stages.clear()
                started = time.perf_counter()
                done = extraction.run_extraction(created.pk)
                samples.append((time.perf_counter() - started) * 1000)
                assert done is not None and done.status == "succeeded", (done and done.error, url)
                if len(samples) > 1:
                    for name, seconds in stages.items():
                        per_stage[name] += seconds * 1000 / (job_runs - 1)
            assert done.result is not None
            results["sites"][site] = {
                "first": samples[0],
                "rest": samples[1:],
                "stages": per_stage,
                "name": done.result["name"],
                "logos": len(done.result["logos"]),
                "primary": done.result["colors"].get("primary"),
            }
    results.update(
        rss_before_kib=rss_before,
        maxrss_before_kib=maxrss_before,
        maxrss_kib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        hwm_kib=status_kib("VmHWM"),
        assets=Asset.objects.count(),
        extractions=BrandExtraction.objects.count(),
    )
    return results


def print_job(job: dict[str, Any], job_runs: int) -> None:
    print(f"## run_extraction end to end ({job_runs} runs per site, SQLite, local files)")
    print()
    row("site", "first run ms", "p50 ms (runs 2…)", "p95 ms", "result")
    row("---", "---", "---", "---", "---")
    for site, figures in job["sites"].items():
        rest = figures["rest"] or [figures["first"]]
        result = f"{figures['name']}, {figures['logos']} logo(s), primary {figures['primary']}"
        row(
            site,
            ms(figures["first"]),
            ms(percentile(rest, 0.5)),
            ms(percentile(rest, 0.95)),
            result,
        )
    print()
    names = list(dict.fromkeys(name for f in job["sites"].values() for name in f["stages"]))
    row("stage, mean ms per run (runs 2…)", *job["sites"])
    row("---", *("---" for _ in job["sites"]))
    for name in names:
        row(name, *(ms(f["stages"].get(name, 0.0)) for f in job["sites"].values()))
    row(
        "the rest (progress and result rows, claim, bookkeeping)",
        *(
            ms(statistics.fmean(f["rest"] or [f["first"]]) - sum(f["stages"].values()))
            for f in job["sites"].values()
        ),
    )
    print()
    print(
        f"{job['extractions']} extractions, {job['assets']} Assets in the library "
        "(a logo imported again reuses its Asset)"
    )
    print()
    row("memory of the job process", "MiB")
    row("---", "---")
    row("RSS after Django setup + migrate, before the jobs", f"{job['rss_before_kib'] / 1024:.1f}")
    row("peak RSS of the process (ru_maxrss)", f"{job['maxrss_kib'] / 1024:.1f}")
    row("peak RSS (VmHWM)", f"{job['hwm_kib'] / 1024:.1f}")
    added = (job["maxrss_kib"] - job["maxrss_before_kib"]) / 1024
    row("ru_maxrss added by the jobs", f"{added:.1f}")


def main() -> None:
    args = parse_args()
    if args.measure_job:
        measure_job(args.job_runs)
        return
    # Started before this process makes the synthetic inputs: ru_maxrss survives exec.
    child = None
    if not args.skip_job:
        child = subprocess.Popen(
            [sys.executable, __file__, "--measure-job", "--job-runs", str(args.job_runs)],
            stdout=subprocess.PIPE,
            text=True,
        )
        # Not at the same time as the pure stages: the box has 2 cores.
        stdout, _ = child.communicate()
        if child.returncode:
            sys.exit(f"the job process failed ({child.returncode})")
    python = sys.version.split()[0]
    print(f"Python {python}, {os.cpu_count()} CPUs, one process, one thread; {args.runs} runs")
    print()
    bench_pure(args.runs)
    if child is not None:
        print_job(json.loads(stdout), args.job_runs)


if __name__ == "__main__":
    main()
