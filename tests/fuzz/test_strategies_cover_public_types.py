"""Every public attrs type has a strategy in the kit, registered for ``st.from_type``.

The public types are listed by the same helper the constructor fuzz target
uses (tests/fuzz/public.py), so a new public type without a strategy fails
here, and the constructor target reaches every public type (issue 14).
"""

from __future__ import annotations

from mallcore.testing._hypothesis import TYPE_STRATEGIES
from tests.fuzz.public import public_types


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def test_every_public_type_has_a_strategy() -> None:
    registered = {cls for cls, _ in TYPE_STRATEGIES}

    missing = [_name(cls) for cls in public_types() if cls not in registered]

    assert missing == []


def test_every_type_with_a_strategy_is_a_public_type() -> None:
    public = set(public_types())

    assert [cls.__name__ for cls, _ in TYPE_STRATEGIES if cls not in public] == []
