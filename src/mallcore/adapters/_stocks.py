"""Stock in SQL: counts as columns, changed at commit; shared by the SQLite and PostgreSQL adapters.

``stocks(sku_id, version, on_hand, reserved, policy, value)``: the counts
and the version are columns, so that a commit can move them where they are
stored (:meth:`~mallcore.ports.StockRepository.change`)::

    UPDATE stocks SET on_hand = on_hand + dh, reserved = reserved + dr, version = version + dv
     WHERE sku_id = ? AND policy = ? AND reserved + dr >= 0 AND on_hand + dh >= reserved + dr

Concurrent checkouts of one SKU each send that at commit and queue on the
row only while their commit runs; none holds it across its own reads and
Python. ``value`` is the stock's document as its last whole save wrote it:
its counts and version are read from the columns, which a change moves
without rewriting it. Like :mod:`mallcore.adapters._holds`, the SQL is the
same for both databases but for the placeholder (``?`` or ``%s``).
"""

from __future__ import annotations

from functools import partial
from typing import Final

import attrs

from mallcore.adapters._layouts import STOCKS
from mallcore.adapters._sql import Check, Connection, UnitOfWork, changed_one
from mallcore.catalog import Stock
from mallcore.errors import InvalidDocument, InvalidValue, NotFound, StaleVersion
from mallcore.ports.storage import check_change

__all__ = ["SqlStocks"]

_COLUMNS: Final = ("sku_id", "version", "on_hand", "reserved", "policy", "value")


class SqlStocks:
    """Stock by SKU id (see :class:`~mallcore.ports.StockRepository`)."""

    def __init__(self, uow: UnitOfWork, *, placeholder: str) -> None:
        self._uow = uow
        self._values: dict[str, Stock] = {}
        """Each key's stock as this unit of work left it (saved whole or changed)."""
        self._saved: dict[str, int] = {}
        """Keys saved whole, with the stored version the save builds on (-1: a new key)."""
        self._changed: dict[str, Stock] = {}
        """Keys changed by counts only, with the stock as first seen."""
        self._seen: dict[str, int] = {}
        """The version ``get`` read under each key (-1: none), so writes need not ask again."""
        p = placeholder
        names = ", ".join(_COLUMNS)
        marks = ", ".join(p for _ in _COLUMNS)
        self._select = f"SELECT value, on_hand, reserved, version FROM stocks WHERE sku_id = {p}"
        self._version = f"SELECT version FROM stocks WHERE sku_id = {p}"
        insert = f"INSERT INTO stocks ({names}) VALUES ({marks}) ON CONFLICT (sku_id) DO"
        self._insert = f"{insert} NOTHING"
        self._upsert = f"{insert} UPDATE SET " + ", ".join(
            f"{column} = excluded.{column}" for column in _COLUMNS[1:]
        )
        self._update = (
            "UPDATE stocks SET "
            + ", ".join(f"{column} = {p}" for column in _COLUMNS[1:])
            + f" WHERE sku_id = {p} AND version = {p}"
        )
        self._move = (
            f"UPDATE stocks SET on_hand = on_hand + {p}, reserved = reserved + {p},"
            f" version = version + {p} WHERE sku_id = {p} AND policy = {p}"
            f" AND reserved + {p} >= 0 AND on_hand + {p} >= reserved + {p}"
        )

    @property
    def pending(self) -> bool:
        """Whether this unit of work saved or changed any stock."""
        return bool(self._values)

    def get(self, sku_id: str) -> Stock:
        """The stock of ``sku_id`` as this unit of work sees it, or NotFound (nothing locked)."""
        if sku_id in self._values:
            return self._values[sku_id]
        rows = self._uow._fetch(*self._read(sku_id))
        if not rows:
            self._seen[sku_id] = -1
            raise NotFound("stock", sku_id)
        stock = _with_counts(sku_id, *rows[0])
        self._seen[sku_id] = stock.version
        return stock

    def _read(self, sku_id: str) -> tuple[str, tuple[object, ...]]:
        """What :meth:`get` reads: its statement and parameters."""
        return self._select, (sku_id,)

    def save(self, stock: Stock) -> None:
        """Keep ``stock`` whole for the commit; StaleVersion if its version does not follow."""
        key = stock.sku_id
        expected, actual = stock.version - 1, self._seen_version(key)
        if actual != expected:
            raise StaleVersion("stock", key, expected, actual)
        first = self._changed.pop(key, None)
        self._saved.setdefault(key, actual if first is None else first.version)
        self._values[key] = stock

    def change(self, before: Stock, after: Stock) -> None:
        """Keep the move of counts from ``before`` to ``after`` for the commit."""
        check_change(before, after)
        key = before.sku_id
        actual = self._seen_version(key)
        if before.version != actual:
            raise StaleVersion("stock", key, before.version, actual)
        if key not in self._saved:
            self._changed.setdefault(key, before)
        self._values[key] = after

    def forget(self) -> None:
        """Drop the pending writes and the versions seen."""
        self._values.clear()
        self._saved.clear()
        self._changed.clear()
        self._seen.clear()

    def _seen_version(self, key: str) -> int:
        """The version this unit of work sees under ``key``; -1 when nothing is stored."""
        if key in self._values:
            return self._values[key].version
        if key not in self._seen:
            self._seen[key] = self._uow._in_connection(
                lambda connection: self._stored_version(connection, key)
            )
        return self._seen[key]

    def _stored_version(self, connection: Connection, key: str) -> int:
        row = connection.execute(self._version, (key,)).fetchone()
        return -1 if row is None else int(row[0])

    def _write(self, connection: Connection, *, checked: bool) -> list[Check]:
        """Write the pending saves and move the changed counts, keys in order.

        ``checked``: a save must build on the stored version, and a change
        must leave the counts within the stock's rules; the check of each.
        """
        checks = []
        for key in sorted(self._values):
            statement, parameters, expected = self._statement(key, checked=checked)
            written = connection.execute(statement, parameters)
            if checked:
                checks.append(changed_one(written, partial(self._stale, connection, key, expected)))
        return checks

    def _statement(self, key: str, *, checked: bool) -> tuple[str, tuple[object, ...], int]:
        """What writes ``key``: the statement, its parameters, the version it builds on."""
        stock = self._values[key]
        if key in self._changed:
            before = self._changed[key]
            on_hand, reserved = stock.on_hand - before.on_hand, stock.reserved - before.reserved
            steps = stock.version - before.version
            moves = (on_hand, reserved, steps, key, stock.policy.value, reserved, on_hand, reserved)
            return self._move, moves, before.version
        row = _row(stock)
        if not checked:
            return self._upsert, row, -1
        if self._saved[key] < 0:
            return self._insert, row, -1
        return self._update, (*row[1:], key, self._saved[key]), self._saved[key]

    def _stale(self, connection: Connection, key: str, expected: int) -> StaleVersion:
        return StaleVersion("stock", key, expected, self._stored_version(connection, key))


def _row(stock: Stock) -> tuple[object, ...]:
    """The stock's row, in the order of :data:`_COLUMNS`."""
    row = STOCKS.row(stock)
    return tuple(row[column] for column in _COLUMNS)


def _with_counts(sku_id: str, text: str, on_hand: int, reserved: int, version: int) -> Stock:
    """The stored document of ``sku_id`` with the counts and version of its columns."""
    stock = STOCKS.load(text, sku_id)
    try:
        return attrs.evolve(stock, on_hand=on_hand, reserved=reserved, version=version)
    except InvalidValue as refused:
        problem = f"$: {refused.field} {refused.reason} (columns {on_hand=}, {reserved=})"
        raise InvalidDocument(f"stocks {sku_id!r}", [problem]) from refused
