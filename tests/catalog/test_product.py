"""Products and the SKU matrix: every validation rule, matrix laws, lookups."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mallcore.catalog import (
    MAX_COMBINATIONS,
    Listing,
    ListingStatus,
    Product,
    Sku,
    SpecDimension,
    is_valid_gtin,
)
from mallcore.errors import IllegalTransition, InvalidValue, NotFound
from mallcore.money import Money
from mallcore.testing.strategies import barcodes, products

COLOUR = SpecDimension("颜色", ("红", "蓝"))
SIZE = SpecDimension("尺码", ("M", "L"))
NOON = datetime(2026, 11, 11, 12, 0, tzinfo=UTC)


def _sku(spec: dict[str, str], **changes: object) -> Sku:
    sku_id = "TEE-" + "-".join(spec.values())
    return Sku(sku_id, spec, Money("99", "CNY"), Money("79", "CNY"), **changes)  # type: ignore[arg-type]


def _tee(**changes: object) -> Product:
    return Product.from_matrix(
        "TEE",
        "纯棉T恤",
        "tops",
        dimensions=[COLOUR, SIZE],
        make_sku=_sku,
        **changes,  # type: ignore[arg-type]
    )


def test_the_matrix_is_the_cartesian_product_in_dimension_order() -> None:
    tee = _tee()

    assert tee.combinations() == (("红", "M"), ("红", "L"), ("蓝", "M"), ("蓝", "L"))
    assert [sku.id for sku in tee.skus] == ["TEE-红-M", "TEE-红-L", "TEE-蓝-M", "TEE-蓝-L"]


def test_a_disabled_combination_has_no_sku() -> None:
    tee = _tee(disabled=[("蓝", "L")])

    assert tee.enabled_combinations() == (("红", "M"), ("红", "L"), ("蓝", "M"))
    with pytest.raises(NotFound):
        tee.sku_for({"颜色": "蓝", "尺码": "L"})


def test_a_sku_is_found_by_its_spec_values_in_any_order() -> None:
    tee = _tee()

    assert tee.sku_for({"尺码": "L", "颜色": "蓝"}).id == "TEE-蓝-L"
    assert tee.sku("TEE-红-M").spec_values == {"颜色": "红", "尺码": "M"}


def test_a_product_without_dimensions_has_exactly_one_sku() -> None:
    mug = Product.single("MUG", "马克杯", "kitchen", _sku({}))

    assert mug.combinations() == ((),)
    assert mug.sku_for({}).id == "TEE-"


def test_a_product_without_dimensions_refuses_a_second_sku() -> None:
    with pytest.raises(InvalidValue) as raised:
        Product("MUG", "马克杯", "kitchen", (), [_sku({}), Sku("B", {}, *_prices())])

    assert str(raised.value) == "sku 'B'.spec: is already the combination of SKU 'TEE-' (got {})"


def _prices() -> tuple[Money, Money]:
    return Money("10", "CNY"), Money("8", "CNY")


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: SpecDimension("颜色", ("红", "红", "蓝")),
            "dimension '颜色'.values: must not repeat a value (got ['红'])",
        ),
        (
            lambda: SpecDimension("颜色", ()),
            "dimension '颜色'.values: must not be empty (got ())",
        ),
        (
            lambda: Product.from_matrix("P", "n", "c", dimensions=[COLOUR, COLOUR], make_sku=_sku),
            "product.dimensions: must not repeat a dimension name (got ['颜色'])",
        ),
        (
            lambda: Product("P", "n", "c", [COLOUR], [_sku({"颜色": "红"}), _sku({"颜色": "绿"})]),
            "sku 'TEE-绿'.spec: is not a combination of the matrix (got {'颜色': '绿'})",
        ),
        (
            lambda: Product("P", "n", "c", [COLOUR], [_sku({"颜色": "红"})]),
            "product.skus: has no SKU for this enabled combination (got {'颜色': '蓝'})",
        ),
        (
            lambda: Product(
                "P",
                "n",
                "c",
                [COLOUR],
                [_sku({"颜色": "红"}), _sku({"颜色": "蓝"})],
                disabled=[("蓝",)],
            ),
            "sku 'TEE-蓝'.spec: is a disabled combination (got {'颜色': '蓝'})",
        ),
        (
            lambda: Product("P", "n", "c", [COLOUR], [_sku({"颜色": "红"})], disabled=[("绿",)]),
            "product.disabled: is not a combination of the matrix (got ('绿',))",
        ),
        (
            lambda: _sku({}, stock=-1),
            "sku 'TEE-'.stock: must not be negative (got -1)",
        ),
        (
            lambda: Sku("S", {}, Money("-1", "CNY"), Money("1", "CNY")),
            "sku 'S'.list_price: must not be negative (got Money('-1.00', 'CNY'))",
        ),
        (
            lambda: Sku("S", {}, Money("10", "CNY"), Money("8", "USD")),
            "sku 'S'.sale_price: must be in the list price currency CNY (got Money('8.00', 'USD'))",
        ),
        (
            lambda: _sku({}, barcode="4006381333932"),
            "sku 'TEE-'.barcode: must be an EAN-8, UPC-A, EAN-13 or GTIN-14 with a valid "
            "check digit (got '4006381333932')",
        ),
        (
            lambda: _sku({}, weight="-0.5"),
            "sku 'TEE-'.weight: must not be negative (got Decimal('-0.5'))",
        ),
        (
            lambda: Product.from_matrix(
                "P",
                "n",
                "c",
                dimensions=[SpecDimension(name, tuple(str(i) for i in range(9))) for name in "abc"],
                make_sku=_sku,
            ),
            "product.dimensions: the SKU matrix must have at most 600 combinations (got 729)",
        ),
        (
            lambda: Product.from_matrix(
                "P",
                "n",
                "c",
                dimensions=[SpecDimension(name, ("x",)) for name in "abcd"],
                make_sku=_sku,
            ),
            "product.dimensions: must be at most 3 dimensions (got ['a', 'b', 'c', 'd'])",
        ),
    ],
    ids=[
        "duplicate value",
        "empty dimension",
        "duplicate dimension",
        "not a combination",
        "missing sku",
        "sku for a disabled combination",
        "unknown disabled combination",
        "negative stock",
        "negative price",
        "sale price in another currency",
        "bad barcode check digit",
        "negative weight",
        "matrix too large",
        "too many dimensions",
    ],
)
def test_an_invalid_product_is_refused_with_a_message_naming_field_and_value(
    build: object, message: str
) -> None:
    assert callable(build)

    with pytest.raises(InvalidValue) as raised:
        build()

    assert str(raised.value) == message


def test_a_float_weight_is_refused() -> None:
    with pytest.raises(TypeError):
        _sku({}, weight=0.1)


def test_skus_of_one_product_share_a_currency() -> None:
    usd = Sku("USD-蓝", {"颜色": "蓝"}, Money("10", "USD"), Money("8", "USD"))

    with pytest.raises(InvalidValue) as raised:
        Product("P", "n", "c", [COLOUR], [_sku({"颜色": "红"}), usd])

    assert raised.value.field == "sku 'USD-蓝'.list_price"


def test_a_sku_at_its_warning_threshold_is_low_on_stock() -> None:
    tee = _tee()
    low = _sku({"颜色": "红"}, stock=5, warning_threshold=5)
    fine = _sku({"颜色": "红"}, stock=6, warning_threshold=5)

    assert (low.is_low_on_stock(), fine.is_low_on_stock()) == (True, False)
    assert tee.low_stock_skus() == tee.skus  # every SKU has 0 stock, threshold 0


def test_the_ean_13_check_digit_of_a_real_barcode_is_accepted() -> None:
    # 4006381333931: the EAN-13 worked example of the GS1 check digit (Wikipedia, "EAN-13").
    assert is_valid_gtin("4006381333931")
    assert not is_valid_gtin("400638133393")  # 12 digits: a UPC-A with a wrong check digit
    assert not is_valid_gtin("40063813339３1")  # a full-width digit is not ASCII


def test_a_name_is_found_in_the_locale_then_its_language_then_the_default() -> None:
    tee = _tee(names={"en": "Cotton tee", "ja_JP": "綿Tシャツ"})

    assert tee.name_in("ja_JP") == "綿Tシャツ"
    assert tee.name_in("en_US") == "Cotton tee"
    assert tee.name_in("zh_TW") == "纯棉T恤"


def test_a_product_is_purchasable_only_when_listed_and_in_stock() -> None:
    on_shelf = Listing(ListingStatus.ON_SHELF)
    tee = _tee(listing=on_shelf)
    stocked = Product.single("MUG", "马克杯", "c", _sku({}, stock=3), listing=on_shelf)

    assert tee.is_listed(NOON)
    assert not tee.is_purchasable(NOON)
    assert stocked.is_purchasable(NOON, "TEE-")


def test_a_deleted_product_cannot_go_back_on_shelf() -> None:
    deleted = _tee().move_to(ListingStatus.DELETED)

    with pytest.raises(IllegalTransition) as raised:
        deleted.move_to(ListingStatus.ON_SHELF)

    assert str(raised.value) == "product listing 'TEE' cannot go from deleted to on_shelf"


# Laws


@settings(max_examples=60)
@given(products())
def test_the_matrix_has_the_product_of_the_sizes_minus_the_disabled_skus(product: Product) -> None:
    size = math.prod(len(d.values) for d in product.dimensions)

    assert len(product.combinations()) == size
    assert len(product.skus) == size - len(product.disabled)


@settings(max_examples=60)
@given(products())
def test_every_sku_is_found_by_its_own_spec_values(product: Product) -> None:
    for sku in product.skus:
        assert product.sku_for(sku.spec_values) == sku
        assert product.sku(sku.id) == sku


@settings(max_examples=60)
@given(products(), st.data())
def test_dropping_any_sku_of_a_valid_product_is_refused(
    product: Product, data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(product.skus) - 1))
    fewer = product.skus[:index] + product.skus[index + 1 :]

    with pytest.raises(InvalidValue):
        Product(product.id, product.name, product.category_id, product.dimensions, fewer)


@given(barcodes())
def test_every_generated_barcode_has_a_valid_check_digit(code: str) -> None:
    assert is_valid_gtin(code)


@given(barcodes(), st.integers(1, 9))
def test_changing_the_check_digit_of_a_barcode_makes_it_invalid(code: str, shift: int) -> None:
    wrong = code[:-1] + str((int(code[-1]) + shift) % 10)

    assert not is_valid_gtin(wrong)


def test_the_matrix_limit_is_counted_with_disabled_combinations() -> None:
    big = [SpecDimension("a", tuple(str(i) for i in range(MAX_COMBINATIONS + 1)))]
    off = [("0",), ("1",)]

    with pytest.raises(InvalidValue) as raised:
        Product.from_matrix("P", "n", "c", dimensions=big, make_sku=_sku, disabled=off)

    assert raised.value.value == MAX_COMBINATIONS + 1


def test_a_matrix_at_the_limit_is_accepted() -> None:
    digits = tuple("0123456789")
    dimensions = [SpecDimension("a", digits), SpecDimension("b", digits)]
    dimensions.append(SpecDimension("c", digits[:6]))

    largest = Product.from_matrix("P", "n", "c", dimensions=dimensions, make_sku=_sku)

    assert len(largest.skus) == MAX_COMBINATIONS


def test_weight_and_volume_accept_decimal_strings() -> None:
    sku = _sku({}, weight="0.250", volume=Decimal("0.001"))

    assert (sku.weight, sku.volume) == (Decimal("0.25"), Decimal("0.001"))


def test_a_sku_is_replaced_by_id_and_the_product_revalidated() -> None:
    tee = _tee()
    restocked = _sku({"颜色": "红", "尺码": "M"}, stock=40)

    updated = tee.with_sku(restocked)

    assert updated.sku("TEE-红-M").stock == 40
    assert updated.skus[1:] == tee.skus[1:]


def test_replacing_a_sku_with_one_for_another_cell_is_refused() -> None:
    moved = Sku("TEE-红-M", {"颜色": "红", "尺码": "L"}, *_prices())

    with pytest.raises(InvalidValue, match="is already the combination of SKU"):
        _tee().with_sku(moved)


def test_a_translation_for_one_locale_given_twice_is_refused() -> None:
    with pytest.raises(InvalidValue) as raised:
        _tee(names=[("en", "Tee"), ("en", "T-shirt")])

    assert str(raised.value) == "product.names: must not repeat a key (got ['en'])"


def test_a_spec_value_must_be_text() -> None:
    with pytest.raises(InvalidValue) as raised:
        Sku("S", {"尺码": 42}, *_prices())

    assert str(raised.value) == "sku 'S'.spec['尺码']: must be a non-empty string (got 42)"
