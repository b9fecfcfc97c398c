"""The public attrs types: every class an ``__all__`` of mallcore's public packages names."""

from __future__ import annotations

import importlib

import attrs

__all__ = ["PUBLIC_PACKAGES", "public_types"]

PUBLIC_PACKAGES = (
    "mallcore",
    "mallcore.money",
    "mallcore.limits",
    "mallcore.rules",
    "mallcore.catalog",
    "mallcore.pricing",
    "mallcore.shipping",
    "mallcore.loyalty",
    "mallcore.orders",
    "mallcore.coupons",
    "mallcore.merchant",
    "mallcore.reconciliation",
    "mallcore.ports",
    "mallcore.services",
)
"""The modules whose ``__all__`` makes the public surface."""


def public_types() -> list[type]:
    """Every attrs class named in a public ``__all__``, each once, sorted by qualified name."""
    found: dict[str, type] = {}
    for name in PUBLIC_PACKAGES:
        module = importlib.import_module(name)
        for public in getattr(module, "__all__", ()):
            value = getattr(module, public)
            if isinstance(value, type) and attrs.has(value):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]
