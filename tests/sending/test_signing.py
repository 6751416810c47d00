"""The DKIM seam: dkimpy builds the header, OpenSSL signs; the result must be byte-identical to
dkimpy's own signature and verify with `dkim.verify`. dkimpy is pinned (1.1.8) for this seam."""

from __future__ import annotations

import dkim
from django.test import SimpleTestCase

from apps.sending import keys, records
from apps.sending.signing import sign_message

MESSAGE = (
    b"From: Acme <hello@example.com>\r\n"
    b"To: ada@example.net\r\n"
    b"Subject: Your receipt\r\n"
    b"Date: Thu, 03 Dec 2026 10:00:00 +0000\r\n"
    b"Message-ID: <es_01abc@example.com>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"X-Not-Signed: yes\r\n"
    b"\r\n"
    b"Thanks for your order.\r\n"
)


class SigningSeamTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.token, cls.public_key = keys.generate_key_pair()
        cls.pem = keys.decrypt(cls.token)

    def dns(self, name: bytes, timeout: int = 5) -> bytes:
        self.assertEqual(name, b"sf2026120000._domainkey.example.com.")
        return records.dkim_value(self.public_key).encode()

    def test_the_signature_is_dkimpys_own_byte_for_byte(self) -> None:
        fast = sign_message(
            MESSAGE, domain="example.com", selector="sf2026120000", private_key=self.token
        )
        signed = [b"from", b"to", b"subject", b"date", b"message-id", b"mime-version"]
        signed.append(b"content-type")
        stock = dkim.DKIM(MESSAGE, linesep=b"\r\n").sign(
            b"sf2026120000",
            b"example.com",
            self.pem,  # a plain PEM: dkimpy's pure-Python RSA
            canonicalize=(b"relaxed", b"simple"),
            include_headers=signed,
        )
        self.assertEqual(fast, stock)
        self.assertIn(b"a=rsa-sha256", fast)
        self.assertIn(b"c=relaxed/simple", fast)
        self.assertNotIn(b"x-not-signed", fast.lower())

    def test_the_signature_verifies_and_a_changed_body_does_not(self) -> None:
        header = sign_message(
            MESSAGE, domain="example.com", selector="sf2026120000", private_key=self.token
        )
        self.assertTrue(dkim.verify(header + MESSAGE, dnsfunc=self.dns))
        tampered = MESSAGE.replace(b"Thanks", b"Pay now")
        self.assertFalse(dkim.verify(header + tampered, dnsfunc=self.dns))
