"""Stock of one SKU: reserve, release, deduct, expire, restock under both policies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mallcore.catalog import (
    ReservationExpired,
    Sku,
    Stock,
    StockCounted,
    StockDeducted,
    StockEvent,
    StockHold,
    StockMovement,
    StockPolicy,
    StockReleased,
    StockReserved,
    StockRestocked,
)
from mallcore.errors import IllegalTransition, InvalidValue, NotFound, OutOfStock
from mallcore.money import Money

NOON = datetime(2026, 11, 11, 12, 0, tzinfo=UTC)
PAY = StockPolicy.DEDUCT_ON_PAYMENT
ORDER = StockPolicy.DEDUCT_ON_ORDER


def _held(
    stock: Stock, order_id: str, quantity: int, *, hold: timedelta = timedelta(minutes=30)
) -> tuple[Stock, StockHold]:
    """``stock`` after reserving for ``order_id`` at NOON, and the hold to store beside it."""
    new, events = stock.reserve(order_id, quantity, NOON, hold=hold)
    return new, _hold_of(events)


def _hold_of(events: tuple[StockEvent, ...]) -> StockHold:
    (reserved,) = [event for event in events if isinstance(event, StockReserved)]
    return StockHold.of(reserved)


def test_a_reservation_holds_units_without_taking_them_off_hand() -> None:
    stock = Stock("SKU-1", on_hand=10)

    new, events = stock.reserve("O-1", 3, NOON, hold=timedelta(minutes=15))

    assert (new.on_hand, new.reserved, new.available, new.version) == (10, 3, 7, 1)
    assert events == (StockReserved("SKU-1", "O-1", 3, NOON + timedelta(minutes=15)),)


def test_reserving_more_than_is_available_raises_out_of_stock_and_changes_nothing() -> None:
    stock, _ = _held(Stock("SKU-1", on_hand=5), "O-1", 4)

    with pytest.raises(OutOfStock) as raised:
        stock.reserve("O-2", 2, NOON)

    assert str(raised.value) == "SKU 'SKU-1': 2 requested but only 1 available"
    assert stock.available == 1


def test_reserving_again_for_the_same_order_changes_nothing() -> None:
    stock, held = _held(Stock("SKU-1", on_hand=5), "O-1", 2)

    again, events = stock.reserve("O-1", 2, NOON, held=held)

    assert again == stock
    assert events == ()


def test_reserving_another_quantity_for_the_same_order_is_refused() -> None:
    stock, held = _held(Stock("SKU-1", on_hand=5), "O-1", 2)

    with pytest.raises(InvalidValue) as raised:
        stock.reserve("O-1", 3, NOON, held=held)

    assert str(raised.value) == "quantity: order 'O-1' already holds 2 units (got 3)"


def test_deducting_a_paid_order_takes_its_units_off_hand() -> None:
    stock, held = _held(Stock("SKU-1", on_hand=5), "O-1", 2)

    paid, events = stock.deduct("O-1", held=held)

    assert (paid.on_hand, paid.reserved, paid.available) == (3, 0, 3)
    assert events == (StockDeducted("SKU-1", "O-1", 2),)


def test_deducting_twice_is_the_same_as_deducting_once() -> None:
    stock, held = _held(Stock("SKU-1", on_hand=5), "O-1", 2)
    paid, _ = stock.deduct("O-1", held=held)
    movement = StockMovement("SKU-1", "O-1", 2, NOON)

    again, events = paid.deduct("O-1", recorded=movement)

    assert again == paid
    assert events == ()


def test_deducting_an_order_that_holds_nothing_raises_not_found() -> None:
    stock = Stock("SKU-1", on_hand=5)

    with pytest.raises(NotFound):
        stock.deduct("O-404")


def test_releasing_a_cancelled_order_gives_its_units_back() -> None:
    stock, held = _held(Stock("SKU-1", on_hand=5), "O-1", 2)

    released, events = stock.release("O-1", held=held)

    assert (released.on_hand, released.available, released.version) == (5, 5, 2)
    assert events == (StockReleased("SKU-1", "O-1", 2),)


def test_releasing_an_order_that_holds_nothing_changes_nothing() -> None:
    stock = Stock("SKU-1", on_hand=5)

    same, events = stock.release("O-404")

    assert same is stock
    assert events == ()


def test_releasing_a_paid_order_is_refused() -> None:
    stock, held = _held(Stock("SKU-1", on_hand=5), "O-1", 2)
    paid, _ = stock.deduct("O-1", held=held)

    with pytest.raises(IllegalTransition):
        paid.release("O-1", recorded=StockMovement("SKU-1", "O-1", 2, NOON))


def test_a_paid_order_leaves_nothing_on_the_stock_but_its_movement() -> None:
    stock, held = _held(Stock("SKU-1", on_hand=5, policy=ORDER), "O-1", 2)

    paid, taken = stock.deduct("O-1", held=held)

    assert (paid.reserved, paid.on_hand, held.expires_at) == (0, 3, None)
    assert isinstance(taken[0], StockDeducted)
    assert StockMovement.of(taken[0], at=NOON) == StockMovement("SKU-1", "O-1", 2, NOON)


def test_the_movement_of_another_order_is_refused() -> None:
    stock, _ = _held(Stock("SKU-1", on_hand=5), "O-1", 2)

    with pytest.raises(InvalidValue, match="must be the movement of SKU 'SKU-1' for order 'O-1'"):
        stock.deduct("O-1", recorded=StockMovement("SKU-1", "O-2", 2, NOON))


def test_expire_releases_reservations_whose_hold_is_over() -> None:
    stock, first = _held(Stock("SKU-1", on_hand=5), "O-1", 2, hold=timedelta(minutes=30))
    stock, _ = _held(stock, "O-2", 1, hold=timedelta(minutes=60))

    expired, events = stock.expire(NOON + timedelta(minutes=30), [first])

    assert (expired.reserved, expired.available, expired.version) == (1, 4, stock.version + 1)
    assert events == (ReservationExpired("SKU-1", "O-1", 2),)


def test_expiring_a_hold_that_has_not_lapsed_is_refused() -> None:
    stock, first = _held(Stock("SKU-1", on_hand=5), "O-1", 2, hold=timedelta(minutes=30))

    with pytest.raises(InvalidValue, match="must be a distinct hold lapsed at"):
        stock.expire(NOON + timedelta(minutes=29), [first])


def test_a_hold_of_another_sku_or_order_is_refused() -> None:
    stock, held = _held(Stock("SKU-1", on_hand=5), "O-1", 2)

    with pytest.raises(InvalidValue, match="must be the hold of SKU 'SKU-1' for order 'O-2'"):
        stock.release("O-2", held=held)
    with pytest.raises(InvalidValue, match="must not hold more than reserved 2"):
        stock.deduct("O-1", held=StockHold("SKU-1", "O-1", 3))


def test_a_lapsed_hold_no_longer_blocks_a_new_order() -> None:
    stock, first = _held(Stock("SKU-1", on_hand=1), "O-1", 1, hold=timedelta(minutes=5))

    new, events = stock.reserve("O-2", 1, NOON + timedelta(minutes=5), lapsed=[first])

    assert (new.reserved, _hold_of(events).order_id) == (1, "O-2")
    assert events[0] == ReservationExpired("SKU-1", "O-1", 1)
    assert new.version == stock.version + 1


def test_restock_adds_units_on_hand() -> None:
    stock = Stock("SKU-1", on_hand=0)

    new, events = stock.restock(12)

    assert (new.on_hand, new.available) == (12, 12)
    assert events == (StockRestocked("SKU-1", 12),)


def test_deduct_on_order_takes_units_off_hand_when_the_order_is_placed() -> None:
    stock = Stock("SKU-1", on_hand=5, policy=ORDER)

    placed, held = _held(stock, "O-1", 2)
    paid, _ = placed.deduct("O-1", held=held)

    assert (placed.on_hand, placed.available, placed.reserved) == (3, 3, 0)
    assert (paid.on_hand, paid.available) == (3, 3)


def test_deduct_on_order_gives_units_back_when_an_unpaid_order_is_cancelled() -> None:
    placed, held = _held(Stock("SKU-1", on_hand=5, policy=ORDER), "O-1", 2)

    cancelled, events = placed.release("O-1", held=held)

    assert cancelled.on_hand == 5
    assert events == (StockReleased("SKU-1", "O-1", 2),)


def test_deduct_on_order_holds_never_lapse() -> None:
    placed, held = _held(Stock("SKU-1", on_hand=5, policy=ORDER), "O-1", 2)

    assert not held.has_lapsed(NOON + timedelta(days=365))
    with pytest.raises(InvalidValue, match="must not expire under DEDUCT_ON_ORDER"):
        placed.release("O-1", held=StockHold("SKU-1", "O-1", 2, NOON))


def test_a_naive_now_is_refused() -> None:
    stock = Stock("SKU-1", on_hand=5)

    with pytest.raises(InvalidValue) as raised:
        stock.reserve("O-1", 1, datetime(2026, 11, 11, 12, 0))

    assert str(raised.value) == (
        "now: must be timezone-aware (got datetime.datetime(2026, 11, 11, 12, 0))"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"on_hand": -1}, "stock 'SKU-1'.on_hand: must not be negative (got -1)"),
        (
            {"on_hand": 1, "reserved": 2},
            "stock 'SKU-1'.reserved: must not be more than on_hand 1 (got 2)",
        ),
        (
            {"on_hand": 1, "reserved": 1, "policy": ORDER},
            "stock 'SKU-1'.reserved: must be 0 under DEDUCT_ON_ORDER "
            "(units are deducted when ordered) (got 1)",
        ),
    ],
)
def test_an_impossible_stock_cannot_be_built(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        Stock("SKU-1", **kwargs)  # type: ignore[arg-type]

    assert str(raised.value) == message


@pytest.mark.parametrize("quantity", [0, -3])
def test_a_quantity_must_be_positive(quantity: int) -> None:
    stock = Stock("SKU-1", on_hand=5)

    with pytest.raises(InvalidValue):
        stock.reserve("O-1", quantity, NOON)
    with pytest.raises(InvalidValue):
        stock.restock(quantity)


def test_stock_starts_from_a_skus_on_hand_and_warning_threshold() -> None:
    sku = Sku("SKU-1", {}, Money("10", "CNY"), Money("8", "CNY"), stock=7, warning_threshold=3)

    stock = Stock.from_sku(sku, policy=ORDER)

    assert (stock.on_hand, stock.warning_threshold, stock.policy, stock.version) == (7, 3, ORDER, 0)
    assert not stock.is_low()


def test_a_stocktake_sets_on_hand_and_records_the_difference() -> None:
    stock = Stock("SKU-1", on_hand=10)

    counted, events = stock.count(8)

    assert (counted.on_hand, counted.version) == (8, 1)
    assert events == (StockCounted("SKU-1", 10, 8),)


def test_a_stocktake_below_the_units_held_for_orders_is_refused() -> None:
    stock, _ = _held(Stock("SKU-1", on_hand=10), "O-1", 4)

    with pytest.raises(InvalidValue) as raised:
        stock.count(3)

    assert str(raised.value) == "on_hand: must not be below the 4 units held for orders (got 3)"


def test_a_stocktake_that_finds_what_is_recorded_changes_nothing() -> None:
    stock = Stock("SKU-1", on_hand=10)

    assert stock.count(10) == (stock, ())


def test_reserving_again_after_other_holds_lapsed_bumps_the_version_once() -> None:
    stock, first = _held(Stock("SKU-1", on_hand=5), "O-1", 1, hold=timedelta(minutes=5))
    stock, second = _held(stock, "O-2", 1, hold=timedelta(hours=1))

    again, events = stock.reserve(
        "O-2", 1, NOON + timedelta(minutes=10), held=second, lapsed=[first]
    )

    assert events == (ReservationExpired("SKU-1", "O-1", 1),)
    assert again.version == stock.version + 1
