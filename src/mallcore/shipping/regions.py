"""Regions: where a parcel goes, as a code with a chain of parents.

A region is a string code; a hierarchy says each code's parent, up to a
root whose parent is None. :func:`lineage` turns a destination into the code
followed by its ancestors (most specific first), the one walk every freight
rule lookup needs: a rule keyed by any code of the lineage matches, and the
first match (the most specific) wins. No rule table is ever scanned.

Built-in hierarchies:

- :class:`ChinaDivisions`: China's six-digit administrative division codes
  (GB/T 2260), the hierarchy read from the code itself: district ``110101``
  is in city ``110100``, in province ``110000``, in country ``CN``.
- :class:`Iso3166`: ISO 3166-1 countries (``US``) and ISO 3166-2
  subdivisions (``US-CA`` is in ``US``).
- :class:`RegionTable`: a host-supplied code -> parent mapping (with display
  names), falling back to a built-in hierarchy for codes it does not list.

Display names come from babel for countries, from a table of China's 34
province-level divisions for those, and from the host's table otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final, Protocol

import attrs
import babel

from mallcore.errors import InvalidValue, NotFound
from mallcore.shipping._values import as_mapping

__all__ = [
    "CHINA_PROVINCES",
    "ChinaDivisions",
    "Iso3166",
    "MAX_DEPTH",
    "RegionHierarchy",
    "RegionTable",
    "Regions",
    "lineage",
]

MAX_DEPTH: Final = 32
"""No hierarchy is deeper than this; a longer chain of parents is a cycle."""

CHINA_PROVINCES: Final = MappingProxyType(
    {
        "110000": "北京市",
        "120000": "天津市",
        "130000": "河北省",
        "140000": "山西省",
        "150000": "内蒙古自治区",
        "210000": "辽宁省",
        "220000": "吉林省",
        "230000": "黑龙江省",
        "310000": "上海市",
        "320000": "江苏省",
        "330000": "浙江省",
        "340000": "安徽省",
        "350000": "福建省",
        "360000": "江西省",
        "370000": "山东省",
        "410000": "河南省",
        "420000": "湖北省",
        "430000": "湖南省",
        "440000": "广东省",
        "450000": "广西壮族自治区",
        "460000": "海南省",
        "500000": "重庆市",
        "510000": "四川省",
        "520000": "贵州省",
        "530000": "云南省",
        "540000": "西藏自治区",
        "610000": "陕西省",
        "620000": "甘肃省",
        "630000": "青海省",
        "640000": "宁夏回族自治区",
        "650000": "新疆维吾尔自治区",
        "710000": "台湾省",
        "810000": "香港特别行政区",
        "820000": "澳门特别行政区",
    }
)
"""China's province-level divisions (GB/T 2260) and their names."""

_SIX_DIGITS: Final = re.compile(r"\d{6}")
_SUBDIVISION: Final = re.compile(r"([A-Z]{2})-[A-Z0-9]{1,3}")


def _territories(locale: str) -> Any:
    return babel.Locale.parse(locale).territories


_COUNTRIES: Final = frozenset(
    code for code in _territories("en") if len(code) == 2 and code.isalpha()
)


class Regions(Protocol):
    """A region hierarchy: each code's parent and display name.

    - ``parent`` returns the parent code, None for a root, and raises
      :class:`~mallcore.errors.InvalidValue` for a malformed code or
      :class:`~mallcore.errors.NotFound` for a code it does not know.
    - ``name`` returns the display name in ``locale``, or None if it has none.
    """

    def parent(self, code: str) -> str | None:
        """The code of the region that contains ``code``; None for a root."""
        ...

    def name(self, code: str, locale: str = "zh_CN") -> str | None:
        """The name of ``code`` for a reader in ``locale``, or None."""
        ...


def _country_name(code: str, locale: str) -> str | None:
    name = _territories(locale).get(code)
    return None if name is None else str(name)


@attrs.frozen
class ChinaDivisions:
    """China's six-digit division codes, the hierarchy read from the code.

    >>> lineage(ChinaDivisions(), "110101")
    ('110101', '110100', '110000', 'CN')
    """

    def parent(self, code: str) -> str | None:
        """The city of a district, the province of a city, ``CN`` for a province."""
        if code == "CN":
            return None
        if not isinstance(code, str) or not _SIX_DIGITS.fullmatch(code):
            raise InvalidValue("region", code, "must be a six-digit division code or 'CN'")
        province = code[:2] + "0000"
        if province not in CHINA_PROVINCES:
            raise InvalidValue("region", code, "does not start with a province code")
        if code == province:
            return "CN"
        if code.endswith("00"):
            return province
        return code[:4] + "00"

    def name(self, code: str, locale: str = "zh_CN") -> str | None:
        """The country's name from babel, a province's from the table, else None.

        >>> ChinaDivisions().name("440000")
        '广东省'
        """
        if code == "CN":
            return _country_name(code, locale)
        return CHINA_PROVINCES.get(code)


@attrs.frozen
class Iso3166:
    """ISO 3166 countries (``US``) and subdivisions (``US-CA``, in ``US``).

    >>> lineage(Iso3166(), "US-CA")
    ('US-CA', 'US')
    """

    def parent(self, code: str) -> str | None:
        """The country of a subdivision; None for a country."""
        if isinstance(code, str) and code in _COUNTRIES:
            return None
        match = _SUBDIVISION.fullmatch(code) if isinstance(code, str) else None
        if match is None or match.group(1) not in _COUNTRIES:
            raise InvalidValue("region", code, "must be an ISO 3166 country or subdivision code")
        return match.group(1)

    def name(self, code: str, locale: str = "zh_CN") -> str | None:
        """A country's name from babel (subdivisions have none there).

        >>> Iso3166().name("DE", "en")
        'Germany'
        """
        return _country_name(code, locale) if code in _COUNTRIES else None


@attrs.frozen(kw_only=True)
class RegionTable:
    """A host's own hierarchy: ``parents`` maps each code to its parent (None: a root).

    Codes it does not list are asked of ``fallback`` (any hierarchy),
    or are unknown (:class:`~mallcore.errors.NotFound`) without one; a host
    can so add its own areas (a warehouse zone, a remote island) under
    built-in codes. ``names`` are display names, whatever the locale.

    >>> table = RegionTable(parents={"pudong": "310000"}, fallback=ChinaDivisions())
    >>> lineage(table, "pudong")
    ('pudong', '310000', 'CN')
    """

    parents: Mapping[str, str | None] = attrs.field(converter=as_mapping, hash=False)
    names: Mapping[str, str] = attrs.field(factory=dict, converter=as_mapping, hash=False)
    fallback: RegionHierarchy | None = None

    def __attrs_post_init__(self) -> None:
        for code in self.parents:
            lineage(self, code)

    def parent(self, code: str) -> str | None:
        """The parent the table gives ``code``, else the fallback's."""
        if code in self.parents:
            return self.parents[code]
        if self.fallback is None:
            raise NotFound("region", code)
        return self.fallback.parent(code)

    def name(self, code: str, locale: str = "zh_CN") -> str | None:
        """The table's name for ``code``, else the fallback's."""
        if code in self.names:
            return self.names[code]
        return None if self.fallback is None else self.fallback.name(code, locale)


RegionHierarchy = ChinaDivisions | Iso3166 | RegionTable
"""The built-in hierarchies (a tagged union in rule files: ``"kind": "china"`` ...)."""


def lineage(regions: Regions, code: str) -> tuple[str, ...]:
    """``code`` followed by its ancestors, most specific first.

    >>> lineage(ChinaDivisions(), "440300")
    ('440300', '440000', 'CN')
    """
    chain = [code]
    parent = regions.parent(code)
    while parent is not None:
        if parent in chain or len(chain) >= MAX_DEPTH:
            raise InvalidValue("region", code, f"its parents form a cycle: {[*chain, parent]}")
        chain.append(parent)
        parent = regions.parent(parent)
    return tuple(chain)
