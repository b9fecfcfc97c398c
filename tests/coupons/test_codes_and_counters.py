"""Codes (unique, from the caller's bytes, read the same however typed) and counter keys."""

from __future__ import annotations

from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mallcore.coupons import counters, generate_codes, is_code, normalize_code
from mallcore.coupons.codes import CODE_ALPHABET
from mallcore.errors import InvalidValue, WrongType

# codes ---------------------------------------------------------------------------------------


@given(st.integers(0, 2**64).map(Random), st.integers(1, 40), st.integers(8, 16))
def test_a_batch_of_random_bytes_holds_count_distinct_codes_of_the_alphabet(
    random: Random, count: int, length: int
) -> None:
    entropy = random.randbytes(count * length)

    codes = generate_codes(entropy, count, length=length)

    assert len(codes) == len(set(codes)) == count
    assert all(len(code) == length and set(code) <= set(CODE_ALPHABET) for code in codes)
    assert all(is_code(code) and normalize_code(code) == code for code in codes)


def test_the_alphabet_has_no_i_l_o_or_u() -> None:
    assert len(CODE_ALPHABET) == len(set(CODE_ALPHABET)) == 32
    assert not set("ILOU") & set(CODE_ALPHABET)


def test_the_same_bytes_give_the_same_codes() -> None:
    entropy = bytes(range(64))

    assert generate_codes(entropy, 4) == generate_codes(entropy, 4)


def test_a_repeated_code_is_skipped_for_the_next_one() -> None:
    # 5 bytes of zeros make the code 00000000; the next 5 bytes repeat it, the last differ.
    entropy = bytes(10) + b"\xff" * 5

    assert generate_codes(entropy, 2, length=8) == ("00000000", "ZZZZZZZZ")


def test_too_little_entropy_is_refused() -> None:
    with pytest.raises(InvalidValue) as refused:
        generate_codes(bytes(14), 2, length=12)

    assert str(refused.value) == (
        "entropy: is too little for 2 codes of 12 characters: needs 15 bytes or more "
        "(got '14 bytes')"
    )


def test_entropy_that_repeats_itself_is_refused_rather_than_giving_fewer_codes() -> None:
    with pytest.raises(InvalidValue, match="gave only 1 distinct codes of the 2"):
        generate_codes(bytes(10), 2, length=8)


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ((b"x" * 99, 0), InvalidValue),
        ((b"x" * 99, 1, 7), InvalidValue),
        ((b"x" * 99, 1, 33), InvalidValue),
        (("x" * 99, 1), WrongType),
        ((b"x" * 99, True), WrongType),
    ],
)
def test_a_bad_count_length_or_entropy_is_refused(
    arguments: tuple[object, ...], error: type[Exception]
) -> None:
    entropy, count, *length = arguments

    with pytest.raises(error):
        generate_codes(entropy, count, length=length[0] if length else 12)  # type: ignore[arg-type]


@given(st.text())
def test_normalising_a_code_twice_changes_nothing_more(text: str) -> None:
    once = normalize_code(text)

    assert normalize_code(once) == once


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("7k3m-9qxb-2hdt", True), (" welcome 2026 ", True), ("abc", False), ("满减券券", False)],
)
def test_typed_codes_are_read_without_case_spaces_or_hyphens(typed: str, expected: bool) -> None:
    assert is_code(typed) is expected


# counter keys --------------------------------------------------------------------------------

_KEYS = {
    "issued": (counters.issued, 1),
    "claimed_by": (counters.claimed_by, 2),
    "uses": (counters.uses, 1),
    "used_by": (counters.used_by, 2),
    "budget_spent": (counters.budget_spent, 1),
    "code_redeemed": (counters.code_redeemed, 1),
}
_PARTS = st.text(st.sampled_from("a:/1-"), max_size=6) | st.text(max_size=6)


@st.composite
def _calls(draw: st.DrawFn) -> tuple[str, tuple[str, ...]]:
    name = draw(st.sampled_from(sorted(_KEYS)))
    return name, tuple(draw(_PARTS) for _ in range(_KEYS[name][1]))


def _key(call: tuple[str, tuple[str, ...]]) -> str:
    function, _ = _KEYS[call[0]]
    return function(*call[1])  # type: ignore[operator, no-any-return]


@given(_calls(), _calls())
def test_distinct_counters_or_ids_never_share_a_key(
    first: tuple[str, tuple[str, ...]], second: tuple[str, tuple[str, ...]]
) -> None:
    assert (_key(first) == _key(second)) == (first == second)


def test_ids_with_colons_and_slashes_stay_apart() -> None:
    assert counters.claimed_by("a:1", "b") != counters.claimed_by("a", "1:b")
    assert counters.claimed_by("t", "c") == "coupon/claimed_by/1:t/1:c"


def test_a_key_of_a_non_string_is_refused() -> None:
    with pytest.raises(WrongType):
        counters.uses(7)  # type: ignore[arg-type]
