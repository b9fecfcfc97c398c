"""Small tables in SQL, shared by the SQLite and PostgreSQL adapters.

Like :mod:`mallcore.adapters._holds`, each class here speaks SQL both
databases read but for the parameter placeholder (``?`` or ``%s``), which the
adapter passes in. A key another writer took shows up the same way in both:
an ``INSERT ... ON CONFLICT DO NOTHING`` that inserts no row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import attrs

from mallcore.errors import InvalidValue, LimitReached

__all__ = ["SqlCounters"]


class _Connection(Protocol):
    def execute(self, query: Any, parameters: Any = ..., /) -> Any: ...


class _UnitOfWork(Protocol):
    def _in_connection(self, work: Callable[[Any], Any]) -> Any: ...


@attrs.frozen
class _Addition:
    key: str
    amount: int
    limit: int | None


class SqlCounters:
    """Counters changed by conditional updates at commit.

    See :class:`~mallcore.ports.CounterRepository`.
    """

    def __init__(self, uow: _UnitOfWork, *, placeholder: str) -> None:
        self._uow = uow
        self.pending: list[_Addition] = []
        p = placeholder
        self._select = f"SELECT value FROM counters WHERE key = {p}"
        self._insert = (
            f"INSERT INTO counters (key, value) VALUES ({p}, 0) ON CONFLICT (key) DO NOTHING"
        )
        # PostgreSQL cannot type a parameter only tested IS NULL: the cast names its type.
        self._update = (
            f"UPDATE counters SET value = value + {p} WHERE key = {p} AND value + {p} >= 0"
            f" AND (CAST({p} AS BIGINT) IS NULL OR value + {p} <= {p})"
        )

    def value(self, key: str) -> int:
        """The committed count under ``key`` plus this unit of work's pending additions."""
        rows = self._uow._in_connection(
            lambda connection: connection.execute(self._select, (key,)).fetchall()
        )
        committed = int(rows[0][0]) if rows else 0
        return committed + sum(a.amount for a in self.pending if a.key == key)

    def add(self, key: str, amount: int, *, limit: int | None = None) -> None:
        """Add ``amount`` to ``key`` at commit, never beyond ``limit`` nor below zero."""
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise InvalidValue("amount", amount, "must be a whole number")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
            raise InvalidValue("limit", limit, "must be a whole number or None")
        self.pending.append(_Addition(key, amount, limit))

    def forget(self) -> None:
        """Drop the pending additions."""
        self.pending.clear()

    def _write(self, connection: _Connection, *, checked: bool) -> None:
        """Add each pending amount in its own statement; one out of bounds is LimitReached."""
        if not checked:
            return  # no query reads counters through pending saves
        for a in self.pending:
            connection.execute(self._insert, (a.key,))
            changed = connection.execute(
                self._update, (a.amount, a.key, a.amount, a.limit, a.amount, a.limit)
            ).rowcount
            if changed != 1:
                raise LimitReached(a.key, a.amount, a.limit)
