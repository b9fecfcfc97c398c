"""Contract suites: what every adapter of a port must do, as tests you subclass.

Each is a pytest class with one fixture to provide:

- :class:`UnitOfWorkContract`: storage (repositories under a unit of work);
  provide ``new_uow``.
- :class:`PaymentGatewayContract`: a payment gateway; provide ``sandbox``, the
  gateway with the provider's side of a test account (:class:`PaymentSandbox`).
- :class:`CourierContract`: a courier; provide ``courier``.
- :class:`StatementReaderContract`: statement readers (reconciliation);
  provide ``reader`` and ``sample``.
"""

from mallcore.testing.contracts.courier import CourierContract
from mallcore.testing.contracts.payment import PaymentGatewayContract, PaymentSandbox
from mallcore.testing.contracts.statements import StatementReaderContract
from mallcore.testing.contracts.storage import UnitOfWorkContract

__all__ = [
    "CourierContract",
    "PaymentGatewayContract",
    "PaymentSandbox",
    "StatementReaderContract",
    "UnitOfWorkContract",
]
