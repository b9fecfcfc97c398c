"""After-sales cases (售后单) as use cases: request, decide, return, receive, refund, time out.

Each function runs inside the unit of work the Mall opens and commits it:

- :func:`request_case`: the customer asks about units of lines of an order.
  The order itself checks the request by working out the refund it would
  make (:meth:`~mallcore.orders.Order.refund`, not saved): units it sold and
  has not refunded, unshipped ones while only paid (refund only, the only
  kind before shipping), within its after-sales window. A return needs
  shipped units; units in another open case, or a line already asked about
  :data:`~mallcore.orders.MAX_REQUESTS_PER_LINE` times, are refused.
  ``amount`` is what that refund would return (the frozen per-unit
  payables). The merchant must answer by ``Settings.after_sales_response``.
- :func:`approve_case`: a refund-only case is refunded at once; a return
  waits for the customer's waybill until ``Settings.return_shipment``.
- :func:`offer_case`: the merchant approves a lower amount instead (the
  order checks it as the refund it would make); :func:`accept_offer`
  approves the case for that amount (a refund-only case is refunded at
  once), :func:`decline_offer` closes it (the customer may ask again).
- :func:`reject_case`, :func:`send_back`, :func:`receive_return` (the
  merchant's inspection says ``restock``), then the refund.
- The refund is :func:`~mallcore.services.after_sales.refund_order` under the
  case id: money through the gateway (idempotent by that id), points and
  growth taken back, coupons by their template's rule, stock as inspected.
  If the gateway cannot make it, the case stays where it is (APPROVED or
  RECEIVED, the refund pending) and :func:`handle_due_case` retries it. If
  the order no longer refunds its units (refunded otherwise, or cancelled
  in full meanwhile), the case closes, saying why.
- :func:`handle_due_case` (the after-sales job, one case): a request
  unanswered past its deadline is approved (a return to
  ``Settings.return_address``; none set: the item fails, reported); an
  offer unanswered in time closes (declined); a return not shipped in time
  closes; goods not confirmed in time are refunded (not restocked); a
  pending refund is tried again.
- Exchanges (换货, ``CaseKind.EXCHANGE``): requested once shipped, each
  line with a replacement SKU (its own unless told; another SKU of the same
  product at the same sale price); approval holds the replacement's stock
  (OutOfStock refuses it), the goods go back and are received like a
  return, then :func:`ship_exchange_case` ships the replacement as a new
  package. A case that closes instead releases the held stock.
- :func:`has_open_case`: an order with an open case neither completes nor
  has its receipt confirmed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, time, timedelta

from dateutil import tz

from mallcore.errors import IllegalTransition, InvalidValue, NotFound, RefundRefused
from mallcore.money import Money
from mallcore.orders import (
    MAX_REQUESTS_PER_LINE,
    AfterSalesCase,
    CaseKind,
    CaseStatus,
    Order,
    OrderStatus,
    ReturnFreightOwed,
)
from mallcore.ports import Courier, PaymentGateway, UnitOfWork
from mallcore.services._packages import book_package
from mallcore.services._stock import hold_for_exchange, release_exchange, ship_exchange
from mallcore.services.after_sales import refund_order
from mallcore.services.checkout import configuration

__all__ = [
    "accept_offer",
    "approve_case",
    "decline_offer",
    "handle_due_case",
    "has_open_case",
    "no_reason_deadline",
    "offer_case",
    "receive_return",
    "reject_case",
    "request_case",
    "send_back",
    "ship_exchange_case",
]

_SHIPPED = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED})


def has_open_case(uow: UnitOfWork, order_id: str) -> bool:
    """Whether ``order_id`` has an after-sales case still open."""
    return any(case.is_open() for case in uow.after_sales.of_order(order_id))


def request_case(
    uow: UnitOfWork,
    order_id: str,
    case_id: str,
    *,
    kind: CaseKind,
    units: Mapping[str, int],
    reason: str,
    evidence: Iterable[str],
    now: datetime,
    no_reason: bool = False,
    replacements: Mapping[str, str] | None = None,
) -> tuple[AfterSalesCase, list[object]]:
    """The customer opens a case (see the module docstring); committed."""
    try:
        return uow.after_sales.get(case_id), []
    except NotFound:
        pass
    order = uow.orders.get(order_id)
    if kind is not CaseKind.REFUND_ONLY and order.status not in _SHIPPED:
        raise IllegalTransition("order", order_id, order.status.value, "returned")
    if kind is CaseKind.EXCHANGE:
        replacements = _replacements(uow, order, units, replacements or {})
    elif replacements:
        raise InvalidValue("replacements", dict(replacements), "only an exchange takes them")
    settings = configuration(uow).settings
    if no_reason:
        _check_no_reason(order, units, now=now, zone=settings.time_zone)
    cases = uow.after_sales.of_order(order_id)
    for line_id in units:
        asked = sum(1 for case in cases if line_id in dict(case.units))
        if asked >= MAX_REQUESTS_PER_LINE:
            raise InvalidValue(
                f"units[{line_id!r}]",
                units[line_id],
                f"line {line_id!r} was asked about {asked} times, the most a line takes",
            )
        held = sum(dict(case.units).get(line_id, 0) for case in cases if case.is_open())
        if held:
            raise InvalidValue(
                f"units[{line_id!r}]", units[line_id], f"{held} are in an open case already"
            )
    trial, _ = order.refund(case_id, units=units, at=now, reason=reason, freight=None)
    amount = trial.refunds[-1].amount
    due = now + settings.after_sales_response
    case, events = AfterSalesCase.request(
        case_id,
        order_id=order_id,
        kind=kind,
        units=units,
        reason=reason,
        amount=amount,
        at=now,
        due_at=due,
        evidence=evidence,
        no_reason=no_reason,
        replacements=replacements,
    )
    uow.after_sales.save(case)
    uow.commit()
    return case, list(events)


def _replacements(
    uow: UnitOfWork, order: Order, units: Mapping[str, int], asked: Mapping[str, str]
) -> dict[str, str]:
    """Each line's replacement SKU (its own unless told), checked: the product's, the same price."""
    for line_id in asked:
        if line_id not in units:
            raise InvalidValue(
                f"replacements[{line_id!r}]", asked[line_id], "must be a line of the exchange"
            )
    chosen: dict[str, str] = {}
    for line_id in units:
        line = order.line(line_id)
        sku_id = asked.get(line_id, line.sku_id)
        field = f"replacements[{line_id!r}]"
        if not isinstance(sku_id, str):
            raise InvalidValue(field, sku_id, "must be a SKU id")
        product = uow.products.get_by_sku(line.sku_id)
        if sku_id not in {sku.id for sku in product.skus}:
            raise InvalidValue(field, sku_id, f"is no SKU of product {product.id!r}")
        if product.sku(sku_id).sale_price != product.sku(line.sku_id).sale_price:
            raise InvalidValue(
                field,
                sku_id,
                f"must sell at the {product.sku(line.sku_id).sale_price} of {line.sku_id!r}",
            )
        chosen[line_id] = sku_id
    return chosen


def no_reason_deadline(delivered_at: datetime, zone: str) -> datetime:
    """When 七日无理由 closes: seven whole days counted from the day after delivery.

    Delivered on 11-11 (the shop's time zone), the customer may ask until
    the end of 11-18.
    """
    local = tz.gettz(zone)
    day = delivered_at.astimezone(local).date() + timedelta(days=8)
    return datetime.combine(day, time(), tzinfo=local)


def _check_no_reason(order: Order, units: Mapping[str, int], *, now: datetime, zone: str) -> None:
    what = f"order {order.id!r}"
    if order.delivered_at is None:
        raise RefundRefused(what, "a no-reason return counts from delivery: not delivered yet")
    deadline = no_reason_deadline(order.delivered_at, zone)
    if now >= deadline:
        raise RefundRefused(what, f"its 7-day no-reason window closed at {deadline.isoformat()}")
    for line_id in units:
        item = order.line(line_id).item
        if item is not None and not item.no_reason_returns:
            raise RefundRefused(
                what, f"{item.product_name!r} (line {line_id!r}) takes no no-reason returns"
            )


def approve_case(
    uow: UnitOfWork,
    gateway: PaymentGateway,
    case_id: str,
    *,
    return_address: str,
    now: datetime,
) -> tuple[AfterSalesCase, list[object]]:
    """The merchant approves: refund only, refunded now; a return waits for the goods."""
    case = uow.after_sales.get(case_id)
    if case.status is not CaseStatus.REQUESTED:
        return case, []
    due = None
    if case.goes_back:
        due = now + configuration(uow).settings.return_shipment
    approved, events = case.approve(at=now, return_address=return_address, due_at=due)
    uow.after_sales.save(approved)
    moved: list[object] = list(events)
    if case.kind is CaseKind.EXCHANGE:
        moved.extend(hold_for_exchange(uow, approved, at=now))
    return _refund_if_due(uow, gateway, approved, moved, now=now)


def offer_case(
    uow: UnitOfWork, case_id: str, *, amount: Money, return_address: str, now: datetime
) -> tuple[AfterSalesCase, list[object]]:
    """The merchant approves ``amount``, below the computed refund; the customer must answer.

    The order checks the amount as the refund it would make (nothing
    saved): above zero, at least the order freight it returns, at most the
    refund. The same offer again changes nothing.
    """
    case = uow.after_sales.get(case_id)
    offered, events = case.offer_lower(
        amount,
        at=now,
        due_at=now + configuration(uow).settings.offer_response,
        return_address=return_address,
    )
    if not events:
        return offered, []
    uow.orders.get(case.order_id).refund(
        case.id,
        units=dict(case.units),
        at=now,
        reason=case.reason,
        amount=amount,
        asked_at=case.requested_at,
    )
    uow.after_sales.save(offered)
    uow.commit()
    return offered, list(events)


def accept_offer(
    uow: UnitOfWork, gateway: PaymentGateway, case_id: str, *, now: datetime
) -> tuple[AfterSalesCase, list[object]]:
    """The customer accepts the lower amount: approved; refund only, refunded now."""
    case = uow.after_sales.get(case_id)
    due = None
    if case.kind is CaseKind.RETURN_AND_REFUND:
        due = now + configuration(uow).settings.return_shipment
    accepted, events = case.accept(at=now, due_at=due)
    if not events:
        return accepted, []
    uow.after_sales.save(accepted)
    return _refund_if_due(uow, gateway, accepted, list(events), now=now)


def decline_offer(
    uow: UnitOfWork, case_id: str, *, reason: str, now: datetime
) -> tuple[AfterSalesCase, list[object]]:
    """The customer declines the lower amount: the case closes (a new request may follow)."""
    _text_reason(reason)
    case = uow.after_sales.get(case_id)
    if case.status is not CaseStatus.OFFERED:
        if case.status is CaseStatus.CLOSED:
            return case, []
        raise IllegalTransition("after-sales case", case_id, case.status.value, "declined")
    closed, events = case.close(reason=f"the customer declined the offer: {reason}", at=now)
    uow.after_sales.save(closed)
    uow.commit()
    return closed, list(events)


def _text_reason(reason: object) -> None:
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidValue("reason", reason, "must be a non-empty string")


def reject_case(
    uow: UnitOfWork, case_id: str, *, reason: str, now: datetime
) -> tuple[AfterSalesCase, list[object]]:
    """The merchant rejects with a reason; the customer may ask again (up to the limit)."""
    rejected, events = uow.after_sales.get(case_id).reject(reason=reason, at=now)
    if events:
        uow.after_sales.save(rejected)
        uow.commit()
    return rejected, list(events)


def send_back(
    uow: UnitOfWork,
    case_id: str,
    *,
    waybill: str,
    now: datetime,
    freight: Money | None = None,
) -> tuple[AfterSalesCase, list[object]]:
    """The customer ships the goods back (declaring its ``freight``); the merchant must confirm.

    The declared postage is paid back with the refund when the merchant
    pays the return freight, at most ``Settings.return_freight_cap``.
    """
    settings = configuration(uow).settings
    cap = settings.return_freight_cap
    case = uow.after_sales.get(case_id)
    if cap is not None and cap.currency != case.amount.currency:
        raise InvalidValue("settings.return_freight_cap", cap, f"must be in {case.amount.currency}")
    due = now + settings.return_receipt
    sent, events = case.send_back(waybill, at=now, due_at=due, freight=freight, cap=cap)
    if events:
        uow.after_sales.save(sent)
        uow.commit()
    return sent, list(events)


def receive_return(
    uow: UnitOfWork, gateway: PaymentGateway, case_id: str, *, restock: bool, now: datetime
) -> tuple[AfterSalesCase, list[object]]:
    """The merchant confirms and inspects the returned goods; the refund goes."""
    received, events = uow.after_sales.get(case_id).receive(restock=restock, at=now)
    if events:
        uow.after_sales.save(received)
    return _refund_if_due(uow, gateway, received, list(events), now=now)


def handle_due_case(
    uow: UnitOfWork, gateway: PaymentGateway, case_id: str, *, now: datetime
) -> tuple[AfterSalesCase | None, list[object]]:
    """One item of the after-sales job (see the module docstring); None: nothing was due."""
    case = uow.after_sales.get(case_id)
    if _refund_pending(case):
        return _refund_if_due(uow, gateway, case, [], now=now)
    if case.due_at is None or now < case.due_at:
        return None, []
    if case.status is CaseStatus.REQUESTED:
        address = configuration(uow).settings.return_address
        return approve_case(uow, gateway, case_id, return_address=address, now=now)
    if case.status is CaseStatus.OFFERED:
        closed, events = case.close(reason="the offer was not answered in time", at=now)
        uow.after_sales.save(closed)
        uow.commit()
        return closed, list(events)
    if case.status is CaseStatus.APPROVED:
        closed, events = case.close(reason="the goods were not sent back in time", at=now)
        uow.after_sales.save(closed)
        released = release_exchange(uow, closed, at=now) if closed.kind is CaseKind.EXCHANGE else []
        uow.commit()
        return closed, [*events, *released]
    if case.status is CaseStatus.RETURNING:
        return receive_return(uow, gateway, case_id, restock=False, now=now)
    return None, []


def _refund_pending(case: AfterSalesCase) -> bool:
    if case.kind is CaseKind.EXCHANGE:
        return False
    return case.status is CaseStatus.RECEIVED or (
        case.status is CaseStatus.APPROVED and case.kind is CaseKind.REFUND_ONLY
    )


def ship_exchange_case(
    uow: UnitOfWork, courier: Courier, case_id: str, *, now: datetime, booked: list[str]
) -> tuple[AfterSalesCase, list[object]]:
    """Ship a received exchange's replacement as a new package of its order; once.

    Checked by the order first (nothing changed), then booked with the
    courier under the package id ``<order id>-<case id>`` (appended to
    ``booked``: the caller cancels it if the command fails), then recorded:
    the package, the replacement's stock deducted (the returned units
    restocked if inspected sellable), the case EXCHANGED. Postage the
    merchant pays for the return is reported as ``ReturnFreightOwed`` (an
    exchange refunds nothing to carry it).
    """
    case = uow.after_sales.get(case_id)
    if case.status is CaseStatus.EXCHANGED:
        return case, []
    if case.kind is not CaseKind.EXCHANGE or case.status is not CaseStatus.RECEIVED:
        raise IllegalTransition("after-sales case", case_id, case.status.value, "exchanged")
    order = uow.orders.get(case.order_id)
    items = dict(case.units)
    order.ship_replacement(case.id, waybill="to-be-booked", carrier="-", items=items, at=now)
    waybill = book_package(courier, order, f"{order.id}-{case.id}", items, booked=booked)
    shipped, changes = order.ship_replacement(
        case.id, waybill=waybill.number, carrier=waybill.carrier, items=items, at=now
    )
    done, moved = case.exchanged(waybill.number, at=now)
    stock = ship_exchange(uow, order, done, at=now)
    uow.orders.save(shipped)
    uow.after_sales.save(done)
    owed: list[object] = []
    if case.return_freight is not None and not case.return_freight.is_zero():
        owed.append(ReturnFreightOwed(case.id, order.id, case.return_freight, now))
    uow.commit()
    return done, [*changes, *moved, *stock, *owed]


def _refund_if_due(
    uow: UnitOfWork,
    gateway: PaymentGateway,
    case: AfterSalesCase,
    events: list[object],
    *,
    now: datetime,
) -> tuple[AfterSalesCase, list[object]]:
    """Refund ``case`` (saved as it is) when its refund is due; committed either way.

    A refund the gateway cannot make raises, and the Mall's unit of work
    rolls the whole step back: the case stays where it was, refund pending.
    """
    if not _refund_pending(case):
        uow.commit()
        return case, events
    order = uow.orders.get(case.order_id)
    try:
        order.refund(
            case.id,
            units=dict(case.units),
            at=now,
            reason=case.reason,
            amount=case.offer,
            asked_at=case.requested_at,
        )
    except (IllegalTransition, InvalidValue) as gone:
        closed, moved = case.close(reason=f"the order no longer refunds it: {gone}", at=now)
        uow.after_sales.save(closed)
        uow.commit()
        return closed, [*events, *moved]
    done, moved = case.refunded(at=now)
    uow.after_sales.save(done)
    postage, owed = _postage(order, case, now=now)
    _, refunded = refund_order(
        uow,
        gateway,
        case.order_id,
        refund_id=case.id,
        units=dict(case.units),
        reason=case.reason,
        freight=None,
        restock=case.restock,
        now=now,
        amount=case.offer,
        return_freight=postage,
        asked_at=case.requested_at,
    )
    uow.commit()
    return done, [*events, *refunded, *moved, *owed]


def _postage(
    order: Order, case: AfterSalesCase, *, now: datetime
) -> tuple[Money | None, list[object]]:
    """The return postage the refund pays back, and what the payment cannot carry (owed)."""
    if case.return_freight is None or case.return_freight.is_zero():
        return None, []
    trial, _ = order.refund(
        case.id, units=dict(case.units), at=now, reason=case.reason, amount=case.offer
    )
    left = trial.payable - trial.refunded
    if case.return_freight <= left:
        return case.return_freight, []
    owed = ReturnFreightOwed(case.id, order.id, case.return_freight - left, now)
    return left, [owed]
