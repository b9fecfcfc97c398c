"""Products (SPU), their spec dimensions and the SKU matrix.

Rules (docs/catalog.md says more):

- A :class:`Product` (SPU, 商品) names its spec dimensions (规格维度: 颜色, 尺码 ...),
  each with ordered, distinct values. The SKU matrix (SKU矩阵) is the
  cartesian product of the values, in dimension order; a combination is a
  tuple of values in that order, e.g. ``("红", "M")``.
- Some combinations may be disabled (listed in ``disabled``); every enabled
  combination has exactly one :class:`Sku` and no disabled one has any. A
  product with no dimensions has exactly one SKU, whose spec is empty.
- The matrix is limited to :data:`MAX_DIMENSIONS` dimensions and
  :data:`MAX_COMBINATIONS` combinations (counting disabled ones), the limits
  of Shopify (3 options) and BigCommerce (600 SKUs).
- A SKU's prices are :class:`~mallcore.money.Money`, never negative; the sale
  price (现价), list price (原价) and optional cost price (成本价) share one
  currency, and every SKU of a product uses the same currency. Stock is a
  whole number of units, never negative; weight is in kilograms and volume in
  cubic metres, as :class:`~decimal.Decimal`.

Every rule broken raises :class:`~mallcore.errors.InvalidValue` naming the
field and the value, so an invalid product cannot be built.

>>> shirt = Product.from_matrix(
...     "P1", "T恤", "clothes",
...     dimensions=[SpecDimension("颜色", ("红", "蓝")), SpecDimension("尺码", ("M", "L"))],
...     make_sku=lambda spec: Sku(
...         "P1-" + "-".join(spec.values()), spec, Money("99", "CNY"), Money("79", "CNY")
...     ),
...     disabled=[("蓝", "L")],
... )
>>> [sku.id for sku in shirt.skus]
['P1-红-M', 'P1-红-L', 'P1-蓝-M']
>>> shirt.sku_for({"颜色": "蓝", "尺码": "M"}).id
'P1-蓝-M'
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Final

import attrs

from mallcore._fields import decimal_number, id_field, members, string, strings, to_tuple
from mallcore.catalog.listing import Listing, ListingStatus
from mallcore.errors import InvalidValue, NotFound, WrongType
from mallcore.money import Money

__all__ = [
    "MAX_COMBINATIONS",
    "MAX_DIMENSIONS",
    "Product",
    "Sku",
    "SpecCombination",
    "SpecDimension",
    "is_valid_gtin",
]

MAX_DIMENSIONS: Final = 3
"""At most this many spec dimensions per product (Shopify allows 3 options)."""

MAX_COMBINATIONS: Final = 600
"""At most this many matrix combinations per product, disabled ones included (BigCommerce: 600)."""

SpecCombination = tuple[str, ...]
"""One cell of the SKU matrix: a value of each dimension, in dimension order."""

_GTIN_LENGTHS: Final = frozenset({8, 12, 13, 14})


def is_valid_gtin(code: str) -> bool:
    """Whether ``code`` is an EAN-8, UPC-A, EAN-13 or GTIN-14 with a correct GS1 check digit.

    >>> is_valid_gtin("4006381333931"), is_valid_gtin("4006381333932")
    (True, False)
    """
    if not (code.isascii() and code.isdigit() and len(code) in _GTIN_LENGTHS):
        return False
    digits = [int(c) for c in code]
    body, check = digits[:-1], digits[-1]
    # GS1: from the right of the body, weights alternate 3, 1, 3, ...
    weighted = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - weighted % 10) % 10 == check


def _pairs(value: Mapping[str, str] | Iterable[Iterable[str]]) -> tuple[tuple[str, str], ...]:
    """A mapping or an iterable of (key, value) pairs as a tuple of pairs, order kept."""
    items = value.items() if isinstance(value, Mapping) else to_tuple(value)
    if not isinstance(items, Iterable) or isinstance(items, str):
        raise WrongType("pairs", value, "mapping or (name, value) pairs")
    result: list[tuple[str, str]] = []
    for item in items:
        pair = to_tuple(item)
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise InvalidValue("pairs", item, "must be (name, value) pairs")
        result.append((pair[0], pair[1]))
    return tuple(result)


def _sorted_strings(value: Iterable[str]) -> tuple[str, ...]:
    """Distinct strings, sorted, so equal sets compare and serialise equal."""
    strings = to_tuple(value)
    if not isinstance(strings, tuple) or not all(isinstance(item, str) for item in strings):
        raise WrongType("product.tags", value, "collection of str")
    return tuple(sorted(set(strings)))


def _sorted_combinations(value: Iterable[Iterable[str]]) -> tuple[SpecCombination, ...]:
    """Distinct combinations, sorted."""
    combinations = to_tuple(value)
    if not isinstance(combinations, tuple):
        raise WrongType("product.disabled", value, "collection of combinations")
    found = set()
    for combination in combinations:
        values = to_tuple(combination)
        if not isinstance(values, tuple) or not all(isinstance(item, str) for item in values):
            raise WrongType("product.disabled[]", combination, "tuple of str")
        found.add(values)
    return tuple(sorted(found))


def _weight(value: Decimal | int | str) -> Decimal:
    return decimal_number("sku.weight", value)


def _volume(value: Decimal | int | str) -> Decimal:
    return decimal_number("sku.volume", value)


def _name(field: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(field, value, "must be a non-empty string")


@attrs.frozen
class SpecDimension:
    """A spec dimension (规格维度) such as 颜色 or 尺码, with its ordered, distinct values."""

    name: str
    values: tuple[str, ...] = attrs.field(converter=to_tuple, validator=strings)

    def __attrs_post_init__(self) -> None:
        _name("dimension.name", self.name)
        if not self.values:
            raise InvalidValue(f"dimension {self.name!r}.values", self.values, "must not be empty")
        for value in self.values:
            _name(f"dimension {self.name!r}.values", value)
        duplicates = sorted({v for v in self.values if self.values.count(v) > 1})
        if duplicates:
            raise InvalidValue(
                f"dimension {self.name!r}.values", duplicates, "must not repeat a value"
            )


@attrs.frozen
class Sku:
    """A stock keeping unit (库存单位): one enabled cell of a product's matrix.

    ``spec`` maps each dimension name to this SKU's value (give a dict or
    pairs; it is kept as a tuple of pairs). ``weight`` is in kilograms and
    ``volume`` in cubic metres. ``warning_threshold`` is the 库存预警值.
    """

    id: str
    spec: tuple[tuple[str, str], ...] = attrs.field(converter=_pairs)
    list_price: Money
    sale_price: Money
    cost_price: Money | None = attrs.field(default=None, kw_only=True)
    stock: int = attrs.field(default=0, kw_only=True)
    warning_threshold: int = attrs.field(default=0, kw_only=True)
    barcode: str | None = attrs.field(
        default=None, kw_only=True, validator=attrs.validators.optional(string)
    )
    weight: Decimal = attrs.field(default=Decimal(0), converter=_weight, kw_only=True)
    volume: Decimal = attrs.field(default=Decimal(0), converter=_volume, kw_only=True)

    def __attrs_post_init__(self) -> None:
        _name("sku.id", self.id)
        for name, value in self.spec:
            _name(f"sku {self.id!r}.spec", name)
            _name(f"sku {self.id!r}.spec[{name!r}]", value)
        names = [name for name, _ in self.spec]
        if len(set(names)) != len(names):
            raise InvalidValue(f"sku {self.id!r}.spec", self.spec, "must not repeat a dimension")
        for field, price in (
            ("list_price", self.list_price),
            ("sale_price", self.sale_price),
            ("cost_price", self.cost_price),
        ):
            if price is None and field == "cost_price":
                continue
            if not isinstance(price, Money):
                raise WrongType(f"sku {self.id!r}.{field}", price, "Money")
            if price.is_negative():
                raise InvalidValue(f"sku {self.id!r}.{field}", price, "must not be negative")
            if price.currency != self.list_price.currency:
                raise InvalidValue(
                    f"sku {self.id!r}.{field}",
                    price,
                    f"must be in the list price currency {self.list_price.currency}",
                )
        for field, count in (("stock", self.stock), ("warning_threshold", self.warning_threshold)):
            if isinstance(count, bool) or not isinstance(count, int):
                raise WrongType(f"sku {self.id!r}.{field}", count, "int")
            if count < 0:
                raise InvalidValue(f"sku {self.id!r}.{field}", count, "must not be negative")
        if self.barcode is not None and not is_valid_gtin(self.barcode):
            raise InvalidValue(
                f"sku {self.id!r}.barcode",
                self.barcode,
                "must be an EAN-8, UPC-A, EAN-13 or GTIN-14 with a valid check digit",
            )
        for field, amount in (("weight", self.weight), ("volume", self.volume)):
            if amount < 0:
                raise InvalidValue(f"sku {self.id!r}.{field}", amount, "must not be negative")

    @property
    def currency(self) -> str:
        """The ISO 4217 code of this SKU's prices."""
        return self.list_price.currency

    @property
    def spec_values(self) -> dict[str, str]:
        """``spec`` as a new dict, dimension name -> value."""
        return dict(self.spec)

    def is_low_on_stock(self) -> bool:
        """Whether stock is at or below the warning threshold (库存预警)."""
        return self.stock <= self.warning_threshold


@attrs.frozen
class Product:
    """A product (SPU, 商品): its dimensions, its SKU matrix, its category, tags and listing.

    ``names`` holds translations (locale -> name, 多语言) beside the default
    ``name``; ``attributes`` the category attribute values (材质 -> 棉) that
    :meth:`~mallcore.catalog.CategoryTree.check_attributes` checks.
    """

    id: str
    name: str
    category_id: str
    dimensions: tuple[SpecDimension, ...] = attrs.field(
        converter=to_tuple, validator=members(SpecDimension, "SpecDimension")
    )
    skus: tuple[Sku, ...] = attrs.field(converter=to_tuple, validator=members(Sku, "Sku"))
    disabled: tuple[SpecCombination, ...] = attrs.field(
        default=(), converter=_sorted_combinations, kw_only=True
    )
    tags: tuple[str, ...] = attrs.field(default=(), converter=_sorted_strings, kw_only=True)
    names: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pairs, kw_only=True)
    attributes: tuple[tuple[str, str], ...] = attrs.field(
        default=(), converter=_pairs, kw_only=True
    )
    listing: Listing = attrs.field(factory=Listing, kw_only=True)
    shop_id: str | None = attrs.field(default=None, kw_only=True, validator=id_field)
    """The seller (shop coupons, several shops in one cart); None is the platform itself."""
    freight_template_id: str | None = attrs.field(default=None, kw_only=True, validator=id_field)
    """The freight template that charges this product (else the shipping set-up's default)."""
    no_reason_returns: bool = attrs.field(default=True, kw_only=True)
    """False for goods excluded from 七日无理由退货 (custom-made, fresh, unsealed digital goods)."""
    _by_cell: dict[SpecCombination, Sku] = attrs.field(
        init=False, repr=False, eq=False, hash=False, alias="_by_cell"
    )

    def __attrs_post_init__(self) -> None:
        _name("product.id", self.id)
        _name("product.name", self.name)
        _name("product.category_id", self.category_id)
        for tag in self.tags:
            _name("product.tags", tag)
        for field, pairs in (("names", self.names), ("attributes", self.attributes)):
            keys = [key for key, _ in pairs]
            repeated = sorted({key for key in keys if keys.count(key) > 1})
            if repeated:
                raise InvalidValue(f"product.{field}", repeated, "must not repeat a key")
        for locale, name in self.names:
            _name(f"product.names[{locale!r}]", name)
        self._check_matrix()

    def _check_matrix(self) -> None:
        names = [dimension.name for dimension in self.dimensions]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise InvalidValue("product.dimensions", repeated, "must not repeat a dimension name")
        if len(self.dimensions) > MAX_DIMENSIONS:
            raise InvalidValue(
                "product.dimensions", names, f"must be at most {MAX_DIMENSIONS} dimensions"
            )
        size = math.prod(len(dimension.values) for dimension in self.dimensions)
        if size > MAX_COMBINATIONS:
            raise InvalidValue(
                "product.dimensions",
                size,
                f"the SKU matrix must have at most {MAX_COMBINATIONS} combinations",
            )
        matrix = set(self.combinations())
        for combination in self.disabled:
            if combination not in matrix:
                raise InvalidValue(
                    "product.disabled", combination, "is not a combination of the matrix"
                )
        if not self.skus:
            raise InvalidValue("product.skus", self.skus, "must not be empty")
        disabled = set(self.disabled)
        seen_ids: set[str] = set()
        seen: dict[SpecCombination, str] = {}
        by_cell: dict[SpecCombination, Sku] = {}
        currency = self.skus[0].currency
        for sku in self.skus:
            if sku.id in seen_ids:
                raise InvalidValue("product.skus", sku.id, "must not repeat a SKU id")
            seen_ids.add(sku.id)
            if sku.currency != currency:
                raise InvalidValue(
                    f"sku {sku.id!r}.list_price",
                    sku.list_price,
                    f"every SKU of a product must be priced in {currency}",
                )
            cell = self._combination_of(sku.spec_values)
            if cell is None:
                raise InvalidValue(
                    f"sku {sku.id!r}.spec", sku.spec_values, "is not a combination of the matrix"
                )
            if cell in disabled:
                raise InvalidValue(
                    f"sku {sku.id!r}.spec", sku.spec_values, "is a disabled combination"
                )
            if cell in seen:
                raise InvalidValue(
                    f"sku {sku.id!r}.spec",
                    sku.spec_values,
                    f"is already the combination of SKU {seen[cell]!r}",
                )
            seen[cell] = sku.id
            by_cell[cell] = sku
        for combination in self.enabled_combinations():
            if combination not in seen:
                raise InvalidValue(
                    "product.skus",
                    self._spec_of(combination),
                    "has no SKU for this enabled combination",
                )
        object.__setattr__(self, "_by_cell", by_cell)

    def _combination_of(self, spec: Mapping[str, str]) -> SpecCombination | None:
        if set(spec) != {dimension.name for dimension in self.dimensions}:
            return None
        combination = tuple(spec[dimension.name] for dimension in self.dimensions)
        for dimension, value in zip(self.dimensions, combination, strict=True):
            if value not in dimension.values:
                return None
        return combination

    def _spec_of(self, combination: SpecCombination) -> dict[str, str]:
        return {d.name: v for d, v in zip(self.dimensions, combination, strict=True)}

    @classmethod
    def from_matrix(
        cls,
        id: str,
        name: str,
        category_id: str,
        *,
        dimensions: Iterable[SpecDimension],
        make_sku: Callable[[dict[str, str]], Sku],
        disabled: Iterable[Iterable[str]] = (),
        tags: Iterable[str] = (),
        names: Mapping[str, str] | Iterable[Iterable[str]] = (),
        attributes: Mapping[str, str] | Iterable[Iterable[str]] = (),
        listing: Listing | None = None,
        shop_id: str | None = None,
        freight_template_id: str | None = None,
    ) -> Product:
        """Build a product whose SKUs ``make_sku`` makes, one per enabled combination.

        ``make_sku`` receives the combination as a dict (dimension name ->
        value, in dimension order) and returns that combination's SKU; the
        SKUs come out in matrix order.
        """
        dimensions = tuple(dimensions)
        off = _sorted_combinations(disabled)
        shape = cls.shape_of(dimensions)
        skus = [
            make_sku({d.name: v for d, v in zip(dimensions, combination, strict=True)})
            for combination in shape
            if combination not in off
        ]
        return cls(
            id,
            name,
            category_id,
            dimensions,
            skus,
            disabled=off,
            tags=tags,
            names=names,
            attributes=attributes,
            listing=listing if listing is not None else Listing(),
            shop_id=shop_id,
            freight_template_id=freight_template_id,
        )

    @classmethod
    def single(
        cls,
        id: str,
        name: str,
        category_id: str,
        sku: Sku,
        *,
        tags: Iterable[str] = (),
        names: Mapping[str, str] | Iterable[Iterable[str]] = (),
        attributes: Mapping[str, str] | Iterable[Iterable[str]] = (),
        listing: Listing | None = None,
        shop_id: str | None = None,
        freight_template_id: str | None = None,
    ) -> Product:
        """Build a product without spec dimensions: its one SKU has an empty spec."""
        return cls(
            id,
            name,
            category_id,
            (),
            (sku,),
            tags=tags,
            names=names,
            attributes=attributes,
            listing=listing if listing is not None else Listing(),
            shop_id=shop_id,
            freight_template_id=freight_template_id,
        )

    @staticmethod
    def shape_of(dimensions: Iterable[SpecDimension]) -> tuple[SpecCombination, ...]:
        """Every cell of the matrix of ``dimensions``, in matrix order, or InvalidValue if too big.

        >>> Product.shape_of([SpecDimension("尺码", ("M", "L"))])
        (('M',), ('L',))
        """
        dimensions = tuple(dimensions)
        size = math.prod(len(dimension.values) for dimension in dimensions)
        if size > MAX_COMBINATIONS:
            raise InvalidValue(
                "product.dimensions",
                size,
                f"the SKU matrix must have at most {MAX_COMBINATIONS} combinations",
            )
        return tuple(itertools.product(*(dimension.values for dimension in dimensions)))

    @property
    def currency(self) -> str:
        """The ISO 4217 code of every SKU's prices."""
        return self.skus[0].currency

    def combinations(self) -> tuple[SpecCombination, ...]:
        """Every cell of the matrix, disabled ones included, in matrix order."""
        return self.shape_of(self.dimensions)

    def enabled_combinations(self) -> tuple[SpecCombination, ...]:
        """The cells of the matrix that are not disabled, in matrix order."""
        disabled = set(self.disabled)
        return tuple(c for c in self.combinations() if c not in disabled)

    def sku(self, sku_id: str) -> Sku:
        """The SKU with id ``sku_id``, or NotFound."""
        for sku in self.skus:
            if sku.id == sku_id:
                return sku
        raise NotFound("SKU", sku_id)

    def sku_for(self, spec: Mapping[str, str]) -> Sku:
        """The SKU with these spec values (dimension name -> value), or NotFound."""
        cell = self._combination_of(spec)
        if cell is None or cell not in self._by_cell:
            raise NotFound("SKU with spec", dict(spec))
        return self._by_cell[cell]

    def with_sku(self, sku: Sku) -> Product:
        """This product with the SKU of the same id replaced by ``sku`` (a new price, stock ...).

        NotFound if no SKU has that id; InvalidValue if ``sku`` breaks a rule.
        """
        self.sku(sku.id)
        return attrs.evolve(self, skus=tuple(sku if s.id == sku.id else s for s in self.skus))

    def name_in(self, locale: str) -> str:
        """The name in ``locale`` (then in its language, ``zh`` for ``zh_TW``), else ``name``."""
        translations = dict(self.names)
        if locale in translations:
            return translations[locale]
        return translations.get(locale.split("_")[0], self.name)

    @property
    def attribute_values(self) -> dict[str, str]:
        """``attributes`` as a new dict, attribute name -> value."""
        return dict(self.attributes)

    def low_stock_skus(self) -> tuple[Sku, ...]:
        """The SKUs at or below their stock-warning threshold."""
        return tuple(sku for sku in self.skus if sku.is_low_on_stock())

    def move_to(self, status: ListingStatus) -> Product:
        """This product with its listing moved to ``status``, or IllegalTransition."""
        return attrs.evolve(self, listing=self.listing.move_to(status, key=self.id))

    def is_listed(self, now: datetime) -> bool:
        """Whether the product is on shelf and inside its listing window at ``now``."""
        return self.listing.is_listed(now)

    def is_purchasable(self, now: datetime, sku_id: str | None = None) -> bool:
        """Whether it can be bought at ``now``: listed, and the SKU (or any SKU) has stock."""
        if not self.is_listed(now):
            return False
        skus = (self.sku(sku_id),) if sku_id is not None else self.skus
        return any(sku.stock > 0 for sku in skus)
