"""Freight from templates: the calculator behind standard delivery (快递).

:class:`TemplateCalculator` prices a shipment with the merchant's freight
templates in four steps, each written into the option's notes:

1. each line goes to its template (``template_id``, else the default
   template) or is a flat-postage line (``flat_postage``: 统一运费; zero is a
   free product, 包邮商品); a template that does not deliver to the
   destination marks its lines undeliverable, with the region and reason;
2. each template finds its rate for the destination (the most specific
   region rate, else its default);
3. a template whose free condition (包邮条件) covering the destination is
   met by its lines ships them free;
4. the remaining templates and flat postages are merged by the merchant's
   :class:`~mallcore.shipping.merge.MergePolicy`.
"""

from __future__ import annotations

import attrs

from mallcore._fields import members
from mallcore.errors import InvalidValue
from mallcore.money import Money
from mallcore.shipping._values import as_tuple
from mallcore.shipping.freight import (
    FreightNote,
    FreightOption,
    LineFreight,
    Topic,
    Undeliverable,
)
from mallcore.shipping.merge import Load, MergePolicy, merge
from mallcore.shipping.shipment import Shipment, ShipmentLine
from mallcore.shipping.templates import FreightTemplate, Rate

__all__ = ["TemplateCalculator"]


def _describe(rate: Rate) -> str:
    return (
        f"first {rate.first} for {rate.first_fee.amount}, +{rate.step} for {rate.step_fee.amount}"
    )


@attrs.frozen(kw_only=True)
class TemplateCalculator:
    """Standard delivery priced by freight ``templates`` merged by ``policy``.

    Lines without a template use ``default_template``; a line with neither a
    template nor flat postage, or naming an unknown template, is refused
    (:class:`~mallcore.errors.InvalidValue`): that is a set-up error, not a
    destination the merchant does not serve.
    """

    templates: tuple[FreightTemplate, ...] = attrs.field(
        converter=as_tuple, validator=members(FreightTemplate, "FreightTemplate")
    )
    policy: MergePolicy = MergePolicy.LARGEST_FIRST_FEE
    default_template: str | None = None
    method_id: str = "standard"
    name: str = "快递"
    _by_id: dict[str, FreightTemplate] = attrs.field(init=False, repr=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        by_id: dict[str, FreightTemplate] = {}
        for template in self.templates:
            if template.id in by_id:
                raise InvalidValue("templates", template.id, "template ids must be unique")
            by_id[template.id] = template
        if self.default_template is not None and self.default_template not in by_id:
            raise InvalidValue("default_template", self.default_template, "is not a template")
        object.__setattr__(self, "_by_id", by_id)

    def template_of(self, line: ShipmentLine) -> FreightTemplate:
        """The template that charges ``line`` (its own, else the default)."""
        template_id = line.template_id if line.template_id is not None else self.default_template
        if template_id is None:
            raise InvalidValue(
                "template_id",
                line.line_id,
                "the line has no template, no flat postage and there is no default",
            )
        template = self._by_id.get(template_id)
        if template is None:
            raise InvalidValue(
                "template_id", template_id, f"line {line.line_id!r} names no known template"
            )
        return template

    def options(self, shipment: Shipment) -> tuple[FreightOption, ...]:
        """The one standard-delivery option for ``shipment``."""
        destination = shipment.destination
        currency = shipment.currency
        notes: list[FreightNote] = []
        refused: list[Undeliverable] = []
        groups: dict[str, list[ShipmentLine]] = {}
        flat: list[ShipmentLine] = []
        for line in shipment.lines:
            if line.flat_postage is not None:
                flat.append(line)
                continue
            template = self.template_of(line)
            if template.currency != shipment.currency:
                raise InvalidValue(
                    "template",
                    template.id,
                    f"charges in {template.currency}, not {shipment.currency}",
                )
            region = template.refuses(destination)
            if region is not None:
                reason = f"template {template.id} does not deliver to {region}"
                refused.append(Undeliverable(line.line_id, region, reason))
                notes.append(FreightNote(Topic.UNDELIVERABLE, line.line_id, reason))
            else:
                groups.setdefault(template.id, []).append(line)
        charges: dict[str, int] = {}
        loads: list[Load] = []
        for template_id, lines in groups.items():
            template = self._by_id[template_id]
            rate, region = template.rate_for(destination)
            where = f"region rule {region}" if region is not None else "default rule"
            units = template.units(lines)
            notes.append(
                FreightNote(
                    Topic.RATE,
                    template_id,
                    f"{where}: {_describe(rate)}; {units} {template.charge_by.value} units "
                    f"on lines {', '.join(line.line_id for line in lines)}",
                    rate.charge(units),
                )
            )
            if self._ships_free(template, lines, destination, notes):
                continue
            line_units = tuple(template.units([line]) for line in lines)
            loads.append(Load(template_id, rate, units, line_units))
            charges.update(
                (line.line_id, rate.charge_minor(alone))
                for line, alone in zip(lines, line_units, strict=True)
            )
        postages = [line.flat_postage for line in flat if line.flat_postage is not None]
        for line, postage in zip(flat, postages, strict=True):
            charges[line.line_id] = postage.minor_units
            what = "free product (包邮)" if postage.is_zero() else f"flat postage {postage.amount}"
            notes.append(FreightNote(Topic.RATE, line.line_id, what, postage))
        amount, how = merge(
            loads, [p for p in postages if not p.is_zero()], self.policy, shipment.currency
        )
        notes.append(FreightNote(Topic.MERGE, self.policy.value, how, amount))
        return (
            FreightOption(
                method_id=self.method_id,
                name=self.name,
                amount=amount,
                line_charges=tuple(
                    LineFreight(line.line_id, Money.from_minor(charges[line.line_id], currency))
                    for line in shipment.lines
                    if line.line_id in charges
                ),
                undeliverable=refused,
                notes=notes,
            ),
        )

    @staticmethod
    def _ships_free(
        template: FreightTemplate,
        lines: list[ShipmentLine],
        destination: tuple[str, ...],
        notes: list[FreightNote],
    ) -> bool:
        for index, condition in enumerate(template.free_conditions):
            if not condition.covers(destination):
                continue
            met, measured = condition.check(lines)
            verdict = "met" if met else "not met"
            notes.append(
                FreightNote(
                    Topic.FREE_CONDITION, f"{template.id}#{index}", f"{verdict}: {measured}"
                )
            )
            if met:
                return True
        return False
