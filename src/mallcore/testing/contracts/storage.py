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
import random
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any, Final, TypeVar

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mallcore._fields import ID_MAX_LENGTH
from mallcore.catalog import (
    Listing,
    ListingStatus,
    Product,
    Sku,
    Stock,
    StockHold,
    StockMovement,
    StockPolicy,
    StockReserved,
)
from mallcore.coupons import CouponInstance
from mallcore.errors import InvalidValue, LimitReached, NotFound, StaleVersion
from mallcore.loyalty import Member, MemberRegistered, PointsAccount
from mallcore.merchant import Configuration, Settings
from mallcore.money import Money
from mallcore.orders import AfterSalesCase, CaseKind, Order, OrderLine, OrderStatus, Payment
from mallcore.ports import OutboxEvent, ReadAhead, UnitOfWork
from mallcore.ports.storage import MAX_PAGE
from mallcore.testing.strategies import (
    aware_datetimes,
    coupon_instances,
    ids,
    orders,
    points_accounts,
    read_aheads,
    stock_holds,
    stock_levels,
)

__all__ = ["UnitOfWorkContract"]

NewUnitOfWork = Callable[[], UnitOfWork]
T = TypeVar("T")
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


def _saved(
    new_uow: NewUnitOfWork,
    *values: Order | Stock | PointsAccount | Member | Product | CouponInstance,
) -> None:
    with new_uow() as uow:
        for value in values:
            if isinstance(value, Order):
                uow.orders.save(value)
            elif isinstance(value, Stock):
                uow.stocks.save(value)
            elif isinstance(value, Member):
                uow.members.save(value)
            elif isinstance(value, Product):
                uow.products.save(value)
            elif isinstance(value, CouponInstance):
                uow.coupons.save(value)
            else:
                uow.points.save(value)
        uow.commit()


def _run() -> str:
    """A prefix that keeps one example's keys apart from the others' on the shared store."""
    return f"r{next(_serial)}-"


def _product(product_id: str, category_id: str, status: ListingStatus) -> Product:
    price = Money("9.90", "CNY")
    sku = Sku(f"{product_id}-sku", {}, price, price)
    return Product.single(product_id, "Tea", category_id, sku, listing=Listing(status))


def _order(order_id: str, customer_id: str, placed_at: datetime) -> Order:
    tea = Money("30.00", "CNY")
    return Order(
        id=order_id,
        customer_id=customer_id,
        currency="CNY",
        lines=[OrderLine(line_id="tea", sku_id="tea", quantity=1, unit_payables=[tea])],
        freight=Money.zero("CNY"),
        placed_at=placed_at,
        pay_by=placed_at + timedelta(minutes=30),
    )


def _envelope(
    customer_id: str, number: int, *, place: int = 1, at: datetime = _MOMENT
) -> OutboxEvent:
    """Member ``customer_id``'s event ``number`` (a registration at ``at``), as appended.

    Appended, its ``sequence`` is ``place``, its place among its unit of
    work's appends for the member; :func:`_stored` is the same envelope
    once the commit numbered it.
    """
    return OutboxEvent(
        id=f"{customer_id}#{number}",
        aggregate_kind="member",
        aggregate_id=customer_id,
        sequence=place,
        occurred_at=at,
        event=MemberRegistered(customer_id, at),
    )


def _stored(customer_id: str, number: int, *, at: datetime = _MOMENT) -> OutboxEvent:
    """Member ``customer_id``'s event ``number`` as the commit stored it."""
    return attrs.evolve(_envelope(customer_id, number, at=at), sequence=number)


def _reserve_two(first: UnitOfWork, second: UnitOfWork, sku_id: str) -> None:
    """Each unit of work reads ``sku_id`` and keeps a change reserving 2 units (O-1, O-2)."""
    for uow, order_id in ((first, "O-1"), (second, "O-2")):
        before = uow.stocks.get(sku_id)
        after, _ = before.reserve(order_id, 2, _MOMENT)
        uow.stocks.change(before, after)
        assert uow.stocks.get(sku_id) == after


def _appended(new_uow: NewUnitOfWork, *events: OutboxEvent) -> None:
    with new_uow() as uow:
        for event in events:
            uow.outbox.append(event)
        uow.commit()


def _relayed(new_uow: NewUnitOfWork, limit: int, *, at: datetime = _MOMENT) -> list[str]:
    """Claim a batch, mark it published at ``at``, commit: the ids claimed."""
    with new_uow() as uow:
        batch = [event.id for event in uow.outbox.claim(limit)]
        uow.outbox.mark_published(batch, at=at)
        uow.commit()
    return batch


_AHEAD: Final = ("order", "configuration", "product", "member", "coupon", "stock")
"""What a test reads ahead: one of each read :class:`ReadAhead` names."""
_LISTED: Final = ListingStatus.ON_SHELF
_NOTHING_ELSE: Final = ReadAhead()


@attrs.frozen
class _AheadKeys:
    """The keys one example reads (ahead or not), unique to it."""

    run: str
    order: str
    customer: str
    product: str
    sku: str

    @classmethod
    def new(cls) -> _AheadKeys:
        run = _run()
        product = f"{run}tea"
        return cls(run, f"{run}O", f"{run}alice", product, f"{product}-sku")

    def coupon(self) -> dict[str, Any]:
        """What makes a drawn coupon this example's, new: its id, owner and version."""
        return {"id": f"{self.run}C", "customer_id": self.customer, "version": 0}

    def named(self, kinds: set[str], *, beside: ReadAhead = _NOTHING_ELSE) -> ReadAhead:
        """The reads of ``kinds`` as a ReadAhead, after those ``beside`` names."""

        def keys(kind: str, key: str, others: tuple[str, ...]) -> list[str]:
            return [*others, key] if kind in kinds else list(others)

        return ReadAhead(
            orders=keys("order", self.order, beside.orders),
            configuration="configuration" in kinds or beside.configuration,
            products_by_sku=keys("product", self.sku, beside.products_by_sku),
            members=keys("member", self.customer, beside.members),
            coupons_of_customer=keys("coupon", self.customer, beside.coupons_of_customer),
            stocks=keys("stock", self.sku, beside.stocks),
        )


def _configured(uow: UnitOfWork) -> bool:
    try:
        uow.configuration.current()
    except NotFound:
        return False
    return True


def _ahead_reads(uow: UnitOfWork, keys: _AheadKeys) -> list[object]:
    """What each read :class:`ReadAhead` names returns for ``keys`` (NotFound as its key)."""

    def read(get: Callable[[], object]) -> object:
        try:
            return get()
        except NotFound as missing:
            return ("not found", missing.key)

    return [
        read(lambda: uow.orders.get(keys.order)),
        read(uow.configuration.current),
        read(lambda: uow.products.get_by_sku(keys.sku)),
        read(lambda: uow.members.get(keys.customer)),
        list(uow.coupons.of_customer(keys.customer)),
        read(lambda: uow.stocks.get(keys.sku)),
    ]


def _pages(read: Callable[[int, int], Sequence[T]], limit: int) -> list[T]:
    """Everything ``read(limit, offset)`` lists, page after page, until a short page."""
    listed: list[T] = []
    while True:
        page = list(read(limit, len(listed)))
        assert len(page) <= limit
        listed.extend(page)
        if len(page) < limit:
            return listed


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

    def test_a_payment_reads_back_and_saves_by_version(self, new_uow: NewUnitOfWork) -> None:
        run = _run()
        started, _ = Payment.start(
            f"{run}P-1", order_id=f"{run}O-1", amount=Money("30.00", "CNY"), at=_MOMENT
        )
        received, _ = started.receive(amount=started.amount, at=_MOMENT)
        with new_uow() as uow:
            uow.payments.save(started)
            uow.commit()

        with new_uow() as uow:
            assert uow.payments.get(started.id) == started
            uow.payments.save(received)
            with pytest.raises(StaleVersion):
                uow.payments.save(started)
            uow.commit()
        with new_uow() as uow:
            assert uow.payments.get(started.id) == received
            with pytest.raises(NotFound):
                uow.payments.get(f"{run}P-missing")

    def test_after_sales_cases_read_back_by_order_and_the_open_ones_are_listed(
        self, new_uow: NewUnitOfWork
    ) -> None:
        run = _run()
        amount = Money("30.00", "CNY")

        def case(n: int, minutes: int) -> AfterSalesCase:
            return AfterSalesCase.request(
                f"{run}AS-{n}",
                order_id=f"{run}O-1",
                kind=CaseKind.REFUND_ONLY,
                units={"tea": 1},
                reason="dented",
                amount=amount,
                at=_MOMENT + timedelta(minutes=minutes),
                due_at=_MOMENT + timedelta(days=2),
            )[0]

        later, first = case(1, 5), case(2, 0)
        rejected, _ = later.reject(reason="no photo", at=_MOMENT)
        with new_uow() as uow:
            uow.after_sales.save(later)
            uow.after_sales.save(first)
            uow.commit()
        with new_uow() as uow:
            uow.after_sales.save(rejected)
            with pytest.raises(StaleVersion):
                uow.after_sales.save(later)
            uow.commit()

        with new_uow() as uow:
            assert uow.after_sales.get(first.id) == first
            assert [c.id for c in uow.after_sales.of_order(f"{run}O-1")] == [first.id, later.id]
            mine = [i for i in uow.after_sales.open_cases() if i.startswith(run)]
        assert mine == [first.id]

    def test_an_orders_payments_are_listed_oldest_first_with_unsaved_ones(
        self, new_uow: NewUnitOfWork
    ) -> None:
        run = _run()
        amount = Money("30.00", "CNY")
        later, _ = Payment.received(
            f"{run}P-a", order_id=f"{run}O-1", amount=amount, at=_MOMENT + timedelta(minutes=1)
        )
        first, _ = Payment.start(f"{run}P-b", order_id=f"{run}O-1", amount=amount, at=_MOMENT)
        other, _ = Payment.start(f"{run}P-c", order_id=f"{run}O-2", amount=amount, at=_MOMENT)
        with new_uow() as uow:
            uow.payments.save(later)
            uow.payments.save(other)
            uow.commit()

        with new_uow() as uow:
            uow.payments.save(first)
            listed = [p.id for p in uow.payments.of_order(f"{run}O-1")]

        assert listed == [first.id, later.id]
        with new_uow() as uow:
            assert [p.id for p in uow.payments.of_order(f"{run}O-1")] == [later.id]

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

    # stock counts moved at commit ----------------------------------------------

    def test_two_changes_of_one_stock_both_commit_and_their_moves_add_up(
        self, new_uow: NewUnitOfWork
    ) -> None:
        _saved(new_uow, Stock.for_sku("tea", 5))
        first, second = new_uow(), new_uow()
        with first, second:
            _reserve_two(first, second, "tea")
            first.commit()
            second.commit()

        with new_uow() as uow:
            assert uow.stocks.get("tea") == Stock("tea", on_hand=5, reserved=4, version=2)

    def test_a_change_the_stored_counts_no_longer_allow_fails_the_commit_and_keeps_nothing(
        self, new_uow: NewUnitOfWork
    ) -> None:
        _saved(new_uow, Stock.for_sku("tea", 3))
        first, second = new_uow(), new_uow()
        with first, second:
            _reserve_two(first, second, "tea")
            second.members.save(Member.register("alice", at=_MOMENT)[0])
            first.commit()
            with pytest.raises(StaleVersion):
                second.commit()

        with new_uow() as uow:
            assert uow.stocks.get("tea") == Stock("tea", on_hand=3, reserved=2, version=1)
            with pytest.raises(NotFound):
                uow.members.get("alice")

    def test_a_change_fails_when_the_policy_changed_before_its_commit(
        self, new_uow: NewUnitOfWork
    ) -> None:
        _saved(new_uow, Stock.for_sku("tea", 5))
        first, second = new_uow(), new_uow()
        with first, second:
            before = first.stocks.get("tea")
            first.stocks.change(before, before.reserve("O-1", 1, _MOMENT)[0])
            stored = second.stocks.get("tea")
            second.stocks.save(attrs.evolve(stored, policy=StockPolicy.DEDUCT_ON_ORDER, version=1))
            second.commit()
            with pytest.raises(StaleVersion):
                first.commit()

        with new_uow() as uow:
            assert uow.stocks.get("tea") == Stock(
                "tea", on_hand=5, policy=StockPolicy.DEDUCT_ON_ORDER, version=1
            )

    def test_a_change_starts_from_the_stock_as_seen_and_changes_only_its_counts(
        self, new_uow: NewUnitOfWork
    ) -> None:
        _saved(new_uow, Stock.for_sku("tea", 5))
        with new_uow() as uow:
            before = uow.stocks.get("tea")
            after, _ = before.restock(2)
            with pytest.raises(StaleVersion):
                uow.stocks.change(after, after.restock(1)[0])
            with pytest.raises(InvalidValue, match="only the counts"):
                uow.stocks.change(before, attrs.evolve(after, warning_threshold=3))
            with pytest.raises(InvalidValue, match="raise the version above 0"):
                uow.stocks.change(before, before)
            uow.stocks.change(before, after)
            uow.stocks.change(after, after.restock(1)[0])
            uow.commit()

        with new_uow() as uow:
            assert uow.stocks.get("tea") == Stock("tea", on_hand=8, version=2)

    def test_a_change_and_a_save_of_one_stock_are_a_save_from_the_version_first_seen(
        self, new_uow: NewUnitOfWork
    ) -> None:
        _saved(new_uow, Stock.for_sku("tea", 5))
        first, second = new_uow(), new_uow()
        with first, second:
            before = first.stocks.get("tea")
            restocked, _ = before.restock(1)
            first.stocks.change(before, restocked)
            first.stocks.save(restocked.count(9)[0])
            other = second.stocks.get("tea")
            second.stocks.change(other, other.restock(2)[0])
            second.commit()
            with pytest.raises(StaleVersion):
                first.commit()

        with new_uow() as uow:
            assert uow.stocks.get("tea") == Stock("tea", on_hand=7, version=1)

    @settings(max_examples=10, suppress_health_check=_SHARED_STORE)
    @given(
        on_hand=st.integers(0, 6),
        wanted=st.lists(st.integers(1, 4), min_size=1, max_size=3),
        order=st.randoms(use_true_random=False),
    )
    def test_changes_made_side_by_side_commit_exactly_while_the_units_allow(
        self, new_uow: NewUnitOfWork, on_hand: int, wanted: list[int], order: random.Random
    ) -> None:
        sku_id = _unique("tea")
        _saved(new_uow, Stock.for_sku(sku_id, on_hand))
        units = [new_uow() for _ in wanted]  # at most 3: a pool of 3 connections serves them
        committed: list[int] = []
        for uow in units:
            uow.__enter__()
        try:
            turns = []
            for number, (uow, quantity) in enumerate(zip(units, wanted, strict=True)):
                before = uow.stocks.get(sku_id)
                if quantity <= before.available:
                    uow.stocks.change(before, before.reserve(f"O-{number}", quantity, _MOMENT)[0])
                    turns.append((uow, quantity))
            order.shuffle(turns)
            for uow, quantity in turns:
                try:
                    uow.commit()
                except StaleVersion:
                    assert sum(committed) + quantity > on_hand
                else:
                    committed.append(quantity)
        finally:
            for uow in units:
                uow.__exit__(None, None, None)

        with new_uow() as uow:
            stock = uow.stocks.get(sku_id)
        assert (stock.on_hand, stock.reserved, stock.version) == (
            on_hand,
            sum(committed),
            len(committed),
        )

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

    @settings(max_examples=10, suppress_health_check=_SHARED_STORE)
    @given(
        completed=st.lists(
            orders(statuses=st.sampled_from([OrderStatus.COMPLETED, OrderStatus.SHIPPED])),
            min_size=1,
            max_size=6,
        ),
        keys=st.lists(_KEYS, min_size=6, max_size=6, unique=True),
        settled=st.lists(st.booleans(), min_size=6, max_size=6),
        days=st.integers(0, 30),
    )
    def test_due_for_settlement_lists_exactly_the_completed_orders_past_their_window(
        self,
        new_uow: NewUnitOfWork,
        completed: list[Order],
        keys: list[str],
        settled: list[bool],
        days: int,
    ) -> None:
        run = _unique("")
        stored = []
        for key, order, settle in zip(keys, completed, settled, strict=False):
            order = attrs.evolve(order, id=f"{key}{run}", version=0)
            deadline = order.after_sales_until
            if settle and deadline is not None:
                order = attrs.evolve(order.settle(at=deadline + timedelta(seconds=1))[0], version=0)
            stored.append(order)
        _saved(new_uow, *stored)
        due_by = min(order.placed_at for order in stored) + timedelta(days=days)

        with new_uow() as uow:
            listed = [i for i in uow.orders.due_for_settlement(due_by=due_by) if i.endswith(run)]

        expected = sorted(
            (o for o in stored if o.is_due_for_settlement(due_by)),
            key=lambda o: (o.after_sales_until, o.id),
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

    # stock holds ---------------------------------------------------------------

    @settings(max_examples=25, suppress_health_check=_SHARED_STORE)
    @given(hold=stock_holds())
    def test_a_stock_hold_reads_back_as_it_was_added(
        self, new_uow: NewUnitOfWork, hold: StockHold
    ) -> None:
        hold = attrs.evolve(hold, sku_id=_unique(hold.sku_id))
        with new_uow() as uow:
            uow.stock_holds.add(hold)
            uow.commit()

        with new_uow() as uow:
            assert uow.stock_holds.get(hold.sku_id, hold.order_id) == hold
            assert uow.stock_holds.of_sku(hold.sku_id, limit=5) == [hold]

    def test_a_stock_hold_is_held_once_and_removed_at_commit(self, new_uow: NewUnitOfWork) -> None:
        hold = StockHold("tea", "O-1", 2, _MOMENT)
        with new_uow() as uow:
            uow.stock_holds.add(hold)
            assert uow.stock_holds.get("tea", "O-1") == hold
            with pytest.raises(StaleVersion):
                uow.stock_holds.add(hold)
            uow.commit()

        with new_uow() as uow:
            with pytest.raises(NotFound):
                uow.stock_holds.get("tea", "O-2")
            uow.stock_holds.remove("tea", "O-1")
            uow.stock_holds.remove("tea", "O-9")
            with pytest.raises(NotFound):
                uow.stock_holds.get("tea", "O-1")
            with new_uow() as other:
                assert other.stock_holds.get("tea", "O-1") == hold
            uow.commit()

        with new_uow() as uow, pytest.raises(NotFound):
            uow.stock_holds.get("tea", "O-1")

    def test_a_hold_read_and_removed_after_another_writer_removed_it_fails_the_commit(
        self, new_uow: NewUnitOfWork
    ) -> None:
        with new_uow() as uow:
            uow.stock_holds.add(StockHold("tea", "O-1", 2, _MOMENT))
            uow.stock_holds.add(StockHold("tea", "O-2", 1, _MOMENT))
            uow.commit()
        first, second = new_uow(), new_uow()
        with first, second:
            assert first.stock_holds.get("tea", "O-1").quantity == 2
            assert [h.order_id for h in second.stock_holds.lapsed("tea", at=_MOMENT, limit=5)] == [
                "O-1",
                "O-2",
            ]
            for uow in (first, second):
                uow.stock_holds.remove("tea", "O-1")
            second.stock_holds.remove("tea", "O-2")
            first.commit()
            with pytest.raises(StaleVersion):
                second.commit()

        with new_uow() as uow:
            assert [h.order_id for h in uow.stock_holds.of_sku("tea", limit=5)] == ["O-2"]

    def test_a_hold_added_again_without_being_read_fails_the_commit_and_keeps_nothing(
        self, new_uow: NewUnitOfWork
    ) -> None:
        hold = StockHold("tea", "O-1", 2, _MOMENT)
        with new_uow() as uow:
            uow.stock_holds.add(hold)
            uow.commit()

        def hold_again() -> None:
            with new_uow() as uow:
                uow.stock_holds.add(StockHold("tea", "O-1", 5, _MOMENT))
                uow.members.save(Member.register("alice", at=_MOMENT)[0])
                uow.commit()

        with pytest.raises(StaleVersion):
            hold_again()

        with new_uow() as uow:
            assert uow.stock_holds.get("tea", "O-1") == hold
            with pytest.raises(NotFound):
                uow.members.get("alice")

    def test_a_hold_removed_and_held_again_in_one_transaction_keeps_the_new_one(
        self, new_uow: NewUnitOfWork
    ) -> None:
        with new_uow() as uow:
            uow.stock_holds.add(StockHold("tea", "O-1", 2, _MOMENT))
            uow.commit()
        again = StockHold("tea", "O-1", 3, _MOMENT + timedelta(hours=1))

        with new_uow() as uow:
            uow.stock_holds.remove("tea", "O-1")
            uow.stock_holds.add(again)
            uow.commit()

        with new_uow() as uow:
            assert uow.stock_holds.get("tea", "O-1") == again

    def test_lapsed_holds_of_a_sku_are_listed_earliest_first(self, new_uow: NewUnitOfWork) -> None:
        def hold(sku_id: str, order_id: str, minutes: int | None) -> StockHold:
            expiry = None if minutes is None else _MOMENT + timedelta(minutes=minutes)
            return StockHold(sku_id, order_id, 1, expiry)

        with new_uow() as uow:
            for each in (
                hold("tea", "O-3", 5),
                hold("tea", "O-1", 10),
                hold("tea", "O-2", 10),
                hold("tea", "O-4", 60),
                hold("tea", "O-5", None),
                hold("cup", "O-6", 1),
            ):
                uow.stock_holds.add(each)
            uow.commit()

        with new_uow() as uow:
            at = _MOMENT + timedelta(minutes=10)
            assert uow.stock_holds.lapsed("tea", at=at, limit=10) == [
                hold("tea", "O-3", 5),
                hold("tea", "O-1", 10),
                hold("tea", "O-2", 10),
            ]
            assert uow.stock_holds.lapsed("tea", at=at, limit=1) == [hold("tea", "O-3", 5)]
            uow.stock_holds.remove("tea", "O-3")
            uow.stock_holds.add(hold("tea", "O-0", 7))
            assert [h.order_id for h in uow.stock_holds.lapsed("tea", at=at, limit=2)] == [
                "O-0",
                "O-1",
            ]
            assert [h.order_id for h in uow.stock_holds.of_sku("tea", limit=3, offset=1)] == [
                "O-1",
                "O-2",
                "O-4",
            ]

    # stock movements -----------------------------------------------------------

    def test_a_stock_movement_reads_back_by_sku_and_order(self, new_uow: NewUnitOfWork) -> None:
        movement = StockMovement("tea", "O-1", 2, _MOMENT)
        with new_uow() as uow:
            uow.stock_movements.add(movement)
            assert uow.stock_movements.get("tea", "O-1") == movement
            uow.commit()

        with new_uow() as uow:
            assert uow.stock_movements.get("tea", "O-1") == movement
            with pytest.raises(NotFound):
                uow.stock_movements.get("tea", "O-2")
            with pytest.raises(NotFound):
                uow.stock_movements.get("cup", "O-1")

    def test_a_stock_movement_is_recorded_once_per_sku_and_order(
        self, new_uow: NewUnitOfWork
    ) -> None:
        with new_uow() as uow:
            uow.stock_movements.add(StockMovement("tea", "O-1", 2, _MOMENT))
            with pytest.raises(StaleVersion):
                uow.stock_movements.add(StockMovement("tea", "O-1", 2, _MOMENT))
            uow.commit()

        with new_uow() as uow, pytest.raises(StaleVersion):
            uow.stock_movements.add(StockMovement("tea", "O-1", 3, _MOMENT))

    def test_the_second_of_two_racing_movements_fails_and_keeps_nothing(
        self, new_uow: NewUnitOfWork
    ) -> None:
        _saved(new_uow, Stock.for_sku("tea", 5))
        first, second = new_uow(), new_uow()
        with first, second:
            first.stock_movements.add(StockMovement("tea", "O-1", 2, _MOMENT))
            second.stock_movements.add(StockMovement("tea", "O-1", 2, _MOMENT))
            second.stocks.save(second.stocks.get("tea").count(3)[0])
            first.commit()
            with pytest.raises(StaleVersion):
                second.commit()

        with new_uow() as uow:
            assert uow.stocks.get("tea").on_hand == 5

    # counters -------------------------------------------------------------------

    def test_a_counter_never_counted_is_zero(self, new_uow: NewUnitOfWork) -> None:
        with new_uow() as uow:
            assert uow.counters.value("coupon:C-1:uses") == 0

    @settings(max_examples=15, suppress_health_check=_SHARED_STORE)
    @given(key=ids(max_size=20), amounts=st.lists(st.integers(1, 4), max_size=8))
    def test_a_counter_never_passes_its_limit(
        self, new_uow: NewUnitOfWork, key: str, amounts: list[int]
    ) -> None:
        key, limit, count = _run() + key, 10, 0
        for amount in amounts:
            with new_uow() as uow:
                uow.counters.add(key, amount, limit=limit)
                assert uow.counters.value(key) == count + amount
                if count + amount > limit:
                    with pytest.raises(LimitReached) as refused:
                        uow.commit()
                    assert (refused.value.key, refused.value.amount) == (key, amount)
                    assert refused.value.limit == limit
                else:
                    uow.commit()
                    count += amount
            with new_uow() as uow:
                assert uow.counters.value(key) == count

    def test_a_counter_never_goes_below_zero(self, new_uow: NewUnitOfWork) -> None:
        with new_uow() as uow:
            uow.counters.add("budget", 3)
            uow.commit()

        with new_uow() as uow:
            uow.counters.add("budget", -4)
            with pytest.raises(LimitReached):
                uow.commit()

        with new_uow() as uow:
            assert uow.counters.value("budget") == 3

    def test_a_limit_reached_keeps_nothing_of_the_unit_of_work(
        self, new_uow: NewUnitOfWork
    ) -> None:
        with new_uow() as uow:
            uow.counters.add("uses", 1, limit=1)
            uow.commit()

        with new_uow() as uow:
            uow.stocks.save(Stock.for_sku("tea", 5))
            uow.counters.add("claims", 1, limit=5)
            uow.counters.add("uses", 1, limit=1)
            with pytest.raises(LimitReached):
                uow.commit()

        with new_uow() as uow:
            assert (uow.counters.value("uses"), uow.counters.value("claims")) == (1, 0)
            with pytest.raises(NotFound):
                uow.stocks.get("tea")

    def test_the_limit_counts_what_others_committed_meanwhile(self, new_uow: NewUnitOfWork) -> None:
        first, second = new_uow(), new_uow()
        with first, second:
            first.counters.add("flash:tea", 1, limit=1)
            second.counters.add("flash:tea", 1, limit=1)
            first.commit()
            with pytest.raises(LimitReached):
                second.commit()

        with new_uow() as uow:
            assert uow.counters.value("flash:tea") == 1

    def test_additions_to_one_key_apply_in_order(self, new_uow: NewUnitOfWork) -> None:
        with new_uow() as uow:
            uow.counters.add("uses", 2, limit=2)
            uow.counters.add("uses", -1)
            uow.counters.add("uses", 1, limit=2)
            uow.commit()
        with new_uow() as uow:
            uow.counters.add("uses", 1, limit=2)
            uow.counters.add("uses", -2)
            with pytest.raises(LimitReached):
                uow.commit()

        with new_uow() as uow:
            assert uow.counters.value("uses") == 2

    # configuration ----------------------------------------------------------------

    def test_no_configuration_is_not_found(self, new_uow: NewUnitOfWork) -> None:
        with new_uow() as uow:
            with pytest.raises(NotFound):
                uow.configuration.current()
            with pytest.raises(NotFound):
                uow.configuration.get(0)

    def test_configuration_versions_are_appended_and_never_changed(
        self, new_uow: NewUnitOfWork
    ) -> None:
        first = Configuration()
        second = first.edited(settings=Settings(payment_window=timedelta(minutes=15)))
        with new_uow() as uow:
            uow.configuration.save(first)
            uow.commit()
        with new_uow() as uow:
            uow.configuration.save(second)
            assert uow.configuration.current() == second
            uow.commit()

        with new_uow() as uow:
            assert uow.configuration.current() == second
            assert uow.configuration.get(0) == first
            for stale in (first, second, second.edited().edited()):
                with pytest.raises(StaleVersion):
                    uow.configuration.save(stale)
            assert uow.configuration.get(1) == second

    def test_the_second_of_two_racing_configuration_edits_fails(
        self, new_uow: NewUnitOfWork
    ) -> None:
        with new_uow() as uow:
            uow.configuration.save(Configuration())
            uow.commit()
        first, second = new_uow(), new_uow()
        with first, second:
            first.configuration.save(first.configuration.current().edited())
            second.configuration.save(second.configuration.current().edited())
            first.commit()
            with pytest.raises(StaleVersion):
                second.commit()

    # members ------------------------------------------------------------------------

    def test_a_member_reads_back_and_saves_by_version(self, new_uow: NewUnitOfWork) -> None:
        member, _ = Member.register("alice", at=_MOMENT, birthday=date(1990, 11, 11))
        _saved(new_uow, member)

        with new_uow() as uow:
            assert uow.members.get("alice") == member
            with pytest.raises(StaleVersion):
                uow.members.save(member)
            with pytest.raises(NotFound):
                uow.members.get("bob")

    @settings(max_examples=15, suppress_health_check=_SHARED_STORE)
    @given(
        registered=st.lists(
            st.tuples(
                ids(max_size=20),
                st.integers(0, 96),
                st.none() | st.dates(date(1950, 1, 1), date(2010, 12, 31)),
                st.sampled_from([UTC, timezone(timedelta(hours=8))]),
            ),
            max_size=8,
            unique_by=lambda member: member[0],
        ),
        start=st.integers(0, 96),
        span=st.integers(0, 48),
    )
    def test_members_are_found_by_birthday_and_registration_time(
        self,
        new_uow: NewUnitOfWork,
        registered: list[tuple[str, int, date | None, timezone]],
        start: int,
        span: int,
    ) -> None:
        run = _run()
        members = [
            Member.register(
                run + name,
                at=(_MOMENT + timedelta(hours=hours)).astimezone(zone),
                birthday=birthday
                if birthday is None or hours % 2
                else birthday.replace(month=11, day=11),
            )[0]
            for name, hours, birthday, zone in registered
        ]
        _saved(new_uow, *members)
        since, until = _MOMENT + timedelta(hours=start), _MOMENT + timedelta(hours=start + span)

        with new_uow() as uow:
            mine = [c for c in uow.members.registered_between(since, until) if c.startswith(run)]
            born = [c for c in uow.members.born_on(11, 11) if c.startswith(run)]

        assert mine == [
            m.customer_id
            for m in sorted(members, key=lambda m: (m.registered_at, m.customer_id))
            if since <= m.registered_at < until
        ]
        assert born == sorted(
            m.customer_id
            for m in members
            if m.birthday is not None and (m.birthday.month, m.birthday.day) == (11, 11)
        )

    # listing queries ------------------------------------------------------------------

    def test_products_of_a_category_page_by_id_and_status(self, new_uow: NewUnitOfWork) -> None:
        on, off = ListingStatus.ON_SHELF, ListingStatus.OFF_SHELF
        products = [_product(f"tea-{n:02d}", "tea", on if n % 3 else off) for n in range(12)]
        _saved(new_uow, *reversed(products), _product("cup-01", "cups", on))

        with new_uow() as uow:
            every = _pages(
                lambda limit, offset: uow.products.in_category("tea", limit=limit, offset=offset), 5
            )
            shelved = _pages(
                lambda limit, offset: uow.products.in_category(
                    "tea", status=on, limit=limit, offset=offset
                ),
                3,
            )
            beyond = uow.products.in_category("tea", limit=MAX_PAGE, offset=12)

        assert every == products
        assert shelved == [p for p in products if p.listing.status is on]
        assert beyond == []

    @pytest.mark.parametrize(("limit", "offset"), [(0, 0), (MAX_PAGE + 1, 0), (10, -1)])
    def test_a_page_out_of_bounds_is_refused(
        self, new_uow: NewUnitOfWork, limit: int, offset: int
    ) -> None:
        with new_uow() as uow:
            with pytest.raises(InvalidValue):
                uow.products.in_category("tea", limit=limit, offset=offset)
            with pytest.raises(InvalidValue):
                uow.orders.of_customer("alice", limit=limit, offset=offset)
            with pytest.raises(InvalidValue):
                uow.orders.with_status(OrderStatus.PAID, limit=limit, offset=offset)

    @settings(max_examples=10, suppress_health_check=_SHARED_STORE)
    @given(
        placed=st.lists(
            st.tuples(ids(max_size=20), aware_datetimes()),
            min_size=1,
            max_size=8,
            unique_by=lambda order: order[0],
        ),
        limit=st.integers(1, 4),
    )
    def test_a_customers_orders_page_newest_first(
        self, new_uow: NewUnitOfWork, placed: list[tuple[str, datetime]], limit: int
    ) -> None:
        run = _run()
        customer = f"{run}alice"
        stored = [_order(run + order_id, customer, at) for order_id, at in placed]
        _saved(new_uow, *stored, _order(f"{run}other", f"{run}bob", _MOMENT))

        with new_uow() as uow:
            listed = _pages(
                lambda limit, offset: uow.orders.of_customer(customer, limit=limit, offset=offset),
                limit,
            )

        newest_first = sorted(stored, key=lambda o: (o.placed_at, o.id), reverse=True)
        assert [o.id for o in listed] == [o.id for o in newest_first]

    def test_orders_in_a_status_page_oldest_first(self, new_uow: NewUnitOfWork) -> None:
        placed = [_order(f"O-{n}", "alice", _MOMENT + timedelta(minutes=n % 4)) for n in range(9)]
        paid = [o.pay(payment_id=f"P-{o.id}", amount=o.payable, at=_MOMENT)[0] for o in placed]
        paid = [attrs.evolve(o, version=0) for o in paid[:5]]
        _saved(new_uow, *paid, *placed[5:])

        with new_uow() as uow:
            listed = _pages(
                lambda limit, offset: uow.orders.with_status(
                    OrderStatus.PAID, limit=limit, offset=offset
                ),
                2,
            )
            unpaid = uow.orders.with_status(OrderStatus.AWAITING_PAYMENT, limit=MAX_PAGE)

        assert [o.id for o in listed] == [
            o.id for o in sorted(paid, key=lambda o: (o.placed_at, o.id))
        ]
        assert [o.id for o in unpaid] == ["O-8", "O-5", "O-6", "O-7"]

    # the write lock ---------------------------------------------------------------------

    def test_a_locked_unit_of_work_reads_decides_and_commits(self, new_uow: NewUnitOfWork) -> None:
        _saved(new_uow, Stock.for_sku("tea", 5))

        with new_uow() as uow:
            uow.lock()
            uow.lock()
            stock, (reserved,) = uow.stocks.get("tea").reserve("O-1", 2, _MOMENT)
            assert isinstance(reserved, StockReserved)
            uow.stocks.save(stock)
            uow.stock_holds.add(StockHold.of(reserved))
            uow.counters.add("sold:tea", 2, limit=5)
            uow.commit()

        with new_uow() as uow:
            assert uow.stocks.get("tea").available == 3
            assert uow.stock_holds.get("tea", "O-1").quantity == 2
            assert uow.counters.value("sold:tea") == 2

    def test_a_locked_unit_of_work_left_without_commit_keeps_nothing(
        self, new_uow: NewUnitOfWork
    ) -> None:
        _saved(new_uow, Stock.for_sku("tea", 5))

        with new_uow() as uow:
            uow.lock()
            uow.stocks.save(uow.stocks.get("tea").count(1)[0])

        with new_uow() as uow:
            uow.lock()
            assert uow.stocks.get("tea").on_hand == 5
            uow.rollback()
            uow.stocks.save(uow.stocks.get("tea").count(4)[0])
            uow.commit()

        with new_uow() as uow:
            assert uow.stocks.get("tea").on_hand == 4

    def test_a_locked_unit_of_work_queries_its_own_pending_saves(
        self, new_uow: NewUnitOfWork
    ) -> None:
        order = _order("O-locked", "alice", _MOMENT)
        with new_uow() as uow:
            uow.lock()
            uow.orders.save(order)
            assert list(uow.orders.awaiting_payment(due_by=order.pay_by)) == ["O-locked"]
            assert [o.id for o in uow.orders.of_customer("alice", limit=5)] == ["O-locked"]
            uow.commit()

        with new_uow() as uow:
            assert uow.orders.get("O-locked") == order

    # reading ahead ----------------------------------------------------------------

    @settings(max_examples=20, suppress_health_check=_SHARED_STORE)
    @given(
        stored=st.sets(st.sampled_from(_AHEAD)),
        named=st.sets(st.sampled_from(_AHEAD)),
        locked=st.booleans(),
        coupon=coupon_instances(),
        others=read_aheads(),
    )
    def test_reads_named_ahead_return_what_they_return_without_it_and_again_after(
        self,
        new_uow: NewUnitOfWork,
        stored: set[str],
        named: set[str],
        locked: bool,
        coupon: CouponInstance,
        others: ReadAhead,
    ) -> None:
        keys = _AheadKeys.new()
        values: dict[str, Order | Stock | Member | Product | CouponInstance] = {
            "order": _order(keys.order, keys.customer, _MOMENT),
            "product": _product(keys.product, "drinks", _LISTED),
            "stock": Stock.for_sku(keys.sku, 5),
            "member": Member.register(keys.customer, at=_MOMENT)[0],
            "coupon": attrs.evolve(coupon, **keys.coupon()),
        }
        _saved(new_uow, *(value for kind, value in values.items() if kind in stored))
        with new_uow() as uow:
            without = _ahead_reads(uow, keys)

        with new_uow() as uow:
            if locked:
                uow.lock()
            uow.read_ahead(keys.named(named, beside=others))
            assert _ahead_reads(uow, keys) == without
            assert _ahead_reads(uow, keys) == without

    def test_reads_named_ahead_see_the_unit_of_works_own_saves(
        self, new_uow: NewUnitOfWork
    ) -> None:
        keys = _AheadKeys.new()
        product = _product(keys.product, "drinks", _LISTED)
        _saved(new_uow, product)
        with new_uow() as uow:
            configuration = uow.configuration.current() if _configured(uow) else None
        edited = Configuration() if configuration is None else configuration.edited()
        member, _ = Member.register(keys.customer, at=_MOMENT)
        order = _order(keys.order, keys.customer, _MOMENT)
        renamed = attrs.evolve(product, name="Green tea")
        coupon = CouponInstance(
            id=f"{keys.run}C",
            template_id="T",
            customer_id=keys.customer,
            claimed_at=_MOMENT,
            valid_from=_MOMENT,
            valid_until=_MOMENT + timedelta(days=7),
        )

        with new_uow() as uow:
            uow.lock()
            uow.read_ahead(keys.named(set(_AHEAD)))
            uow.orders.save(order)
            uow.members.save(member)
            uow.stocks.save(Stock.for_sku(keys.sku, 3))
            uow.products.save(renamed)
            uow.configuration.save(edited)
            uow.coupons.save(coupon)
            assert _ahead_reads(uow, keys) == [
                order,
                edited,
                renamed,
                member,
                [coupon],
                Stock.for_sku(keys.sku, 3),
            ]

    # the outbox ------------------------------------------------------------------

    def test_appended_events_read_back_with_their_aggregate_numbered_by_the_commit(
        self, new_uow: NewUnitOfWork
    ) -> None:
        later = _MOMENT + timedelta(hours=1)

        _appended(
            new_uow,
            _envelope("alice", 1),
            _envelope("bob", 1),
            _envelope("alice", 2, place=2, at=later),
        )
        _appended(new_uow, _envelope("alice", 3))

        with new_uow() as uow:
            assert list(uow.outbox.of_aggregate("member", "alice")) == [
                _stored("alice", 1),
                _stored("alice", 2, at=later),
                _stored("alice", 3),
            ]
            assert list(uow.outbox.of_aggregate("member", "bob")) == [_stored("bob", 1)]

    def test_over_a_thousand_envelopes_of_one_commit_are_numbered_in_order(
        self, new_uow: NewUnitOfWork
    ) -> None:
        with new_uow() as uow:
            for number in range(1, 1201):
                uow.outbox.append(_envelope("alice", number, place=number))
                if number == 1000:
                    uow.outbox.append(_envelope("bob", 1))
            uow.commit()
        _appended(new_uow, _envelope("alice", 1201))

        with new_uow() as uow:
            alice = list(uow.outbox.of_aggregate("member", "alice"))
            assert [e.sequence for e in alice] == list(range(1, 1202))
            assert [e.id for e in alice] == [f"alice#{number}" for number in range(1, 1202)]
            assert list(uow.outbox.of_aggregate("member", "bob")) == [_stored("bob", 1)]

    @pytest.mark.parametrize("places", [[2], [1, 1], [1, 3]])
    def test_an_envelope_appended_out_of_its_place_is_refused(
        self, new_uow: NewUnitOfWork, places: list[int]
    ) -> None:
        *first, last = places
        with new_uow() as uow:
            for number, place in enumerate(first, start=1):
                uow.outbox.append(_envelope("alice", number, place=place))
            with pytest.raises(InvalidValue, match="place"):
                uow.outbox.append(_envelope("alice", len(places), place=last))

    def test_events_appended_without_a_commit_are_not_kept(self, new_uow: NewUnitOfWork) -> None:
        with new_uow() as uow:
            uow.outbox.append(_envelope("alice", 1))
            assert list(uow.outbox.of_aggregate("member", "alice")) == []

        with new_uow() as uow:
            assert list(uow.outbox.of_aggregate("member", "alice")) == []
            assert list(uow.outbox.claim(10)) == []

    def test_two_writers_appending_to_one_aggregate_are_numbered_in_commit_order(
        self, new_uow: NewUnitOfWork
    ) -> None:
        first, second = new_uow(), new_uow()
        with first, second:
            second.outbox.append(_envelope("alice", 2))
            first.outbox.append(_envelope("alice", 1))
            first.commit()
            second.commit()

        with new_uow() as uow:
            assert list(uow.outbox.of_aggregate("member", "alice")) == [
                _stored("alice", 1),
                _stored("alice", 2),
            ]

    def test_an_envelope_id_stored_already_fails_the_commit_and_keeps_nothing(
        self, new_uow: NewUnitOfWork
    ) -> None:
        _appended(new_uow, _envelope("alice", 1))

        def append_again() -> None:
            with new_uow() as uow:
                uow.outbox.append(_envelope("alice", 1))
                uow.members.save(Member.register("alice", at=_MOMENT)[0])
                uow.commit()

        with pytest.raises(StaleVersion):
            append_again()
        with new_uow() as uow:
            assert list(uow.outbox.of_aggregate("member", "alice")) == [_stored("alice", 1)]
            with pytest.raises(NotFound):
                uow.members.get("alice")

    def test_a_claim_hands_out_the_oldest_unpublished_events_in_the_order_appended(
        self, new_uow: NewUnitOfWork
    ) -> None:
        _appended(new_uow, _envelope("bob", 1), _envelope("alice", 1))
        _appended(new_uow, _envelope("alice", 2), _envelope("bob", 2))  # each first of its member

        batches = [_relayed(new_uow, 3), _relayed(new_uow, 3), _relayed(new_uow, 3)]

        assert batches == [["bob#1", "alice#1", "alice#2"], ["bob#2"], []]

    def test_a_claim_not_committed_leaves_its_events_unpublished(
        self, new_uow: NewUnitOfWork
    ) -> None:
        _appended(new_uow, _envelope("alice", 1))

        with new_uow() as uow:
            claimed = uow.outbox.claim(5)
            uow.outbox.mark_published([event.id for event in claimed], at=_MOMENT)

        assert _relayed(new_uow, 5) == ["alice#1"]

    def test_published_events_are_purged_after_their_retention_and_numbering_goes_on(
        self, new_uow: NewUnitOfWork
    ) -> None:
        _appended(new_uow, _envelope("alice", 1), _envelope("alice", 2, place=2))
        _relayed(new_uow, 1, at=_MOMENT)
        _appended(new_uow, _envelope("alice", 3))

        with new_uow() as uow:
            assert uow.outbox.purge(before=_MOMENT) == 0
            assert uow.outbox.purge(before=_MOMENT + timedelta(seconds=1)) == 1
            uow.commit()

        with new_uow() as uow:
            assert [e.sequence for e in uow.outbox.of_aggregate("member", "alice")] == [2, 3]
            assert [e.id for e in uow.outbox.claim(5)] == ["alice#2", "alice#3"]

    def test_an_envelope_whose_payload_is_no_domain_event_is_refused(
        self, new_uow: NewUnitOfWork
    ) -> None:
        with new_uow() as uow, pytest.raises(InvalidValue, match="is not a domain event"):
            uow.outbox.append(attrs.evolve(_envelope("alice", 1), event={"hello": "world"}))

    @pytest.mark.parametrize("limit", [0, MAX_PAGE + 1])
    def test_a_claim_out_of_bounds_is_refused(self, new_uow: NewUnitOfWork, limit: int) -> None:
        with new_uow() as uow, pytest.raises(InvalidValue):
            uow.outbox.claim(limit)
