"""How each stored aggregate maps to a table, for the SQL adapters.

A :class:`Layout` names the aggregate's table, its key column, how to read
the key and the version off a value, and the few columns copied out of the
value for queries to filter on; the value itself is stored whole as JSON
with its shape (:func:`mallcore.shapes.dump_document`) in the ``value`` column. A :class:`SideTable`
maps secondary keys (SKU ids, waybills) to the aggregate's key.

The declarations here say nothing of SQL dialects: each adapter builds its
own statements from them. A new versioned repository is one more
:class:`Layout` (and its table in :mod:`mallcore.adapters._migrations`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Final, Generic, TypeVar

import attrs

from mallcore.catalog import Product, Stock
from mallcore.coupons import CouponInstance, CouponTemplate
from mallcore.errors import InvalidValue
from mallcore.loyalty import Member, PointsAccount
from mallcore.orders import AfterSalesCase, Order, OrderStatus, Payment
from mallcore.shapes import dump_document, load_document, load_shared_document

__all__ = [
    "AFTER_SALES",
    "COUPONS",
    "COUPON_TEMPLATES",
    "Layout",
    "MEMBERS",
    "ORDERS",
    "PAYMENTS",
    "POINTS",
    "PRODUCTS",
    "STOCKS",
    "SideTable",
    "microseconds",
]

V = TypeVar("V")

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)


def microseconds(moment: datetime) -> int:
    """``moment`` in microseconds since the Unix epoch: exact, and ordered whatever its zone."""
    return (moment - _EPOCH) // _MICROSECOND


@attrs.frozen
class SideTable(Generic[V]):
    """A lookup table from secondary keys (SKU ids, waybills) to the aggregate's key."""

    table: str
    column: str
    owner: str
    keys: Callable[[V], Iterable[str]]


def _no_columns(value: object) -> dict[str, object]:
    return {}


@attrs.frozen(kw_only=True)
class Layout(Generic[V]):
    """How one aggregate maps to its table: the key, the version, the copied columns."""

    kind: str
    table: str
    key_column: str
    cls: type[V]
    key: Callable[[V], str]
    version: Callable[[V], int] | None
    columns: Callable[[V], dict[str, object]] = _no_columns
    side: SideTable[V] | None = None
    read_mostly: bool = False
    """Parsed once per stored text and shared (:func:`mallcore.shapes.load_shared_document`)."""

    def load(self, text: str, key: object = None) -> V:
        """The value stored as ``text`` (under ``key``, which errors name)."""
        source = self.table if key is None else f"{self.table} {key!r}"
        if self.read_mostly:
            return load_shared_document(text, self.cls, source=source)
        return load_document(text, self.cls, source=source)

    def row(self, value: V) -> dict[str, object]:
        """The columns of ``value``'s row by name: the key, the version, the copies, the JSON."""
        row: dict[str, object] = {self.key_column: self.key(value)}
        if self.version is not None:
            row["version"] = self.version(value)
        return {**row, **self.columns(value), "value": dump_document(value)}


PRODUCTS: Final = Layout[Product](
    kind="product",
    table="products",
    key_column="id",
    cls=Product,
    key=lambda product: product.id,
    version=None,
    columns=lambda product: {
        "category_id": product.category_id,
        "status": product.listing.status.value,
    },
    side=SideTable(
        "product_skus", "sku_id", "product_id", lambda product: [sku.id for sku in product.skus]
    ),
    read_mostly=True,
)
STOCKS: Final = Layout[Stock](
    kind="stock",
    table="stocks",
    key_column="sku_id",
    cls=Stock,
    key=lambda stock: stock.sku_id,
    version=lambda stock: stock.version,
    columns=lambda stock: {
        "on_hand": stock.on_hand,
        "reserved": stock.reserved,
        "policy": stock.policy.value,
    },
)
"""The counts are columns that a commit moves in place: :mod:`mallcore.adapters._stocks`."""


def _settle_by(order: Order) -> int | None:
    """When a completed, unsettled order's after-sales window ends (microseconds), else None."""
    deadline = order.after_sales_until
    if (
        order.status is not OrderStatus.COMPLETED
        or order.settled_at is not None
        or deadline is None
    ):
        return None
    return microseconds(deadline)


ORDERS: Final = Layout[Order](
    kind="order",
    table="orders",
    key_column="id",
    cls=Order,
    key=lambda order: order.id,
    version=lambda order: order.version,
    columns=lambda order: {
        "status": order.status.value,
        "pay_by_us": microseconds(order.pay_by),
        "customer_id": order.customer_id,
        "placed_at_us": microseconds(order.placed_at),
        "settle_by_us": _settle_by(order),
    },
    side=SideTable(
        "order_waybills",
        "waybill",
        "order_id",
        lambda order: [shipment.waybill for shipment in order.shipments],
    ),
)
POINTS: Final = Layout[PointsAccount](
    kind="points account",
    table="points_accounts",
    key_column="account_id",
    cls=PointsAccount,
    key=lambda account: account.account_id,
    version=lambda account: account.version,
)


def _birthday(birthday: date | None) -> dict[str, object]:
    return {
        "birth_month": None if birthday is None else birthday.month,
        "birth_day": None if birthday is None else birthday.day,
    }


MEMBERS: Final = Layout[Member](
    kind="member",
    table="members",
    key_column="customer_id",
    cls=Member,
    key=lambda member: member.customer_id,
    version=lambda member: member.version,
    columns=lambda member: {
        **_birthday(member.birthday),
        "registered_us": microseconds(member.registered_at),
    },
)
COUPON_TEMPLATES: Final = Layout[CouponTemplate](
    kind="coupon template",
    table="coupon_templates",
    key_column="id",
    cls=CouponTemplate,
    key=lambda template: template.id,
    version=lambda template: template.version,
    columns=lambda template: {"code": template.code},
)
COUPONS: Final = Layout[CouponInstance](
    kind="coupon",
    table="coupons",
    key_column="id",
    cls=CouponInstance,
    key=lambda coupon: coupon.id,
    version=lambda coupon: coupon.version,
    columns=lambda coupon: {"customer_id": coupon.customer_id},
)


def _first_recorded(payment: Payment) -> datetime:
    first = payment.started_at or payment.received_at
    if first is None:
        raise InvalidValue(f"payment {payment.id!r}", None, "must be started or received")
    return first


PAYMENTS: Final = Layout[Payment](
    kind="payment",
    table="payments",
    key_column="id",
    cls=Payment,
    key=lambda payment: payment.id,
    version=lambda payment: payment.version,
    columns=lambda payment: {
        "order_id": payment.order_id,
        "first_us": microseconds(_first_recorded(payment)),
    },
)
AFTER_SALES: Final = Layout[AfterSalesCase](
    kind="after-sales case",
    table="after_sales_cases",
    key_column="id",
    cls=AfterSalesCase,
    key=lambda case: case.id,
    version=lambda case: case.version,
    columns=lambda case: {
        "order_id": case.order_id,
        "status": case.status.value,
        "requested_us": microseconds(case.requested_at),
    },
)
