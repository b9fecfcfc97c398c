"""Strategies for values that only exist inside others: draw the whole, pick a part."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from hypothesis import strategies as st

__all__ = ["parts_of"]

W = TypeVar("W")
T = TypeVar("T")


def parts_of(
    wholes: st.SearchStrategy[W], parts: Callable[[W], Iterable[T]]
) -> st.SearchStrategy[T]:
    """One of the ``parts`` of a value drawn from ``wholes`` (a whole without any is redrawn).

    Results, entries and events are only valid as some real computation left
    them; drawing the computation's outcome and taking a piece of it keeps
    every field one the domain can produce.
    """
    return wholes.map(lambda whole: tuple(parts(whole))).filter(bool).flatmap(st.sampled_from)
