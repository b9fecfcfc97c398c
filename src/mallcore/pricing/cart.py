"""The pricing input: a cart of lines and the customer buying it.

The cart is pricing's own type, not the catalog's: a line carries what the
rules look at (SKU, product, categories *including ancestors*, shop, flags)
and its prices, so the engine's hot path never touches catalog objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, NoReturn

import attrs

from mallcore._fields import (
    flag,
    members,
    non_negative_money,
    string,
    strings,
    to_frozenset,
    to_tuple,
    whole_number,
)
from mallcore.errors import InvalidValue, LimitExceeded, WrongType
from mallcore.limits import CEILINGS, DEFAULT_LIMITS, InputLimits
from mallcore.money import Money
from mallcore.shipping.shipment import measure

__all__ = [
    "Cart",
    "CartLine",
    "Customer",
    "Usage",
    "as_usage",
]


_UNITS_CEILING = CEILINGS["units_per_line"]


def _quantity(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if whole_number(attribute.name, value, 1) > _UNITS_CEILING:
        raise LimitExceeded(attribute.name, value, "units_per_line", _UNITS_CEILING)


@attrs.frozen(kw_only=True)
class CartLine:
    """One line of a cart: ``quantity`` units of one SKU at ``sale_price`` (else ``list_price``).

    ``on_promotion`` marks a line the merchant already treats as promoted
    (coupons with ``on_promoted_items=False`` skip it). ``shop`` is the seller
    for shop coupons (None: the platform itself). For freight, ``weight``
    (kg) and ``volume`` (m³) are per unit, and ``freight_template`` (else the
    shipping set-up's default) or ``flat_postage`` (统一运费; zero: 包邮) says
    how the line is charged (docs/shipping.md).
    """

    line_id: str = attrs.field(validator=string)
    sku_id: str = attrs.field(validator=string)
    product_id: str = attrs.field(validator=string)
    quantity: int = attrs.field(validator=_quantity)
    list_price: Money = attrs.field(validator=non_negative_money)
    sale_price: Money | None = attrs.field(
        default=None, validator=attrs.validators.optional(non_negative_money)
    )
    category_ids: frozenset[str] = attrs.field(
        factory=frozenset, converter=to_frozenset, validator=strings
    )
    shop: str | None = attrs.field(default=None, validator=attrs.validators.optional(string))
    on_promotion: bool = attrs.field(default=False, validator=flag)
    weight: Decimal = attrs.field(default=Decimal(0), converter=measure)
    volume: Decimal = attrs.field(default=Decimal(0), converter=measure)
    freight_template: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(string)
    )
    flat_postage: Money | None = attrs.field(
        default=None, validator=attrs.validators.optional(non_negative_money)
    )

    def __attrs_post_init__(self) -> None:
        currency = self.list_price.currency
        if self.flat_postage is not None and self.flat_postage.currency != currency:
            raise InvalidValue("flat_postage", self.flat_postage, "must be in the list currency")
        if self.sale_price is not None and self.sale_price.currency != currency:
            raise InvalidValue("sale_price", self.sale_price, "must be in the list currency")

    @property
    def price(self) -> Money:
        """The regular unit price: the sale price if any, else the list price."""
        return self.sale_price if self.sale_price is not None else self.list_price


@attrs.frozen(kw_only=True)
class Cart:
    """What is being priced: lines in one ``currency``; ``group_buy`` for a 拼团 order.

    The cart keeps to ``limits`` (lines, units per line and in all; not part
    of its value: two carts with the same lines are equal).
    """

    currency: str
    lines: tuple[CartLine, ...] = attrs.field(
        converter=to_tuple, validator=members(CartLine, "CartLine")
    )
    group_buy: bool = attrs.field(default=False, validator=flag)
    limits: InputLimits = attrs.field(default=DEFAULT_LIMITS, eq=False, repr=False)

    def check(self, limits: InputLimits) -> None:
        """Raise LimitExceeded when the cart has more lines or units than ``limits`` allow."""
        limits.check("lines_per_cart", "lines", len(self.lines))
        units = 0
        for index, line in enumerate(self.lines):
            limits.check("units_per_line", f"lines[{index}].quantity", line.quantity)
            units += line.quantity
        limits.check("units_per_cart", "lines[].quantity", units)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.limits, InputLimits):
            raise WrongType("limits", self.limits, "InputLimits")
        if not self.lines:
            raise InvalidValue("lines", self.lines, "a cart needs at least one line")
        self.check(self.limits)
        seen: set[str] = set()
        for line in self.lines:
            if line.list_price.currency != self.currency:
                raise InvalidValue(
                    "list_price",
                    line.list_price,
                    f"line {line.line_id!r} is not in {self.currency}",
                )
            if line.line_id in seen:
                raise InvalidValue("line_id", line.line_id, "appears twice in the cart")
            seen.add(line.line_id)


class Usage(Mapping[str, int]):
    """How often each rule was used so far, by rule id: an immutable mapping of counts.

    Build it from a dict (or pairs); it reads like one and compares equal to
    one, but cannot be changed, so it is safe inside frozen values. Counts
    are whole numbers, 0 or more.

    >>> Usage({"double-11": 2}).get("double-11", 0)
    2
    """

    __slots__ = ("_counts",)
    _counts: dict[str, int]

    def __init__(self, counts: Mapping[str, int] | Iterable[tuple[str, int]] = ()) -> None:
        try:
            checked = dict(counts)
        except (TypeError, ValueError):
            raise WrongType("usage", counts, "mapping of rule ids to counts") from None
        for key, count in checked.items():
            if not isinstance(key, str):
                raise InvalidValue("usage", key, "must be keyed by rule id")
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise InvalidValue(f"usage[{key!r}]", count, "must be a whole number, 0 or more")
        object.__setattr__(self, "_counts", checked)

    def __getitem__(self, key: str) -> int:
        return self._counts[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._counts)

    def __len__(self) -> int:
        return len(self._counts)

    def get(self, key: str, default: Any = None) -> Any:
        """The count for ``key``, else ``default`` (without raising and catching a KeyError)."""
        return self._counts.get(key, default)

    def __hash__(self) -> int:
        return hash(frozenset(self._counts.items()))

    def __repr__(self) -> str:
        return f"Usage({self._counts!r})"

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise attrs.exceptions.FrozenInstanceError


def as_usage(counts: Mapping[str, int] | Iterable[tuple[str, int]]) -> Usage:
    """``counts`` as a :class:`Usage`: itself when it already is one (a converter for values)."""
    return counts if isinstance(counts, Usage) else Usage(counts)


@attrs.frozen(kw_only=True)
class Customer:
    """The shopper: ``tier``, first order or not, ``region``, ``birthday`` and ``usage`` per rule.

    ``birthday`` (a date) makes the earning preview's birthday multiplier and
    the tier's birthday coupon apply. ``usage`` counts the orders that used
    each rule (a flash sale's units under ``"<id>:units"``); give a dict, it
    is kept as an immutable :class:`Usage`.
    """

    id: str
    tier: str | None = None
    is_new: bool = False
    region: str | None = None
    birthday: date | None = None
    usage: Usage = attrs.field(factory=Usage, converter=as_usage)
