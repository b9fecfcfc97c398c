"""The shared-structure vector and map behave like a tuple and a dict."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mallcore.loyalty._persistent import Map, Vector


@given(st.lists(st.integers(), max_size=2000))
def test_appending_one_by_one_builds_the_same_vector_as_building_at_once(items: list[int]) -> None:
    built: Vector[int] = Vector()
    for item in items:
        built = built.append(item)

    assert built == Vector.of(items)
    assert built.to_tuple() == tuple(items)


@given(st.lists(st.integers(), min_size=1, max_size=2000), st.data())
def test_replacing_an_item_changes_only_that_item_of_a_new_vector(
    items: list[int], data: st.DataObject
) -> None:
    vector = Vector.of(items)
    index = data.draw(st.integers(0, len(items) - 1))

    changed = vector.replace(index, -1)

    assert changed.to_tuple() == (*items[:index], -1, *items[index + 1 :])
    assert vector.to_tuple() == tuple(items)


@given(st.lists(st.tuples(st.text(max_size=3), st.integers()), max_size=300))
def test_a_map_holds_what_a_dict_holds(pairs: list[tuple[str, int]]) -> None:
    built: Map[int] = Map()
    for key, value in pairs:
        built = built.set(key, value)

    expected = dict(pairs)
    assert dict(built.items()) == expected
    assert len(built) == len(expected)
    assert all(built.get(key) == value and key in built for key, value in expected.items())
