"""The Templates dashboard: the list, the starter gallery, the editor and its sandboxed live
preview, duplicate, archive, and the version history, for every persona."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from django.urls import reverse

from apps.accounts.models import Organization
from apps.brand_kits import actions as brand_kit_actions
from apps.email_templates import actions
from apps.email_templates.models import Template, TemplateStatus
from apps.email_templates.starters import STARTERS
from tests.base import PersonaTestCase

HTMX = {"HX-Request": "true"}
HTML = (
    "<html><body><h1>Hi {{ profile.firstName | default: 'there' }}</h1>"
    "<p>Order {{ data.orderNumber }}</p></body></html>"
)
SRCDOC = re.compile(r'<iframe class="preview-frame" sandbox srcdoc="([^"]*)"')


def editor_data(**overrides: Any) -> dict[str, Any]:
    """The editor's fields as a browser posts them, every one present."""
    data: dict[str, Any] = {
        "name": "Order shipped",
        "subject": "Order {{ data.orderNumber }} shipped",
        "preheader": "",
        "html": HTML,
        "text": "",
        "purpose": "transactional",
        "category": "orders",
        "tags": "orders, shipping",
        "brand_kit_id": "",
        "sample": json.dumps({"profile": {"firstName": "Ada"}, "data": {"orderNumber": "42"}}),
    }
    return data | overrides


def srcdoc(response: Any) -> str:
    """The preview iframe's document, as the browser reads the attribute."""
    match = SRCDOC.search(response.content.decode())
    assert match, "no sandboxed preview iframe"
    return html.unescape(match.group(1))


class TemplateDashboardTestCase(PersonaTestCase):
    def make_template(self, org: Organization | None = None, **data: Any) -> Template:
        data = {
            "name": "Order shipped",
            "subject": "Order {{ data.orderNumber }} shipped",
            "html": HTML,
            "purpose": "transactional",
        } | data
        return actions.create_template(org or self.acme, data, saved_by="alice@example.com")

    def edit_url(self, template: Template) -> str:
        return reverse("email_templates:edit", args=[template.pk])

    def preview_url(self, template: Template) -> str:
        return reverse("email_templates:preview", args=[template.pk])


class ListTests(TemplateDashboardTestCase):
    def test_it_lists_active_templates_with_counts_of_both_tabs(self) -> None:
        self.make_template(name="Receipt", category="billing")
        archived = self.make_template(name="Old promo")
        actions.archive_template(archived)
        self.make_template(self.globex, name="Globex secret")
        self.client.force_login(self.viewer)
        response = self.client.get(reverse("email_templates:list"))
        self.assertContains(response, 'Active <span class="count">(1)</span>')
        self.assertContains(response, 'Archived <span class="count">(1)</span>')
        self.assertContains(response, "Receipt")
        self.assertContains(
            response, '<span class="badge badge-transactional">Transactional</span>'
        )
        self.assertContains(response, "billing")
        self.assertNotContains(response, "Old promo")
        self.assertNotContains(response, "Globex secret")
        self.assertNotContains(response, "New template")  # viewers cannot create

    def test_the_archived_tab_lists_archived_templates(self) -> None:
        self.make_template(name="Receipt")
        actions.archive_template(self.make_template(name="Old promo"))
        self.client.force_login(self.bob)
        response = self.client.get(reverse("email_templates:list") + "?status=archived")
        self.assertContains(response, "Old promo")
        self.assertNotContains(response, "Receipt")
        self.assertContains(response, "New template")

    def test_the_sidebar_link_leads_here(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get(reverse("email_templates:list"))
        self.assertContains(
            response, '<a href="/templates/" aria-current="page">Templates</a>', html=True
        )


class CreateTests(TemplateDashboardTestCase):
    def test_the_gallery_shows_each_starter_in_a_sandboxed_thumbnail(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.get(reverse("email_templates:create"))
        self.assertEqual(response.status_code, 200)
        for starter in STARTERS:
            self.assertContains(response, starter.description)
            self.assertContains(response, f'value="{starter.key}"')
        self.assertEqual(response.content.decode().count("<iframe sandbox srcdoc="), 4)

    def test_it_creates_a_blank_template_and_opens_the_editor(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.post(
            reverse("email_templates:create"), {"name": "Weekly digest", "purpose": "marketing"}
        )
        template = Template.objects.get(name="Weekly digest")
        self.assertRedirects(response, self.edit_url(template))
        self.assertEqual(template.organization, self.acme)
        self.assertEqual(template.purpose, "marketing")
        self.assertIn("unsubscribeUrl", template.merge_fields)
        self.assertEqual(template.versions.get().saved_by, "bob@example.com")

    def test_a_blank_template_needs_a_name(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.post(reverse("email_templates:create"), {"name": " "})
        self.assertContains(response, "field required", status_code=422)
        self.assertFalse(Template.objects.exists())

    def test_it_creates_a_template_from_each_starter(self) -> None:
        self.client.force_login(self.alice)
        for starter in STARTERS:
            with self.subTest(starter=starter.key):
                response = self.client.post(
                    reverse("email_templates:create"), {"starter": starter.key}
                )
                template = Template.objects.get(html=starter.html)
                self.assertRedirects(response, self.edit_url(template))
                self.assertEqual(
                    (template.name, template.purpose, template.category),
                    (starter.name, starter.purpose, starter.category),
                )
                editor = self.client.get(self.edit_url(template))
                # The sample data is the starter's, so the preview renders without errors.
                self.assertNotContains(editor, "preview-error")
                sample = json.loads(html.unescape(editor.context["sample"]))
                self.assertEqual(sample["data"], starter.sample_data)

    def test_an_unknown_starter_is_a_bad_request(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.post(reverse("email_templates:create"), {"starter": "nope"})
        self.assertEqual(response.status_code, 400)

    def test_viewers_cannot_create(self) -> None:
        self.client.force_login(self.viewer)
        self.assertEqual(self.client.get(reverse("email_templates:create")).status_code, 403)
        response = self.client.post(reverse("email_templates:create"), {"starter": "welcome"})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Template.objects.exists())


class EditorTests(TemplateDashboardTestCase):
    def test_it_shows_the_fields_the_sources_and_a_rendered_preview(self) -> None:
        template = self.make_template(tags=["orders"])
        self.client.force_login(self.bob)
        response = self.client.get(self.edit_url(template))
        self.assertContains(response, 'value="Order shipped"')
        self.assertContains(response, 'value="orders"')
        self.assertContains(response, "{{ data.orderNumber }}")
        # Built from the merge fields: a placeholder for data.orderNumber.
        self.assertIn("Sample orderNumber", srcdoc(response))
        self.assertContains(response, "<code>data.orderNumber</code>", html=True)
        self.assertContains(response, ">Save</button>")
        self.assertContains(response, 'id="test-send-form"')

    def test_it_offers_the_organizations_brand_kits(self) -> None:
        kit = brand_kit_actions.create_brand_kit(self.acme, name="Acme Coffee")
        brand_kit_actions.create_brand_kit(self.globex, name="Globex kit")
        template = self.make_template()
        self.client.force_login(self.bob)
        response = self.client.get(self.edit_url(template))
        self.assertContains(response, f'<option value="{kit.pk}">Acme Coffee', html=False)
        self.assertContains(response, "The Organization's default kit")
        self.assertNotContains(response, "Globex kit")

    def test_saving_makes_the_next_version(self) -> None:
        kit = brand_kit_actions.create_brand_kit(self.acme, name="Acme Coffee")
        template = self.make_template()
        self.client.force_login(self.bob)
        response = self.client.post(
            self.edit_url(template), editor_data(name="Shipped!", brand_kit_id=kit.pk)
        )
        self.assertRedirects(response, self.edit_url(template))
        template.refresh_from_db()
        self.assertEqual((template.name, template.version), ("Shipped!", 2))
        self.assertEqual(template.tags, ["orders", "shipping"])
        self.assertEqual(template.brand_kit, kit)
        self.assertEqual(template.versions.first().saved_by, "bob@example.com")  # type: ignore[union-attr]
        # The sample data typed is kept for the next visit.
        self.assertIn(
            '"orderNumber": "42"', self.client.get(self.edit_url(template)).context["sample"]
        )

    def test_saving_over_htmx_redirects_the_page(self) -> None:
        template = self.make_template()
        self.client.force_login(self.alice)
        response = self.client.post(self.edit_url(template), editor_data(), headers=HTMX)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["HX-Redirect"], self.edit_url(template))

    def test_an_invalid_save_shows_the_error_by_its_field_and_keeps_the_text(self) -> None:
        template = self.make_template()
        self.client.force_login(self.bob)
        typed = "<p>Half-written {{ data.orderNumber </p>\n<p>more</p>"
        response = self.client.post(
            self.edit_url(template), editor_data(name="", html=typed), headers=HTMX
        )
        self.assertEqual(response.status_code, 422)
        body = response.content.decode()
        self.assertTrue(body.lstrip().startswith('<form id="template-form"'))  # the fragment
        self.assertIn("Please correct the errors below", body)
        self.assertIn(
            '<p class="field-error" id="template-name-error" role="alert">field required</p>', body
        )
        self.assertIn(html.escape(typed), body)  # what was typed, not what is saved
        template.refresh_from_db()
        self.assertEqual((template.version, template.name), (1, "Order shipped"))

    def test_a_liquid_syntax_error_is_shown_with_its_line_and_column(self) -> None:
        template = self.make_template()
        self.client.force_login(self.bob)
        broken = "<p>Hello</p>\n<p>{% if profile.firstName %}Hi</p>"
        response = self.client.post(self.edit_url(template), editor_data(html=broken))
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, 'id="template-html-error"', status_code=422)
        error = re.search(
            r'id="template-html-error" role="alert">([^<]*)<', response.content.decode()
        )
        assert error
        self.assertRegex(error.group(1), r"^line 2, column \d+: ")
        self.assertContains(response, html.escape(broken), status_code=422)

    def test_a_marketing_template_without_an_unsubscribe_link_is_refused(self) -> None:
        template = self.make_template()
        self.client.force_login(self.bob)
        response = self.client.post(self.edit_url(template), editor_data(purpose="marketing"))
        self.assertContains(response, "must contain {{ unsubscribeUrl }}", status_code=422)

    def test_an_unknown_brand_kit_is_refused_by_its_select(self) -> None:
        template = self.make_template()
        other = brand_kit_actions.create_brand_kit(self.globex, name="Globex kit")
        self.client.force_login(self.bob)
        response = self.client.post(self.edit_url(template), editor_data(brand_kit_id=other.pk))
        self.assertContains(response, 'id="template-brand-kit-error"', status_code=422)


class PreviewTests(TemplateDashboardTestCase):
    def test_it_renders_the_unsaved_values_with_the_sample_data(self) -> None:
        template = self.make_template()
        self.client.force_login(self.bob)
        response = self.client.post(
            self.preview_url(template),
            editor_data(html="<p>Dear {{ profile.firstName }}, order {{ data.orderNumber }}</p>"),
            headers=HTMX,
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.content.decode().lstrip().startswith('<div id="preview"'))
        self.assertIn("<p>Dear Ada, order 42</p>", srcdoc(response))
        self.assertContains(response, "<strong>Order 42 shipped</strong>", html=True)
        self.assertContains(response, "Dear Ada, order 42\n")  # the text part
        template.refresh_from_db()
        self.assertEqual(template.version, 1)  # nothing saved

    def test_merge_values_are_escaped_once_in_the_html(self) -> None:
        template = self.make_template()
        self.client.force_login(self.bob)
        sample = json.dumps({"data": {"orderNumber": "<b>A&B</b>"}})
        response = self.client.post(
            self.preview_url(template),
            editor_data(html="<p>{{ data.orderNumber }}</p>", sample=sample),
        )
        # Liquid escapes the value in the HTML; the attribute escaping comes on top, and the
        # browser undoes only that.
        self.assertIn("<p>&lt;b&gt;A&amp;B&lt;/b&gt;</p>", srcdoc(response))
        self.assertContains(response, "Order &lt;b&gt;A&amp;B&lt;/b&gt; shipped")

    def test_template_script_is_only_ever_inside_a_sandboxed_srcdoc(self) -> None:
        template = self.make_template()
        self.client.force_login(self.viewer)
        hostile = (
            "<p>Hi\" onload=\"alert(1)</p><script>window.parent.document.title='pwned'</script>"
            "<img src=x onerror=\"alert('x')\">"
        )
        response = self.client.post(self.preview_url(template), editor_data(html=hostile))
        body = response.content.decode()
        self.assertNotIn("<script>", body)
        self.assertNotIn("<img src=x", body)
        self.assertIn(
            '<iframe class="preview-frame" sandbox srcdoc="', body
        )  # a bare `sandbox`: no allow-scripts, no allow-same-origin
        self.assertNotIn("allow-", body)
        self.assertIn("&lt;script&gt;window.parent.document.title=&#x27;pwned&#x27;", body)
        document = srcdoc(response)
        self.assertIn("<script>window.parent.document.title='pwned'</script>", document)
        self.assertIn("onerror=\"alert('x')\"", document)

    def test_a_missing_merge_value_is_shown_in_the_preview(self) -> None:
        template = self.make_template()
        self.client.force_login(self.bob)
        sample = json.dumps({"profile": {}, "data": {}})
        response = self.client.post(self.preview_url(template), editor_data(sample=sample))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "cannot be rendered")
        self.assertContains(response, "data.orderNumber is missing from the merge data")
        self.assertNotContains(response, "<iframe")

    def test_a_syntax_error_is_shown_with_its_line_and_column(self) -> None:
        template = self.make_template()
        self.client.force_login(self.bob)
        response = self.client.post(
            self.preview_url(template), editor_data(html="<p>ok</p>\n<p>{{ data.x | nope }}</p>")
        )
        self.assertContains(response, "The HTML has an error.")
        self.assertContains(response, "Line 2, column")
        self.assertContains(response, "unknown filter")

    def test_bad_sample_json_is_reported_and_kept(self) -> None:
        template = self.make_template()
        self.client.force_login(self.bob)
        response = self.client.post(
            self.preview_url(template), editor_data(sample='{"data": {"orderNumber": 4')
        )
        self.assertContains(response, "The sample data is not valid JSON.")
        self.assertContains(response, "line 1, column")
        # A save with the same broken sample keeps it in the box.
        saved = self.client.post(self.edit_url(template), editor_data(name="", sample="{oops"))
        self.assertContains(saved, "{oops</textarea>", status_code=422)

    def test_the_sample_can_be_rebuilt_from_the_merge_fields(self) -> None:
        template = self.make_template()
        self.client.force_login(self.viewer)
        response = self.client.post(
            reverse("email_templates:sample", args=[template.pk]),
            editor_data(html="{{ data.order.total }} {{ data.trackingUrl }}", sample=""),
            headers=HTMX,
        )
        sample = json.loads(html.unescape(response.context["sample"]))
        self.assertEqual(
            sample["data"],
            {
                "order": {"total": "Sample total"},
                "orderNumber": "Sample orderNumber",
                "trackingUrl": "https://example.com/",
            },
        )

    def test_it_previews_with_the_chosen_brand_kit(self) -> None:
        kit = brand_kit_actions.create_brand_kit(
            self.acme, name="Acme Coffee", colors={"primary": "#123456"}
        )
        template = self.make_template()
        self.client.force_login(self.bob)
        response = self.client.post(
            self.preview_url(template),
            editor_data(
                html="<p>{{ brand.name }} {{ brand.colors.primary }}</p>", brand_kit_id=kit.pk
            ),
        )
        self.assertIn("Acme Coffee #123456", srcdoc(response))


class DuplicateAndArchiveTests(TemplateDashboardTestCase):
    def test_duplicate_opens_the_copy(self) -> None:
        template = self.make_template()
        self.client.force_login(self.bob)
        response = self.client.post(reverse("email_templates:duplicate", args=[template.pk]))
        copy = Template.objects.get(name="Copy of Order shipped")
        self.assertRedirects(response, self.edit_url(copy), fetch_redirect_response=False)
        self.assertEqual(copy.html, template.html)

    def test_archive_asks_first_then_archives_and_unarchive_restores(self) -> None:
        template = self.make_template()
        self.client.force_login(self.bob)
        url = reverse("email_templates:archive", args=[template.pk])
        self.assertContains(self.client.get(url), "Yes, archive it")
        template.refresh_from_db()
        self.assertEqual(template.status, TemplateStatus.ACTIVE)
        response = self.client.post(url)
        self.assertRedirects(response, self.edit_url(template), fetch_redirect_response=False)
        template.refresh_from_db()
        self.assertEqual(template.status, TemplateStatus.ARCHIVED)
        editor = self.client.get(self.edit_url(template))
        self.assertContains(editor, "This template is archived")
        self.assertContains(editor, ">Unarchive</button>")
        self.client.post(reverse("email_templates:unarchive", args=[template.pk]))
        template.refresh_from_db()
        self.assertEqual(template.status, TemplateStatus.ACTIVE)

    def test_the_editor_archives_over_htmx_after_a_confirmation(self) -> None:
        template = self.make_template()
        self.client.force_login(self.alice)
        editor = self.client.get(self.edit_url(template))
        self.assertContains(editor, 'hx-confirm="Archive Order shipped?')
        url = reverse("email_templates:archive", args=[template.pk])
        response = self.client.post(url, headers=HTMX)
        self.assertEqual(response["HX-Redirect"], self.edit_url(template))


class VersionTests(TemplateDashboardTestCase):
    def test_it_lists_versions_shows_one_and_restores_it_as_a_new_version(self) -> None:
        template = self.make_template()
        template = actions.update_template(
            template, {"html": "<p>Second</p>"}, saved_by="bob@example.com"
        )
        self.client.force_login(self.bob)
        listing = self.client.get(reverse("email_templates:versions", args=[template.pk]))
        self.assertContains(listing, "Version 2")
        self.assertContains(listing, "alice@example.com")
        self.assertContains(listing, 'aria-label="Restore version 1"')
        self.assertNotContains(listing, 'aria-label="Restore version 2"')  # the current one

        version = self.client.get(reverse("email_templates:version", args=[template.pk, 1]))
        self.assertContains(version, html.escape(HTML))
        self.assertContains(version, "Restore this version")

        response = self.client.post(reverse("email_templates:restore", args=[template.pk, 1]))
        self.assertRedirects(response, self.edit_url(template), fetch_redirect_response=False)
        template.refresh_from_db()
        self.assertEqual((template.version, template.html), (3, HTML))
        self.assertEqual(template.versions.first().saved_by, "bob@example.com")  # type: ignore[union-attr]

    def test_an_unknown_version_is_404(self) -> None:
        template = self.make_template()
        self.client.force_login(self.alice)
        url = reverse("email_templates:version", args=[template.pk, 9])
        self.assertEqual(self.client.get(url).status_code, 404)
        restore = reverse("email_templates:restore", args=[template.pk, 9])
        self.assertEqual(self.client.post(restore).status_code, 404)


class PermissionTests(TemplateDashboardTestCase):
    def test_viewers_read_and_preview_but_cannot_change_anything(self) -> None:
        template = self.make_template()
        self.client.force_login(self.viewer)
        editor = self.client.get(self.edit_url(template))
        self.assertEqual(editor.status_code, 200)
        self.assertNotContains(editor, ">Save</button>")
        self.assertNotContains(editor, ">Duplicate</button>")
        self.assertNotContains(editor, ">Archive</a>")
        self.assertRegex(editor.content.decode(), r'<textarea id="template-html"[^>]* readonly')
        self.assertRegex(
            editor.content.decode(), r'<input type="text" id="template-name"[^>]* readonly'
        )
        self.assertIn("Sample orderNumber", srcdoc(editor))
        self.assertEqual(
            self.client.post(self.preview_url(template), editor_data()).status_code, 200
        )
        versions = self.client.get(reverse("email_templates:versions", args=[template.pk]))
        self.assertNotContains(versions, "Restore")

        for name, args in [
            ("edit", [template.pk]),
            ("duplicate", [template.pk]),
            ("archive", [template.pk]),
            ("unarchive", [template.pk]),
            ("restore", [template.pk, 1]),
        ]:
            with self.subTest(view=name):
                response = self.client.post(
                    reverse(f"email_templates:{name}", args=args), editor_data()
                )
                self.assertEqual(response.status_code, 403)
        template.refresh_from_db()
        self.assertEqual((template.version, template.status), (1, TemplateStatus.ACTIVE))
        self.assertEqual(Template.objects.count(), 1)

    def test_another_organizations_template_is_404(self) -> None:
        template = self.make_template()
        self.client.force_login(self.charlie)
        for name, method, args in [
            ("edit", "get", [template.pk]),
            ("edit", "post", [template.pk]),
            ("preview", "post", [template.pk]),
            ("sample", "post", [template.pk]),
            ("duplicate", "post", [template.pk]),
            ("archive", "post", [template.pk]),
            ("unarchive", "post", [template.pk]),
            ("versions", "get", [template.pk]),
            ("version", "get", [template.pk, 1]),
            ("restore", "post", [template.pk, 1]),
        ]:
            with self.subTest(view=name, method=method):
                url = reverse(f"email_templates:{name}", args=args)
                response = getattr(self.client, method)(
                    url, editor_data() if method == "post" else None
                )
                self.assertEqual(response.status_code, 404)
        template.refresh_from_db()
        self.assertEqual((template.version, template.status), (1, TemplateStatus.ACTIVE))

    def test_anonymous_visitors_are_sent_to_log_in(self) -> None:
        response = self.client.get(reverse("email_templates:list"))
        self.assertEqual(response.status_code, 302)
        self.assertIn("/login/", response["Location"])
