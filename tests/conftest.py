from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings


def pytest_configure(config: pytest.Config) -> None:
    # Fast hashing: tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    uses_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    skip_pg = pytest.mark.skip(reason="needs DATABASE_URL pointing at PostgreSQL")
    for item in items:
        if "postgres" in item.keywords and not uses_postgres:
            item.add_marker(skip_pg)


@pytest.fixture(autouse=True, scope="session")
def local_dns_only() -> Iterator[None]:
    """No test asks the machine's resolver: domain checks go to an empty local DNS server
    (every name NXDOMAIN) unless a test starts its own."""
    from tests.sending.dns_server import serve_dns

    with serve_dns() as (_, nameserver):
        previous = settings.SEGMENTFLOW_DNS_NAMESERVERS
        settings.SEGMENTFLOW_DNS_NAMESERVERS = nameserver
        yield
        settings.SEGMENTFLOW_DNS_NAMESERVERS = previous
