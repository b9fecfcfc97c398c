"""Immutable sequences and maps that share structure between versions.

A points account may hold 100,000 lots. Copying a tuple of them on every
command would make each command linear in the account's history, so the
account keeps its lots, ledger and records in these two structures instead:

- :class:`Vector` is a 32-way trie of tuples (the layout of Clojure's
  persistent vector, without its tail optimisation). Reading, replacing
  and appending copy only the nodes on one root-to-leaf path: O(log32 n),
  four levels for a million items.
- :class:`Map` is a hash array mapped trie keyed by strings, with buckets of
  up to eight pairs that split into 32-way nodes when they fill. Lookup and
  insertion copy one path: O(log32 n) in practice.

Both are values: equal when their items are equal, never changed in place.

>>> v = Vector.of(["a", "b"]).append("c")
>>> v[2], len(v), v.replace(0, "z").to_tuple()
('c', 3, ('z', 'b', 'c'))
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from typing import Any, Final, Generic, TypeVar

__all__ = ["Map", "Vector"]

T = TypeVar("T")
V = TypeVar("V")

_BITS: Final = 5
_WIDTH: Final = 1 << _BITS
_MASK: Final = _WIDTH - 1
_BUCKET: Final = 8


def _assign(node: tuple[Any, ...], shift: int, index: int, value: object) -> tuple[Any, ...]:
    """``node`` with the item at ``index`` set (or appended just past the end)."""
    slot = (index >> shift) & _MASK
    if shift:
        child = node[slot] if slot < len(node) else ()
        value = _assign(child, shift - _BITS, index, value)
    return (*node[:slot], value, *node[slot + 1 :])


def _leaves(node: tuple[Any, ...], shift: int) -> Iterator[Any]:
    if not shift:
        yield from node
        return
    for child in node:
        yield from _leaves(child, shift - _BITS)


class Vector(Generic[T]):
    """An immutable sequence with O(log n) indexing, replacement and append."""

    __slots__ = ("_root", "_shift", "_size")

    def __init__(self) -> None:
        self._root: tuple[Any, ...] = ()
        self._shift = 0
        self._size = 0

    @classmethod
    def of(cls, items: Iterable[T]) -> Vector[T]:
        """A vector of ``items``, in order, built level by level in linear time."""
        level: list[Any] = list(items)
        vector: Vector[T] = cls()
        vector._size = len(level)
        shift = 0
        while len(level) > _WIDTH:
            level = [tuple(level[i : i + _WIDTH]) for i in range(0, len(level), _WIDTH)]
            shift += _BITS
        vector._root = tuple(level)
        vector._shift = shift
        return vector

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, index: int) -> T:
        if index < 0:
            index += self._size
        if not 0 <= index < self._size:
            raise IndexError(index)
        node = self._root
        shift = self._shift
        while shift:
            node = node[(index >> shift) & _MASK]
            shift -= _BITS
        item: T = node[index & _MASK]
        return item

    def __iter__(self) -> Iterator[T]:
        return _leaves(self._root, self._shift)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Vector):
            return NotImplemented
        return self._size == other._size and all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        return hash(self.to_tuple())

    def __repr__(self) -> str:
        return f"Vector({list(self)!r})"

    def to_tuple(self) -> tuple[T, ...]:
        """Every item, in order."""
        return tuple(self)

    def replace(self, index: int, item: T) -> Vector[T]:
        """A vector with ``item`` at ``index`` instead."""
        if not 0 <= index < self._size:
            raise IndexError(index)
        return self._with(_assign(self._root, self._shift, index, item), self._shift, self._size)

    def append(self, item: T) -> Vector[T]:
        """A vector with ``item`` added at the end."""
        root, shift = self._root, self._shift
        if self._size == 1 << (shift + _BITS):
            root, shift = (root,), shift + _BITS
        return self._with(_assign(root, shift, self._size, item), shift, self._size + 1)

    def _with(self, root: tuple[Any, ...], shift: int, size: int) -> Vector[T]:
        vector: Vector[T] = Vector()
        vector._root, vector._shift, vector._size = root, shift, size
        return vector


def _hash(key: str) -> int:
    """A stable hash, so the layout (and iteration order) is the same in every process."""
    return zlib.crc32(key.encode("utf-8"))


_Node = tuple[Any, ...]
"""A bucket: a tuple of up to eight (key, value) pairs."""


class _Branch:
    __slots__ = ("children",)

    def __init__(self, children: _Node) -> None:
        self.children = children


def _lookup(node: object, digest: int, key: str) -> tuple[bool, Any]:
    shift = 0
    while isinstance(node, _Branch):
        node = node.children[(digest >> shift) & _MASK]
        shift += _BITS
    for stored, value in node or ():  # type: ignore[attr-defined]
        if stored == key:
            return True, value
    return False, None


def _insert(node: object, digest: int, shift: int, key: str, value: object) -> object:
    if isinstance(node, _Branch):
        slot = (digest >> shift) & _MASK
        child = _insert(node.children[slot], digest, shift + _BITS, key, value)
        return _Branch((*node.children[:slot], child, *node.children[slot + 1 :]))
    pairs: tuple[tuple[str, Any], ...] = node or ()  # type: ignore[assignment]
    kept = tuple(pair for pair in pairs if pair[0] != key)
    if len(kept) < _BUCKET or shift >= 32:
        return (*kept, (key, value))
    branch: object = _Branch((None,) * _WIDTH)
    for stored, old in (*kept, (key, value)):
        branch = _insert(branch, _hash(stored), shift, stored, old)
    return branch


def _pairs(node: object) -> Iterator[tuple[str, Any]]:
    if isinstance(node, _Branch):
        for child in node.children:
            yield from _pairs(child)
    elif node:
        yield from node  # type: ignore[misc]


class Map(Generic[V]):
    """An immutable mapping from strings with O(log n) lookup and insertion."""

    __slots__ = ("_root", "_size")

    def __init__(self) -> None:
        self._root: object = None
        self._size = 0

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, V]]) -> Map[V]:
        """A map of ``pairs`` (a later pair for the same key wins)."""
        result: Map[V] = cls()
        for key, value in pairs:
            result = result.set(key, value)
        return result

    def __len__(self) -> int:
        return self._size

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and _lookup(self._root, _hash(key), key)[0]

    def get(self, key: str) -> V | None:
        """The value stored under ``key``, or None."""
        found, value = _lookup(self._root, _hash(key), key)
        return value if found else None

    def set(self, key: str, value: V) -> Map[V]:
        """A map with ``key`` bound to ``value``."""
        result: Map[V] = Map()
        result._root = _insert(self._root, _hash(key), 0, key, value)
        result._size = self._size + (key not in self)
        return result

    def items(self) -> Iterator[tuple[str, V]]:
        """Every (key, value) pair, in the map's stable layout order."""
        return _pairs(self._root)

    def values(self) -> Iterator[V]:
        """Every value, in the map's stable layout order."""
        return (value for _, value in self.items())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Map):
            return NotImplemented
        return self._size == other._size and dict(self.items()) == dict(other.items())

    def __hash__(self) -> int:
        return hash(frozenset(self.items()))

    def __repr__(self) -> str:
        return f"Map({dict(self.items())!r})"
