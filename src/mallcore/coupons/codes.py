"""Coupon codes: batches of unique single-use codes, and how typed codes are read.

A template may carry one **shared** code that anyone may redeem, once per
customer (``CouponTemplate.code``), or the merchant may hand out a batch of
**single-use** codes generated here, each redeemable once in all.

The domain has no randomness: :func:`generate_codes` turns random bytes the
caller supplies (the Mall passes ``secrets.token_bytes(...)``) into codes,
5 bits a character, in Crockford's base-32 alphabet without I, L, O and U
(:data:`CODE_ALPHABET`), so no code has two characters a shopper could
confuse (0/O, 1/I/L) and none spells a word by accident (U). The same bytes
always give the same codes; a code drawn twice is skipped, so the batch
holds ``count`` distinct codes or the call refuses for lack of entropy.

What a shopper types is read with :func:`normalize_code`: upper case, with
spaces and hyphens dropped (codes are often printed in groups,
``7K3M-9QXB-2HDT``). :func:`is_code` says whether a text can be a code at all:

>>> normalize_code(" 7k3m-9qxb 2hdt ")
'7K3M9QXB2HDT'
>>> is_code("7k3m-9qxb-2hdt"), is_code("7K3M!")
(True, False)
"""

from __future__ import annotations

import re
from typing import Final

from mallcore.errors import InvalidValue, WrongType

__all__ = [
    "CODE_ALPHABET",
    "MAX_CODE_LENGTH",
    "MIN_CODE_LENGTH",
    "MIN_GENERATED_LENGTH",
    "generate_codes",
    "is_code",
    "normalize_code",
]

CODE_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""The 32 characters of generated codes: Crockford's base 32 (no I, L, O, U)."""

MIN_CODE_LENGTH: Final = 4
"""The shortest code, shared or generated, in characters."""

MAX_CODE_LENGTH: Final = 32
"""The longest code, shared or generated, in characters."""

MIN_GENERATED_LENGTH: Final = 8
"""The shortest generated code: 40 bits, so guessing one of a batch stays hopeless."""

_BITS: Final = 5
_CODE: Final = re.compile(f"[A-Z0-9]{{{MIN_CODE_LENGTH},{MAX_CODE_LENGTH}}}")


def normalize_code(text: str) -> str:
    """``text`` as a code is compared: upper case, without spaces and hyphens.

    >>> normalize_code("welcome-2026")
    'WELCOME2026'
    """
    if not isinstance(text, str):
        raise WrongType("code", text, "str")
    return "".join(char for char in text.upper() if char not in " -")


def is_code(text: object) -> bool:
    """Whether ``text``, normalised, can be a code: 4 to 32 letters A-Z and digits.

    Every generated code is one, and so is any shared code a merchant picks
    from letters and digits (``WELCOME2026``).
    """
    return isinstance(text, str) and _CODE.fullmatch(normalize_code(text)) is not None


def generate_codes(entropy: bytes, count: int, *, length: int = 12) -> tuple[str, ...]:
    """``count`` distinct codes of ``length`` characters drawn from the random bytes ``entropy``.

    Each character takes 5 bits of ``entropy``, read in order; a code drawn
    twice is skipped and the next bits are read. ``entropy`` must hold at
    least ``count * length * 5`` bits, and enough beyond that to replace
    repeats, else InvalidValue (pass more bytes: ``secrets.token_bytes``).
    ``length`` is 8 to 32 (at least 40 bits a code), ``count`` at least 1.

    >>> generate_codes(bytes(range(30)), 2, length=8)
    ('000G40R4', '0M30E209')
    """
    if not isinstance(entropy, bytes | bytearray):
        raise WrongType("entropy", entropy, "bytes")
    if isinstance(count, bool) or not isinstance(count, int):
        raise WrongType("count", count, "int")
    if count < 1:
        raise InvalidValue("count", count, "must be at least 1")
    if isinstance(length, bool) or not isinstance(length, int):
        raise WrongType("length", length, "int")
    if not MIN_GENERATED_LENGTH <= length <= MAX_CODE_LENGTH:
        raise InvalidValue(
            "length", length, f"must be {MIN_GENERATED_LENGTH} to {MAX_CODE_LENGTH} characters"
        )
    needed = -(-count * length * _BITS // 8)
    if len(entropy) < needed:
        raise InvalidValue(
            "entropy",
            f"{len(entropy)} bytes",
            f"is too little for {count} codes of {length} characters: needs {needed} bytes or more",
        )
    stream = int.from_bytes(entropy, "big")
    characters = len(entropy) * 8 // _BITS
    shift = len(entropy) * 8
    codes: dict[str, None] = {}
    for start in range(0, characters - length + 1, length):
        if len(codes) == count:
            break
        code = "".join(
            CODE_ALPHABET[(stream >> (shift - _BITS * (start + index + 1))) & 31]
            for index in range(length)
        )
        codes.setdefault(code)
    if len(codes) < count:
        raise InvalidValue(
            "entropy",
            f"{len(entropy)} bytes",
            f"gave only {len(codes)} distinct codes of the {count} asked for: pass more bytes",
        )
    return tuple(codes)
