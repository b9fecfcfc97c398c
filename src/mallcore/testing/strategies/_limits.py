"""Strategies for the input limits."""

from __future__ import annotations

from hypothesis import strategies as st

from mallcore.limits import CEILINGS, InputLimits

__all__ = ["input_limits"]


def input_limits() -> st.SearchStrategy[InputLimits]:
    """Any :class:`~mallcore.limits.InputLimits`: each limit from 1 up to its ceiling."""
    return st.builds(
        InputLimits,
        **{name: st.integers(1, ceiling) for name, ceiling in CEILINGS.items()},
    )
