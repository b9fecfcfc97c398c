"""A claimed coupon in a customer's wallet: its states, its commands, its events.

::

    AVAILABLE ──lock(order)──▶ LOCKED ──use(order)──▶ USED
        ▲  │                     │                      │
        │  └─void──▶ VOID        │                      │
        └──────release(order)────┴──────────────────────┘

- 可用 ``AVAILABLE``: in the wallet, free for any order while valid;
- 锁定 ``LOCKED``: held by one unpaid order (placing it locks the coupon);
- 已使用 ``USED``: that order was paid;
- 已作废 ``VOID``: withdrawn by the merchant; final.

A locked or used coupon is released (``AVAILABLE`` again) when its order is
cancelled or times out unpaid, and on a full refund when the template
returns coupons on refund; it comes back even if it has expired meanwhile,
and then simply shows as expired. Only :data:`TRANSITIONS` allows moves.

"Expired" and "not yet valid" are not states: they follow from ``now`` and
the instance's ``valid_from`` (inclusive) and ``valid_until`` (exclusive),
and :meth:`CouponInstance.usability` says which applies.

Every command returns ``(instance, events)`` and follows the house rules:

- a command that changes the instance returns it with ``version + 1`` and one event;
- a command that already happened (locking again for the same order, using
  twice, releasing a coupon that order does not hold, voiding twice)
  returns the same instance and no events;
- a refused command raises (:class:`~mallcore.errors.CouponUnavailable` with a
  :class:`CouponRefusal` value as its ``reason``, or
  :class:`~mallcore.errors.IllegalTransition`) and changes nothing.
"""

from __future__ import annotations

import enum
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final

import attrs

from mallcore._fields import id_field, identifier
from mallcore.catalog.listing import require_aware
from mallcore.coupons.codes import is_code, normalize_code
from mallcore.errors import CouponUnavailable, IllegalTransition, InvalidValue, WrongType

__all__ = [
    "CouponClaimed",
    "CouponEvent",
    "CouponInstance",
    "CouponLocked",
    "CouponRefusal",
    "CouponReleased",
    "CouponState",
    "CouponUsed",
    "CouponVoided",
    "TRANSITIONS",
]


class CouponState(enum.Enum):
    """Where a claimed coupon is in its lifecycle (expiry is derived from time, not stored)."""

    AVAILABLE = "available"
    """可用: in the wallet, free for any order while valid."""
    LOCKED = "locked"
    """锁定: held by one unpaid order."""
    USED = "used"
    """已使用: the order holding it was paid."""
    VOID = "void"
    """已作废: withdrawn by the merchant. Final."""


TRANSITIONS: Final = MappingProxyType(
    {
        CouponState.AVAILABLE: frozenset({CouponState.LOCKED, CouponState.VOID}),
        CouponState.LOCKED: frozenset({CouponState.USED, CouponState.AVAILABLE}),
        CouponState.USED: frozenset({CouponState.AVAILABLE}),
        CouponState.VOID: frozenset[CouponState](),
    }
)
"""The allowed moves: state -> the states it may move to."""


class CouponRefusal(enum.Enum):
    """Why a coupon cannot be claimed or used: the ``reason`` of CouponUnavailable."""

    NOT_CLAIMED = "not_claimed"
    """The customer holds no such coupon (not in their wallet)."""
    NOT_STARTED = "not_started"
    """Before the coupon's ``valid_from``."""
    EXPIRED = "expired"
    """At or after the coupon's ``valid_until``."""
    USED = "used"
    """Already used by a paid order."""
    LOCKED = "locked"
    """Held by another unpaid order."""
    VOID = "void"
    """Withdrawn by the merchant."""
    LIMIT_REACHED = "limit_reached"
    """The template's total or per-customer use limit is reached."""
    BUDGET_SPENT = "budget_spent"
    """What is left of the template's budget is less than this discount."""
    NOT_APPLICABLE = "not_applicable"
    """The coupon does not apply to this cart (scope, minimum spend, stacking)."""
    CURRENCY = "currency"
    """The coupon is in another currency than the cart."""
    CLAIM_CLOSED = "claim_closed"
    """Outside the template's claim window."""
    ISSUE_LIMIT_REACHED = "issue_limit_reached"
    """The template has issued all the coupons it may."""
    ALREADY_CLAIMED = "already_claimed"
    """The customer claimed as many as the template allows each customer."""
    UNKNOWN_CODE = "unknown_code"
    """No template or batch has this code."""
    CODE_USED = "code_used"
    """This single-use code was redeemed already (or this customer redeemed the shared code)."""


_AVAILABLE: Final = CouponState.AVAILABLE
_LOCKED: Final = CouponState.LOCKED
_USED: Final = CouponState.USED
_VOID: Final = CouponState.VOID


# events --------------------------------------------------------------------------


@attrs.frozen
class CouponClaimed:
    """A coupon instance was claimed into ``customer_id``'s wallet, valid in [from, until)."""

    instance_id: str
    template_id: str
    customer_id: str
    at: datetime
    valid_from: datetime
    valid_until: datetime
    code: str | None = None


@attrs.frozen
class CouponLocked:
    """An instance was locked by the unpaid order ``order_id``."""

    instance_id: str
    template_id: str
    customer_id: str
    order_id: str
    at: datetime


@attrs.frozen
class CouponUsed:
    """The order ``order_id`` holding an instance was paid: the instance is used."""

    instance_id: str
    template_id: str
    customer_id: str
    order_id: str
    at: datetime


@attrs.frozen
class CouponReleased:
    """An instance held by ``order_id`` (``source``: LOCKED or USED) is available again."""

    instance_id: str
    template_id: str
    customer_id: str
    order_id: str
    at: datetime
    source: CouponState


@attrs.frozen
class CouponVoided:
    """An instance was withdrawn for ``reason``."""

    instance_id: str
    template_id: str
    customer_id: str
    at: datetime
    reason: str


CouponEvent = CouponClaimed | CouponLocked | CouponUsed | CouponReleased | CouponVoided
"""Anything that happened to a coupon instance."""


# the instance ------------------------------------------------------------------------


def _aware(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    require_aware(attribute.name, value)


def _state(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, CouponState):
        raise WrongType(attribute.name, value, "CouponState")


def _version(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise WrongType(attribute.name, value, "int")
    if value < 0:
        raise InvalidValue(attribute.name, value, "must not be negative")


def _optional_code(value: str | None) -> str | None:
    return None if value is None else normalize_code(value)


def _code(instance: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and not is_code(value):
        raise InvalidValue(attribute.name, value, "must be 4 to 32 letters A-Z and digits")


@attrs.frozen(kw_only=True)
class CouponInstance:
    """One coupon a customer claimed from a template: who holds it, when it is valid, its state.

    ``order_id`` is the order holding it (LOCKED or USED), None otherwise;
    ``code`` the code it was redeemed with, if any (normalised).
    """

    id: str = attrs.field(validator=id_field)
    template_id: str = attrs.field(validator=id_field)
    customer_id: str = attrs.field(validator=id_field)
    claimed_at: datetime = attrs.field(validator=_aware)
    valid_from: datetime = attrs.field(validator=_aware)
    valid_until: datetime = attrs.field(validator=_aware)
    state: CouponState = attrs.field(default=CouponState.AVAILABLE, validator=_state)
    order_id: str | None = attrs.field(default=None, validator=id_field)
    code: str | None = attrs.field(default=None, converter=_optional_code, validator=_code)
    version: int = attrs.field(default=0, validator=_version)

    def __attrs_post_init__(self) -> None:
        if self.valid_until <= self.valid_from:
            raise InvalidValue(
                "valid_until", self.valid_until, f"must be after valid_from {self.valid_from}"
            )
        held = self.state in (_LOCKED, _USED)
        if held and self.order_id is None:
            raise InvalidValue("order_id", None, f"is needed by a {self.state.value} coupon")
        if not held and self.order_id is not None:
            raise InvalidValue(
                "order_id", self.order_id, f"must be None for a {self.state.value} coupon"
            )

    def usability(self, now: datetime) -> CouponRefusal | None:
        """Why this coupon cannot be used by a new order at ``now``, or None if it can.

        The state comes first (VOID, USED, LOCKED), then the time: NOT_STARTED
        before ``valid_from``, EXPIRED from ``valid_until`` on.
        """
        require_aware("now", now)
        if self.state is not _AVAILABLE:
            return _STATE_REFUSALS[self.state]
        if now < self.valid_from:
            return CouponRefusal.NOT_STARTED
        if now >= self.valid_until:
            return CouponRefusal.EXPIRED
        return None

    def is_usable(self, now: datetime) -> bool:
        """Whether a new order could use this coupon at ``now``."""
        return self.usability(now) is None

    def lock(
        self, order_id: str, *, at: datetime
    ) -> tuple[CouponInstance, tuple[CouponEvent, ...]]:
        """Hold this coupon for the unpaid order ``order_id`` (placing the order).

        Locking again for the same order changes nothing (also once it is
        used by it). Otherwise the coupon must be usable at ``at``, else
        CouponUnavailable with the reason (LOCKED or USED by another order,
        VOID, NOT_STARTED, EXPIRED).
        """
        identifier("order_id", order_id)
        require_aware("at", at)
        if self.order_id == order_id:
            return self, ()
        refusal = self.usability(at)
        if refusal is not None:
            raise CouponUnavailable(self.id, refusal.value)
        locked = self._moved(_LOCKED, order_id=order_id)
        event = CouponLocked(self.id, self.template_id, self.customer_id, order_id, at)
        return locked, (event,)

    def use(self, order_id: str, *, at: datetime) -> tuple[CouponInstance, tuple[CouponEvent, ...]]:
        """Mark this coupon used by ``order_id``, which holds it (the order was paid).

        Using it again for that order changes nothing. The time is not
        checked: an order placed in time may be paid after the coupon's
        expiry. A coupon another order holds or used raises CouponUnavailable
        (LOCKED / USED), a VOID one CouponUnavailable (VOID); one that no
        order holds raises IllegalTransition (lock it first).
        """
        identifier("order_id", order_id)
        require_aware("at", at)
        if self.order_id == order_id:
            if self.state is _USED:
                return self, ()
            used = self._moved(_USED, order_id=order_id)
            return used, (CouponUsed(self.id, self.template_id, self.customer_id, order_id, at),)
        if self.state is _AVAILABLE:
            raise IllegalTransition("coupon", self.id, self.state.value, _USED.value)
        raise CouponUnavailable(self.id, _STATE_REFUSALS[self.state].value)

    def release(
        self, order_id: str, *, at: datetime
    ) -> tuple[CouponInstance, tuple[CouponEvent, ...]]:
        """Give this coupon back to the wallet from ``order_id`` (cancel, timeout, full refund).

        A coupon LOCKED or USED by ``order_id`` becomes AVAILABLE (whatever
        the time: an expired one then shows as expired). A coupon that order
        does not hold is left as it is: nothing to give back.
        """
        identifier("order_id", order_id)
        require_aware("at", at)
        if self.order_id != order_id:
            return self, ()
        source = self.state
        released = self._moved(_AVAILABLE, order_id=None)
        event = CouponReleased(
            self.id, self.template_id, self.customer_id, order_id, at, source=source
        )
        return released, (event,)

    def void(self, *, at: datetime, reason: str) -> tuple[CouponInstance, tuple[CouponEvent, ...]]:
        """Withdraw this coupon for ``reason`` (the merchant's word, kept in the event).

        Only an AVAILABLE coupon may be voided; voiding a VOID one changes
        nothing; a coupon an order holds raises IllegalTransition (release it
        through its order first).
        """
        require_aware("at", at)
        if not isinstance(reason, str):
            raise WrongType("reason", reason, "str")
        if self.state is _VOID:
            return self, ()
        if self.state is not _AVAILABLE:
            raise IllegalTransition("coupon", self.id, self.state.value, _VOID.value)
        voided = self._moved(_VOID, order_id=None)
        event = CouponVoided(self.id, self.template_id, self.customer_id, at, reason)
        return voided, (event,)

    def _moved(self, target: CouponState, *, order_id: str | None) -> CouponInstance:
        """This instance in ``target`` (which TRANSITIONS must allow), one version on."""
        if target not in TRANSITIONS[self.state]:
            raise IllegalTransition("coupon", self.id, self.state.value, target.value)
        return attrs.evolve(self, state=target, order_id=order_id, version=self.version + 1)


_STATE_REFUSALS: Final = MappingProxyType(
    {_LOCKED: CouponRefusal.LOCKED, _USED: CouponRefusal.USED, _VOID: CouponRefusal.VOID}
)
