"""Categories (多级分类) as a tree, with attribute sets per category.

Rules:

- A :class:`Category` has an id, a parent id (None for a root), a name, a
  sort order among its siblings and an attribute set (服装: 尺码, 材质, 季节).
- A :class:`CategoryTree` refuses duplicate ids, unknown parents and cycles.
- A category's effective attribute set is its ancestors' attributes and its
  own, nearest first: a subcategory may redefine an attribute of the same
  name. :meth:`CategoryTree.check_attributes` checks a product's values
  against it: every required attribute present, each value allowed (an
  attribute with no allowed values is free text), no unknown attribute.
- A scope "category X" covers X and its subcategories:
  ``scope in (category, *tree.ancestors(category))``, or
  :meth:`CategoryTree.is_within`.

>>> clothes, tops = Category("clothes", "服装"), Category("tops", "上装", parent_id="clothes")
>>> tree = CategoryTree([clothes, tops])
>>> tree.ancestors("tops"), tree.descendants("clothes")
(('clothes',), ('tops',))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import attrs

from mallcore._fields import members, strings, to_tuple
from mallcore.errors import InvalidValue, NotFound

if TYPE_CHECKING:
    from mallcore.catalog.product import Product

__all__ = [
    "Attribute",
    "Category",
    "CategoryTree",
]


def _name(field: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue(field, value, "must be a non-empty string")


@attrs.frozen
class Attribute:
    """One attribute of a category's set: allowed values (empty: free text), required or not."""

    name: str
    allowed_values: tuple[str, ...] = attrs.field(default=(), converter=to_tuple, validator=strings)
    required: bool = attrs.field(default=False, kw_only=True)

    def __attrs_post_init__(self) -> None:
        _name("attribute.name", self.name)
        for value in self.allowed_values:
            _name(f"attribute {self.name!r}.allowed_values", value)
        if len(set(self.allowed_values)) != len(self.allowed_values):
            raise InvalidValue(
                f"attribute {self.name!r}.allowed_values",
                self.allowed_values,
                "must not repeat a value",
            )

    @property
    def is_free_text(self) -> bool:
        """Whether any non-empty value is allowed."""
        return not self.allowed_values

    def allows(self, value: str) -> bool:
        """Whether ``value`` is a valid value of this attribute."""
        if self.is_free_text:
            return bool(value.strip())
        return value in self.allowed_values


@attrs.frozen
class Category:
    """A node of the category tree; ``parent_id`` None makes it a root."""

    id: str
    name: str
    parent_id: str | None = attrs.field(default=None, kw_only=True)
    sort_order: int = attrs.field(default=0, kw_only=True)
    attributes: tuple[Attribute, ...] = attrs.field(
        default=(), converter=to_tuple, validator=members(Attribute, "Attribute"), kw_only=True
    )

    def __attrs_post_init__(self) -> None:
        _name("category.id", self.id)
        _name(f"category {self.id!r}.name", self.name)
        if self.parent_id is not None:
            _name(f"category {self.id!r}.parent_id", self.parent_id)
        if isinstance(self.sort_order, bool) or not isinstance(self.sort_order, int):
            raise InvalidValue(
                f"category {self.id!r}.sort_order", self.sort_order, "must be a whole number"
            )
        names = [attribute.name for attribute in self.attributes]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise InvalidValue(
                f"category {self.id!r}.attributes", repeated, "must not repeat an attribute name"
            )


@attrs.frozen
class CategoryTree:
    """Every category of a shop, validated as one tree (a forest of roots)."""

    categories: tuple[Category, ...] = attrs.field(
        converter=to_tuple, validator=members(Category, "Category")
    )
    _by_id: dict[str, Category] = attrs.field(
        init=False, repr=False, eq=False, hash=False, alias="_by_id"
    )
    _children: dict[str | None, tuple[Category, ...]] = attrs.field(
        init=False, repr=False, eq=False, hash=False, alias="_children"
    )

    def __attrs_post_init__(self) -> None:
        by_id: dict[str, Category] = {}
        for category in self.categories:
            if category.id in by_id:
                raise InvalidValue("category_tree.categories", category.id, "must not repeat an id")
            by_id[category.id] = category
        for category in self.categories:
            if category.parent_id is not None and category.parent_id not in by_id:
                raise InvalidValue(
                    f"category {category.id!r}.parent_id",
                    category.parent_id,
                    "is not a category of the tree",
                )
        for category in self.categories:
            path = [category.id]
            parent = category.parent_id
            while parent is not None:
                if parent in path:
                    raise InvalidValue(
                        f"category {category.id!r}.parent_id",
                        category.parent_id,
                        f"makes a cycle {' -> '.join([*path, parent])}",
                    )
                path.append(parent)
                parent = by_id[parent].parent_id
        object.__setattr__(self, "_by_id", by_id)
        children: dict[str | None, list[Category]] = {}
        for category in self.categories:
            children.setdefault(category.parent_id, []).append(category)
        object.__setattr__(
            self, "_children", {key: self._sorted(value) for key, value in children.items()}
        )

    def get(self, category_id: str) -> Category:
        """The category ``category_id``, or NotFound."""
        try:
            return self._by_id[category_id]
        except KeyError:
            raise NotFound("category", category_id) from None

    def __contains__(self, category_id: object) -> bool:
        return category_id in self._by_id

    def roots(self) -> tuple[Category, ...]:
        """The categories with no parent, by sort order then id."""
        return self._children.get(None, ())

    def children(self, category_id: str) -> tuple[Category, ...]:
        """The direct subcategories of ``category_id``, by sort order then id."""
        self.get(category_id)
        return self._children.get(category_id, ())

    @staticmethod
    def _sorted(categories: Iterable[Category]) -> tuple[Category, ...]:
        return tuple(sorted(categories, key=lambda c: (c.sort_order, c.id)))

    def ancestors(self, category_id: str) -> tuple[str, ...]:
        """The ids above ``category_id``, its parent first and its root last."""
        result: list[str] = []
        parent = self.get(category_id).parent_id
        while parent is not None:
            result.append(parent)
            parent = self._by_id[parent].parent_id
        return tuple(result)

    def descendants(self, category_id: str) -> tuple[str, ...]:
        """The ids below ``category_id``, depth first, siblings by sort order."""
        result: list[str] = []
        stack = list(reversed(self.children(category_id)))
        while stack:
            category = stack.pop()
            result.append(category.id)
            stack.extend(reversed(self.children(category.id)))
        return tuple(result)

    def is_within(self, category_id: str, scope_id: str) -> bool:
        """Whether ``category_id`` is ``scope_id`` or one of its subcategories."""
        return category_id == scope_id or scope_id in self.ancestors(category_id)

    def attribute_set(self, category_id: str) -> tuple[Attribute, ...]:
        """The attributes in force in ``category_id``: its own, then those of its ancestors."""
        result: dict[str, Attribute] = {}
        for node in (category_id, *self.ancestors(category_id)):
            for attribute in self._by_id[node].attributes:
                result.setdefault(attribute.name, attribute)
        return tuple(result.values())

    def check_attributes(self, category_id: str, values: Mapping[str, str]) -> None:
        """Raise InvalidValue unless ``values`` fit the category's attribute set.

        Every required attribute must be present, each value allowed, and no
        attribute unknown to the category.
        """
        attributes = {a.name: a for a in self.attribute_set(category_id)}
        for name, value in values.items():
            attribute = attributes.get(name)
            if attribute is None:
                raise InvalidValue(
                    f"attributes[{name!r}]",
                    value,
                    f"is not an attribute of category {category_id!r}",
                )
            if not isinstance(value, str) or not attribute.allows(value):
                reason = (
                    f"must be one of {list(attribute.allowed_values)!r}"
                    if attribute.allowed_values
                    else "must be non-empty text"
                )
                raise InvalidValue(f"attributes[{name!r}]", value, reason)
        for attribute in attributes.values():
            if attribute.required and attribute.name not in values:
                raise InvalidValue(
                    f"attributes[{attribute.name!r}]",
                    None,
                    f"is required in category {category_id!r}",
                )

    def check_product(self, product: Product) -> None:
        """Raise NotFound for an unknown category, InvalidValue for attributes that do not fit."""
        self.check_attributes(product.category_id, product.attribute_values)
