from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.sending.actions import reencrypt_keys
from apps.sending.keys import KeyDecryptionError


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored DKIM private key under the current SECRET_KEY. Run it after a "
        "SECRET_KEY rotation, while the old key is still listed in SECRET_KEY_FALLBACKS; then "
        "the old key may be removed from the fallbacks."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            changed, unchanged = reencrypt_keys()
        except KeyDecryptionError as exc:
            raise CommandError(
                f"{exc}: add the SECRET_KEY it was made with to SECRET_KEY_FALLBACKS"
            ) from exc
        self.stdout.write(f"Re-encrypted {changed} DKIM key(s); {unchanged} already current.")
