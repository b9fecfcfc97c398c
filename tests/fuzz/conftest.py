"""Print each fuzz target's tally at the end of the run: tried, accepted, refused by name."""

from __future__ import annotations

import pytest

from tests.fuzz.hostile import TALLIES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line per target that ran."""
    for tally in TALLIES:
        if tally.outcomes:
            terminalreporter.write_line(str(tally))
