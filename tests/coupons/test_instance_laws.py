"""Coupon instance laws: the lifecycle table, and lock/use/release/void against a plain model.

- every move a command makes is in TRANSITIONS; every state is reachable; VOID is final;
- an instance agrees with a plain model of the rules written with two variables,
  refusals included (the error type and the reason);
- a command that produced events bumped the version by one and changed the instance;
  one that did not returned the very same instance (idempotency);
- a refused command changes nothing.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from mallcore.coupons import (
    TRANSITIONS,
    CouponInstance,
    CouponLocked,
    CouponRefusal,
    CouponReleased,
    CouponState,
    CouponUsed,
    CouponVoided,
)
from mallcore.errors import CouponUnavailable, IllegalTransition, InvalidValue, MallcoreError
from mallcore.testing.strategies import aware_datetimes, coupon_instances

START = datetime(2026, 11, 11, tzinfo=UTC)
VALID_FROM = START + timedelta(hours=2)
VALID_UNTIL = START + timedelta(hours=10)
ORDERS = st.sampled_from(["O-1", "O-2", "O-3"])
TIMES = st.integers(0, 12 * 60).map(lambda minutes: START + timedelta(minutes=minutes))


def _fresh() -> CouponInstance:
    return CouponInstance(
        id="c-1",
        template_id="spring-10",
        customer_id="alice",
        claimed_at=START,
        valid_from=VALID_FROM,
        valid_until=VALID_UNTIL,
    )


class _Model:
    """The coupon rules the plain way: a state and the order holding it."""

    def __init__(self) -> None:
        self.state = "available"
        self.order: str | None = None

    def refusal(self, now: datetime) -> str | None:
        if self.state != "available":
            return self.state
        if now < VALID_FROM:
            return "not_started"
        if now >= VALID_UNTIL:
            return "expired"
        return None

    def lock(self, order: str, at: datetime) -> bool:
        if self.order == order:
            return False
        refusal = self.refusal(at)
        if refusal is not None:
            raise CouponUnavailable("c-1", refusal)
        self.state, self.order = "locked", order
        return True

    def use(self, order: str, at: datetime) -> bool:
        if self.order == order:
            changed = self.state == "locked"
            self.state = "used"
            return changed
        if self.state == "available":
            raise IllegalTransition("coupon", "c-1", "available", "used")
        raise CouponUnavailable("c-1", self.state)

    def release(self, order: str, at: datetime) -> bool:
        if self.order != order:
            return False
        self.state, self.order = "available", None
        return True

    def void(self, at: datetime) -> bool:
        if self.state == "void":
            return False
        if self.state != "available":
            raise IllegalTransition("coupon", "c-1", self.state, "void")
        self.state = "void"
        return True


class CouponMachine(RuleBasedStateMachine):
    """Drives one instance and the plain model through the same commands; they must agree."""

    def __init__(self) -> None:
        super().__init__()
        self.instance = _fresh()
        self.model = _Model()

    def _apply(self, command: str, *args: object, **kwargs: object) -> None:
        before = self.instance
        saved = (self.model.state, self.model.order)
        try:
            changed = getattr(self.model, command)(*args, **kwargs)
        except MallcoreError as refused:
            self.model.state, self.model.order = saved
            with pytest.raises(type(refused), match=f"^{re.escape(str(refused))}$"):
                getattr(before, command)(*args, **kwargs)
            assert self.instance is before
            return
        after, events = getattr(before, command)(*args, **kwargs)
        if changed:
            assert len(events) == 1
            assert after.version == before.version + 1
            assert after.state in TRANSITIONS[before.state]
        else:
            assert events == ()
            assert after is before
        self.instance = after

    @rule(order=ORDERS, at=TIMES)
    def lock(self, order: str, at: datetime) -> None:
        self._apply("lock", order, at=at)

    @rule(order=ORDERS, at=TIMES)
    def use(self, order: str, at: datetime) -> None:
        self._apply("use", order, at=at)

    @rule(order=ORDERS, at=TIMES)
    def release(self, order: str, at: datetime) -> None:
        self._apply("release", order, at=at)

    @rule(at=TIMES)
    def void(self, at: datetime) -> None:
        model = self.model
        before = self.instance
        saved = (model.state, model.order)
        try:
            changed = model.void(at)
        except MallcoreError as refused:
            model.state, model.order = saved
            with pytest.raises(type(refused)):
                before.void(at=at, reason="withdrawn")
            return
        after, events = before.void(at=at, reason="withdrawn")
        assert (len(events), after.version) == (
            (1, before.version + 1) if changed else (0, before.version)
        )
        self.instance = after

    @invariant()
    def instance_agrees_with_the_model(self) -> None:
        assert self.instance.state.value == self.model.state
        assert self.instance.order_id == self.model.order

    @invariant()
    def usability_agrees_with_the_model(self) -> None:
        for moment in (START, VALID_FROM, VALID_UNTIL - timedelta(seconds=1), VALID_UNTIL):
            refusal = self.instance.usability(moment)
            assert (None if refusal is None else refusal.value) == self.model.refusal(moment)


TestCouponMachine = CouponMachine.TestCase


# the table -----------------------------------------------------------------------------------


def test_every_state_is_reachable_from_available() -> None:
    reached = {CouponState.AVAILABLE}
    frontier = [CouponState.AVAILABLE]
    while frontier:
        for target in TRANSITIONS[frontier.pop()]:
            if target not in reached:
                reached.add(target)
                frontier.append(target)

    assert reached == set(CouponState)


def test_void_is_final() -> None:
    assert TRANSITIONS[CouponState.VOID] == frozenset()


def test_the_commands_walk_the_whole_table_with_one_event_each() -> None:
    at = VALID_FROM

    locked, locked_events = _fresh().lock("O-1", at=at)
    used, used_events = locked.use("O-1", at=at)
    returned, returned_events = used.release("O-1", at=at)
    relocked, _ = returned.lock("O-2", at=at)
    unlocked, unlocked_events = relocked.release("O-2", at=at)
    voided, voided_events = unlocked.void(at=at, reason="活动取消")

    assert [s.state for s in (locked, used, returned, relocked, unlocked, voided)] == [
        CouponState.LOCKED,
        CouponState.USED,
        CouponState.AVAILABLE,
        CouponState.LOCKED,
        CouponState.AVAILABLE,
        CouponState.VOID,
    ]
    assert voided.version == 6
    assert locked_events == (CouponLocked("c-1", "spring-10", "alice", "O-1", at),)
    assert used_events == (CouponUsed("c-1", "spring-10", "alice", "O-1", at),)
    assert returned_events == (
        CouponReleased("c-1", "spring-10", "alice", "O-1", at, source=CouponState.USED),
    )
    assert unlocked_events[0].source is CouponState.LOCKED  # type: ignore[union-attr]
    assert voided_events == (CouponVoided("c-1", "spring-10", "alice", at, "活动取消"),)


# refusals with their reasons -----------------------------------------------------------------


def test_a_coupon_locked_by_one_order_is_refused_to_another_as_locked() -> None:
    locked, _ = _fresh().lock("O-1", at=VALID_FROM)

    with pytest.raises(CouponUnavailable) as refused:
        locked.lock("O-2", at=VALID_FROM)

    assert refused.value.reason == CouponRefusal.LOCKED.value
    assert str(refused.value) == "coupon 'c-1' cannot be used: locked"


@pytest.mark.parametrize(
    ("at", "reason"),
    [(START, CouponRefusal.NOT_STARTED), (VALID_UNTIL, CouponRefusal.EXPIRED)],
)
def test_a_coupon_outside_its_validity_cannot_be_locked(
    at: datetime, reason: CouponRefusal
) -> None:
    with pytest.raises(CouponUnavailable) as refused:
        _fresh().lock("O-1", at=at)

    assert refused.value.reason == reason.value


def test_an_order_placed_in_time_may_use_its_coupon_after_the_coupon_expired() -> None:
    locked, _ = _fresh().lock("O-1", at=VALID_FROM)

    used, events = locked.use("O-1", at=VALID_UNTIL + timedelta(days=1))

    assert (used.state, len(events)) == (CouponState.USED, 1)


def test_a_released_coupon_past_its_validity_shows_as_expired() -> None:
    # research-activities.md §5 C6 (CRMEB recoverCoupon): returned even when expired.
    used, _ = _fresh().lock("O-1", at=VALID_FROM)[0].use("O-1", at=VALID_FROM)

    returned, _ = used.release("O-1", at=VALID_UNTIL + timedelta(days=1))

    assert returned.usability(VALID_UNTIL + timedelta(days=1)) is CouponRefusal.EXPIRED


def test_a_command_with_a_bad_order_id_is_refused() -> None:
    with pytest.raises(InvalidValue, match="order_id"):
        _fresh().lock("", at=VALID_FROM)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"state": CouponState.LOCKED}, "order_id: is needed by a locked coupon"),
        ({"order_id": "O-1"}, "order_id: must be None for a available coupon"),
        ({"valid_until": VALID_FROM}, "valid_until: must be after valid_from"),
        ({"claimed_at": datetime(2026, 1, 1)}, "claimed_at: must be timezone-aware"),
        ({"version": -1}, "version: must not be negative"),
    ],
)
def test_an_inconsistent_instance_cannot_be_built(fields: dict[str, object], message: str) -> None:
    base: dict[str, object] = {
        "id": "c-1",
        "template_id": "spring-10",
        "customer_id": "alice",
        "claimed_at": START,
        "valid_from": VALID_FROM,
        "valid_until": VALID_UNTIL,
    }

    with pytest.raises(InvalidValue, match=message):
        CouponInstance(**{**base, **fields})  # type: ignore[arg-type]


@given(coupon_instances(), aware_datetimes(), ORDERS)
def test_repeating_a_command_that_succeeded_changes_nothing(
    instance: CouponInstance, at: datetime, order: str
) -> None:
    for command in ("lock", "use", "release"):
        try:
            once, _ = getattr(instance, command)(order, at=at)
        except MallcoreError:
            continue
        twice, events = getattr(once, command)(order, at=at)

        assert (twice, events) == (once, ())
