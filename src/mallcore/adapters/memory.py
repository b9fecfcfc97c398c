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
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import attrs

from mallcore.catalog import ListingStatus, Product, Stock, StockHold, StockMovement
from mallcore.coupons import CouponInstance, CouponTemplate
from mallcore.errors import InvalidValue, LimitReached, NotFound, StaleVersion
from mallcore.loyalty import Member, PointsAccount
from mallcore.merchant import Configuration
from mallcore.orders import OPEN_CASES, AfterSalesCase, Order, OrderStatus, Payment
from mallcore.ports.outbox import OutboxEvent, check_place
from mallcore.ports.storage import ReadAhead, check_change, moved, page_bounds
from mallcore.serialization import dump_event

__all__ = [
    "InMemoryAfterSales",
    "InMemoryConfiguration",
    "InMemoryCounters",
    "InMemoryCouponTemplates",
    "InMemoryCoupons",
    "InMemoryEventLog",
    "InMemoryMembers",
    "InMemoryOrders",
    "InMemoryOutbox",
    "InMemoryPayments",
    "InMemoryPoints",
    "InMemoryProducts",
    "InMemoryStockHolds",
    "InMemoryStockMovements",
    "InMemoryStocks",
    "InMemoryStore",
    "InMemoryUnitOfWork",
]

V = TypeVar("V")


class InMemoryStore:
    """What is committed, by key, behind one lock; ``writer`` is the lock ``uow.lock()`` holds."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.writer = threading.Lock()
        self.products: dict[str, Product] = {}
        self.stocks: dict[str, Stock] = {}
        self.orders: dict[str, Order] = {}
        self.payments: dict[str, Payment] = {}
        self.after_sales: dict[str, AfterSalesCase] = {}
        self.points: dict[str, PointsAccount] = {}
        self.configurations: dict[str, Configuration] = {}
        self.counters: dict[str, int] = {}
        self.members: dict[str, Member] = {}
        self.coupon_templates: dict[str, CouponTemplate] = {}
        self.coupon_codes: dict[str, str] = {}
        self.coupons: dict[str, CouponInstance] = {}
        self.stock_holds: dict[str, StockHold] = {}
        self.stock_movements: dict[str, StockMovement] = {}
        self.outbox: dict[str, OutboxRow] = {}
        """The outbox's envelopes by id, in the order they were appended."""
        self.outbox_sequences: dict[tuple[str, str], int] = {}
        """The highest sequence appended per aggregate (kept when envelopes are purged)."""


@attrs.frozen
class OutboxRow:
    """An envelope in the in-memory outbox, and when it was published (None: not yet)."""

    event: OutboxEvent
    published_at: datetime | None = None


def page(values: Iterable[V], *, limit: int, offset: int) -> list[V]:
    """``limit`` values from ``offset`` on, after checking both (the listing queries' bounds)."""
    limit, offset = page_bounds(limit, offset)
    return list(values)[offset : offset + limit]


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

    def remove(self, key: str) -> None:
        """Drop the row under ``key`` (nothing when there is none)."""
        if key in self.rows:
            del self.rows[key]
            self._written.add(key)

    def _conflict(self) -> StaleVersion | None:
        for key in sorted(self._whole()):
            seen, theirs = self._base.get(key), self._committed.get(key)
            if theirs is not seen:
                return StaleVersion(self._kind, key, self._stored(seen), self._stored(theirs))
        return None

    def _whole(self) -> set[str]:
        """The keys written whole: each is a conflict when another writer changed it."""
        return self._written

    def _stored(self, value: V | None) -> int:
        """The version of a stored ``value``; -1 for none (products count 0)."""
        if value is None:
            return -1
        return self._version(value) if self._version is not None else 0

    def _publish(self) -> None:
        for key in self._written:
            if key in self.rows:
                self._committed[key] = self.rows[key]
            else:
                self._committed.pop(key, None)


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

    def in_category(
        self,
        category_id: str,
        *,
        status: ListingStatus | None = None,
        limit: int,
        offset: int = 0,
    ) -> Sequence[Product]:
        """Products of ``category_id`` (in ``status``), by id."""
        found = (
            product
            for _, product in sorted(self.rows.items())
            if product.category_id == category_id
            and (status is None or product.listing.status is status)
        )
        return page(found, limit=limit, offset=offset)


class InMemoryStocks(_Table[Stock]):
    """Stock by SKU id (see :class:`~mallcore.ports.StockRepository`).

    A change of counts is applied at commit to the stock then committed
    (:func:`~mallcore.ports.storage.moved`), so it conflicts only when the
    counts no longer allow it.
    """

    def __init__(self, committed: dict[str, Stock]) -> None:
        super().__init__(
            committed, kind="stock", key=lambda s: s.sku_id, version=lambda s: s.version
        )

    def _begin(self) -> None:
        super()._begin()
        self._changed: dict[str, Stock] = {}
        """Keys changed by counts only, with the stock as first seen."""
        self._moved: dict[str, Stock] = {}

    def save(self, value: Stock) -> None:
        """Keep ``value`` whole (a change of it pending becomes part of the save)."""
        super().save(value)
        self._changed.pop(value.sku_id, None)

    def change(self, before: Stock, after: Stock) -> None:
        """Keep the move of counts from ``before`` to ``after`` for the commit."""
        check_change(before, after)
        key = before.sku_id
        actual = self._stored(self.rows.get(key))
        if before.version != actual:
            raise StaleVersion("stock", key, before.version, actual)
        if key not in self._written:  # else it moves on from a change or a save already kept
            self._changed[key] = before
        self.rows[key] = after
        self._written.add(key)

    def _whole(self) -> set[str]:
        return self._written - self._changed.keys()

    def _conflict(self) -> StaleVersion | None:
        conflict = super()._conflict()
        if conflict is not None:
            return conflict
        for key, before in sorted(self._changed.items()):
            stored = self._committed.get(key)
            stock = moved(stored, before, self.rows[key])
            if stock is None:
                return StaleVersion("stock", key, before.version, self._stored(stored))
            self._moved[key] = stock
        return None

    def _publish(self) -> None:
        super()._publish()
        self._committed.update(self._moved)


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

    def due_for_settlement(self, *, due_by: datetime) -> Sequence[str]:
        """Completed, unsettled orders whose window ended before ``due_by``, soonest first."""
        due = [order for order in self.rows.values() if order.is_due_for_settlement(due_by)]
        return [order.id for order in sorted(due, key=lambda o: (o.after_sales_until, o.id))]

    def get_by_waybill(self, waybill: str) -> Order:
        """The order with a package under ``waybill``, or NotFound."""
        for order in self.rows.values():
            if any(shipment.waybill == waybill for shipment in order.shipments):
                return order
        raise NotFound("order with waybill", waybill)

    def of_customer(self, customer_id: str, *, limit: int, offset: int = 0) -> Sequence[Order]:
        """The orders of ``customer_id``, newest first."""
        mine = [order for order in self.rows.values() if order.customer_id == customer_id]
        mine.sort(key=lambda order: (order.placed_at, order.id), reverse=True)
        return page(mine, limit=limit, offset=offset)

    def with_status(self, status: OrderStatus, *, limit: int, offset: int = 0) -> Sequence[Order]:
        """The orders in ``status``, oldest first."""
        found = [order for order in self.rows.values() if order.status is status]
        found.sort(key=lambda order: (order.placed_at, order.id))
        return page(found, limit=limit, offset=offset)


class InMemoryAfterSales(_Table[AfterSalesCase]):
    """After-sales cases by id (see :class:`~mallcore.ports.AfterSalesRepository`)."""

    def __init__(self, committed: dict[str, AfterSalesCase]) -> None:
        super().__init__(
            committed,
            kind="after-sales case",
            key=lambda case: case.id,
            version=lambda c: c.version,
        )

    def of_order(self, order_id: str) -> Sequence[AfterSalesCase]:
        """The cases of ``order_id``, by request time, then id."""
        found = [case for case in self.rows.values() if case.order_id == order_id]
        found.sort(key=lambda case: (case.requested_at, case.id))
        return found

    def open_cases(self) -> Sequence[str]:
        """Ids of the open cases, sorted."""
        return sorted(case.id for case in self.rows.values() if case.status in OPEN_CASES)


class InMemoryPayments(_Table[Payment]):
    """Payment records by provider id (see :class:`~mallcore.ports.PaymentRepository`)."""

    def __init__(self, committed: dict[str, Payment]) -> None:
        super().__init__(
            committed,
            kind="payment",
            key=lambda payment: payment.id,
            version=lambda payment: payment.version,
        )

    def of_order(self, order_id: str) -> Sequence[Payment]:
        """The payments of ``order_id``, by first record time, then id."""
        found = [p for p in self.rows.values() if p.order_id == order_id]
        found.sort(key=lambda p: (p.started_at or p.received_at, p.id))
        return found


class InMemoryPoints(_Table[PointsAccount]):
    """Points accounts by id (see :class:`~mallcore.ports.PointsRepository`)."""

    def __init__(self, committed: dict[str, PointsAccount]) -> None:
        super().__init__(
            committed,
            kind="points account",
            key=lambda a: a.account_id,
            version=lambda a: a.version,
        )


def _pair_key(sku_id: str, order_id: str) -> str:
    """One string per (SKU, order), unambiguous whatever the ids hold."""
    return f"{len(sku_id)}:{sku_id}{order_id}"


class InMemoryStockHolds:
    """Unpaid orders' holds on stock (see :class:`~mallcore.ports.StockHoldRepository`).

    A hold has no version of its own: a key that another unit of work
    changed since this one began is a conflict at commit, like any written key.
    """

    def __init__(self, committed: dict[str, StockHold]) -> None:
        self.table = _Table(
            committed,
            kind="stock hold",
            key=lambda h: _pair_key(h.sku_id, h.order_id),
            version=None,
        )

    def get(self, sku_id: str, order_id: str) -> StockHold:
        """The hold of ``order_id`` on ``sku_id``, or NotFound."""
        try:
            return self.table.get(_pair_key(sku_id, order_id))
        except NotFound:
            raise NotFound(f"stock hold of SKU {sku_id!r} for order", order_id) from None

    def add(self, hold: StockHold) -> None:
        """Keep ``hold``, or raise StaleVersion when its key is held."""
        if _pair_key(hold.sku_id, hold.order_id) in self.table.rows:
            raise StaleVersion("stock hold", f"{hold.sku_id}/{hold.order_id}", -1, 0)
        self.table.save(hold)

    def remove(self, sku_id: str, order_id: str) -> None:
        """Drop the hold of ``order_id`` on ``sku_id``, if any."""
        self.table.remove(_pair_key(sku_id, order_id))

    def lapsed(self, sku_id: str, *, at: datetime, limit: int) -> Sequence[StockHold]:
        """``sku_id``'s holds over at ``at``, earliest expiry first."""
        over = [h for h in self._of(sku_id) if h.has_lapsed(at)]
        return page(sorted(over, key=lambda h: (h.expires_at, h.order_id)), limit=limit, offset=0)

    def of_sku(self, sku_id: str, *, limit: int, offset: int = 0) -> Sequence[StockHold]:
        """A page of ``sku_id``'s holds, by order id."""
        return page(sorted(self._of(sku_id), key=lambda h: h.order_id), limit=limit, offset=offset)

    def _of(self, sku_id: str) -> list[StockHold]:
        return [hold for hold in self.table.rows.values() if hold.sku_id == sku_id]


class InMemoryStockMovements:
    """Paid orders' stock movements (see :class:`~mallcore.ports.StockMovementRepository`).

    A movement has no version: a key that another unit of work recorded
    since this one began is a conflict at commit, like any written key.
    """

    def __init__(self, committed: dict[str, StockMovement]) -> None:
        self.table = _Table(
            committed,
            kind="stock movement",
            key=lambda m: _pair_key(m.sku_id, m.order_id),
            version=None,
        )

    def get(self, sku_id: str, order_id: str) -> StockMovement:
        """The movement of ``order_id`` on ``sku_id``, or NotFound."""
        try:
            return self.table.get(_pair_key(sku_id, order_id))
        except NotFound:
            raise NotFound(f"stock movement of SKU {sku_id!r} for order", order_id) from None

    def add(self, movement: StockMovement) -> None:
        """Record ``movement``, or raise StaleVersion when its key is taken."""
        if _pair_key(movement.sku_id, movement.order_id) in self.table.rows:
            raise StaleVersion("stock movement", f"{movement.sku_id}/{movement.order_id}", -1, 0)
        self.table.save(movement)


class InMemoryConfiguration(_Table[Configuration]):
    """The configuration versions (see :class:`~mallcore.ports.ConfigurationRepository`)."""

    def __init__(self, committed: dict[str, Configuration]) -> None:
        super().__init__(
            committed,
            kind="configuration",
            key=lambda configuration: str(configuration.version),
            version=lambda configuration: configuration.version,
        )

    def current(self) -> Configuration:
        """The highest version saved, or NotFound."""
        if not self.rows:
            raise NotFound("configuration", "current")
        return max(self.rows.values(), key=lambda configuration: configuration.version)

    def get(self, version: int | str) -> Configuration:
        """Version ``version``, or NotFound."""
        return super().get(str(version))

    def save(self, value: Configuration) -> None:
        """Store the next version: one more than the highest saved, else StaleVersion."""
        highest = max((c.version for c in self.rows.values()), default=-1)
        if value.version != highest + 1:
            raise StaleVersion(self._kind, "current", value.version - 1, highest)
        self.rows[self._key(value)] = value
        self._written.add(self._key(value))


class InMemoryCounters:
    """Usage counters (see :class:`~mallcore.ports.CounterRepository`), checked at commit."""

    def __init__(self, committed: dict[str, int]) -> None:
        self._committed = committed
        self.pending: list[tuple[str, int, int | None]] = []

    def value(self, key: str) -> int:
        """The committed count plus this unit of work's pending additions."""
        return self._committed.get(key, 0) + sum(
            amount for name, amount, _ in self.pending if name == key
        )

    def add(self, key: str, amount: int, *, limit: int | None = None) -> None:
        """Add ``amount`` to ``key`` at commit, never beyond ``limit`` nor below zero."""
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise InvalidValue("amount", amount, "must be a whole number")
        self.pending.append((key, amount, limit))

    def _applied(self) -> dict[str, int]:
        """The counts after the pending additions, or LimitReached (called under the lock)."""
        counts: dict[str, int] = {}
        for key, amount, limit in self.pending:
            count = counts.get(key, self._committed.get(key, 0)) + amount
            if count < 0 or (limit is not None and count > limit):
                raise LimitReached(key, amount, limit)
            counts[key] = count
        return counts


class InMemoryCouponTemplates(_Table[CouponTemplate]):
    """Coupon templates and codes (see :class:`~mallcore.ports.CouponTemplateRepository`)."""

    def __init__(self, committed: dict[str, CouponTemplate], codes: dict[str, str]) -> None:
        super().__init__(
            committed,
            kind="coupon template",
            key=lambda template: template.id,
            version=lambda template: template.version,
        )
        self._codes = codes
        self.new_codes: dict[str, str] = {}

    def add_codes(self, template_id: str, codes: Sequence[str]) -> None:
        """Keep ``codes`` for the commit (a code stored already fails it)."""
        self.new_codes.update(dict.fromkeys(codes, template_id))

    def find_by_code(self, code: str) -> CouponTemplate:
        """The template whose shared code, or one of whose generated codes, ``code`` is."""
        for template in self.rows.values():
            if template.code == code:
                return template
        template_id = self.new_codes.get(code, self._codes.get(code))
        if template_id is None:
            raise NotFound("coupon code", code)
        return self.get(template_id)

    def _conflict(self) -> StaleVersion | None:
        taken = sorted(code for code in self.new_codes if code in self._codes)
        if taken:
            return StaleVersion("coupon code", taken[0], -1, 0)
        return super()._conflict()

    def _publish(self) -> None:
        super()._publish()
        self._codes.update(self.new_codes)

    def _begin(self) -> None:
        super()._begin()
        self.new_codes = {}


class InMemoryCoupons(_Table[CouponInstance]):
    """Coupons in wallets (see :class:`~mallcore.ports.CouponRepository`)."""

    def __init__(self, committed: dict[str, CouponInstance]) -> None:
        super().__init__(
            committed,
            kind="coupon",
            key=lambda coupon: coupon.id,
            version=lambda coupon: coupon.version,
        )

    def of_customer(self, customer_id: str) -> Sequence[CouponInstance]:
        """``customer_id``'s coupons, by id."""
        return [c for _, c in sorted(self.rows.items()) if c.customer_id == customer_id]


class InMemoryMembers(_Table[Member]):
    """Members by customer id (see :class:`~mallcore.ports.MemberRepository`)."""

    def __init__(self, committed: dict[str, Member]) -> None:
        super().__init__(
            committed,
            kind="member",
            key=lambda member: member.customer_id,
            version=lambda member: member.version,
        )

    def born_on(self, month: int, day: int) -> Sequence[str]:
        """Ids of members whose birthday is ``month``/``day``, sorted."""
        return sorted(
            member.customer_id
            for member in self.rows.values()
            if member.birthday is not None
            and (member.birthday.month, member.birthday.day) == (month, day)
        )

    def registered_between(self, start: datetime, end: datetime) -> Sequence[str]:
        """Ids of members registered in ``[start, end)``, oldest first."""
        found = [m for m in self.rows.values() if start <= m.registered_at < end]
        found.sort(key=lambda member: (member.registered_at, member.customer_id))
        return [member.customer_id for member in found]


class InMemoryOutbox:
    """The outbox (see :class:`~mallcore.ports.OutboxRepository`): claims hold the writer lock."""

    def __init__(self, store: InMemoryStore, lock: Callable[[], None]) -> None:
        self._store = store
        self._lock = lock
        self.appended: list[OutboxEvent] = []
        self.published: dict[str, datetime] = {}
        self.purge_before: datetime | None = None

    def append(self, event: OutboxEvent) -> None:
        """Keep ``event`` for the commit (a payload no database could store is refused here too)."""
        if not isinstance(event, OutboxEvent):
            raise InvalidValue("event", event, "must be an OutboxEvent")
        check_place(self.appended, event)
        dump_event(event.event)
        self.appended.append(event)

    def claim(self, limit: int) -> Sequence[OutboxEvent]:
        """The oldest unpublished envelopes (taking the writer lock first)."""
        page([], limit=limit, offset=0)
        self._lock()
        with self._store.lock:
            waiting = [
                row.event
                for row in self._store.outbox.values()
                if row.published_at is None and row.event.id not in self.published
            ]
        return waiting[:limit]

    def mark_published(self, ids: Sequence[str], *, at: datetime) -> None:
        """Record ``ids`` as published at ``at``, at commit."""
        self.published.update(dict.fromkeys(ids, at))

    def purge(self, *, before: datetime) -> int:
        """Delete, at commit, the envelopes published before ``before``; how many."""
        self.purge_before = before if self.purge_before is None else max(before, self.purge_before)
        with self._store.lock:
            return sum(1 for row in self._store.outbox.values() if self._purged(row))

    def of_aggregate(self, aggregate_kind: str, aggregate_id: str) -> Sequence[OutboxEvent]:
        """The committed envelopes of one aggregate, by sequence."""
        with self._store.lock:
            stored = [row.event for row in self._store.outbox.values()]
        found = [e for e in stored if e.aggregate == (aggregate_kind, aggregate_id)]
        return sorted(found, key=lambda e: e.sequence)

    def _purged(self, row: OutboxRow) -> bool:
        published = row.published_at or self.published.get(row.event.id)
        return (
            self.purge_before is not None
            and published is not None
            and published < self.purge_before
        )

    def _conflict(self) -> StaleVersion | None:
        """A taken id among the appends (called under the store lock)."""
        for event in self.appended:
            if event.id in self._store.outbox:
                return StaleVersion("outbox event", event.id, -1, 0)
        return None

    def _publish(self) -> None:
        """Number and apply the appends, the marks and the purge (called under the store lock)."""
        rows, sequences = self._store.outbox, self._store.outbox_sequences
        for event in self.appended:
            sequences[event.aggregate] = sequences.get(event.aggregate, 0) + 1
            rows[event.id] = OutboxRow(attrs.evolve(event, sequence=sequences[event.aggregate]))
        for event_id, at in self.published.items():
            if event_id in rows and rows[event_id].published_at is None:
                rows[event_id] = attrs.evolve(rows[event_id], published_at=at)
        for event_id in [key for key, row in rows.items() if self._purged(row)]:
            del rows[event_id]

    def _begin(self) -> None:
        self.appended = []
        self.published = {}
        self.purge_before = None


class InMemoryUnitOfWork:
    """A transaction over an :class:`InMemoryStore` (see :class:`~mallcore.ports.UnitOfWork`)."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        with store.lock:
            self.products = InMemoryProducts(store.products)
            self.stocks = InMemoryStocks(store.stocks)
            self.orders = InMemoryOrders(store.orders)
            self.payments = InMemoryPayments(store.payments)
            self.after_sales = InMemoryAfterSales(store.after_sales)
            self.points = InMemoryPoints(store.points)
            self.configuration = InMemoryConfiguration(store.configurations)
            self.counters = InMemoryCounters(store.counters)
            self.members = InMemoryMembers(store.members)
            self.coupon_templates = InMemoryCouponTemplates(
                store.coupon_templates, store.coupon_codes
            )
            self.coupons = InMemoryCoupons(store.coupons)
            self.stock_holds = InMemoryStockHolds(store.stock_holds)
            self.stock_movements = InMemoryStockMovements(store.stock_movements)
        self.outbox = InMemoryOutbox(store, self.lock)
        self._locked = False

    def _tables(self) -> tuple[_Table[Any], ...]:
        return (
            self.products,
            self.stocks,
            self.orders,
            self.payments,
            self.after_sales,
            self.points,
            self.configuration,
            self.members,
            self.coupon_templates,
            self.coupons,
            self.stock_holds.table,
            self.stock_movements.table,
        )

    def lock(self) -> None:
        """Hold the store's writer lock until this unit of work commits or rolls back."""
        if not self._locked:
            self._store.writer.acquire()
            self._locked = True

    def read_ahead(self, reads: ReadAhead) -> None:
        """Nothing: reading the store costs no round trip."""

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
        """Publish every change, or raise StaleVersion or LimitReached and publish none."""
        try:
            with self._store.lock:
                for table in self._tables():
                    conflict = table._conflict()
                    if conflict is not None:
                        raise conflict
                conflict = self.outbox._conflict()
                if conflict is not None:
                    raise conflict
                counts = self.counters._applied()
                for table in self._tables():
                    table._publish()
                self._store.counters.update(counts)
                self.outbox._publish()
        finally:
            self.rollback()

    def rollback(self) -> None:
        """Drop every change since the last commit, see what is committed now, unlock."""
        with self._store.lock:
            for table in self._tables():
                table._begin()
            self.counters.pending.clear()
            self.outbox._begin()
        if self._locked:
            self._locked = False
            self._store.writer.release()


class InMemoryEventLog:
    """An event publisher that keeps every envelope published, in order, and their events."""

    def __init__(self) -> None:
        self.envelopes: list[OutboxEvent] = []
        self.events: list[object] = []

    def publish(self, events: Sequence[OutboxEvent]) -> None:
        """Keep ``events`` in :attr:`envelopes`, and the domain events in :attr:`events`."""
        self.envelopes.extend(events)
        self.events.extend(envelope.event for envelope in events)
