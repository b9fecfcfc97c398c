"""What the SQL shared by the SQLite and PostgreSQL adapters asks of them, and the checks of writes.

A repository's ``_write`` sends its pending writes and returns the
:data:`Check` of each one whose result decides the commit (a version that
did not match, a key another writer took, a limit): the unit of work runs
the checks once the results are in, before ``COMMIT``. On PostgreSQL the
writes of a commit go as one pipeline, whose row counts are known only when
it is synced, so no write looks at its own result while it is being sent.
SQLite knows each result at once, and its own repositories raise there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeAlias

__all__ = ["Check", "Connection", "UnitOfWork", "changed_one"]

Check: TypeAlias = Callable[[], None]
"""Raises when a write that was sent changed other rows than it had to."""


class Connection(Protocol):
    """A database connection as the shared SQL uses it: statements with parameters."""

    def execute(self, query: Any, parameters: Any = ..., /) -> Any: ...


class UnitOfWork(Protocol):
    """The unit of work a shared repository reads through."""

    def _in_connection(self, work: Callable[[Any], Any]) -> Any: ...

    def _fetch(self, query: str, parameters: tuple[object, ...]) -> list[Any]: ...

    def _query(self, query: Any, parameters: Sequence[object]) -> list[Any]: ...


def changed_one(cursor: Any, refusal: Callable[[], Exception]) -> Check:
    """The check that ``cursor``'s statement changed one row; else it raises ``refusal()``."""

    def check() -> None:
        if cursor.rowcount != 1:
            raise refusal()

    return check
