"""The system clock: the one adapter that reads the real time."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["SystemClock"]


class SystemClock:
    """The real time, in UTC (see :class:`~mallcore.ports.Clock`)."""

    def now(self) -> datetime:
        """The current moment, timezone-aware (UTC)."""
        return datetime.now(UTC)
