"""Contract suites: what every adapter of a port must do, as tests you subclass.

- :class:`UnitOfWorkContract`: storage (repositories under a unit of work);
  provide the ``new_uow`` fixture.
- :class:`StatementReaderContract`: statement readers (reconciliation);
  provide the ``reader`` and ``sample`` fixtures.
"""

from mallcore.testing.contracts.statements import StatementReaderContract
from mallcore.testing.contracts.storage import UnitOfWorkContract

__all__ = ["StatementReaderContract", "UnitOfWorkContract"]
