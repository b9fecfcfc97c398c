"""In-memory storage: repositories and a unit of work over plain dicts, for tests and demos.

:class:`InMemoryStore` holds what is committed; each :class:`InMemoryUnitOfWork`
works on its own snapshot of it and publishes its changes on ``commit``, all
or nothing. Values are immutable, so a snapshot is a shallow copy and a
conflict is a stored value that is no longer the one the snapshot saw: two
units of work that change the same order race, and the second to commit gets
StaleVersion and keeps nothing. Safe across threads of one process; for
several processes use a database adapter.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from mallcore.catalog import Product, Stock, StockMovement
from mallcore.errors import NotFound, StaleVersion
from mallcore.loyalty import PointsAccount
from mallcore.orders import Order, OrderStatus

__all__ = [
    "InMemoryEventLog",
    "InMemoryOrders",
    "InMemoryPoints",
    "InMemoryProducts",
    "InMemoryStockMovements",
    "InMemoryStocks",
    "InMemoryStore",
    "InMemoryUnitOfWork",
]

V = TypeVar("V")


class InMemoryStore:
    """What is committed: products, stock, orders and points accounts by key, behind one lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.products: dict[str, Product] = {}
        self.stocks: dict[str, Stock] = {}
        self.orders: dict[str, Order] = {}
        self.points: dict[str, PointsAccount] = {}
        self.stock_movements: dict[str, StockMovement] = {}


class _Table(Generic[V]):
    """One repository's working copy of a committed dict, and what it wrote."""

    def __init__(
        self,
        committed: dict[str, V],
        *,
        kind: str,
        key: Callable[[V], str],
        version: Callable[[V], int] | None,
    ) -> None:
        self._committed = committed
        self._kind = kind
        self._key = key
        self._version = version
        self._begin()

    def _begin(self) -> None:
        self._base = dict(self._committed)
        self.rows = dict(self._base)
        self._written: set[str] = set()

    def get(self, key: str) -> V:
        try:
            return self.rows[key]
        except KeyError:
            raise NotFound(self._kind, key) from None

    def save(self, value: V) -> None:
        key = self._key(value)
        if self._version is not None:
            stored = self.rows.get(key)
            actual = -1 if stored is None else self._version(stored)
            expected = self._version(value) - 1
            if actual != expected:
                raise StaleVersion(self._kind, key, expected, actual)
        self.rows[key] = value
        self._written.add(key)

    def _conflict(self) -> StaleVersion | None:
        for key in sorted(self._written):
            seen, theirs = self._base.get(key), self._committed.get(key)
            if theirs is not seen:
                return StaleVersion(self._kind, key, self._stored(seen), self._stored(theirs))
        return None

    def _stored(self, value: V | None) -> int:
        """The version of a stored ``value``; -1 for none (products count 0)."""
        if value is None:
            return -1
        return self._version(value) if self._version is not None else 0

    def _publish(self) -> None:
        self._committed.update({key: self.rows[key] for key in self._written})


class InMemoryProducts(_Table[Product]):
    """Products by id, found by SKU id too (see :class:`~mallcore.ports.ProductRepository`)."""

    def __init__(self, committed: dict[str, Product]) -> None:
        super().__init__(committed, kind="product", key=lambda p: p.id, version=None)

    def get_by_sku(self, sku_id: str) -> Product:
        """The product holding SKU ``sku_id``, or NotFound."""
        for product in self.rows.values():
            if any(sku.id == sku_id for sku in product.skus):
                return product
        raise NotFound("SKU", sku_id)


class InMemoryStocks(_Table[Stock]):
    """Stock by SKU id (see :class:`~mallcore.ports.StockRepository`)."""

    def __init__(self, committed: dict[str, Stock]) -> None:
        super().__init__(
            committed, kind="stock", key=lambda s: s.sku_id, version=lambda s: s.version
        )


class InMemoryOrders(_Table[Order]):
    """Orders by id (see :class:`~mallcore.ports.OrderRepository`)."""

    def __init__(self, committed: dict[str, Order]) -> None:
        super().__init__(committed, kind="order", key=lambda o: o.id, version=lambda o: o.version)

    def awaiting_payment(self, *, due_by: datetime) -> Sequence[str]:
        """Ids of unpaid orders whose deadline is at or before ``due_by``, oldest first."""
        due = [
            order
            for order in self.rows.values()
            if order.status is OrderStatus.AWAITING_PAYMENT and order.pay_by <= due_by
        ]
        return [order.id for order in sorted(due, key=lambda order: (order.pay_by, order.id))]

    def due_for_completion(self) -> Sequence[str]:
        """Ids of shipped or delivered orders."""
        waiting = (OrderStatus.SHIPPED, OrderStatus.DELIVERED)
        return sorted(order.id for order in self.rows.values() if order.status in waiting)

    def get_by_waybill(self, waybill: str) -> Order:
        """The order with a package under ``waybill``, or NotFound."""
        for order in self.rows.values():
            if any(shipment.waybill == waybill for shipment in order.shipments):
                return order
        raise NotFound("order with waybill", waybill)


class InMemoryPoints(_Table[PointsAccount]):
    """Points accounts by id (see :class:`~mallcore.ports.PointsRepository`)."""

    def __init__(self, committed: dict[str, PointsAccount]) -> None:
        super().__init__(
            committed,
            kind="points account",
            key=lambda a: a.account_id,
            version=lambda a: a.version,
        )


def _movement_key(sku_id: str, order_id: str) -> str:
    """One string per (SKU, order), unambiguous whatever the ids hold."""
    return f"{len(sku_id)}:{sku_id}{order_id}"


class InMemoryStockMovements:
    """Paid orders' stock movements (see :class:`~mallcore.ports.StockMovementRepository`).

    A movement has no version: a key that another unit of work recorded
    since this one began is a conflict at commit, like any written key.
    """

    def __init__(self, committed: dict[str, StockMovement]) -> None:
        self.table = _Table(
            committed,
            kind="stock movement",
            key=lambda m: _movement_key(m.sku_id, m.order_id),
            version=None,
        )

    def get(self, sku_id: str, order_id: str) -> StockMovement:
        """The movement of ``order_id`` on ``sku_id``, or NotFound."""
        try:
            return self.table.get(_movement_key(sku_id, order_id))
        except NotFound:
            raise NotFound(f"stock movement of SKU {sku_id!r} for order", order_id) from None

    def add(self, movement: StockMovement) -> None:
        """Record ``movement``, or raise StaleVersion when its key is taken."""
        if _movement_key(movement.sku_id, movement.order_id) in self.table.rows:
            raise StaleVersion("stock movement", f"{movement.sku_id}/{movement.order_id}", -1, 0)
        self.table.save(movement)


class InMemoryUnitOfWork:
    """A transaction over an :class:`InMemoryStore` (see :class:`~mallcore.ports.UnitOfWork`)."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        with store.lock:
            self.products = InMemoryProducts(store.products)
            self.stocks = InMemoryStocks(store.stocks)
            self.orders = InMemoryOrders(store.orders)
            self.points = InMemoryPoints(store.points)
            self.stock_movements = InMemoryStockMovements(store.stock_movements)

    def _tables(self) -> tuple[_Table[Any], ...]:
        return self.products, self.stocks, self.orders, self.points, self.stock_movements.table

    def __enter__(self) -> Self:
        """Begin: take a fresh snapshot of what is committed."""
        self.rollback()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Drop whatever was not committed."""
        self.rollback()

    def commit(self) -> None:
        """Publish every change, or raise StaleVersion and publish none."""
        with self._store.lock:
            for table in self._tables():
                conflict = table._conflict()
                if conflict is not None:
                    for each in self._tables():
                        each._begin()
                    raise conflict
            for table in self._tables():
                table._publish()
            for table in self._tables():
                table._begin()

    def rollback(self) -> None:
        """Drop every change since the last commit and see what is committed now."""
        with self._store.lock:
            for table in self._tables():
                table._begin()


class InMemoryEventLog:
    """An event publisher that keeps every published event, in order."""

    def __init__(self) -> None:
        self.events: list[object] = []

    def publish(self, events: Sequence[object]) -> None:
        """Append ``events`` to :attr:`events`."""
        self.events.extend(events)
