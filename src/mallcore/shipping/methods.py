"""Shipping methods by zone (international shops): flat prices, eligibility, estimates.

A :class:`Zone` is a set of region codes (countries, subdivisions, any level).
A destination is in the zones listing its **most specific** code that any
zone lists: with ``US`` in zone "domestic" and ``US-AK`` in zone "remote",
Alaska is in "remote" only. A :class:`ShippingMethod` serves some zones at a
flat ``price`` and is offered when the order's amount and total weight are
within its bounds; **every bound is inclusive** (``max_weight`` 30 kg takes
30 kg exactly). :class:`MethodCalculator` offers every method of the
destination's zones, the ineligible ones with the reason, for the shopper
to choose from.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from mallcore._fields import members, money, non_negative_money
from mallcore.errors import InvalidValue
from mallcore.money import Money
from mallcore.shipping._values import as_tuple, codes, non_empty, optional_measure
from mallcore.shipping.freight import (
    DeliveryEstimate,
    FreightNote,
    FreightOption,
    Topic,
)
from mallcore.shipping.shipment import Shipment
from mallcore.shipping.templates import AmountBase

__all__ = ["MethodCalculator", "ShippingMethod", "Zone"]


@attrs.frozen(kw_only=True)
class Zone:
    """A named set of region codes a method serves (countries, subdivisions ...)."""

    id: str
    name: str = ""
    regions: frozenset[str] = attrs.field(converter=codes, validator=non_empty)


@attrs.frozen(kw_only=True)
class ShippingMethod:
    """A delivery method for some ``zones`` at a flat ``price``, within inclusive bounds.

    ``min_amount``/``max_amount`` bound the order amount (measured on
    ``amount_base``), ``min_weight``/``max_weight`` its total weight in kg;
    None is unbounded.
    """

    id: str
    name: str = ""
    zones: frozenset[str] = attrs.field(converter=codes, validator=non_empty)
    price: Money = attrs.field(validator=non_negative_money)
    min_amount: Money | None = attrs.field(default=None, validator=attrs.validators.optional(money))
    max_amount: Money | None = attrs.field(default=None, validator=attrs.validators.optional(money))
    min_weight: Decimal | None = attrs.field(default=None, converter=optional_measure)
    max_weight: Decimal | None = attrs.field(default=None, converter=optional_measure)
    amount_base: AmountBase = AmountBase.AFTER_DISCOUNTS
    estimate: DeliveryEstimate | None = None

    def __attrs_post_init__(self) -> None:
        for name in ("min_amount", "max_amount"):
            bound = getattr(self, name)
            if bound is not None and bound.currency != self.price.currency:
                raise InvalidValue(name, bound, f"must be in {self.price.currency}")
        pairs = ((self.min_amount, self.max_amount), (self.min_weight, self.max_weight))
        for low, high in pairs:
            if low is not None and high is not None and high < low:  # type: ignore[operator]
                raise InvalidValue("bounds", (low, high), "the maximum is below the minimum")

    def refusal(self, amount: Money, weight: Decimal) -> str:
        """Why an order of ``amount`` and ``weight`` kg cannot use this method ("" if it can)."""
        if self.min_amount is not None and amount < self.min_amount:
            return f"order amount {amount.amount} is below {self.min_amount.amount}"
        if self.max_amount is not None and amount > self.max_amount:
            return f"order amount {amount.amount} is above {self.max_amount.amount}"
        if self.min_weight is not None and weight < self.min_weight:
            return f"weight {weight} kg is below {self.min_weight} kg"
        if self.max_weight is not None and weight > self.max_weight:
            return f"weight {weight} kg is above {self.max_weight} kg"
        return ""


@attrs.frozen(kw_only=True)
class MethodCalculator:
    """Offers the ``methods`` of the destination's ``zones``, in the order given."""

    zones: tuple[Zone, ...] = attrs.field(converter=as_tuple, validator=members(Zone, "Zone"))
    methods: tuple[ShippingMethod, ...] = attrs.field(
        converter=as_tuple, validator=members(ShippingMethod, "ShippingMethod")
    )
    _zones_of: dict[str, frozenset[str]] = attrs.field(init=False, repr=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        zones_of: dict[str, set[str]] = {}
        for zone in self.zones:
            for code in zone.regions:
                zones_of.setdefault(code, set()).add(zone.id)
        known = {zone.id for zone in self.zones}
        ids = [method.id for method in self.methods]
        if len(set(ids)) != len(ids):
            raise InvalidValue("methods", ids, "method ids must be unique")
        for method in self.methods:
            if not method.zones <= known:
                raise InvalidValue(
                    "zones",
                    sorted(method.zones - known),
                    f"method {method.id!r} names unknown zones",
                )
        object.__setattr__(self, "_zones_of", {code: frozenset(z) for code, z in zones_of.items()})

    def zones_for(self, destination: tuple[str, ...]) -> frozenset[str]:
        """The ids of the zones ``destination`` is in (by its most specific listed code)."""
        for code in destination:
            zones = self._zones_of.get(code)
            if zones is not None:
                return zones
        return frozenset()

    def options(self, shipment: Shipment) -> tuple[FreightOption, ...]:
        """Every method serving the destination's zones; ineligible ones with the reason."""
        zones = self.zones_for(shipment.destination)
        weight = sum((line.weight * line.quantity for line in shipment.lines), Decimal(0))
        zero = Money.zero(shipment.currency)
        paid = sum((line.amount for line in shipment.lines), start=zero)
        listed = sum((line.undiscounted for line in shipment.lines), start=zero)
        offered = []
        for method in self.methods:
            if method.zones.isdisjoint(zones) or method.price.currency != shipment.currency:
                continue
            amount = listed if method.amount_base is AmountBase.BEFORE_DISCOUNTS else paid
            refusal = method.refusal(amount, weight)
            detail = refusal or f"serves {', '.join(sorted(method.zones & zones))}"
            offered.append(
                FreightOption(
                    method_id=method.id,
                    name=method.name,
                    amount=method.price,
                    notes=[FreightNote(Topic.METHOD, method.id, detail, method.price)],
                    estimate=method.estimate,
                    unavailable=refusal,
                )
            )
        return tuple(offered)
