"""Strategies for the catalog: products and their SKU matrix, categories, listings, stock."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import Decimal

from hypothesis import strategies as st

from mallcore.catalog import (
    MAX_COMBINATIONS,
    MAX_DIMENSIONS,
    Attribute,
    Category,
    CategoryTree,
    Listing,
    ListingStatus,
    Product,
    ReservationExpired,
    Sku,
    SpecDimension,
    Stock,
    StockCounted,
    StockDeducted,
    StockEvent,
    StockHold,
    StockMovement,
    StockPolicy,
    StockReleased,
    StockReserved,
    StockRestocked,
)
from mallcore.testing.strategies._ids import ids
from mallcore.testing.strategies._money import amounts, currencies

__all__ = [
    "aware_datetimes",
    "barcodes",
    "categories",
    "category_attributes",
    "category_trees",
    "listings",
    "products",
    "reservations_expired",
    "skus",
    "spec_dimensions",
    "stock_counted",
    "stock_deducted",
    "stock_events",
    "stock_holds",
    "stock_levels",
    "stock_released",
    "stock_reserved",
    "stock_restocked",
    "stocks_with_holds",
]

_ZONES: tuple[tzinfo, ...] = (
    UTC,
    timezone(timedelta(hours=8)),
    timezone(timedelta(hours=9)),
    timezone(timedelta(hours=-5)),
    timezone(timedelta(hours=5, minutes=30)),
)


def _names(*, max_size: int = 8) -> st.SearchStrategy[str]:
    """Non-blank text: ids, names, dimension values, tags (any script, 颜色 included)."""
    return st.text(min_size=1, max_size=max_size).filter(lambda text: bool(text.strip()))


def aware_datetimes(
    *,
    min_value: datetime = datetime(2000, 1, 1),
    max_value: datetime = datetime(2100, 1, 1),
) -> st.SearchStrategy[datetime]:
    """Timezone-aware datetimes (whole seconds) in a spread of UTC offsets."""
    return st.datetimes(
        min_value=min_value, max_value=max_value, timezones=st.sampled_from(_ZONES)
    ).map(lambda moment: moment.replace(microsecond=0))


def barcodes() -> st.SearchStrategy[str]:
    """EAN-8, UPC-A, EAN-13 and GTIN-14 codes with a correct GS1 check digit."""

    def with_check_digit(body: str) -> str:
        weighted = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
        return body + str((10 - weighted % 10) % 10)

    return (
        st.sampled_from((7, 11, 12, 13))
        .flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n))
        .map(with_check_digit)
    )


def _measures() -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False)


def skus(
    currency: str | None = None,
    *,
    spec: Mapping[str, str] | None = None,
    ids: st.SearchStrategy[str] | None = None,
    max_stock: int = 1000,
) -> st.SearchStrategy[Sku]:
    """SKUs priced in ``currency`` (drawn if None) with the given ``spec`` (empty if None)."""
    spec_pairs = tuple((spec or {}).items())
    sku_ids = ids if ids is not None else _names()
    codes = st.just(currency) if currency is not None else currencies()

    def in_currency(code: str) -> st.SearchStrategy[Sku]:
        prices = amounts(code, min_value=0, max_value=100_000)
        return st.builds(
            Sku,
            sku_ids,
            st.just(spec_pairs),
            prices,
            prices,
            cost_price=st.none() | prices,
            stock=st.integers(0, max_stock),
            warning_threshold=st.integers(0, 50),
            barcode=st.none() | barcodes(),
            weight=_measures(),
            volume=_measures(),
        )

    return codes.flatmap(in_currency)


def spec_dimensions(
    *, min_values: int = 1, max_values: int = 3
) -> st.SearchStrategy[SpecDimension]:
    """Spec dimensions with ``min_values`` to ``max_values`` distinct values."""
    return st.builds(
        SpecDimension,
        _names(),
        st.lists(_names(), min_size=min_values, max_size=max_values, unique=True),
    )


def listings() -> st.SearchStrategy[Listing]:
    """Listings in every status, with or without a window on either side."""

    def build(status: ListingStatus, start: datetime | None, length: int | None) -> Listing:
        until = None if length is None or start is None else start + timedelta(seconds=length)
        return Listing(status, listed_from=start, listed_until=until)

    return st.builds(
        build,
        st.sampled_from(ListingStatus),
        st.none() | aware_datetimes(),
        st.none() | st.integers(1, 10**8),
    ) | st.builds(
        Listing, st.sampled_from(ListingStatus), listed_until=st.none() | aware_datetimes()
    )


@st.composite
def products(
    draw: st.DrawFn,
    currency: str | None = None,
    *,
    max_dimensions: int = MAX_DIMENSIONS,
    max_values: int = 3,
) -> Product:
    """Valid products: up to ``max_dimensions`` dimensions of 1 to ``max_values`` values.

    Some combinations are disabled (at least one stays enabled); every
    enabled combination gets a SKU with its own id, all in one currency.
    """
    if not 0 <= max_dimensions <= MAX_DIMENSIONS or max_values < 1:
        raise ValueError(
            f"max_dimensions={max_dimensions!r} must be 0 to {MAX_DIMENSIONS} "
            f"and max_values={max_values!r} at least 1"
        )
    code = draw(st.just(currency) if currency is not None else currencies())
    dimensions = draw(
        st.lists(
            spec_dimensions(max_values=max_values),
            max_size=max_dimensions,
            unique_by=lambda dimension: dimension.name,
        )
    )
    size = math.prod(len(dimension.values) for dimension in dimensions)
    while size > MAX_COMBINATIONS:  # only when a caller asks for many values
        dimensions = dimensions[:-1]
        size = math.prod(len(dimension.values) for dimension in dimensions)
    cells = Product.shape_of(dimensions)
    disabled = (
        draw(st.sets(st.sampled_from(cells), max_size=len(cells) - 1)) if len(cells) > 1 else set()
    )
    enabled = [cell for cell in cells if cell not in disabled]
    ids = draw(st.lists(_names(), min_size=len(enabled), max_size=len(enabled), unique=True))
    skus_ = [
        draw(
            skus(
                code,
                spec={d.name: v for d, v in zip(dimensions, cell, strict=True)},
                ids=st.just(sku_id),
            )
        )
        for cell, sku_id in zip(enabled, ids, strict=True)
    ]
    return Product(
        draw(_names()),
        draw(_names(max_size=20)),
        draw(_names()),
        dimensions,
        skus_,
        disabled=disabled,
        tags=draw(st.lists(_names(), max_size=3)),
        names=draw(st.dictionaries(st.sampled_from(("en_US", "zh_TW", "ja_JP", "en")), _names())),
        attributes=draw(st.dictionaries(_names(), _names(), max_size=3)),
        listing=draw(listings()),
    )


def category_attributes() -> st.SearchStrategy[Attribute]:
    """Category attributes: free text or a list of allowed values, required or not."""
    return st.builds(
        Attribute,
        _names(),
        st.lists(_names(), max_size=4, unique=True),
        required=st.booleans(),
    )


def categories(
    *, parent_id: st.SearchStrategy[str | None] | None = None
) -> st.SearchStrategy[Category]:
    """Categories with up to three attributes of distinct names."""
    return st.builds(
        Category,
        _names(),
        _names(max_size=20),
        parent_id=parent_id if parent_id is not None else st.none() | _names(),
        sort_order=st.integers(-100, 100),
        attributes=st.lists(category_attributes(), max_size=3, unique_by=lambda a: a.name),
    )


@st.composite
def category_trees(draw: st.DrawFn, *, min_size: int = 0, max_size: int = 8) -> CategoryTree:
    """Valid category trees (forests): each category's parent is drawn among earlier ones."""
    ids = draw(st.lists(_names(), min_size=min_size, max_size=max_size, unique=True))
    nodes = []
    for index, category_id in enumerate(ids):
        parent = draw(st.none() | st.sampled_from(ids[:index])) if index else None
        node = draw(categories(parent_id=st.just(parent)))
        nodes.append(
            Category(
                category_id,
                node.name,
                parent_id=parent,
                sort_order=node.sort_order,
                attributes=node.attributes,
            )
        )
    order = draw(st.permutations(nodes))
    return CategoryTree(order)


def stock_holds(
    *, sku_id: str | None = None, max_quantity: int = 10
) -> st.SearchStrategy[StockHold]:
    """Holds of 1 to ``max_quantity`` units on ``sku_id`` (any SKU when None), expiring or not."""
    return st.builds(
        StockHold,
        st.just(sku_id) if sku_id is not None else ids(),
        ids(),
        st.integers(1, max_quantity),
        st.none() | aware_datetimes(),
    )


def _units(max_quantity: int) -> st.SearchStrategy[int]:
    return st.integers(1, max_quantity)


def stock_reserved(*, max_quantity: int = 10) -> st.SearchStrategy[StockReserved]:
    """Units set aside for an order, with an expiry or (DEDUCT_ON_ORDER) none."""
    return st.builds(
        StockReserved, ids(), ids(), _units(max_quantity), st.none() | aware_datetimes()
    )


def stock_released(*, max_quantity: int = 10) -> st.SearchStrategy[StockReleased]:
    """A cancelled order's units given back."""
    return st.builds(StockReleased, ids(), ids(), _units(max_quantity))


def reservations_expired(*, max_quantity: int = 10) -> st.SearchStrategy[ReservationExpired]:
    """A lapsed hold's units given back."""
    return st.builds(ReservationExpired, ids(), ids(), _units(max_quantity))


def stock_deducted(*, max_quantity: int = 10) -> st.SearchStrategy[StockDeducted]:
    """A paid order's units gone for good."""
    return st.builds(StockDeducted, ids(), ids(), _units(max_quantity))


def stock_restocked(*, max_quantity: int = 1000) -> st.SearchStrategy[StockRestocked]:
    """Units added on hand."""
    return st.builds(StockRestocked, ids(), _units(max_quantity))


def stock_counted(*, max_on_hand: int = 1000) -> st.SearchStrategy[StockCounted]:
    """A stocktake's before and after (different)."""
    counts = st.tuples(st.integers(0, max_on_hand), st.integers(0, max_on_hand))
    return st.builds(
        lambda sku_id, pair: StockCounted(sku_id, *pair),
        ids(),
        counts.filter(lambda pair: pair[0] != pair[1]),
    )


def stock_events() -> st.SearchStrategy[StockEvent]:
    """Any stock event."""
    return st.one_of(
        stock_reserved(),
        stock_released(),
        reservations_expired(),
        stock_deducted(),
        stock_restocked(),
        stock_counted(),
    )


def stock_movements(*, max_quantity: int = 10) -> st.SearchStrategy[StockMovement]:
    """Paid orders' stock movements of 1 to ``max_quantity`` units, timed or migrated (None)."""
    return st.builds(
        StockMovement,
        ids(),
        ids(),
        st.integers(1, max_quantity),
        st.none() | aware_datetimes(),
    )


@st.composite
def stocks_with_holds(
    draw: st.DrawFn,
    *,
    policy: StockPolicy | None = None,
    max_on_hand: int = 100,
) -> tuple[Stock, tuple[StockHold, ...]]:
    """A valid stock under either policy and the holds stored beside it, which agree with it.

    Under DEDUCT_ON_PAYMENT the holds are reservations (expiring or not)
    whose units add up to ``stock.reserved``; under DEDUCT_ON_ORDER they are
    units already taken off ``on_hand``, with no expiry.
    """
    chosen = policy if policy is not None else draw(st.sampled_from(StockPolicy))
    on_hand = draw(st.integers(0, max_on_hand))
    sku_id = draw(_names())
    order_ids = draw(st.lists(_names(), max_size=6, unique=True))
    holds: list[StockHold] = []
    room = on_hand
    for order_id in order_ids:
        if chosen is StockPolicy.DEDUCT_ON_PAYMENT and room and draw(st.booleans()):
            quantity = draw(st.integers(1, room))
            room -= quantity
            expiry = draw(st.none() | aware_datetimes())
            holds.append(StockHold(sku_id, order_id, quantity, expiry))
        elif chosen is StockPolicy.DEDUCT_ON_ORDER:
            holds.append(StockHold(sku_id, order_id, draw(st.integers(1, 10))))
    stock = Stock(
        sku_id,
        on_hand=on_hand,
        policy=chosen,
        reserved=on_hand - room,
        warning_threshold=draw(st.integers(0, 20)),
        version=draw(st.integers(0, 1000)),
    )
    return stock, tuple(holds)


def stock_levels(
    *, policy: StockPolicy | None = None, max_on_hand: int = 100
) -> st.SearchStrategy[Stock]:
    """Valid stock aggregates under either policy, with units reserved by unpaid orders."""
    return stocks_with_holds(policy=policy, max_on_hand=max_on_hand).map(lambda pair: pair[0])
