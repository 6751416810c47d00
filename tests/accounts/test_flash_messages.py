"""Flash messages: in the page for plain requests, as an out-of-band toast for htmx fragments."""

from __future__ import annotations

import re

from django.http import HttpResponse

from tests.base import PersonaTestCase

HTMX = {"HX-Request": "true"}
CREATE_URL = "/settings/api-keys/new/"
LIST_URL = "/settings/api-keys/"


def oob_toasts(response: HttpResponse) -> list[str]:
    """The out-of-band `#messages` elements of a response, in order."""
    return re.findall(
        r'<div id="messages"[^>]*hx-swap-oob="true">.*?</div>\s*</div>',
        response.content.decode(),
        flags=re.DOTALL,
    )


class HtmxToastTests(PersonaTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.alice)

    def test_minting_via_htmx_adds_an_out_of_band_toast(self) -> None:
        response = self.client.post(
            CREATE_URL, {"name": "Toast key", "scopes": ["profiles:read"]}, headers=HTMX
        )
        self.assertEqual(response.status_code, 200)
        toasts = oob_toasts(response)
        self.assertEqual(len(toasts), 1, response.content)
        self.assertIn("API key “Toast key” created.", toasts[0])
        self.assertIn('class="message message-success"', toasts[0])
        # The message is consumed: the next page does not show it again.
        self.assertNotContains(self.client.get(LIST_URL), "Toast key” created.")

    def test_revoking_via_htmx_adds_an_out_of_band_toast_after_the_row(self) -> None:
        key, _ = self.key_with("profiles:read", name="Old key")
        response = self.client.post(f"/settings/api-keys/{key.id}/revoke/", headers=HTMX)
        html = response.content.decode()
        toasts = oob_toasts(response)
        self.assertEqual(len(toasts), 1, html)
        self.assertIn("API key “Old key” revoked.", toasts[0])
        self.assertLess(html.index(f'<tr id="key-{key.id}">'), html.index(toasts[0]))

    def test_the_toast_escapes_the_message(self) -> None:
        response = self.client.post(
            CREATE_URL, {"name": "<i>sly</i>", "scopes": ["profiles:read"]}, headers=HTMX
        )
        toast = oob_toasts(response)[0]
        self.assertIn("API key “&lt;i&gt;sly&lt;/i&gt;” created.", toast)
        self.assertNotIn("<i>", toast)

    def test_an_invalid_htmx_post_has_no_toast(self) -> None:
        response = self.client.post(CREATE_URL, {"name": ""}, headers=HTMX)
        self.assertEqual(response.status_code, 422)
        self.assertNotIn('id="messages"', response.content.decode())

    def test_a_plain_request_shows_the_message_in_the_page_not_out_of_band(self) -> None:
        response = self.client.post(CREATE_URL, {"name": "Plain", "scopes": ["profiles:read"]})
        self.assertContains(response, "API key “Plain” created.", count=1)
        self.assertContains(response, '<div id="messages" class="messages"')
        self.assertNotContains(response, "hx-swap-oob")

    def test_an_htmx_redirect_leaves_the_message_for_the_next_page(self) -> None:
        self.client.force_login(self.charlie)
        response = self.client.post("/switch-org/", {"org": "globex"}, headers=HTMX)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response.content, b"")
        # htmx follows the redirect itself; the page it lands on shows the message.
        self.assertContains(self.client.get("/"), "Switched to Globex.", count=1)
