"""Members: registration, growth value at completion and its take-back on refund.

Growth is one point per whole unit of the goods payable (1 per yuan), keyed
``order:<id>:growth`` when the order completes and
``refund:<order id>:<refund id>:growth`` when a refund takes back its share:
each applies once. Nothing happens without a member tier programme in the
configuration or without a registered member.
"""

from __future__ import annotations

from datetime import date, datetime

from mallcore.errors import NotFound
from mallcore.loyalty import Member, TierProgram
from mallcore.money import Money
from mallcore.orders import Order, OrderRefund
from mallcore.ports import UnitOfWork
from mallcore.services.checkout import configuration

__all__ = ["credit_growth", "register_member", "take_back_growth"]


def register_member(
    uow: UnitOfWork, customer_id: str, *, birthday: date | None, at: datetime
) -> tuple[Member, list[object]]:
    """Register ``customer_id`` (once: registering again returns the stored member)."""
    try:
        return uow.members.get(customer_id), []
    except NotFound:
        member, events = Member.register(customer_id, at=at, birthday=birthday)
    uow.members.save(member)
    uow.commit()
    return member, list(events)


def _growth(amount: Money) -> int:
    return int(amount.amount)


def _member_and_program(uow: UnitOfWork, customer_id: str) -> tuple[Member, TierProgram] | None:
    program = configuration(uow).tiers
    if program is None:
        return None
    try:
        return uow.members.get(customer_id), program
    except NotFound:
        return None


def credit_growth(uow: UnitOfWork, order: Order, *, at: datetime) -> list[object]:
    """Credit the growth a completed ``order`` earns to its member, once."""
    found = _member_and_program(uow, order.customer_id)
    points = _growth(order.goods_payable)
    if found is None or points < 1:
        return []
    member, program = found
    grown, changes = member.grow(points, key=f"order:{order.id}:growth", at=at, program=program)
    if grown is not member:
        uow.members.save(grown)
    return list(changes)


def take_back_growth(
    uow: UnitOfWork, order: Order, refund: OrderRefund, *, at: datetime
) -> list[object]:
    """Take back the growth ``refund`` returns of a completed ``order``, once."""
    found = _member_and_program(uow, order.customer_id)
    points = _growth(refund.goods)
    if found is None or points < 1 or order.completed_at is None:
        return []
    member, program = found
    key = f"refund:{order.id}:{refund.id}:growth"
    shrunk, changes = member.take_back(points, key=key, at=at, program=program)
    if shrunk is not member:
        uow.members.save(shrunk)
    return list(changes)
