"""The shapes of stored documents: each kind's current shape and the upgraders from older ones.

The storage adapters keep each aggregate (and each outbox event) as a JSON
document written by :mod:`mallcore.serialization`. A release that renames a
field would leave the rows of the release before it unreadable, so every
stored document carries its **shape**, a number per kind, as a top-level
``"shape"`` key::

    {"shape": 1, "sku_id": "TEA-LONGJING-250G", "on_hand": 120, ...}

Rules (docs/adapters.md, "Document shapes"):

- :data:`SHAPES` holds, for every kind stored as a document, the chain of
  upgraders: ``upgraders[n]`` turns a shape-``n`` document (a dict) into a
  shape-``n + 1`` one, and the current shape is ``len(upgraders)``.
- A document without the key is shape 0, the form written before shapes
  were recorded. Shape 1 is that form with the key; for orders, shape 0 also
  covers the form from before per-package delivery, which the 0 to 1
  upgrader completes (:func:`upgrade_order_0`).
- :func:`dump_document` writes the current shape. :func:`load_document` runs
  the upgraders from the stored shape to the current one, then the
  converter; a document in the current shape costs one dict lookup more. A
  shape newer than this release knows raises
  :class:`~mallcore.errors.NewerShape` naming the kind and both shapes, and
  nothing is changed (the row is left as it is for the newer release).
- Changing what a kind's document looks like means one more upgrader (its
  number goes up by one) and one more fixture, ``tests/fixtures/shapes/<kind>/<n>.json``
  (``make shape-fixtures`` writes it): a test reads every
  fixture back and fails when the current dump no longer matches the newest
  fixture.

Upgraders see plain JSON-able data and return it; they never see domain
values, so an upgrader keeps working when the classes move on.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Final, TypeVar, cast

import attrs

from mallcore.catalog import Product, Stock, StockMovement
from mallcore.coupons import CouponInstance, CouponTemplate
from mallcore.errors import InvalidDocument, InvalidValue, MallcoreError, NewerShape
from mallcore.limits import DEFAULT_LIMITS, InputLimits
from mallcore.loyalty import Member, PointsAccount
from mallcore.merchant import Configuration
from mallcore.orders import AfterSalesCase, Order, Payment
from mallcore.serialization import EVENT_KINDS, converter, parse, structure

__all__ = [
    "DocumentShape",
    "SHAPES",
    "SHARED_DOCUMENTS",
    "Upgrader",
    "dump_document",
    "dump_event_document",
    "load_document",
    "load_event_document",
    "load_shared_document",
    "unversioned",
    "upgrade_order_0",
]

T = TypeVar("T")
Document = dict[str, Any]
Upgrader = Callable[[Document], Document]
"""Turns a document of one shape into the next shape up; plain JSON-able data in and out."""


@attrs.frozen
class DocumentShape:
    """One kind of stored document: its name, its class, and its upgraders in order.

    ``upgraders[n]`` turns shape ``n`` into shape ``n + 1``; ``current``, the
    shape written today, is how many there are.
    """

    kind: str
    cls: type
    upgraders: tuple[Upgrader, ...]
    current: int = attrs.field(init=False)

    @current.default
    def _count(self) -> int:
        return len(self.upgraders)

    def upgrade(self, document: Document, shape: object, *, source: str) -> Document:
        """``document``, stored in ``shape``, in the current shape; NewerShape if it is newer."""
        if type(shape) is not int or shape < 0:
            problem = f"$.shape: must be a whole number from 0 (got {shape!r})"
            raise InvalidDocument(source, [problem])
        if shape > self.current:
            raise NewerShape(source, self.kind, shape, self.current)
        for number in range(shape, self.current):
            try:
                document = self.upgraders[number](document)
            except (MallcoreError, ValueError, TypeError, KeyError, AttributeError) as exc:
                problem = (
                    f"$: {self.kind} shape {number} does not upgrade to {number + 1} ({exc!r})"
                )
                raise InvalidDocument(source, [problem]) from exc
        return document


def unversioned(document: Document) -> Document:
    """Shape 0 to 1 for most kinds: the form written before shapes, unchanged."""
    return document


def upgrade_order_0(document: Document) -> Document:
    """Order shape 0 to 1: an order written before per-package delivery gains it.

    Shape 0 is every order written before shapes were recorded. The oldest
    of them have no ``after_sales_until``: a completed order gets its
    completion plus its window (the deadline it would have been given), and
    its packages, which carry no ``delivered_at``, all count as delivered
    when the order was. A shape-0 order that has the field is shape 1 as it is.
    """
    if "after_sales_until" in document:
        return document
    upgraded = dict(document)
    completed_at, window = document.get("completed_at"), document.get("after_sales_window")
    upgraded["after_sales_until"] = None
    if completed_at is not None and window is not None:
        deadline = converter.structure(completed_at, datetime) + converter.structure(
            window, timedelta
        )
        upgraded["after_sales_until"] = deadline.isoformat()
    delivered_at = document.get("delivered_at")
    upgraded["shipments"] = [
        {"delivered_at": delivered_at, **shipment} for shipment in document.get("shipments", [])
    ]
    return upgraded


def _shapes() -> dict[type, DocumentShape]:
    documents = (
        DocumentShape("product", Product, (unversioned,)),
        DocumentShape("stock", Stock, (unversioned,)),
        DocumentShape("stock_movement", StockMovement, (unversioned,)),
        DocumentShape("order", Order, (upgrade_order_0,)),
        DocumentShape("payment", Payment, (unversioned,)),
        DocumentShape("after_sales_case", AfterSalesCase, (unversioned,)),
        DocumentShape("points_account", PointsAccount, (unversioned,)),
        DocumentShape("member", Member, (unversioned,)),
        DocumentShape("coupon_template", CouponTemplate, (unversioned,)),
        DocumentShape("coupon", CouponInstance, (unversioned,)),
        DocumentShape("configuration", Configuration, (unversioned,)),
    )
    # an outbox payload is one kind per event class: "event.order_placed" ...
    events = tuple(
        DocumentShape(f"event.{kind}", cls, (unversioned,)) for kind, cls in EVENT_KINDS.items()
    )
    return {shape.cls: shape for shape in (*documents, *events)}


SHAPES: Final[Mapping[type, DocumentShape]] = _shapes()
"""Every kind of stored document by its class: aggregates, configuration, outbox events."""

_EVENT_KIND: Final = {cls: kind for kind, cls in EVENT_KINDS.items()}


def _shape_of(cls: type) -> DocumentShape:
    shape = SHAPES.get(cls)
    if shape is None:
        raise InvalidValue("document", cls.__name__, "is no kind of stored document (SHAPES)")
    return shape


def dump_document(value: object) -> str:
    """``value`` as a stored document: one line of JSON with its current ``"shape"`` first."""
    shape = _shape_of(type(value))
    data = converter.unstructure(value, shape.cls)
    return json.dumps({"shape": shape.current, **data}, ensure_ascii=False)


def load_document(
    text: str | bytes,
    cls: type[T],
    *,
    source: str = "document",
    limits: InputLimits = DEFAULT_LIMITS,
) -> T:
    """The ``cls`` stored as ``text``, upgraded from its shape; InvalidDocument or NewerShape."""
    shape = _shape_of(cls)
    data = parse(text, source=source, limits=limits)
    if type(data) is dict:
        stored = data.pop("shape", 0)
        if stored != shape.current or type(stored) is not int:
            data = shape.upgrade(data, stored, source=source)
    return structure(data, cls, source=source)


SHARED_DOCUMENTS: Final = 512
"""How many parsed read-mostly documents :func:`load_shared_document` keeps."""


def load_shared_document(text: str, cls: type[T], *, source: str = "document") -> T:
    """:func:`load_document` for read-mostly kinds (the catalog, the configuration).

    Every checkout reads the configuration and its products; parsing them is
    a good part of its CPU (a 3.6 kB configuration about 0.5 ms). Values are
    frozen, so readers share the one parsed from the same stored text (the
    last :data:`SHARED_DOCUMENTS` kept); a changed row is parsed again.
    """
    return cast(T, _shared(text, _shape_of(cls), source))


@functools.lru_cache(maxsize=SHARED_DOCUMENTS)
def _shared(text: str, shape: DocumentShape, source: str) -> object:
    return load_document(text, shape.cls, source=source)


def dump_event_document(event: object) -> tuple[str, str]:
    """``event``'s kind and its payload as a stored document (InvalidValue if it is no event)."""
    kind = _EVENT_KIND.get(type(event))
    if kind is None:
        raise InvalidValue("event", event, "is not a domain event (serialization.EVENT_KINDS)")
    return kind, dump_document(event)


def load_event_document(kind: str, text: str | bytes, *, source: str = "event") -> object:
    """The event of ``kind`` that :func:`dump_event_document` wrote as ``text``."""
    cls = EVENT_KINDS.get(kind)
    if cls is None:
        raise InvalidDocument(source, [f"$.kind: {kind!r} is not an event kind"])
    return load_document(text, cls, source=source)
