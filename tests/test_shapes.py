"""Stored documents carry their shape; every shape ever written still reads back.

Each kind's fixtures (tests/fixtures/shapes/<kind>/<n>.json, written by
``python -m tests.shape_fixtures``) hold one value in each of its shapes: every
one must read back as the newest does, through the converter and through the
SQL adapters' own reads, and the newest must be exactly what this release
writes, so a change of shape cannot land without a new number, an upgrader
and a fixture.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mallcore.adapters import SqliteUnitOfWork, _layouts
from mallcore.catalog import Stock, StockMovement
from mallcore.errors import InvalidDocument, NewerShape, NotFound
from mallcore.merchant import Configuration
from mallcore.orders import Order
from mallcore.serialization import EVENT_KINDS
from mallcore.shapes import (
    SHAPES,
    DocumentShape,
    dump_document,
    dump_event_document,
    load_document,
    load_event_document,
    load_shared_document,
)
from tests.shape_fixtures import fixtures

LAYOUTS = [value for value in vars(_layouts).values() if isinstance(value, _layouts.Layout)]
KINDS = sorted(shape.kind for shape in SHAPES.values())
BY_KIND = {shape.kind: shape for shape in SHAPES.values()}
EVERY_FIXTURE = [(kind, number) for kind in KINDS for number in sorted(fixtures(kind))]


def _text(kind: str, number: int) -> str:
    return fixtures(kind)[number].read_text(encoding="utf-8")


def _newest(kind: str) -> Any:
    shape = BY_KIND[kind]
    return load_document(_text(kind, shape.current), shape.cls)


def test_every_kind_the_adapters_store_as_a_document_has_a_shape() -> None:
    stored = {layout.cls for layout in LAYOUTS} | {Configuration, StockMovement}

    assert stored | set(EVENT_KINDS.values()) == set(SHAPES)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_a_fixture_for_each_shape_from_0_to_its_current_one(kind: str) -> None:
    assert sorted(fixtures(kind)) == list(range(BY_KIND[kind].current + 1)), (
        f"{kind}: run python -m tests.shape_fixtures to write the current shape's fixture"
    )


@pytest.mark.parametrize("kind", KINDS)
def test_the_current_dump_of_each_kind_is_its_newest_fixture(kind: str) -> None:
    shape = BY_KIND[kind]
    stored = json.loads(_text(kind, shape.current))

    written = json.loads(dump_document(_newest(kind)))

    assert written == stored, (
        f"the {kind} document no longer matches tests/fixtures/shapes/{kind}/{shape.current}.json:"
        " a change of shape needs the next shape number, an upgrader and its fixture"
        " (docs/adapters.md, Document shapes)"
    )


@pytest.mark.parametrize(("kind", "number"), EVERY_FIXTURE)
def test_every_fixture_reads_back_as_the_newest_shape_of_its_kind(kind: str, number: int) -> None:
    shape = BY_KIND[kind]

    value: object = load_document(_text(kind, number), shape.cls)

    assert value == _newest(kind)


def test_an_order_of_shape_0_from_before_package_delivery_gains_its_deadline_and_deliveries() -> (
    None
):
    old = json.loads(_text("order", 0))

    order = load_document(_text("order", 0), Order)

    assert "shape" not in old
    assert "after_sales_until" not in old
    assert all("delivered_at" not in shipment for shipment in old["shipments"])
    assert order.after_sales_until is not None
    assert order.shipments
    assert all(s.delivered_at is not None for s in order.shipments)


def test_a_document_is_written_with_its_current_shape_first() -> None:
    stock = Stock.for_sku("longjing-250g", 40)

    document = json.loads(dump_document(stock))

    assert next(iter(document.items())) == ("shape", SHAPES[Stock].current)


def test_an_event_payload_carries_its_shape_and_reads_back_by_its_kind() -> None:
    event = _newest("event.order_placed")

    kind, payload = dump_event_document(event)

    assert kind == "order_placed"
    assert json.loads(payload)["shape"] == SHAPES[type(event)].current
    assert load_event_document(kind, payload) == event


def _with_shape(kind: str, shape: object) -> str:
    document = json.loads(_text(kind, BY_KIND[kind].current))
    document["shape"] = shape
    return json.dumps(document)


def test_a_document_from_a_newer_release_is_refused_naming_the_kind_and_both_shapes() -> None:
    current = SHAPES[Order].current
    text = _with_shape("order", current + 1)

    with pytest.raises(NewerShape) as refused:
        load_document(text, Order, source="orders 'O-1001'")

    assert (refused.value.kind, refused.value.shape, refused.value.newest) == (
        "order",
        current + 1,
        current,
    )
    assert str(refused.value) == (
        "orders 'O-1001' is not valid:\n"
        f"  $.shape: order shape {current + 1} comes from a newer mallcore;"
        f" this release reads up to {current}"
    )
    assert isinstance(refused.value, InvalidDocument)


@pytest.mark.parametrize("shape", ["1", -1, True, 1.0, None])
def test_a_shape_that_is_no_whole_number_from_0_is_an_invalid_document(shape: object) -> None:
    with pytest.raises(InvalidDocument, match=r"\$\.shape: must be a whole number from 0"):
        load_document(_with_shape("stock", shape), Stock)


def test_an_upgrader_that_fails_on_a_damaged_document_names_the_kind_and_the_step() -> None:
    document = json.loads(_text("order", 0))
    document["completed_at"] = "yesterday"

    with pytest.raises(InvalidDocument, match="order shape 0 does not upgrade to 1"):
        load_document(json.dumps(document), Order)


def test_a_read_mostly_document_is_parsed_once_per_stored_text() -> None:
    text = dump_document(Configuration(version=3))
    changed = dump_document(Configuration(version=4))

    first, again = (
        load_shared_document(text, Configuration),
        load_shared_document(text, Configuration),
    )
    other = load_shared_document(changed, Configuration)

    assert first is again
    assert first == load_document(text, Configuration)
    assert (other.version, first.version) == (4, 3)


def test_a_read_mostly_document_that_does_not_load_raises_every_time() -> None:
    for _ in range(2):
        with pytest.raises(InvalidDocument, match="configuration 'current'"):
            load_shared_document(
                '{"shape": 1, "shelf": 1}', Configuration, source="configuration 'current'"
            )


def test_a_document_in_the_current_shape_runs_no_upgrader(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("upgraded a current document")

    monkeypatch.setattr(DocumentShape, "upgrade", refuse)

    current = _text("stock", SHAPES[Stock].current)

    assert load_document(current, Stock) == _newest("stock")


# -- through the SQL adapters: each fixture stored as a row (under a key of its own per shape)
# and read back by the repository
Insert = Callable[[str, dict[str, object]], None]


def _rows() -> Iterator[tuple[Callable[[Any], Any], dict[str, object], Any]]:
    """For every fixture of a kind with a table: a read, the row to store, the expected value."""
    for layout in LAYOUTS:
        kind = SHAPES[layout.cls].kind
        for number in sorted(fixtures(kind)):
            document = json.loads(_text(kind, number))
            key = f"{document[layout.key_column]}@{number}"
            document[layout.key_column] = key
            text = json.dumps(document, ensure_ascii=False)
            value = load_document(text, layout.cls)
            row = {**layout.row(value), "value": text}
            yield _getter(_repository_name(layout), key), {"table": layout.table, **row}, value


def _getter(repository: str, key: str) -> Callable[[Any], Any]:
    def get(uow: Any) -> Any:
        return getattr(uow, repository).get(key)

    return get


def _repository_name(layout: _layouts.Layout[Any]) -> str:
    names = {
        "products": "products",
        "stocks": "stocks",
        "orders": "orders",
        "points_accounts": "points",
        "members": "members",
        "coupon_templates": "coupon_templates",
        "coupons": "coupons",
        "payments": "payments",
        "after_sales_cases": "after_sales",
    }
    return names[layout.table]


def _store_and_read_back(insert: Insert, read: Callable[[Callable[[Any], Any]], Any]) -> None:
    expected = []
    for get, row, value in _rows():
        table = str(row.pop("table"))
        insert(table, row)
        expected.append((get, value))

    assert all(read(get) == value for get, value in expected)


def test_every_fixture_stored_in_sqlite_reads_back_through_the_adapter(tmp_path: Path) -> None:
    path = tmp_path / "shapes.sqlite3"
    with SqliteUnitOfWork(path) as uow, pytest.raises(NotFound):
        uow.stocks.get("no-such-sku")  # the first read creates the schema

    def insert(table: str, row: dict[str, object]) -> None:
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        with contextlib.closing(sqlite3.connect(path)) as connection:
            connection.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", [*row.values()])
            connection.commit()

    def read(get: Callable[[Any], Any]) -> Any:
        with SqliteUnitOfWork(path) as uow:
            return get(uow)

    _store_and_read_back(insert, read)


def test_every_fixture_stored_in_postgresql_reads_back_through_the_adapter(
    postgres_dsn: str,
) -> None:
    import psycopg
    from psycopg import sql

    from mallcore.adapters.postgres import PostgresDatabase, PostgresUnitOfWork

    with PostgresDatabase(postgres_dsn, min_size=1, max_size=1) as database:

        def insert(table: str, row: dict[str, object]) -> None:
            statement = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                sql.Identifier(table),
                sql.SQL(", ").join(map(sql.Identifier, row)),
                sql.SQL(", ").join(sql.Placeholder() * len(row)),
            )
            with psycopg.connect(postgres_dsn, autocommit=True) as connection:
                connection.execute(statement, [*row.values()])

        def read(get: Callable[[Any], Any]) -> Any:
            with PostgresUnitOfWork(database) as uow:
                return get(uow)

        _store_and_read_back(insert, read)


def test_a_row_from_a_newer_release_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "shapes.sqlite3"
    newer = SHAPES[Stock].current + 1
    text = _with_shape("stock", newer)
    with SqliteUnitOfWork(path) as uow:
        uow.stocks.save(Stock.for_sku("cup-white", 3))
        uow.commit()
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("UPDATE stocks SET value = ? WHERE sku_id = 'cup-white'", (text,))
        connection.commit()
        before = list(connection.iterdump())

    with SqliteUnitOfWork(path) as uow, pytest.raises(NewerShape, match=f"stock shape {newer}"):
        uow.stocks.get("cup-white")

    with contextlib.closing(sqlite3.connect(path)) as connection:
        assert list(connection.iterdump()) == before
