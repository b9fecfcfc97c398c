"""mallcore: the commerce core a Python shop or mini-program mall imports.

The public surface is small: the :class:`Mall` a host builds once over its
ports, the :class:`Checkout` a shopper sends it, :class:`Money`,
:class:`Rounding`, the error root, and the packages named for what they hold
(``mallcore.catalog``, ``mallcore.pricing``, ``mallcore.shipping``,
``mallcore.loyalty``, ``mallcore.coupons``, ``mallcore.orders``,
``mallcore.merchant``, ``mallcore.services``). See docs/index.md.
"""

from mallcore.errors import MallcoreError
from mallcore.money import Money, Rounding
from mallcore.services import Checkout, Mall

__all__ = ["Checkout", "Mall", "MallcoreError", "Money", "Rounding", "__version__"]

__version__ = "0.1.0"
