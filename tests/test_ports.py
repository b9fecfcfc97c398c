"""Values of the ports themselves (the storage contract is in mallcore.testing.contracts)."""

from __future__ import annotations

import pytest

from mallcore.errors import InvalidValue, WrongType
from mallcore.ports import ReadAhead


def test_a_read_ahead_keeps_its_keys_in_order_as_tuples() -> None:
    reads = ReadAhead(orders=["O-2", "O-1"], stocks=iter(["tea"]), configuration=True)

    assert (reads.orders, reads.stocks, reads.members, reads.configuration) == (
        ("O-2", "O-1"),
        ("tea",),
        (),
        True,
    )


@pytest.mark.parametrize(
    ("fields", "error", "named"),
    [
        ({"orders": "O-1"}, InvalidValue, "orders"),
        ({"stocks": [7]}, WrongType, "stocks"),
        ({"members": ["al\x00ice"]}, InvalidValue, "members"),
        ({"products_by_sku": [""]}, InvalidValue, "products_by_sku"),
        ({"configuration": "yes"}, WrongType, "configuration"),
    ],
)
def test_a_read_ahead_of_anything_but_ids_is_refused_naming_the_field(
    fields: dict[str, object], error: type[Exception], named: str
) -> None:
    with pytest.raises(error, match=f"^{named}"):
        ReadAhead(**fields)  # type: ignore[arg-type]
