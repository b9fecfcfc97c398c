"""Merge policies: one freight amount for a cart whose lines use several templates.

Each template's lines going to the destination make one :class:`Load`: the
units they count (pieces, kg or m³) and the rate the destination gets. The
merchant picks how loads combine (:class:`MergePolicy`); with template A
(first 1 = 8, +1 = 3) and template B (first 1 = 20, +1 = 10), two items on
each:

- ``largest_first_fee`` (the default, the rule of China's largest platform):
  lines on one template share one first fee; across templates the largest
  first fee is charged once, with its template's additional units, and every
  other template's units are charged at their own additional rate:
  20 + 10 + 3 + 3 = 36. Of templates tied on the largest first fee, the one
  giving the lower total takes it (then the earlier in the cart);
- ``sum_per_template``: every template charged on its own: (8 + 3) + (20 + 10) = 41;
- ``sum_per_line``: every line charged on its own, as if shipped alone;
- ``larger_of_flat_and_template``: the larger of the flat postage and the
  template amount (merged as by default), never both.

Flat postage (统一运费) is charged once per order at the largest flat
postage of the cart (each line's own under ``sum_per_line``), and added to
the template amount except under ``larger_of_flat_and_template``.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from decimal import Decimal

import attrs

from mallcore.money import Money
from mallcore.shipping.templates import Rate

__all__ = ["Load", "MergePolicy", "merge"]


class MergePolicy(enum.Enum):
    """How the charges of several templates (and flat postage) combine into one."""

    LARGEST_FIRST_FEE = "largest_first_fee"
    """One first fee per template, only the largest charged; others at additional rates."""
    SUM_PER_TEMPLATE = "sum_per_template"
    """Each template charged on its own lines, first fee included; summed."""
    SUM_PER_LINE = "sum_per_line"
    """Each line charged on its own, first fee included; summed."""
    LARGER_OF_FLAT_AND_TEMPLATE = "larger_of_flat_and_template"
    """The larger of the flat postage and the default merge of the templates."""


@attrs.frozen
class Load:
    """One template's lines to one destination: the rate, the units in all and per line."""

    template_id: str
    rate: Rate
    units: Decimal
    line_units: tuple[Decimal, ...]


def _largest_first_fee(loads: Sequence[Load], zero: Money) -> tuple[Money, str]:
    additional = [load.rate.additional(load.units) for load in loads]
    everything = sum(additional, start=zero)
    top = max(load.rate.first_fee for load in loads)
    amount, first = min(
        (
            (everything - extra + load.rate.charge(load.units), load.template_id)
            for load, extra in zip(loads, additional, strict=True)
            if load.rate.first_fee == top
        ),
        key=lambda candidate: candidate[0].minor_units,
    )
    others = [load.template_id for load in loads if load.template_id != first]
    detail = f"first fee of {first} ({top.amount}) once"
    if others:
        detail += f"; {', '.join(others)} at the additional rate"
    return amount, detail


def merge(
    loads: Sequence[Load], flat_postages: Sequence[Money], policy: MergePolicy, currency: str
) -> tuple[Money, str]:
    """The freight for ``loads`` and ``flat_postages`` under ``policy``, and how it was reached.

    >>> from mallcore.shipping.templates import Rate
    >>> a = Rate(first=1, first_fee=Money("8", "CNY"), step=1, step_fee=Money("3", "CNY"))
    >>> load = Load("A", a, Decimal(4), (Decimal(2), Decimal(2)))
    >>> merge([load], [], MergePolicy.LARGEST_FIRST_FEE, "CNY")[0]
    Money('17.00', 'CNY')
    """
    zero = Money.zero(currency)
    if not loads:
        templates, how = zero, "no template charges"
    elif policy is MergePolicy.SUM_PER_TEMPLATE:
        templates = sum((load.rate.charge(load.units) for load in loads), start=zero)
        how = "each template charged on its own"
    elif policy is MergePolicy.SUM_PER_LINE:
        templates = sum(
            (load.rate.charge(units) for load in loads for units in load.line_units), start=zero
        )
        how = "each line charged on its own"
    else:
        templates, how = _largest_first_fee(loads, zero)
    if not flat_postages:
        return templates, how
    if policy is MergePolicy.SUM_PER_LINE:
        flat = sum(flat_postages, start=zero)
        return templates + flat, f"{how}; flat postage {flat.amount} added"
    flat = max(flat_postages)
    if policy is MergePolicy.LARGER_OF_FLAT_AND_TEMPLATE:
        if flat >= templates:
            return (
                flat,
                f"flat postage {flat.amount}, not less than the templates' {templates.amount}",
            )
        return templates, f"{how}: {templates.amount}, more than flat postage {flat.amount}"
    return templates + flat, f"{how}; largest flat postage {flat.amount} added once"
