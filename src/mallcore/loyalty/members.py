"""A member (会员): the profile the shop registered, and the tier membership it grows.

:class:`Member` is the stored aggregate behind member tiers and the jobs
that issue birthday and new-member coupons: when the customer registered,
their birthday (month and day matter), and their :class:`Membership` in the
merchant's :class:`TierProgram` once growth is counted. Growth is credited
when an order completes and taken back when it is refunded, each once per
key, like every loyalty command.
"""

from __future__ import annotations

from datetime import date, datetime

import attrs

from mallcore._fields import aware, aware_field, id_field, instance_of, non_negative
from mallcore.errors import InvalidValue, WrongType
from mallcore.loyalty.tiers import Membership, TierChanged, TierProgram

__all__ = ["Member", "MemberRegistered"]


def _birthday(instance: object, attribute: attrs.Attribute[date | None], value: object) -> None:
    if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
        raise WrongType(attribute.name, value, "date")


@attrs.frozen
class MemberRegistered:
    """A customer registered as a member of the shop."""

    customer_id: str
    at: datetime


@attrs.frozen(kw_only=True)
class Member:
    """A registered customer: ``registered_at``, ``birthday`` and tier ``membership``."""

    customer_id: str = attrs.field(validator=id_field)
    registered_at: datetime = attrs.field(validator=aware_field)
    birthday: date | None = attrs.field(default=None, validator=_birthday)
    membership: Membership | None = attrs.field(
        default=None, validator=attrs.validators.optional(instance_of(Membership, "Membership"))
    )
    version: int = attrs.field(default=0, validator=non_negative)

    def __attrs_post_init__(self) -> None:
        if self.membership is not None and self.membership.member_id != self.customer_id:
            raise InvalidValue(
                "membership.member_id", self.membership.member_id, "must be the customer's id"
            )

    @classmethod
    def register(
        cls, customer_id: str, *, at: datetime, birthday: date | None = None
    ) -> tuple[Member, tuple[MemberRegistered, ...]]:
        """A new member, registered ``at``."""
        member = cls(customer_id=customer_id, registered_at=aware("at", at), birthday=birthday)
        return member, (MemberRegistered(member.customer_id, at),)

    def tier_id(self) -> str | None:
        """The member's tier, or None before any membership."""
        return None if self.membership is None else self.membership.tier_id

    def grow(
        self, points: int, *, key: str, at: datetime, program: TierProgram
    ) -> tuple[Member, tuple[TierChanged, ...]]:
        """Credit ``points`` of growth once per ``key`` (joining the programme first if needed)."""
        membership = self.membership or Membership.join(self.customer_id, program, at=at)
        grown, changes = membership.grow(points, key=key, at=at, program=program)
        if grown is membership and self.membership is not None:
            return self, ()
        return attrs.evolve(self, membership=grown, version=self.version + 1), changes

    def take_back(
        self, points: int, *, key: str, at: datetime, program: TierProgram
    ) -> tuple[Member, tuple[TierChanged, ...]]:
        """Take back ``points`` of growth once per ``key`` (a refund); the tier moves at review."""
        if self.membership is None:
            return self, ()
        shrunk, changes = self.membership.take_back(points, key=key, at=at, program=program)
        if shrunk is self.membership:
            return self, ()
        return attrs.evolve(self, membership=shrunk, version=self.version + 1), changes
