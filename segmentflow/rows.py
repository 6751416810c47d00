"""Model rows by hand-written SQL, for the few hot paths (events.track) where building and
compiling a QuerySet costs more than the round trip to the database (bench/profile_me.py
--track). Rows still become model instances through the ORM's own converters, and inserts go
through each field's own preparation, so both backends read and write what the ORM would."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models

Converter = Callable[[Any, Any, Any], Any]


@functools.cache
def _fields(model: type[models.Model], names: tuple[str, ...] | None) -> list[models.Field]:
    # In the model's order, which Model.from_db expects.
    fields = [f for f in model._meta.concrete_fields if names is None or f.name in names]
    if names is not None and len(fields) != len(set(names)):
        unknown = set(names) - {field.name for field in fields}
        raise ValueError(f"{model.__name__} has no column for {sorted(unknown)}")
    return fields


def _column(field: models.Field) -> str:
    if not field.column:  # only a non-concrete field has none
        raise TypeError(f"{field} has no column")
    return field.column


def columns(
    model: type[models.Model], alias: str = "", names: tuple[str, ...] | None = None
) -> str:
    """The quoted column list of these fields (all concrete fields by default), for SELECT."""
    return _columns(model, alias, names, connection.vendor)


@functools.cache
def _columns(
    model: type[models.Model], alias: str, names: tuple[str, ...] | None, vendor: str
) -> str:
    prefix = f"{connection.ops.quote_name(alias)}." if alias else ""
    return ", ".join(
        prefix + connection.ops.quote_name(_column(field)) for field in _fields(model, names)
    )


def width(model: type[models.Model], names: tuple[str, ...] | None = None) -> int:
    """How many columns `columns(model, names=names)` lists: where a joined row splits."""
    return len(_fields(model, names))


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@functools.cache
def _converters(
    model: type[models.Model], names: tuple[str, ...] | None, vendor: str
) -> list[tuple[int, list[Converter], Any]]:
    """Per column, what the ORM's compiler would apply to it (backend's, then field's)."""
    found = []
    for index, field in enumerate(_fields(model, names)):
        column = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if converters:
            found.append((index, converters, column))
    return found


def from_row[M: models.Model](
    model: type[M], row: Sequence[Any], names: tuple[str, ...] | None = None
) -> M:
    """A model instance of a row of `columns(model, names=names)`; fields not selected are
    deferred as with `.only()`."""
    values = list(row)
    for index, converters, column in _converters(model, names, connection.vendor):
        for converter in converters:
            values[index] = converter(values[index], column, connection)
    attnames = [field.attname for field in _fields(model, names)]
    return model.from_db(connection.alias, attnames, values)


def insert(instance: models.Model) -> None:
    """INSERT one new row of every concrete field, as bulk_create would without its batching
    (no signals, no returned columns: every field has its value in Python)."""
    model = type(instance)
    fields = _fields(model, None)
    sql = _insert_sql(model, connection.vendor)
    params = [
        field.get_db_prep_save(field.pre_save(instance, add=True), connection) for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    instance._state.adding = False
    instance._state.db = connection.alias


@functools.cache
def _insert_sql(model: type[models.Model], vendor: str) -> str:
    placeholders = ", ".join(["%s"] * len(_fields(model, None)))
    return f"INSERT INTO {table(model)} ({columns(model)}) VALUES ({placeholders})"  # noqa: S608 - identifiers only


def prep_value(model: type[models.Model], name: str, value: Any) -> Any:
    """`value` as the field `name` of `model` writes it (a datetime for SQLite, say)."""
    return model._meta.get_field(name).get_db_prep_value(value, connection)  # type: ignore[union-attr]


def like_contains(value: str) -> str:
    """A LIKE pattern (with ESCAPE '\\') matching strings that contain `value`."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
