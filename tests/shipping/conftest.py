"""Templates A, B and C of issue 4 and a helper for shipment lines."""

from __future__ import annotations

from decimal import Decimal

from mallcore.money import Money
from mallcore.shipping import ChargeBy, FreightTemplate, Rate, ShipmentLine


def cny(amount: str | int) -> Money:
    return Money(amount, "CNY")


def rate(first: str | int, first_fee: str | int, step: str | int, step_fee: str | int) -> Rate:
    return Rate(first=first, first_fee=cny(first_fee), step=step, step_fee=cny(step_fee))


TEMPLATE_A = FreightTemplate(id="A", charge_by=ChargeBy.PIECE, default=rate(1, 8, 1, 3))
TEMPLATE_B = FreightTemplate(id="B", charge_by=ChargeBy.PIECE, default=rate(1, 20, 1, 10))
TEMPLATE_C = FreightTemplate(id="C", charge_by=ChargeBy.WEIGHT, default=rate(1, 12, 1, 5))


def line(
    line_id: str,
    quantity: int = 1,
    *,
    template: str | None = "A",
    weight: str = "0",
    amount: str = "10",
    flat: str | None = None,
) -> ShipmentLine:
    return ShipmentLine(
        line_id=line_id,
        sku_id=f"sku-{line_id}",
        product_id=f"p-{line_id}",
        quantity=quantity,
        amount=cny(amount),
        weight=Decimal(weight),
        template_id=None if flat is not None else template,
        flat_postage=None if flat is None else cny(flat),
    )
