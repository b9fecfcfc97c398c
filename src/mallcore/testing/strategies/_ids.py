"""Ids drawn by the id rule of :mod:`mallcore._fields`, and strings that break it."""

from __future__ import annotations

from hypothesis import strategies as st

from mallcore._fields import ID_MAX_LENGTH, is_identifier

__all__ = ["bad_ids", "ids"]


def ids(*, min_size: int = 1, max_size: int = ID_MAX_LENGTH) -> st.SearchStrategy[str]:
    """Valid ids: 1 to 64 characters, no control characters, no surrounding whitespace."""
    if not 1 <= min_size <= max_size <= ID_MAX_LENGTH:
        raise ValueError(f"need 1 <= min_size <= max_size <= {ID_MAX_LENGTH}")
    return st.text(
        st.characters(exclude_categories=("Cc", "Cs")), min_size=min_size, max_size=max_size
    ).filter(is_identifier)


def bad_ids() -> st.SearchStrategy[object]:
    """Values an id field must refuse: wrong types, empty, too long, control characters."""
    return st.one_of(
        st.just(""),
        st.text(min_size=ID_MAX_LENGTH + 1, max_size=ID_MAX_LENGTH + 8).filter(
            lambda text: not is_identifier(text)
        ),
        st.text(min_size=1, max_size=8).map(lambda text: f" {text}"),
        st.text(max_size=8).map(lambda text: f"A\x00{text}"),
        st.integers(),
        st.none(),
        st.binary(max_size=8),
    )
