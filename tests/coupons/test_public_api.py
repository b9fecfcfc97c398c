"""The coupons package's public surface: pinned, and documented down to every public method."""

from __future__ import annotations

import inspect

import mallcore.coupons
from mallcore.coupons import codes, counters, instance, template, wallet


def test_the_package_exports_exactly_its_chosen_names() -> None:
    assert mallcore.coupons.__all__ == [
        "CouponClaimed",
        "CouponEvent",
        "CouponInstance",
        "CouponLocked",
        "CouponRefusal",
        "CouponReleased",
        "CouponState",
        "CouponTemplate",
        "CouponUsed",
        "CouponVoided",
        "IssueLimits",
        "TRANSITIONS",
        "UseLimits",
        "Validity",
        "Wallet",
        "best_candidates",
        "counters",
        "generate_codes",
        "is_code",
        "normalize_code",
    ]


def test_every_public_class_function_and_method_has_a_docstring() -> None:
    undocumented = []
    for module in (mallcore.coupons, codes, counters, instance, template, wallet):
        for name in module.__all__:
            value = getattr(module, name)
            if not (inspect.isclass(value) or inspect.isfunction(value)):
                continue
            if not inspect.getdoc(value):
                undocumented.append(name)
            members = vars(value).items() if inspect.isclass(value) else ()
            for member, attribute in members:
                if member.startswith("_") or not callable(getattr(value, member)):
                    continue
                if not inspect.getdoc(getattr(attribute, "__func__", attribute)):
                    undocumented.append(f"{name}.{member}")

    assert undocumented == []


def test_every_refusal_reason_is_a_short_snake_case_string() -> None:
    reasons = [refusal.value for refusal in mallcore.coupons.CouponRefusal]

    assert all(reason.islower() and " " not in reason for reason in reasons)
    assert len(set(reasons)) == len(reasons)
