"""Cart lines from catalog SKUs: the one place pricing reads catalog types.

The engine never touches a catalog object on its hot path; a host builds the
cart once with :func:`cart_line` (the categories with their ancestors, so a
coupon for "tea" covers a SKU filed under "green tea").
"""

from __future__ import annotations

from mallcore.catalog import CategoryTree, Product, Sku
from mallcore.errors import InvalidValue
from mallcore.money import Money
from mallcore.pricing.cart import CartLine

__all__ = ["cart_line"]


def cart_line(
    product: Product,
    sku: Sku,
    *,
    quantity: int,
    categories: CategoryTree | None = None,
    line_id: str | None = None,
    shop: str | None = None,
    on_promotion: bool = False,
    freight_template: str | None = None,
    flat_postage: Money | None = None,
) -> CartLine:
    """A cart line of ``quantity`` units of ``sku`` of ``product``, at its list and sale prices.

    With ``categories``, the line carries the product's category and all its
    ancestors; without, only the product's own category. The SKU's weight
    and volume go on the line for freight, with the product's
    ``freight_template`` or ``flat_postage``.
    """
    if sku not in product.skus:
        raise InvalidValue("sku", sku.id, f"is not a SKU of product {product.id!r}")
    category_ids = {product.category_id}
    if categories is not None:
        category_ids.update(categories.ancestors(product.category_id))
    return CartLine(
        line_id=line_id if line_id is not None else sku.id,
        sku_id=sku.id,
        product_id=product.id,
        quantity=quantity,
        list_price=sku.list_price,
        sale_price=sku.sale_price,
        category_ids=frozenset(category_ids),
        shop=shop,
        on_promotion=on_promotion,
        weight=sku.weight,
        volume=sku.volume,
        freight_template=freight_template,
        flat_postage=flat_postage,
    )
