"""Small tables in SQL, shared by the SQLite and PostgreSQL adapters.

Like :mod:`mallcore.adapters._holds`, each class here speaks SQL both
databases read but for the parameter placeholder (``?`` or ``%s``), which the
adapter passes in. A key another writer took shows up the same way in both:
an ``INSERT ... ON CONFLICT DO NOTHING`` that inserts no row.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Final

import attrs

from mallcore.adapters._sql import Check, Connection, UnitOfWork, changed_one
from mallcore.catalog import StockMovement
from mallcore.errors import InvalidValue, LimitReached, NotFound, StaleVersion
from mallcore.merchant import Configuration
from mallcore.shapes import dump_document, load_document, load_shared_document

__all__ = ["SqlConfigurations", "SqlCounters", "SqlCouponCodes", "SqlStockMovements"]


_HIGHEST: Final = "SELECT MAX(version) FROM configurations"


@attrs.frozen
class _Addition:
    key: str
    amount: int
    limit: int | None


class SqlCounters:
    """Counters changed by conditional updates at commit.

    See :class:`~mallcore.ports.CounterRepository`.
    """

    def __init__(self, uow: UnitOfWork, *, placeholder: str) -> None:
        self._uow = uow
        self.pending: list[_Addition] = []
        p = placeholder
        self._select = f"SELECT value FROM counters WHERE key = {p}"
        self._insert = (
            f"INSERT INTO counters (key, value) VALUES ({p}, 0) ON CONFLICT (key) DO NOTHING"
        )
        # PostgreSQL cannot type a parameter only tested IS NULL: the cast names its type.
        self._update = (
            f"UPDATE counters SET value = value + {p} WHERE key = {p} AND value + {p} >= 0"
            f" AND (CAST({p} AS BIGINT) IS NULL OR value + {p} <= {p})"
        )

    def value(self, key: str) -> int:
        """The committed count under ``key`` plus this unit of work's pending additions."""
        rows = self._uow._in_connection(
            lambda connection: connection.execute(self._select, (key,)).fetchall()
        )
        committed = int(rows[0][0]) if rows else 0
        return committed + sum(a.amount for a in self.pending if a.key == key)

    def add(self, key: str, amount: int, *, limit: int | None = None) -> None:
        """Add ``amount`` to ``key`` at commit, never beyond ``limit`` nor below zero."""
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise InvalidValue("amount", amount, "must be a whole number")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
            raise InvalidValue("limit", limit, "must be a whole number or None")
        self.pending.append(_Addition(key, amount, limit))

    def forget(self) -> None:
        """Drop the pending additions."""
        self.pending.clear()

    def _write(self, connection: Connection, *, checked: bool) -> list[Check]:
        """Add each pending amount in its own statement; one out of bounds is LimitReached."""
        if not checked:
            return []  # no query reads counters through pending saves
        checks = []
        for a in self.pending:
            connection.execute(self._insert, (a.key,))
            changed = connection.execute(
                self._update, (a.amount, a.key, a.amount, a.limit, a.amount, a.limit)
            )
            checks.append(changed_one(changed, partial(LimitReached, a.key, a.amount, a.limit)))
        return checks


class SqlConfigurations:
    """The merchant's configuration versions (see :class:`~mallcore.ports.ConfigurationRepository`).

    Each version is one row keyed by its number; a commit inserts the new
    ones, and a number another writer inserted first is StaleVersion.
    """

    CURRENT: Final = "SELECT value FROM configurations ORDER BY version DESC LIMIT 1"
    """What :meth:`current` reads, when nothing is pending."""

    def __init__(self, uow: UnitOfWork, *, placeholder: str) -> None:
        self._uow = uow
        self.pending: dict[int, Configuration] = {}
        self._placeholder = placeholder
        self._insert = (
            f"INSERT INTO configurations (version, value) VALUES ({placeholder}, {placeholder})"
            " ON CONFLICT (version) DO NOTHING"
        )

    def current(self) -> Configuration:
        """The highest version this unit of work sees, or NotFound."""
        if self.pending:
            return self.pending[max(self.pending)]
        return self._load(self.CURRENT, (), "current")

    def get(self, version: int) -> Configuration:
        """Version ``version``, or NotFound."""
        if version in self.pending:
            return self.pending[version]
        query = f"SELECT value FROM configurations WHERE version = {self._placeholder}"
        return self._load(query, (version,), version)

    def save(self, configuration: Configuration) -> None:
        """Keep the next version for the commit, or raise StaleVersion."""
        expected = configuration.version - 1
        actual = self._highest()
        if actual != expected:
            raise StaleVersion("configuration", "current", expected, actual)
        self.pending[configuration.version] = configuration

    def forget(self) -> None:
        """Drop the pending versions."""
        self.pending.clear()

    def _highest(self) -> int:
        if self.pending:
            return max(self.pending)
        rows = self._uow._query(_HIGHEST, ())
        return -1 if rows[0][0] is None else int(rows[0][0])

    def _load(self, query: str, parameters: Sequence[object], key: object) -> Configuration:
        rows = self._uow._query(query, parameters)
        if not rows:
            raise NotFound("configuration", key)
        return load_shared_document(rows[0][0], Configuration, source=f"configuration {key!r}")

    def _write(self, connection: Connection, *, checked: bool) -> list[Check]:
        """Insert the pending versions (``checked``: free numbers only, else StaleVersion)."""

        def taken(version: int) -> StaleVersion:
            (stored,) = connection.execute(_HIGHEST).fetchone()
            return StaleVersion("configuration", "current", version - 1, stored)

        checks = []
        for version, configuration in sorted(self.pending.items()):
            written = connection.execute(self._insert, (version, dump_document(configuration)))
            checks.append(changed_one(written, partial(taken, version)))
        return checks if checked else []


class SqlCouponCodes:
    """Generated coupon codes waiting for the commit: a code stored already is StaleVersion."""

    def __init__(self, *, placeholder: str) -> None:
        self.pending: dict[str, str] = {}
        p = placeholder
        self._insert = (
            f"INSERT INTO coupon_codes (code, template_id) VALUES ({p}, {p})"
            " ON CONFLICT (code) DO {}"
        )

    def forget(self) -> None:
        """Drop the pending codes."""
        self.pending.clear()

    def _write(self, connection: Connection, *, checked: bool) -> list[Check]:
        """Insert the pending codes (``checked``: free codes only, else StaleVersion)."""
        on_conflict = "NOTHING" if checked else "UPDATE SET template_id = excluded.template_id"
        insert = self._insert.format(on_conflict)
        checks = []
        for code in sorted(self.pending):
            written = connection.execute(insert, (code, self.pending[code]))
            checks.append(changed_one(written, partial(StaleVersion, "coupon code", code, -1, 0)))
        return checks if checked else []


class SqlStockMovements:
    """Paid orders' stock movements (see :class:`~mallcore.ports.StockMovementRepository`)."""

    def __init__(self, uow: UnitOfWork, *, placeholder: str) -> None:
        self._uow = uow
        self.pending: dict[tuple[str, str], StockMovement] = {}
        p = placeholder
        self._select = f"SELECT value FROM stock_movements WHERE sku_id = {p} AND order_id = {p}"
        self._insert = (
            f"INSERT INTO stock_movements (sku_id, order_id, value) VALUES ({p}, {p}, {p})"
            " ON CONFLICT (sku_id, order_id) DO {}"
        )

    def get(self, sku_id: str, order_id: str) -> StockMovement:
        """The movement of ``order_id`` on ``sku_id``, or NotFound."""
        movement = self._find(sku_id, order_id)
        if movement is None:
            raise NotFound(f"stock movement of SKU {sku_id!r} for order", order_id)
        return movement

    def add(self, movement: StockMovement) -> None:
        """Keep ``movement`` for the commit, or raise StaleVersion when its key is taken."""
        if self._find(movement.sku_id, movement.order_id) is not None:
            raise StaleVersion("stock movement", (movement.sku_id, movement.order_id), -1, 0)
        self.pending[movement.sku_id, movement.order_id] = movement

    def forget(self) -> None:
        """Drop the pending movements."""
        self.pending.clear()

    def _find(self, sku_id: str, order_id: str) -> StockMovement | None:
        if (sku_id, order_id) in self.pending:
            return self.pending[sku_id, order_id]
        rows = self._uow._in_connection(
            lambda connection: connection.execute(self._select, (sku_id, order_id)).fetchall()
        )
        if not rows:
            return None
        return load_document(
            rows[0][0], StockMovement, source=f"stock movement {(sku_id, order_id)!r}"
        )

    def _write(self, connection: Connection, *, checked: bool) -> list[Check]:
        """Insert the pending movements (``checked``: on free keys only, else StaleVersion)."""
        insert = self._insert.format("NOTHING" if checked else "UPDATE SET value = excluded.value")
        checks = []
        for key in sorted(self.pending):
            written = connection.execute(insert, (*key, dump_document(self.pending[key])))
            checks.append(changed_one(written, partial(StaleVersion, "stock movement", key, -1, 0)))
        return checks if checked else []
