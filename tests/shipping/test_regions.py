"""Region hierarchies: China's division codes, ISO 3166, host tables, lineage."""

from __future__ import annotations

import pytest

from mallcore.errors import InvalidValue, NotFound
from mallcore.shipping import ChinaDivisions, Iso3166, RegionTable, lineage


def test_a_beijing_district_is_in_its_city_its_province_and_china() -> None:
    assert lineage(ChinaDivisions(), "110105") == ("110105", "110100", "110000", "CN")


def test_a_city_is_in_its_province_and_a_province_in_china() -> None:
    assert lineage(ChinaDivisions(), "440300") == ("440300", "440000", "CN")
    assert lineage(ChinaDivisions(), "650000") == ("650000", "CN")


@pytest.mark.parametrize("code", ["11010", "1101011", "abcdef", "990000", "", "cn"])
def test_a_malformed_or_unknown_division_code_is_refused(code: str) -> None:
    with pytest.raises(InvalidValue, match="region"):
        ChinaDivisions().parent(code)


def test_china_and_its_provinces_have_display_names() -> None:
    china = ChinaDivisions()

    assert china.name("CN") == "中国"
    assert china.name("CN", "en") == "China"
    assert china.name("650000") == "新疆维吾尔自治区"
    assert china.name("650102") is None


def test_an_iso_subdivision_is_in_its_country_and_a_country_is_a_root() -> None:
    assert lineage(Iso3166(), "US-AK") == ("US-AK", "US")
    assert lineage(Iso3166(), "DE") == ("DE",)


@pytest.mark.parametrize("code", ["XX", "XX-1", "usa", "US-", "US-ABCD"])
def test_an_unknown_iso_code_is_refused(code: str) -> None:
    with pytest.raises(InvalidValue, match="ISO 3166"):
        Iso3166().parent(code)


def test_iso_country_names_come_from_babel_in_the_readers_locale() -> None:
    assert Iso3166().name("JP", "zh_CN") == "日本"
    assert Iso3166().name("JP", "en") == "Japan"
    assert Iso3166().name("JP-13") is None


def test_a_host_table_adds_its_own_areas_under_built_in_codes() -> None:
    table = RegionTable(
        parents={"chongming-island": "310100"},
        names={"chongming-island": "崇明岛"},
        fallback=ChinaDivisions(),
    )

    assert lineage(table, "chongming-island") == ("chongming-island", "310100", "310000", "CN")
    assert table.name("chongming-island") == "崇明岛"
    assert table.name("310000") == "上海市"


def test_a_table_without_a_fallback_does_not_know_other_codes() -> None:
    table = RegionTable(parents={"north": None, "harbour": "north"})

    assert lineage(table, "harbour") == ("harbour", "north")
    with pytest.raises(NotFound, match="no region 'south'"):
        table.parent("south")


def test_a_table_whose_parents_form_a_cycle_is_refused() -> None:
    with pytest.raises(InvalidValue, match="cycle"):
        RegionTable(parents={"a": "b", "b": "a"})
