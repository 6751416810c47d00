"""Fewer indexes on the tables every API write inserts into (EmailSend, UserEvent, JourneyRun).

On PostgreSQL, Django gives every indexed varchar column, primary keys and foreign keys
included, a second `varchar_pattern_ops` index for `LIKE 'prefix%'`, and every foreign key a
plain index even when a composite index already leads with it. Each index costs every INSERT
its own update and WAL. Ids are never searched by prefix, so these tables declare their
foreign-key indexes in their Meta (no `_like` twin), and `DropPrimaryKeyLikeIndex` drops the
primary key's twin.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import ProjectState


def _like_index_name(schema_editor: BaseDatabaseSchemaEditor, model: Any) -> str:
    column = model._meta.pk.column
    return schema_editor._create_index_name(model._meta.db_table, [column], suffix="_like")  # type: ignore[attr-defined]


class DropPrimaryKeyLikeIndex(migrations.operations.base.Operation):
    """Drop the `varchar_pattern_ops` index PostgreSQL's schema editor made for a model's
    varchar primary key (nothing on other backends); reversed, create it again."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, model_name: str) -> None:
        self.model_name = model_name

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return self.__class__.__qualname__, [], {"model_name": self.model_name}

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        pass  # the model's state does not change: Django does not track this index

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        name = schema_editor.quote_name(_like_index_name(schema_editor, model))
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        statement = schema_editor._create_like_index_sql(model, model._meta.pk)  # type: ignore[attr-defined]
        if statement is not None:
            schema_editor.execute(statement)

    def describe(self) -> str:
        return f"Drop the LIKE index of {self.model_name}'s primary key (PostgreSQL)"
