"""Reference adapters: in-memory storage, the system clock, a simulated gateway and courier.

Hosts wire these (or their own) into the services; nothing in the core
imports them.
"""

from mallcore.adapters.clock import SystemClock
from mallcore.adapters.memory import (
    InMemoryEventLog,
    InMemoryOrders,
    InMemoryProducts,
    InMemoryStocks,
    InMemoryStore,
    InMemoryUnitOfWork,
)
from mallcore.adapters.simulated import SIGNATURE_HEADER, SimulatedCourier, SimulatedGateway

__all__ = [
    "InMemoryEventLog",
    "InMemoryOrders",
    "InMemoryProducts",
    "InMemoryStocks",
    "InMemoryStore",
    "InMemoryUnitOfWork",
    "SIGNATURE_HEADER",
    "SimulatedCourier",
    "SimulatedGateway",
    "SystemClock",
]
