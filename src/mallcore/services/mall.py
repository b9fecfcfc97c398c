"""The Mall: the one object a host builds, with every use case as a method.

A host wires its ports once (a unit-of-work factory, a clock, an event
publisher, a payment gateway and a courier) and calls the Mall from its
request handlers and scheduled jobs::

    mall = Mall(storage=lambda: SqliteUnitOfWork("shop.sqlite3"), clock=SystemClock(),
                events=publisher, gateway=gateway, courier=courier)
    mall.configure(Configuration(promotions=[...], shipping=setup))
    order = mall.place_order("O-1", Checkout(customer_id="alice", items={"tea": 2},
                                             consignee=address))

How every command runs:

- it reads the clock once, and the merchant's configuration in force from
  storage (so a checkout and its payment see the same rules; an order keeps
  what its later steps need);
- it runs in one unit of work that takes the write lock before its first
  read (:meth:`~mallcore.ports.UnitOfWork.lock`), and commits once;
- a conflict with a concurrent writer (StaleVersion, or a limit another
  checkout reached first that only changes the price) re-reads the state and
  runs the command again, at most ``retries`` times with a jittered backoff,
  then raises :class:`~mallcore.errors.Busy`; a business refusal
  (OutOfStock, CouponUnavailable, PriceChanged, DuplicateOrder ...) is never
  retried: it is raised at once and changes nothing;
- external calls made before the commit (a courier booking, a refund) use
  idempotency keys derived from the command, so a retry repeats them safely;
- its events are appended to the outbox (``uow.outbox``) in the same
  transaction as the state they describe: the use case's own ``commit`` is
  held back until the Mall has appended them, then made once. A crash after
  the commit loses no event; :meth:`Mall.relay_events`, run by the host in a
  loop or a job, hands them to the event publisher (docs/mall.md, "Events").
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from types import TracebackType
from typing import Self, TypeVar

import attrs
from dateutil import tz

from mallcore._fields import identifier, seconds, typed, unit_counts, whole_number
from mallcore.catalog import ListingStatus, Product, Stock
from mallcore.coupons import (
    CouponInstance,
    CouponTemplate,
    Wallet,
    generate_codes,
)
from mallcore.errors import (
    Busy,
    InvalidValue,
    LimitReached,
    MallcoreError,
    NotFound,
    StaleVersion,
    WrongType,
)
from mallcore.loyalty import Entry, Member, PointsAccount
from mallcore.merchant import Configuration
from mallcore.money import Money
from mallcore.orders import AfterSalesCase, CaseKind, Order, OrderStatus, Payment
from mallcore.ports import (
    Clock,
    Courier,
    EventPublisher,
    PaymentGateway,
    PaymentRequest,
    TrackingEvent,
    UnitOfWork,
)
from mallcore.ports.outbox import OutboxRepository
from mallcore.ports.storage import (
    AfterSalesRepository,
    ConfigurationRepository,
    CounterRepository,
    CouponRepository,
    CouponTemplateRepository,
    MemberRepository,
    OrderRepository,
    PaymentRepository,
    PointsRepository,
    ProductRepository,
    ReadAhead,
    StockHoldRepository,
    StockMovementRepository,
    StockRepository,
)
from mallcore.pricing import Quote
from mallcore.services import coupons as wallet
from mallcore.services import members
from mallcore.services.after_sales import refund_order
from mallcore.services.cancellations import (
    cancel_paid_order,
    reject_cancellation,
    request_cancellation,
)
from mallcore.services.cases import (
    accept_offer,
    approve_case,
    decline_offer,
    handle_due_case,
    offer_case,
    receive_return,
    reject_case,
    request_case,
    send_back,
    ship_exchange_case,
)
from mallcore.services.checkout import Checkout, configuration, place, price, read_ahead
from mallcore.services.fulfilment import confirm_receipt, handle_tracking_event, ship_order
from mallcore.services.jobs import (
    JobItemFailed,
    JobReport,
    cancel_overdue_order,
    complete_due_order,
    settle_due_order,
)
from mallcore.services.outbox import RelayReport, append_events
from mallcore.services.payments import (
    PaymentHandled,
    apply_notification,
    record_notification,
    return_flagged_payment,
    start_payment,
    undo_placement,
)

__all__ = ["DEFAULT_RETENTION", "DEFAULT_RETRIES", "MAX_CODES", "Mall"]

MAX_CODES = 100_000
"""The most single-use codes one :meth:`Mall.issue_codes` call generates."""

DEFAULT_RETRIES = 5
"""How many times a command runs before a conflict that keeps coming back raises Busy."""

DEFAULT_RETENTION = timedelta(days=7)
"""How long published events stay in the outbox before a relay purges them."""

T = TypeVar("T")


class _Retry(Exception):
    """A limit reached that only changes what the command would do: run it again."""


class _Staged:
    """The unit of work a command's work sees: its ``commit`` is held back for the Mall.

    Use cases commit when they are done; here that only records that they
    did (with the refusals a limit reached means). The Mall then appends the
    command's events to the outbox and makes the one real commit, so the
    events and the state they describe are kept together or not at all.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.committed = False
        self.refusals: Mapping[str, Exception] = {}

    @property
    def products(self) -> ProductRepository:
        return self.uow.products

    @property
    def stocks(self) -> StockRepository:
        return self.uow.stocks

    @property
    def stock_holds(self) -> StockHoldRepository:
        return self.uow.stock_holds

    @property
    def stock_movements(self) -> StockMovementRepository:
        return self.uow.stock_movements

    @property
    def orders(self) -> OrderRepository:
        return self.uow.orders

    @property
    def points(self) -> PointsRepository:
        return self.uow.points

    @property
    def configuration(self) -> ConfigurationRepository:
        return self.uow.configuration

    @property
    def coupon_templates(self) -> CouponTemplateRepository:
        return self.uow.coupon_templates

    @property
    def coupons(self) -> CouponRepository:
        return self.uow.coupons

    @property
    def counters(self) -> CounterRepository:
        return self.uow.counters

    @property
    def members(self) -> MemberRepository:
        return self.uow.members

    @property
    def outbox(self) -> OutboxRepository:
        return self.uow.outbox

    @property
    def payments(self) -> PaymentRepository:
        return self.uow.payments

    @property
    def after_sales(self) -> AfterSalesRepository:
        return self.uow.after_sales

    def lock(self) -> None:
        self.uow.lock()

    def read_ahead(self, reads: ReadAhead) -> None:
        self.uow.read_ahead(reads)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """The Mall's own ``with`` block ends the transaction."""

    def commit(self, refusals: Mapping[str, Exception] | None = None) -> None:
        """Record that the work is done; ``refusals`` name what a limit reached at commit means."""
        self.committed = True
        self.refusals = refusals or {}

    def rollback(self) -> None:
        self.committed = False
        self.uow.rollback()

    def finish(self, events: list[object], *, at: datetime) -> None:
        """Append ``events`` to the outbox and commit; a limit reached is its refusal or a retry."""
        append_events(self.uow, events, at=at)
        try:
            self.uow.commit()
        except LimitReached as reached:
            refusal = self.refusals.get(reached.key)
            if refusal is not None:
                raise refusal from reached
            raise _Retry(reached.key) from reached


Work = Callable[[_Staged, datetime], tuple[T, list[object]]]


class Mall:
    """One shop: the host's ports and the merchant's stored configuration, every use case a method.

    ``storage`` returns a new unit of work each call (for SQLite, one per
    command: ``lambda: SqliteUnitOfWork(path)``). ``retries`` bounds how many
    times a command runs under contention (with a jittered backoff from
    ``backoff`` seconds) before it raises Busy. ``events`` receives the
    outbox's envelopes from :meth:`relay_events`, which purges those
    published more than ``retention`` ago. See the module docstring.
    """

    def __init__(
        self,
        *,
        storage: Callable[[], UnitOfWork],
        clock: Clock,
        events: EventPublisher,
        gateway: PaymentGateway,
        courier: Courier,
        retries: int = DEFAULT_RETRIES,
        backoff: float = 0.005,
        retention: timedelta = DEFAULT_RETENTION,
    ) -> None:
        if isinstance(retries, bool) or not isinstance(retries, int) or not 1 <= retries <= 100:
            raise InvalidValue("retries", retries, "must be a whole number from 1 to 100")
        if seconds("backoff", backoff, zero=True) > 10:
            raise InvalidValue("backoff", backoff, "must be at most 10 seconds")
        if not isinstance(retention, timedelta) or retention < timedelta(0):
            raise InvalidValue("retention", retention, "must be a timedelta, not negative")
        self._storage = storage
        self._clock = clock
        self._events = events
        self._gateway = gateway
        self._courier = courier
        self._retries = retries
        self._backoff = float(backoff)
        self._retention = retention

    # the command runner ---------------------------------------------------------

    def _run(self, command: str, work: Work[T], *, now: datetime | None = None) -> T:
        """Run ``work`` in a locked unit of work, retrying conflicts; its events to the outbox."""
        at = self._clock.now() if now is None else now
        for attempt in range(1, self._retries + 1):
            try:
                with self._storage() as uow:
                    uow.lock()
                    staged = _Staged(uow)
                    result, events = work(staged, at)
                    if staged.committed:
                        staged.finish(events, at=at)
            except (StaleVersion, _Retry) as conflict:
                if attempt == self._retries:
                    raise Busy(command, attempt) from conflict
                time.sleep(random.uniform(0, self._backoff * 2**attempt))
                continue
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    def _read(self, read: Callable[[UnitOfWork], T]) -> T:
        """Run a query in its own unit of work (no lock, nothing written)."""
        with self._storage() as uow:
            return read(uow)

    def relay_events(self, *, limit: int = 100) -> RelayReport:
        """Hand the oldest ``limit`` unpublished events to the publisher; purge old published ones.

        The batch is claimed, published and marked in one locked unit of
        work, so relays running at once never hand one aggregate's events on
        out of order. A publisher that raises leaves the batch unpublished
        (the report carries its error) for the next relay. Envelopes
        published more than the Mall's ``retention`` ago are purged. A host
        runs this in a loop or a scheduled job until ``published`` is 0. On
        PostgreSQL relays claim side by side (``FOR UPDATE SKIP LOCKED``): one
        that finds every envelope held by the others publishes 0 while events
        remain, so keep the job scheduled rather than counting on one run.
        """
        now = self._clock.now()
        with self._storage() as uow:
            uow.lock()
            batch = uow.outbox.claim(limit)
            if batch:
                try:
                    self._events.publish(batch)
                except Exception as error:  # whatever the publisher raises, the batch waits
                    return RelayReport(error=error)
                uow.outbox.mark_published([envelope.id for envelope in batch], at=now)
            purged = uow.outbox.purge(before=now - self._retention)
            uow.commit()
        return RelayReport(published=len(batch), purged=purged)

    # the merchant ----------------------------------------------------------------

    def configuration(self) -> Configuration:
        """The configuration in force (an empty one before the first :meth:`configure`)."""
        return self._read(configuration)

    def configure(self, new: Configuration) -> Configuration:
        """Save ``new`` as the next version of the configuration, for new checkouts; it, saved.

        A gift promotion's SKU must exist in the catalog (InvalidValue
        otherwise). Orders already placed keep what they were priced with.
        """
        typed("configuration", new, Configuration, "Configuration")

        def work(uow: _Staged, now: datetime) -> tuple[Configuration, list[object]]:
            for gift in new.gifts():
                try:
                    uow.products.get_by_sku(gift.gift_sku_id)
                except NotFound:
                    raise InvalidValue(
                        f"promotions[{gift.id!r}].gift_sku_id", gift.gift_sku_id, "is no SKU"
                    ) from None
            try:
                version = uow.configuration.current().version + 1
            except NotFound:
                version = 0
            saved = _at_version(new, version)
            uow.configuration.save(saved)
            uow.commit()
            return saved, []

        return self._run("configure", work)

    def save_product(self, product: Product, *, stock: Mapping[str, int] | None = None) -> None:
        """Save ``product`` (replacing it); ``stock`` sets the units on hand of its SKUs (盘点)."""
        typed("product", product, Product, "Product")
        typed("stock", stock, (Mapping, type(None)), "mapping of SKU id to units")
        counts = dict(stock or {})
        for sku_id, on_hand in counts.items():
            identifier("stock key", sku_id)
            product.sku(sku_id)
            whole_number(f"stock[{sku_id!r}]", on_hand, 0)

        def work(uow: _Staged, now: datetime) -> tuple[None, list[object]]:
            uow.products.save(product)
            events: list[object] = []
            for sku_id, on_hand in sorted(counts.items()):
                try:
                    current = uow.stocks.get(sku_id)
                except NotFound:
                    uow.stocks.save(Stock.for_sku(sku_id, on_hand))
                    continue
                counted, changes = current.count(on_hand)
                if changes:
                    uow.stocks.save(counted)
                    events.extend(changes)
            uow.commit()
            return None, events

        self._run("save_product", work)

    def save_coupon_template(self, template: CouponTemplate) -> CouponTemplate:
        """Save ``template`` (a new one at version 0, an edit at the next version); it, saved."""
        typed("template", template, CouponTemplate, "CouponTemplate")

        def work(uow: _Staged, now: datetime) -> tuple[CouponTemplate, list[object]]:
            try:
                version = uow.coupon_templates.get(template.id).version + 1
            except NotFound:
                version = 0
            saved = _at_version(template, version)
            uow.coupon_templates.save(saved)
            uow.commit()
            return saved, []

        return self._run("save_coupon_template", work)

    def issue_codes(self, template_id: str, count: int) -> tuple[str, ...]:
        """Generate ``count`` unique single-use codes that claim ``template_id``; the codes."""
        identifier("template_id", template_id)
        whole_number("count", count, 1)
        if count > MAX_CODES:
            raise InvalidValue("count", count, f"must be at most {MAX_CODES} codes at a time")
        codes = generate_codes(secrets.token_bytes(16 * count), count)

        def work(uow: _Staged, now: datetime) -> tuple[tuple[str, ...], list[object]]:
            uow.coupon_templates.get(template_id)
            uow.coupon_templates.add_codes(template_id, codes)
            uow.commit()
            return codes, []

        return self._run("issue_codes", work)

    # the customer: members, coupons, checkout -----------------------------------------

    def register_member(self, customer_id: str, *, birthday: date | None = None) -> Member:
        """Register ``customer_id`` as a member (once), with an optional birthday."""
        identifier("customer_id", customer_id)
        if birthday is not None and (
            not isinstance(birthday, date) or isinstance(birthday, datetime)
        ):
            raise WrongType("birthday", birthday, "date")
        return self._run(
            "register_member",
            lambda uow, now: members.register_member(uow, customer_id, birthday=birthday, at=now),
        )

    def claim_coupon(self, customer_id: str, template_id: str) -> CouponInstance:
        """Put a coupon of ``template_id`` in ``customer_id``'s wallet (领券).

        Never beyond the template's issue limits, also under concurrent
        claims: CouponUnavailable (``issue_limit_reached``,
        ``already_claimed``, ``claim_closed``) otherwise.
        """
        identifier("customer_id", customer_id)
        identifier("template_id", template_id)

        def work(uow: _Staged, now: datetime) -> tuple[CouponInstance, list[object]]:
            template = uow.coupon_templates.get(template_id)
            instance, events, refusals = wallet.claim(uow, template, customer_id, at=now)
            uow.commit(refusals)
            return instance, events

        return self._run("claim_coupon", work)

    def redeem_code(self, customer_id: str, code: str) -> CouponInstance:
        """Claim the coupon a code names (兑换码): a shared code once per customer, others once."""
        identifier("customer_id", customer_id)

        def work(uow: _Staged, now: datetime) -> tuple[CouponInstance, list[object]]:
            instance, events, refusals = wallet.redeem(uow, code, customer_id, at=now)
            uow.commit(refusals)
            return instance, events

        return self._run("redeem_code", work)

    def wallet(self, customer_id: str) -> Wallet:
        """``customer_id``'s coupons now: usable, not yet valid, locked, used, expired."""
        identifier("customer_id", customer_id)
        now = self._clock.now()
        return self._read(lambda uow: Wallet.of(uow.coupons.of_customer(customer_id), now=now))

    def price(self, checkout: Checkout) -> Quote:
        """Price ``checkout`` now, as placing it would (every rule explained in the quote)."""
        typed("checkout", checkout, Checkout, "Checkout")
        now = self._clock.now()

        def priced(uow: UnitOfWork) -> Quote:
            read_ahead(uow, checkout)
            return price(uow, checkout, now=now).quote

        return self._read(priced)

    def place_order(
        self, order_id: str, checkout: Checkout, *, shown: Money | None = None
    ) -> Order:
        """Place ``checkout`` as ``order_id``: priced now, stock held, coupons locked, points spent.

        ``shown`` is the amount the shopper was shown: pricing again to
        another amount raises PriceChanged and places nothing. A taken id
        raises DuplicateOrder; OutOfStock and CouponUnavailable (with the
        reason) refuse the order; each changes nothing.
        """
        identifier("order_id", order_id)
        typed("checkout", checkout, Checkout, "Checkout")

        def work(uow: _Staged, now: datetime) -> tuple[Order, list[object]]:
            order, events, refusals = place(uow, order_id, checkout, now=now, shown=shown)
            uow.commit(refusals)
            return order, events

        return self._run("place_order", work)

    def cancel_order(self, order_id: str, *, reason: str = "cancelled by the customer") -> Order:
        """Cancel an unpaid order: its stock, coupons, counts and points come back."""
        identifier("order_id", order_id)
        typed("reason", reason, str, "str")

        def work(uow: _Staged, now: datetime) -> tuple[Order, list[object]]:
            order, changes = uow.orders.get(order_id).cancel(reason=reason, at=now)
            if not changes:
                return order, []
            if order.paid_at is not None:
                raise InvalidValue("order_id", order_id, "is paid: refund it instead")
            undone = undo_placement(uow, order, at=now)
            uow.orders.save(order)
            uow.commit()
            return order, [*changes, *undone]

        return self._run("cancel_order", work)

    def request_cancellation(self, order_id: str, *, reason: str) -> Order:
        """The customer asks to cancel: unpaid, cancelled; paid and unshipped, refunded in full.

        While the merchant prepares it (备货中) the request waits for them
        (``Order.cancellation``), unless
        ``Settings.approve_cancellations_while_preparing``; a shipped order
        raises IllegalTransition (after-sales instead). docs/orders.md.
        """
        identifier("order_id", order_id)
        return self._run(
            "request_cancellation",
            lambda uow, now: request_cancellation(
                uow, self._gateway, order_id, reason=reason, now=now
            ),
        )

    def cancel_paid_order(self, order_id: str, *, reason: str) -> Order:
        """The merchant cancels a paid, unshipped order with a reason: refunded in full, closed."""
        identifier("order_id", order_id)
        return self._run(
            "cancel_paid_order",
            lambda uow, now: cancel_paid_order(
                uow, self._gateway, order_id, reason=reason, now=now
            ),
        )

    def reject_cancellation(self, order_id: str, *, reason: str) -> Order:
        """The merchant turns a customer's waiting cancellation request down, saying why."""
        identifier("order_id", order_id)
        return self._run(
            "reject_cancellation",
            lambda uow, now: reject_cancellation(uow, order_id, reason=reason, now=now),
        )

    def start_fulfilment(self, order_id: str) -> Order:
        """The merchant starts preparing a paid order (备货中); again changes nothing."""
        identifier("order_id", order_id)

        def work(uow: UnitOfWork, now: datetime) -> tuple[Order, list[object]]:
            order, changes = uow.orders.get(order_id).start_fulfilment(at=now)
            if changes:
                uow.orders.save(order)
                uow.commit()
            return order, list(changes)

        return self._run("start_fulfilment", work)

    # payment, fulfilment, after-sales -----------------------------------------------

    def start_payment(self, order_id: str) -> PaymentRequest:
        """Register an attempt to pay an order awaiting payment; older attempts are closed."""
        identifier("order_id", order_id)
        return self._run(
            "start_payment",
            lambda uow, now: start_payment(uow, self._gateway, order_id, now=now),
        )

    def handle_payment_notification(
        self, body: bytes, headers: Mapping[str, str]
    ) -> PaymentHandled:
        """Verify a provider's notification, record it, then apply it once (docs/orders.md).

        The payment is recorded in its own transaction before anything is
        decided; a verified notification never raises for a wrong amount,
        an unknown order or a late payment: the outcome says what was done.
        """
        typed("body", body, bytes, "bytes")
        typed("headers", headers, Mapping, "mapping of header names to values")
        notification = self._gateway.parse_notification(body, headers)
        at = self._clock.now()
        recorded = self._run(
            "record_payment", lambda uow, now: record_notification(uow, notification), now=at
        )
        return self._run(
            "handle_payment_notification",
            lambda uow, now: apply_notification(uow, self._gateway, recorded.id, now=now),
            now=at,
        )

    def return_flagged_payment(self, payment_id: str) -> Payment:
        """Return a payment held for review (FLAGGED) in full, through the gateway; once."""
        identifier("payment_id", payment_id)
        return self._run(
            "return_flagged_payment",
            lambda uow, now: return_flagged_payment(uow, self._gateway, payment_id, now=now),
        )

    def ship_order(self, order_id: str, *, items: Mapping[str, int] | None = None) -> Order:
        """Ship ``items`` (line id -> units; everything left when None) as one package.

        A booking the order could not record (the command failed after its
        retries) is cancelled with the courier before the error goes on.
        """
        identifier("order_id", order_id)
        if items is not None:
            items = unit_counts("items", items)
        booked: list[str] = []
        try:
            return self._run(
                "ship_order",
                lambda uow, now: ship_order(
                    uow, self._courier, order_id, items=items, now=now, booked=booked
                ),
            )
        except MallcoreError:
            for package_id in sorted(set(booked)):
                self._courier.cancel_shipment(package_id=package_id)
            raise

    def handle_tracking_event(self, event: TrackingEvent) -> Order:
        """Apply a courier's scan: the last package's delivery delivers the order."""
        typed("event", event, TrackingEvent, "TrackingEvent")
        return self._run(
            "handle_tracking_event", lambda uow, now: handle_tracking_event(uow, event)
        )

    def confirm_receipt(self, order_id: str) -> Order:
        """The customer confirms receipt: completed, its points released after the window."""
        identifier("order_id", order_id)
        return self._run(
            "confirm_receipt", lambda uow, now: confirm_receipt(uow, order_id, now=now)
        )

    def refund_order(
        self,
        order_id: str,
        refund_id: str,
        units: Mapping[str, int],
        *,
        reason: str,
        freight: Money | None = None,
        restock: bool = False,
    ) -> Order:
        """Refund ``units`` (line id -> count) and ``freight`` of a paid order (docs/orders.md)."""
        identifier("order_id", order_id)
        identifier("refund_id", refund_id)
        units = unit_counts("units", units)
        typed("reason", reason, str, "str")
        typed("freight", freight, (Money, type(None)), "Money")
        typed("restock", restock, bool, "bool")
        return self._run(
            "refund_order",
            lambda uow, now: refund_order(
                uow,
                self._gateway,
                order_id,
                refund_id=refund_id,
                units=units,
                reason=reason,
                freight=freight,
                restock=restock,
                now=now,
            ),
        )

    # after-sales cases (售后单) ---------------------------------------------------------

    def request_after_sales(
        self,
        order_id: str,
        case_id: str,
        *,
        kind: CaseKind,
        units: Mapping[str, int],
        reason: str,
        evidence: tuple[str, ...] = (),
        no_reason: bool = False,
        replacements: Mapping[str, str] | None = None,
    ) -> AfterSalesCase:
        """The customer opens case ``case_id`` about ``units`` of an order (docs/orders.md).

        ``no_reason``: a 七日无理由 return, within seven days from the day
        after delivery, of goods not excluded (RefundRefused otherwise); the
        customer pays its return freight.

        ``replacements``: an exchange's replacement SKU per line id (each
        line's own SKU unless told; another SKU of the same product at the
        same sale price).

        The same case id again returns the case. Units the order would not
        refund now, a return or exchange of an unshipped order, units in
        another open case, a line asked about 5 times, a replacement of
        another product or price: a named refusal, nothing changes.
        """
        identifier("order_id", order_id)
        identifier("case_id", case_id)
        typed("kind", kind, CaseKind, "CaseKind")
        typed("replacements", replacements, (Mapping, type(None)), "mapping of line id to SKU id")
        return self._run(
            "request_after_sales",
            lambda uow, now: request_case(
                uow,
                order_id,
                case_id,
                kind=kind,
                units=units,
                reason=reason,
                evidence=evidence,
                now=now,
                no_reason=no_reason,
                replacements=replacements,
            ),
        )

    def approve_after_sales(self, case_id: str, *, return_address: str = "") -> AfterSalesCase:
        """The merchant approves: refund only, refunded now; a return, to ``return_address``."""
        identifier("case_id", case_id)
        return self._run(
            "approve_after_sales",
            lambda uow, now: approve_case(
                uow, self._gateway, case_id, return_address=return_address, now=now
            ),
        )

    def offer_after_sales(
        self, case_id: str, amount: Money, *, return_address: str = ""
    ) -> AfterSalesCase:
        """The merchant approves ``amount``, below the computed refund, for the customer to accept.

        A return's amount is only ever lowered: an amount not below the
        case's ``amount``, zero, or below the order freight the refund
        returns raises InvalidValue; a case not waiting for the merchant
        IllegalTransition. The customer answers within
        ``Settings.offer_response`` (on timeout the case closes).
        """
        identifier("case_id", case_id)
        typed("amount", amount, Money, "Money")
        typed("return_address", return_address, str, "str")
        return self._run(
            "offer_after_sales",
            lambda uow, now: offer_case(
                uow, case_id, amount=amount, return_address=return_address, now=now
            ),
        )

    def accept_after_sales_offer(self, case_id: str) -> AfterSalesCase:
        """The customer accepts the lower amount: approved; the refund will pay the offer."""
        identifier("case_id", case_id)
        return self._run(
            "accept_after_sales_offer",
            lambda uow, now: accept_offer(uow, self._gateway, case_id, now=now),
        )

    def decline_after_sales_offer(self, case_id: str, *, reason: str) -> AfterSalesCase:
        """The customer declines the lower amount: the case closes; they may request again."""
        identifier("case_id", case_id)
        return self._run(
            "decline_after_sales_offer",
            lambda uow, now: decline_offer(uow, case_id, reason=reason, now=now),
        )

    def reject_after_sales(self, case_id: str, *, reason: str) -> AfterSalesCase:
        """The merchant rejects a request, saying why."""
        identifier("case_id", case_id)
        return self._run(
            "reject_after_sales",
            lambda uow, now: reject_case(uow, case_id, reason=reason, now=now),
        )

    def send_back(
        self, case_id: str, *, waybill: str, freight: Money | None = None
    ) -> AfterSalesCase:
        """The customer ships an approved return back under ``waybill``, declaring its postage.

        ``freight``: the postage paid; when the merchant pays the return
        freight (not a no-reason return) the refund pays it back, at most
        ``Settings.return_freight_cap`` and within what is left of the
        payment (the rest is reported as ``ReturnFreightOwed``).
        """
        identifier("case_id", case_id)
        typed("freight", freight, (Money, type(None)), "Money")
        return self._run(
            "send_back",
            lambda uow, now: send_back(uow, case_id, waybill=waybill, now=now, freight=freight),
        )

    def receive_return(self, case_id: str, *, restock: bool) -> AfterSalesCase:
        """The merchant confirms and inspects the returned goods (``restock``); the refund goes."""
        identifier("case_id", case_id)
        return self._run(
            "receive_return",
            lambda uow, now: receive_return(uow, self._gateway, case_id, restock=restock, now=now),
        )

    def ship_exchange(self, case_id: str) -> AfterSalesCase:
        """Ship a received exchange's replacement as a new package (booked with the courier).

        A booking the order could not record is cancelled with the courier
        before the error goes on, as for :meth:`ship_order`.
        """
        identifier("case_id", case_id)
        booked: list[str] = []
        try:
            return self._run(
                "ship_exchange",
                lambda uow, now: ship_exchange_case(
                    uow, self._courier, case_id, now=now, booked=booked
                ),
            )
        except MallcoreError:
            for package_id in sorted(set(booked)):
                self._courier.cancel_shipment(package_id=package_id)
            raise

    def after_sales_cases(self, order_id: str) -> list[AfterSalesCase]:
        """The after-sales cases of an order, oldest first."""
        identifier("order_id", order_id)
        return self._read(lambda uow: list(uow.after_sales.of_order(order_id)))

    # scheduled jobs -------------------------------------------------------------------

    def handle_due_after_sales(self) -> JobReport:
        """The after-sales timeouts and pending refunds, each open case once (docs/orders.md)."""
        due = self._read(lambda uow: list(uow.after_sales.open_cases()))
        return self._job(
            "handle_due_after_sales",
            due,
            lambda case_id: lambda uow, at: handle_due_case(uow, self._gateway, case_id, now=at),
        )

    def _job(
        self, command: str, ids: list[str], work: Callable[[str], Work[T | None]]
    ) -> JobReport:
        now = self._clock.now()
        done: list[str] = []
        failed: list[tuple[str, MallcoreError]] = []
        for item in ids:
            try:
                result = self._run(command, work(item), now=now)
            except MallcoreError as error:
                failed.append((item, error))
                self._record_failure(JobItemFailed(command, item, str(error), now), now)
                continue
            if result is not None:
                done.append(item)
        return JobReport(done=tuple(done), failed=tuple(failed))

    def _record_failure(self, failed: JobItemFailed, now: datetime) -> None:
        """Put a job item's failure in the outbox, in a transaction of its own."""
        with self._storage() as uow:
            uow.lock()
            append_events(uow, [failed], at=now)
            uow.commit()

    def cancel_overdue_orders(self) -> JobReport:
        """Cancel every order unpaid at its deadline, giving back what it held."""
        now = self._clock.now()
        due = self._read(lambda uow: list(uow.orders.awaiting_payment(due_by=now)))
        return self._job(
            "cancel_overdue_orders",
            due,
            lambda order_id: lambda uow, at: cancel_overdue_order(uow, order_id, now=at),
        )

    def complete_due_orders(self) -> JobReport:
        """Complete every shipped or delivered order whose confirmation window is over."""
        after = self.configuration().settings.confirmation_window
        due = self._read(lambda uow: list(uow.orders.due_for_completion()))
        return self._job(
            "complete_due_orders",
            due,
            lambda order_id: lambda uow, at: complete_due_order(uow, order_id, now=at, after=after),
        )

    def settle_due_orders(self) -> JobReport:
        """Settle every completed order whose after-sales window is over with no open case.

        Each is settled once (``Order.settled_at``; an ``OrderSettled`` event
        with what was paid, refunded and kept), however many workers run the
        job; an order with an open case waits for a later run.
        """
        now = self._clock.now()
        due = self._read(lambda uow: list(uow.orders.due_for_settlement(due_by=now)))
        return self._job(
            "settle_due_orders",
            due,
            lambda order_id: lambda uow, at: settle_due_order(uow, order_id, now=at),
        )

    def issue_birthday_coupons(self, template_id: str) -> JobReport:
        """Give each member born on this day (the shop's time zone) one coupon, once a year."""
        identifier("template_id", template_id)
        now = self._clock.now()
        zone = tz.gettz(self.configuration().settings.time_zone)
        today = now.astimezone(zone).date()
        born = self._read(lambda uow: list(uow.members.born_on(today.month, today.day)))
        return self._issue("issue_birthday_coupons", template_id, born, f"birthday-{today.year}")

    def issue_new_member_coupons(self, template_id: str, *, within: timedelta) -> JobReport:
        """Give each member registered in the last ``within`` one coupon, once."""
        identifier("template_id", template_id)
        now = self._clock.now()
        # registered_between excludes its end: up to and including now is before now + 1 µs
        until = now + timedelta(microseconds=1)
        joined = self._read(lambda uow: list(uow.members.registered_between(now - within, until)))
        return self._issue("issue_new_member_coupons", template_id, joined, "new-member")

    def _issue(
        self, command: str, template_id: str, customers: list[str], occasion: str
    ) -> JobReport:
        def work(customer_id: str) -> Work[CouponInstance | None]:
            instance_id = wallet.coupon_id(template_id, customer_id, occasion)

            def issue(uow: _Staged, now: datetime) -> tuple[CouponInstance | None, list[object]]:
                try:
                    uow.coupons.get(instance_id)
                except NotFound:
                    pass
                else:
                    return None, []
                template = uow.coupon_templates.get(template_id)
                instance, events, refusals = wallet.claim(
                    uow, template, customer_id, at=now, occasion=occasion
                )
                uow.commit(refusals)
                return instance, events

            return issue

        return self._job(command, customers, work)

    # queries ------------------------------------------------------------------------

    def order(self, order_id: str) -> Order:
        """The order ``order_id`` (NotFound)."""
        identifier("order_id", order_id)
        return self._read(lambda uow: uow.orders.get(order_id))

    def payments(self, order_id: str) -> list[Payment]:
        """Every payment recorded for ``order_id``: attempts, applied, returned, held; oldest first.

        A payment returned because the order was cancelled or already paid is
        here too: the trace of money that reached the shop for the order.
        """
        identifier("order_id", order_id)
        return self._read(lambda uow: list(uow.payments.of_order(order_id)))

    def orders_of(self, customer_id: str, *, limit: int = 20, offset: int = 0) -> list[Order]:
        """A customer's orders, newest first, a page at a time."""
        identifier("customer_id", customer_id)
        return self._read(
            lambda uow: list(uow.orders.of_customer(customer_id, limit=limit, offset=offset))
        )

    def orders_with_status(
        self, status: OrderStatus, *, limit: int = 20, offset: int = 0
    ) -> list[Order]:
        """The orders in ``status``, oldest first, a page at a time."""
        if not isinstance(status, OrderStatus):
            raise InvalidValue("status", status, "must be an OrderStatus")
        return self._read(
            lambda uow: list(uow.orders.with_status(status, limit=limit, offset=offset))
        )

    def products_in(
        self,
        category_id: str,
        *,
        status: ListingStatus | None = ListingStatus.ON_SHELF,
        limit: int = 20,
        offset: int = 0,
    ) -> list[Product]:
        """The products of a category (on the shelf unless told), by id, a page at a time."""
        identifier("category_id", category_id)
        return self._read(
            lambda uow: list(
                uow.products.in_category(category_id, status=status, limit=limit, offset=offset)
            )
        )

    def stock(self, sku_id: str) -> Stock:
        """The stock of ``sku_id`` (NotFound)."""
        identifier("sku_id", sku_id)
        return self._read(lambda uow: uow.stocks.get(sku_id))

    def points_history(self, customer_id: str, *, limit: int = 20, offset: int = 0) -> list[Entry]:
        """A customer's points ledger, newest entry first, a page at a time."""
        identifier("customer_id", customer_id)

        def read(uow: UnitOfWork) -> list[Entry]:
            try:
                ledger = uow.points.get(customer_id).ledger()
            except NotFound:
                return []
            return list(reversed(ledger))[offset : offset + limit]

        return self._read(read)

    def points_account(self, customer_id: str) -> PointsAccount:
        """``customer_id``'s points account (an empty one before the first points)."""
        identifier("customer_id", customer_id)

        def read(uow: UnitOfWork) -> PointsAccount:
            try:
                return uow.points.get(customer_id)
            except NotFound:
                return PointsAccount.open(customer_id)

        return self._read(read)

    def points_balance(self, customer_id: str) -> int:
        """The points ``customer_id`` can spend now."""
        identifier("customer_id", customer_id)
        now = self._clock.now()

        def read(uow: UnitOfWork) -> int:
            try:
                return uow.points.get(customer_id).balance(at=now)
            except NotFound:
                return 0

        return self._read(read)


V = TypeVar("V", Configuration, CouponTemplate)


def _at_version(value: V, version: int) -> V:
    return attrs.evolve(value, version=version)
