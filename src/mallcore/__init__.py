"""mallcore: the commerce core a Python shop or mini-program mall imports.

The public surface is small: the :class:`Mall` a host builds once over its
ports, the :class:`Checkout` a shopper sends it, :class:`Money`,
:class:`Rounding`, the error root, and the packages named for what they hold
(``mallcore.catalog``, ``mallcore.pricing``, ``mallcore.shipping``,
``mallcore.loyalty``, ``mallcore.coupons``, ``mallcore.orders``,
``mallcore.merchant``, ``mallcore.services``). See docs/index.md.
"""

from typing import TYPE_CHECKING

from mallcore.errors import MallcoreError
from mallcore.money import Money, Rounding

if TYPE_CHECKING:
    from mallcore.services import Checkout, Mall

__all__ = ["Checkout", "Mall", "MallcoreError", "Money", "Rounding", "__version__"]


def __getattr__(name: str) -> object:
    # The Mall pulls in every package; importing one domain package (mallcore.loyalty)
    # must not, so mallcore.Mall and mallcore.Checkout are imported when first read.
    if name in ("Checkout", "Mall"):
        from mallcore import services

        return getattr(services, name)
    raise AttributeError(f"module 'mallcore' has no attribute {name!r}")


__version__ = "0.1.0"
