"""Registers mallcore's types with Hypothesis (the ``hypothesis`` entry point)."""

from __future__ import annotations

from hypothesis import strategies as st

from mallcore.money import Money

__all__ = ["register_types"]


def register_types() -> None:
    """Make ``st.from_type(T)`` draw from mallcore's own strategy for each domain type ``T``."""
    from mallcore.testing import strategies

    st.register_type_strategy(Money, strategies.amounts())
