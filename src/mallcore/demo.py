"""``mallcore demo``: the order story told end to end through the Mall, on SQLite.

A tea shop's merchant sets up the catalog, a 满减 promotion, a by-piece
freight template with a regional rate, points and a coupon template; Alice
registers and claims the coupon into her wallet; she prices her cart (the
Mall picks her best coupon), places the order (stock held, the coupon
locked, the points it earns fixed), pays through the simulated gateway (the
notification arrives twice; the coupon is used and cannot be used again;
the points wait, pending), the shop ships in two packages, she returns a
tin through after-sales (its money, points and stock come back), she
confirms (the points are released); then a second order spends points, is
left unpaid and is cancelled at its deadline, its stock and points given
back. Everything runs through :class:`~mallcore.Mall` on a SQLite file with a
clock that moves only when told, so the story prints the same every time.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TextIO

import attrs

from mallcore.adapters import (
    InMemoryEventLog,
    SimulatedCourier,
    SimulatedGateway,
    SqliteUnitOfWork,
)
from mallcore.catalog import Listing, ListingStatus, Product, Sku, SpecDimension
from mallcore.coupons import CouponTemplate, IssueLimits, UseLimits, Validity
from mallcore.errors import CouponUnavailable
from mallcore.loyalty import EarningPolicy, RedemptionPolicy
from mallcore.merchant import Configuration, Settings
from mallcore.money import Money
from mallcore.orders import Consignee, Order, OrderRefunded, OrderStatusChanged, PackageShipped
from mallcore.ports import UnitOfWork
from mallcore.pricing import AmountOffCoupon, Promotion, Tier, TieredAmountOff
from mallcore.quote_report import render_quote
from mallcore.services import Checkout, Mall
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


def _coupon() -> CouponTemplate:
    """满150减15, 30 days from the claim, 1,000 to give out, one use per customer."""
    return CouponTemplate(
        id="coupon-15",
        name="满150减15",
        coupon=AmountOffCoupon(id="coupon-15", min_spend=_cny("150"), amount_off=_cny("15")),
        validity=Validity.relative(days=30),
        issue=IssueLimits(total=1000, per_customer=1),
        use=UseLimits(per_customer=1),
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
    """The demo's wiring: the Mall over SQLite, the fakes, and a printer of what happened."""

    def __init__(self, out: TextIO, storage: Callable[[], UnitOfWork]) -> None:
        self.out = out
        self.clock = FakeClock(START)
        self.log = InMemoryEventLog()
        self.gateway = SimulatedGateway(secret=b"demo-secret", prefix="demo")
        self.courier = SimulatedCourier(carrier="SF", prefix="")
        self.mall = Mall(
            storage=storage,
            clock=self.clock,
            events=self.log,
            gateway=self.gateway,
            courier=self.courier,
        )
        self._printed = 0

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")

    def happened(self) -> None:
        while self.mall.relay_events().published:  # the host's relay, run after each step
            pass
        for event in self.log.events[self._printed :]:
            text = _describe(event)
            if text is not None:
                self.say(f"  {text}")
        self._printed = len(self.log.events)

    def points(self) -> str:
        return f"alice: {self.mall.points_balance('alice')} points"


def _set_up(story: _Story) -> None:
    mall = story.mall
    for product in _catalog():
        mall.save_product(product, stock={sku.id: sku.stock for sku in product.skus})
    mall.configure(
        Configuration(
            promotions=_promotions(),
            shipping=_shipping(),
            earning=EarningPolicy(),
            redemption=RedemptionPolicy(points_per_unit=100, step=100),
            settings=Settings(after_sales_window=timedelta(0)),
        )
    )
    mall.save_coupon_template(_coupon())


def run_demo(out: TextIO, storage: Callable[[], UnitOfWork] | None = None) -> Order:
    """Tell the order story on ``out``; return the completed order.

    The story runs on a SQLite file in a temporary directory, removed at
    the end, unless ``storage`` gives another unit-of-work factory.
    """
    if storage is not None:
        return _tell(_Story(out, storage))
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "demo.sqlite3"
        return _tell(_Story(out, lambda: SqliteUnitOfWork(path)))


def _tell(story: _Story) -> Order:
    mall = story.mall
    story.say("== 1. The merchant sets up: catalog, 满减, freight, points, a coupon template")
    _set_up(story)
    config = mall.configuration()
    story.say(
        f"  configuration version {config.version}: {len(config.promotions)} promotion,"
        " by-piece freight, 1 point a yuan, 100 points = ¥1"
    )

    story.say("\n== 2. Alice registers and claims the coupon into her wallet")
    mall.register_member("alice")
    coupon = mall.claim_coupon("alice", "coupon-15")
    story.say(f"  coupon {coupon.template_id} usable until {coupon.valid_until:%Y-%m-%d %H:%M}")

    home = Consignee(name="Alice", phone="13800000000", region="330106", address="文三路 90 号")
    cart = {"longjing-250g": 2, "cup-white": 2}
    checkout = Checkout(customer_id="alice", items=cart, consignee=home)
    story.say("\n== 3. She prices her cart: catalog prices, her best coupon, freight to Hangzhou")
    priced = mall.price(checkout)
    story.say(render_quote(priced))

    story.say("== 4. She places the order: stock held, the coupon locked, the points fixed")
    order = mall.place_order("O-1001", checkout, shown=priced.amount_due())
    held = mall.stock("cup-white")
    story.say(
        f"  order {order.id}: goods {order.goods_payable.format('zh_CN')}"
        f" + freight {order.freight.format('zh_CN')} = {order.payable.format('zh_CN')},"
        f" pay by {order.pay_by:%H:%M}"
    )
    story.say(f"  cup-white: {held.on_hand} on hand, {held.available} available")
    story.say(f"  the order will earn {order.points_to_earn} points (1 a yuan of goods)")

    story.say("\n== 5. She pays; the provider notifies twice (signed, verified, applied once)")
    request = mall.start_payment(order.id)
    story.clock.advance(timedelta(minutes=2))
    body, headers = story.gateway.pay(request.reference, at=story.clock.now())
    for attempt in (1, 2):
        handled = mall.handle_payment_notification(body, headers)
        story.say(f"  notification {attempt}: {handled.outcome.value}")
    story.happened()
    paid = mall.stock("cup-white")
    story.say(f"  cup-white: {paid.on_hand} on hand, {paid.available} available")
    waiting = story.mall.points_account("alice").pending_points
    story.say(f"  {story.points()}, {waiting} pending until the order completes")
    used = mall.wallet("alice").used
    story.say(f"  her wallet: {[c.template_id for c in used]} used")
    try:
        mall.place_order("O-1003", attrs.evolve(checkout, coupons=(coupon.id,)))
    except CouponUnavailable as refused:
        story.say(f"  using it again is refused: {refused}")

    story.say("\n== 6. The shop ships in two packages; the courier's scans come in")
    story.clock.advance(timedelta(hours=3))
    mall.ship_order(order.id, items={"longjing-250g": 2})
    story.clock.advance(timedelta(hours=1))
    shipped = mall.ship_order(order.id)
    story.happened()
    for package in shipped.shipments:
        for scan in story.courier.scans(package.waybill, picked_up_at=story.clock.now()):
            mall.handle_tracking_event(scan)
    story.clock.advance(timedelta(days=2))
    story.happened()

    story.say("\n== 7. After-sales: she returns one tin (七天无理由); it goes back on sale")
    story.clock.advance(timedelta(hours=5))
    mall.refund_order(
        order.id, "RMA-1", {"longjing-250g": 1}, reason="七天无理由退货", restock=True
    )
    story.happened()
    (paid_back,) = story.gateway.refunds()
    story.say(
        f"  the gateway paid back {paid_back.amount.format('zh_CN')}:"
        f" what the tin cost after every discount"
    )
    story.say(
        f"  the points the tin would earn are taken back; {story.points()};"
        f" longjing-250g: {mall.stock('longjing-250g').on_hand} on hand"
    )

    story.say("\n== 8. Alice confirms receipt: the pending points are released")
    story.say("  (this shop's after-sales window is zero: no refund after completion)")
    story.clock.advance(timedelta(days=1))
    completed = mall.confirm_receipt(order.id)
    story.happened()
    story.say(f"  {story.points()}")

    story.say("\n== 9. Alice orders a cup with 100 of her points (100 points = ¥1) and never pays")
    pending = mall.place_order(
        "O-1002", Checkout(customer_id="alice", items={"cup-white": 1}, consignee=home, points=100)
    )
    redemption = mall.configuration().redemption
    assert redemption is not None
    story.say(
        f"  order {pending.id}: {pending.points_used} points take"
        f" {redemption.value_of(pending.points_used, 'CNY').format('zh_CN')} off;"
        f" payable {pending.payable.format('zh_CN')}"
    )
    story.say(f"  {story.points()} while O-1002 waits")
    story.say(f"  cup-white: {mall.stock('cup-white').available} available while O-1002 waits")
    story.clock.advance(timedelta(minutes=31))
    mall.cancel_overdue_orders()
    story.happened()
    story.say(f"  {story.points()} again")
    story.say(f"  cup-white: {mall.stock('cup-white').available} available again")
    return completed


def main(argv: Sequence[str] | None = None) -> int:
    """``mallcore demo``: print the story on standard output."""
    del argv
    run_demo(sys.stdout)
    return 0
