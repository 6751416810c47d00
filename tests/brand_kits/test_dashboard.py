"""The Brand Kits dashboard: the list, the editor and its live sample, and the website import."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Organization
from apps.assets.models import Asset
from apps.brand_kits import actions
from apps.brand_kits.models import BrandExtraction, BrandKit, ExtractionStatus
from tests.base import PersonaTestCase
from tests.factories import make_asset, make_ready_asset

HTMX = {"HX-Request": "true"}


def form_data(**overrides: Any) -> dict[str, Any]:
    """The editor's fields as a browser posts them, every one present."""
    data: dict[str, Any] = {
        "name": "Acme",
        "website_url": "https://acme.example.com",
        "colors.primary": "#1d4ed8",
        "colors.secondary": "#64748b",
        "colors.accent": "#f59e0b",
        "colors.background": "#ffffff",
        "colors.text": "#111111",
        "fonts.heading": "Playfair Display",
        "fonts.body": "Inter",
        "sender.from_name": "Acme Coffee",
        "sender.from_email": "hello@acme.example.com",
        "sender.reply_to": "",
        "footer.company_name": "Acme Inc.",
        "footer.address": "1 Main Street\nSpringfield",
        "logos.primary": "",
        "logos.icon": "",
        "logos.dark": "",
        "social_links.network": ["instagram", ""],
        "social_links.url": ["https://instagram.com/acme", ""],
    }
    return data | overrides


class BrandKitDashboardTestCase(PersonaTestCase):
    def make_kit(self, org: Organization | None = None, **data: Any) -> BrandKit:
        return actions.create_brand_kit(org or self.acme, **{"name": "Acme", **data})

    def edit_url(self, kit: BrandKit) -> str:
        return reverse("brand_kits:edit", args=[kit.pk])


class ListTests(BrandKitDashboardTestCase):
    def test_it_explains_what_a_kit_is_when_there_is_none(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.get(reverse("brand_kits:list"))
        self.assertContains(response, "<h2>No Brand Kits yet</h2>", html=True)
        self.assertContains(response, "holds your logos, colors, fonts, sender and footer")
        self.assertContains(response, reverse("brand_kits:create"))

    def test_it_lists_the_kits_with_default_badge_swatches_and_logo(self) -> None:
        icon, logo = make_ready_asset(self.acme), make_ready_asset(self.acme)
        first = self.make_kit(
            name="Coffee",
            colors={"primary": "#6f4e37"},
            logos=[{"asset_id": icon.pk, "role": "icon"}, {"asset_id": logo.pk, "role": "primary"}],
        )
        second = self.make_kit(name="Tea")
        self.make_kit(self.globex, name="Globex brand")
        self.client.force_login(self.bob)
        response = self.client.get(reverse("brand_kits:list"))
        self.assertContains(response, f'<a href="{self.edit_url(first)}">Coffee</a>', html=True)
        self.assertContains(response, f'<a href="{self.edit_url(second)}">Tea</a>', html=True)
        self.assertContains(response, '<span class="badge badge-ok">Default</span>', count=1)
        self.assertContains(response, 'style="background: #6f4e37"')
        # The primary logo, though the icon comes first.
        self.assertContains(response, f'/media/assets/{logo.pk}/thumb.png"')
        self.assertNotContains(response, f"/media/assets/{icon.pk}/")
        self.assertContains(response, "Make Tea the default")
        self.assertNotContains(response, "Make Coffee the default")
        self.assertNotContains(response, "Globex brand")

    def test_a_viewer_sees_the_list_without_write_actions(self) -> None:
        self.make_kit(name="Coffee")
        self.client.force_login(self.viewer)
        response = self.client.get(reverse("brand_kits:list"))
        self.assertContains(response, "Coffee")
        self.assertNotContains(response, "New Brand Kit")
        self.assertNotContains(response, "Delete")

    def test_the_sidebar_marks_the_section(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.get(reverse("brand_kits:list"))
        self.assertContains(
            response, '<a href="/brand-kits/" aria-current="page">Brand Kits</a>', html=True
        )


class CreateTests(BrandKitDashboardTestCase):
    def test_the_first_kit_is_created_as_the_default(self) -> None:
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(reverse("brand_kits:create")).status_code, 200)
        response = self.client.post(reverse("brand_kits:create"), form_data())
        kit = BrandKit.objects.get(organization=self.acme)
        self.assertRedirects(response, self.edit_url(kit), fetch_redirect_response=False)
        self.assertTrue(kit.is_default)
        self.assertEqual(kit.colors["primary"], "#1d4ed8")
        self.assertEqual(
            kit.social_links, [{"network": "instagram", "url": "https://instagram.com/acme"}]
        )
        self.assertContains(self.client.get(self.edit_url(kit)), "The Brand Kit Acme was created.")

    def test_an_htmx_create_answers_with_a_client_redirect(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.post(reverse("brand_kits:create"), form_data(), headers=HTMX)
        kit = BrandKit.objects.get(organization=self.acme)
        self.assertEqual(response["HX-Redirect"], self.edit_url(kit))

    def test_a_kit_without_a_name_is_refused_and_keeps_what_was_typed(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.post(
            reverse("brand_kits:create"), form_data(name="  ", **{"colors.text": "#abcdef"})
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "field required", status_code=422)
        self.assertContains(response, 'value="#abcdef"', status_code=422)
        self.assertContains(response, 'value="hello@acme.example.com"', status_code=422)
        self.assertFalse(BrandKit.objects.exists())


class EditTests(BrandKitDashboardTestCase):
    def setUp(self) -> None:
        self.kit = self.make_kit(name="Acme", colors={"primary": "#000000"})
        self.client.force_login(self.bob)

    def test_the_editor_shows_every_section(self) -> None:
        response = self.client.get(self.edit_url(self.kit))
        for legend in ("Brand", "Colors", "Logos", "Fonts", "Sender", "Footer", "Social links"):
            self.assertContains(response, f"<legend>{legend}</legend>", html=True)
        self.assertContains(response, 'type="color"', count=5)
        self.assertContains(response, 'name="colors.primary" value="#000000"')
        self.assertContains(response, '<datalist id="web-fonts">')
        self.assertContains(response, "Marketing email must carry the sender&#x27;s postal address")
        self.assertContains(response, 'id="kit-sample"')

    def test_it_saves_every_section(self) -> None:
        logo, icon = make_ready_asset(self.acme), make_ready_asset(self.acme)
        data = form_data(
            **{
                "logos.primary": logo.pk,
                "logos.icon": icon.pk,
                "sender.reply_to": "support@acme.example.com",
                "social_links.network": ["instagram", "linkedin", ""],
                "social_links.url": [
                    "https://instagram.com/acme",
                    "https://linkedin.com/company/acme",
                    "",
                ],
            }
        )
        response = self.client.post(self.edit_url(self.kit), data)
        self.assertRedirects(response, self.edit_url(self.kit))
        kit = BrandKit.objects.get(pk=self.kit.pk)
        self.assertEqual(kit.website_url, "https://acme.example.com")
        self.assertEqual(kit.colors["text"], "#111111")
        self.assertEqual(kit.fonts, {"heading": "Playfair Display", "body": "Inter"})
        self.assertEqual(
            kit.sender,
            {
                "fromName": "Acme Coffee",
                "fromEmail": "hello@acme.example.com",
                "replyTo": "support@acme.example.com",
            },
        )
        self.assertEqual(kit.footer["address"], "1 Main Street\nSpringfield")
        self.assertEqual([link["network"] for link in kit.social_links], ["instagram", "linkedin"])
        roles = {logo.role: logo.asset_id for logo in kit.logos.all()}
        self.assertEqual(roles, {"primary": logo.pk, "icon": icon.pk})

    def test_emptying_a_field_clears_it(self) -> None:
        self.client.post(self.edit_url(self.kit), form_data())
        data = form_data(**{"colors.accent": "", "fonts.heading": "", "social_links.url": [""]})
        data["social_links.network"] = [""]
        self.client.post(self.edit_url(self.kit), data)
        kit = BrandKit.objects.get(pk=self.kit.pk)
        self.assertNotIn("accent", kit.colors)
        self.assertEqual(kit.fonts, {"body": "Inter"})
        self.assertEqual(kit.social_links, [])

    def test_bad_input_shows_each_error_by_its_field_and_keeps_what_was_typed(self) -> None:
        data = form_data(
            **{
                "colors.primary": "#12",
                "sender.from_email": "not-an-email",
                "fonts.body": "Comic; Sans",
                "social_links.network": ["instagram", "mastodon"],
                "social_links.url": ["https://instagram.com/acme", "ftp://social.example"],
            }
        )
        response = self.client.post(self.edit_url(self.kit), data)
        self.assertEqual(response.status_code, 422)
        html = response.content.decode()
        for typed in ('value="#12"', 'value="not-an-email"', 'value="Comic; Sans"'):
            self.assertIn(typed, html)
        self.assertIn('value="ftp://social.example"', html)
        self.assertIn('value="Playfair Display"', html)  # a valid field is kept as well
        # Each message sits in the row of the field it names.
        self.assertRegex(html, r'(?s)name="colors.primary".{0,400}must be a color such as #1a2b3c')
        self.assertRegex(html, r'(?s)name="sender.from_email".{0,400}not a valid email address')
        self.assertRegex(html, r'(?s)name="fonts.body".{0,400}a font family name')
        self.assertRegex(html, r'(?s)value="ftp://social.example".{0,600}must be an http\(s\) URL')
        self.assertEqual(BrandKit.objects.get(pk=self.kit.pk).colors, {"primary": "#000000"})

    def test_an_htmx_save_with_errors_swaps_only_the_form(self) -> None:
        data = form_data(**{"colors.text": "red"})
        response = self.client.post(self.edit_url(self.kit), data, headers=HTMX)
        self.assertEqual(response.status_code, 422)
        html = response.content.decode()
        self.assertTrue(html.lstrip().startswith('<form id="kit-form"'))
        self.assertNotIn("<html", html)
        self.assertIn('value="red"', html)

    def test_a_logo_must_be_a_ready_asset_of_the_organization(self) -> None:
        theirs = make_ready_asset(self.globex)
        response = self.client.post(self.edit_url(self.kit), form_data(**{"logos.icon": theirs.pk}))
        self.assertContains(response, "not a ready Asset of this Organization", status_code=422)
        self.assertFalse(self.kit.logos.exists())

    def test_the_logo_picker_offers_ready_assets_only(self) -> None:
        ready = make_ready_asset(self.acme, filename="logo.png")
        make_asset(self.acme, filename="pending.png")
        response = self.client.get(self.edit_url(self.kit))
        self.assertContains(response, f'name="logos.primary" value="{ready.pk}"')
        self.assertContains(response, f'name="logos.dark" value="{ready.pk}"')
        self.assertNotContains(response, "pending.png")

    def test_the_logo_options_reload_keeps_the_choice(self) -> None:
        old, new = make_ready_asset(self.acme), make_ready_asset(self.acme)
        url = reverse("brand_kits:logo_options")
        response = self.client.get(url, {"logos.icon": old.pk}, headers=HTMX)
        html = response.content.decode()
        self.assertTrue(html.lstrip().startswith('<div id="logo-pickers"'))
        self.assertEqual(html.count('class="form-row logo-picker'), 3)
        self.assertContains(response, f'name="logos.icon" value="{old.pk}" checked')
        self.assertContains(response, f'name="logos.icon" value="{new.pk}">')
        self.assertContains(response, f'name="logos.primary" value="{old.pk}">')
        self.assertContains(response, 'name="logos.primary" value="" checked')


class PreviewTests(BrandKitDashboardTestCase):
    def test_the_sample_shows_the_values_being_typed(self) -> None:
        logo = make_ready_asset(self.acme, alt_text="Acme logo")
        self.client.force_login(self.bob)
        data = form_data(**{"colors.primary": "#fde047", "logos.primary": logo.pk})
        response = self.client.post(reverse("brand_kits:preview"), data, headers=HTMX)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        # A light primary gets dark button text.
        self.assertIn("background: #fde047; color: #111827;", html)
        self.assertIn(f'/media/assets/{logo.pk}/original.png" alt="Acme logo"', html)
        self.assertIn("font-family: &#x27;Playfair Display&#x27;, Georgia", html)
        self.assertIn("1 Main Street<br>Springfield", html)
        self.assertIn("instagram", html)
        self.assertIn(
            'id="contrast-warnings" class="contrast-warnings" aria-live="polite" '
            'hx-swap-oob="true"',
            html,
        )
        self.assertIn("Inter, Helvetica, Arial, sans-serif", html)

    def test_a_low_contrast_text_color_is_warned_about(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.post(
            reverse("brand_kits:preview"), form_data(**{"colors.text": "#eeeeee"})
        )
        self.assertContains(response, "Text on background has a contrast of")

    def test_invalid_values_fall_back_to_the_defaults(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.post(
            reverse("brand_kits:preview"), form_data(**{"colors.background": "#zzz"})
        )
        self.assertContains(response, "background: #ffffff; color: #111111;")


class DefaultAndDeleteTests(BrandKitDashboardTestCase):
    def test_make_default_moves_the_badge(self) -> None:
        first, second = self.make_kit(name="One"), self.make_kit(name="Two")
        self.client.force_login(self.bob)
        response = self.client.post(reverse("brand_kits:make_default", args=[second.pk]))
        self.assertRedirects(response, reverse("brand_kits:list"))
        first.refresh_from_db()
        second.refresh_from_db()
        self.assertEqual((first.is_default, second.is_default), (False, True))
        self.assertEqual(
            self.client.get(reverse("brand_kits:make_default", args=[second.pk])).status_code, 405
        )

    def test_delete_asks_first_and_then_deletes(self) -> None:
        first, second = self.make_kit(name="One"), self.make_kit(name="Two")
        self.client.force_login(self.bob)
        url = reverse("brand_kits:delete", args=[first.pk])
        response = self.client.get(url)
        self.assertContains(response, "<h1>Delete One?</h1>", html=True)
        self.assertContains(response, "This is the default Brand Kit.")
        self.assertTrue(BrandKit.objects.filter(pk=first.pk).exists())
        self.assertRedirects(self.client.post(url), reverse("brand_kits:list"))
        self.assertFalse(BrandKit.objects.filter(pk=first.pk).exists())
        second.refresh_from_db()
        self.assertTrue(second.is_default)


class PermissionTests(BrandKitDashboardTestCase):
    def setUp(self) -> None:
        self.kit = self.make_kit(name="Acme", colors={"primary": "#1d4ed8"})

    def test_a_viewer_sees_the_kit_read_only(self) -> None:
        self.client.force_login(self.viewer)
        response = self.client.get(self.edit_url(self.kit))
        self.assertContains(response, "read-only for your role")
        self.assertContains(response, "<code>#1d4ed8</code>", html=True)
        self.assertContains(response, 'class="email-sample"')
        self.assertNotContains(response, 'id="kit-form"')
        self.assertNotContains(response, 'name="colors.primary"')
        self.assertNotContains(response, 'type="color"')
        self.assertNotContains(response, "Import from website")

    def test_a_viewer_cannot_write(self) -> None:
        self.client.force_login(self.viewer)
        posts = [
            (reverse("brand_kits:create"), form_data()),
            (self.edit_url(self.kit), form_data(name="Changed")),
            (reverse("brand_kits:preview"), form_data()),
            (reverse("brand_kits:make_default", args=[self.kit.pk]), {}),
            (reverse("brand_kits:delete", args=[self.kit.pk]), {}),
            (reverse("brand_kits:import_start", args=[self.kit.pk]), {"url": "https://a.example"}),
        ]
        for url, data in posts:
            with self.subTest(url=url):
                self.assertEqual(self.client.post(url, data).status_code, 403)
        self.assertEqual(self.client.get(reverse("brand_kits:create")).status_code, 403)
        self.kit.refresh_from_db()
        self.assertEqual(self.kit.name, "Acme")
        self.assertFalse(BrandExtraction.objects.exists())

    def test_a_kit_of_another_organization_is_not_found(self) -> None:
        self.client.force_login(self.charlie)
        extraction = BrandExtraction.objects.create(
            organization=self.acme, brand_kit=self.kit, url="https://acme.example.com/"
        )
        urls = [
            self.edit_url(self.kit),
            reverse("brand_kits:delete", args=[self.kit.pk]),
            reverse("brand_kits:import_start", args=[self.kit.pk]),
            reverse("brand_kits:import_detail", args=[self.kit.pk, extraction.pk]),
        ]
        for url in urls:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.post(self.edit_url(self.kit), form_data()).status_code, 404)
        apply_url = reverse("brand_kits:import_apply", args=[self.kit.pk, extraction.pk])
        self.assertEqual(self.client.post(apply_url, {"parts": ["logos"]}).status_code, 404)
        self.kit.refresh_from_db()
        self.assertEqual(self.kit.website_url, "")

    def test_an_extraction_of_another_kit_is_not_found(self) -> None:
        other = self.make_kit(name="Other")
        extraction = BrandExtraction.objects.create(
            organization=self.acme, brand_kit=other, url="https://acme.example.com/"
        )
        self.client.force_login(self.bob)
        url = reverse("brand_kits:import_detail", args=[self.kit.pk, extraction.pk])
        self.assertEqual(self.client.get(url).status_code, 404)


class ImportTests(BrandKitDashboardTestCase):
    def setUp(self) -> None:
        self.kit = self.make_kit(
            name="Acme",
            website_url="https://acme.example.com",
            colors={"primary": "#000000", "background": "#ffffff"},
            fonts={"body": "Inter"},
        )
        self.client.force_login(self.bob)

    def extraction(self, **kw: Any) -> BrandExtraction:
        kw.setdefault("url", "https://acme.example.com/")
        return BrandExtraction.objects.create(organization=self.acme, brand_kit=self.kit, **kw)

    def detail_url(self, extraction: BrandExtraction) -> str:
        return reverse("brand_kits:import_detail", args=[self.kit.pk, extraction.pk])

    def test_the_form_starts_from_the_kits_website(self) -> None:
        response = self.client.get(reverse("brand_kits:import_start", args=[self.kit.pk]))
        self.assertContains(response, 'name="url" value="https://acme.example.com"')

    def test_a_bad_url_is_refused_with_the_reason(self) -> None:
        url = reverse("brand_kits:import_start", args=[self.kit.pk])
        for bad, reason in [
            ("ftp://acme.example.com/", "only http and https URLs can be fetched"),
            ("http://127.0.0.1/admin", "127.0.0.1 is"),
        ]:
            with self.subTest(url=bad):
                response = self.client.post(url, {"url": bad})
                self.assertContains(response, "This URL cannot be imported", status_code=422)
                self.assertContains(response, reason, status_code=422)
                self.assertContains(response, f'value="{bad}"', status_code=422)
        self.assertFalse(BrandExtraction.objects.exists())

    def test_a_good_url_queues_the_import_and_shows_its_progress(self) -> None:
        url = reverse("brand_kits:import_start", args=[self.kit.pk])
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            response = self.client.post(url, {"url": "acme.example.com"})
        extraction = BrandExtraction.objects.get(brand_kit=self.kit)
        self.assertRedirects(response, self.detail_url(extraction))
        self.assertEqual(extraction.url, "https://acme.example.com/")
        self.assertEqual(len(callbacks), 1)  # the task, queued once the row is committed
        page = self.client.get(self.detail_url(extraction))
        self.assertContains(page, '<progress class="import-bar" max="100" value="0"')
        self.assertContains(page, "Waiting for a worker to start it.")
        self.assertContains(page, 'hx-trigger="every 500ms"')

    def test_an_import_whose_worker_died_stops_polling_as_failed(self) -> None:
        silent_since = timezone.now() - timedelta(minutes=10)
        extraction = self.extraction(
            status=ExtractionStatus.RUNNING, progress=40, step="Reading the page"
        )
        BrandExtraction.objects.filter(pk=extraction.pk).update(updated_at=silent_since)
        response = self.client.get(self.detail_url(extraction), headers=HTMX)
        self.assertContains(response, "interrupted")
        self.assertNotContains(response, 'hx-trigger="every 500ms"')
        # Shown failed, not written: the worker's sweep records it (test_interrupted.py).
        extraction.refresh_from_db()
        self.assertEqual(extraction.status, ExtractionStatus.RUNNING)
        recent = self.client.get(reverse("brand_kits:import_start", args=[self.kit.pk]))
        self.assertContains(recent, '<span class="badge badge-extraction-failed">Failed</span>')

    def test_the_progress_fragment_polls_until_the_import_ends(self) -> None:
        extraction = self.extraction(
            status=ExtractionStatus.RUNNING, progress=40, step="Reading the page"
        )
        response = self.client.get(self.detail_url(extraction), headers=HTMX)
        html = response.content.decode()
        self.assertTrue(html.lstrip().startswith('<div id="import-progress"'))
        self.assertNotIn("<html", html)
        self.assertIn('value="40"', html)
        self.assertIn("Reading the page", html)
        self.assertIn('hx-trigger="every 500ms"', html)

    def test_a_failed_import_shows_the_error_and_a_retry(self) -> None:
        extraction = self.extraction(
            status=ExtractionStatus.FAILED,
            progress=5,
            step="Failed",
            error="The site could not be read: connection refused.",
        )
        response = self.client.get(self.detail_url(extraction), headers=HTMX)
        self.assertContains(response, "The import failed.")
        self.assertContains(response, "connection refused")
        self.assertNotContains(response, "hx-trigger")
        self.assertContains(
            response, '<button type="submit" class="button primary">Retry</button>', html=True
        )
        self.assertContains(response, 'name="url" value="https://acme.example.com/"')

    def succeeded(self, logo: Asset) -> BrandExtraction:
        result = {
            "name": "Acme Coffee",
            "websiteUrl": "https://www.acme.example.com/",
            "logos": [
                {
                    "assetId": logo.pk,
                    "role": "primary",
                    "sourceUrl": "https://www.acme.example.com/logo.png",
                    "source": "img-logo",
                }
            ],
            "colors": {"primary": "#6f4e37", "background": "#ffffff", "text": "#222222"},
            "fonts": {"heading": "Playfair Display", "body": "Lora"},
            "socialLinks": [{"network": "instagram", "url": "https://instagram.com/acme"}],
            "notes": ["The page's logo is an inline SVG, which was not imported."],
        }
        return self.extraction(
            status=ExtractionStatus.SUCCEEDED, progress=100, step="Done", result=result
        )

    def test_the_review_shows_current_and_proposed_values_ticking_what_differs(self) -> None:
        logo = make_ready_asset(self.acme, filename="logo.png")
        extraction = self.succeeded(logo)
        response = self.client.get(self.detail_url(extraction))
        html = response.content.decode()
        self.assertNotIn('hx-trigger="every 500ms"', html)
        for part in (
            "website_url",
            "logos",
            "colors.primary",
            "colors.text",
            "fonts.heading",
            "fonts.body",
            "social_links",
        ):
            self.assertIn(
                f'name="parts" value="{part}" id="part-{part.replace(".", "-")}" checked', html
            )
        # The same background is offered unticked; nothing found for accent: no checkbox.
        self.assertIn('name="parts" value="colors.background" id="part-colors-background">', html)
        self.assertNotIn('value="colors.accent"', html)
        self.assertIn(f'/media/assets/{logo.pk}/thumb.png"', html)
        self.assertIn("<code>#6f4e37</code>", html)
        self.assertIn("<code>#000000</code>", html)
        self.assertIn("inline SVG, which was not imported", html)
        self.assertIn("Apply selected", html)

    def test_apply_writes_only_the_selected_parts(self) -> None:
        logo = make_ready_asset(self.acme)
        extraction = self.succeeded(logo)
        url = reverse("brand_kits:import_apply", args=[self.kit.pk, extraction.pk])
        tampered = self.client.post(url, {"parts": ["colors.primary", "logos", "bogus"]})
        self.assertRedirects(tampered, self.detail_url(extraction), fetch_redirect_response=False)
        self.assertContains(self.client.get(self.detail_url(extraction)), "unknown parts: bogus")
        self.assertEqual(BrandKit.objects.get(pk=self.kit.pk).colors["primary"], "#000000")
        response = self.client.post(url, {"parts": ["colors.primary", "logos"]})
        self.assertRedirects(response, self.edit_url(self.kit), fetch_redirect_response=False)
        kit = BrandKit.objects.get(pk=self.kit.pk)
        self.assertEqual(kit.colors, {"primary": "#6f4e37", "background": "#ffffff"})
        self.assertEqual(kit.fonts, {"body": "Inter"})
        self.assertEqual(kit.website_url, "https://acme.example.com")
        self.assertEqual([(x.role, x.asset_id) for x in kit.logos.all()], [("primary", logo.pk)])
        extraction.refresh_from_db()
        self.assertIsNotNone(extraction.applied_at)
        page = self.client.get(self.edit_url(self.kit))
        self.assertContains(page, "Applied 2 parts of the import to Acme.")
        self.assertContains(page, 'name="colors.primary" value="#6f4e37"')

    def test_apply_without_a_part_changes_nothing(self) -> None:
        extraction = self.succeeded(make_ready_asset(self.acme))
        url = reverse("brand_kits:import_apply", args=[self.kit.pk, extraction.pk])
        response = self.client.post(url, {})
        self.assertRedirects(response, self.detail_url(extraction), fetch_redirect_response=False)
        self.assertContains(
            self.client.get(self.detail_url(extraction)), "Select at least one part"
        )
        self.assertEqual(BrandKit.objects.get(pk=self.kit.pk).colors["primary"], "#000000")

    def test_an_unfinished_import_cannot_be_applied(self) -> None:
        extraction = self.extraction(status=ExtractionStatus.RUNNING, progress=50)
        url = reverse("brand_kits:import_apply", args=[self.kit.pk, extraction.pk])
        response = self.client.post(url, {"parts": ["colors.primary"]}, follow=True)
        self.assertContains(response, "Nothing was applied: Only a finished import can be applied.")
