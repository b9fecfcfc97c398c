"""Reference adapters: in-memory and SQLite storage, a system clock, a simulated gateway, courier.

And two statement readers for reconciliation: the canonical CSV and the
WeChat Pay trade bill.

Hosts wire these (or their own) into the services; nothing in the core
imports them.
"""

from mallcore.adapters.clock import SystemClock
from mallcore.adapters.memory import (
    InMemoryEventLog,
    InMemoryOrders,
    InMemoryPayments,
    InMemoryPoints,
    InMemoryProducts,
    InMemoryStocks,
    InMemoryStore,
    InMemoryUnitOfWork,
)
from mallcore.adapters.simulated import SIGNATURE_HEADER, SimulatedCourier, SimulatedGateway
from mallcore.adapters.sqlite import SqliteUnitOfWork
from mallcore.adapters.statements import CanonicalCsvReader, WeChatPayTradeBillReader

__all__ = [
    "CanonicalCsvReader",
    "InMemoryEventLog",
    "InMemoryOrders",
    "InMemoryPayments",
    "InMemoryPoints",
    "InMemoryProducts",
    "InMemoryStocks",
    "InMemoryStore",
    "InMemoryUnitOfWork",
    "SIGNATURE_HEADER",
    "SimulatedCourier",
    "SimulatedGateway",
    "SqliteUnitOfWork",
    "SystemClock",
    "WeChatPayTradeBillReader",
]
