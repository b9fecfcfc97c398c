"""The storage contract: the suite every UnitOfWork adapter must pass.

Subclass :class:`UnitOfWorkContract` in your test suite and provide one
fixture, ``new_uow``: a callable that returns a new unit of work over one
shared, initially empty store (each call a new transaction on the same
data)::

    class TestMyStorage(UnitOfWorkContract):
        @pytest.fixture
        def new_uow(self, tmp_path):
            database = connect(tmp_path / "shop.sqlite3")
            return lambda: MyUnitOfWork(database)

mallcore runs it on its own adapters first (tests/adapters/).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mallcore._fields import ID_MAX_LENGTH
from mallcore.catalog import Listing, Product, Sku, Stock
from mallcore.errors import NotFound, StaleVersion
from mallcore.loyalty import PointsAccount
from mallcore.money import Money
from mallcore.orders import Order, OrderLine, OrderStatus
from mallcore.ports import UnitOfWork
from mallcore.testing.strategies import ids, orders, points_accounts, stock_levels

__all__ = ["UnitOfWorkContract"]

NewUnitOfWork = Callable[[], UnitOfWork]
_MOMENT = datetime(2026, 11, 11, 8, tzinfo=UTC)
_serial = itertools.count()
"""Keys made unique per example: Hypothesis runs every example on the same store."""
_KEYS = ids(max_size=ID_MAX_LENGTH - 12)
"""Keys by the id rule (any script, no control characters), with room for a unique suffix."""
_SHARED_STORE = [HealthCheck.function_scoped_fixture, HealthCheck.differing_executors]
"""One store serves every example, and each adapter's subclass runs the same inherited test."""


def _unique(key: str) -> str:
    """``key`` made unique in the store, still a valid id."""
    return f"{key}#{next(_serial)}"


def _saved(new_uow: NewUnitOfWork, *values: Order | Stock | PointsAccount) -> None:
    with new_uow() as uow:
        for value in values:
            if isinstance(value, Order):
                uow.orders.save(value)
            elif isinstance(value, Stock):
                uow.stocks.save(value)
            else:
                uow.points.save(value)
        uow.commit()


class UnitOfWorkContract:
    """The behaviour :class:`~mallcore.ports.UnitOfWork` and its repositories promise."""

    @pytest.fixture
    def new_uow(self) -> NewUnitOfWork:
        """Override: a callable returning a new unit of work over one shared, empty store."""
        raise NotImplementedError("subclass UnitOfWorkContract and provide the new_uow fixture")

    @settings(max_examples=25, suppress_health_check=_SHARED_STORE)
    @given(order=orders(), key=_KEYS)
    def test_an_order_reads_back_as_it_was_saved(
        self, new_uow: NewUnitOfWork, order: Order, key: str
    ) -> None:
        order = attrs.evolve(order, id=_unique(key), version=0)
        _saved(new_uow, order)

        with new_uow() as uow:
            assert uow.orders.get(order.id) == order

    def test_a_missing_order_is_not_found(self, new_uow: NewUnitOfWork) -> None:
        with new_uow() as uow, pytest.raises(NotFound):
            uow.orders.get("O-missing")

    @settings(max_examples=10, suppress_health_check=_SHARED_STORE)
    @given(stock=stock_levels(), key=_KEYS)
    def test_a_stock_reads_back_as_it_was_saved(
        self, new_uow: NewUnitOfWork, stock: Stock, key: str
    ) -> None:
        stock = attrs.evolve(stock, sku_id=_unique(key), version=0)
        _saved(new_uow, stock)

        with new_uow() as uow:
            assert uow.stocks.get(stock.sku_id) == stock

    @settings(max_examples=10, suppress_health_check=_SHARED_STORE)
    @given(account=points_accounts(), key=_KEYS)
    def test_a_points_account_reads_back_as_it_was_saved(
        self, new_uow: NewUnitOfWork, account: PointsAccount, key: str
    ) -> None:
        account = attrs.evolve(account, account_id=_unique(key), version=0)
        _saved(new_uow, account)

        with new_uow() as uow:
            stored = uow.points.get(account.account_id)
            assert stored == account
            assert stored.balance() == account.balance()
            with pytest.raises(StaleVersion):
                uow.points.save(account)

    def test_saving_over_a_newer_version_is_refused_and_stores_nothing(
        self, new_uow: NewUnitOfWork
    ) -> None:
        stock = Stock.for_sku("tea", 5)
        _saved(new_uow, stock)
        counted, _ = stock.count(4)
        _saved(new_uow, counted)

        with new_uow() as uow:
            with pytest.raises(StaleVersion):
                uow.stocks.save(stock.count(3)[0])
            assert uow.stocks.get("tea") == counted

    def test_a_value_created_and_changed_in_one_transaction_is_stored_as_last_saved(
        self, new_uow: NewUnitOfWork
    ) -> None:
        stock = Stock.for_sku("tea", 5)
        counted, _ = stock.count(3)
        with new_uow() as uow:
            uow.stocks.save(stock)
            uow.stocks.save(counted)
            uow.commit()

        with new_uow() as uow:
            assert uow.stocks.get("tea") == counted

    def test_a_new_value_must_start_at_version_zero(self, new_uow: NewUnitOfWork) -> None:
        with new_uow() as uow, pytest.raises(StaleVersion):
            uow.stocks.save(Stock("tea", on_hand=5, version=3))

    def test_changes_are_invisible_to_others_until_committed(self, new_uow: NewUnitOfWork) -> None:
        with new_uow() as writer:
            writer.stocks.save(Stock.for_sku("tea", 5))
            with new_uow() as reader, pytest.raises(NotFound):
                reader.stocks.get("tea")
            writer.commit()

        with new_uow() as reader:
            assert reader.stocks.get("tea").on_hand == 5

    def test_leaving_without_a_commit_rolls_back(self, new_uow: NewUnitOfWork) -> None:
        with new_uow() as uow:
            uow.stocks.save(Stock.for_sku("tea", 5))

        with new_uow() as uow, pytest.raises(NotFound):
            uow.stocks.get("tea")

    def test_the_second_of_two_racing_commits_fails_and_keeps_nothing(
        self, new_uow: NewUnitOfWork
    ) -> None:
        _saved(new_uow, Stock.for_sku("tea", 5), Stock.for_sku("cup", 5))
        first, second = new_uow(), new_uow()
        with first, second:
            first.stocks.save(first.stocks.get("tea").count(4)[0])
            second.stocks.save(second.stocks.get("cup").count(1)[0])
            second.stocks.save(second.stocks.get("tea").count(3)[0])
            first.commit()
            with pytest.raises(StaleVersion):
                second.commit()

        with new_uow() as uow:
            assert (uow.stocks.get("tea").on_hand, uow.stocks.get("cup").on_hand) == (4, 5)

    @settings(max_examples=10, suppress_health_check=_SHARED_STORE)
    @given(
        placed=st.lists(orders(statuses=st.sampled_from(OrderStatus)), min_size=1, max_size=6),
        keys=st.lists(_KEYS, min_size=6, max_size=6, unique=True),
        minutes=st.integers(0, 48 * 60),
    )
    def test_awaiting_payment_lists_exactly_the_unpaid_orders_due(
        self, new_uow: NewUnitOfWork, placed: list[Order], keys: list[str], minutes: int
    ) -> None:
        run = _unique("")
        stored = [
            attrs.evolve(order, id=f"{key}{run}", version=0)
            for key, order in zip(keys, placed, strict=False)
        ]
        _saved(new_uow, *stored)
        due_by = min(order.placed_at for order in stored) + timedelta(minutes=minutes)

        with new_uow() as uow:
            listed = [i for i in uow.orders.awaiting_payment(due_by=due_by) if i.endswith(run)]

        expected = sorted(
            (o for o in stored if o.status is OrderStatus.AWAITING_PAYMENT and o.pay_by <= due_by),
            key=lambda o: (o.pay_by, o.id),
        )
        assert listed == [o.id for o in expected]

    def test_an_order_is_found_by_the_waybill_of_any_of_its_packages(
        self, new_uow: NewUnitOfWork
    ) -> None:
        cny = Money("30.00", "CNY")
        order = Order(
            id="O-ship",
            customer_id="alice",
            currency="CNY",
            lines=[OrderLine(line_id="tea", sku_id="tea", quantity=2, unit_payables=[cny, cny])],
            freight=Money.zero("CNY"),
            placed_at=_MOMENT,
            pay_by=_MOMENT + timedelta(minutes=30),
        )
        order, _ = order.pay(payment_id="P-1", amount=order.payable, at=_MOMENT)
        order, _ = order.ship(waybill="SF-1", carrier="SF", at=_MOMENT, items={"tea": 1})
        order, _ = order.ship(waybill="SF-2", carrier="SF", at=_MOMENT)
        _saved(new_uow, attrs.evolve(order, version=0))

        with new_uow() as uow:
            assert uow.orders.get_by_waybill("SF-1").id == "O-ship"
            assert uow.orders.get_by_waybill("SF-2").id == "O-ship"
            assert list(uow.orders.due_for_completion()) == ["O-ship"]
            with pytest.raises(NotFound):
                uow.orders.get_by_waybill("SF-none")

    def test_a_product_is_found_by_any_of_its_skus(self, new_uow: NewUnitOfWork) -> None:
        price = Money("9.90", "CNY")
        product = Product.single(
            "tea", "Tea", "drinks", Sku("tea-1", {}, price, price), listing=Listing()
        )
        with new_uow() as uow:
            uow.products.save(product)
            uow.commit()

        with new_uow() as uow:
            assert uow.products.get_by_sku("tea-1") == product
            assert uow.products.get("tea") == product
            with pytest.raises(NotFound):
                uow.products.get_by_sku("tea-2")
