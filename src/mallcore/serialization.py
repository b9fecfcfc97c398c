"""The one converter between mallcore's domain types and JSON-able data.

Adapters, rule files and the command line use it; domain classes hold no
``to_dict``. Every domain type round-trips: ``structure(unstructure(x),
type(x)) == x``.

Conventions of the JSON form (docs/rules-format.md has the full format):

- Money is ``{"amount": "12.30", "currency": "CNY"}``; the amount is a string
  so no JSON reader turns it into a float.
- Decimals are strings, datetimes ISO 8601 with an offset (a naive datetime
  is refused), dates ``YYYY-MM-DD``, durations seconds, time zones IANA names,
  enums their value.
- Tuples and frozensets are lists; unknown keys are refused so a typo in a
  rule file is reported, not ignored.
- Rule kinds that share a field (promotions, coupons, ...) are tagged unions
  with a ``"kind"`` key.

A document that does not load raises :class:`~mallcore.errors.InvalidDocument`
listing every bad field by its path (``$.promotions[2].threshold``). Before
:func:`loads` parses anything it checks the document's size in UTF-8 bytes
and how deep its arrays and objects nest against the
:class:`~mallcore.limits.InputLimits` (1 MiB and 64 by default), so no input
makes the parser or the converter run out of memory or stack.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.preconf.json import make_converter
from cattrs.strategies import configure_tagged_union
from dateutil import tz

from mallcore._fields import decimal_number, time_zone
from mallcore.errors import InvalidDocument, InvalidValue, LimitExceeded, MallcoreError
from mallcore.limits import DEFAULT_LIMITS, InputLimits
from mallcore.money import Money

__all__ = [
    "EVENT_KINDS",
    "converter",
    "dump_event",
    "dumps",
    "load_event",
    "loads",
    "register_tagged_union",
    "structure",
    "unstructure",
]

T = TypeVar("T")

converter = make_converter(forbid_extra_keys=True, detailed_validation=True)
"""The converter. Use :func:`structure` and :func:`unstructure` rather than it directly."""


def _structure_decimal(value: object, _: type) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidValue("decimal", value, "must be written as a string or an integer")
    return decimal_number("decimal", value)


def _structure_int(value: object, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue("integer", value, "must be a whole number written without quotes")
    return value


def _structure_str(value: object, _: type) -> str:
    if not isinstance(value, str):
        raise InvalidValue("string", value, "must be a JSON string")
    return value


def _structure_bool(value: object, _: type) -> bool:
    if not isinstance(value, bool):
        raise InvalidValue("boolean", value, "must be true or false")
    return value


def _structure_money(value: object, _: type) -> Money:
    if not isinstance(value, Mapping) or set(value) != {"amount", "currency"}:
        raise InvalidValue("money", value, 'must be {"amount": "12.30", "currency": "CNY"}')
    amount = value["amount"]
    if not isinstance(amount, str | int) or isinstance(amount, bool):
        raise InvalidValue("money.amount", amount, "must be a string such as '12.30'")
    return Money(amount, value["currency"])


def _structure_datetime(value: object, _: type) -> datetime:
    if not isinstance(value, str):
        raise InvalidValue("datetime", value, "must be an ISO 8601 string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidValue("datetime", value, "must be an ISO 8601 string") from None
    if moment.tzinfo is None:
        raise InvalidValue("datetime", value, "must carry a UTC offset, e.g. +08:00")
    return moment


def _structure_tzinfo(value: object, _: type) -> tzinfo:
    zone = tz.gettz(time_zone("time zone", value))
    if zone is None:
        raise InvalidValue("time zone", value, "is not an IANA time zone name")
    return zone


_MAX_SPAN_SECONDS = 10**10
"""Spans are written as seconds; about 317 years is more than any rule needs."""


def _unstructure_timedelta(span: timedelta) -> str:
    """A span as its exact number of seconds, a decimal string ("1800", "0.5")."""
    seconds = Decimal(span.days * 86400 + span.seconds) + Decimal(span.microseconds) / 10**6
    return format(seconds.normalize(), "f") if seconds else "0"


def _structure_timedelta(value: object, _: type) -> timedelta:
    seconds = _structure_decimal(value, Decimal)
    if not seconds.is_finite() or abs(seconds) > _MAX_SPAN_SECONDS:
        raise InvalidValue("span", value, f"must be a number of seconds within {_MAX_SPAN_SECONDS}")
    return timedelta(microseconds=int(seconds * 10**6))


def _structure_date(value: object, _: type) -> date:
    if not isinstance(value, str):
        raise InvalidValue("date", value, "must be a YYYY-MM-DD string")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidValue("date", value, "must be a YYYY-MM-DD string") from None


def _unstructure_tzinfo(zone: tzinfo) -> str:
    name = getattr(zone, "key", None)
    if name is None:
        # dateutil's zones know their file; the IANA name is its path under zoneinfo/
        filename = getattr(zone, "_filename", None)
        if isinstance(filename, str):
            name = filename.rpartition("zoneinfo/")[2]
    if not isinstance(name, str):
        raise InvalidValue("time zone", zone, "has no IANA name to write")
    return name


converter.register_unstructure_hook(Decimal, str)
converter.register_structure_hook(Decimal, _structure_decimal)
converter.register_structure_hook(int, _structure_int)
converter.register_structure_hook(bool, _structure_bool)
converter.register_structure_hook(str, _structure_str)
converter.register_unstructure_hook(
    Money, lambda money: {"amount": str(money.amount), "currency": money.currency}
)
converter.register_structure_hook(Money, _structure_money)
converter.register_unstructure_hook(datetime, datetime.isoformat)
converter.register_structure_hook(datetime, _structure_datetime)
converter.register_unstructure_hook(date, date.isoformat)
converter.register_structure_hook(date, _structure_date)
converter.register_unstructure_hook(tzinfo, _unstructure_tzinfo)
converter.register_structure_hook(tzinfo, _structure_tzinfo)
converter.register_unstructure_hook(timedelta, _unstructure_timedelta)
converter.register_structure_hook(timedelta, _structure_timedelta)


def register_tagged_union(union: Any, tags: Mapping[type, str], *, tag: str = "kind") -> None:
    """Read and write ``union`` with a ``tag`` key naming each member class."""
    by_class = dict(tags)
    configure_tagged_union(union, converter, tag_generator=lambda cls: by_class[cls], tag_name=tag)


def unstructure(value: object) -> Any:
    """``value`` as JSON-able data (dicts, lists, strings, numbers, booleans, None)."""
    return converter.unstructure(value)


def structure(data: object, cls: type[T], *, source: str = "document") -> T:
    """Build a ``cls`` from JSON-able ``data``, or raise InvalidDocument naming every bad field."""
    if attrs.has(cls) and not isinstance(data, Mapping):
        kind = type(data).__name__
        raise InvalidDocument(
            source, [f"$: must be a JSON object, not {_JSON_NAMES.get(kind, kind)}"]
        )
    try:
        return converter.structure(data, cls)
    except (
        cattrs.BaseValidationError,
        cattrs.ForbiddenExtraKeysError,
        MallcoreError,
        ValueError,
        TypeError,
        KeyError,
    ) as exc:
        raise InvalidDocument(source, _problems(exc)) from exc


def dumps(value: object, *, indent: int | None = 2) -> str:
    """``value`` as JSON text."""
    return json.dumps(unstructure(value), indent=indent, ensure_ascii=False, sort_keys=False)


_JSON_NAMES = {"list": "an array", "str": "a string", "int": "a number", "float": "a number"}

_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
"""A JSON string, skipped whole, brackets and all."""
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def _check_depth(text: str, limits: InputLimits) -> None:
    """Raise LimitExceeded when ``text``'s arrays and objects nest deeper than the limit.

    One pass before parsing: strings dropped, then only the brackets kept and
    their running depth summed (in C: a stored stock with a thousand holds is
    checked in well under a millisecond). In a malformed document an
    unterminated string may count its brackets, which only refuses sooner.
    """
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    if len(brackets) <= limits.json_depth:
        return
    deepest = max(itertools.accumulate(map(_STEP.__getitem__, brackets)))
    if deepest > limits.json_depth:
        raise LimitExceeded("document", f"{deepest} levels", "json_depth", limits.json_depth)


def loads(
    text: str | bytes,
    cls: type[T],
    *,
    source: str = "document",
    limits: InputLimits = DEFAULT_LIMITS,
) -> T:
    """Build a ``cls`` from JSON text (UTF-8 bytes or a str), or raise InvalidDocument.

    The size and the nesting depth are checked against ``limits`` before parsing.
    """
    try:
        if len(text) > limits.document_bytes:
            raise LimitExceeded("document", len(text), "document_bytes", limits.document_bytes)
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > limits.document_bytes:
            raise LimitExceeded("document", size, "document_bytes", limits.document_bytes)
        _check_depth(text, limits)
    except UnicodeDecodeError as exc:
        problem = f"$: not UTF-8 text ({exc.reason} at byte {exc.start})"
        raise InvalidDocument(source, [problem]) from exc
    except LimitExceeded as exc:
        raise InvalidDocument(source, [f"$: {exc}"]) from exc
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise InvalidDocument(source, [f"line {exc.lineno} column {exc.colno}: {exc.msg}"]) from exc
    except ValueError as exc:  # an integer of more than 4300 digits, NaN, Infinity
        raise InvalidDocument(source, [f"$: not a JSON document ({exc})"]) from exc
    return structure(data, cls, source=source)


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def _describe(exc: BaseException, expected: type | None) -> str:
    if isinstance(exc, MallcoreError):
        return str(exc)
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        return f"unknown fields {sorted(exc.extra_fields)}"
    name = getattr(expected, "__name__", None) or str(expected)
    return f"invalid value, expected {name} ({exc})"


def _problems(exc: BaseException) -> list[str]:
    if isinstance(exc, cattrs.BaseValidationError):
        return [
            _swap_path(message)
            for message in cattrs.transform_error(exc, path="$", format_exception=_describe)
        ]
    return [f"$: {_describe(exc, None)}"]


def _swap_path(message: str) -> str:
    """cattrs writes ``reason @ $.path``; lead with the path instead."""
    reason, _, path = message.rpartition(" @ ")
    return f"{path}: {reason}" if reason else message


# -- catalog: name -> value pairs (a SKU's spec, a product's translated names and
# attribute values) are written as JSON objects, {"颜色": "红"}, in their order;
# stock events are a tagged union ("kind": "stock_reserved", ...).
def _pairs_from_object(value: object, _: type) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InvalidValue("pairs", value, 'must be an object of strings, e.g. {"颜色": "红"}')
    return tuple(value.items())


def _register_catalog() -> None:
    from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

    from mallcore.catalog import (
        Product,
        ReservationExpired,
        Sku,
        StockCounted,
        StockDeducted,
        StockEvent,
        StockReleased,
        StockReserved,
        StockRestocked,
    )

    as_object = override(unstruct_hook=dict, struct_hook=_pairs_from_object)
    converter.register_unstructure_hook(
        Sku, make_dict_unstructure_fn(Sku, converter, spec=as_object)
    )
    converter.register_structure_hook(Sku, make_dict_structure_fn(Sku, converter, spec=as_object))
    converter.register_unstructure_hook(
        Product,
        make_dict_unstructure_fn(Product, converter, names=as_object, attributes=as_object),
    )
    converter.register_structure_hook(
        Product, make_dict_structure_fn(Product, converter, names=as_object, attributes=as_object)
    )
    register_tagged_union(
        StockEvent,
        {
            StockReserved: "stock_reserved",
            StockReleased: "stock_released",
            ReservationExpired: "reservation_expired",
            StockDeducted: "stock_deducted",
            StockRestocked: "stock_restocked",
            StockCounted: "stock_counted",
        },
    )


_register_catalog()


# pricing: promotions and coupons are tagged unions ({"kind": "tiered_amount_off", ...})
# usage counts are an object {"double-11": 2}; a bad count is named by its key.
def _usage_from_object(value: object, _: type) -> Any:
    from cattrs.errors import IterableValidationNote

    from mallcore.pricing import Usage

    if not isinstance(value, Mapping):
        raise InvalidValue("usage", value, 'must be an object of counts, e.g. {"double-11": 2}')
    errors = []
    for key, count in value.items():
        try:
            Usage({key: count})
        except InvalidValue as exc:
            bad = InvalidValue("count", count, exc.reason)
            bad.__notes__ = [IterableValidationNote(f"Structuring usage @ key {key!r}", key, int)]
            errors.append(bad)
    if errors:
        raise cattrs.IterableValidationError("While structuring usage", errors, Usage)
    return Usage(value)


def _tag_rule_class(cls: type, kind: str) -> None:
    """A rule written alone keeps its ``"kind"``, so it also reads back as the union.

    The tagged unions, registered first, keep the plain hooks; these wrap them for the class.
    """
    write = converter.get_unstructure_hook(cls)
    read = converter.get_structure_hook(cls)

    def unstructure_rule(rule: Any) -> dict[str, Any]:
        return {"kind": kind, **write(rule)}

    def structure_rule(value: Any, _: type) -> Any:
        if isinstance(value, Mapping) and "kind" in value:
            if value["kind"] != kind:
                raise InvalidValue("kind", value["kind"], f"must be {kind!r} for a {cls.__name__}")
            value = {key: item for key, item in value.items() if key != "kind"}
        return read(value, cls)

    converter.register_unstructure_hook(cls, unstructure_rule)
    converter.register_structure_hook(cls, structure_rule)


def _register_pricing() -> None:
    from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

    from mallcore.pricing import KINDS, Cart, Coupon, Promotion, Usage
    from mallcore.pricing.rules import AmountOffCoupon, PercentOffCoupon, ShippingCoupon

    # a cart's limits are the caller's, not part of the cart: not written, default when read
    omitted = override(omit=True)
    converter.register_unstructure_hook(
        Cart, make_dict_unstructure_fn(Cart, converter, limits=omitted)
    )
    converter.register_structure_hook(Cart, make_dict_structure_fn(Cart, converter, limits=omitted))

    coupons = (AmountOffCoupon, PercentOffCoupon, ShippingCoupon)
    register_tagged_union(Promotion, {cls: tag for cls, tag in KINDS.items() if cls not in coupons})
    register_tagged_union(Coupon, {cls: KINDS[cls] for cls in coupons})
    for cls, kind in KINDS.items():
        _tag_rule_class(cls, kind)
    converter.register_unstructure_hook(Usage, dict)
    converter.register_structure_hook(Usage, _usage_from_object)


_register_pricing()


# orders: order events are a tagged union ("kind": "order_placed", ...)
def _upgrade_order(document: dict[str, Any]) -> dict[str, Any]:
    """An order document as written before per-package delivery and the after-sales deadline.

    Such a document has no ``after_sales_until``: a completed order gets its
    completion plus its window (the deadline it would have been given); and
    its packages carry no ``delivered_at``: a delivered order's packages all
    count as delivered when it was. A current document is returned as it is.
    """
    if "after_sales_until" in document:
        return document
    upgraded = dict(document)
    completed_at, window = document.get("completed_at"), document.get("after_sales_window")
    upgraded["after_sales_until"] = None
    if completed_at is not None and window is not None:
        deadline = _structure_datetime(completed_at, datetime) + _structure_timedelta(
            window, timedelta
        )
        upgraded["after_sales_until"] = deadline.isoformat()
    delivered_at = document.get("delivered_at")
    upgraded["shipments"] = [
        {"delivered_at": delivered_at, **shipment} for shipment in document.get("shipments", [])
    ]
    return upgraded


def _register_orders() -> None:
    from mallcore.orders import (
        AxisMoved,
        CancellationAsked,
        Order,
        OrderEvent,
        OrderPlaced,
        OrderRefunded,
        OrderSettled,
        OrderStatusChanged,
        PackageShipped,
    )

    structure_order = converter.gen_structure_attrs_fromdict(Order)
    converter.register_structure_hook(
        Order,
        lambda value, _: structure_order(
            _upgrade_order(value) if isinstance(value, dict) else value, Order
        ),
    )

    register_tagged_union(
        OrderEvent,
        {
            OrderPlaced: "order_placed",
            OrderStatusChanged: "order_status_changed",
            AxisMoved: "axis_moved",
            CancellationAsked: "cancellation_asked",
            PackageShipped: "package_shipped",
            OrderRefunded: "order_refunded",
            OrderSettled: "order_settled",
        },
    )


_register_orders()


# shipping: region hierarchies are a tagged union ({"kind": "china"} / "iso3166" / "table");
# a table's optional fallback is one too, hooked before the union builds the table's hooks
def _register_shipping() -> None:
    from mallcore.shipping import ChinaDivisions, Iso3166, RegionHierarchy, RegionTable

    hierarchy: Any = RegionHierarchy
    optional = RegionHierarchy | None
    converter.register_unstructure_hook(
        optional,
        lambda value: None if value is None else converter.unstructure(value, RegionHierarchy),
    )
    converter.register_structure_hook(
        optional,
        lambda data, _: None if data is None else converter.structure(data, hierarchy),
    )
    register_tagged_union(
        RegionHierarchy, {ChinaDivisions: "china", Iso3166: "iso3166", RegionTable: "table"}
    )


_register_shipping()


# loyalty: a points account is written whole (lots, ledger, orders, keys as an object
# {key: version}) and read back through PointsAccount.restore, which checks it.
def _register_loyalty() -> None:
    from mallcore.loyalty import AccountPolicy, Entry, Lot, OrderPoints, PointsAccount

    def unstructure_account(account: PointsAccount) -> dict[str, Any]:
        return {
            "account_id": account.account_id,
            "policy": converter.unstructure(account.policy, AccountPolicy),
            "version": account.version,
            "lots": converter.unstructure(account.lots(), tuple[Lot, ...]),
            "ledger": converter.unstructure(account.ledger(), tuple[Entry, ...]),
            "orders": converter.unstructure(account.orders(), tuple[OrderPoints, ...]),
            "keys": dict(account.keys()),
        }

    def structure_account(value: Any, _: type) -> PointsAccount:
        if not isinstance(value, Mapping):
            raise InvalidValue("points account", value, "must be an object")
        fields = {"account_id", "policy", "version", "lots", "ledger", "orders", "keys"}
        if set(value) != fields:
            raise InvalidValue("points account", sorted(value), f"must have the fields {fields}")
        return PointsAccount.restore(
            converter.structure(value["account_id"], str),
            policy=converter.structure(value["policy"], AccountPolicy),
            version=converter.structure(value["version"], int),
            lots=converter.structure(value["lots"], tuple[Lot, ...]),
            ledger=converter.structure(value["ledger"], tuple[Entry, ...]),
            orders=converter.structure(value["orders"], tuple[OrderPoints, ...]),
            keys=converter.structure(value["keys"], dict[str, int]).items(),
        )

    converter.register_unstructure_hook(PointsAccount, unstructure_account)
    converter.register_structure_hook(PointsAccount, structure_account)


_register_loyalty()


# coupons: templates, instances and wallets are plain values (the template's pricing
# coupon is the Coupon union, "kind" and all); coupon events are a tagged union
# ("kind": "coupon_claimed", ...) and keep their "kind" when written alone, so an
# outbox row written with dumps(event) reads back as a CouponEvent
def _register_coupons() -> None:
    from mallcore.coupons import (
        CouponClaimed,
        CouponEvent,
        CouponLocked,
        CouponReleased,
        CouponUsed,
        CouponVoided,
    )

    kinds = {
        CouponClaimed: "coupon_claimed",
        CouponLocked: "coupon_locked",
        CouponUsed: "coupon_used",
        CouponReleased: "coupon_released",
        CouponVoided: "coupon_voided",
    }
    register_tagged_union(CouponEvent, kinds)
    for cls, kind in kinds.items():
        _tag_rule_class(cls, kind)


_register_coupons()


# reconciliation: the events are a tagged union ("kind": "discrepancy_found" /
# "statement_reconciled"); their tolerance is a span, written as seconds like every span
def _register_reconciliation() -> None:
    from mallcore.reconciliation import DiscrepancyFound, ReconciliationEvent, StatementReconciled

    register_tagged_union(
        ReconciliationEvent,
        {DiscrepancyFound: "discrepancy_found", StatementReconciled: "statement_reconciled"},
    )


_register_reconciliation()


# domain events: each class has a kind ("order_placed", "points_recorded" ...) stored beside
# its payload, so an outbox row reads back as the event it was (the payload alone is the
# class's own form: coupon events keep their "kind" inside it too)
EVENT_KINDS: dict[str, type] = {}
"""Every domain event class by its kind, as the outbox stores it."""


def _register_events() -> None:
    from mallcore.catalog import (
        ReservationExpired,
        StockCounted,
        StockDeducted,
        StockReleased,
        StockReserved,
        StockRestocked,
    )
    from mallcore.coupons import (
        CouponClaimed,
        CouponLocked,
        CouponReleased,
        CouponUsed,
        CouponVoided,
    )
    from mallcore.loyalty import MemberRegistered, PointsRecorded, TierChanged
    from mallcore.orders import (
        AxisMoved,
        CancellationAsked,
        CaseMoved,
        OrderPlaced,
        OrderRefunded,
        OrderSettled,
        OrderStatusChanged,
        PackageShipped,
        PaymentRefunded,
        PaymentStatusChanged,
        ReturnFreightOwed,
    )
    from mallcore.services.jobs import JobItemFailed
    from mallcore.services.payments import PaymentFlagged

    EVENT_KINDS.update(
        {
            "order_placed": OrderPlaced,
            "order_status_changed": OrderStatusChanged,
            "package_shipped": PackageShipped,
            "order_refunded": OrderRefunded,
            "order_settled": OrderSettled,
            "stock_reserved": StockReserved,
            "stock_released": StockReleased,
            "reservation_expired": ReservationExpired,
            "stock_deducted": StockDeducted,
            "stock_restocked": StockRestocked,
            "stock_counted": StockCounted,
            "coupon_claimed": CouponClaimed,
            "coupon_locked": CouponLocked,
            "coupon_used": CouponUsed,
            "coupon_released": CouponReleased,
            "coupon_voided": CouponVoided,
            "points_recorded": PointsRecorded,
            "member_registered": MemberRegistered,
            "tier_changed": TierChanged,
            "axis_moved": AxisMoved,
            "cancellation_asked": CancellationAsked,
            "after_sales_case_moved": CaseMoved,
            "return_freight_owed": ReturnFreightOwed,
            "payment_status_changed": PaymentStatusChanged,
            "payment_refunded": PaymentRefunded,
            "payment_flagged": PaymentFlagged,
            "job_item_failed": JobItemFailed,
        }
    )


_register_events()
_KIND_OF_EVENT = {cls: kind for kind, cls in EVENT_KINDS.items()}


def dump_event(event: object) -> tuple[str, str]:
    """``event``'s kind and its payload as JSON text; InvalidValue for a class that is no event."""
    kind = _KIND_OF_EVENT.get(type(event))
    if kind is None:
        raise InvalidValue("event", event, "is not a domain event (serialization.EVENT_KINDS)")
    return kind, json.dumps(converter.unstructure(event, type(event)), ensure_ascii=False)


def load_event(kind: str, text: str, *, source: str = "event") -> object:
    """The event of ``kind`` that :func:`dump_event` wrote as ``text``, or InvalidDocument."""
    cls = EVENT_KINDS.get(kind)
    if cls is None:
        raise InvalidDocument(source, [f"$.kind: {kind!r} is not an event kind"])
    return loads(text, cls, source=source)
