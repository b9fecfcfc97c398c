"""The usage counters the Mall keeps for limited promotions: one key per rule and customer.

A key holds its parts with their lengths (``promotion:9:flash-one:units``), so
that no two (rule, customer) pairs share a key, whatever characters the ids
hold. Coupon counters live beside the coupons (:mod:`mallcore.coupons.counters`).
"""

from __future__ import annotations

__all__ = ["flash_units", "flash_units_by", "rule_uses", "rule_uses_by"]


def _key(*parts: str) -> str:
    return ":".join(f"{len(part)}:{part}" for part in parts)


def rule_uses(rule_id: str) -> str:
    """The orders that used promotion ``rule_id`` (its ``limits.total``)."""
    return f"promotion:{_key(rule_id)}:uses"


def rule_uses_by(rule_id: str, customer_id: str) -> str:
    """The orders of ``customer_id`` that used promotion ``rule_id`` (``limits.per_customer``)."""
    return f"promotion:{_key(rule_id, customer_id)}:uses"


def flash_units(rule_id: str) -> str:
    """The units sold at flash sale ``rule_id``'s price (its ``allotment``)."""
    return f"promotion:{_key(rule_id)}:units"


def flash_units_by(rule_id: str, customer_id: str) -> str:
    """The units ``customer_id`` bought at flash sale ``rule_id``'s price (``per_customer``)."""
    return f"promotion:{_key(rule_id, customer_id)}:units"
