"""``mallcore demo``: the order story told end to end on the embedded default adapters.

A tea shop with a 满减 promotion, a coupon in the shopper's wallet and a
by-piece freight template with a regional rate: price the cart, place the
order (stock held, the points it earns fixed), pay through the simulated
gateway (the notification arrives twice; the points wait, pending), ship in
two packages, deliver, confirm (the points are released); return a tin
through after-sales (its money, points and stock come back); then a second
order spends points, is left unpaid and is cancelled at its deadline, its
stock and points given back. Everything runs on SQLite (an
in-memory database) with a clock that moves only when told, so the story
prints the same every time.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TextIO

from mallcore.adapters import (
    InMemoryEventLog,
    SimulatedCourier,
    SimulatedGateway,
    SqliteUnitOfWork,
)
from mallcore.adapters.sqlite import memory_database
from mallcore.catalog import Listing, ListingStatus, Product, Sku, SpecDimension, Stock
from mallcore.loyalty import EarningPolicy, RedemptionPolicy
from mallcore.money import Money
from mallcore.orders import Order, OrderRefunded, OrderStatusChanged, PackageShipped
from mallcore.pricing import AmountOffCoupon, Customer, Promotion, Tier, TieredAmountOff
from mallcore.quote_report import render_quote
from mallcore.services import (
    cancel_overdue_orders,
    confirm_receipt,
    handle_payment_notification,
    handle_tracking_event,
    place_order,
    price_cart,
    refund_order,
    ship_order,
    start_payment,
)
from mallcore.shipping import ChargeBy, FreightTemplate, Rate, RegionRate, ShippingSetup
from mallcore.testing.fakes import FakeClock

__all__ = ["main", "run_demo"]

START = datetime(2026, 11, 11, 0, 5, tzinfo=UTC)
"""Singles' Day, five minutes past midnight: the demo's clock starts here."""


def _cny(amount: str) -> Money:
    return Money(amount, "CNY")


def _catalog() -> tuple[Product, ...]:
    def tea_sku(spec: dict[str, str]) -> Sku:
        grams = spec["规格"].removesuffix("g")
        price = _cny("68.00") if grams == "250" else _cny("128.00")
        return Sku(f"longjing-{grams}g", spec, price, price, stock=20, weight=Decimal(grams) / 1000)

    tea = Product.from_matrix(
        "longjing",
        "明前龙井",
        "green-tea",
        dimensions=[SpecDimension("规格", ("250g", "500g"))],
        make_sku=tea_sku,
        listing=Listing(ListingStatus.ON_SHELF),
    )
    cup = Product.single(
        "cup",
        "白瓷杯",
        "teaware",
        Sku("cup-white", {}, _cny("45.00"), _cny("39.00"), stock=5, weight=Decimal("0.3")),
        listing=Listing(ListingStatus.ON_SHELF),
    )
    return tea, cup


def _promotions() -> tuple[Promotion, ...]:
    return (
        TieredAmountOff(
            id="double-11",
            name="满200减20 / 满300减40",
            tiers=[Tier(_cny("200"), _cny("20")), Tier(_cny("300"), _cny("40"))],
        ),
    )


def _wallet() -> tuple[AmountOffCoupon, ...]:
    return (
        AmountOffCoupon(
            id="coupon-15",
            name="满150减15",
            min_spend=_cny("150"),
            amount_off=_cny("15"),
            received_at=START - timedelta(days=2),
            valid_days=30,
        ),
    )


def _shipping() -> ShippingSetup:
    """One by-piece template: 8.00 for the first piece, 3.00 each more; 浙江 (33) cheaper."""
    piece = Rate(first=1, first_fee=_cny("8"), step=1, step_fee=_cny("3"))
    zhejiang = Rate(first=1, first_fee=_cny("5"), step=1, step_fee=_cny("2"))
    template = FreightTemplate(
        id="by-piece",
        name="按件计费",
        charge_by=ChargeBy.PIECE,
        default=piece,
        region_rates=[RegionRate(regions=["330000"], rate=zhejiang)],
    )
    return ShippingSetup(templates=[template], default_template="by-piece")


def _describe(event: object) -> str | None:
    if isinstance(event, OrderStatusChanged):
        reason = f" ({event.reason})" if event.reason else ""
        moved = f"{event.source.value} -> {event.target.value}{reason}"
        return f"[{event.at:%m-%d %H:%M}] order {event.order_id}: {moved}"
    if isinstance(event, PackageShipped):
        shipment = event.shipment
        items = ", ".join(f"{line} x{n}" for line, n in shipment.items)
        return (
            f"[{shipment.shipped_at:%m-%d %H:%M}] order {event.order_id}: "
            f"package {shipment.waybill} left with {items}"
        )
    if isinstance(event, OrderRefunded):
        refund = event.refund
        units = ", ".join(f"{part.line_id} x{part.quantity}" for part in refund.units)
        return (
            f"[{refund.at:%m-%d %H:%M}] order {event.order_id}: refund {refund.id} of"
            f" {refund.amount.format('zh_CN')} for {units} ({refund.reason})"
        )
    return None


class _Story:
    """The demo's wiring: one store, the fakes, and a printer of what happened."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.database = memory_database()
        self.clock = FakeClock(START)
        self.log = InMemoryEventLog()
        self.gateway = SimulatedGateway(secret=b"demo-secret")
        self.courier = SimulatedCourier(carrier="SF")
        self._printed = 0

    def uow(self) -> SqliteUnitOfWork:
        return SqliteUnitOfWork(self.database)

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")

    def happened(self) -> None:
        for event in self.log.events[self._printed :]:
            text = _describe(event)
            if text is not None:
                self.say(f"  {text}")
        self._printed = len(self.log.events)

    def stock(self, sku_id: str) -> Stock:
        with self.uow() as uow:
            return uow.stocks.get(sku_id)


def _balance(story: _Story) -> int:
    with story.uow() as uow:
        return uow.points.get("alice").balance()


def _pending(story: _Story) -> int:
    with story.uow() as uow:
        return uow.points.get("alice").pending_points


def run_demo(out: TextIO) -> Order:
    """Tell the order story on ``out``; return the completed order."""
    story = _Story(out)
    with story.uow() as uow:
        for product in _catalog():
            uow.products.save(product)
            for sku in product.skus:
                uow.stocks.save(Stock.from_sku(sku))
        uow.commit()
    alice = Customer(id="alice", tier="gold", region="330106")
    cart = {"longjing-250g": 2, "cup-white": 2}

    story.say("== 1. Alice (Hangzhou 330106) prices her cart: catalog prices, never the client's")
    priced = price_cart(
        uow=story.uow(),
        clock=story.clock,
        customer=alice,
        items=cart,
        promotions=_promotions(),
        coupons=_wallet(),
        shipping=_shipping(),
    )
    story.say(render_quote(priced))

    story.say("== 2. She places the order: stock is held until the payment deadline")
    order = place_order(
        uow=story.uow(),
        clock=story.clock,
        events=story.log,
        order_id="O-1001",
        customer=alice,
        items=cart,
        promotions=_promotions(),
        coupons=_wallet(),
        shipping=_shipping(),
        earning=EarningPolicy(),
    )
    held = story.stock("cup-white")
    story.say(
        f"  order {order.id}: goods {order.goods_payable.format('zh_CN')}"
        f" + freight {order.freight.format('zh_CN')} = {order.payable.format('zh_CN')},"
        f" pay by {order.pay_by:%H:%M}"
    )
    story.say(f"  cup-white: {held.on_hand} on hand, {held.available} available")
    story.say(f"  the order will earn {order.points_to_earn} points (1 a yuan of goods)")

    story.say("\n== 3. She pays; the provider notifies twice (signed, verified, applied once)")
    request = start_payment(uow=story.uow(), gateway=story.gateway, order_id=order.id)
    story.clock.advance(timedelta(minutes=2))
    body, headers = story.gateway.pay(request.reference, at=story.clock.now())
    for attempt in (1, 2):
        handled = handle_payment_notification(
            uow=story.uow(),
            gateway=story.gateway,
            clock=story.clock,
            events=story.log,
            body=body,
            headers=headers,
        )
        story.say(f"  notification {attempt}: {handled.outcome.value}")
    story.happened()
    paid = story.stock("cup-white")
    story.say(f"  cup-white: {paid.on_hand} on hand, {paid.available} available")
    story.say(
        f"  alice: {_balance(story)} points, {_pending(story)} pending until the order completes"
    )

    story.say("\n== 4. The shop ships in two packages; the courier's scans come in")
    story.clock.advance(timedelta(hours=3))
    ship_order(
        uow=story.uow(),
        courier=story.courier,
        clock=story.clock,
        events=story.log,
        order_id=order.id,
        destination="330106",
        items={"longjing-250g": 2},
    )
    story.clock.advance(timedelta(hours=1))
    shipped = ship_order(
        uow=story.uow(),
        courier=story.courier,
        clock=story.clock,
        events=story.log,
        order_id=order.id,
        destination="330106",
    )
    story.happened()
    last = shipped.shipments[-1]
    for scan in story.courier.scans(last.waybill, picked_up_at=story.clock.now()):
        handle_tracking_event(uow=story.uow(), events=story.log, event=scan)
    story.clock.advance(timedelta(days=2))
    story.happened()

    story.say("\n== 5. Alice confirms receipt: the pending points are released")
    story.clock.advance(timedelta(hours=5))
    completed = confirm_receipt(
        uow=story.uow(),
        clock=story.clock,
        events=story.log,
        order_id=order.id,
    )
    story.happened()
    story.say(f"  alice: {_balance(story)} points, {_pending(story)} pending")

    story.say("\n== 6. After-sales: she returns one tin (七天无理由); it goes back on sale")
    story.clock.advance(timedelta(days=1))
    completed = refund_order(
        uow=story.uow(),
        gateway=story.gateway,
        clock=story.clock,
        events=story.log,
        order_id=completed.id,
        refund_id="RMA-1",
        units={"longjing-250g": 1},
        reason="七天无理由退货",
        restock=True,
    )
    story.happened()
    (paid_back,) = story.gateway.refunds()
    story.say(
        f"  the gateway paid back {paid_back.amount.format('zh_CN')}:"
        f" what the tin cost after every discount"
    )
    story.say(
        f"  the points it earned are taken back; alice: {_balance(story)} points;"
        f" longjing-250g: {story.stock('longjing-250g').on_hand} on hand"
    )

    story.say("\n== 7. Alice orders a cup with 100 of her points (100 points = ¥1) and never pays")
    redemption = RedemptionPolicy(points_per_unit=100, step=100)
    pending = place_order(
        uow=story.uow(),
        clock=story.clock,
        events=story.log,
        order_id="O-1002",
        customer=alice,
        items={"cup-white": 1},
        shipping=_shipping(),
        points=redemption,
        points_requested=100,
    )
    story.say(
        f"  order {pending.id}: {pending.points_used} points take"
        f" {redemption.value_of(pending.points_used, 'CNY').format('zh_CN')} off;"
        f" payable {pending.payable.format('zh_CN')}"
    )
    story.say(f"  alice: {_balance(story)} points while O-1002 waits")
    story.say(f"  cup-white: {story.stock('cup-white').available} available while O-1002 waits")
    story.clock.advance(timedelta(minutes=31))
    cancel_overdue_orders(uow=story.uow(), clock=story.clock, events=story.log)
    story.happened()
    story.say(f"  alice: {_balance(story)} points again")
    story.say(f"  cup-white: {story.stock('cup-white').available} available again")
    return completed


def main(argv: Sequence[str] | None = None) -> int:
    """``mallcore demo``: print the story on standard output."""
    del argv
    run_demo(sys.stdout)
    return 0
