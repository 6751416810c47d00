"""DKIM private keys are encrypted at rest with a key derived from SECRET_KEY; former keys in
SECRET_KEY_FALLBACKS still decrypt, and `reencrypt_dkim_keys` moves every key to the current."""

from __future__ import annotations

import base64
from io import StringIO

from cryptography.hazmat.primitives import serialization
from django.core.management import CommandError, call_command
from django.test import override_settings

from apps.sending import keys
from apps.sending.actions import create_domain
from apps.sending.models import DkimKey
from tests.base import PersonaTestCase

OLD = "the-old-secret-key-" + "x" * 40
NEW = "the-new-secret-key-" + "y" * 40


class KeyStorageTests(PersonaTestCase):
    def test_the_stored_private_key_is_encrypted_and_matches_the_public_key(self) -> None:
        create_domain(self.acme, "example.com")
        key = DkimKey.objects.get()
        self.assertNotIn("PRIVATE KEY", key.private_key)
        private = keys.load_pem(keys.decrypt(key.private_key))
        self.assertEqual(private.key_size, 2048)
        public = private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.assertEqual(base64.b64encode(public).decode(), key.public_key)

    def test_a_former_secret_key_in_the_fallbacks_still_decrypts_until_reencrypted(self) -> None:
        with override_settings(SECRET_KEY=OLD):
            create_domain(self.acme, "example.com")
            token = DkimKey.objects.get().private_key
            pem = keys.decrypt(token)
        with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[]):
            with self.assertRaises(keys.KeyDecryptionError):
                keys.decrypt(token)
            with self.assertRaises(CommandError):
                call_command("reencrypt_dkim_keys", stdout=StringIO())
        with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[OLD]):
            self.assertEqual(keys.decrypt(token), pem)
            self.assertFalse(keys.encrypted_with_current_key(token))
            out = StringIO()
            call_command("reencrypt_dkim_keys", stdout=out)
            self.assertIn("Re-encrypted 1 DKIM key(s); 0 already current.", out.getvalue())
            out = StringIO()
            call_command("reencrypt_dkim_keys", stdout=out)
            self.assertIn("Re-encrypted 0 DKIM key(s); 1 already current.", out.getvalue())
        with override_settings(SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[]):
            self.assertEqual(keys.decrypt(DkimKey.objects.get().private_key), pem)
