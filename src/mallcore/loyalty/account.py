"""The points account: lots, a ledger that explains every change, and the commands.

Theory of operation (docs/loyalty.md has the worked examples):

- Each earning is a :class:`Lot`: its points, what is left of them, when
  they were earned, until when they are locked (pending: the order is not
  complete or its after-sales window is open), when they expire and where
  they came from. A lot never goes below zero. An order's points are
  earned when it is paid, *held* (pending with no release time: the moment
  its order completes is not known yet); :meth:`PointsAccount.release`
  makes them available at once or sets their release time. A lot expires
  by its ``earned_at`` whether or not it was pending (docs/loyalty.md).
- Every change is an :class:`Entry` in the ledger, in time order, with the
  balance after it, so ``balance(at=...)`` is a binary search and the
  balance is the sum of the entries' ``points``. Pending points are not in
  the balance (``pending_points`` counts them) until they are released.
- Spending consumes available lots **oldest first, by creation**. Under any
  one :class:`~mallcore.loyalty.expiry.ExpiryPolicy` that is also soonest
  expiry first (every policy is monotone), and creation order lets the
  account keep a cursor past the fully spent lots instead of searching.
- A refund takes back what the order earned (in proportion to the value
  refunded, or all of it, by :class:`ClawbackPolicy`), first from the
  order's own lot, then from the balance; what the balance cannot cover is
  forgiven or becomes a debt that later points repay
  (:class:`NegativeBalancePolicy`). Points the order spent come back the same
  way, into the lots they came from, except lots that have expired by then.
- Commands return ``(new_account, entries)``. Each carries a key; a key seen
  before changes nothing and returns no entries. A new key bumps ``version``;
  a refused command raises and changes nothing. The ledger's time never goes
  back: a command dated before the last entry (another server's clock, a job
  that read the clock before a checkout committed) is recorded at the last
  entry's time. Every command first settles the account at its time:
  releases the pending lots whose release time has come, and expires the
  lots whose expiry has come, and after its own change it expires anything
  it made available that has expired by its time (:meth:`PointsAccount.expire`
  settles and does nothing else). ``balance(at=...)`` is what is spendable at ``at``: released,
  unexpired.

The account shares structure between versions (:mod:`._persistent`), so a
balance is O(1), a spend O(log n) per lot it touches, not O(lots).

>>> from datetime import datetime, timezone
>>> at = datetime(2026, 11, 11, tzinfo=timezone.utc)
>>> account, _ = PointsAccount.open("member-1").earn(70, key="earn:A1", at=at, order_id="A1")
>>> account, _ = account.spend(30, key="spend:B2", at=at, order_id="B2")
>>> account.balance(), account.version
(40, 2)
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from datetime import datetime

import attrs

from mallcore._fields import aware, aware_field, members, non_negative, text, to_tuple
from mallcore.errors import InvalidValue, NotEnoughPoints, NotFound
from mallcore.loyalty._persistent import Map, Vector
from mallcore.loyalty.expiry import ExpiryPolicy
from mallcore.money import Money

__all__ = [
    "AccountPolicy",
    "ClawbackPolicy",
    "Entry",
    "EntryKind",
    "Lot",
    "LotShare",
    "NegativeBalancePolicy",
    "OrderPoints",
    "PointsAccount",
    "PointsRecorded",
]


class EntryKind(enum.Enum):
    """What a ledger entry records."""

    EARNED = "earned"
    """Points added to the balance."""
    PENDING = "pending"
    """Points earned but locked until the order completes (not in the balance yet)."""
    RELEASED = "released"
    """Pending points that became available."""
    SCHEDULED = "scheduled"
    """Held points given their release time (the order completed; after-sales is open)."""
    SPENT = "spent"
    """Points used on an order or exchanged."""
    RETURNED = "returned"
    """Spent points given back because their order was refunded."""
    CLAWED_BACK = "clawed_back"
    """Earned points taken back because their order was refunded."""
    EXPIRED = "expired"
    """Points of a lot that reached its expiry."""


class ClawbackPolicy(enum.Enum):
    """How much a refund takes back of what its order earned (and gives back of what it spent)."""

    PROPORTIONAL = "proportional"
    """In proportion to the value refunded so far, rounded down (the customer keeps fractions)."""
    WHOLE_ORDER = "whole_order"
    """Everything, at the first refund of any part of the order."""


class NegativeBalancePolicy(enum.Enum):
    """What happens when a clawback is larger than the balance."""

    FLOOR_AT_ZERO = "floor_at_zero"
    """Take what there is; the rest is forgiven."""
    ALLOW_DEBT = "allow_debt"
    """The balance goes below zero; later points repay the debt first."""


def _key(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue("key", value, "must be a non-empty string")
    return value


def _points(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidValue(field, value, "must be a whole number of points, at least 1")
    return value


@attrs.frozen(kw_only=True)
class AccountPolicy:
    """The rules an account runs by: expiry, clawback and negative balance."""

    expiry: ExpiryPolicy = attrs.Factory(ExpiryPolicy)
    clawback: ClawbackPolicy = ClawbackPolicy.PROPORTIONAL
    negative_balance: NegativeBalancePolicy = NegativeBalancePolicy.FLOOR_AT_ZERO


@attrs.frozen(kw_only=True)
class Lot:
    """One earning: ``points`` earned, ``remaining`` of them, when and why."""

    id: int = attrs.field(validator=non_negative)
    points: int = attrs.field(validator=non_negative)
    remaining: int = attrs.field(validator=non_negative)
    earned_at: datetime = attrs.field(validator=aware_field)
    expires_at: datetime | None = attrs.field(
        default=None, validator=attrs.validators.optional(aware_field)
    )
    locked_until: datetime | None = attrs.field(
        default=None, validator=attrs.validators.optional(aware_field)
    )
    held: bool = False
    """Pending with no release time yet: locked until its order completes."""
    source: str = "purchase"
    order_id: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.remaining > self.points:
            raise InvalidValue("lot.remaining", self.remaining, f"must not exceed {self.points}")
        if self.held and self.locked_until is not None:
            raise InvalidValue("lot.held", self.held, "must not come with locked_until")

    def is_pending(self) -> bool:
        """Whether the points are still locked (held, or locked until a time)."""
        return self.held or self.locked_until is not None

    def is_expired(self, now: datetime) -> bool:
        """Whether the lot has expired at ``now`` (``expires_at`` itself counts as expired)."""
        return self.expires_at is not None and self.expires_at <= now


@attrs.frozen(kw_only=True)
class Entry:
    """One change to an account: its kind, its effect and the balance after it."""

    key: str
    kind: EntryKind
    at: datetime = attrs.field(validator=aware_field)
    points: int
    """The change to the balance (negative for spending, clawback, expiry)."""
    pending: int = 0
    """The change to the pending points."""
    balance: int
    """The balance after this entry."""
    lot_id: int | None = None
    order_id: str | None = None


@attrs.frozen
class PointsRecorded:
    """Event: ``entry`` was written to the ledger of the points account ``account_id``.

    The ledger's own entries do not repeat their account; the event names it,
    so a consumer of the event alone knows whose points moved.
    """

    account_id: str
    entry: Entry


@attrs.frozen
class LotShare:
    """``points`` of lot ``lot_id`` used by an order."""

    lot_id: int
    points: int


@attrs.frozen(kw_only=True)
class OrderPoints:
    """What one order earned and spent, and what its refunds have taken and given back."""

    order_id: str
    earned_lot: int | None = None
    earned: int = 0
    clawed: int = 0
    """Points due back so far (taken or, under FLOOR_AT_ZERO, forgiven)."""
    forgiven: int = 0
    spent: tuple[LotShare, ...] = attrs.field(
        default=(), converter=to_tuple, validator=members(LotShare, "LotShare")
    )
    returned: int = 0
    """Spent points given back so far (including those of expired lots, forfeited)."""
    refunded: Money | None = None


def _returned_per_share(spent: tuple[LotShare, ...], returned: int) -> list[int]:
    """``returned`` points spread over ``spent``, the latest share first."""
    parts = [0] * len(spent)
    left = returned
    for index in reversed(range(len(spent))):
        parts[index] = min(spent[index].points, left)
        left -= parts[index]
    return parts


@attrs.frozen
class _Totals:
    """Figures derived from the lots, kept so that no query scans them."""

    head: int = 0
    """No lot before this index has points left."""
    balance: int = 0
    pending_points: int = 0
    pending: tuple[int, ...] = ()
    debt: int = 0
    ordered: bool = True
    """Whether the lots expire in creation order, so a sweep may stop at the first unexpired."""


def _expires_in_order(earlier: Lot, later: Lot) -> bool:
    if earlier.expires_at is None:
        return later.expires_at is None
    return later.expires_at is None or earlier.expires_at <= later.expires_at


class _Draft:
    """A command's working state: the new account if the command succeeds."""

    def __init__(self, account: PointsAccount, key: str, at: datetime) -> None:
        self.account = account
        self.key = key
        self.at = at
        self.lots = account._lots
        self.ledger = account._ledger
        self.orders = account._orders
        totals = account._totals
        self.head = totals.head
        self.balance = totals.balance
        self.pending_points = totals.pending_points
        self.pending = list(totals.pending)
        self.debt = totals.debt
        self.ordered = totals.ordered
        self.entries: list[Entry] = []

    def record(
        self,
        kind: EntryKind,
        points: int,
        *,
        pending: int = 0,
        lot_id: int | None = None,
        order_id: str | None = None,
    ) -> None:
        self.balance += points
        self.pending_points += pending
        entry = Entry(
            key=self.key,
            kind=kind,
            at=self.at,
            points=points,
            pending=pending,
            balance=self.balance,
            lot_id=lot_id,
            order_id=order_id,
        )
        self.ledger = self.ledger.append(entry)
        self.entries.append(entry)

    def put(self, lot: Lot) -> None:
        if lot.id == len(self.lots):
            if self.lots:
                self.ordered = self.ordered and _expires_in_order(self.lots[-1], lot)
            self.lots = self.lots.append(lot)
        else:
            self.lots = self.lots.replace(lot.id, lot)
        if lot.remaining and lot.id < self.head:
            self.head = lot.id
        if not (lot.remaining and lot.is_pending()) and lot.id in self.pending:
            self.pending.remove(lot.id)

    def add(self, lot: Lot, points: int) -> int:
        """Put ``points`` into ``lot``, repaying any debt first; how many reached the lot."""
        repaid = min(self.debt, points)
        self.debt -= repaid
        self.put(attrs.evolve(lot, remaining=lot.remaining + points - repaid))
        return points - repaid

    def release_due(self) -> None:
        for lot_id in sorted(self.pending):
            lot = self.lots[lot_id]
            if lot.locked_until is not None and lot.locked_until <= self.at:
                self.release(lot)

    def release(self, lot: Lot) -> None:
        points = lot.remaining
        self.put(attrs.evolve(lot, remaining=0, locked_until=None, held=False))
        self.add(self.lots[lot.id], points)
        self.record(
            EntryKind.RELEASED, points, pending=-points, lot_id=lot.id, order_id=lot.order_id
        )

    def take(self, wanted: int) -> list[LotShare]:
        """Consume up to ``wanted`` available points, oldest lot first, expiring what is met."""
        shares: list[LotShare] = []
        index, size = self.head, len(self.lots)
        first_live: int | None = None
        while wanted and index < size:
            lot = self.lots[index]
            if lot.remaining and not lot.is_pending():
                if lot.is_expired(self.at):
                    self.expire(lot)
                    lot = self.lots[index]
                else:
                    used = min(lot.remaining, wanted)
                    wanted -= used
                    shares.append(LotShare(lot.id, used))
                    lot = attrs.evolve(lot, remaining=lot.remaining - used)
                    self.lots = self.lots.replace(index, lot)
            if lot.remaining and first_live is None:
                first_live = index
            index += 1
        self.head = index if first_live is None else first_live
        return shares

    def expire(self, lot: Lot) -> None:
        self.put(attrs.evolve(lot, remaining=0))
        self.record(EntryKind.EXPIRED, -lot.remaining, lot_id=lot.id, order_id=lot.order_id)

    def expire_due(self) -> None:
        """Expire every available lot whose expiry is at or before ``at``.

        While the lots expire in creation order (one expiry policy), the
        sweep stops at the first lot not yet expired.
        """
        first_live: int | None = None
        index, size = self.head, len(self.lots)
        while index < size:
            lot = self.lots[index]
            expired = lot.is_expired(self.at)
            if self.ordered and not expired:
                break  # every later lot expires later still
            if lot.remaining and not lot.is_pending() and expired:
                self.expire(lot)
            elif lot.remaining and first_live is None:
                first_live = index
            index += 1
        self.head = index if first_live is None else first_live

    def settle(self) -> None:
        """Release the pending lots whose time has come, then expire the lots due."""
        self.release_due()
        self.expire_due()

    def finish(self) -> tuple[PointsAccount, tuple[Entry, ...]]:
        self.expire_due()  # what the command made available may have expired by its time
        account = self.account
        new = attrs.evolve(
            account,
            version=account.version + 1,
            lots=self.lots,
            ledger=self.ledger,
            orders=self.orders,
            keys=account._keys.set(self.key, account.version + 1),
            totals=_Totals(
                head=self.head,
                balance=self.balance,
                pending_points=self.pending_points,
                pending=tuple(self.pending),
                debt=self.debt,
                ordered=self.ordered,
            ),
        )
        return new, tuple(self.entries)


@attrs.frozen(kw_only=True)
class PointsAccount:
    """A member's points: lots, the ledger, the orders' records and the version for storage.

    Open one with :meth:`open`; load a stored one with :meth:`restore`.
    """

    account_id: str = attrs.field(validator=text)
    policy: AccountPolicy = attrs.Factory(AccountPolicy)
    version: int = attrs.field(default=0, validator=non_negative)
    _lots: Vector[Lot] = attrs.field(factory=Vector, alias="lots", repr=False)
    _ledger: Vector[Entry] = attrs.field(factory=Vector, alias="ledger", repr=False)
    _orders: Map[OrderPoints] = attrs.field(factory=Map, alias="orders", repr=False)
    _keys: Map[int] = attrs.field(factory=Map, alias="keys", repr=False)
    _totals: _Totals = attrs.field(factory=_Totals, alias="totals", eq=False, repr=False)

    @classmethod
    def open(cls, account_id: str, *, policy: AccountPolicy | None = None) -> PointsAccount:
        """A new, empty account."""
        return cls(account_id=account_id, policy=policy or AccountPolicy())

    @classmethod
    def restore(
        cls,
        account_id: str,
        *,
        policy: AccountPolicy,
        version: int,
        lots: Iterable[Lot],
        ledger: Iterable[Entry],
        orders: Iterable[OrderPoints],
        keys: Iterable[tuple[str, int]],
    ) -> PointsAccount:
        """An account loaded from storage, checked whole (linear in its size)."""
        lot_vector = Vector.of(lots)
        entries = Vector.of(ledger)
        where = f"points account {account_id!r}"
        for index, lot in enumerate(lot_vector):
            if lot.id != index:
                raise InvalidValue(f"{where}.lots[{index}].id", lot.id, f"must be {index}")
        running = 0
        previous: datetime | None = None
        for index, entry in enumerate(entries):
            running += entry.points
            if entry.balance != running:
                raise InvalidValue(
                    f"{where}.ledger[{index}].balance", entry.balance, f"must be {running}"
                )
            if previous is not None and entry.at < previous:
                raise InvalidValue(f"{where}.ledger[{index}].at", entry.at, "is out of time order")
            previous = entry.at
        available = sum(lot.remaining for lot in lot_vector if not lot.is_pending())
        debt = available - running
        if debt < 0 or (debt and available):
            raise InvalidValue(f"{where}.ledger", running, f"does not match the lots' {available}")
        pending = tuple(lot.id for lot in lot_vector if lot.is_pending() and lot.remaining)
        head = next((lot.id for lot in lot_vector if lot.remaining), len(lot_vector))
        return cls(
            account_id=account_id,
            policy=policy,
            version=version,
            lots=lot_vector,
            ledger=entries,
            orders=Map.of((order.order_id, order) for order in orders),
            keys=Map.of(keys),
            totals=_Totals(
                head=head,
                balance=running,
                pending_points=sum(lot_vector[i].remaining for i in pending),
                pending=pending,
                debt=debt,
                ordered=all(
                    _expires_in_order(lot_vector[n - 1], lot_vector[n])
                    for n in range(1, len(lot_vector))
                ),
            ),
        )

    # queries ----------------------------------------------------------------

    def balance(self, *, at: datetime | None = None) -> int:
        """The points spendable at ``at``; without ``at``, as of the last ledger entry.

        At or after the last entry, that is the balance once the points whose
        release time has come by ``at`` are released and the lots expired by
        then are swept (what a command at ``at`` could spend; nothing is
        recorded). Before the last entry it is the ledger's record: the
        balance just after the last entry at or before ``at``.
        """
        if at is None:
            return self._totals.balance
        aware("at", at)
        if not len(self._ledger) or at >= self._ledger[-1].at:
            draft = _Draft(self, "balance", at)
            draft.settle()
            return draft.balance
        low, high = 0, len(self._ledger)
        while low < high:
            middle = (low + high) // 2
            if self._ledger[middle].at <= at:
                low = middle + 1
            else:
                high = middle
        return self._ledger[low - 1].balance if low else 0

    @property
    def pending_points(self) -> int:
        """Points earned but still locked."""
        return self._totals.pending_points

    @property
    def debt(self) -> int:
        """Points owed after a clawback larger than the balance (ALLOW_DEBT)."""
        return self._totals.debt

    def lots(self) -> tuple[Lot, ...]:
        """Every lot, in creation order (a lot's id is its position)."""
        return self._lots.to_tuple()

    def lot(self, lot_id: int) -> Lot:
        """The lot ``lot_id``, or NotFound."""
        if not 0 <= lot_id < len(self._lots):
            raise NotFound("lot", lot_id)
        return self._lots[lot_id]

    def ledger(self) -> tuple[Entry, ...]:
        """Every entry, in time order."""
        return self._ledger.to_tuple()

    def orders(self) -> tuple[OrderPoints, ...]:
        """The record of every order that earned or spent points."""
        return tuple(sorted(self._orders.values(), key=lambda order: order.order_id))

    def order(self, order_id: str) -> OrderPoints | None:
        """What ``order_id`` earned and spent, if it did."""
        return self._orders.get(order_id)

    def keys(self) -> tuple[tuple[str, int], ...]:
        """Every command key applied, with the version it produced."""
        return tuple(sorted(self._keys.items()))

    def has_applied(self, key: str) -> bool:
        """Whether a command with ``key`` has been applied."""
        return key in self._keys

    # commands ---------------------------------------------------------------

    def _draft(self, key: str, at: datetime) -> _Draft | None:
        """A draft for a new command, or None when ``key`` was applied before."""
        _key(key)
        aware("at", at)
        if key in self._keys:
            return None
        if len(self._ledger):
            at = max(at, self._ledger[-1].at)  # the ledger's time never goes back
        draft = _Draft(self, key, at)
        draft.settle()
        return draft

    def earn(
        self,
        points: int,
        *,
        key: str,
        at: datetime,
        source: str = "purchase",
        order_id: str | None = None,
        locked_until: datetime | None = None,
        held: bool = False,
        expiry: ExpiryPolicy | None = None,
    ) -> tuple[PointsAccount, tuple[Entry, ...]]:
        """Add a lot of ``points`` earned at ``at``: pending until ``locked_until`` if given.

        ``held`` points of an order stay pending until :meth:`release`
        releases them or sets their release time (an order paid, not yet
        complete). The lot expires by ``expiry`` (the account's policy if
        None), counted from ``at``. An order earns once; a debt is repaid
        from the new points first.
        """
        _points("points", points)
        if locked_until is not None and aware("locked_until", locked_until) <= at:
            raise InvalidValue("locked_until", locked_until, f"must be after at ({at})")
        if held and locked_until is not None:
            raise InvalidValue("held", held, "must not come with locked_until")
        if held and order_id is None:
            raise InvalidValue("order_id", order_id, "must name the order of held points")
        draft = self._draft(key, at)
        if draft is None:
            return self, ()
        record = self._orders.get(order_id) if order_id is not None else None
        if record is not None and record.earned_lot is not None:
            raise InvalidValue("order_id", order_id, "has already earned points")
        lot = Lot(
            id=len(draft.lots),
            points=points,
            remaining=0,
            earned_at=draft.at,
            expires_at=(expiry or self.policy.expiry).expires_at(draft.at),
            locked_until=locked_until,
            held=held,
            source=source,
            order_id=order_id,
        )
        if not lot.is_pending():
            draft.add(lot, points)
            draft.record(EntryKind.EARNED, points, lot_id=lot.id, order_id=order_id)
        else:
            draft.put(attrs.evolve(lot, remaining=points))
            draft.pending.append(lot.id)
            draft.record(EntryKind.PENDING, 0, pending=points, lot_id=lot.id, order_id=order_id)
        if order_id is not None:
            earned = attrs.evolve(
                record or OrderPoints(order_id=order_id), earned_lot=lot.id, earned=points
            )
            draft.orders = draft.orders.set(order_id, earned)
        return draft.finish()

    def spend(
        self, points: int, *, key: str, at: datetime, order_id: str | None = None
    ) -> tuple[PointsAccount, tuple[Entry, ...]]:
        """Use ``points`` (on ``order_id``, or in the points mall), or raise NotEnoughPoints."""
        _points("points", points)
        draft = self._draft(key, at)
        if draft is None:
            return self, ()
        record = self._orders.get(order_id) if order_id is not None else None
        if record is not None and record.spent:
            raise InvalidValue("order_id", order_id, "has already spent points")
        if points > draft.balance:
            raise NotEnoughPoints(self.account_id, points, max(draft.balance, 0))
        shares = draft.take(points)
        taken = sum(share.points for share in shares)
        if taken < points:
            raise NotEnoughPoints(self.account_id, points, taken)
        draft.record(EntryKind.SPENT, -points, order_id=order_id)
        if order_id is not None:
            spent = attrs.evolve(record or OrderPoints(order_id=order_id), spent=shares)
            draft.orders = draft.orders.set(order_id, spent)
        return draft.finish()

    def release(
        self, order_id: str, *, key: str, at: datetime, until: datetime | None = None
    ) -> tuple[PointsAccount, tuple[Entry, ...]]:
        """Make ``order_id``'s pending points available now, or at ``until`` (the order completed).

        With ``until`` (the end of the after-sales window) the points stay
        pending and the first command at or after ``until`` releases them;
        until then a refund still takes them from the lot. Points already
        available change nothing.
        """
        if until is not None and aware("until", until) <= at:
            raise InvalidValue("until", until, f"must be after at ({at})")
        draft = self._draft(key, at)
        if draft is None:
            return self, ()
        record = self._orders.get(order_id)
        if record is None or record.earned_lot is None:
            raise NotFound("points earned by order", order_id)
        lot = draft.lots[record.earned_lot]
        if not (lot.is_pending() and lot.remaining):
            return draft.finish()
        if until is None:
            draft.release(lot)
        else:
            draft.put(attrs.evolve(lot, held=False, locked_until=until))
            draft.record(EntryKind.SCHEDULED, 0, lot_id=lot.id, order_id=order_id)
        return draft.finish()

    def refund(
        self, order_id: str, *, refunded: Money, order_total: Money, key: str, at: datetime
    ) -> tuple[PointsAccount, tuple[Entry, ...]]:
        """Take back what ``order_id`` earned and give back what it spent, for a refund.

        ``refunded`` is this refund's value, ``order_total`` the order's; by
        PROPORTIONAL policy the points follow the share refunded so far.
        """
        draft = self._draft(key, at)
        if draft is None:
            return self, ()
        record = self._orders.get(order_id)
        if record is None:
            raise NotFound("points of order", order_id)
        if not isinstance(refunded, Money) or refunded.minor_units <= 0:
            raise InvalidValue("refunded", refunded, "must be a positive Money")
        so_far = refunded + record.refunded if record.refunded is not None else refunded
        if so_far > order_total:
            raise InvalidValue(
                "refunded", refunded, f"brings the refunds to {so_far}, over {order_total}"
            )
        whole = self.policy.clawback is ClawbackPolicy.WHOLE_ORDER

        def due(points: int) -> int:
            return points if whole else points * so_far.minor_units // order_total.minor_units

        record = self._settle(draft, record, due)
        draft.orders = draft.orders.set(order_id, attrs.evolve(record, refunded=so_far))
        return draft.finish()

    def cancel(
        self, order_id: str, *, key: str, at: datetime
    ) -> tuple[PointsAccount, tuple[Entry, ...]]:
        """Undo ``order_id`` whole (cancelled unpaid): take back all it earned, return all it spent.

        Spent points go back into their lots, except lots expired by ``at``.
        """
        draft = self._draft(key, at)
        if draft is None:
            return self, ()
        record = self._orders.get(order_id)
        if record is None:
            raise NotFound("points of order", order_id)
        draft.orders = draft.orders.set(
            order_id, self._settle(draft, record, lambda points: points)
        )
        return draft.finish()

    def _settle(self, draft: _Draft, record: OrderPoints, due: Callable[[int], int]) -> OrderPoints:
        """Take back ``due(earned)`` and return ``due(spent)`` of the order, counted over time."""
        record = self._claw_back(draft, record, due(record.earned) - record.clawed)
        spent = sum(share.points for share in record.spent)
        return self._give_back(draft, record, due(spent))

    def _claw_back(self, draft: _Draft, record: OrderPoints, points: int) -> OrderPoints:
        if points <= 0 or record.earned_lot is None:
            return record
        lot = draft.lots[record.earned_lot]
        from_lot = min(lot.remaining, points)
        draft.put(attrs.evolve(lot, remaining=lot.remaining - from_lot))
        if lot.is_pending():
            from_pending, from_balance = from_lot, 0
        else:
            from_pending, from_balance = 0, from_lot
        room = max(0, min(points - from_lot, draft.balance - from_balance))
        from_balance += sum(share.points for share in draft.take(room))
        shortfall = points - from_pending - from_balance
        forgiven = 0
        if self.policy.negative_balance is NegativeBalancePolicy.ALLOW_DEBT:
            draft.debt += shortfall
            from_balance += shortfall
        else:
            forgiven = shortfall
        draft.record(
            EntryKind.CLAWED_BACK,
            -from_balance,
            pending=-from_pending,
            lot_id=lot.id,
            order_id=record.order_id,
        )
        return attrs.evolve(
            record, clawed=record.clawed + points, forgiven=record.forgiven + forgiven
        )

    def _give_back(self, draft: _Draft, record: OrderPoints, returned: int) -> OrderPoints:
        if returned <= record.returned:
            return record
        before = _returned_per_share(record.spent, record.returned)
        after = _returned_per_share(record.spent, returned)
        credited = 0
        for share, old, new in zip(record.spent, before, after, strict=True):
            lot = draft.lots[share.lot_id]
            if new > old and not lot.is_expired(draft.at):
                draft.add(lot, new - old)
                credited += new - old
        if credited:
            draft.record(EntryKind.RETURNED, credited, order_id=record.order_id)
        return attrs.evolve(record, returned=returned)

    def expire(self, now: datetime) -> tuple[PointsAccount, tuple[Entry, ...]]:
        """Settle the account at ``now``: release the points due, expire the lots due.

        Every command settles the account at its own time first; this one
        does nothing else, for a nightly job (and before a balance is shown,
        so that the ledger records what the balance leaves out). Settling
        again at the same ``now`` finds nothing: the command is idempotent by
        its time, and its key is ``"expire:<now>"``. Nothing due: the same
        account, no entries.
        """
        draft = self._draft(f"expire:{aware('now', now).isoformat()}", now)
        if draft is None or not draft.entries:
            return self, ()
        return draft.finish()
