"""Stock holds in SQL: one row per (SKU, order), shared by the SQLite and PostgreSQL adapters.

``stock_holds(sku_id, order_id, quantity, expires_us)`` keyed on both ids
and indexed on ``(sku_id, expires_us)``, so a command finds one order's hold
and a SKU's lapsed holds without reading the others. A hold has no version:
its row itself keeps two writers apart, since a hold read and removed must
still be there to delete at commit, and a hold added must find its key free
(see :class:`~mallcore.ports.StockHoldRepository`).

The two adapters' drivers speak the same SQL here but for the parameter
placeholder (``?`` or ``%s``), which is the one thing an adapter passes in.
Changes wait in the unit of work until its commit, which deletes the
removed rows and inserts the added ones; reads merge them over the rows
committed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Final

from mallcore.adapters._sql import Check, Connection, UnitOfWork, changed_one
from mallcore.catalog import StockHold
from mallcore.errors import InvalidDocument, NotFound, StaleVersion
from mallcore.ports.storage import page_bounds

__all__ = ["HOLD_TABLE", "SqlStockHolds", "split_stock_document"]

HOLD_TABLE: Final = (
    "CREATE TABLE IF NOT EXISTS stock_holds (sku_id TEXT NOT NULL, order_id TEXT NOT NULL,"
    " quantity BIGINT NOT NULL, expires_us BIGINT, PRIMARY KEY (sku_id, order_id))",
    "CREATE INDEX IF NOT EXISTS stock_holds_by_expiry ON stock_holds (sku_id, expires_us)",
)
"""The table and its index, in SQL both databases read."""

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_Key = tuple[str, str]


def _microseconds(moment: datetime | None) -> int | None:
    return None if moment is None else (moment - _EPOCH) // timedelta(microseconds=1)


def _hold(row: Sequence[Any]) -> StockHold:
    sku_id, order_id, quantity, expires_us = row
    expires_at = None if expires_us is None else _EPOCH + timedelta(microseconds=expires_us)
    return StockHold(sku_id, order_id, int(quantity), expires_at)


class SqlStockHolds:
    """Unpaid orders' holds on stock (see :class:`~mallcore.ports.StockHoldRepository`)."""

    def __init__(self, uow: UnitOfWork, *, placeholder: str) -> None:
        self._uow = uow
        self._added: dict[_Key, StockHold] = {}
        self._removed: set[_Key] = set()
        self._seen: dict[_Key, StockHold | None] = {}
        """The rows read by key, so that ``add`` after ``get`` need not ask again."""
        p = placeholder
        columns = "sku_id, order_id, quantity, expires_us"
        self._get = f"SELECT {columns} FROM stock_holds WHERE sku_id = {p} AND order_id = {p}"
        self._lapsed = (
            f"SELECT {columns} FROM stock_holds WHERE sku_id = {p} AND expires_us <= {p}"
            f" ORDER BY expires_us, order_id LIMIT {p}"
        )
        self._of_sku = (
            f"SELECT {columns} FROM stock_holds WHERE sku_id = {p} ORDER BY order_id LIMIT {p}"
        )
        self._delete = f"DELETE FROM stock_holds WHERE sku_id = {p} AND order_id = {p}"
        self._insert = (
            f"INSERT INTO stock_holds ({columns}) VALUES ({p}, {p}, {p}, {p})"
            " ON CONFLICT (sku_id, order_id) DO {}"
        )

    @property
    def pending(self) -> bool:
        """Whether this unit of work changed any hold."""
        return bool(self._added or self._removed)

    def get(self, sku_id: str, order_id: str) -> StockHold:
        """The hold of ``order_id`` on ``sku_id``, or NotFound."""
        hold = self._find((sku_id, order_id))
        if hold is None:
            raise NotFound(f"stock hold of SKU {sku_id!r} for order", order_id)
        return hold

    def add(self, hold: StockHold) -> None:
        """Keep ``hold`` for the commit; its key held raises StaleVersion (at commit if unread)."""
        key = (hold.sku_id, hold.order_id)
        if key in self._added or (key not in self._removed and self._seen.get(key) is not None):
            raise StaleVersion("stock hold", key, -1, 0)
        self._added[key] = hold

    def remove(self, sku_id: str, order_id: str) -> None:
        """Drop the hold of ``order_id`` on ``sku_id`` at commit, if any."""
        key = (sku_id, order_id)
        if self._added.pop(key, None) is None:
            self._removed.add(key)

    def lapsed(self, sku_id: str, *, at: datetime, limit: int) -> Sequence[StockHold]:
        """``sku_id``'s holds over at ``at``, earliest expiry first."""
        limit, _ = page_bounds(limit, 0)
        rows = self._select(self._lapsed, (sku_id, _microseconds(at), limit + len(self._removed)))
        holds = self._merged(rows, lambda hold: hold.sku_id == sku_id and hold.has_lapsed(at))
        return sorted(holds, key=lambda hold: (_microseconds(hold.expires_at), hold.order_id))[
            :limit
        ]

    def of_sku(self, sku_id: str, *, limit: int, offset: int = 0) -> Sequence[StockHold]:
        """A page of ``sku_id``'s holds, by order id."""
        limit, offset = page_bounds(limit, offset)
        rows = self._select(self._of_sku, (sku_id, offset + limit + len(self._removed)))
        holds = self._merged(rows, lambda hold: hold.sku_id == sku_id)
        return sorted(holds, key=lambda hold: hold.order_id)[offset : offset + limit]

    def forget(self) -> None:
        """Drop the pending changes and the rows read."""
        self._added.clear()
        self._removed.clear()
        self._seen.clear()

    def _write(self, connection: Connection, *, checked: bool) -> list[Check]:
        """Delete the removed holds, then insert the added ones (``checked``: on free keys only)."""
        checks = []
        for key in sorted(self._removed):
            deleted = connection.execute(self._delete, key)
            if self._seen.get(key) is not None:  # read held: another writer may have removed it
                checks.append(changed_one(deleted, partial(StaleVersion, "stock hold", key, 0, -1)))
        on_conflict = (
            "NOTHING"
            if checked
            else "UPDATE SET quantity = excluded.quantity, expires_us = excluded.expires_us"
        )
        insert = self._insert.format(on_conflict)
        for key in sorted(self._added):
            hold = self._added[key]
            written = connection.execute(
                insert, (*key, hold.quantity, _microseconds(hold.expires_at))
            )
            checks.append(changed_one(written, partial(StaleVersion, "stock hold", key, -1, 0)))
        return checks if checked else []

    def _find(self, key: _Key) -> StockHold | None:
        if key in self._added:
            return self._added[key]
        if key in self._removed:
            return None
        if key not in self._seen:
            rows = self._select(self._get, key)
            self._seen[key] = _hold(rows[0]) if rows else None
        return self._seen[key]

    def _select(self, query: str, parameters: Sequence[object]) -> list[Any]:
        return list(
            self._uow._in_connection(
                lambda connection: connection.execute(query, parameters).fetchall()
            )
        )

    def _merged(
        self, rows: Sequence[Sequence[Any]], wanted: Callable[[StockHold], bool]
    ) -> list[StockHold]:
        """The committed ``rows`` less the removed, plus the added holds ``wanted``."""
        committed = [_hold(row) for row in rows]
        self._seen.update(((hold.sku_id, hold.order_id), hold) for hold in committed)
        kept = [h for h in committed if (h.sku_id, h.order_id) not in self._removed]
        return kept + [hold for hold in self._added.values() if wanted(hold)]


def split_stock_document(document: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """A stock document of schema 7 or earlier, without its holds, and the holds as table rows.

    Earlier releases kept the holds in the stock document: ``reservations``
    as ``[order id, quantity, expiry in microseconds]`` rows or as objects
    (``expires_at`` an ISO time), ``deductions`` as ``[order id, quantity]``
    or objects. The document keeps their sum as ``reserved``.
    """
    sku_id = document.get("sku_id")
    rows: list[tuple[Any, ...]] = []
    reserved = 0
    try:
        for entry in document.pop("reservations", []):
            if isinstance(entry, dict):
                expires_at = entry.get("expires_at")
                expires_us = (
                    None
                    if expires_at is None
                    else _microseconds(datetime.fromisoformat(expires_at))
                )
                entry = [entry["order_id"], entry["quantity"], expires_us]
            order_id, quantity, expires_us = entry
            rows.append((sku_id, order_id, quantity, expires_us))
            reserved += quantity
        for entry in document.pop("deductions", []):
            if isinstance(entry, dict):
                entry = [entry["order_id"], entry["quantity"]]
            order_id, quantity = entry
            rows.append((sku_id, order_id, quantity, None))
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidDocument(f"stock {sku_id!r}", [f"$.reservations: unreadable ({exc})"]) from exc
    document["reserved"] = reserved
    return document, rows
