"""Fuzz target: the Mall's commands with hostile arguments, on a SQLite shop.

A shop is set up once per example on a SQLite file (catalog, a promotion, a
coupon template, a member with a claimed coupon, an order placed), its
logical dump taken (``iterdump()``); then one command is called with one
argument replaced by a hostile value (wrong types, bad ids, huge numbers,
non-finite decimals, naive datetimes ...). Every call must be accepted or
refused with a named mallcore error, and a refused command must leave the
dump as it was (payment notifications excepted: a verified one is recorded
before anything is decided).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from mallcore import Checkout
from mallcore.adapters import SqliteUnitOfWork
from mallcore.catalog import Sku
from mallcore.errors import MallcoreError
from mallcore.money import Money
from mallcore.testing.strategies import bad_ids
from tests.fuzz.hostile import Tally, fuzz_settings, hostile_values
from tests.services.conftest import HOME, Shop, on_sale, open_shop
from tests.services.test_wallet import TEN_OFF_100

TALLY = Tally("Mall commands")
HOSTILE: st.SearchStrategy[Any] = (
    hostile_values()
    | bad_ids()
    | st.sampled_from([Decimal("NaN"), Decimal("-Infinity"), datetime(2026, 11, 11), b"\x00"])
)


def _shop(directory: Path) -> tuple[Shop, Callable[[], list[str]], str]:
    path = directory / "shop.sqlite3"
    shop = open_shop(lambda: SqliteUnitOfWork(path))
    shop.mall.save_coupon_template(TEN_OFF_100)
    shop.mall.register_member("alice")
    coupon = shop.mall.claim_coupon("alice", TEN_OFF_100.id).id
    shop.place({"tea": 1})

    def dump() -> list[str]:
        with contextlib.closing(sqlite3.connect(path)) as connection:
            return list(connection.iterdump())

    return shop, dump, coupon


COMMANDS: dict[str, Callable[[Shop, str, Any], object]] = {
    "place_order.order_id": lambda shop, c, v: shop.mall.place_order(v, shop.checkout({"tea": 1})),
    "place_order.checkout": lambda shop, c, v: shop.mall.place_order("O-9", v),
    "place_order.shown": lambda shop, c, v: shop.mall.place_order(
        "O-9", shop.checkout({"tea": 1}), shown=v
    ),
    "Checkout.items": lambda shop, c, v: shop.mall.place_order(
        "O-9", Checkout(customer_id="alice", items=v, consignee=HOME)
    ),
    "Checkout.sku": lambda shop, c, v: shop.mall.place_order(
        "O-9", Checkout(customer_id="alice", items=[(v, 1)], consignee=HOME)
    ),
    "Checkout.quantity": lambda shop, c, v: shop.mall.place_order(
        "O-9", Checkout(customer_id="alice", items={"tea": v}, consignee=HOME)
    ),
    "Checkout.coupons": lambda shop, c, v: shop.mall.place_order(
        "O-9", Checkout(customer_id="alice", items={"tea": 2}, coupons=v, consignee=HOME)
    ),
    "Checkout.coupon": lambda shop, c, v: shop.mall.place_order(
        "O-9", Checkout(customer_id="alice", items={"tea": 2}, coupons=[c, v], consignee=HOME)
    ),
    "Checkout.points": lambda shop, c, v: shop.mall.price(
        Checkout(customer_id="alice", items={"tea": 1}, points=v)
    ),
    "Checkout.customer_id": lambda shop, c, v: shop.mall.price(
        Checkout(customer_id=v, items={"tea": 1})
    ),
    "Checkout.shipping_method": lambda shop, c, v: shop.mall.price(
        Checkout(customer_id="alice", items={"tea": 1}, shipping_method=v)
    ),
    "Checkout.destination": lambda shop, c, v: shop.mall.price(
        Checkout(customer_id="alice", items={"tea": 1}, destination=v)
    ),
    "cancel_order": lambda shop, c, v: shop.mall.cancel_order(v),
    "cancel_order.reason": lambda shop, c, v: shop.mall.cancel_order("O-1", reason=v),
    "claim_coupon.customer": lambda shop, c, v: shop.mall.claim_coupon(v, TEN_OFF_100.id),
    "claim_coupon.template": lambda shop, c, v: shop.mall.claim_coupon("bob", v),
    "redeem_code": lambda shop, c, v: shop.mall.redeem_code("bob", v),
    "register_member.birthday": lambda shop, c, v: shop.mall.register_member("bob", birthday=v),
    "refund_order.units": lambda shop, c, v: shop.mall.refund_order("O-1", "R-1", v, reason="x"),
    "refund_order.reason": lambda shop, c, v: shop.mall.refund_order(
        "O-1", "R-1", {"tea": 1}, reason=v
    ),
    "refund_order.freight": lambda shop, c, v: shop.mall.refund_order(
        "O-1", "R-1", {"tea": 1}, reason="x", freight=v
    ),
    "ship_order.items": lambda shop, c, v: shop.mall.ship_order("O-1", items=v),
    "confirm_receipt": lambda shop, c, v: shop.mall.confirm_receipt(v),
    "orders_of.limit": lambda shop, c, v: shop.mall.orders_of("alice", limit=v),
    "orders_with_status": lambda shop, c, v: shop.mall.orders_with_status(v),
    "products_in": lambda shop, c, v: shop.mall.products_in(v),
    "products_in.offset": lambda shop, c, v: shop.mall.products_in("tea", offset=v),
    "points_history.limit": lambda shop, c, v: shop.mall.points_history("alice", limit=v),
    "wallet": lambda shop, c, v: shop.mall.wallet(v),
    "save_product": lambda shop, c, v: shop.mall.save_product(v),
    "save_product.stock": lambda shop, c, v: shop.mall.save_product(
        on_sale(Sku("tea", {}, Money("60.00", "CNY"), Money("60.00", "CNY"))), stock=v
    ),
    "configure": lambda shop, c, v: shop.mall.configure(v),
    "save_coupon_template": lambda shop, c, v: shop.mall.save_coupon_template(v),
    "issue_codes.count": lambda shop, c, v: shop.mall.issue_codes(TEN_OFF_100.id, v),
    "handle_payment_notification.body": lambda shop, c, v: shop.mall.handle_payment_notification(
        v, {}
    ),
    "handle_tracking_event": lambda shop, c, v: shop.mall.handle_tracking_event(v),
}
"""Each command, with the argument the hostile value replaces (``c``: alice's coupon)."""


@fuzz_settings(150)
@given(command=st.sampled_from(sorted(COMMANDS)), value=HOSTILE)
@example(command="Checkout.coupons", value=["TEN"])
@example(command="place_order.checkout", value={"customer_id": "alice"})
@example(command="Checkout.quantity", value=10**30)
@example(command="refund_order.units", value={"tea": 2**63})
@example(command="orders_of.limit", value=True)
def test_a_mall_command_accepts_or_refuses_by_name_and_a_refusal_changes_nothing(
    tmp_path_factory: Any, command: str, value: Any
) -> None:
    shop, dump, coupon = _shop(tmp_path_factory.mktemp("mall"))
    before = dump()
    refused: list[MallcoreError] = []

    def attempt() -> None:
        try:
            COMMANDS[command](shop, coupon, value)
        except MallcoreError as error:
            refused.append(error)
            raise

    TALLY.run(attempt)

    if refused and not command.startswith("handle_payment_notification"):
        assert dump() == before
