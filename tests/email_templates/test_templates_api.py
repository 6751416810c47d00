"""Every Templates route × persona, Liquid validation on save, versions, and rendering through
the API with a saved or an inline Profile."""

from __future__ import annotations

from typing import Any

from apps.assets.actions import delete_asset
from apps.email_templates.models import Template, TemplateVersion
from segmentflow.errors import ActionError
from tests.base import PersonaTestCase
from tests.brand_kits.test_brand_kits_api import make_ready_asset
from tests.factories import make_profile

WELCOME = {
    "name": "Welcome",
    "subject": "Welcome, {{ profile.firstName | default: 'there' }}",
    "preheader": "Your account is ready",
    "html": "<html><body><h1 style='color: {{ brand.colors.primary }}'>Hi "
    "{{ profile.firstName | default: 'there' }}</h1><p>Order {{ data.orderNumber }}</p>"
    "</body></html>",
    "purpose": "transactional",
}
NEWSLETTER = {
    "name": "November news",
    "subject": "News",
    "html": "<html><body><p>Hello</p><a href='{{ unsubscribeUrl }}'>Unsubscribe</a></body></html>",
    "purpose": "marketing",
}
ROUTES = [
    ("GET", "/templates", "templates:read"),
    ("GET", "/templates/{id}", "templates:read"),
    ("POST", "/templates", "templates:write"),
    ("PATCH", "/templates/{id}", "templates:write"),
    ("POST", "/templates/{id}/render", "templates:read"),
    ("POST", "/templates/{id}/duplicate", "templates:write"),
    ("POST", "/templates/{id}/archive", "templates:write"),
    ("POST", "/templates/{id}/unarchive", "templates:write"),
]
BODIES: dict[str, Any] = {
    "/templates": WELCOME,
    "/templates/{id}": {"name": "Renamed"},
    "/templates/{id}/render": {"data": {"orderNumber": "A-1"}},
}
EXPECTED = {("POST", "/templates"): 201, ("POST", "/templates/{id}/duplicate"): 201}


class TemplatesApiTestCase(PersonaTestCase):
    def create(self, secret: str | None = None, **body: Any) -> dict[str, Any]:
        response = self.api("POST", "/templates", secret, body={**WELCOME, **body})
        self.assertEqual(response.status_code, 201, response.content)
        return dict(response.json())

    def refused(self, response: Any, path: str) -> dict[str, Any]:
        error = self.assertEnvelope(response, 422, "validation_failed")
        self.assertIn(path, [field["path"] for field in error["fields"]], error)
        return error

    def call(self, method: str, path: str, secret: str, template: dict[str, Any]) -> Any:
        body = BODIES.get(path) if method != "GET" else None
        return self.api(method, path.format(id=template["id"]), secret, body=body)


class TemplateScopeTests(TemplatesApiTestCase):
    def test_every_route_works_with_its_scope(self) -> None:
        for method, path, scope in ROUTES:
            with self.subTest(route=f"{method} {path}"):
                _, secret = self.key_with(scope)
                response = self.call(method, path, secret, self.create())
                expected = EXPECTED.get((method, path), 200)
                self.assertEqual(response.status_code, expected, response.content)

    def test_every_route_refuses_a_key_without_its_scope(self) -> None:
        template = self.create()
        other = {"templates:read": "templates:write", "templates:write": "templates:read"}
        for method, path, scope in ROUTES:
            with self.subTest(route=f"{method} {path}"):
                _, secret = self.key_with(other[scope], "profiles:read")
                error = self.assertEnvelope(
                    self.call(method, path, secret, template), 403, "insufficient_scope"
                )
                self.assertIn(scope, error["message"])
        self.assertEqual(Template.objects.count(), 1)
        self.assertEqual(Template.objects.get().version, 1)

    def test_every_route_hides_another_orgs_template(self) -> None:
        template = self.create()
        for method, path, _ in ROUTES:
            if "{id}" not in path:
                continue
            with self.subTest(route=f"{method} {path}"):
                self.assertEnvelope(
                    self.call(method, path, self.globex_secret, template), 404, "not_found"
                )
        self.assertEqual(self.api("GET", "/templates", self.globex_secret).json()["data"], [])
        self.assertEqual(Template.objects.get().name, "Welcome")

    def test_it_refuses_a_request_without_a_key(self) -> None:
        self.assertEnvelope(self.api("GET", "/templates", ""), 401, "missing_api_key")


class TemplateCreateTests(TemplatesApiTestCase):
    def test_it_creates_a_template_with_its_merge_fields(self) -> None:
        kit = self.api("POST", "/brand-kit", body={"name": "Acme"}).json()
        body = self.create(category="onboarding", tags=["welcome"], brandKitId=kit["id"])
        self.assertTrue(body["id"].startswith("tmpl_"))
        self.assertEqual(body["object"], "template")
        self.assertEqual(body["status"], "active")
        self.assertEqual(body["version"], 1)
        self.assertEqual(body["purpose"], "transactional")
        self.assertEqual(body["brandKitId"], kit["id"])
        self.assertEqual(body["text"], "")
        self.assertEqual(
            body["mergeFields"], ["brand.colors.primary", "data.orderNumber", "profile.firstName"]
        )
        self.assertEqual(TemplateVersion.objects.get().version, 1)

    def test_a_liquid_syntax_error_is_refused_with_line_and_column(self) -> None:
        html = "<p>Hello</p>\n<p>{% if profile.firstName %}Hi</p>"
        error = self.refused(self.api("POST", "/templates", body={**WELCOME, "html": html}), "html")
        field = error["fields"][0]
        self.assertEqual(field["line"], 2)
        self.assertIsInstance(field["column"], int)
        self.assertIn("line 2", field["message"])
        self.assertFalse(Template.objects.exists())

    def test_every_broken_source_is_listed(self) -> None:
        body = {**WELCOME, "subject": "{{ profile.firstName ", "html": "{% for x in %}"}
        error = self.refused(self.api("POST", "/templates", body=body), "subject")
        self.assertEqual([field["path"] for field in error["fields"]], ["subject", "html"])

    def test_every_bad_field_is_listed_at_once(self) -> None:
        body = {**WELCOME, "name": " ", "subject": "", "tags": ["x" * 51]}
        error = self.refused(self.api("POST", "/templates", body=body), "name")
        paths = [field["path"] for field in error["fields"]]
        self.assertEqual(paths, ["name", "subject", "tags"])

    def test_an_unknown_filter_is_refused(self) -> None:
        body = {**WELCOME, "html": "<p>{{ profile.firstName | shout }}</p>"}
        error = self.refused(self.api("POST", "/templates", body=body), "html")
        self.assertIn("shout", error["fields"][0]["message"])

    def test_a_marketing_template_needs_an_unsubscribe_link(self) -> None:
        body = {**NEWSLETTER, "html": "<p>Buy now</p>"}
        error = self.refused(self.api("POST", "/templates", body=body), "html")
        self.assertIn("unsubscribeUrl", error["fields"][0]["message"])
        self.assertEqual(self.api("POST", "/templates", body=NEWSLETTER).status_code, 201)

    def test_bad_bodies_name_the_field(self) -> None:
        for body, path in [
            ({**WELCOME, "name": ""}, "name"),
            ({**WELCOME, "subject": "  "}, "subject"),
            ({**WELCOME, "purpose": "spam"}, "purpose"),
            ({key: value for key, value in WELCOME.items() if key != "html"}, "html"),
            ({**WELCOME, "tags": ["x" * 51]}, "tags"),
            ({**WELCOME, "brandKitId": "bk_nope"}, "brandKitId"),
            ({**WELCOME, "colour": "red"}, "colour"),
            ({**WELCOME, "html": "<p>x</p>" * 70_000}, "html"),  # 560 KiB of source
            ({**WELCOME, "html": "<p>\x00</p>"}, "html"),
            ({**WELCOME, "subject": "Hi\x00"}, "subject"),
            ({**WELCOME, "text": "\x00"}, "text"),
            ({**WELCOME, "category": "a\x00"}, "category"),
            ({**WELCOME, "tags": ["a\x00"]}, "tags[0]"),
        ]:
            with self.subTest(path=path):
                self.refused(self.api("POST", "/templates", body=body), path)
        self.assertFalse(Template.objects.exists())

    def test_a_body_over_one_mebibyte_is_413(self) -> None:
        body = {**WELCOME, "html": "x" * (1024 * 1024 + 1)}
        self.assertEnvelope(self.api("POST", "/templates", body=body), 413, "payload_too_large")

    def test_another_orgs_brand_kit_is_refused(self) -> None:
        theirs = self.api("POST", "/brand-kit", self.globex_secret, body={"name": "G"}).json()
        self.refused(
            self.api("POST", "/templates", body={**WELCOME, "brandKitId": theirs["id"]}),
            "brandKitId",
        )


class TemplateUpdateTests(TemplatesApiTestCase):
    def test_each_change_of_content_makes_a_version_and_keeps_the_old_one(self) -> None:
        template = self.create()
        path = f"/templates/{template['id']}"
        changed = self.api("PATCH", path, body={"subject": "Hello {{ data.name }}"}).json()
        self.assertEqual(changed["version"], 2)
        self.assertIn("data.name", changed["mergeFields"])
        same = self.api("PATCH", path, body={"subject": "Hello {{ data.name }}"}).json()
        self.assertEqual(same["version"], 2)
        versions = TemplateVersion.objects.filter(template_id=template["id"])
        self.assertEqual(
            list(versions.values_list("version", "subject")),
            [(2, "Hello {{ data.name }}"), (1, WELCOME["subject"])],
        )
        self.assertEqual(versions.first().saved_by, "API key Acme full")  # type: ignore[union-attr]

    def test_a_broken_update_changes_nothing(self) -> None:
        template = self.create()
        path = f"/templates/{template['id']}"
        self.refused(self.api("PATCH", path, body={"html": "{% if %}"}), "html")
        self.refused(self.api("PATCH", path, body={"name": None}), "name")
        self.refused(self.api("PATCH", path, body={"purpose": "marketing"}), "html")
        after = self.api("GET", path).json()
        self.assertEqual((after["version"], after["html"]), (1, WELCOME["html"]))

    def test_brand_kit_can_be_cleared(self) -> None:
        kit = self.api("POST", "/brand-kit", body={"name": "Acme"}).json()
        template = self.create(brandKitId=kit["id"])
        path = f"/templates/{template['id']}"
        self.assertIsNone(self.api("PATCH", path, body={"brandKitId": None}).json()["brandKitId"])


class TemplateLifecycleTests(TemplatesApiTestCase):
    def test_duplicate_makes_an_active_copy(self) -> None:
        template = self.create(tags=["a"])
        self.api("POST", f"/templates/{template['id']}/archive")
        response = self.api("POST", f"/templates/{template['id']}/duplicate")
        self.assertEqual(response.status_code, 201)
        copy = response.json()
        self.assertNotEqual(copy["id"], template["id"])
        self.assertEqual(copy["name"], "Copy of Welcome")
        self.assertEqual((copy["status"], copy["version"], copy["tags"]), ("active", 1, ["a"]))
        self.assertEqual(copy["html"], template["html"])

    def test_archive_and_unarchive_are_idempotent(self) -> None:
        template = self.create()
        archive = f"/templates/{template['id']}/archive"
        first = self.api("POST", archive).json()
        again = self.api("POST", archive)
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json()["status"], "archived")
        self.assertEqual(again.json()["updatedAt"], first["updatedAt"])
        self.assertEqual(again.json()["version"], 1)
        unarchived = self.api("POST", f"/templates/{template['id']}/unarchive").json()
        self.assertEqual(unarchived["status"], "active")

    def test_list_filters_by_status_and_purpose(self) -> None:
        welcome = self.create()
        news = self.api("POST", "/templates", body=NEWSLETTER).json()
        old = self.create(name="Old")
        self.api("POST", f"/templates/{old['id']}/archive")

        def ids(query: str) -> list[str]:
            return [t["id"] for t in self.api("GET", f"/templates{query}").json()["data"]]

        self.assertEqual(ids(""), [old["id"], news["id"], welcome["id"]])
        self.assertEqual(ids("?status=active"), [news["id"], welcome["id"]])
        self.assertEqual(ids("?status=archived"), [old["id"]])
        self.assertEqual(ids("?purpose=marketing"), [news["id"]])
        self.assertEqual(ids("?status=active&purpose=transactional"), [welcome["id"]])
        self.assertEnvelope(self.api("GET", "/templates?status=gone"), 422, "validation_failed")

    def test_pagination(self) -> None:
        for index in range(3):
            self.create(name=f"T{index}")
        first = self.api("GET", "/templates?limit=2").json()
        self.assertTrue(first["hasMore"])
        rest = self.api("GET", f"/templates?limit=2&after={first['nextCursor']}").json()
        names = [t["name"] for t in first["data"] + rest["data"]]
        self.assertEqual(names, ["T2", "T1", "T0"])
        self.assertFalse(rest["hasMore"])

    def test_an_image_a_template_uses_cannot_be_deleted(self) -> None:
        asset = make_ready_asset(self.acme)
        url = f"http://testserver/media/{asset.original_key}"
        self.create(html=f"<html><body><img src='{url}' alt='Logo'></body></html>")
        response = self.api("DELETE", f"/assets/{asset.pk}")
        self.assertEnvelope(response, 409, "asset_in_use")
        Template.objects.all().delete()
        delete_asset(asset)


class TemplateRenderTests(TemplatesApiTestCase):
    def render(self, template_id: str, body: dict[str, Any]) -> Any:
        return self.api("POST", f"/templates/{template_id}/render", body=body)

    def test_it_renders_for_a_saved_profile(self) -> None:
        profile = make_profile(self.acme, email="ada@example.com", first_name="Ada")
        template = self.create()
        response = self.render(
            template["id"], {"profileId": profile.pk, "data": {"orderNumber": "A-1"}}
        )
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["subject"], "Welcome, Ada")
        self.assertIn("Hi Ada", body["html"])
        self.assertIn("Order A-1", body["html"])
        self.assertIn("Your account is ready", body["html"])
        self.assertIn("Order A-1", body["text"])
        self.assertEqual(body["headers"], {})

    def test_it_renders_for_an_inline_profile_with_defaults(self) -> None:
        template = self.create()
        body = self.render(template["id"], {"profile": {}, "data": {"orderNumber": 7}}).json()
        self.assertEqual(body["subject"], "Welcome, there")
        self.assertIn("color: #111827", body["html"])  # the neutral default brand color

    def test_it_uses_the_brand_kit(self) -> None:
        self.api("POST", "/brand-kit", body={"name": "Acme", "colors": {"primary": "#6f4e37"}})
        template = self.create()
        body = self.render(template["id"], {"data": {"orderNumber": 1}}).json()
        self.assertIn("color: #6f4e37", body["html"])

    def test_a_template_can_ask_for_any_logo_role_of_a_kit_without_logos(self) -> None:
        html = (
            "<html><body>{% if brand.logos.dark %}<img src='{{ brand.logos.dark.url }}'>"
            "{% else %}no dark logo{% endif %}{% if brand.logo %}logo{% endif %}</body></html>"
        )
        self.api("POST", "/brand-kit", body={"name": "Acme"})
        template = self.create(html=html)
        response = self.render(template["id"], {})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertIn("no dark logo", response.json()["html"])

    def test_missing_merge_data_names_the_path(self) -> None:
        template = self.create()
        error = self.assertEnvelope(
            self.render(template["id"], {"data": {}}), 422, "template_render_failed"
        )
        self.assertIn("data.orderNumber", error["message"])
        self.assertEqual(error["fields"][0]["path"], "data.orderNumber")

    def test_a_marketing_render_carries_the_unsubscribe_headers(self) -> None:
        profile = make_profile(self.acme, email="ada@example.com")
        news = self.api("POST", "/templates", body=NEWSLETTER).json()
        body = self.render(news["id"], {"profileId": profile.pk}).json()
        self.assertIn("/u/", body["html"])
        self.assertTrue(body["headers"]["List-Unsubscribe"].startswith("<http"))
        self.assertIn("/one-click/", body["headers"]["List-Unsubscribe"])
        self.assertEqual(body["headers"]["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")

    def test_a_runaway_loop_is_stopped_with_a_clear_error(self) -> None:
        html = (
            "{% for a in (1..1000) %}{% for b in (1..1000) %}{% for c in (1..1000) %}x"
            "{% endfor %}{% endfor %}{% endfor %}"
        )
        template = self.create(html=html)
        error = self.assertEnvelope(self.render(template["id"], {}), 422, "template_render_failed")
        self.assertIn("loop", error["message"])

    def test_bad_render_bodies(self) -> None:
        template = self.create()
        profile = make_profile(self.acme, email="ada@example.com")
        for body, path in [
            ({"profileId": profile.pk, "profile": {}}, "profile"),
            ({"profileId": "prof_missing"}, "profileId"),
            ({"data": "x"}, "data"),
            ({"extra": 1}, "extra"),
        ]:
            with self.subTest(path=path):
                self.refused(self.render(template["id"], body), path)
        theirs = make_profile(self.globex, email="eve@example.com")
        self.refused(self.render(template["id"], {"profileId": theirs.pk}), "profileId")

    def test_render_failures_are_action_errors_for_the_dashboard(self) -> None:
        from apps.email_templates.actions import render_template

        template = Template.objects.get(pk=self.create()["id"])
        with self.assertRaises(ActionError) as caught:
            render_template(template, data={})
        self.assertEqual(caught.exception.code, "template_render_failed")
