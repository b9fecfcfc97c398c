"""Freight for a shipment: choose the delivery option, apply the offers, apportion.

:class:`ShippingSetup` is a merchant's whole shipping configuration as one
value (regions, templates and merge policy, zones and methods, free
shipping, surcharges, tier benefits); it is what rule files hold.
:func:`quote_freight` prices a shipment with it:

1. every calculator offers its options (the templates one, the methods one
   per method of the destination's zones, a host's ``carriers`` theirs);
   the shopper's ``method`` is taken, else the cheapest available option
   (the first on a tie); with none available every line is undeliverable;
2. the offers apply in the order of :mod:`mallcore.shipping.offers`: free
   shipping over an amount, the tier benefit, the remote surcharge, the
   shipping coupon saving most;
3. the freight is apportioned over the delivered lines by largest remainder,
   weighted by what each line would cost alone (by quantity when nothing
   was charged per line, as for a flat-price method).

The goods amounts that free-shipping thresholds read are the lines'
``amount`` (after discounts) unless an offer says otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from mallcore._fields import members, string, to_tuple
from mallcore.errors import InvalidValue, WrongType
from mallcore.money import Money, allocate_minor
from mallcore.shipping._values import as_mapping
from mallcore.shipping.calculator import TemplateCalculator
from mallcore.shipping.freight import (
    FreightCalculator,
    FreightNote,
    FreightOption,
    FreightQuote,
    LineFreight,
    Topic,
    Undeliverable,
)
from mallcore.shipping.merge import MergePolicy
from mallcore.shipping.methods import MethodCalculator, ShippingMethod, Zone
from mallcore.shipping.offers import (
    FreeShippingOver,
    FreightBenefit,
    FreightVoucher,
    RemoteSurcharge,
)
from mallcore.shipping.regions import ChinaDivisions, RegionHierarchy
from mallcore.shipping.shipment import Shipment, ShipmentLine
from mallcore.shipping.templates import AmountBase, FreightTemplate

__all__ = ["ShippingSetup", "quote_freight"]


def _benefits(instance: object, attribute: attrs.Attribute[Any], value: Mapping[str, Any]) -> None:
    for tier, benefit in value.items():
        if not isinstance(tier, str):
            raise WrongType(f"{attribute.name}[]", tier, "str")
        if not isinstance(benefit, FreightBenefit):
            raise WrongType(f"{attribute.name}[{tier!r}]", benefit, "FreightBenefit")


@attrs.frozen(kw_only=True)
class ShippingSetup:
    """A merchant's shipping configuration: everything :func:`quote_freight` reads.

    ``templates`` (merged by ``merge_policy``, lines without a template on
    ``default_template``) make standard delivery; ``zones`` and ``methods``
    make the methods offered besides. ``tier_benefits`` maps a member tier
    name to its freight benefit.
    """

    regions: RegionHierarchy = attrs.field(factory=ChinaDivisions)
    templates: tuple[FreightTemplate, ...] = attrs.field(
        default=(), converter=to_tuple, validator=members(FreightTemplate, "FreightTemplate")
    )
    merge_policy: MergePolicy = MergePolicy.LARGEST_FIRST_FEE
    default_template: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(string)
    )
    zones: tuple[Zone, ...] = attrs.field(
        default=(), converter=to_tuple, validator=members(Zone, "Zone")
    )
    methods: tuple[ShippingMethod, ...] = attrs.field(
        default=(), converter=to_tuple, validator=members(ShippingMethod, "ShippingMethod")
    )
    free_over: tuple[FreeShippingOver, ...] = attrs.field(
        default=(), converter=to_tuple, validator=members(FreeShippingOver, "FreeShippingOver")
    )
    surcharges: tuple[RemoteSurcharge, ...] = attrs.field(
        default=(), converter=to_tuple, validator=members(RemoteSurcharge, "RemoteSurcharge")
    )
    tier_benefits: Mapping[str, FreightBenefit] = attrs.field(
        factory=dict, converter=as_mapping, hash=False, validator=_benefits
    )
    _calculators: tuple[FreightCalculator, ...] = attrs.field(
        init=False, repr=False, eq=False, hash=False
    )
    _surcharge_of: dict[str, RemoteSurcharge] = attrs.field(
        init=False, repr=False, eq=False, hash=False
    )

    def __attrs_post_init__(self) -> None:
        calculators: list[FreightCalculator] = []
        if self.templates:
            calculators.append(
                TemplateCalculator(
                    templates=self.templates,
                    policy=self.merge_policy,
                    default_template=self.default_template,
                )
            )
        elif self.default_template is not None:
            raise InvalidValue("default_template", self.default_template, "is not a template")
        if self.methods:
            calculators.append(MethodCalculator(zones=self.zones, methods=self.methods))
        surcharge_of: dict[str, RemoteSurcharge] = {}
        for surcharge in self.surcharges:
            for code in surcharge.regions:
                if code in surcharge_of:
                    raise InvalidValue("surcharges", code, "appears in two surcharges")
                surcharge_of[code] = surcharge
        object.__setattr__(self, "_calculators", tuple(calculators))
        object.__setattr__(self, "_surcharge_of", surcharge_of)

    def calculators(self) -> tuple[FreightCalculator, ...]:
        """The calculators the set-up makes: templates, then methods (those it has)."""
        return self._calculators

    def shipment(self, region: str, *, currency: str, lines: Sequence[ShipmentLine]) -> Shipment:
        """A shipment of ``lines`` to ``region``, its ancestors from :attr:`regions`."""
        return Shipment.to(region, regions=self.regions, currency=currency, lines=lines)

    def surcharge_for(self, destination: Sequence[str]) -> RemoteSurcharge | None:
        """The surcharge for the most specific code of ``destination`` that has one."""
        for code in destination:
            surcharge = self._surcharge_of.get(code)
            if surcharge is not None:
                return surcharge
        return None


def _choose(
    options: Sequence[FreightOption], method: str | None
) -> tuple[FreightOption | None, str]:
    if method is not None:
        for option in options:
            if option.method_id == method:
                return (None, option.unavailable) if option.unavailable else (option, "")
        raise InvalidValue("method", method, "is not a delivery option for this shipment")
    available = [option for option in options if not option.unavailable]
    if not available:
        reasons = "; ".join(f"{o.method_id}: {o.unavailable}" for o in options)
        return None, reasons or "no delivery option serves the destination"
    return min(available, key=lambda option: option.amount.minor_units), ""


def _apportion(
    amount: Money, option: FreightOption, delivered: Sequence[ShipmentLine]
) -> tuple[LineFreight, ...]:
    if not delivered:
        return ()
    charges = {share.line_id: share.amount.minor_units for share in option.line_charges}
    weights = [charges.get(line.line_id, 0) for line in delivered]
    if not any(weights):
        weights = [line.quantity for line in delivered]
    parts = allocate_minor(amount.minor_units, weights)
    return tuple(
        LineFreight(line.line_id, Money.from_minor(part, amount.currency))
        for line, part in zip(delivered, parts, strict=True)
    )


def quote_freight(
    shipment: Shipment,
    setup: ShippingSetup,
    *,
    method: str | None = None,
    tier: str | None = None,
    tier_benefit: FreightBenefit | None = None,
    vouchers: Sequence[FreightVoucher] = (),
    carriers: Sequence[FreightCalculator] = (),
) -> FreightQuote:
    """The freight for ``shipment`` under ``setup``: option, offers, amount per line.

    ``method`` is the shopper's choice of option (None: the cheapest);
    ``tier`` the customer's member tier: its benefit in
    ``setup.tier_benefits`` applies, else ``tier_benefit`` (the benefit the
    loyalty program grants the tier); ``vouchers`` the shipping coupons that
    qualify (the one saving most is used); ``carriers`` more calculators
    (a host's live carrier rates), offered after the set-up's own.
    """
    currency = shipment.currency
    zero = Money.zero(currency)
    options = tuple(
        option
        for calculator in (*setup.calculators(), *carriers)
        for option in calculator.options(shipment)
    )
    chosen, refusal = _choose(options, method)
    if chosen is None:
        refused = tuple(
            Undeliverable(line.line_id, shipment.region, refusal) for line in shipment.lines
        )
        return FreightQuote(
            currency=currency,
            method_id=method,
            charged=zero,
            amount=zero,
            undeliverable=refused,
            notes=[FreightNote(Topic.UNDELIVERABLE, shipment.region, refusal)],
            options=options,
        )
    notes = list(chosen.notes)
    refused_ids = {item.line_id for item in chosen.undeliverable}
    delivered = [line for line in shipment.lines if line.line_id not in refused_ids]
    paid = Money.from_minor(sum(line.amount.minor_units for line in delivered), currency)
    listed = Money.from_minor(sum(line.undiscounted.minor_units for line in delivered), currency)
    freight = chosen.amount
    destination = shipment.destination
    for offer in setup.free_over:
        if not offer.covers(destination) or freight.is_zero():
            continue
        goods = listed if offer.amount_base is AmountBase.BEFORE_DISCOUNTS else paid
        if goods >= offer.threshold:
            notes.append(
                FreightNote(
                    Topic.FREE_OVER,
                    offer.id,
                    f"goods {goods.amount} reach {offer.threshold.amount}",
                    -freight,
                )
            )
            freight = zero
        else:
            short = offer.threshold - goods
            notes.append(FreightNote(Topic.FREE_OVER, offer.id, f"spend {short.amount} more"))
    benefit = setup.tier_benefits.get(tier, tier_benefit) if tier is not None else tier_benefit
    if benefit is not None and not freight.is_zero():
        off, why = benefit.apply(freight, paid)
        notes.append(FreightNote(Topic.BENEFIT, benefit.id, why, -off))
        freight -= off
    surcharge = setup.surcharge_for(destination) if delivered else None
    if surcharge is not None:
        notes.append(
            FreightNote(
                Topic.SURCHARGE, surcharge.id, f"remote area {destination[0]}", surcharge.amount
            )
        )
        freight += surcharge.amount
    voucher_id = None
    if vouchers and not freight.is_zero():
        best = max(vouchers, key=lambda voucher: voucher.saving(freight).minor_units)
        saving = best.saving(freight)
        notes.append(FreightNote(Topic.VOUCHER, best.id, "saves the most", -saving))
        notes.extend(
            FreightNote(Topic.VOUCHER, voucher.id, f"not used: one per order, {best.id} is used")
            for voucher in vouchers
            if voucher is not best
        )
        voucher_id = best.id
        freight -= saving
    else:
        notes.extend(
            FreightNote(Topic.VOUCHER, voucher.id, "not used: no freight to pay")
            for voucher in vouchers
        )
    return FreightQuote(
        currency=currency,
        method_id=chosen.method_id,
        name=chosen.name,
        charged=chosen.amount,
        amount=freight,
        voucher_id=voucher_id,
        lines=_apportion(freight, chosen, delivered),
        undeliverable=chosen.undeliverable,
        notes=notes,
        options=options,
        estimate=chosen.estimate,
    )
