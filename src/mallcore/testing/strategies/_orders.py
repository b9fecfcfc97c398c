"""Strategies for orders: lines at the prices paid, and orders in every state of their lifecycle."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeAlias, TypeVar

from hypothesis import strategies as st

from mallcore.money import Money, currency_exponent
from mallcore.orders import (
    AfterSalesCase,
    AxisMoved,
    CancellationAsked,
    CancellationRequest,
    CaseKind,
    CaseMoved,
    CaseStatus,
    Charge,
    Consignee,
    ItemSnapshot,
    Order,
    OrderCoupon,
    OrderLine,
    OrderMove,
    OrderPlaced,
    OrderRefund,
    OrderRefunded,
    OrderSettled,
    OrderStatus,
    OrderStatusChanged,
    PackageScan,
    PackageShipped,
    Payment,
    PaymentRefund,
    PaymentRefunded,
    PaymentStatus,
    PaymentStatusChanged,
    RefundedUnits,
    ReturnFreightOwed,
    Shipment,
)
from mallcore.testing.strategies._catalog import aware_datetimes
from mallcore.testing.strategies._ids import ids
from mallcore.testing.strategies._money import currencies
from mallcore.testing.strategies._parts import parts_of
from mallcore.testing.strategies._shipping import DIVISION_CODES

__all__ = [
    "after_sales_cases",
    "axis_moved_events",
    "cancellation_asked_events",
    "cancellation_requests",
    "case_moved_events",
    "charges",
    "consignees",
    "item_snapshots",
    "order_coupons",
    "order_lines",
    "order_moves",
    "order_placed_events",
    "order_refunded_events",
    "order_refunds",
    "order_settled_events",
    "order_status_changed_events",
    "orders",
    "package_scans",
    "package_shipped_events",
    "packages",
    "payment_refunded_events",
    "payment_refunds",
    "payment_status_changed_events",
    "payments",
    "refund_requests",
    "refunded_units",
    "return_freight_owed_events",
]


def _unit_amounts(currency: str) -> st.SearchStrategy[Money]:
    top = 1000 * 10 ** currency_exponent(currency)
    return st.integers(0, top).map(lambda minor: Money.from_minor(minor, currency))


@st.composite
def order_lines(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    line_id: str | None = None,
    max_quantity: int = 5,
) -> OrderLine:
    """An order line of 1 to ``max_quantity`` units, each with what was paid for it."""
    code = currency if currency is not None else draw(currencies())
    quantity = draw(st.integers(1, max_quantity))
    return OrderLine(
        line_id=line_id if line_id is not None else draw(st.sampled_from("ABCDEFGH")),
        sku_id=draw(st.sampled_from(["tea-250g", "cup-white", "pot-clay", "tray"])),
        quantity=quantity,
        unit_payables=draw(st.lists(_unit_amounts(code), min_size=quantity, max_size=quantity)),
        gift=draw(st.booleans()),
    )


_PATHS = {
    OrderStatus.AWAITING_PAYMENT: (),
    OrderStatus.PAID: ("pay",),
    OrderStatus.SHIPPED: ("pay", "ship"),
    OrderStatus.DELIVERED: ("pay", "ship", "deliver"),
    OrderStatus.COMPLETED: ("pay", "ship", "deliver", "complete"),
    OrderStatus.CANCELLED: ("cancel",),
    OrderStatus.CLOSED: ("pay", "refund all"),
}


def orders(
    currency: str | None = None,
    *,
    statuses: st.SearchStrategy[OrderStatus] | None = None,
    min_lines: int = 1,
    max_lines: int = 4,
) -> st.SearchStrategy[Order]:
    """Orders in a status drawn from ``statuses`` (all by default), reached by real commands.

    A PAID order may be partly shipped; a shipped, delivered or completed
    one may have had a unit refunded; a CLOSED one was refunded whole before
    shipping. Each order is placed and then moved
    through :class:`~mallcore.orders.Order`'s own commands, so every field is
    one the lifecycle can produce.
    """
    return _order_histories(
        currency, statuses=statuses, min_lines=min_lines, max_lines=max_lines
    ).map(lambda history: history[0])


@st.composite
def _order_histories(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    statuses: st.SearchStrategy[OrderStatus] | None = None,
    min_lines: int = 1,
    max_lines: int = 4,
) -> tuple[Order, list[object]]:
    """An order from :func:`orders` and the events its commands produced, in order."""
    code = currency if currency is not None else draw(currencies())
    count = draw(st.integers(min_lines, max_lines))
    lines = [draw(order_lines(code, line_id=f"L{index + 1}")) for index in range(count)]
    placed_at = draw(aware_datetimes())
    order = Order(
        id=draw(st.from_regex(r"\AO-[0-9]{1,8}\Z")),
        customer_id=draw(st.sampled_from(["alice", "bob", "chen", "dong"])),
        currency=code,
        lines=lines,
        freight=draw(_unit_amounts(code)),
        placed_at=placed_at,
        pay_by=placed_at + timedelta(minutes=draw(st.integers(1, 24 * 60))),
        points_to_earn=draw(st.integers(0, 500)),
    )
    events: list[object] = [OrderPlaced(order.id, order.customer_id, order.payable, order.pay_by)]
    status = draw(statuses if statuses is not None else st.sampled_from(OrderStatus))
    at = placed_at
    for step in _PATHS[status]:
        at += timedelta(minutes=draw(st.integers(0, 60 * 24)))
        if step == "pay":
            order, moved = order.pay(payment_id=f"P-{order.id}", amount=order.payable, at=at)
        elif step == "ship":
            order, moved = order.ship(waybill=f"SF{order.id[2:]}", carrier="SF", at=at)
        elif step == "deliver":
            order, moved = order.deliver(at=at)
        elif step == "complete":
            order, moved = order.complete(at=at)
        elif step == "cancel":
            order, moved = order.cancel(reason="changed my mind", at=at)
        else:
            everything = {line.line_id: line.quantity for line in order.lines}
            order, moved = order.refund("R-ALL", units=everything, at=at, reason="out of stock")
        events.extend(moved)
    units = sum(line.quantity for line in order.lines)
    if status is OrderStatus.PAID and units > 1 and draw(st.booleans()):
        at += timedelta(minutes=draw(st.integers(0, 60)))
        order, moved = order.ship(waybill="SF-PART", carrier="SF", at=at, items={"L1": 1})
        events.extend(moved)
    elif status in _AFTER_SHIPPING and units > 1 and draw(st.booleans()):
        at += timedelta(minutes=draw(st.integers(0, 60 * 24)))
        order, moved = order.refund("R-PART", units={"L1": 1}, at=at, reason="damaged in transit")
        events.extend(moved)
    return order, events


_AFTER_SHIPPING = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED})
_MOVED = tuple(status for status in OrderStatus if status is not OrderStatus.AWAITING_PAYMENT)
"""The statuses an order reaches by at least one command."""


@st.composite
def refund_requests(draw: st.DrawFn, order: Order) -> dict[str, int]:
    """Units of ``order`` a refund may return now (line id -> count), at least one unit.

    Empty when nothing is left to refund (``order.refundable_quantities()``).
    """
    left = order.refundable_quantities()
    if not left:
        return {}
    line_ids = draw(st.lists(st.sampled_from(sorted(left)), min_size=1, unique=True))
    return {line_id: draw(st.integers(1, left[line_id])) for line_id in line_ids}


_E = TypeVar("_E")
_V = TypeVar("_V")

_Command: TypeAlias = Callable[[_V, datetime], tuple[_V, tuple[Any, ...]]]
"""One command of a lifecycle, given the value and the moment: the new value and its events."""

_LATER = st.integers(0, 60 * 24).map(lambda minutes: timedelta(minutes=minutes))


def _walk(
    draw: st.DrawFn,
    start: tuple[_V, tuple[Any, ...]],
    commands: Callable[[_V], Sequence[_Command[_V]]],
    at: datetime,
    *,
    min_steps: int = 0,
    max_steps: int = 6,
) -> tuple[_V, list[Any]]:
    """Run commands ``commands`` allows, ``min_steps`` and then while a coin says go.

    Stops after ``max_steps``, or where ``commands`` allows none (a final state).
    """
    value, events = start[0], list(start[1])
    steps = 0
    while (
        steps < max_steps
        and (choices := commands(value))
        and (steps < min_steps or draw(st.booleans()))
    ):
        steps += 1
        at += draw(_LATER)
        value, new = draw(st.sampled_from(choices))(value, at)
        events.extend(new)
    return value, events


def _events_of(
    kind: type[_E], histories: st.SearchStrategy[tuple[Any, list[Any]]]
) -> st.SearchStrategy[_E]:
    """The events of ``kind`` a drawn history produced."""
    return parts_of(
        histories, lambda history: [event for event in history[1] if isinstance(event, kind)]
    )


def _after(*statuses: OrderStatus) -> st.SearchStrategy[tuple[Order, list[Any]]]:
    return _order_histories(statuses=st.sampled_from(statuses))


def order_placed_events() -> st.SearchStrategy[OrderPlaced]:
    """An order from :func:`orders` was placed."""
    return _events_of(OrderPlaced, _order_histories())


def order_status_changed_events() -> st.SearchStrategy[OrderStatusChanged]:
    """A move of an order from :func:`orders` between statuses."""
    return _events_of(OrderStatusChanged, _after(*_MOVED))


def axis_moved_events() -> st.SearchStrategy[AxisMoved]:
    """A move of an order from :func:`orders` on its payment or fulfilment axis."""
    return _events_of(AxisMoved, _after(*_MOVED))


def package_shipped_events() -> st.SearchStrategy[PackageShipped]:
    """A package of an order from :func:`orders` left with a courier."""
    return _events_of(PackageShipped, _after(*_AFTER_SHIPPING))


def order_refunded_events() -> st.SearchStrategy[OrderRefunded]:
    """A refund of an order from :func:`orders`, whole or of one unit."""
    return _events_of(OrderRefunded, _after(OrderStatus.CLOSED))


def order_moves() -> st.SearchStrategy[OrderMove]:
    """An entry of the history of an order from :func:`orders`."""
    return parts_of(_after(*_MOVED), lambda history: history[0].history)


def packages() -> st.SearchStrategy[Shipment]:
    """A package of a shipped order from :func:`orders`."""
    return parts_of(_after(*_AFTER_SHIPPING), lambda history: history[0].shipments)


def order_refunds() -> st.SearchStrategy[OrderRefund]:
    """A refund of an order from :func:`orders`."""
    return parts_of(_after(OrderStatus.CLOSED), lambda history: history[0].refunds)


def refunded_units() -> st.SearchStrategy[RefundedUnits]:
    """The units of one line in a refund from :func:`order_refunds`."""
    return order_refunds().flatmap(lambda refund: st.sampled_from(refund.units))


_WORDS = st.sampled_from(["changed my mind", "damaged in transit", "wrong size", "late"])


def package_scans() -> st.SearchStrategy[PackageScan]:
    """A courier scan of a package: collected, in transit, out for delivery or delivered."""
    return st.builds(
        PackageScan,
        st.sampled_from(["collected", "in_transit", "out_for_delivery", "delivered"]),
        aware_datetimes(),
    )


def cancellation_requests() -> st.SearchStrategy[CancellationRequest]:
    """A customer's request to cancel a paid order, and why."""
    return st.builds(CancellationRequest, at=aware_datetimes(), reason=_WORDS)


def cancellation_asked_events() -> st.SearchStrategy[CancellationAsked]:
    """A cancellation request waiting (``granted`` None), granted or refused."""
    return st.builds(
        CancellationAsked,
        st.from_regex(r"\AO-[0-9]{1,8}\Z"),
        aware_datetimes(),
        _WORDS,
        st.none() | st.booleans(),
    )


def charges() -> st.SearchStrategy[Charge]:
    """Up to 5 uses added to a rule's usage counter (a flash sale's units under ``:units``)."""
    return st.builds(
        Charge, st.sampled_from(["promo-0", "promo-0:units", "coupon-0"]), st.integers(1, 5)
    )


def consignees() -> st.SearchStrategy[Consignee]:
    """Who receives an order and where: a name, a phone, a division code and an address."""
    return st.builds(
        Consignee,
        name=st.sampled_from(["张三", "Li Lei", "Chen"]),
        phone=st.from_regex(r"\A1[3-9][0-9]{9}\Z"),
        region=st.sampled_from(DIVISION_CODES),
        address=st.sampled_from(["人民路 1 号", "12 Nanjing Road, Apt 5"]),
    )


def item_snapshots() -> st.SearchStrategy[ItemSnapshot]:
    """What the catalog said of a SKU when an order was placed."""
    return st.builds(
        ItemSnapshot,
        product_id=st.sampled_from(["p-1", "p-2"]),
        product_name=st.sampled_from(["Longjing tea 250g", "白瓷杯"]),
        spec=st.lists(
            st.tuples(st.sampled_from(["颜色", "size"]), st.sampled_from(["red", "L"])),
            max_size=2,
            unique_by=lambda pair: pair[0],
        ),
        shop_id=st.sampled_from([None, "shop-a"]),
        no_reason_returns=st.booleans(),
    )


def order_coupons(currency: str = "CNY") -> st.SearchStrategy[OrderCoupon]:
    """A wallet coupon an order used and the discount it gave, up to 1,000 units."""
    return st.builds(
        OrderCoupon,
        coupon_id=ids(max_size=24),
        template_id=ids(max_size=24),
        discount=_unit_amounts(currency),
        return_on_refund=st.booleans(),
    )


def _positive(currency: str) -> st.SearchStrategy[Money]:
    top = 1000 * 10 ** currency_exponent(currency)
    return st.integers(1, top).map(lambda minor: Money.from_minor(minor, currency))


def _payment_commands(payment: Payment) -> Sequence[_Command[Payment]]:
    """What may happen next to ``payment``, by its status."""
    left = payment.amount - sum(
        (refund.amount for refund in payment.refunds), start=Money.zero(payment.amount.currency)
    )
    part = Money.from_minor(max(1, left.minor_units // 2), left.currency)
    receive: _Command[Payment] = lambda p, at: p.receive(amount=p.amount, at=at)  # noqa: E731
    in_full: _Command[Payment] = lambda p, at: p.return_in_full(  # noqa: E731
        "R-FULL", reason="order closed", at=at
    )
    return {
        PaymentStatus.STARTED: [
            receive,
            lambda p, at: p.decline(at=at),
            lambda p, at: p.close(at=at),
        ],
        PaymentStatus.CLOSED: [receive],
        PaymentStatus.RECEIVED: [
            lambda p, at: p.apply(at=at),
            lambda p, at: p.flag(reason="second payment", at=at),
            in_full,
        ],
        PaymentStatus.APPLIED: [
            lambda p, at: p.refund(
                f"R-{len(p.refunds)}", amount=part, at=at, reason="damaged in transit"
            )
        ]
        if left.minor_units > 0
        else [],
        PaymentStatus.FLAGGED: [in_full],
    }.get(payment.status, [])


@st.composite
def _payment_histories(
    draw: st.DrawFn, currency: str | None = None, *, min_steps: int = 0, max_steps: int = 6
) -> tuple[Payment, list[Any]]:
    """A payment started, then moved by up to ``max_steps`` commands, and its events."""
    at = draw(aware_datetimes())
    start = _start_payment(draw, currency, at)
    return _walk(draw, start, _payment_commands, at, min_steps=min_steps, max_steps=max_steps)


def _start_payment(
    draw: st.DrawFn, currency: str | None, at: datetime
) -> tuple[Payment, tuple[Any, ...]]:
    code = currency if currency is not None else draw(currencies())
    return Payment.start(
        draw(st.from_regex(r"\AP-[0-9]{1,8}\Z")),
        order_id=draw(st.from_regex(r"\AO-[0-9]{1,8}\Z")),
        amount=draw(_positive(code)),
        at=at,
    )


def payments(currency: str | None = None) -> st.SearchStrategy[Payment]:
    """Payments in every status, reached by real commands, some partly refunded."""
    return _payment_histories(currency).map(lambda history: history[0])


def payment_status_changed_events() -> st.SearchStrategy[PaymentStatusChanged]:
    """A move of a payment from :func:`payments`."""
    return _events_of(PaymentStatusChanged, _payment_histories(min_steps=1))


@st.composite
def _refunded_payments(draw: st.DrawFn) -> tuple[Payment, list[Any]]:
    """A payment received, then refunded in part after it was applied, or in full before."""
    at = draw(aware_datetimes())
    payment, events = _start_payment(draw, None, at)
    payment, received = payment.receive(amount=payment.amount, at=at)
    if draw(st.booleans()):
        payment, refunded = payment.return_in_full("R-FULL", reason="order closed", at=at)
    else:
        payment, applied = payment.apply(at=at)
        (command,) = _payment_commands(payment)
        payment, refunded = command(payment, at)
        received += applied
    return payment, [*events, *received, *refunded]


def payment_refunds() -> st.SearchStrategy[PaymentRefund]:
    """Money returned out of a payment from :func:`payments`."""
    return parts_of(_refunded_payments(), lambda history: history[0].refunds)


def payment_refunded_events() -> st.SearchStrategy[PaymentRefunded]:
    """Money that went back out of a payment from :func:`payments`."""
    return _events_of(PaymentRefunded, _refunded_payments())


_RETURN_ADDRESS = "退货仓, 浦东新区 88 号"


def _case_commands(case: AfterSalesCase) -> Sequence[_Command[AfterSalesCase]]:
    """What may happen next to ``case``, by its status and kind."""
    week = timedelta(days=7)
    close: _Command[AfterSalesCase] = lambda c, at: c.close(reason="withdrawn", at=at)  # noqa: E731
    settle: _Command[AfterSalesCase] = (
        (lambda c, at: c.exchanged("SF-SWAP", at=at))
        if case.kind is CaseKind.EXCHANGE
        else (lambda c, at: c.refunded(at=at))
    )
    approved = [close] if case.kind is CaseKind.EXCHANGE else [settle, close]
    if case.kind is not CaseKind.REFUND_ONLY:
        approved.append(lambda c, at: c.send_back("SF-BACK", at=at, due_at=at + week))
    return {
        CaseStatus.REQUESTED: [
            lambda c, at: c.approve(at=at, return_address=_RETURN_ADDRESS, due_at=at + week),
            lambda c, at: c.reject(reason="used goods", at=at),
            close,
        ],
        CaseStatus.APPROVED: approved,
        CaseStatus.RETURNING: [lambda c, at: c.receive(restock=True, at=at)],
        CaseStatus.RECEIVED: [settle, close],
    }.get(case.status, [])


@st.composite
def _case_histories(
    draw: st.DrawFn, currency: str | None = None
) -> tuple[AfterSalesCase, list[Any]]:
    """An after-sales case requested about one or two lines, moved by real commands."""
    code = currency if currency is not None else draw(currencies())
    at = draw(aware_datetimes())
    line_ids = draw(st.lists(st.sampled_from("ABC"), min_size=1, max_size=2, unique=True))
    kind = draw(st.sampled_from(CaseKind))
    swaps = dict.fromkeys(line_ids, "sku-2") if kind is CaseKind.EXCHANGE else None
    start = AfterSalesCase.request(
        draw(st.from_regex(r"\AAS-[0-9]{1,8}\Z")),
        order_id=draw(st.from_regex(r"\AO-[0-9]{1,8}\Z")),
        kind=kind,
        units={line_id: draw(st.integers(1, 3)) for line_id in line_ids},
        reason=draw(_WORDS),
        amount=draw(_unit_amounts(code)),
        at=at,
        due_at=at + timedelta(days=2),
        evidence=draw(st.lists(st.sampled_from(["photo-1.jpg", "photo-2.jpg"]), max_size=2)),
        no_reason=draw(st.booleans()),
        replacements=swaps,
    )
    return _walk(draw, start, _case_commands, at)


def after_sales_cases(currency: str | None = None) -> st.SearchStrategy[AfterSalesCase]:
    """After-sales cases of every kind (exchanges too) reached by real commands."""
    return _case_histories(currency).map(lambda history: history[0])


def case_moved_events() -> st.SearchStrategy[CaseMoved]:
    """A move of a case from :func:`after_sales_cases`, its request included."""
    return _events_of(CaseMoved, _case_histories())


def _settled(order: Order) -> list[OrderSettled]:
    """``order`` (completed) settled a minute after its after-sales window."""
    deadline = order.after_sales_until
    if deadline is None:
        return []
    _, events = order.settle(at=deadline + timedelta(minutes=1))
    return [event for event in events if isinstance(event, OrderSettled)]


def order_settled_events() -> st.SearchStrategy[OrderSettled]:
    """A completed order from :func:`orders` settled once its after-sales window passed."""
    return parts_of(orders(statuses=st.just(OrderStatus.COMPLETED)), _settled)


def return_freight_owed_events(currency: str = "CNY") -> st.SearchStrategy[ReturnFreightOwed]:
    """Return postage of up to 1,000 units a case's payment could not carry."""
    return st.builds(
        ReturnFreightOwed,
        st.from_regex(r"\AAS-[0-9]{1,8}\Z"),
        st.from_regex(r"\AO-[0-9]{1,8}\Z"),
        _positive(currency),
        aware_datetimes(),
    )
