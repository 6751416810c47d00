from __future__ import annotations

from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser

from apps.email_templates import rendering
from apps.email_templates.rendering import (
    MAX_OUTPUT_BYTES,
    MAX_SOURCE_BYTES,
    EmailSource,
    RenderError,
    TemplateSyntaxProblem,
    check_template,
    html_to_text,
    render_email,
    render_field,
    validate_marketing,
)

UNSUBSCRIBE = "https://app.example.com/u/tok_123"


def make_context(**data: Any) -> dict[str, Any]:
    return {
        "profile": {"email": "ada@example.com", "firstName": "Ada"},
        "data": data,
        "brand": {"name": "Acme", "colors": {"primary": "#4f46e5"}, "logo": None},
        "unsubscribeUrl": UNSUBSCRIBE,
        "preferencesUrl": "https://app.example.com/preferences/tok_123",
    }


def make_source(**kw: Any) -> EmailSource:
    kw.setdefault("subject", "Hello")
    kw.setdefault("html", "<html><body><p>Hi</p></body></html>")
    return EmailSource(**kw)


# Merge fields and syntax


def test_it_lists_the_merge_fields_as_sorted_dotted_paths() -> None:
    source = (
        "{{ profile.firstName | default: 'there' }} {{ data.order.number }}"
        "{% for item in data.order.items %}{{ item.name }}{{ forloop.index }}{% endfor %}"
        "{% assign total = data.total %}{{ total }}{{ unsubscribeUrl }}{{ profile.firstName }}"
    )

    assert check_template("html", source) == [
        "data.order.items",
        "data.order.number",
        "data.total",
        "profile.firstName",
        "unsubscribeUrl",
    ]


def test_the_default_filter_fills_a_missing_value() -> None:
    context = make_context()
    context["profile"] = {"email": "ada@example.com"}

    out = render_field("html", "Hi {{ profile.firstName | default: 'there' }}!", context)

    assert out == "Hi there!"


def test_an_unknown_variable_fails_naming_its_path() -> None:
    with pytest.raises(RenderError) as caught:
        render_field("html", "<p>Order {{ data.orderNumber }}</p>", make_context())

    assert caught.value.path == "data.orderNumber"
    assert caught.value.field == "html"
    assert "data.orderNumber" in caught.value.message


def test_an_unknown_root_variable_fails_naming_it() -> None:
    with pytest.raises(RenderError) as caught:
        render_field("subject", "{{ coupon }}", make_context())

    assert caught.value.path == "coupon"
    assert caught.value.field == "subject"


def test_a_syntax_error_reports_line_and_column() -> None:
    source = "<p>one</p>\n<p>two {% if %}</p>"

    with pytest.raises(TemplateSyntaxProblem) as caught:
        check_template("html", source)

    assert caught.value.field == "html"
    assert (caught.value.line, caught.value.column) == (2, 11)
    assert caught.value.message


def test_an_unclosed_block_is_reported_at_the_end_of_the_source() -> None:
    with pytest.raises(TemplateSyntaxProblem) as caught:
        check_template("text", "Items:\n{% for item in data.items %}{{ item }}")

    assert caught.value.message == "{% endfor %} is missing before the end of the template"
    assert (caught.value.line, caught.value.column) == (2, 39)


def test_an_unknown_filter_is_refused_when_checking() -> None:
    with pytest.raises(TemplateSyntaxProblem) as caught:
        check_template("subject", "Hi\n{{ profile.firstName | shout }}")

    assert "shout" in caught.value.message
    assert (caught.value.line, caught.value.column) == (2, 24)


def test_partials_are_not_available() -> None:
    for source in ["{% include 'secrets' %}", "{% render 'secrets' %}"]:
        with pytest.raises(TemplateSyntaxProblem):
            check_template("html", source)


def test_an_oversize_source_is_refused() -> None:
    source = "x" * (MAX_SOURCE_BYTES + 1)

    with pytest.raises(TemplateSyntaxProblem) as caught:
        check_template("html", source)

    assert caught.value.field == "html"
    assert "512 KiB" in caught.value.message


def test_a_source_at_the_limit_is_accepted() -> None:
    assert check_template("text", "x" * MAX_SOURCE_BYTES) == []


# Limits at render time


def test_output_over_two_mib_is_stopped() -> None:
    source = "{% for i in (1..5000) %}" + "x" * 1000 + "{% endfor %}"

    with pytest.raises(RenderError) as caught:
        render_field("html", source, make_context())

    assert caught.value.message == "the output is larger than 2 MiB"


def test_a_string_doubled_in_a_loop_is_stopped() -> None:
    source = (
        "{% assign s = 'xxxxxxxx' %}{% for i in (1..60) %}"
        "{% assign s = s | append: s %}{% endfor %}{{ s.size }}"
    )

    with pytest.raises(RenderError):
        render_field("text", source, make_context())


def test_a_huge_range_cannot_be_joined() -> None:
    with pytest.raises(RenderError) as caught:
        render_field("text", "{{ (1..100000000) | join: ',' }}", make_context())

    assert "loops more than" in caught.value.message


def test_a_replace_that_would_explode_is_stopped_before_it_runs() -> None:
    source = (
        "{% capture s %}{% for i in (1..1000) %}xxxxxxxxxx{% endfor %}{% endcapture %}"
        "{{ s | replace: 'x', s }}"
    )

    with pytest.raises(RenderError) as caught:
        render_field("text", source, make_context())

    assert caught.value.message == "the output is larger than 2 MiB"


def test_a_nest_of_loops_is_stopped_with_a_clear_error() -> None:
    source = (
        "{% for a in (1..1000) %}{% for b in (1..1000) %}{% for c in (1..1000) %}"
        "{% for d in (1..1000) %}x{% endfor %}{% endfor %}{% endfor %}{% endfor %}"
    )

    with pytest.raises(RenderError) as caught:
        render_field("html", source, make_context())

    assert caught.value.message == "the template loops more than 10,000 times"


def test_many_loops_in_a_row_share_one_iteration_budget() -> None:
    source = "{% for a in (1..3000) %}{% endfor %}" * 4

    with pytest.raises(RenderError) as caught:
        render_field("html", source, make_context())

    assert "loops more than" in caught.value.message


def test_loops_within_the_budget_render() -> None:
    items = [{"name": f"item {i}"} for i in range(500)]
    source = "{% for item in data.items %}{{ item.name }};{% endfor %}"

    out = render_field("text", source, make_context(items=items))

    assert out.count(";") == 500


def test_the_deadline_stops_a_slow_render(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rendering.sandbox, "MAX_RENDER_SECONDS", -1.0)

    with pytest.raises(RenderError) as caught:
        render_field("html", "{% for i in (1..3) %}{{ i }}{% endfor %}", make_context())

    assert "takes longer than" in caught.value.message


# Marketing


def test_marketing_without_an_unsubscribe_link_is_refused() -> None:
    source = make_source(purpose="marketing", html="<body><p>Buy now</p></body>")

    with pytest.raises(TemplateSyntaxProblem) as caught:
        render_email(source, make_context())

    assert caught.value.field == "html"


def test_unsubscribe_url_in_a_condition_or_comment_does_not_count() -> None:
    for html in [
        "{% if unsubscribeUrl %}yes{% endif %}",
        "{% comment %}{{ unsubscribeUrl }}{% endcomment %}",
        "<!-- unsubscribeUrl -->",
    ]:
        with pytest.raises(TemplateSyntaxProblem):
            validate_marketing(html)


def test_unsubscribe_url_with_filters_or_spacing_counts() -> None:
    validate_marketing('<a href="{{unsubscribeUrl}}">x</a>')
    validate_marketing('<a href="{{ unsubscribeUrl | strip }}">x</a>')
    validate_marketing("{% if data.show %}{{ unsubscribeUrl }}{% endif %}")
    validate_marketing("{% liquid\necho unsubscribeUrl\n%}")


def test_a_marketing_text_part_needs_the_link_too() -> None:
    with pytest.raises(TemplateSyntaxProblem) as caught:
        validate_marketing("{{ unsubscribeUrl }}", "Buy now")

    assert caught.value.field == "text"


def test_marketing_mail_carries_one_click_unsubscribe_headers() -> None:
    html = '<body><p>News</p><a href="{{ unsubscribeUrl }}">Unsubscribe</a></body>'

    rendered = render_email(make_source(purpose="marketing", html=html), make_context())

    assert rendered.headers == {
        "List-Unsubscribe": f"<{UNSUBSCRIBE}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def test_a_mailto_unsubscribe_is_listed_when_given() -> None:
    html = '<body><a href="{{ unsubscribeUrl }}">Unsubscribe</a></body>'
    context = make_context()
    context["unsubscribeMailto"] = "mailto:unsub+tok_123@example.com"

    rendered = render_email(make_source(purpose="marketing", html=html), context)

    assert rendered.headers["List-Unsubscribe"] == (
        f"<{UNSUBSCRIBE}>, <mailto:unsub+tok_123@example.com>"
    )


def test_transactional_mail_has_no_unsubscribe_headers() -> None:
    rendered = render_email(make_source(), make_context())

    assert rendered.headers == {}


# The assembled email


def test_the_subject_is_one_stripped_line() -> None:
    source = make_source(subject="  Hi {{ profile.firstName }},\n  your   order\r\nshipped  ")

    rendered = render_email(source, make_context())

    assert rendered.subject == "Hi Ada, your order shipped"


def test_merge_values_are_escaped_in_html_but_not_in_text() -> None:
    context = make_context()
    context["profile"]["firstName"] = "<b>Ada & Co</b>"
    source = make_source(
        subject="Hi {{ profile.firstName }}",
        html="<body><p>Hi {{ profile.firstName }}</p></body>",
        text="Hi {{ profile.firstName }}",
    )

    rendered = render_email(source, context)

    assert "<p>Hi &lt;b&gt;Ada &amp; Co&lt;/b&gt;</p>" in rendered.html
    assert rendered.text == "Hi <b>Ada & Co</b>\n"
    assert rendered.subject == "Hi <b>Ada & Co</b>"


def test_the_preheader_is_hidden_right_after_body() -> None:
    source = make_source(
        preheader="Your order {{ data.orderNumber }} <is> on its way",
        html='<html><head></head><body class="x"><p>Hi</p></body></html>',
    )

    rendered = render_email(source, make_context(orderNumber="A-1"))

    after_body = rendered.html.split('<body class="x">', 1)[1]
    assert after_body.startswith("<div ")
    hidden = after_body.split("</div>", 1)[0]
    for rule in ["display:none", "max-height:0", "overflow:hidden", "mso-hide:all"]:
        assert rule in hidden
    assert "Your order A-1 &lt;is&gt; on its way" in hidden
    assert "&#847;&zwnj;&nbsp;" in hidden
    assert "Your order" not in rendered.text


def test_no_preheader_adds_nothing() -> None:
    rendered = render_email(make_source(), make_context())

    assert "display:none" not in rendered.html


def test_css_is_inlined_and_media_queries_kept() -> None:
    html = (
        "<html><head><style>p{color:red} @media (max-width: 600px) { .wide { width: 100% } }"
        "</style></head><body><p>Hi</p></body></html>"
    )

    rendered = render_email(make_source(html=html), make_context())

    assert '<p style="color: red;">Hi</p>' in rendered.html
    assert "@media (max-width: 600px)" in rendered.html
    assert "p{color:red}" not in rendered.html


def test_a_style_attribute_the_inliner_cannot_read_leaves_the_css_in_style() -> None:
    html = '<html><head><style>p{color:red}</style></head><body><p style="color">Hi</p></body>'

    for _ in range(2):  # as written, then compiled
        rendered = render_email(make_source(html=html), make_context())

        assert "<style>p{color:red}</style>" in rendered.html
        assert rendered.text == "Hi\n"


def test_braces_written_as_entities_stay_text() -> None:
    html = "<body><p>Write &#123;&#123; coupon &#125;&#125; to use it</p></body>"

    for _ in range(2):  # as written, then compiled
        rendered = render_email(make_source(html=html), make_context())

        assert "<p>Write {{ coupon }} to use it</p>" in rendered.html
        assert rendered.text == "Write {{ coupon }} to use it\n"


def test_a_written_text_part_is_used_as_is() -> None:
    source = make_source(text="Hello {{ profile.firstName }},\n\nThanks.")

    rendered = render_email(source, make_context())

    assert rendered.text == "Hello Ada,\n\nThanks.\n"


# The derived text part


def test_text_keeps_headings_paragraphs_and_line_breaks() -> None:
    text = html_to_text(
        "<body><h1>Welcome</h1><p>First   line<br>second line</p><p>Next paragraph</p></body>"
    )

    assert text == "Welcome\n\nFirst line\nsecond line\n\nNext paragraph\n"


def test_text_writes_links_with_their_url() -> None:
    text = html_to_text(
        '<body><p>Read <a href="https://example.com/a?b=1&amp;c=2">the post</a>.</p>'
        '<p><a href="https://example.com">https://example.com</a></p>'
        '<p><a href="mailto:hi@example.com">hi@example.com</a></p></body>'
    )

    assert "Read the post (https://example.com/a?b=1&c=2)." in text
    assert "\nhttps://example.com\n" in text
    assert "(https://example.com)" not in text
    assert "mailto:" not in text


def test_text_writes_lists_with_markers() -> None:
    text = html_to_text(
        "<body><ul><li>One</li><li>Two<ul><li>Nested</li></ul></li></ul>"
        "<ol><li>First</li><li>Second</li></ol></body>"
    )

    assert "- One\n- Two\n  - Nested\n\n1. First\n2. Second" in text


def test_text_writes_tables_row_by_row() -> None:
    text = html_to_text(
        "<body><table><tr><th>Item</th><th>Qty</th></tr>"
        "<tr><td>Mug</td><td>2</td></tr><tr><td>Pen</td><td>1</td></tr></table></body>"
    )

    assert "Item | Qty\nMug | 2\nPen | 1" in text


def test_text_leaves_out_style_script_head_and_hidden_elements() -> None:
    text = html_to_text(
        "<html><head><title>T</title><style>p{color:red}</style></head>"
        "<body><script>alert('x')</script><div style='display: none'>secret</div>"
        "<p>Visible</p></body></html>"
    )

    assert text == "Visible\n"


def test_a_script_in_the_source_is_kept_out_of_the_text_part() -> None:
    html = "<body><p>Hi</p><script>track('{{ profile.email }}')</script></body>"

    rendered = render_email(make_source(html=html), make_context())

    assert "track" not in rendered.text
    assert rendered.text == "Hi\n"


# The parse cache


def test_the_cache_returns_the_same_results() -> None:
    rendering.clear_template_cache()
    source = make_source(
        subject="Order {{ data.n }}",
        html="<body><p>{{ profile.firstName }} #{{ data.n }}</p></body>",
    )

    first = render_email(source, make_context(n=1))
    second = render_email(source, make_context(n=2))  # compiles the template
    parsed = rendering._parse_cached.cache_info()
    third = render_email(source, make_context(n=3))
    uncached = render_email(source, make_context(n=3), use_cache=False)

    assert first.subject == "Order 1"
    assert second.subject == "Order 2"
    assert third == uncached
    assert third.text == "Ada #3\n"
    again = rendering._parse_cached.cache_info()
    assert again.misses == parsed.misses  # nothing parsed again
    assert again.hits > parsed.hits


def test_a_template_is_compiled_when_it_renders_a_second_time() -> None:
    rendering.clear_template_cache()
    source = make_source(html="<body><p>{{ profile.firstName }}</p></body>")

    render_email(source, make_context())
    assert rendering._compiled_cached.cache_info().currsize == 0
    render_email(source, make_context())
    assert rendering._compiled_cached.cache_info().currsize == 1


def test_an_error_in_a_compiled_template_points_into_the_template_as_written() -> None:
    rendering.clear_template_cache()
    html = "<html><head><style>p{color:red}</style></head>\n<body>\n<p>{{ data.order }}</p></body>"
    source = make_source(html=html)
    render_email(source, make_context(order=1))
    render_email(source, make_context(order=2))
    assert rendering._compiled_cached(html).html is not None

    with pytest.raises(RenderError) as caught:
        render_email(source, make_context())

    assert caught.value.path == "data.order"
    assert "(line 3, column 7)" in caught.value.message


def test_an_html_and_a_text_template_with_one_source_are_cached_apart() -> None:
    context = make_context()
    context["profile"]["firstName"] = "A&B"

    assert render_field("html", "{{ profile.firstName }}", context) == "A&amp;B"
    assert render_field("text", "{{ profile.firstName }}", context) == "A&B"


def test_the_final_html_is_measured_after_inlining() -> None:
    # Inlining copies the rule onto every <p>: small Liquid output, large email.
    paragraphs = "<p>x</p>" * 30_000
    style = "p{font-family:" + "a" * 60 + "}"
    html = f"<html><head><style>{style}</style></head><body>{paragraphs}</body></html>"
    assert len(html) < MAX_OUTPUT_BYTES

    with pytest.raises(RenderError) as caught:
        render_email(make_source(html=html), make_context())

    assert caught.value.field == "html"


# The text part is derived once per template and rendered like the other parts


TEXT_CASES = {
    "loop in a table": (
        "<table><tr><th>Item</th><th>Qty</th></tr>{% for i in data.items %}"
        "<tr><td>{{ i.name }}</td><td>{{ i.quantity }}</td></tr>{% endfor %}</table>"
    ),
    "loop in a list": "<ul>{% for i in data.items %}<li>{{ i.name }}</li>{% endfor %}</ul>",
    "condition around blocks": (
        "{% if data.vip %}<h2>Thanks, VIP</h2>{% else %}<p>Hello</p>{% endif %}<p>Bye</p>"
    ),
    "link with merged url": '<p><a href="{{ data.url }}">{{ data.url }}</a> or '
    '<a href="{{ data.url }}">the site</a></p>',
    "values with markup characters": "<p>{{ data.note }}</p>",
}


@pytest.mark.parametrize("html", TEXT_CASES.values(), ids=TEXT_CASES.keys())
def test_the_text_template_reads_like_the_rendered_email(html: str) -> None:
    rendering.clear_template_cache()
    context = make_context(
        items=[{"name": "Mug", "quantity": 2}, {"name": "Pen & ink", "quantity": 1}],
        vip=True,
        url="https://example.com/a?b=1&c=2",
        note="<b>bold</b> & 1 < 2",
    )
    body = f"<html><body>{html}</body></html>"

    first = render_email(make_source(html=body), context)
    rendered = render_email(make_source(html=body), context)  # through the compiled template

    assert rendering._compiled_cached(body).text is not None
    assert rendered == first
    assert rendered.text == html_to_text(rendered.html)


@pytest.mark.parametrize(
    "html",
    [
        "<p>{{ data.note | safe }}</p>",
        "<p>{{ data.note | newline_to_br }}</p>",
        '<p class="{% if data.vip %}vip{% endif %}">Hi</p>',
        '<p style="display: {{ data.display }}">Hi</p>',
        "<ol>{% for i in data.items %}<li>{{ i.name }}</li>{% endfor %}</ol>",
        "<table><tr>{% for i in data.items %}<td>{{ i.name }}</td>{% endfor %}</tr></table>",
        "<table>{% tablerow i in data.items cols: 2 %}{{ i.name }}{% endtablerow %}</table>",
        '<p><a href="{{ data.url }}">{% if data.vip %}{{ data.url }}{% endif %}</a></p>',
        "<p>Write &#123;&#123; profile.firstName &#125;&#125; to greet them</p>",
    ],
)
def test_a_template_whose_text_depends_on_values_falls_back(html: str) -> None:
    context = make_context(
        items=[{"name": "Mug"}, {"name": "Pen"}],
        vip=True,
        display="none",
        note="a\nb<br>",
        url="https://example.com",
    )
    body = f"<html><body>{html}<p>End</p></body></html>"

    render_email(make_source(html=body), context)
    rendered = render_email(make_source(html=body), context)  # compiling is tried, and refused

    assert rendering._compiled_cached(body).text is None
    assert rendered.text == html_to_text(rendered.html)


def same_document(a: str, b: str) -> bool:
    return LexborHTMLParser(a).html == LexborHTMLParser(b).html


INLINE_CASES = {
    "loop of rows after a header row": (
        "<style>td{padding:4px}</style><table><tr><th>Item</th></tr>"
        "{% for i in data.items %}<tr><td>{{ i.name }}</td></tr>{% endfor %}</table>"
    ),
    "branches of whole elements": (
        "<style>.vip{color:gold} p{margin:0}</style>"
        '{% if data.vip %}<p class="vip">VIP</p>{% else %}<p>Hi</p>{% endif %}'
    ),
    "values in css and attributes": (
        "<style>a{color:{{ data.color }}}</style>"
        '<a href="{{ data.url }}" style="font-weight: bold">{{ data.url }}</a>'
    ),
}


@pytest.mark.parametrize("html", INLINE_CASES.values(), ids=INLINE_CASES.keys())
def test_a_template_inlined_once_renders_as_if_inlined_every_time(html: str) -> None:
    context = make_context(
        items=[{"name": "Mug"}, {"name": "Pen"}],
        vip=True,
        color="#ff0000",
        url="https://example.com/?a=1&b=2",
    )
    body = f"<html><head></head><body>{html}</body></html>"

    compiled = rendering._compiled_cached(body)
    assert compiled.html is not None
    html_once = render_field("html", compiled.html, context)
    html_each_time = rendering._INLINER.inline(render_field("html", body, context))

    assert same_document(html_once, html_each_time)


@pytest.mark.parametrize(
    "html",
    [
        "<style>tr:nth-child(even){background:#eee}</style><table><tr><td>a</td></tr>"
        "{% for i in data.items %}<tr><td>{{ i.name }}</td></tr>{% endfor %}</table>",
        "<style>p + p{margin:0}</style>{% for i in data.items %}<p>{{ i.name }}</p>{% endfor %}",
        '<style>a[href^="https"]{color:red}</style><a href="{{ data.url }}">x</a>',
        "<style>td{color:red}</style><table>{% for i in data.items %}"
        "<tr><td>{{ i.name }}</td></tr>{% endfor %}</table>",
        '<style>.vip{color:gold}</style><p class="{{ data.kind }}">x</p>',
        '<style>p{color:red}</style><p style="{{ data.style }}">x</p>',
        "<style>p{color:red}</style>{% capture x %}<p>a</p>{% endcapture %}<div>{{ x }}</div>",
        '<style>p{color:red}</style><p title="{% if data.vip %}vip{% endif %}">x</p>',
    ],
)
def test_a_template_whose_styles_depend_on_values_is_inlined_every_time(html: str) -> None:
    context = make_context(
        items=[{"name": "Mug"}, {"name": "Pen"}],
        vip=True,
        url="https://example.com",
        kind="vip",
        style="color: blue; font-weight: bold",
    )
    body = f"<html><head></head><body>{html}</body></html>"
    source = make_source(html=body)

    assert rendering._compiled_cached(body).html is None
    render_email(source, context)
    rendered = render_email(source, context)

    expected = rendering.hide_preheader(
        rendering._INLINER.inline(render_field("html", body, context)), ""
    )
    assert rendered.html == expected
