"""The freight input: what ships, to where.

Shipping has its own input type, not the pricing cart, so that shipping never
imports pricing: a :class:`Shipment` holds the destination (a region code
followed by its ancestors, from :func:`~mallcore.shipping.regions.lineage`)
and :class:`ShipmentLine` s with what freight rules look at: quantity, unit
weight in **kilograms** and unit volume in **cubic metres** (the catalog's
units, as :class:`~decimal.Decimal`), the freight template or flat postage,
and the line's amount before and after discounts.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from mallcore._fields import members, non_negative_money, positive, strings, to_tuple
from mallcore.errors import InvalidValue
from mallcore.money import Money
from mallcore.shipping._values import measure
from mallcore.shipping.regions import Regions, lineage

__all__ = ["Shipment", "ShipmentLine", "measure"]


@attrs.frozen(kw_only=True)
class ShipmentLine:
    """``quantity`` units of one SKU to ship, and what freight rules read of it.

    ``weight`` (kg) and ``volume`` (m³) are per unit. ``template_id`` names
    the line's freight template; ``flat_postage`` is a product's 统一运费
    instead (zero: the product ships free, 包邮商品). ``amount`` is what the
    line costs after discounts, ``amount_before_discounts`` before (default:
    the same).
    """

    line_id: str
    sku_id: str
    product_id: str
    quantity: int = attrs.field(validator=positive)
    amount: Money = attrs.field(validator=non_negative_money)
    amount_before_discounts: Money | None = attrs.field(
        default=None, validator=attrs.validators.optional(non_negative_money)
    )
    weight: Decimal = attrs.field(default=Decimal(0), converter=measure)
    volume: Decimal = attrs.field(default=Decimal(0), converter=measure)
    template_id: str | None = None
    flat_postage: Money | None = attrs.field(
        default=None, validator=attrs.validators.optional(non_negative_money)
    )

    def __attrs_post_init__(self) -> None:
        currency = self.amount.currency
        for name in ("amount_before_discounts", "flat_postage"):
            money = getattr(self, name)
            if money is not None and money.currency != currency:
                raise InvalidValue(name, money, f"must be in the line's currency {currency}")

    @property
    def undiscounted(self) -> Money:
        """The amount before discounts (the amount when none was given)."""
        if self.amount_before_discounts is None:
            return self.amount
        return self.amount_before_discounts


def _destination(instance: object, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    if not value or not all(isinstance(code, str) and code for code in value):
        raise InvalidValue(attribute.name, value, "must be a region code and its ancestors")


@attrs.frozen(kw_only=True)
class Shipment:
    """Lines in one ``currency`` going to ``destination`` (a region code, then its ancestors)."""

    currency: str
    destination: tuple[str, ...] = attrs.field(
        converter=to_tuple, validator=[strings, _destination]
    )
    lines: tuple[ShipmentLine, ...] = attrs.field(
        converter=to_tuple, validator=members(ShipmentLine, "ShipmentLine")
    )

    def __attrs_post_init__(self) -> None:
        if not self.lines:
            raise InvalidValue("lines", self.lines, "a shipment needs at least one line")
        seen: set[str] = set()
        for line in self.lines:
            if line.amount.currency != self.currency:
                raise InvalidValue(
                    "amount", line.amount, f"line {line.line_id!r} is not in {self.currency}"
                )
            if line.line_id in seen:
                raise InvalidValue("line_id", line.line_id, "appears twice in the shipment")
            seen.add(line.line_id)

    @classmethod
    def to(cls, region: str, *, regions: Regions, currency: str, lines: Any) -> Shipment:
        """A shipment of ``lines`` to ``region``, its ancestors looked up in ``regions``."""
        return cls(currency=currency, destination=lineage(regions, region), lines=lines)

    @property
    def region(self) -> str:
        """The destination's own code (the most specific)."""
        return self.destination[0]
