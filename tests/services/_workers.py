"""What each process of the concurrency tests runs: a Mall of its own over one SQLite file.

Module-level functions, so that ``multiprocessing`` (spawn) can import them.
"""

from __future__ import annotations

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
from mallcore.testing.fakes import FakeClock

__all__ = ["HOME", "OPENING", "buy", "cancel_overdue", "claim", "place_with_coupon", "shop_on"]

OPENING = datetime(2026, 11, 11, 0, 5, tzinfo=UTC)
HOME = Consignee(name="张三", phone="13800000000", region="330106", address="文三路 90 号")


def shop_on(path: Path, *, at: datetime = OPENING) -> Mall:
    """A Mall over the SQLite file ``path``, its clock standing at ``at`` (the opening)."""
    return Mall(
        storage=lambda: SqliteUnitOfWork(path, timeout=30),
        clock=FakeClock(at),
        events=InMemoryEventLog(),
        gateway=SimulatedGateway(secret=b"test-secret"),
        courier=SimulatedCourier(carrier="SF"),
    )


def _outcome(error: MallcoreError) -> str:
    reason = getattr(error, "reason", None)
    return f"{type(error).__name__}:{reason}" if isinstance(reason, str) else type(error).__name__


def place_with_coupon(path: str, order_id: str, customer_id: str, coupon_id: str) -> str:
    """Place one order of two tins with ``coupon_id`` picked; "placed" or the error's name."""
    mall = shop_on(Path(path))
    checkout = Checkout(
        customer_id=customer_id, items={"tea": 2}, coupons=[coupon_id], consignee=HOME
    )
    try:
        mall.place_order(order_id, checkout)
    except MallcoreError as error:
        return _outcome(error)
    return "placed"


def claim(path: str, customer_id: str, template_id: str) -> str:
    """Claim one coupon of ``template_id``; "claimed" or the error's name and reason."""
    try:
        shop_on(Path(path)).claim_coupon(customer_id, template_id)
    except MallcoreError as error:
        return _outcome(error)
    return "claimed"


def buy(path: str, worker: int, times: int) -> list[str]:
    """Buy one cup ``times`` times, each its own order; the outcome of each."""
    mall = shop_on(Path(path))
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


def cancel_overdue(path: str, at: str) -> list[str]:
    """Run the unpaid-order job once with the clock at ``at`` (ISO 8601); the ids it cancelled."""
    return list(shop_on(Path(path), at=datetime.fromisoformat(at)).cancel_overdue_orders().done)
