"""The category tree: validation, ancestors and descendants, attribute sets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mallcore.catalog import Attribute, Category, CategoryTree, Product, Sku
from mallcore.errors import InvalidValue, NotFound
from mallcore.money import Money
from mallcore.testing.strategies import category_trees

# The shape of a clothes shop's tree, as in macrozheng/mall's pms_product_category
# (two levels: 服装 > 男装 / 女装), with a third level added.
CLOTHES = Category(
    "clothes",
    "服装",
    attributes=[Attribute("季节", ("春", "夏", "秋", "冬")), Attribute("材质", required=True)],
)
MEN = Category("men", "男装", parent_id="clothes", sort_order=2)
WOMEN = Category("women", "女装", parent_id="clothes", sort_order=1)
SHIRTS = Category(
    "shirts",
    "衬衫",
    parent_id="men",
    attributes=[Attribute("尺码", ("S", "M", "L"), required=True)],
)
PHONES = Category("phones", "手机")
SHOP = CategoryTree([SHIRTS, MEN, PHONES, CLOTHES, WOMEN])


def test_ancestors_run_from_the_parent_to_the_root() -> None:
    assert SHOP.ancestors("shirts") == ("men", "clothes")
    assert SHOP.ancestors("clothes") == ()


def test_descendants_are_depth_first_with_siblings_by_sort_order() -> None:
    assert SHOP.descendants("clothes") == ("women", "men", "shirts")
    assert SHOP.descendants("phones") == ()


def test_a_category_scope_covers_its_subcategories_and_nothing_else() -> None:
    assert SHOP.is_within("shirts", "clothes")
    assert SHOP.is_within("clothes", "clothes")
    assert not SHOP.is_within("clothes", "shirts")
    assert not SHOP.is_within("phones", "clothes")


def test_roots_and_children_are_by_sort_order() -> None:
    assert [c.id for c in SHOP.roots()] == ["clothes", "phones"]
    assert [c.id for c in SHOP.children("clothes")] == ["women", "men"]


def test_an_unknown_category_is_not_found() -> None:
    with pytest.raises(NotFound) as raised:
        SHOP.ancestors("shoes")

    assert str(raised.value) == "no category 'shoes'"


@pytest.mark.parametrize(
    ("categories", "message"),
    [
        (
            [CLOTHES, CLOTHES],
            "category_tree.categories: must not repeat an id (got 'clothes')",
        ),
        (
            [MEN],
            "category 'men'.parent_id: is not a category of the tree (got 'clothes')",
        ),
        (
            [Category("a", "A", parent_id="b"), Category("b", "B", parent_id="a")],
            "category 'a'.parent_id: makes a cycle a -> b -> a (got 'b')",
        ),
        (
            [Category("a", "A", parent_id="a")],
            "category 'a'.parent_id: makes a cycle a -> a (got 'a')",
        ),
    ],
    ids=["duplicate id", "unknown parent", "cycle", "own parent"],
)
def test_an_invalid_tree_is_refused(categories: list[Category], message: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        CategoryTree(categories)

    assert str(raised.value) == message


def test_a_category_inherits_the_attributes_of_its_ancestors() -> None:
    names = [attribute.name for attribute in SHOP.attribute_set("shirts")]

    assert names == ["尺码", "季节", "材质"]


def test_values_that_fit_the_attribute_set_pass() -> None:
    SHOP.check_attributes("shirts", {"尺码": "M", "材质": "棉", "季节": "夏"})


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"尺码": "M"},
            "attributes['材质']: is required in category 'shirts' (got None)",
        ),
        (
            {"尺码": "XXL", "材质": "棉"},
            "attributes['尺码']: must be one of ['S', 'M', 'L'] (got 'XXL')",
        ),
        (
            {"尺码": "M", "材质": " "},
            "attributes['材质']: must be non-empty text (got ' ')",
        ),
        (
            {"尺码": "M", "材质": "棉", "颜色": "红"},
            "attributes['颜色']: is not an attribute of category 'shirts' (got '红')",
        ),
    ],
    ids=["missing required", "value not allowed", "blank free text", "unknown attribute"],
)
def test_values_that_break_the_attribute_set_are_refused(
    values: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidValue) as raised:
        SHOP.check_attributes("shirts", values)

    assert str(raised.value) == message


def test_an_attribute_set_refuses_a_repeated_name() -> None:
    with pytest.raises(InvalidValue) as raised:
        Category("c", "C", attributes=[Attribute("材质"), Attribute("材质")])

    assert (
        str(raised.value)
        == "category 'c'.attributes: must not repeat an attribute name (got ['材质'])"
    )


# Laws


@settings(max_examples=50)
@given(category_trees(min_size=1), st.data())
def test_a_category_is_a_descendant_of_exactly_its_ancestors(
    tree: CategoryTree, data: st.DataObject
) -> None:
    category = data.draw(st.sampled_from(tree.categories)).id

    above = {c.id for c in tree.categories if category in tree.descendants(c.id)}

    assert above == set(tree.ancestors(category))


@settings(max_examples=50)
@given(category_trees(min_size=1))
def test_every_category_is_a_root_or_below_exactly_one_root(tree: CategoryTree) -> None:
    roots = [c.id for c in tree.roots()]
    below = [d for root in roots for d in tree.descendants(root)]

    assert sorted(roots + below) == sorted(c.id for c in tree.categories)


@settings(max_examples=50)
@given(category_trees(min_size=2), st.data())
def test_pointing_a_root_at_one_of_its_descendants_is_refused(
    tree: CategoryTree, data: st.DataObject
) -> None:
    with_children = [c for c in tree.roots() if tree.descendants(c.id)]
    if not with_children:
        return
    root = data.draw(st.sampled_from(with_children))
    below = data.draw(st.sampled_from(tree.descendants(root.id)))
    moved = Category(root.id, root.name, parent_id=below, attributes=root.attributes)

    with pytest.raises(InvalidValue, match="makes a cycle"):
        CategoryTree([moved if c.id == root.id else c for c in tree.categories])


def test_a_product_is_checked_against_its_category() -> None:
    sku = Sku("S", {}, Money("59", "CNY"), Money("49", "CNY"))
    shirt = Product.single("P", "牛津纺衬衫", "shirts", sku, attributes={"尺码": "M"})

    with pytest.raises(InvalidValue) as raised:
        SHOP.check_product(shirt)

    assert raised.value.field == "attributes['材质']"
