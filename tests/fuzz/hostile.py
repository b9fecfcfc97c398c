"""What an attacker sends: hostile JSON values, mutations of good documents, and the runs' tally.

The fuzz targets (tests/fuzz/test_*.py) draw from these. Each target keeps a
:class:`Tally` of what it tried: accepted, refused by the name of the
mallcore error, and nothing else (any other exception fails the test).
``make fuzz`` runs the same targets with many more examples
(``FUZZ_EXAMPLES``) and prints the tallies (docs/reliability.md quotes them).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from mallcore.errors import MallcoreError

__all__ = [
    "HOSTILE_SCALARS",
    "TALLIES",
    "Tally",
    "fuzz_settings",
    "hostile_values",
    "json_values",
    "mutated",
    "replace",
]


def fuzz_settings(count: int) -> settings:
    """``count`` examples, the same ones every run, not shrunk: a fixed cost in ``make test``.

    A long run (``make fuzz`` sets ``FUZZ_EXAMPLES``) draws that many random
    examples instead and shrinks what fails, to keep it as an ``@example``.
    """
    long_run = "FUZZ_EXAMPLES" in os.environ
    return settings(
        max_examples=int(os.environ.get("FUZZ_EXAMPLES", count)),
        deadline=None,
        derandomize=not long_run,
        phases=tuple(Phase) if long_run else (Phase.explicit, Phase.generate),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


HOSTILE_SCALARS: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    -1,
    2**31,
    2**63,
    10**30,
    -(10**30),
    10**4000,
    1e9,
    1e308,
    -1e-308,
    0.1,
    "",
    " ",
    "\x00",
    "💥",
    "NaN",
    "-Infinity",
    "sNaN",
    "1/0",
    "1E+999999",
    "1E-999999",
    "9" * 60,
    "x" * 300,
    "/etc/localtime",
    "../../../../usr/share/zoneinfo/Asia/Tokyo",
    "2026-13-45",
    "2026-11-11T00:00:00",
    "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00-14:00",
    [],
    {},
    [[]],
    {"kind": "gift"},
    {"amount": "NaN", "currency": "CNY"},
    {"amount": "1E+999999", "currency": "CNY"},
    {"amount": "1", "currency": "XXXX"},
)
"""Values that broke something once, or were made to: wrong types, huge, tiny, not finite."""


def json_values(max_leaves: int = 8) -> st.SearchStrategy[Any]:
    """Any JSON value, small."""
    scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
        ),
        max_leaves=max_leaves,
    )


def hostile_values() -> st.SearchStrategy[Any]:
    """A hostile scalar, or any small JSON value."""
    return st.sampled_from(HOSTILE_SCALARS) | json_values()


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


def replace(value: Any, path: tuple[Any, ...], new: Callable[[Any], Any]) -> Any:
    """A copy of the JSON data ``value`` with the item at ``path`` replaced by ``new(item)``."""
    if not path:
        return new(value)
    head, *rest = path
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[head] = replace(value[head], tuple(rest), new)
    return copy


def _without(value: Any, path: tuple[Any, ...]) -> Any:
    def drop(container: Any) -> Any:
        copy = dict(container) if isinstance(container, dict) else list(container)
        del copy[path[-1]]
        return copy

    return replace(value, path[:-1], drop)


@st.composite
def mutated(draw: st.DrawFn, document: Any, max_mutations: int = 3) -> Any:
    """``document`` (JSON data) with up to ``max_mutations`` hostile changes.

    A change replaces a value by a hostile one, deletes a key or an item,
    wraps a value in a list, or repeats a list's items many times.
    """
    for _ in range(draw(st.integers(1, max_mutations))):
        path = draw(st.sampled_from(_paths(document)))
        change = draw(st.sampled_from(("replace", "delete", "wrap", "repeat")))
        if change == "delete" and path:
            document = _without(document, path)
        elif change == "wrap":
            document = replace(document, path, lambda value: [value])
        elif change == "repeat":
            times = draw(st.sampled_from((2, 1000)))
            document = replace(document, path, _repeated(times))
        else:
            hostile = draw(hostile_values())
            document = replace(document, path, _constant(hostile))
    return document


def _repeated(times: int) -> Callable[[Any], Any]:
    return lambda value: value * times if isinstance(value, list) else value


def _constant(new: Any) -> Callable[[Any], Any]:
    return lambda _: new


TALLIES: list[Tally] = []
"""Every target's tally, printed at the end of the run (tests/fuzz/conftest.py)."""


class Tally:
    """How a target's inputs ended: accepted, or refused by the name of a mallcore error."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.outcomes: Counter[str] = Counter()
        TALLIES.append(self)

    def run(self, attempt: Callable[[], object]) -> None:
        """Run ``attempt``; count it accepted, or refused by name; let anything else escape."""
        try:
            attempt()
        except MallcoreError as exc:
            self.outcomes[type(exc).__name__] += 1
        else:
            self.outcomes["accepted"] += 1

    def __str__(self) -> str:
        tried = sum(self.outcomes.values())
        refused = ", ".join(
            f"{name} {count}" for name, count in sorted(self.outcomes.items()) if name != "accepted"
        )
        return (
            f"{self.target}: {tried} tried, {self.outcomes['accepted']} accepted, "
            f"refused: {refused or 'none'}, 0 others"
        )
