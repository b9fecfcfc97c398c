"""Every exception mallcore raises, in one tree.

::

    MallcoreError
    ├── InvalidValue (ValueError)          bad input: names the field, the rule, the value
    │   ├── WrongType (TypeError)          a value of the wrong Python type
    │   ├── CurrencyMismatch               two currencies in one operation
    │   ├── LimitExceeded                  more than a documented limit (InputLimits) allows
    │   └── InvalidDocument                a rule file or JSON document that does not load
    │       └── NewerShape                 a stored document written by a newer release
    ├── NotFound (LookupError)             no such product, SKU, order, account ...
    ├── IllegalTransition                  a state change the lifecycle table forbids
    ├── OutOfStock                         not enough stock to reserve
    ├── LimitReached                       a counter that would pass its limit
    ├── NotEnoughPoints                    a points spend larger than the balance
    ├── CouponUnavailable                  a coupon that cannot be used (spent, expired, not owned)
    ├── PaymentMismatch                    a payment whose amount or order does not match
    ├── RefundRefused                      a refund past the after-sales window or a provider limit
    ├── InvalidSignature                   a payment notification that fails verification
    ├── PriceChanged                       the payable is not what the shopper was shown
    ├── DuplicateOrder                     an order id that is already taken
    ├── StaleVersion                       optimistic concurrency: someone saved first
    ├── Busy                               a command still conflicting after its retries
    └── Unavailable                        a payment provider or courier that cannot be reached

Bad input raises an :class:`InvalidValue` (also a :class:`ValueError`) and
changes nothing. Business refusals (a forbidden transition, no stock) have
their own types so a host can map each to its own response. Every exception
keeps the values it names as attributes, so a host can build its own message.
"""

from __future__ import annotations

__all__ = [
    "Busy",
    "CouponUnavailable",
    "CurrencyMismatch",
    "DuplicateOrder",
    "IllegalTransition",
    "InvalidDocument",
    "InvalidSignature",
    "InvalidValue",
    "LimitExceeded",
    "LimitReached",
    "MallcoreError",
    "NewerShape",
    "NotEnoughPoints",
    "NotFound",
    "OutOfStock",
    "PaymentMismatch",
    "PriceChanged",
    "RefundRefused",
    "StaleVersion",
    "Unavailable",
    "WrongType",
]


class MallcoreError(Exception):
    """The root of every exception mallcore raises."""


class InvalidValue(MallcoreError, ValueError):
    """A value that breaks a rule: ``field``, the ``value`` given and the ``reason``.

    >>> str(InvalidValue("sku.stock", -1, "must not be negative"))
    'sku.stock: must not be negative (got -1)'
    """

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}: {reason} (got {value!r})")


class WrongType(InvalidValue, TypeError):
    """A value of the wrong Python type: ``field``, the ``value`` and the type(s) ``expected``.

    >>> str(WrongType("sku.barcode", 5, "str"))
    'sku.barcode: must be a str, not int (got 5)'
    """

    def __init__(self, field: str, value: object, expected: str) -> None:
        self.expected = expected
        super().__init__(field, value, f"must be a {expected}, not {type(value).__name__}")


class CurrencyMismatch(InvalidValue):
    """Two amounts in different currencies met in one operation."""

    def __init__(self, operation: str, left: str, right: str) -> None:
        self.operation = operation
        self.left = left
        self.right = right
        MallcoreError.__init__(self, f"cannot {operation} {left} and {right} amounts")
        self.field = "currency"
        self.value = (left, right)
        self.reason = f"cannot {operation} different currencies"


class LimitExceeded(InvalidValue):
    """A value past a documented limit: ``field``, ``value``, the ``limit`` and its ``maximum``.

    >>> str(LimitExceeded("quantity", 10**9, "units_per_line", 10_000))
    'quantity: exceeds the limit units_per_line of 10000 (got 1000000000)'
    """

    def __init__(self, field: str, value: object, limit: str, maximum: int) -> None:
        self.limit = limit
        self.maximum = maximum
        super().__init__(field, value, f"exceeds the limit {limit} of {maximum}")


class InvalidDocument(InvalidValue):
    """A JSON document (a rule file, stored data) that does not load.

    ``problems`` lists every bad field as ``"$.path.to.field: reason"``.
    """

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = tuple(problems)
        self.field = source
        self.value = None
        self.reason = "; ".join(problems)
        lines = "\n".join(f"  {problem}" for problem in problems)
        MallcoreError.__init__(self, f"{source} is not valid:\n{lines}")


class NewerShape(InvalidDocument):
    """A stored document in a shape newer than this release reads (:mod:`mallcore.shapes`).

    ``kind`` is the document's kind, ``shape`` the shape it was written in and
    ``newest`` the newest shape of that kind this release knows. Nothing is
    read or changed: the row was written by a later release of mallcore, so
    this one must be upgraded (or the row restored from before it).

    >>> print(NewerShape("orders 'A1'", "order", 3, 1))
    orders 'A1' is not valid:
      $.shape: order shape 3 comes from a newer mallcore; this release reads up to 1
    """

    def __init__(self, source: str, kind: str, shape: int, newest: int) -> None:
        self.kind = kind
        self.shape = shape
        self.newest = newest
        super().__init__(
            source,
            [
                f"$.shape: {kind} shape {shape} comes from a newer mallcore;"
                f" this release reads up to {newest}"
            ],
        )


class NotFound(MallcoreError, LookupError):
    """No ``kind`` stored under ``key``."""

    def __init__(self, kind: str, key: object) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"no {kind} {key!r}")


class IllegalTransition(MallcoreError):
    """A lifecycle move that the transition table does not allow."""

    def __init__(self, entity: str, key: object, source: object, target: object) -> None:
        self.entity = entity
        self.key = key
        self.source = source
        self.target = target
        super().__init__(f"{entity} {key!r} cannot go from {source} to {target}")


class OutOfStock(MallcoreError):
    """Fewer units available than asked for."""

    def __init__(self, sku_id: str, requested: int, available: int) -> None:
        self.sku_id = sku_id
        self.requested = requested
        self.available = available
        super().__init__(f"SKU {sku_id!r}: {requested} requested but only {available} available")


class LimitReached(MallcoreError):
    """Adding ``amount`` to the counter ``key`` would pass its ``limit`` (or go below zero)."""

    def __init__(self, key: str, amount: int, limit: int | None) -> None:
        self.key = key
        self.amount = amount
        self.limit = limit
        bound = "zero" if limit is None else f"its limit {limit}"
        super().__init__(f"counter {key!r}: adding {amount} would pass {bound}")


class NotEnoughPoints(MallcoreError):
    """A points account asked to spend more than it can."""

    def __init__(self, account_id: str, requested: int, available: int) -> None:
        self.account_id = account_id
        self.requested = requested
        self.available = available
        super().__init__(
            f"points account {account_id!r}: {requested} points requested "
            f"but only {available} available"
        )


class CouponUnavailable(MallcoreError):
    """A coupon that cannot be used now, with the ``reason``."""

    def __init__(self, coupon_id: str, reason: str) -> None:
        self.coupon_id = coupon_id
        self.reason = reason
        super().__init__(f"coupon {coupon_id!r} cannot be used: {reason}")


class PaymentMismatch(MallcoreError):
    """A payment that does not match what the order asks for."""

    def __init__(self, order_id: str, expected: object, received: object) -> None:
        self.order_id = order_id
        self.expected = expected
        self.received = received
        super().__init__(
            f"order {order_id!r}: payment of {received} does not match the payable {expected}"
        )


class RefundRefused(MallcoreError):
    """A refund the rules refuse: the after-sales window has closed, or a provider limit."""

    def __init__(self, what: str, reason: str) -> None:
        self.what = what
        self.reason = reason
        super().__init__(f"{what}: refund refused: {reason}")


class PriceChanged(MallcoreError):
    """Pricing again gave another payable than the one the shopper was shown: nothing placed."""

    def __init__(self, shown: object, payable: object) -> None:
        self.shown = shown
        self.payable = payable
        super().__init__(f"the price changed: shown {shown}, now {payable}")


class DuplicateOrder(MallcoreError):
    """An order id that another order already has."""

    def __init__(self, order_id: str) -> None:
        self.order_id = order_id
        super().__init__(f"order {order_id!r} already exists")


class InvalidSignature(MallcoreError):
    """A payment or courier notification whose signature does not verify."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__(f"notification from {source!r} failed signature verification")


class StaleVersion(MallcoreError):
    """A save based on an old version: another writer saved first."""

    def __init__(self, kind: str, key: object, expected: int, actual: int) -> None:
        self.kind = kind
        self.key = key
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"{kind} {key!r}: saving version {expected + 1} "
            f"but the stored version is {actual}, not {expected}"
        )


class Busy(MallcoreError):
    """A command that still met a concurrent writer after ``attempts`` tries; nothing changed.

    The shop is under load: the caller may try again a little later.
    """

    def __init__(self, command: str, attempts: int) -> None:
        self.command = command
        self.attempts = attempts
        super().__init__(f"{command} kept meeting concurrent changes after {attempts} attempts")


class Unavailable(MallcoreError):
    """A remote service behind a port (payment provider, courier) that cannot be reached now.

    Adapters translate their transport errors into this (``raise ... from exc``);
    the command that needed the service changed nothing and may be retried.
    """

    def __init__(self, service: str, reason: str) -> None:
        self.service = service
        self.reason = reason
        super().__init__(f"{service} is unavailable: {reason}")
