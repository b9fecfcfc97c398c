"""The keys of the coupon counters the Mall keeps in storage.

Limits on coupons are not fields of a document that every checkout
rewrites: they are counters (:class:`mallcore.ports.CounterRepository`)
that a unit of work adds to with a conditional update, so concurrent
claims and checkouts can never push one past its limit. Each function here
names one counter; every count is a whole number, 0 when never counted:

- ``issued(t)``: instances of template ``t`` claimed by anyone
  (limit ``IssueLimits.total``);
- ``claimed_by(t, c)``: instances of ``t`` that customer ``c`` claimed
  (``IssueLimits.per_customer``);
- ``uses(t)``: orders holding (locked or used) an instance of ``t``
  (``UseLimits.total``);
- ``used_by(t, c)``: orders of ``c`` holding an instance of ``t``
  (``UseLimits.per_customer``);
- ``budget_spent(t)``: the discounts ``t`` granted, in its currency's minor
  units (``UseLimits.budget``);
- ``code_redeemed(code)``: redemptions of one single-use code (limit 1).

Pass codes normalised (:func:`~mallcore.coupons.codes.normalize_code`); for
a shared code, the per-customer claim counter ``claimed_by`` is what keeps
it to once per customer.

Every key starts ``coupon/<counter>`` and then writes each part as
``/<length>:<text>``, so a key is unambiguous whatever the ids contain
(``:``, ``/``, digits): two different calls never give the same key. Other
counters in the same storage should keep out of the ``coupon/`` namespace.

>>> used_by("tpl:1", "alice")
'coupon/used_by/5:tpl:1/5:alice'
"""

from __future__ import annotations

from mallcore.errors import WrongType

__all__ = ["budget_spent", "claimed_by", "code_redeemed", "issued", "used_by", "uses"]


def _key(counter: str, **parts: str) -> str:
    """``coupon/<counter>`` and each part length-prefixed, in order."""
    pieces = [f"coupon/{counter}"]
    for field, text in parts.items():
        if not isinstance(text, str):
            raise WrongType(field, text, "str")
        pieces.append(f"{len(text)}:{text}")
    return "/".join(pieces)


def issued(template_id: str) -> str:
    """The key counting the instances of ``template_id`` claimed by anyone.

    >>> issued("welcome")
    'coupon/issued/7:welcome'
    """
    return _key("issued", template_id=template_id)


def claimed_by(template_id: str, customer_id: str) -> str:
    """The key counting the instances of ``template_id`` that ``customer_id`` claimed."""
    return _key("claimed_by", template_id=template_id, customer_id=customer_id)


def uses(template_id: str) -> str:
    """The key counting the orders that hold (locked or used) an instance of ``template_id``."""
    return _key("uses", template_id=template_id)


def used_by(template_id: str, customer_id: str) -> str:
    """The key counting ``customer_id``'s orders that hold an instance of ``template_id``."""
    return _key("used_by", template_id=template_id, customer_id=customer_id)


def budget_spent(template_id: str) -> str:
    """The key summing the discounts ``template_id`` granted, in its currency's minor units."""
    return _key("budget_spent", template_id=template_id)


def code_redeemed(code: str) -> str:
    """The key counting the redemptions of the single-use ``code`` (pass it normalised)."""
    return _key("code_redeemed", code=code)
