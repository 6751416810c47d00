"""An Organization's configuration version, and what each process caches under it.

emails.send reads the same few rows of an Organization on every request: the Template with the
Brand Kit it renders with (and the kit's logos), the verified sending domains. They change
rarely and are read thousands of times a second, so each process keeps what it built from them
(`for_org`), keyed by `Organization.config_version`.

The version is bumped by database triggers (`WatchConfig`, installed by a migration) on every
insert, update and delete of the rows those caches are built from, whatever writes them: a
model's save(), a QuerySet's update() or bulk_create(), raw SQL. A reader fetches the version in
the round trip of its first lookup (a send's Profile) and then uses what the cache holds for
that version, so a change is seen by every process on its next send: the bump commits with the
change. Only what was read outside a transaction is stored (`may_store`): a transaction that
changed a watched row sees its own bump before it commits, and it may roll back.

SQLite drops a table's triggers when a migration rebuilds the table; tests/test_config_version.py
checks that every watched table still has its triggers after all migrations.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.core.signals import setting_changed
from django.db import connection, migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import ProjectState

ORGANIZATION_TABLE = "accounts_organization"
MAX_ORGANIZATIONS = 512  # cached per process; the least recently used is dropped past it
MAX_ENTRIES = 2048  # per Organization; its cache starts again empty past it


@dataclass(frozen=True)
class Watched:
    """A table whose rows are configuration: `organization` is the SQL of a row's Organization
    id with `{row}` for NEW or OLD; `when`, a condition on the row for it to count."""

    table: str
    organization: str = "{row}.organization_id"
    when: str = ""


# What the caches of emails.send are built from. A DKIM key is read by the delivery engine, not
# cached, so it is not here.
WATCHED = (
    Watched("email_templates_template"),
    Watched("brand_kits_brandkit"),
    Watched(
        "brand_kits_brandkitlogo",
        organization=(
            "(SELECT organization_id FROM brand_kits_brandkit WHERE id = {row}.brand_kit_id)"
        ),
    ),
    # An Asset counts while it is some kit's logo (its URL, alt text and size are `brand.logo`);
    # removing a logo is the logo row's delete.
    Watched(
        "assets_asset",
        when="EXISTS (SELECT 1 FROM brand_kits_brandkitlogo WHERE asset_id = {row}.id)",
    ),
    Watched("sending_sendingdomain"),
)


def trigger_names(table: str, vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f"sf_config_{table}"]
    return [f"sf_config_{table}_{op}" for op in ("insert", "update", "delete")]


def _bump(watched: Watched, row: str) -> str:
    condition = f" AND {watched.when.format(row=row)}" if watched.when else ""
    return (
        f"UPDATE {ORGANIZATION_TABLE} SET config_version = config_version + 1"  # noqa: S608 - identifiers only
        f" WHERE id = {watched.organization.format(row=row)}{condition}"
    )


def install_sql(watched: Watched, vendor: str) -> list[str]:
    """The statements that create the triggers bumping the version on `watched`'s changes."""
    table = watched.table
    if vendor == "postgresql":
        (name,) = trigger_names(table, vendor)
        return [
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            f" IF TG_OP <> 'INSERT' THEN {_bump(watched, 'OLD')}; END IF;"
            f" IF TG_OP <> 'DELETE' THEN {_bump(watched, 'NEW')}; END IF;"
            " RETURN NULL; END $$",
            f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON {table}"
            f" FOR EACH ROW EXECUTE FUNCTION {name}()",
        ]
    if vendor != "sqlite":
        raise NotImplementedError(f"no configuration triggers for {vendor}")
    insert, update, delete = trigger_names(table, vendor)
    return [
        f"CREATE TRIGGER {insert} AFTER INSERT ON {table} BEGIN {_bump(watched, 'NEW')}; END",
        f"CREATE TRIGGER {update} AFTER UPDATE ON {table}"
        f" BEGIN {_bump(watched, 'OLD')}; {_bump(watched, 'NEW')}; END",
        f"CREATE TRIGGER {delete} AFTER DELETE ON {table} BEGIN {_bump(watched, 'OLD')}; END",
    ]


def uninstall_sql(watched: Watched, vendor: str) -> list[str]:
    names = trigger_names(watched.table, vendor)
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {names[0]} ON {watched.table}",
                f"DROP FUNCTION IF EXISTS {names[0]}()"]  # fmt: skip
    return [f"DROP TRIGGER IF EXISTS {name}" for name in names]


class WatchConfig(migrations.operations.base.Operation):
    """Install the triggers of every table in WATCHED (reversed: drop them). Run it again in a
    migration after one that rebuilds a watched table on SQLite."""

    reduces_to_sql = True
    reversible = True

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return self.__class__.__qualname__, [], {}

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        pass  # triggers are not part of Django's model state

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        vendor = schema_editor.connection.vendor
        for watched in WATCHED:
            for statement in [*uninstall_sql(watched, vendor), *install_sql(watched, vendor)]:
                schema_editor.execute(statement, params=None)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        for watched in WATCHED:
            for statement in uninstall_sql(watched, schema_editor.connection.vendor):
                schema_editor.execute(statement, params=None)

    def describe(self) -> str:
        return "Bump Organization.config_version on changes of the cached configuration tables"


class _Caches:
    """Per process: Organization id → (config_version, its cache)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[int, dict[Any, Any]]] = OrderedDict()

    def for_org(self, organization_id: str, version: int) -> dict[Any, Any]:
        with self._lock:
            entry = self._entries.get(organization_id)
            if entry is None or entry[0] != version or len(entry[1]) > MAX_ENTRIES:
                entry = self._entries[organization_id] = (version, {})
            self._entries.move_to_end(organization_id)
            while len(self._entries) > MAX_ORGANIZATIONS:
                self._entries.popitem(last=False)
        return entry[1]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_CACHES = _Caches()


def current(organization_id: str) -> int:
    """The Organization's version as committed now (or as this transaction changed it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT config_version FROM {ORGANIZATION_TABLE} WHERE id = %s",  # noqa: S608 - identifiers only
            [organization_id],
        )
        row = cursor.fetchone()
    return row[0] if row else 0


def for_org(organization_id: str, version: int) -> dict[Any, Any]:
    """This process's cache for the Organization at `version` (from `current` or a lookup's
    own round trip): values built from the WATCHED rows, under keys of the caller's choosing
    (a tuple led by its module's name). Treat what is in it as read-only: threads share it."""
    return _CACHES.for_org(organization_id, version)


def may_store() -> bool:
    """Whether what this connection just read may go into the cache: only committed rows, read
    outside a transaction (inside one, the version may be this transaction's own bump)."""
    return not connection.in_atomic_block


def clear(**_: Any) -> None:
    _CACHES.clear()


# Cached values hold URLs built from settings (SITE_URL, the storage's public URL).
setting_changed.connect(clear, dispatch_uid="segmentflow.config_version.clear")
