"""mallcore: the commerce core a Python shop or mini-program mall imports.

The public surface is small: :class:`Money`, :class:`Rounding`, the error
root, and the packages named for what they hold (``mallcore.catalog``,
``mallcore.pricing``, ``mallcore.shipping``, ``mallcore.loyalty``,
``mallcore.orders``, ``mallcore.services``). See docs/index.md.
"""

from mallcore.errors import MallcoreError
from mallcore.money import Money, Rounding

__all__ = ["MallcoreError", "Money", "Rounding", "__version__"]

__version__ = "0.1.0"
