"""What each process of the concurrency tests runs: a Mall of its own over one database.

Module-level functions, so that ``multiprocessing`` (spawn) can import them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from mallcore import Checkout, Mall
from mallcore.adapters import (
    InMemoryEventLog,
    SimulatedCourier,
    SimulatedGateway,
    SqliteUnitOfWork,
)
from mallcore.errors import MallcoreError
from mallcore.orders import Consignee
from mallcore.ports import EventPublisher, OutboxEvent, UnitOfWork
from mallcore.testing.fakes import FakeClock

__all__ = [
    "HOME",
    "OPENING",
    "LinePublisher",
    "buy",
    "cancel_overdue",
    "claim",
    "notify",
    "place",
    "place_with_coupon",
    "relay",
    "shop_on",
    "unit_of_work",
]

OPENING = datetime(2026, 11, 11, 0, 5, tzinfo=UTC)
HOME = Consignee(name="张三", phone="13800000000", region="330106", address="文三路 90 号")


class LinePublisher:
    """A publisher that appends one line per envelope to a file shared by processes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def publish(self, events: Sequence[OutboxEvent]) -> None:
        """Append ``id aggregate_kind/aggregate_id sequence`` for each envelope."""
        lines = "".join(
            f"{e.id} {e.aggregate_kind}/{e.aggregate_id} {e.sequence}\n" for e in events
        )
        with self.path.open("a", encoding="utf-8") as out:
            out.write(lines)


_STORAGES: dict[str, tuple[Callable[[], UnitOfWork], Callable[[], None]]] = {}
"""The storage this process uses, by where: its unit-of-work factory and how to close it.

One at a time: a PostgreSQL pool is opened once per test, and closed when the process
moves on to the next test's storage, so that the long-lived processes of a pool do not
keep a connection to every schema they met (the server allows 100 in all).
"""


def _storage(where: str) -> Callable[[], UnitOfWork]:
    if where not in _STORAGES:
        for _, close in _STORAGES.values():
            close()
        _STORAGES.clear()
        _STORAGES[where] = _open(where)
    return _STORAGES[where][0]


def _open(where: str) -> tuple[Callable[[], UnitOfWork], Callable[[], None]]:
    kind, _, place = where.partition(":")
    if kind == "sqlite":
        return (lambda: SqliteUnitOfWork(Path(place), timeout=30)), lambda: None
    from mallcore.adapters.postgres import PostgresDatabase, PostgresUnitOfWork

    database = PostgresDatabase(place, min_size=1, max_size=1, statement_timeout=30)
    return (lambda: PostgresUnitOfWork(database)), database.close


def unit_of_work(where: str) -> UnitOfWork:
    """A new unit of work on ``where``, for a test to look at what the processes left."""
    return _storage(where)()


def shop_on(
    where: str,
    *,
    gateway: SimulatedGateway | None = None,
    events: EventPublisher | None = None,
    at: datetime = OPENING,
) -> Mall:
    """A Mall over ``where`` ("sqlite:<path>" or "postgres:<dsn>"), its clock standing at ``at``."""
    return Mall(
        storage=_storage(where),
        clock=FakeClock(at),
        events=events or InMemoryEventLog(),
        gateway=gateway or SimulatedGateway(secret=b"test-secret"),
        courier=SimulatedCourier(carrier="SF"),
    )


def _outcome(error: MallcoreError) -> str:
    reason = getattr(error, "reason", None)
    return f"{type(error).__name__}:{reason}" if isinstance(reason, str) else type(error).__name__


def place_with_coupon(path: str, order_id: str, customer_id: str, coupon_id: str) -> str:
    """Place one order of two tins with ``coupon_id`` picked; "placed" or the error's name."""
    mall = shop_on(path)
    checkout = Checkout(
        customer_id=customer_id, items={"tea": 2}, coupons=[coupon_id], consignee=HOME
    )
    try:
        mall.place_order(order_id, checkout)
    except MallcoreError as error:
        return _outcome(error)
    return "placed"


def place(where: str, order_id: str, customer_id: str, items: dict[str, int]) -> str:
    """Place one order of ``items``, no coupon picked; "placed <payable>" or the error's name."""
    checkout = Checkout(customer_id=customer_id, items=items, consignee=HOME)
    try:
        order = shop_on(where).place_order(order_id, checkout)
    except MallcoreError as error:
        return _outcome(error)
    return f"placed {order.payable}"


def claim(path: str, customer_id: str, template_id: str) -> str:
    """Claim one coupon of ``template_id``; "claimed" or the error's name and reason."""
    try:
        shop_on(path).claim_coupon(customer_id, template_id)
    except MallcoreError as error:
        return _outcome(error)
    return "claimed"


def buy(path: str, worker: int, times: int) -> list[str]:
    """Buy one cup ``times`` times, each its own order; the outcome of each."""
    mall = shop_on(path)
    outcomes = []
    for attempt in range(times):
        checkout = Checkout(customer_id=f"buyer-{worker}", items={"cup": 1}, consignee=HOME)
        try:
            mall.place_order(f"W{worker}-{attempt}", checkout)
        except MallcoreError as error:
            outcomes.append(_outcome(error))
            continue
        outcomes.append("placed")
    return outcomes


def notify(where: str, body: bytes, headers: dict[str, str]) -> str:
    """Deliver one payment notification; its outcome ("paid", "already_applied" ...)."""
    try:
        return shop_on(where).handle_payment_notification(body, headers).outcome.value
    except MallcoreError as error:
        return _outcome(error)


def relay(where: str, lines: str) -> int:
    """Relay the outbox in batches of 5 to the file ``lines`` until it is empty; how many."""
    mall = shop_on(where, events=LinePublisher(Path(lines)))
    relayed = 0
    while published := mall.relay_events(limit=5).published:
        relayed += published
    return relayed


def cancel_overdue(where: str, at: str) -> list[str]:
    """Run the unpaid-order job once with the clock at ``at`` (ISO 8601); the ids it cancelled."""
    return list(shop_on(where, at=datetime.fromisoformat(at)).cancel_overdue_orders().done)


def settle_due(where: str, at: str) -> list[str]:
    """Run the settlement job once with the clock at ``at`` (ISO 8601); the ids it settled."""
    return list(shop_on(where, at=datetime.fromisoformat(at)).settle_due_orders().done)
