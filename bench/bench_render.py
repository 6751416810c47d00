"""Renders per second of one realistic marketing email, on one core, in one process.

The template is a ~30 KB newsletter (a <style> block with a media query, table layout, inline
styles, two loops) with about twenty merge fields. One render is what delivery does for one
recipient: Liquid on subject, preheader and HTML, CSS inlining, the hidden preheader and the
derived plain-text part (`render_email`). Measured with the parsed-template cache (the steady
state of a campaign) and without it (every render parses), then each stage on its own.

    .venv/bin/python bench/bench_render.py [--seconds 5] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The sample brand is built by the Brand Kits builder, which needs the models loaded.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "segmentflow.settings")
django.setup()

from apps.email_templates import rendering  # noqa: E402
from apps.email_templates.rendering import EmailSource, check_template, render_email  # noqa: E402
from apps.email_templates.starters import sample_brand  # noqa: E402

STYLE = """
  body { margin: 0; padding: 0; width: 100%; background-color: #f4f4f7; }
  table { border-collapse: collapse; }
  img { border: 0; line-height: 100%; outline: none; text-decoration: none; }
  a { color: {{ brand.colors.primary }}; }
  .container { width: 600px; max-width: 600px; background-color: #ffffff; }
  .px { padding-left: 40px; padding-right: 40px; }
  .h1 { font-size: 28px; line-height: 36px; margin: 0 0 16px 0; font-weight: bold; }
  .h2 { font-size: 20px; line-height: 28px; margin: 0 0 8px 0; font-weight: bold; }
  .lead { font-size: 17px; line-height: 28px; margin: 0 0 16px 0; }
  .body-text { font-size: 15px; line-height: 24px; margin: 0 0 12px 0; color: #374151; }
  .muted { font-size: 12px; line-height: 18px; color: #6b7280; }
  .price { font-size: 16px; font-weight: bold; color: #111827; }
  .divider { border-top: 1px solid #e5e7eb; }
  .coupon { border: 2px dashed {{ brand.colors.primary }}; padding: 16px; text-align: center; }
  @media only screen and (max-width: 620px) {
    .container { width: 100% !important; }
    .px { padding-left: 20px !important; padding-right: 20px !important; }
    .stack { display: block !important; width: 100% !important; }
    .h1 { font-size: 24px !important; line-height: 32px !important; }
  }
"""

SECTION = """
        <tr>
          <td class="px" style="padding-top: 24px; font-family: {{ brand.fonts.bodyStack }};">
            <table role="presentation" width="100%" border="0" cellpadding="0" cellspacing="0"
                   class="divider">
              <tr>
                <td class="stack" width="50%" valign="top" style="padding: 24px 12px 0 0;">
                  <p class="h2">Behind the scenes, part NUM</p>
                  <p class="body-text">Every week we pick one part of the product and tell you
                  how it came to be: the ideas that did not make it, the ones that did, and what
                  our customers taught us along the way. This time it is the turn of the team
                  that keeps your mail flowing at any hour of the day.</p>
                  <p class="body-text"><a href="https://blog.example.com/posts/NUM">Read the
                  story</a></p>
                </td>
                <td class="stack" width="50%" valign="top" style="padding: 24px 0 0 12px;">
                  <img src="https://cdn.example.com/newsletter/NUM.jpg" width="264"
                       alt="Photo for part NUM" style="display: block; width: 100%; height: auto;">
                  <ul class="body-text" style="padding-left: 18px;">
                    <li>What we measured, and why it mattered</li>
                    <li>The two changes that made the difference</li>
                    <li>What is coming next month</li>
                  </ul>
                </td>
              </tr>
            </table>
          </td>
        </tr>"""

TEMPLATE = (
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ data.issueTitle }}</title>
<style>"""
    + STYLE
    + """</style>
</head>
<body>
<table role="presentation" width="100%" border="0" cellpadding="0" cellspacing="0"
       style="background-color: {{ brand.colors.background }};">
  <tr>
    <td align="center" style="padding: 32px 12px;">
      <table role="presentation" class="container" width="600" border="0" cellpadding="0"
             cellspacing="0">
        <tr>
          <td class="px" style="padding-top: 32px;">
            {% if brand.logo %}<img src="{{ brand.logo.url }}" alt="{{ brand.logo.alt }}"
            width="140" style="display: block;">{% else %}{{ brand.name }}{% endif %}
          </td>
        </tr>
        <tr>
          <td class="px" style="padding-top: 24px; font-family: {{ brand.fonts.bodyStack }};
              color: {{ brand.colors.text }};">
            <p class="h1">{{ data.issueTitle }}</p>
            <p class="lead">Hi {{ profile.firstName | default: "there" }},</p>
            <p class="body-text">{{ data.intro }}</p>
            <p class="coupon">Your code <strong>{{ data.couponCode }}</strong> takes
            {{ data.discount }} off until {{ data.couponExpires }}.</p>
          </td>
        </tr>
        {% for product in data.products %}
        <tr>
          <td class="px" style="padding-top: 16px;">
            <table role="presentation" width="100%" border="0" cellpadding="0" cellspacing="0">
              <tr>
                <td class="stack" width="120" valign="top">
                  <img src="{{ product.imageUrl }}" width="120" alt="{{ product.name }}"></td>
                <td class="stack" valign="top" style="padding-left: 16px;">
                  <p class="h2"><a href="{{ product.url }}">{{ product.name }}</a></p>
                  <p class="price">{{ product.price }}</p>
                </td>
              </tr>
            </table>
          </td>
        </tr>
        {% endfor %}"""
    + "".join(SECTION.replace("NUM", str(n)) for n in range(1, 19))
    + """
        <tr>
          <td class="px" style="padding-top: 32px;">
            <table role="presentation" border="0" cellpadding="0" cellspacing="0">
              <tr>
                <td align="center" bgcolor="{{ brand.colors.primary }}"
                    style="border-radius: 6px;">
                  <a href="{{ data.ctaUrl }}" style="display: inline-block; padding: 14px 28px;
                     color: #ffffff; text-decoration: none; font-weight: bold;">Shop the
                     sale</a>
                </td>
              </tr>
            </table>
          </td>
        </tr>
        <tr>
          <td class="px muted" style="padding-top: 32px; padding-bottom: 32px;">
            <p>Sent to {{ profile.email }} because you subscribed to {{ brand.name }} news.</p>
            <p><a href="{{ unsubscribeUrl }}">Unsubscribe</a> &middot;
               <a href="{{ preferencesUrl }}">Email preferences</a></p>
            <p>{{ brand.footer.companyName }}, {{ brand.footer.address }}</p>
          </td>
        </tr>
      </table>
    </td>
  </tr>
</table>
</body>
</html>
"""
)

SOURCE = EmailSource(
    subject="{{ profile.firstName | default: 'Hi' }}, {{ data.discount }} off ends soon",
    preheader="{{ data.issueTitle }}: use {{ data.couponCode }} before {{ data.couponExpires }}",
    html=TEMPLATE,
    purpose="marketing",
)

CONTEXT = {
    "profile": {"email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace"},
    "data": {
        "issueTitle": "The winter sale is here",
        "intro": "Our biggest sale of the year starts today, and subscribers get in first.",
        "couponCode": "WINTER25",
        "discount": "25%",
        "couponExpires": "December 3",
        "ctaUrl": "https://shop.example.com/sale?utm_source=newsletter",
        "products": [
            {
                "name": f"Product {n}",
                "price": f"${n * 7}.00",
                "url": f"https://shop.example.com/p/{n}",
                "imageUrl": f"https://cdn.example.com/p/{n}.jpg",
            }
            for n in range(1, 5)
        ],
    },
    "brand": sample_brand(),
    "unsubscribeUrl": "https://app.example.com/u/tok_8f2a",
    "preferencesUrl": "https://app.example.com/preferences/tok_8f2a",
}


def per_second(label: str, func: Callable[[], object], seconds: float) -> float:
    """Calls per second of wall time and per second of this process's CPU time, each the best
    of three windows: other tenants of a small VM only ever slow a window down."""
    func()  # warm up
    wall_rates, cpu_rates = [], []
    for _ in range(3):
        count = 0
        start, cpu_start = time.perf_counter(), time.process_time()
        deadline = start + seconds / 3
        while time.perf_counter() < deadline:
            for _ in range(10):
                func()
            count += 10
        wall_rates.append(count / (time.perf_counter() - start))
        cpu_rates.append(count / max(time.process_time() - cpu_start, 1e-9))
    wall, cpu = max(wall_rates), max(cpu_rates)
    print(f"{label:<48} {wall:7.0f} /s {1000 / wall:7.3f} ms   {cpu:7.0f} /CPU-s")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--profile", action="store_true", help="cProfile the cached render")
    args = parser.parse_args()

    fields = sorted(
        set(check_template("html", SOURCE.html))
        | set(check_template("subject", SOURCE.subject))
        | set(check_template("preheader", SOURCE.preheader))
    )
    rendered = render_email(SOURCE, CONTEXT)
    print(f"python {sys.version.split()[0]}, one process, one thread")
    print(f"{'':<48} {'wall':>10} {'each':>10}   {'CPU time':>14}")
    print(
        f"template: {len(SOURCE.html.encode()):,} bytes, {len(fields)} merge fields; "
        f"email: {len(rendered.html.encode()):,} bytes HTML, {len(rendered.text):,} chars text"
    )
    print()

    html = rendering.render_field("html", SOURCE.html, CONTEXT)
    inlined = rendering._INLINER.inline(html)
    render_email(SOURCE, CONTEXT)  # compiles the template
    per_second(
        "render_email, parsed template cached",
        lambda: render_email(SOURCE, CONTEXT),
        args.seconds,
    )
    per_second(
        "render_email, parsing every time",
        lambda: render_email(SOURCE, CONTEXT, use_cache=False),
        args.seconds,
    )
    compiled = rendering._compiled_cached(SOURCE.html)
    print("stages (cached):")
    per_second(
        "  Liquid, subject + preheader",
        lambda: [rendering.render_field(f, getattr(SOURCE, f), CONTEXT) for f in FIELDS],
        args.seconds,
    )
    per_second(
        "  Liquid, HTML template inlined once",
        lambda: rendering.render_field("html", compiled.html, CONTEXT),
        args.seconds,
    )
    per_second(
        "  Liquid, text template derived once",
        lambda: rendering._finish_text(
            rendering.render_field("html", compiled.text, CONTEXT, text=True)
        ),
        args.seconds,
    )
    print("what each render would cost without the compiled templates:")
    per_second(
        "  Liquid, HTML as written",
        lambda: rendering.render_field("html", SOURCE.html, CONTEXT),
        args.seconds,
    )
    per_second("  CSS inlining (css-inline)", lambda: rendering._INLINER.inline(html), args.seconds)
    per_second(
        "  text part from the rendered email (selectolax)",
        lambda: rendering.html_to_text(inlined),
        args.seconds,
    )
    print("on a cache miss:")
    per_second(
        "  parse the HTML template",
        lambda: rendering._parse_uncached(rendering._HTML_ENV, SOURCE.html),
        args.seconds,
    )
    per_second(
        "  compile: inline once, derive the text template",
        lambda: rendering._compile(SOURCE.html, use_cache=False),
        args.seconds,
    )

    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(2000):
            render_email(SOURCE, CONTEXT)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


FIELDS = ("subject", "preheader")

if __name__ == "__main__":
    main()
