"""Storage ports: where products, stock and orders live between requests.

Every repository follows one versioning contract (optimistic concurrency):

- ``get`` returns the value last saved under that key, or raises NotFound.
- ``save`` stores a value whose ``version`` is one more than the stored one,
  or a new value at version 0 under a key not stored yet; anything else
  raises StaleVersion (someone saved first) and stores nothing.

A :class:`UnitOfWork` groups repositories into one transaction: changes are
seen by nobody else until ``commit``; leaving the ``with`` block without
committing (or on an exception) rolls them back. ``commit`` raises
StaleVersion, and keeps nothing, when another unit of work committed a newer
version of a value this one saved. ``mallcore.testing.contracts`` checks an
adapter against this contract.

Hot counters (coupon uses, budgets, flash-sale units, claims) are not
versioned documents: :class:`CounterRepository` adds to them with a
conditional update at commit, so concurrent transactions never push one past
its limit and never fail each other with StaleVersion.

Listing queries take ``limit`` (1 to :data:`MAX_PAGE`) and ``offset`` (0 or
more; anything else raises InvalidValue) and return at most ``limit`` values
in a stable order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Final, Protocol, Self

import attrs

from mallcore._fields import flag, identifier, to_tuple
from mallcore.catalog import ListingStatus, Product, Stock, StockHold, StockMovement
from mallcore.coupons import CouponInstance, CouponTemplate
from mallcore.errors import InvalidValue
from mallcore.loyalty import Member, PointsAccount
from mallcore.merchant import Configuration
from mallcore.orders import AfterSalesCase, Order, OrderStatus, Payment
from mallcore.ports.outbox import OutboxRepository

__all__ = [
    "AfterSalesRepository",
    "ConfigurationRepository",
    "CounterRepository",
    "CouponRepository",
    "CouponTemplateRepository",
    "MAX_PAGE",
    "MemberRepository",
    "OrderRepository",
    "PaymentRepository",
    "PointsRepository",
    "ProductRepository",
    "ReadAhead",
    "StockHoldRepository",
    "StockMovementRepository",
    "StockRepository",
    "UnitOfWork",
    "check_change",
    "moved",
    "page_bounds",
]

MAX_PAGE: Final = 500
"""The most values one listing query returns."""


def page_bounds(limit: object, offset: object) -> tuple[int, int]:
    """``limit`` (1 to :data:`MAX_PAGE`) and ``offset`` (0 or more), else InvalidValue."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise InvalidValue("limit", limit, f"must be a whole number from 1 to {MAX_PAGE}")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise InvalidValue("offset", offset, "must be a whole number, not negative")
    return limit, offset


class ProductRepository(Protocol):
    """Port: products (SPU) with their SKUs.

    - ``get`` returns the product ``product_id`` or raises NotFound.
    - ``get_by_sku`` returns the product holding SKU ``sku_id`` or raises NotFound.
    - ``save`` stores ``product`` under ``product.id``, replacing what was
      there (products are edited by the merchant, not raced by shoppers: they
      carry no version).
    """

    def get(self, product_id: str) -> Product:
        """The product ``product_id``."""
        ...

    def get_by_sku(self, sku_id: str) -> Product:
        """The product that has the SKU ``sku_id``."""
        ...

    def save(self, product: Product) -> None:
        """Store ``product`` (replacing the one stored under its id)."""
        ...

    def in_category(
        self,
        category_id: str,
        *,
        status: ListingStatus | None = None,
        limit: int,
        offset: int = 0,
    ) -> Sequence[Product]:
        """Products whose ``category_id`` is ``category_id`` (and ``listing.status``), by id."""
        ...


class StockRepository(Protocol):
    """Port: the stock of each SKU.

    - ``get`` returns the stock of ``sku_id`` or raises NotFound. It locks
      nothing, even in a locked unit of work: a hot SKU's row is held only
      while the commit writes it.
    - ``save`` raises StaleVersion unless the stored version is
      ``stock.version - 1`` (or nothing is stored and ``stock.version`` is 0).
      A stocktake sets the counts whole this way.
    - ``change`` keeps a change of counts for the commit: ``after`` is
      ``before`` (the stock as this unit of work sees it, else StaleVersion
      at once) with ``on_hand`` and ``reserved`` moved and the version raised
      (anything else: InvalidValue, :func:`check_change`). The commit moves
      the stock *as stored then* by the same amounts and raises its version
      as many steps, so units of work changing one SKU at once all commit
      while the units allow. One whose moves would leave ``reserved``
      negative or above ``on_hand``, or that finds the stock's policy
      changed or the stock gone, raises StaleVersion at commit and keeps
      nothing: another writer took the units first, and the command is run
      again on what is stored. Changes and a save of one stock in one unit
      of work add up to a save based on the version first seen.
    """

    def get(self, sku_id: str) -> Stock:
        """The stock of ``sku_id``."""
        ...

    def save(self, stock: Stock) -> None:
        """Store ``stock`` at its version."""
        ...

    def change(self, before: Stock, after: Stock) -> None:
        """Move the stored counts as ``before`` became ``after``, at commit."""
        ...


def moved(stored: Stock | None, before: Stock, after: Stock) -> Stock | None:
    """``stored`` with its counts moved as ``before`` became ``after``; None where refused.

    What a commit does with :meth:`StockRepository.change`: None when
    nothing is stored, the policy is no longer ``before``'s, or the moved
    counts break the stock's rules (``reserved`` negative or above
    ``on_hand``: :class:`~mallcore.catalog.Stock` refuses them).
    """
    if stored is None or stored.policy is not before.policy:
        return None
    try:
        return attrs.evolve(
            stored,
            on_hand=stored.on_hand + after.on_hand - before.on_hand,
            reserved=stored.reserved + after.reserved - before.reserved,
            version=stored.version + after.version - before.version,
        )
    except InvalidValue:
        return None


def check_change(before: Stock, after: Stock) -> None:
    """Raise InvalidValue unless ``after`` is ``before`` with other counts and a higher version."""
    kept = (before.sku_id, before.policy, before.warning_threshold)
    if (after.sku_id, after.policy, after.warning_threshold) != kept:
        raise InvalidValue(
            "stock change", after, f"must change only the counts of stock {before.sku_id!r}"
        )
    if after.version <= before.version:
        raise InvalidValue(
            "stock change", after.version, f"must raise the version above {before.version}"
        )


class StockHoldRepository(Protocol):
    """Port: unpaid orders' holds on stock, one per (SKU, order), kept beside the stock.

    A hold changes only with its SKU's stock, whose counts it accounts for;
    the stock's counts move at commit without a version check
    (:meth:`StockRepository.change`), so the holds themselves keep two
    writers from giving one hold's units back twice or holding one key twice.

    - ``get`` returns the hold of ``order_id`` on ``sku_id`` as this unit of
      work sees it (its own additions and removals included), or raises
      NotFound.
    - ``add`` keeps ``hold`` for the commit; a key held already raises
      StaleVersion: at once when this unit of work added it or read it held,
      at the latest at commit (which then keeps nothing). A command adds
      holds for keys it knows free, so the database is not asked twice.
    - ``remove`` drops the hold at commit. A hold this unit of work read
      held (``get``, ``lapsed``, ``of_sku``) that another writer removed
      first raises StaleVersion at commit, which keeps nothing; a key it
      never saw held does nothing.
    - ``lapsed`` lists ``sku_id``'s holds whose ``expires_at`` is at or
      before ``at``, the earliest first, at most ``limit``.
    - ``of_sku`` lists a page of ``sku_id``'s holds by order id.
    """

    def get(self, sku_id: str, order_id: str) -> StockHold:
        """The hold of ``order_id`` on ``sku_id``."""
        ...

    def add(self, hold: StockHold) -> None:
        """Record ``hold`` under its (``sku_id``, ``order_id``)."""
        ...

    def remove(self, sku_id: str, order_id: str) -> None:
        """Drop the hold of ``order_id`` on ``sku_id``, if any."""
        ...

    def lapsed(self, sku_id: str, *, at: datetime, limit: int) -> Sequence[StockHold]:
        """``sku_id``'s holds over at ``at``, earliest expiry first."""
        ...

    def of_sku(self, sku_id: str, *, limit: int, offset: int = 0) -> Sequence[StockHold]:
        """A page of ``sku_id``'s holds, by order id."""
        ...


class StockMovementRepository(Protocol):
    """Port: the stock's history, one movement per (SKU, order), written once and never changed.

    - ``get`` returns the movement of ``order_id`` on ``sku_id`` as this unit
      of work sees it (its own additions included), or raises NotFound.
    - ``add`` records ``movement`` at commit. A movement under a key already
      recorded raises StaleVersion: at ``add`` when this unit of work sees
      it, else at ``commit`` (another writer recorded it first), which then
      keeps nothing.
    """

    def get(self, sku_id: str, order_id: str) -> StockMovement:
        """The movement of ``order_id`` on ``sku_id``."""
        ...

    def add(self, movement: StockMovement) -> None:
        """Record ``movement`` under its (``sku_id``, ``order_id``)."""
        ...


class OrderRepository(Protocol):
    """Port: orders.

    - ``get`` returns the order last saved under ``order_id`` or raises NotFound.
    - ``save`` raises StaleVersion unless the stored version is
      ``order.version - 1`` (or nothing is stored and ``order.version`` is 0).
    - ``awaiting_payment`` lists the ids of orders still awaiting payment whose
      deadline ``pay_by`` is at or before ``due_by``, oldest deadline first.
    - ``due_for_completion`` lists the ids of shipped or delivered orders.
    - ``get_by_waybill`` returns the order that shipped a package under
      ``waybill``, or raises NotFound.
    - ``of_customer`` pages a customer's orders, newest ``placed_at`` first
      (then id, descending); ``with_status`` pages the orders in ``status``,
      oldest ``placed_at`` first (then id).
    """

    def get(self, order_id: str) -> Order:
        """The order ``order_id``."""
        ...

    def save(self, order: Order) -> None:
        """Store ``order`` at its version."""
        ...

    def awaiting_payment(self, *, due_by: datetime) -> Sequence[str]:
        """Ids of unpaid orders whose payment deadline is at or before ``due_by``."""
        ...

    def due_for_completion(self) -> Sequence[str]:
        """Ids of shipped or delivered orders (candidates for auto-confirmation)."""
        ...

    def due_for_settlement(self, *, due_by: datetime) -> Sequence[str]:
        """Ids of completed, unsettled orders whose after-sales window ended before ``due_by``."""
        ...

    def get_by_waybill(self, waybill: str) -> Order:
        """The order with a package under ``waybill``."""
        ...

    def of_customer(self, customer_id: str, *, limit: int, offset: int = 0) -> Sequence[Order]:
        """The orders of ``customer_id``, newest first."""
        ...

    def with_status(self, status: OrderStatus, *, limit: int, offset: int = 0) -> Sequence[Order]:
        """The orders in ``status``, oldest first."""
        ...


class AfterSalesRepository(Protocol):
    """Port: after-sales cases (售后单), by case id.

    - ``get`` returns the case last saved under that id, or raises NotFound.
    - ``save`` follows the versioning contract (StaleVersion otherwise).
    - ``of_order`` returns every case of ``order_id``, by request time, then id.
    - ``open_cases`` returns the ids of the cases still open (requested,
      approved, returning, received), by id: the after-sales job's items.
    """

    def get(self, case_id: str) -> AfterSalesCase:
        """The case ``case_id``."""
        ...

    def save(self, case: AfterSalesCase) -> None:
        """Store ``case`` at its version."""
        ...

    def of_order(self, order_id: str) -> Sequence[AfterSalesCase]:
        """The cases of ``order_id``, oldest first."""
        ...

    def open_cases(self) -> Sequence[str]:
        """Ids of the open cases, sorted."""
        ...


class PaymentRepository(Protocol):
    """Port: payment records, one per provider payment id (attempts and notifications).

    - ``get`` returns the payment last saved under that id, or raises NotFound.
    - ``save`` follows the versioning contract (StaleVersion otherwise).
    - ``of_order`` returns every payment recorded for ``order_id`` (an id no
      order has included: a payment for an unknown order is recorded under
      the order id it names), in the order they were first saved: by
      ``started_at`` or else ``received_at``, then by id.
    """

    def get(self, payment_id: str) -> Payment:
        """The payment ``payment_id``."""
        ...

    def save(self, payment: Payment) -> None:
        """Store ``payment`` at its version."""
        ...

    def of_order(self, order_id: str) -> Sequence[Payment]:
        """The payments recorded for ``order_id``, oldest first."""
        ...


class PointsRepository(Protocol):
    """Port: members' points accounts.

    - ``get`` returns the account ``account_id`` or raises NotFound.
    - ``save`` raises StaleVersion unless the stored version is
      ``account.version - 1`` (or nothing is stored and ``account.version`` is 0).
    """

    def get(self, account_id: str) -> PointsAccount:
        """The points account ``account_id``."""
        ...

    def save(self, account: PointsAccount) -> None:
        """Store ``account`` at its version."""
        ...


class ConfigurationRepository(Protocol):
    """Port: the merchant's configuration, every version kept.

    - ``current`` returns the highest version saved, or raises NotFound when
      none was saved yet.
    - ``get`` returns version ``version``, or raises NotFound.
    - ``save`` stores a new version: ``configuration.version`` must be one
      more than the highest saved (0 for the first), else StaleVersion.
      Saved versions never change.
    """

    def current(self) -> Configuration:
        """The configuration in force: the highest version saved."""
        ...

    def get(self, version: int) -> Configuration:
        """The configuration as it was at ``version``."""
        ...

    def save(self, configuration: Configuration) -> None:
        """Store the next version."""
        ...


class CounterRepository(Protocol):
    """Port: named counters (whole numbers, 0 when never counted) changed by conditional updates.

    - ``value`` returns the committed count under ``key`` plus this unit of
      work's own pending additions.
    - ``add`` adds ``amount`` (positive or negative) to ``key`` when the unit
      of work commits, as one conditional update (``UPDATE ... SET value =
      value + :amount WHERE key = :key AND value + :amount <= :limit``): the
      limit is checked against the count at commit, whatever other writers
      committed meanwhile. A count that would pass ``limit`` (None: no limit)
      or go below zero makes ``commit`` raise LimitReached naming the key, and
      keep nothing. Several additions to one key in one unit of work apply
      in order.
    """

    def value(self, key: str) -> int:
        """The count under ``key`` as this unit of work sees it."""
        ...

    def add(self, key: str, amount: int, *, limit: int | None = None) -> None:
        """Add ``amount`` to ``key`` at commit, never beyond ``limit`` nor below zero."""
        ...


class CouponTemplateRepository(Protocol):
    """Port: the merchant's coupon templates and the codes that claim them.

    - ``get`` returns the template ``template_id`` or raises NotFound.
    - ``save`` raises StaleVersion unless the stored version is
      ``template.version - 1`` (or nothing is stored and the version is 0).
    - ``add_codes`` stores single-use ``codes`` for ``template_id`` at
      commit; a code already stored (for any template) makes the commit
      raise StaleVersion and keep nothing.
    - ``find_by_code`` returns the template a code claims: the one whose
      shared ``code`` it is, or the one it was generated for; else NotFound.
    """

    def get(self, template_id: str) -> CouponTemplate:
        """The template ``template_id``."""
        ...

    def save(self, template: CouponTemplate) -> None:
        """Store ``template`` at its version."""
        ...

    def add_codes(self, template_id: str, codes: Sequence[str]) -> None:
        """Store single-use ``codes`` claiming ``template_id``."""
        ...

    def find_by_code(self, code: str) -> CouponTemplate:
        """The template ``code`` claims."""
        ...


class CouponRepository(Protocol):
    """Port: the coupons customers hold (wallets).

    - ``get`` returns the coupon ``coupon_id`` or raises NotFound.
    - ``save`` raises StaleVersion unless the stored version is
      ``coupon.version - 1`` (or nothing is stored and the version is 0).
    - ``of_customer`` lists a customer's coupons, sorted by id.
    """

    def get(self, coupon_id: str) -> CouponInstance:
        """The coupon ``coupon_id``."""
        ...

    def save(self, coupon: CouponInstance) -> None:
        """Store ``coupon`` at its version."""
        ...

    def of_customer(self, customer_id: str) -> Sequence[CouponInstance]:
        """Every coupon ``customer_id`` holds or held."""
        ...


class MemberRepository(Protocol):
    """Port: members' profiles and tier memberships.

    - ``get`` returns the member ``customer_id`` or raises NotFound.
    - ``save`` raises StaleVersion unless the stored version is
      ``member.version - 1`` (or nothing is stored and ``member.version`` is 0).
    - ``born_on`` lists the ids of members whose birthday is ``month``/``day``,
      sorted; ``registered_between`` the ids of members registered at or after
      ``start`` and before ``end``, oldest first (then id).
    """

    def get(self, customer_id: str) -> Member:
        """The member ``customer_id``."""
        ...

    def save(self, member: Member) -> None:
        """Store ``member`` at its version."""
        ...

    def born_on(self, month: int, day: int) -> Sequence[str]:
        """Ids of members whose birthday falls on ``month``/``day``."""
        ...

    def registered_between(self, start: datetime, end: datetime) -> Sequence[str]:
        """Ids of members registered in ``[start, end)``."""
        ...


def _ids(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: a tuple of ids (a string alone is refused, not read as its letters)."""
    if not isinstance(value, tuple):
        raise InvalidValue(attribute.name, value, "must be a collection of ids")
    for each in value:
        identifier(attribute.name, each)


@attrs.frozen(kw_only=True)
class ReadAhead:
    """What a command is about to read, for :meth:`UnitOfWork.read_ahead`.

    Each field names the reads of one kind: ``orders`` and ``members`` by
    ``get``, ``products_by_sku`` by ``products.get_by_sku``, ``stocks`` by
    ``stocks.get``, ``coupons_of_customer`` by ``coupons.of_customer``, and
    ``configuration`` the ``configuration.current()`` read.
    """

    orders: tuple[str, ...] = attrs.field(default=(), converter=to_tuple, validator=_ids)
    configuration: bool = attrs.field(default=False, validator=flag)
    products_by_sku: tuple[str, ...] = attrs.field(default=(), converter=to_tuple, validator=_ids)
    members: tuple[str, ...] = attrs.field(default=(), converter=to_tuple, validator=_ids)
    coupons_of_customer: tuple[str, ...] = attrs.field(
        default=(), converter=to_tuple, validator=_ids
    )
    stocks: tuple[str, ...] = attrs.field(default=(), converter=to_tuple, validator=_ids)


class UnitOfWork(Protocol):
    """Port: one transaction over the repositories.

    Use it as ``with uow: ...; uow.commit()``. Leaving the block without a
    commit, or with an exception, rolls back. ``commit`` raises StaleVersion
    and keeps nothing when another writer committed first, LimitReached when
    a counter would pass its limit.

    ``lock`` declares, before the first read, that the transaction will
    write: from then until it commits or rolls back, no other locked unit of
    work can commit a change to what it reads (SQLite takes the database's
    write lock, BEGIN IMMEDIATE; PostgreSQL reads with row locks; the
    in-memory store holds its writer lock). Commands that read, decide and
    write take it, so that under contention they wait instead of failing
    with StaleVersion.
    """

    @property
    def products(self) -> ProductRepository:
        """The products, as this transaction sees them."""
        ...

    @property
    def stocks(self) -> StockRepository:
        """The stock levels, as this transaction sees them."""
        ...

    @property
    def stock_holds(self) -> StockHoldRepository:
        """The unpaid orders' holds on stock."""
        ...

    @property
    def stock_movements(self) -> StockMovementRepository:
        """The paid orders' stock movements."""
        ...

    @property
    def orders(self) -> OrderRepository:
        """The orders, as this transaction sees them."""
        ...

    @property
    def after_sales(self) -> AfterSalesRepository:
        """The after-sales cases, as this transaction sees them."""
        ...

    @property
    def payments(self) -> PaymentRepository:
        """The payment records, as this transaction sees them."""
        ...

    @property
    def points(self) -> PointsRepository:
        """The points accounts, as this transaction sees them."""
        ...

    @property
    def configuration(self) -> ConfigurationRepository:
        """The merchant's configuration versions."""
        ...

    @property
    def coupon_templates(self) -> CouponTemplateRepository:
        """The coupon templates and their codes."""
        ...

    @property
    def coupons(self) -> CouponRepository:
        """The coupons in customers' wallets."""
        ...

    @property
    def counters(self) -> CounterRepository:
        """The usage counters."""
        ...

    @property
    def members(self) -> MemberRepository:
        """The members' profiles and memberships."""
        ...

    @property
    def outbox(self) -> OutboxRepository:
        """The events committed with the state, until a relay publishes them."""
        ...

    def lock(self) -> None:
        """Take the write lock now (see the class docstring); a second call does nothing."""
        ...

    def read_ahead(self, reads: ReadAhead) -> None:
        """Fetch ``reads`` now, at once, if each read would cost a round trip to a server.

        A hint that changes no result a command may rely on: the next read of
        each returns a value committed between this call and that read,
        locked as the unit of work is; a read made again reads again; the
        unit of work's own saves come first. PostgreSQL sends them as one
        pipeline; adapters whose reads cost no round trip (the in-memory
        store, SQLite) do nothing.
        """
        ...

    def __enter__(self) -> Self:
        """Begin the transaction."""
        ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""
        ...

    def commit(self) -> None:
        """Make every change of the transaction visible, all or nothing."""
        ...

    def rollback(self) -> None:
        """Drop every change made since the last commit."""
        ...
