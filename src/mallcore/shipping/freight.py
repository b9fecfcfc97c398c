"""What freight calculators return, and the one interface they share.

A :class:`FreightCalculator` turns a :class:`~mallcore.shipping.shipment.Shipment`
into the delivery :class:`FreightOption` s it offers: a freight template set
offers one (standard delivery), a table of shipping methods one per method
serving the destination, a host's live carrier rate whatever the carrier
quotes. :func:`~mallcore.shipping.quote.quote_freight` then applies the
offers (free shipping, tier benefit, surcharge, shipping coupon) to the
chosen option and returns a :class:`FreightQuote`.
"""

from __future__ import annotations

import enum
from typing import Any, Protocol

import attrs

from mallcore._fields import members, money
from mallcore.errors import InvalidValue
from mallcore.money import Money
from mallcore.shipping._values import as_tuple
from mallcore.shipping.shipment import Shipment

__all__ = [
    "DeliveryEstimate",
    "FreightCalculator",
    "FreightNote",
    "FreightOption",
    "FreightQuote",
    "LineFreight",
    "Topic",
    "Undeliverable",
]


def _days(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValue(attribute.name, value, "must be a whole number of days, not negative")


class Topic(enum.Enum):
    """What a line of the freight explanation is about."""

    RATE = "rate"
    """Which template and which region rule charged which lines."""
    FREE_CONDITION = "free_condition"
    """A template's 包邮条件, met or not."""
    MERGE = "merge"
    """How the templates' charges were merged."""
    METHOD = "method"
    """A shipping method, offered or not, and why."""
    UNDELIVERABLE = "undeliverable"
    """A line that cannot be delivered to the destination."""
    FREE_OVER = "free_over"
    """Store-wide free shipping over an amount (满额包邮), met or not."""
    BENEFIT = "benefit"
    """A member tier's freight benefit."""
    SURCHARGE = "surcharge"
    """A remote-area surcharge (偏远地区加价)."""
    VOUCHER = "voucher"
    """A shipping coupon (运费券), used or not."""


@attrs.frozen
class FreightNote:
    """One step of the freight explanation: its topic, the rule or template, what happened."""

    topic: Topic
    subject: str
    detail: str
    amount: Money | None = None


@attrs.frozen
class LineFreight:
    """The part of a freight amount that falls on one line."""

    line_id: str
    amount: Money


@attrs.frozen
class Undeliverable:
    """A line that cannot go to the destination: which region refused it and why."""

    line_id: str
    region: str
    reason: str


@attrs.frozen(kw_only=True)
class DeliveryEstimate:
    """Delivery in ``min_days`` to ``max_days`` days (both inclusive)."""

    min_days: int = attrs.field(validator=_days)
    max_days: int = attrs.field(validator=_days)

    def __attrs_post_init__(self) -> None:
        if self.max_days < self.min_days:
            raise InvalidValue(
                "max_days", self.max_days, f"must be at least min_days {self.min_days}"
            )


@attrs.frozen(kw_only=True)
class FreightOption:
    """One way to deliver a shipment and what it costs before offers.

    ``line_charges`` is what each charged line would cost alone (the weights
    freight is apportioned by); lines in ``undeliverable`` are not charged.
    An option with an ``unavailable`` reason is shown but cannot be chosen.
    """

    method_id: str
    name: str = ""
    amount: Money = attrs.field(validator=money)
    line_charges: tuple[LineFreight, ...] = attrs.field(
        default=(), converter=as_tuple, validator=members(LineFreight, "LineFreight")
    )
    undeliverable: tuple[Undeliverable, ...] = attrs.field(
        default=(), converter=as_tuple, validator=members(Undeliverable, "Undeliverable")
    )
    notes: tuple[FreightNote, ...] = attrs.field(
        default=(), converter=as_tuple, validator=members(FreightNote, "FreightNote")
    )
    estimate: DeliveryEstimate | None = None
    unavailable: str = ""

    def __attrs_post_init__(self) -> None:
        if self.amount.is_negative():
            raise InvalidValue("amount", self.amount, "freight must not be negative")


class FreightCalculator(Protocol):
    """Port: prices the delivery of a shipment.

    ``options`` returns every option it knows for the shipment, in its own
    order: amounts in the shipment's currency and never negative, line ids
    from the shipment, unavailable options with their reason. It raises
    :class:`~mallcore.errors.InvalidValue` for a shipment it cannot read (a
    line naming a template it does not have).
    """

    def options(self, shipment: Shipment) -> tuple[FreightOption, ...]:
        """The delivery options for ``shipment``."""
        ...


@attrs.frozen(kw_only=True)
class FreightQuote:
    """Freight for a shipment: the chosen option, the offers applied, the amount per line.

    ``charged`` is the chosen option's amount before offers, ``amount`` what
    the shopper pays for delivery; ``lines`` apportions ``amount`` over the
    delivered lines (largest remainder), for refunds. ``notes`` explains
    every step in the order it was taken; ``options`` lists every option offered.
    """

    currency: str
    method_id: str | None
    name: str = ""
    charged: Money
    amount: Money
    voucher_id: str | None = None
    lines: tuple[LineFreight, ...] = attrs.field(
        default=(), converter=as_tuple, validator=members(LineFreight, "LineFreight")
    )
    undeliverable: tuple[Undeliverable, ...] = attrs.field(
        default=(), converter=as_tuple, validator=members(Undeliverable, "Undeliverable")
    )
    notes: tuple[FreightNote, ...] = attrs.field(
        default=(), converter=as_tuple, validator=members(FreightNote, "FreightNote")
    )
    options: tuple[FreightOption, ...] = attrs.field(
        default=(), converter=as_tuple, validator=members(FreightOption, "FreightOption")
    )
    estimate: DeliveryEstimate | None = None

    def line(self, line_id: str) -> Money:
        """The freight on line ``line_id`` (zero for a line that carries none)."""
        for share in self.lines:
            if share.line_id == line_id:
                return share.amount
        return Money.zero(self.currency)

    def deliverable(self) -> bool:
        """True when every line can be delivered."""
        return not self.undeliverable
