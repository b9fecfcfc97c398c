"""The order aggregate: what was bought at what price, and where it is in its lifecycle.

Theory of operation:

- :meth:`Order.place` freezes a priced cart (a :class:`~mallcore.pricing.Quote`)
  into order lines. Each line keeps what was paid for each unit
  (``unit_payables``, every discount already apportioned to the cent), so a
  later refund of one unit returns exactly that. The client never sends a
  price: the quote is computed by the host from its own catalog and rules.
- An order is immutable. Every command returns ``(new_order, events)``; a
  command that moves the order bumps ``version`` by one (optimistic
  concurrency in storage); a command that has already happened (the same
  payment notified twice, a cancel of a cancelled order) returns the same
  order and no events; a refused command raises and changes nothing.
- Moves are checked against :data:`~mallcore.orders.TRANSITIONS` only.
- Shipping may be partial: each :meth:`Order.ship` sends some units in one
  package (a :class:`Shipment` with its waybill); the order is SHIPPED once
  every unit has left, and DELIVERED once every package is delivered
  (:meth:`Order.deliver_package`): one package's scan never delivers the rest.
- Completing the order sets its after-sales deadline (``after_sales_until``:
  completion plus ``after_sales_window``); :meth:`Order.refund` refuses
  after it (RefundRefused).
- After-sales refunds (:meth:`Order.refund`, 售后退款) return units of lines
  and part of the freight. Each refunded unit returns exactly what was paid
  for it, **the last units of a line first**: the pricing engine leaves a
  discount's leftover cents, and an item promotion's free or cheaper unit,
  on the last units, so the units a customer keeps keep the prices they
  were sold at. A unit is refunded once; the refunds never exceed what was
  paid. A paid order refunds only units not yet shipped (they will not
  ship); once shipped, returned ones. The refund that leaves no unit closes
  the order (unless it is completed: after-sales sits on top of that).
- Time is passed in (``at=``, ``now=``); nothing here reads the clock.
- A command costs what it touches, not the order's size. An order built
  from outside (:meth:`Order.place`, a loader, ``Order(...)``,
  ``attrs.evolve``) is checked whole; a command checks its own input and
  builds the next order through a trusted path (``Order._next``) that
  skips the whole-order check. What the commands read of the lines,
  packages and refunds (lines by id, units shipped and refunded per line,
  delivered packages, the totals) is summed once per order built from
  outside (:class:`_Tally`) and carried on from order to order, updated by
  what each command adds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from functools import cached_property
from types import MappingProxyType
from typing import Any, Final, TypeAlias

import attrs

from mallcore._fields import members, money, span, strings, to_tuple
from mallcore.catalog.listing import require_aware
from mallcore.errors import (
    IllegalTransition,
    InvalidValue,
    PaymentMismatch,
    RefundRefused,
    WrongType,
)
from mallcore.money import Money, total
from mallcore.orders.axes import (
    FULFILMENT_AXIS,
    PAYMENT_AXIS,
    Actor,
    AxisMoved,
    FulfilmentState,
    OrderMove,
    PaymentState,
    axis_move,
    order_status,
)
from mallcore.orders.status import TRANSITIONS, OrderStatus
from mallcore.pricing import Quote

__all__ = [
    "CancellationAsked",
    "CancellationRequest",
    "Charge",
    "Consignee",
    "DEFAULT_AFTER_SALES_WINDOW",
    "DEFAULT_PAYMENT_WINDOW",
    "ItemSnapshot",
    "Order",
    "OrderCoupon",
    "OrderEvent",
    "OrderLine",
    "OrderPlaced",
    "OrderRefund",
    "OrderRefunded",
    "OrderSettled",
    "OrderStatusChanged",
    "PackageScan",
    "PackageShipped",
    "RefundedUnits",
    "Shipment",
]

DEFAULT_PAYMENT_WINDOW: Final = timedelta(minutes=30)
"""How long an order waits for payment unless told (a usual 待付款 limit)."""

DEFAULT_AFTER_SALES_WINDOW: Final = timedelta(days=7)
"""How long after completion an order takes refunds unless told (Taobao's and JD's 7 days)."""

PAYMENT_TIMEOUT: Final = "payment timeout"

_REFUNDABLE: Final = frozenset(
    {OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED}
)


def _text(field: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(field, value, "must be a non-empty string")
    return value


def _count(field: str, value: object, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidValue(field, value, f"must be a whole number of at least {minimum}")
    return value


def _pairs_of(field: str, values: object) -> tuple[tuple[Any, Any], ...]:
    """``values`` (a mapping, or an iterable of pairs) as a tuple of pairs, else WrongType."""
    pairs = values.items() if isinstance(values, Mapping) else values
    if isinstance(pairs, str | bytes) or not isinstance(pairs, Iterable):
        raise WrongType(field, values, "mapping or collection of pairs")
    found = tuple(pairs)
    for pair in found:
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise WrongType(f"{field}[]", pair, "pair")
    return tuple((first, second) for first, second in found)


def _pairs(values: Iterable[tuple[str, str]] | Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return _pairs_of("spec", values)


def _items(values: Iterable[tuple[str, int]] | Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    return _pairs_of("items", values)


def _optional_aware(field: str, value: datetime | None) -> None:
    if value is not None:
        require_aware(field, value)


@attrs.frozen(kw_only=True)
class Consignee:
    """Who receives the goods and where (收货人): ``region`` is the division code freight reads."""

    name: str
    phone: str
    region: str
    address: str

    def __attrs_post_init__(self) -> None:
        for field in ("name", "phone", "region", "address"):
            value = getattr(self, field)
            if not isinstance(value, str) or not value.strip() or len(value) > 200:
                raise InvalidValue(
                    f"consignee.{field}", value, "must be a non-blank string of at most 200"
                )


@attrs.frozen(kw_only=True)
class CancellationRequest:
    """A customer asked at ``at`` to cancel a paid order the merchant is preparing, and why."""

    at: datetime
    reason: str


@attrs.frozen(kw_only=True)
class OrderCoupon:
    """A wallet coupon the order used: the instance, its template and the discount it gave."""

    coupon_id: str
    template_id: str
    discount: Money
    return_on_refund: bool = True


@attrs.frozen
class Charge:
    """``amount`` added to the usage counter ``key`` by the order (given back on cancel)."""

    key: str
    amount: int


@attrs.frozen(kw_only=True)
class ItemSnapshot:
    """What the catalog said of a SKU when the order was placed: product, name, spec, shop.

    Later edits of the product do not change what the order says was bought.
    """

    product_id: str
    product_name: str
    spec: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pairs)
    shop_id: str | None = None
    no_reason_returns: bool = True
    """Whether the goods take 七日无理由 returns (the product's flag when it was sold)."""


@attrs.frozen(kw_only=True)
class OrderLine:
    """``quantity`` units of one SKU, what was paid for each unit, and the item as sold."""

    line_id: str
    sku_id: str
    quantity: int
    unit_payables: tuple[Money, ...] = attrs.field(
        converter=to_tuple, validator=members(Money, "Money")
    )
    gift: bool = False
    item: ItemSnapshot | None = None

    def __attrs_post_init__(self) -> None:
        where = f"order line {self.line_id!r}"
        _text("order line.line_id", self.line_id)
        _text(f"{where}.sku_id", self.sku_id)
        _count(f"{where}.quantity", self.quantity, minimum=1)
        if len(self.unit_payables) != self.quantity:
            raise InvalidValue(
                f"{where}.unit_payables",
                len(self.unit_payables),
                f"must hold one amount per unit ({self.quantity})",
            )
        currencies = {amount.currency for amount in self.unit_payables}
        if len(currencies) != 1:
            raise InvalidValue(f"{where}.unit_payables", sorted(currencies), "must be one currency")
        if any(amount.is_negative() for amount in self.unit_payables):
            raise InvalidValue(f"{where}.unit_payables", self.unit_payables, "must not be negative")

    @property
    def payable(self) -> Money:
        """What was paid for the line: the sum of its units."""
        return total(self.unit_payables, self.unit_payables[0].currency)


@attrs.frozen
class PackageScan:
    """One courier scan of a package (物流轨迹): its status ("delivered" ...) and its time."""

    status: str
    at: datetime


def _scans(values: Iterable[PackageScan]) -> Any:
    """Scans in time order; anything but a collection of scans unchanged, for the validator."""
    scans = to_tuple(values)
    if not isinstance(scans, tuple) or not all(isinstance(s, PackageScan) for s in scans):
        return scans
    return tuple(sorted(scans, key=lambda scan: (scan.at, scan.status)))


@attrs.frozen(kw_only=True)
class Shipment:
    """One package handed to a courier: its waybill, the units in it per line, its scans.

    ``scans`` are kept in time order, each once, whatever order they came in.
    """

    waybill: str
    carrier: str
    items: tuple[tuple[str, int], ...] = attrs.field(converter=_items)
    shipped_at: datetime
    delivered_at: datetime | None = None
    scans: tuple[PackageScan, ...] = attrs.field(
        default=(), converter=_scans, validator=members(PackageScan, "PackageScan")
    )
    exchange: str | None = None
    """The after-sales case a replacement package ships for (换货): its units replace
    units of ``items``'s lines already shipped, and count in no shipped total."""

    def __attrs_post_init__(self) -> None:
        _text("shipment.waybill", self.waybill)
        _text("shipment.carrier", self.carrier)
        require_aware("shipment.shipped_at", self.shipped_at)
        _optional_aware("shipment.delivered_at", self.delivered_at)
        if not self.items:
            raise InvalidValue("shipment.items", self.items, "must hold at least one line")
        for line_id, quantity in self.items:
            _count(f"shipment.items[{line_id!r}]", quantity, minimum=1)


@attrs.frozen(kw_only=True)
class RefundedUnits:
    """Units of one line in a refund, each with what was paid for it (what it returns)."""

    line_id: str
    amounts: tuple[Money, ...] = attrs.field(converter=to_tuple, validator=members(Money, "Money"))

    def __attrs_post_init__(self) -> None:
        _text("refunded units.line_id", self.line_id)
        if not self.amounts:
            raise InvalidValue(
                f"refunded units {self.line_id!r}.amounts", self.amounts, "must hold a unit"
            )

    @property
    def quantity(self) -> int:
        """How many units are refunded."""
        return len(self.amounts)


@attrs.frozen(kw_only=True)
class OrderRefund:
    """One after-sales refund (售后退款): the units and freight returned, when and why.

    ``before_shipping`` says the units had not left (a paid order's refund:
    they will not ship); otherwise they were shipped (returned, or kept
    under a refund-only agreement).
    """

    id: str
    units: tuple[RefundedUnits, ...] = attrs.field(
        converter=to_tuple, validator=members(RefundedUnits, "RefundedUnits")
    )
    freight: Money = attrs.field(validator=money)
    at: datetime
    reason: str
    before_shipping: bool = False
    return_freight: Money | None = None
    """The return postage the merchant paid back with the refund (None: none)."""

    def __attrs_post_init__(self) -> None:
        _text("refund.id", self.id)
        _text(f"refund {self.id!r}.reason", self.reason)
        require_aware(f"refund {self.id!r}.at", self.at)
        if self.freight.is_negative():
            raise InvalidValue(f"refund {self.id!r}.freight", self.freight, "must not be negative")

    @property
    def goods(self) -> Money:
        """What the refunded units return: the sum of what was paid for each."""
        amounts = (amount for part in self.units for amount in part.amounts)
        return total(amounts, self.freight.currency)

    @property
    def amount(self) -> Money:
        """The whole refund: the units' amounts, the freight and the return postage returned."""
        extra = self.return_freight or Money.zero(self.freight.currency)
        return self.goods + self.freight + extra

    def quantities(self) -> dict[str, int]:
        """Units refunded, per line id."""
        return {part.line_id: part.quantity for part in self.units}


@attrs.frozen
class OrderPlaced:
    """An order was placed and waits for payment until ``pay_by``."""

    order_id: str
    customer_id: str
    payable: Money
    pay_by: datetime


@attrs.frozen
class OrderStatusChanged:
    """An order moved from ``source`` to ``target`` at ``at`` (``reason`` for cancels, closes)."""

    order_id: str
    source: OrderStatus
    target: OrderStatus
    at: datetime
    reason: str = ""


@attrs.frozen
class CancellationAsked:
    """A customer's cancellation request waits for the merchant (``granted`` None), or was
    rejected (False, ``reason`` the merchant's)."""

    order_id: str
    at: datetime
    reason: str
    granted: bool | None


@attrs.frozen
class PackageShipped:
    """A package of the order left with a courier."""

    order_id: str
    shipment: Shipment


@attrs.frozen
class OrderSettled:
    """A completed order's after-sales window passed with no open case: its books are closed.

    ``paid`` is what the customer paid, ``refunded`` what went back, ``kept``
    the difference: what the merchant is settled (结算).
    """

    order_id: str
    at: datetime
    paid: Money
    refunded: Money
    kept: Money


@attrs.frozen
class OrderRefunded:
    """A refund of the order was recorded (the money goes back through the payment gateway)."""

    order_id: str
    refund: OrderRefund


OrderEvent: TypeAlias = (
    OrderPlaced
    | OrderStatusChanged
    | AxisMoved
    | PackageShipped
    | OrderRefunded
    | CancellationAsked
    | OrderSettled
)
"""What an order command reports."""


def _shipped_counts(shipments: Iterable[Shipment]) -> dict[str, int]:
    """Units in the packages sold (not replacements), per line id."""
    shipped: dict[str, int] = {}
    for shipment in shipments:
        if shipment.exchange is not None:
            continue
        for line_id, quantity in shipment.items:
            shipped[line_id] = shipped.get(line_id, 0) + quantity
    return shipped


def _refunded_counts(refunds: Iterable[OrderRefund], *, before_shipping: bool) -> dict[str, int]:
    """Units refunded before shipping (or after), per line id."""
    counts: dict[str, int] = {}
    for refund in refunds:
        if refund.before_shipping is before_shipping:
            for line_id, quantity in refund.quantities().items():
                counts[line_id] = counts.get(line_id, 0) + quantity
    return counts


def _added(counts: Mapping[str, int], more: Iterable[tuple[str, int]]) -> Mapping[str, int]:
    """``counts`` with ``more`` added, as a new read-only mapping."""
    new = dict(counts)
    for key, quantity in more:
        new[key] = new.get(key, 0) + quantity
    return MappingProxyType(new)


@attrs.frozen(kw_only=True)
class _Tally:
    """What an order's commands read of its lines, packages and refunds, summed once.

    Built from an order (:meth:`of`) the first time it is read, then carried
    from each order to the next one its commands build, with what the
    command added (:meth:`shipped`, :meth:`delivered`, :meth:`refunded`).
    """

    lines: Mapping[str, OrderLine]
    units: int
    goods: Money
    shipped: Mapping[str, int]
    """Units in sold packages, per line id (replacements count in no total)."""
    shipped_units: int
    unsent: Mapping[str, int]
    """Units refunded before shipping, per line id."""
    unsent_units: int
    sent: Mapping[str, int]
    """Units refunded once shipped, per line id."""
    sent_units: int
    refunded: Money
    refunded_freight: Money
    packages: int
    """Sold packages (not replacements)."""
    delivered: int
    """Sold packages delivered."""
    last_delivery: datetime | None

    @classmethod
    def of(cls, order: Order) -> _Tally:
        """The tally of ``order``, summed from its lines, packages and refunds."""
        sold = [s for s in order.shipments if s.exchange is None]
        moments = [s.delivered_at for s in sold if s.delivered_at is not None]
        shipped = _shipped_counts(sold)
        unsent = _refunded_counts(order.refunds, before_shipping=True)
        sent = _refunded_counts(order.refunds, before_shipping=False)
        return cls(
            lines=MappingProxyType({line.line_id: line for line in order.lines}),
            units=sum(line.quantity for line in order.lines),
            goods=total((line.payable for line in order.lines), order.currency),
            shipped=MappingProxyType(shipped),
            shipped_units=sum(shipped.values()),
            unsent=MappingProxyType(unsent),
            unsent_units=sum(unsent.values()),
            sent=MappingProxyType(sent),
            sent_units=sum(sent.values()),
            refunded=total((refund.amount for refund in order.refunds), order.currency),
            refunded_freight=total((refund.freight for refund in order.refunds), order.currency),
            packages=len(sold),
            delivered=len(moments),
            last_delivery=max(moments, default=None),
        )

    @property
    def unshipped_units(self) -> int:
        """Units still to ship: neither shipped nor refunded before shipping."""
        return self.units - self.shipped_units - self.unsent_units

    def unshipped(self, line_id: str) -> int:
        """Units of line ``line_id`` still to ship (0 for no line)."""
        line = self.lines.get(line_id)
        if line is None:
            return 0
        return line.quantity - self.shipped.get(line_id, 0) - self.unsent.get(line_id, 0)

    def refunded_of(self, line_id: str) -> int:
        """Units of line ``line_id`` refunded, before shipping or after."""
        return self.unsent.get(line_id, 0) + self.sent.get(line_id, 0)

    def shipped_package(self, package: Shipment) -> _Tally:
        """The tally with ``package`` sent (a replacement changes nothing)."""
        if package.exchange is not None:
            return self
        return attrs.evolve(
            self,
            shipped=_added(self.shipped, package.items),
            shipped_units=self.shipped_units + sum(quantity for _, quantity in package.items),
            packages=self.packages + 1,
        )

    def delivered_package(self, package: Shipment, at: datetime) -> _Tally:
        """The tally with ``package`` (not delivered before) delivered at ``at``."""
        if package.exchange is not None:
            return self
        last = at if self.last_delivery is None else max(self.last_delivery, at)
        return attrs.evolve(self, delivered=self.delivered + 1, last_delivery=last)

    def with_refund(self, refund: OrderRefund) -> _Tally:
        """The tally with ``refund`` recorded."""
        counts = [(part.line_id, part.quantity) for part in refund.units]
        units = sum(quantity for _, quantity in counts)
        more: dict[str, Any] = {
            "refunded": self.refunded + refund.amount,
            "refunded_freight": self.refunded_freight + refund.freight,
        }
        if refund.before_shipping:
            more.update(unsent=_added(self.unsent, counts), unsent_units=self.unsent_units + units)
        else:
            more.update(sent=_added(self.sent, counts), sent_units=self.sent_units + units)
        return attrs.evolve(self, **more)


@attrs.frozen(kw_only=True, slots=False)
class Order:
    """An order: its lines at the prices paid, its freight, its status and its version.

    ``payable`` is the goods payable plus the freight; the payment must match it.
    """

    id: str
    customer_id: str
    currency: str
    lines: tuple[OrderLine, ...] = attrs.field(
        converter=to_tuple, validator=members(OrderLine, "OrderLine")
    )
    freight: Money
    placed_at: datetime
    pay_by: datetime
    status: OrderStatus = OrderStatus.AWAITING_PAYMENT
    coupon_ids: tuple[str, ...] = attrs.field(default=(), converter=to_tuple, validator=strings)
    points_used: int = 0
    points_to_earn: int = 0
    """The points the order earns, fixed at checkout: held from payment, released at completion."""
    payment_id: str | None = None
    paid_at: datetime | None = None
    shipments: tuple[Shipment, ...] = attrs.field(
        default=(), converter=to_tuple, validator=members(Shipment, "Shipment")
    )
    refunds: tuple[OrderRefund, ...] = attrs.field(
        default=(), converter=to_tuple, validator=members(OrderRefund, "OrderRefund")
    )
    delivered_at: datetime | None = None
    completed_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str = ""
    consignee: Consignee | None = None
    shipping_method: str | None = None
    coupons: tuple[OrderCoupon, ...] = attrs.field(
        default=(), converter=to_tuple, validator=members(OrderCoupon, "OrderCoupon")
    )
    """The wallet coupons used (``coupon_ids`` names every coupon the quote applied)."""
    charges: tuple[Charge, ...] = attrs.field(
        default=(), converter=to_tuple, validator=members(Charge, "Charge")
    )
    """Usage counted when the order was placed (coupon uses, budget, flash-sale units)."""
    configuration_version: int = 0
    """The version of the merchant's configuration the order was priced with."""
    after_sales_window: timedelta = DEFAULT_AFTER_SALES_WINDOW
    """How long after completion refunds are taken, and the points it earned stay held."""
    after_sales_until: datetime | None = None
    """Set at completion: the last moment :meth:`refund` takes a refund."""
    preparing_at: datetime | None = None
    """When the merchant started picking and packing (备货中), if they did."""
    history: tuple[OrderMove, ...] = attrs.field(
        default=(), converter=to_tuple, validator=members(OrderMove, "OrderMove")
    )
    """Every move after placing: what, when, by whom, why (the order's 操作记录)."""
    cancellation: CancellationRequest | None = None
    """A customer's request to cancel, waiting for the merchant (or granted: the order closed)."""
    settled_at: datetime | None = None
    """When the settlement job closed the books on the completed order (its window over)."""
    version: int = 0

    def __attrs_post_init__(self) -> None:
        where = f"order {self.id!r}"
        _text("order.id", self.id)
        _text(f"{where}.customer_id", self.customer_id)
        _count(f"{where}.version", self.version, minimum=0)
        _count(f"{where}.points_used", self.points_used, minimum=0)
        _count(f"{where}.points_to_earn", self.points_to_earn, minimum=0)
        if not self.lines:
            raise InvalidValue(f"{where}.lines", self.lines, "must hold at least one line")
        line_ids = [line.line_id for line in self.lines]
        if len(set(line_ids)) != len(line_ids):
            raise InvalidValue(f"{where}.lines", line_ids, "must have distinct line ids")
        currencies = {line.payable.currency for line in self.lines} | {self.freight.currency}
        if currencies != {self.currency}:
            raise InvalidValue(
                f"{where}.currency", sorted(currencies), f"must all be {self.currency}"
            )
        if self.freight.is_negative():
            raise InvalidValue(f"{where}.freight", self.freight, "must not be negative")
        require_aware(f"{where}.placed_at", self.placed_at)
        require_aware(f"{where}.pay_by", self.pay_by)
        if self.pay_by < self.placed_at:
            raise InvalidValue(f"{where}.pay_by", self.pay_by, "must not be before placed_at")
        for name in (
            "paid_at",
            "delivered_at",
            "completed_at",
            "ended_at",
            "after_sales_until",
            "preparing_at",
            "settled_at",
        ):
            _optional_aware(f"{where}.{name}", getattr(self, name))
        quantities = {line.line_id: line.quantity for line in self.lines}
        for line_id, shipped in _shipped_counts(self.shipments).items():
            if shipped > quantities.get(line_id, 0):
                raise InvalidValue(
                    f"{where}.shipments", shipped, f"must not ship more of line {line_id!r}"
                )
        self._check_refunds(where, quantities)

    def _check_refunds(self, where: str, quantities: dict[str, int]) -> None:
        ids = [refund.id for refund in self.refunds]
        if len(set(ids)) != len(ids):
            raise InvalidValue(f"{where}.refunds", ids, "must have distinct ids")
        currencies = {refund.amount.currency for refund in self.refunds}
        if currencies - {self.currency}:
            raise InvalidValue(f"{where}.refunds", sorted(currencies), f"must be {self.currency}")
        shipped = _shipped_counts(self.shipments)
        unsent = _refunded_counts(self.refunds, before_shipping=True)
        sent = _refunded_counts(self.refunds, before_shipping=False)
        for line_id in {*unsent, *sent}:
            left = quantities.get(line_id, 0) - shipped.get(line_id, 0)
            if unsent.get(line_id, 0) > left or sent.get(line_id, 0) > shipped.get(line_id, 0):
                raise InvalidValue(
                    f"{where}.refunds",
                    unsent.get(line_id, 0) + sent.get(line_id, 0),
                    f"must refund only units of line {line_id!r} it sold, each once",
                )
        if self.refunded_freight() > self.freight:
            raise InvalidValue(
                f"{where}.refunds", self.refunded_freight(), f"must not exceed the {self.freight}"
            )
        if self.refunds and self.refunded > self.payable:
            raise InvalidValue(
                f"{where}.refunds", self.refunded, f"must not exceed the {self.payable} paid"
            )

    @classmethod
    def place(
        cls,
        *,
        order_id: str,
        customer_id: str,
        quote: Quote,
        freight: Money | None = None,
        placed_at: datetime,
        pay_within: timedelta = DEFAULT_PAYMENT_WINDOW,
        items: Mapping[str, ItemSnapshot] | None = None,
        **record: Any,
    ) -> tuple[Order, tuple[OrderEvent, ...]]:
        """A new order from a priced cart, waiting for payment for ``pay_within``.

        ``freight`` defaults to the quote's freight due (none: zero). The order
        earns the points the quote previews (``Quote.points_earned``; none
        without an earning policy). ``items`` gives each SKU's catalog
        snapshot (product, name, spec, shop) by SKU id; ``record`` sets the
        order's other record fields (``consignee``, ``shipping_method``,
        ``coupons``, ``charges``, ``configuration_version``,
        ``after_sales_window``).
        """
        require_aware("placed_at", placed_at)
        span("pay_within", pay_within)
        known = items or {}
        lines = tuple(
            OrderLine(
                line_id=line.line_id,
                sku_id=line.sku_id,
                quantity=line.quantity,
                unit_payables=line.unit_payables(),
                gift=line.gift,
                item=known.get(line.sku_id),
            )
            for line in quote.lines
        )
        order = cls(
            id=order_id,
            customer_id=customer_id,
            currency=quote.currency,
            lines=lines,
            freight=freight if freight is not None else quote.freight_due(),
            placed_at=placed_at,
            pay_by=placed_at + pay_within,
            coupon_ids=quote.coupon_ids,
            points_used=quote.points.points if quote.points is not None else 0,
            points_to_earn=quote.points_earned.points if quote.points_earned is not None else 0,
            **record,
        )
        return order, (OrderPlaced(order.id, customer_id, order.payable, order.pay_by),)

    # reading ---------------------------------------------------------------------

    @cached_property
    def _tally(self) -> _Tally:
        """What the commands read of the lines, packages and refunds (carried by ``_next``)."""
        return _Tally.of(self)

    @property
    def goods_payable(self) -> Money:
        """What the customer pays for the goods, every discount taken off."""
        return self._tally.goods

    @property
    def payable(self) -> Money:
        """What the payment must be: the goods payable plus the freight."""
        return self.goods_payable + self.freight

    def line(self, line_id: str) -> OrderLine:
        """The line ``line_id``, or InvalidValue."""
        try:
            return self._tally.lines[line_id]
        except (KeyError, TypeError):
            raise InvalidValue("line_id", line_id, f"is not a line of order {self.id!r}") from None

    def shipped_quantities(self) -> dict[str, int]:
        """Units shipped so far, per line id."""
        return dict(self._tally.shipped)

    def unshipped_quantities(self) -> dict[str, int]:
        """Units still to ship, per line id: neither shipped nor refunded before shipping."""
        tally = self._tally
        left = {line_id: tally.unshipped(line_id) for line_id in tally.lines}
        return {line_id: quantity for line_id, quantity in left.items() if quantity}

    def refunded_quantities(self) -> dict[str, int]:
        """Units refunded so far, per line id (lines with none left out)."""
        tally = self._tally
        refunded = tally.unsent.keys() | tally.sent.keys()
        return {line_id: tally.refunded_of(line_id) for line_id in refunded}

    def refundable_quantities(self) -> dict[str, int]:
        """Units a refund may return now, per line id: unshipped ones while paid, then the rest."""
        if self.status not in _REFUNDABLE:
            return {}
        if self.status is OrderStatus.PAID:
            return self.unshipped_quantities()
        refunded = self.refunded_quantities()
        left = {line.line_id: line.quantity - refunded.get(line.line_id, 0) for line in self.lines}
        return {line_id: quantity for line_id, quantity in left.items() if quantity}

    def _refundable(self, line_id: str) -> int:
        """Units of line ``line_id`` a refund may return now (refundable_quantities, one line)."""
        tally = self._tally
        if self.status not in _REFUNDABLE or line_id not in tally.lines:
            return 0
        if self.status is OrderStatus.PAID:
            return tally.unshipped(line_id)
        return tally.lines[line_id].quantity - tally.refunded_of(line_id)

    def refunded_freight(self) -> Money:
        """The freight returned by the refunds so far."""
        return self._tally.refunded_freight

    @property
    def refunded(self) -> Money:
        """What the refunds returned so far, units and freight: never above :attr:`payable`."""
        return self._tally.refunded

    @property
    def payment_state(self) -> PaymentState:
        """Where the order's money is (its payment axis, docs/orders.md)."""
        if self.paid_at is None:
            return PaymentState.UNPAID
        if not self.refunds:
            return PaymentState.PAID
        tally = self._tally  # a line never refunds more units than it sold
        if tally.unsent_units + tally.sent_units == tally.units:
            return PaymentState.REFUNDED
        return PaymentState.PARTIALLY_REFUNDED

    @property
    def fulfilment_state(self) -> FulfilmentState:
        """Where the order's goods are (its fulfilment axis, docs/orders.md)."""
        if self.delivered_at is not None:
            return FulfilmentState.DELIVERED
        if self.shipments:
            if self._tally.unshipped_units:  # a line never ships more units than it sold
                return FulfilmentState.PARTIALLY_SHIPPED
            return FulfilmentState.SHIPPED
        if self.preparing_at is not None:
            return FulfilmentState.PREPARING
        return FulfilmentState.UNSHIPPED

    def derived_status(self) -> OrderStatus:
        """The status the axes make (:func:`~mallcore.orders.axes.order_status`)."""
        return order_status(
            self.payment_state,
            self.fulfilment_state,
            completed=self.completed_at is not None,
            ended=self.ended_at is not None,
        )

    def is_final(self) -> bool:
        """Whether the status can move no more (a completed order may still be refunded)."""
        return not TRANSITIONS[self.status]

    # commands --------------------------------------------------------------------

    def _require(self, target: OrderStatus) -> None:
        """Refuse a command whose move to ``target`` the status table does not allow."""
        if target not in TRANSITIONS[self.status]:
            raise IllegalTransition("order", self.id, self.status.value, target.value)

    def _next(self, tally: _Tally | None = None, **changes: Any) -> Order:
        """The order with ``changes``, through the trusted path: no whole-order check.

        Only for commands, which check what they change themselves and pass
        each field as the class stores it (tuples, checked values). The tally
        carries on: ``tally`` when given (the command added to it), this
        order's when neither the lines, the packages nor the refunds change,
        else summed again when first read.
        """
        unknown = changes.keys() - _FIELDS
        if unknown:
            raise TypeError(f"not fields of Order: {sorted(unknown)}")
        new = object.__new__(Order)
        mine = self.__dict__
        new.__dict__.update({name: changes.get(name, mine[name]) for name in _FIELDS})
        if tally is None and not _TALLIED & changes.keys() and "_tally" in mine:
            tally = mine["_tally"]
        if tally is not None:
            new.__dict__["_tally"] = tally
        return new

    def _changed(
        self,
        at: datetime,
        move: OrderMove,
        events: tuple[OrderEvent, ...] = (),
        *,
        reason: str = "",
        tally: _Tally | None = None,
        **changes: Any,
    ) -> tuple[Order, tuple[OrderEvent, ...]]:
        """The order with ``changes``, one version on, ``move`` in its history.

        ``events`` come first in what it returns, then the status change (with
        ``reason``: a cancel's, a refund's), then each axis's move. ``tally``
        is the new order's, when the command changed the packages or refunds.

        Each axis moves as its table allows (IllegalTransition otherwise), and
        the status is the one :func:`~mallcore.orders.axes.order_status` makes
        of them, moved as :data:`~mallcore.orders.TRANSITIONS` allows.
        """
        require_aware("at", at)
        history = (*self.history, move)
        new = self._next(tally, version=self.version + 1, history=history, **changes)
        axes = (
            axis_move(self.id, "payment", PAYMENT_AXIS, self.payment_state, new.payment_state, at),
            axis_move(
                self.id,
                "fulfilment",
                FULFILMENT_AXIS,
                self.fulfilment_state,
                new.fulfilment_state,
                at,
            ),
        )
        moved: list[OrderEvent] = [event for event in axes if event is not None]
        status = new.derived_status()
        if status is not self.status:
            self._require(status)
            moved.insert(0, OrderStatusChanged(self.id, self.status, status, at, reason))
            new = new._next(status=status)
        return new, (*events, *moved)

    def pay(
        self,
        *,
        payment_id: str,
        amount: Money,
        at: datetime,
        by: Actor = Actor.PAYMENT_PROVIDER,
    ) -> tuple[Order, tuple[OrderEvent, ...]]:
        """Record the payment ``payment_id`` of ``amount`` (待付款 -> 已付款).

        The same payment notified again changes nothing. An amount other than
        :attr:`payable` raises PaymentMismatch; paying an order that no longer
        waits for payment raises IllegalTransition (the host refunds it).
        """
        _text("payment_id", payment_id)
        if self.payment_id == payment_id:
            return self, ()
        self._require(OrderStatus.PAID)
        if amount != self.payable:
            raise PaymentMismatch(self.id, self.payable, amount)
        move = OrderMove(what="paid", at=at, by=by, why=f"payment {payment_id}")
        return self._changed(at, move, payment_id=payment_id, paid_at=at)

    def start_fulfilment(
        self, *, at: datetime, by: Actor = Actor.MERCHANT
    ) -> tuple[Order, tuple[OrderEvent, ...]]:
        """The merchant starts picking and packing a paid order (备货中).

        From then on a customer's cancellation waits for the merchant. Once
        preparing or shipping, again changes nothing; an unpaid or ended
        order raises IllegalTransition.
        """
        require_aware("at", at)
        if self.preparing_at is not None or self.shipments:
            return self, ()
        if self.status is not OrderStatus.PAID:
            raise IllegalTransition("order", self.id, self.status.value, "preparing")
        return self._changed(at, OrderMove(what="preparing", at=at, by=by), preparing_at=at)

    def request_cancellation(
        self, *, reason: str, at: datetime, by: Actor = Actor.CUSTOMER
    ) -> tuple[Order, tuple[OrderEvent, ...]]:
        """Record a customer's request to cancel a paid, unshipped order, for the merchant.

        A request already waiting changes nothing; a shipped or unpaid order
        raises IllegalTransition (after-sales, or a plain cancel, instead).
        """
        _text("reason", reason)
        if self.cancellation is not None:
            return self, ()
        if self.status is not OrderStatus.PAID or self.shipments:
            raise IllegalTransition("order", self.id, self.status.value, "cancellation requested")
        move = OrderMove(what="cancellation requested", at=at, by=by, why=reason)
        asked: tuple[OrderEvent, ...] = (CancellationAsked(self.id, at, reason, granted=None),)
        return self._changed(
            at, move, asked, cancellation=CancellationRequest(at=at, reason=reason)
        )

    def reject_cancellation(
        self, *, reason: str, at: datetime, by: Actor = Actor.MERCHANT
    ) -> tuple[Order, tuple[OrderEvent, ...]]:
        """The merchant turns a waiting cancellation request down, saying why; none: nothing."""
        _text("reason", reason)
        if self.cancellation is None or self.status is not OrderStatus.PAID:
            return self, ()
        move = OrderMove(what="cancellation rejected", at=at, by=by, why=reason)
        rejected: tuple[OrderEvent, ...] = (CancellationAsked(self.id, at, reason, granted=False),)
        return self._changed(at, move, rejected, cancellation=None)

    def ship(
        self,
        *,
        waybill: str,
        carrier: str,
        at: datetime,
        items: Mapping[str, int] | None = None,
        by: Actor = Actor.MERCHANT,
    ) -> tuple[Order, tuple[OrderEvent, ...]]:
        """Send ``items`` (line id -> units; all that is left when None) in one package.

        The order becomes SHIPPED when its last unit leaves; until then it
        stays PAID with the shipments recorded. A waybill already recorded
        changes nothing.
        """
        if any(shipment.waybill == waybill for shipment in self.shipments):
            return self, ()
        if self.status is not OrderStatus.PAID:
            raise IllegalTransition("order", self.id, self.status.value, "shipped")
        tally = self._tally
        wanted = dict(items) if items is not None else self.unshipped_quantities()
        for line_id, quantity in wanted.items():
            self.line(line_id)
            left = tally.unshipped(line_id)
            if quantity > left:
                raise InvalidValue(
                    f"items[{line_id!r}]", quantity, f"must not exceed the {left} unshipped"
                )
        shipment = Shipment(waybill=waybill, carrier=carrier, items=wanted, shipped_at=at)
        move = OrderMove(what=f"package {waybill} shipped", at=at, by=by, why=carrier)
        shipped: tuple[OrderEvent, ...] = (PackageShipped(self.id, shipment),)
        return self._changed(
            at,
            move,
            shipped,
            shipments=(*self.shipments, shipment),
            tally=tally.shipped_package(shipment),
        )

    def deliver(
        self, *, at: datetime, by: Actor = Actor.COURIER
    ) -> tuple[Order, tuple[OrderEvent, ...]]:
        """The courier reports the order delivered (已签收); again changes nothing."""
        if self.status is OrderStatus.DELIVERED:
            return self, ()
        self._require(OrderStatus.DELIVERED)
        return self._changed(at, OrderMove(what="delivered", at=at, by=by), delivered_at=at)

    def ship_replacement(
        self,
        case_id: str,
        *,
        waybill: str,
        carrier: str,
        items: Mapping[str, int],
        at: datetime,
        by: Actor = Actor.MERCHANT,
    ) -> tuple[Order, tuple[OrderEvent, ...]]:
        """Ship an exchange's replacement for ``items`` (line id -> units) as a new package.

        Allowed once the order is shipped (not ended): the units must have
        shipped and not been refunded. The package names ``case_id`` and
        counts in no shipped total; its delivery does not deliver the order.
        A case already shipped for, or a waybill recorded, changes nothing.
        """
        _text("case_id", case_id)
        if any(s.exchange == case_id or s.waybill == waybill for s in self.shipments):
            return self, ()
        if self.status not in _REFUNDABLE - {OrderStatus.PAID}:
            raise IllegalTransition("order", self.id, self.status.value, "replacement shipped")
        tally = self._tally
        for line_id, quantity in items.items():
            self.line(line_id)
            kept = tally.shipped.get(line_id, 0) - tally.refunded_of(line_id)
            _count(f"items[{line_id!r}]", quantity, minimum=1)
            if quantity > kept:
                raise InvalidValue(
                    f"items[{line_id!r}]", quantity, f"must not exceed the {kept} shipped and kept"
                )
        package = Shipment(
            waybill=waybill, carrier=carrier, items=items, shipped_at=at, exchange=case_id
        )
        move = OrderMove(what=f"replacement {waybill} shipped", at=at, by=by, why=case_id)
        shipped_event: tuple[OrderEvent, ...] = (PackageShipped(self.id, package),)
        return self._changed(
            at, move, shipped_event, shipments=(*self.shipments, package), tally=tally
        )

    def track_package(
        self, waybill: str, *, status: str, at: datetime, by: Actor = Actor.COURIER
    ) -> tuple[Order, tuple[OrderEvent, ...]]:
        """Record a courier's scan of package ``waybill``: once, in time order, late or not.

        A "delivered" scan delivers the package (:meth:`deliver_package`);
        the same scan again changes nothing; an unknown waybill raises
        InvalidValue.
        """
        require_aware("at", at)
        _text("status", status)
        index = self._package(waybill)
        package = self.shipments[index]
        scan = PackageScan(status, at)
        if scan in package.scans:
            return self, ()
        shipments = list(self.shipments)
        shipments[index] = attrs.evolve(package, scans=(*package.scans, scan))
        scanned = tuple(shipments)  # a scan changes no count: the tally carries on
        if status == "delivered" and package.delivered_at is None:
            tracked = self._next(self._tally, shipments=scanned)
            return tracked.deliver_package(waybill, at=at, by=by)
        move = OrderMove(what=f"package {waybill} {status}", at=at, by=by)
        return self._changed(at, move, shipments=scanned, tally=self._tally)

    def _package(self, waybill: str) -> int:
        """The index of package ``waybill``, or InvalidValue."""
        for index, shipment in enumerate(self.shipments):
            if shipment.waybill == waybill:
                return index
        raise InvalidValue("waybill", waybill, f"is no package of order {self.id!r}")

    def deliver_package(
        self, waybill: str, *, at: datetime, by: Actor = Actor.COURIER
    ) -> tuple[Order, tuple[OrderEvent, ...]]:
        """The courier reports the package ``waybill`` delivered at ``at``.

        The order is delivered (at its last package's delivery) once every
        package is, and only once it is shipped; a package delivered before
        changes nothing. An unknown waybill raises InvalidValue.
        """
        require_aware("at", at)
        index = self._package(waybill)
        if self.shipments[index].delivered_at is not None:
            return self, ()
        shipments = list(self.shipments)
        shipments[index] = attrs.evolve(shipments[index], delivered_at=at)
        tally = self._tally.delivered_package(shipments[index], at)
        move = OrderMove(what=f"package {waybill} delivered", at=at, by=by)
        delivered = tuple(shipments)
        if self.status is not OrderStatus.SHIPPED or tally.delivered < tally.packages:
            return self._changed(at, move, shipments=delivered, tally=tally)
        return self._changed(
            at, move, shipments=delivered, tally=tally, delivered_at=tally.last_delivery
        )

    def complete(
        self, *, at: datetime, by: Actor = Actor.CUSTOMER, why: str = "receipt confirmed"
    ) -> tuple[Order, tuple[OrderEvent, ...]]:
        """The customer confirms receipt (确认收货): completed; again changes nothing."""
        if self.status is OrderStatus.COMPLETED:
            return self, ()
        self._require(OrderStatus.COMPLETED)
        move = OrderMove(what="completed", at=at, by=by, why=why)
        until = at + self.after_sales_window
        return self._changed(at, move, completed_at=at, after_sales_until=until)

    def complete_if_due(
        self, *, now: datetime, after: timedelta
    ) -> tuple[Order, tuple[OrderEvent, ...]]:
        """Auto-confirm (自动确认收货): complete once ``after`` has passed since delivery.

        Never delivered (no courier scan), the window runs from its last package.
        """
        require_aware("now", now)
        if self.status not in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
            return self, ()
        since = self.delivered_at or max(s.shipped_at for s in self.shipments)
        if now < since + after:
            return self, ()
        return self.complete(at=now, by=Actor.SYSTEM, why="confirmation window over")

    def settle(
        self, *, at: datetime, by: Actor = Actor.SYSTEM
    ) -> tuple[Order, tuple[OrderEvent, ...]]:
        """Close the books on a completed order whose after-sales window is over (结算).

        Settled before changes nothing. An order not completed, or whose
        window is still open at ``at`` (refunds are still taken), raises
        IllegalTransition. The caller checks that no after-sales case is open.
        """
        require_aware("at", at)
        if self.settled_at is not None:
            return self, ()
        deadline = self.after_sales_until
        if self.status is not OrderStatus.COMPLETED or deadline is None or at <= deadline:
            raise IllegalTransition("order", self.id, self.status.value, "settled")
        paid = self.payable if self.paid_at is not None else Money.zero(self.currency)
        settled: tuple[OrderEvent, ...] = (
            OrderSettled(self.id, at, paid, self.refunded, paid - self.refunded),
        )
        move = OrderMove(what="settled", at=at, by=by, why="after-sales window over")
        return self._changed(at, move, settled, settled_at=at)

    def is_due_for_settlement(self, now: datetime) -> bool:
        """Whether :meth:`settle` would settle the order at ``now`` (open cases aside)."""
        deadline = self.after_sales_until
        return (
            self.settled_at is None
            and self.status is OrderStatus.COMPLETED
            and deadline is not None
            and now > deadline
        )

    def cancel(
        self, *, reason: str, at: datetime, by: Actor = Actor.CUSTOMER
    ) -> tuple[Order, tuple[OrderEvent, ...]]:
        """Cancel an unpaid order (已取消); a cancelled order changes nothing."""
        _text("reason", reason)
        if self.status is OrderStatus.CANCELLED:
            return self, ()
        self._require(OrderStatus.CANCELLED)
        move = OrderMove(what="cancelled", at=at, by=by, why=reason)
        return self._changed(at, move, reason=reason, ended_at=at, end_reason=reason)

    def expire(self, *, now: datetime) -> tuple[Order, tuple[OrderEvent, ...]]:
        """Cancel the order if it is still unpaid at its deadline ``pay_by``; else nothing."""
        require_aware("now", now)
        if self.status is not OrderStatus.AWAITING_PAYMENT or now < self.pay_by:
            return self, ()
        return self.cancel(reason=PAYMENT_TIMEOUT, at=now, by=Actor.SYSTEM)

    def refund(
        self,
        refund_id: str,
        *,
        units: Mapping[str, int],
        at: datetime,
        reason: str,
        freight: Money | None = None,
        by: Actor = Actor.MERCHANT,
        amount: Money | None = None,
        return_freight: Money | None = None,
        asked_at: datetime | None = None,
    ) -> tuple[Order, tuple[OrderEvent, ...]]:
        """Refund ``units`` (line id -> count) and ``freight``: what was paid for each, once.

        Allowed on paid, shipped, delivered and completed orders. A paid
        order refunds units not shipped yet (they will not ship); once
        shipped, the order refunds shipped units. Each line's last units go
        first. ``freight`` None returns the freight left when the refund
        leaves a never-shipped order nothing to ship, none otherwise. The
        refund leaving no unit closes the order (a completed order stays
        completed); a paid order left with only shipped units is shipped.
        A ``refund_id`` recorded before changes nothing.

        ``amount`` is a lower whole refund agreed with the customer (an
        after-sales case's accepted offer): more than zero, at most what the
        refund would return, at least its freight. The units are refunded all
        the same (never again), each returning its share of the goods part in
        proportion to what it was paid, to the cent (:meth:`Money.allocate`):
        no unit returns more than was paid for it. ``return_freight`` is
        the return postage the merchant pays back (a quality problem), on top
        of the goods, within what is left of :attr:`payable`.

        The after-sales window is judged at ``asked_at``, when the customer
        asked (an after-sales case's request, which may be refunded days
        later), or at ``at`` when None: a refund asked for after
        :attr:`after_sales_until` raises RefundRefused.
        """
        _text("refund_id", refund_id)
        if any(refund.id == refund_id for refund in self.refunds):
            return self, ()
        _text("reason", reason)
        require_aware("at", at)
        asked = at if asked_at is None else require_aware("asked_at", asked_at)
        if self.status not in _REFUNDABLE:
            raise IllegalTransition("order", self.id, self.status.value, "refunded")
        deadline = self.after_sales_until
        if deadline is not None and asked > deadline:
            raise RefundRefused(
                f"order {self.id!r}",
                f"its after-sales window closed at {deadline.isoformat()},"
                f" before {asked.isoformat()}",
            )
        before_shipping = self.status is OrderStatus.PAID
        parts = self._refund_units(units, before_shipping=before_shipping)
        tally = self._tally
        units_refunded = sum(part.quantity for part in parts)
        # a paid order refunds only units still to ship: none left when all of them go
        nothing_to_ship = not before_shipping or units_refunded == tally.unshipped_units
        returned = self._refund_freight(
            freight, default=before_shipping and not self.shipments and nothing_to_ship
        )
        if amount is not None:
            parts = self._lowered(parts, amount, freight=returned)
        refund = OrderRefund(
            id=refund_id,
            units=parts,
            freight=returned,
            at=at,
            reason=reason,
            before_shipping=before_shipping,
        )
        if not parts and refund.freight.is_zero():
            raise InvalidValue("units", dict(units), "must name a unit, or freight, to refund")
        if return_freight is not None:
            refund = attrs.evolve(
                refund, return_freight=self._return_freight(return_freight, refund)
            )
        done: tuple[OrderEvent, ...] = (OrderRefunded(self.id, refund),)
        move = OrderMove(what=f"refund {refund_id}", at=at, by=by, why=reason)
        refunds = (*self.refunds, refund)
        tally = tally.with_refund(refund)
        everything = tally.unsent_units + tally.sent_units == tally.units
        if self.status is not OrderStatus.COMPLETED and everything:
            return self._changed(
                at,
                move,
                done,
                reason=reason,
                refunds=refunds,
                tally=tally,
                ended_at=at,
                end_reason=reason,
            )
        return self._changed(at, move, done, reason=reason, refunds=refunds, tally=tally)

    def _refund_units(
        self, units: Mapping[str, int], *, before_shipping: bool
    ) -> tuple[RefundedUnits, ...]:
        """The units asked for, each line's last unrefunded units first, or InvalidValue."""
        which = "unshipped" if before_shipping else "unrefunded"
        tally = self._tally
        parts = []
        for line_id, count in units.items():
            field = f"units[{line_id!r}]"
            if line_id not in tally.lines:
                raise InvalidValue(field, line_id, f"is not a line of order {self.id!r}")
            _count(field, count, minimum=1)
            left = self._refundable(line_id)
            if count > left:
                raise InvalidValue(field, count, f"must not exceed the {left} {which} units")
            latest_first = tally.lines[line_id].unit_payables[::-1]
            start = tally.refunded_of(line_id)
            parts.append(
                RefundedUnits(line_id=line_id, amounts=latest_first[start : start + count])
            )
        return tuple(parts)

    def _lowered(
        self, parts: tuple[RefundedUnits, ...], amount: Money, *, freight: Money
    ) -> tuple[RefundedUnits, ...]:
        """``parts`` returning ``amount`` less ``freight`` in all, apportioned by what each paid."""
        if not isinstance(amount, Money) or amount.currency != self.currency:
            raise InvalidValue("amount", amount, f"must be a Money in {self.currency}")
        paid = [unit for part in parts for unit in part.amounts]
        computed = total(paid, self.currency) + freight
        if amount.is_zero() or amount.is_negative() or amount > computed or amount < freight:
            raise InvalidValue(
                "amount",
                amount,
                f"must be more than zero, at least the {freight} freight and at most"
                f" the {computed} the refund returns",
            )
        goods = amount - freight
        if goods == computed - freight:
            return parts
        shares = iter(goods.allocate(paid))
        return tuple(
            attrs.evolve(part, amounts=[next(shares) for _ in part.amounts]) for part in parts
        )

    def _return_freight(self, value: Money, refund: OrderRefund) -> Money:
        """``value`` checked: a Money in the order's currency, within what is left to refund."""
        if not isinstance(value, Money) or value.currency != self.currency:
            raise InvalidValue("return_freight", value, f"must be a Money in {self.currency}")
        left = self.payable - self.refunded - refund.amount
        if value.is_negative() or value > left:
            raise InvalidValue(
                "return_freight", value, f"must be between 0 and the {left} left of the payment"
            )
        return value

    def _refund_freight(self, freight: Money | None, *, default: bool) -> Money:
        """The freight a refund returns: ``freight``, checked, or, with ``default``, all left."""
        left = self.freight - self.refunded_freight()
        if freight is None:
            return left if default else Money.zero(self.currency)
        if not isinstance(freight, Money) or freight.currency != self.currency:
            raise InvalidValue("freight", freight, f"must be a Money in {self.currency}")
        if freight.is_negative() or freight > left:
            raise InvalidValue("freight", freight, f"must be between 0 and the {left} left")
        return freight


_FIELDS: Final = frozenset(field.name for field in attrs.fields(Order))
_TALLIED: Final = frozenset({"lines", "shipments", "refunds", "currency"})
"""The fields a tally is summed from: changing one without a new tally drops it."""
