"""The outbox: a command's events committed with it, handed on by the relay, purged later."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest

from mallcore import Mall
from mallcore.catalog import Sku, StockReserved
from mallcore.errors import InvalidValue, OutOfStock
from mallcore.loyalty import EarningPolicy, PointsRecorded
from mallcore.money import Money
from mallcore.orders import OrderPlaced, OrderStatus, OrderStatusChanged
from mallcore.ports import OutboxEvent
from mallcore.serialization import dump_event, load_event
from tests.services.conftest import TEN_PERCENT, Shop, give_points, on_sale
from tests.services.test_wallet import TEN_OFF_100


class _Down:
    """A publisher whose broker is down until told otherwise; what it took while up."""

    def __init__(self) -> None:
        self.up = False
        self.taken: list[OutboxEvent] = []

    def publish(self, events: Sequence[OutboxEvent]) -> None:
        if not self.up:
            raise ConnectionError("broker down")
        self.taken.extend(events)


def _mall(shop: Shop, publisher: object, **settings: object) -> Mall:
    """A second Mall on ``shop``'s storage and clock, publishing to ``publisher``."""
    return Mall(
        storage=shop.storage,
        clock=shop.clock,
        events=publisher,  # type: ignore[arg-type]
        gateway=shop.gateway,
        courier=shop.courier,
        backoff=0,
        **settings,  # type: ignore[arg-type]
    )


def _outbox(shop: Shop, kind: str, key: str) -> list[OutboxEvent]:
    with shop.uow() as uow:
        return list(uow.outbox.of_aggregate(kind, key))


def test_an_order_placed_leaves_its_events_in_the_outbox_until_a_relay_publishes_them(
    shop: Shop,
) -> None:
    before = list(shop.published())

    shop.place({"tea": 2})

    stored = _outbox(shop, "order", "O-1")
    assert [type(envelope.event) for envelope in stored] == [OrderPlaced]
    assert stored[0].sequence == 1
    assert stored[0].occurred_at == shop.clock.now()
    assert shop.events.events == before
    assert OrderPlaced in {type(event) for event in shop.published()[len(before) :]}


def test_each_aggregates_events_are_numbered_and_published_in_order_with_their_ids(
    shop: Shop,
) -> None:
    shop.place({"tea": 2})
    shop.place({"tea": 1}, "O-2")
    shop.mall.cancel_order("O-1")

    shop.published()

    tea = [
        e for e in shop.events.envelopes if (e.aggregate_kind, e.aggregate_id) == ("stock", "tea")
    ]
    assert [e.sequence for e in tea] == list(range(1, len(tea) + 1))
    assert [e.id for e in tea] == [e.id for e in _outbox(shop, "stock", "tea")]
    assert len({e.id for e in shop.events.envelopes}) == len(shop.events.envelopes)
    moves = [e.event for e in shop.events.envelopes if e.aggregate_id == "O-1"]
    assert isinstance(moves[-1], OrderStatusChanged)
    assert moves[-1].target is OrderStatus.CANCELLED


def test_a_refused_command_leaves_nothing_in_the_outbox(shop: Shop) -> None:
    before = list(shop.published())

    with pytest.raises(OutOfStock):
        shop.place({"cup": 2})

    assert shop.published() == before
    assert _outbox(shop, "order", "O-1") == []
    assert not [e for e in before if isinstance(e, StockReserved)]


def test_a_publisher_that_raises_leaves_the_batch_for_the_next_relay(shop: Shop) -> None:
    broker = _Down()
    mall = _mall(shop, broker)
    shop.place({"tea": 2})

    refused = mall.relay_events(limit=500)
    broker.up = True
    first = mall.relay_events(limit=500)
    again = mall.relay_events(limit=500)

    assert isinstance(refused.error, ConnectionError)
    assert refused.published == 0
    assert (first.published, first.error) == (len(broker.taken), None)
    assert again.published == 0
    assert [e.id for e in broker.taken if e.aggregate_id == "O-1"] == [
        e.id for e in _outbox(shop, "order", "O-1")
    ]


def test_published_events_are_purged_once_their_retention_is_over(shop: Shop) -> None:
    mall = _mall(shop, shop.events, retention=timedelta(days=1))
    shop.place({"tea": 2})
    numbered = len(_outbox(shop, "order", "O-1"))
    published = mall.relay_events(limit=500).published

    kept = mall.relay_events()
    shop.clock.advance(timedelta(days=1, seconds=1))
    purged = mall.relay_events()

    assert (kept.purged, purged.purged) == (0, published)
    assert _outbox(shop, "order", "O-1") == []
    shop.mall.cancel_order("O-1")
    assert _outbox(shop, "order", "O-1")[0].sequence == numbered + 1


def test_a_negative_retention_is_refused(shop: Shop) -> None:
    with pytest.raises(InvalidValue, match="retention"):
        _mall(shop, shop.events, retention=timedelta(days=-1))


def test_points_events_name_the_account_they_concern(shop: Shop) -> None:
    give_points(shop.uow(), 5_000)
    shop.configure(redemption=TEN_PERCENT)

    shop.place({"tea": 2}, points=None)

    spent = [e for e in shop.published() if isinstance(e, PointsRecorded)]
    assert [(e.account_id, e.entry.points) for e in spent] == [("alice", -1_200)]
    assert [e.event for e in _outbox(shop, "points account", "alice")] == spent


def test_an_orders_whole_life_reads_back_from_the_outbox_as_the_events_it_made(
    shop: Shop,
) -> None:
    give_points(shop.uow(), 5_000)
    shop.mall.register_member("alice")
    shop.mall.save_coupon_template(TEN_OFF_100)
    coupon = shop.mall.claim_coupon("alice", TEN_OFF_100.id)
    shop.configure(redemption=TEN_PERCENT, earning=EarningPolicy())
    shop.place({"tea": 2}, coupons=[coupon.id], points=None)
    shop.notify(*shop.payment())
    shop.ship()
    shop.mall.confirm_receipt("O-1")
    shop.mall.refund_order("O-1", "RMA-1", {"tea": 1}, reason="不想要了", restock=True)
    shop.mall.save_product(
        on_sale(Sku("cup", {}, Money("30", "CNY"), Money("30", "CNY"))), stock={"cup": 5}
    )

    published = shop.published()

    kinds = {dump_event(event)[0] for event in published}
    assert kinds >= {
        "member_registered",
        "coupon_claimed",
        "coupon_locked",
        "coupon_used",
        "order_placed",
        "stock_reserved",
        "stock_deducted",
        "stock_restocked",
        "stock_counted",
        "points_recorded",
        "order_status_changed",
        "package_shipped",
        "order_refunded",
    }
    assert [load_event(*dump_event(event)) for event in published] == published
