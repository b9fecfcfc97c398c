"""Storage ports: where products, stock and orders live between requests.

Every repository follows one versioning contract (optimistic concurrency):

- ``get`` returns the value last saved under that key, or raises NotFound.
- ``save`` stores a value whose ``version`` is one more than the stored one,
  or a new value at version 0 under a key not stored yet; anything else
  raises StaleVersion (someone saved first) and stores nothing.

A :class:`UnitOfWork` groups repositories into one transaction: changes are
seen by nobody else until ``commit``; leaving the ``with`` block without
committing (or on an exception) rolls them back. ``commit`` raises
StaleVersion, and keeps nothing, when another unit of work committed a newer
version of a value this one saved. ``mallcore.testing.contracts`` checks an
adapter against this contract.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from mallcore.catalog import Product, Stock
from mallcore.loyalty import PointsAccount
from mallcore.orders import Order

__all__ = [
    "OrderRepository",
    "PointsRepository",
    "ProductRepository",
    "StockRepository",
    "UnitOfWork",
]


class ProductRepository(Protocol):
    """Port: products (SPU) with their SKUs.

    - ``get`` returns the product ``product_id`` or raises NotFound.
    - ``get_by_sku`` returns the product holding SKU ``sku_id`` or raises NotFound.
    - ``save`` stores ``product`` under ``product.id``, replacing what was
      there (products are edited by the merchant, not raced by shoppers: they
      carry no version).
    """

    def get(self, product_id: str) -> Product:
        """The product ``product_id``."""
        ...

    def get_by_sku(self, sku_id: str) -> Product:
        """The product that has the SKU ``sku_id``."""
        ...

    def save(self, product: Product) -> None:
        """Store ``product`` (replacing the one stored under its id)."""
        ...


class StockRepository(Protocol):
    """Port: the stock of each SKU.

    - ``get`` returns the stock of ``sku_id`` or raises NotFound.
    - ``save`` raises StaleVersion unless the stored version is
      ``stock.version - 1`` (or nothing is stored and ``stock.version`` is 0).
    """

    def get(self, sku_id: str) -> Stock:
        """The stock of ``sku_id``."""
        ...

    def save(self, stock: Stock) -> None:
        """Store ``stock`` at its version."""
        ...


class OrderRepository(Protocol):
    """Port: orders.

    - ``get`` returns the order last saved under ``order_id`` or raises NotFound.
    - ``save`` raises StaleVersion unless the stored version is
      ``order.version - 1`` (or nothing is stored and ``order.version`` is 0).
    - ``awaiting_payment`` lists the ids of orders still awaiting payment whose
      deadline ``pay_by`` is at or before ``due_by``, oldest deadline first.
    - ``due_for_completion`` lists the ids of shipped or delivered orders.
    - ``get_by_waybill`` returns the order that shipped a package under
      ``waybill``, or raises NotFound.
    """

    def get(self, order_id: str) -> Order:
        """The order ``order_id``."""
        ...

    def save(self, order: Order) -> None:
        """Store ``order`` at its version."""
        ...

    def awaiting_payment(self, *, due_by: datetime) -> Sequence[str]:
        """Ids of unpaid orders whose payment deadline is at or before ``due_by``."""
        ...

    def due_for_completion(self) -> Sequence[str]:
        """Ids of shipped or delivered orders (candidates for auto-confirmation)."""
        ...

    def get_by_waybill(self, waybill: str) -> Order:
        """The order with a package under ``waybill``."""
        ...


class PointsRepository(Protocol):
    """Port: members' points accounts.

    - ``get`` returns the account ``account_id`` or raises NotFound.
    - ``save`` raises StaleVersion unless the stored version is
      ``account.version - 1`` (or nothing is stored and ``account.version`` is 0).
    """

    def get(self, account_id: str) -> PointsAccount:
        """The points account ``account_id``."""
        ...

    def save(self, account: PointsAccount) -> None:
        """Store ``account`` at its version."""
        ...


class UnitOfWork(Protocol):
    """Port: one transaction over the repositories.

    Use it as ``with uow: ...; uow.commit()``. Leaving the block without a
    commit, or with an exception, rolls back. ``commit`` raises StaleVersion
    and keeps nothing when another writer committed first.
    """

    @property
    def products(self) -> ProductRepository:
        """The products, as this transaction sees them."""
        ...

    @property
    def stocks(self) -> StockRepository:
        """The stock levels, as this transaction sees them."""
        ...

    @property
    def orders(self) -> OrderRepository:
        """The orders, as this transaction sees them."""
        ...

    @property
    def points(self) -> PointsRepository:
        """The points accounts, as this transaction sees them."""
        ...

    def __enter__(self) -> Self:
        """Begin the transaction."""
        ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""
        ...

    def commit(self) -> None:
        """Make every change of the transaction visible, all or nothing."""
        ...

    def rollback(self) -> None:
        """Drop every change made since the last commit."""
        ...
