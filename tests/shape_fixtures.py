"""Write each stored document kind's current-shape fixture: ``python -m tests.shape_fixtures``.

``tests/fixtures/shapes/<kind>/<n>.json`` is one document of ``kind`` as
shape ``n`` stores it (:mod:`mallcore.shapes`); tests/test_shapes.py reads
every one back. For each kind this writes the fixture of the current shape
when it is missing, and never touches one that exists:

- a kind with older fixtures: its newest fixture, read back through the
  upgraders, written in the current shape, so every fixture of a kind holds
  the same value (edit the new file if the upgrader's defaults make a poor
  example);
- a new kind: a representative value, taken from the demo's story
  (:mod:`mallcore.demo`, run on the in-memory store) or, for what the story
  does not produce, from the examples below; and when its current shape is
  1, also its shape 0, the form written before shapes were recorded (for
  orders, the oldest form: no ``after_sales_until``, no per-package
  ``delivered_at``).

``--check`` writes nothing and exits 1 if a fixture is missing.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mallcore.adapters import InMemoryStore, InMemoryUnitOfWork
from mallcore.catalog import ReservationExpired, StockCounted
from mallcore.coupons import CouponReleased, CouponState, CouponVoided
from mallcore.demo import run_demo
from mallcore.loyalty import TierChanged
from mallcore.money import Money
from mallcore.orders import (
    AfterSalesCase,
    CancellationAsked,
    CaseKind,
    CaseMoved,
    CaseStatus,
    Order,
    OrderSettled,
    ReturnFreightOwed,
)
from mallcore.services.jobs import JobItemFailed
from mallcore.services.payments import PaymentFlagged
from mallcore.shapes import SHAPES, DocumentShape, dump_document, load_document

__all__ = ["FIXTURES", "examples", "fixtures", "main"]

FIXTURES = Path(__file__).parent / "fixtures" / "shapes"
AT = datetime(2026, 11, 15, 10, 30, tzinfo=UTC)


def fixtures(kind: str) -> dict[int, Path]:
    """The fixtures of ``kind`` by shape number."""
    return {int(path.stem): path for path in (FIXTURES / kind).glob("*.json")}


def _told() -> list[object]:
    """Everything the demo's story leaves in storage, aggregates first, then the outbox's events."""
    store = InMemoryStore()
    completed = run_demo(io.StringIO(), lambda: InMemoryUnitOfWork(store))
    values: list[object] = [completed]
    for table in vars(store).values():
        if isinstance(table, dict):
            values.extend(table.values())
    values.extend(row.event.event for row in store.outbox.values())
    return values


def _untold() -> list[object]:
    """Examples of what the demo's story does not store."""
    return [
        AfterSalesCase(
            id="AS-2001",
            order_id="O-1001",
            kind=CaseKind.RETURN_AND_REFUND,
            units=(("longjing-250g", 1),),
            reason="the tin arrived dented",
            evidence=("photo-dent.jpg",),
            amount=Money("88.00", "CNY"),
            status=CaseStatus.RETURNING,
            requested_at=AT,
            due_at=AT + timedelta(days=7),
            return_address="杭州市西湖区龙井路 1 号",
            return_waybill="SF1234567890",
            restock=True,
            decision="approved: return the tin",
            return_freight=Money("12.00", "CNY"),
            version=2,
        ),
        ReservationExpired("longjing-250g", "O-1002", 2),
        StockCounted("longjing-250g", before=40, after=38),
        CouponReleased("C-1", "T-NEW", "alice", "O-1002", AT, CouponState.LOCKED),
        CouponVoided("C-1", "T-NEW", "alice", AT, "template withdrawn"),
        TierChanged("alice", "silver", "gold", AT, "spent 5000 in a year"),
        CancellationAsked("O-1002", AT, "ordered twice", granted=True),
        CaseMoved("AS-2001", "O-1001", CaseStatus.APPROVED, CaseStatus.RETURNING, AT, "shipped"),
        PaymentFlagged("sim-000002", "O-1002", "paid after the order was cancelled", AT),
        JobItemFailed("cancel_unpaid", "O-1003", "Unavailable('payment gateway')", AT),
        OrderSettled(
            "O-1001",
            AT,
            paid=Money("176.00", "CNY"),
            refunded=Money("88.00", "CNY"),
            kept=Money("88.00", "CNY"),
        ),
        ReturnFreightOwed("AS-2001", "O-1001", Money("4.00", "CNY"), AT),
    ]


def examples() -> dict[type, object]:
    """One representative value of every kind of stored document, by class.

    Of the story's values of one class, the one that went through the most
    versions, which holds the most (ties go to the one whose document sorts
    last, so the choice does not hang on the order the story stored them in);
    for orders, the completed one.
    """
    candidates: dict[type, list[object]] = {}
    for value in (*_told(), *_untold()):
        if type(value) in SHAPES:
            candidates.setdefault(type(value), []).append(value)
    chosen = {cls: max(values, key=_richness) for cls, values in candidates.items()}
    chosen[Order] = candidates[Order][0]
    return chosen


def _richness(value: object) -> tuple[int, str]:
    return _version(value), dump_document(value)


def _version(value: object) -> int:
    version = getattr(value, "version", 0)
    return version if isinstance(version, int) else 0


def _unversioned(shape: DocumentShape, value: object) -> dict[str, Any]:
    """``value`` as it was stored before shapes were recorded."""
    document: dict[str, Any] = json.loads(dump_document(value))
    del document["shape"]
    if shape.kind == "order":
        del document["after_sales_until"]
        document["shipments"] = [
            {key: item for key, item in shipment.items() if key != "delivered_at"}
            for shipment in document["shipments"]
        ]
    return document


def _write(path: Path, document: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(FIXTURES.parent.parent.parent)}")


def main(argv: Sequence[str] | None = None) -> int:
    """Write the missing fixtures (or, with ``--check``, report them); 1 if any was missing."""
    check = "--check" in (sys.argv[1:] if argv is None else argv)
    missing = [shape for shape in SHAPES.values() if shape.current not in fixtures(shape.kind)]
    if check or not missing:
        for shape in missing:
            print(f"missing: {shape.kind} shape {shape.current}")
        return 1 if missing else 0
    known = examples()
    for shape in missing:
        older = fixtures(shape.kind)
        path = FIXTURES / shape.kind / f"{shape.current}.json"
        value: object
        if older:
            newest = older[max(older)]
            value = load_document(newest.read_text(encoding="utf-8"), shape.cls, source=newest.name)
        elif shape.cls in known:
            value = known[shape.cls]
            if shape.current == 1:
                _write(FIXTURES / shape.kind / "0.json", _unversioned(shape, value))
        else:
            print(f"no example of {shape.kind} ({shape.cls.__name__}): add one to _untold()")
            return 1
        _write(path, json.loads(dump_document(value)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
