"""``mallcore quote FILE``: price a rule file and print the quote, as text or as JSON.

:func:`render_quote` writes a quote for people: the lines, every discount on
them, the totals, the status of every rule and the coupon alternatives.
:func:`quote_main` is the command: it reads the file, prints the quote (or
``--json``: the quote through :mod:`mallcore.serialization`) and returns the
exit status; a bad file prints the path of each bad field, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from mallcore.errors import MallcoreError
from mallcore.limits import DEFAULT_LIMITS
from mallcore.money import Money
from mallcore.pricing import Quote, RuleOutcome, Status
from mallcore.rules import load_quote_document
from mallcore.serialization import dumps
from mallcore.shipping import FreightQuote

__all__ = ["add_quote_command", "main", "quote_main", "render_quote"]


def _minus(amount: Money) -> str:
    return f"-{amount.amount}"


def _explain(outcome: RuleOutcome) -> str:
    status = outcome.status
    if status is Status.APPLIED:
        shares = ", ".join(f"{s.line_id}: {_minus(s.amount)}" for s in outcome.per_line)
        amount = _minus(outcome.amount) if outcome.amount is not None else ""
        text = f"{amount} [{shares}]" if shares else amount
    elif status is Status.BELOW_THRESHOLD and outcome.shortfall is not None:
        text = f"spend {outcome.shortfall.amount} more"
    elif status is Status.EXCLUDED_BY:
        text = f"by {outcome.excluded_by}"
    elif status is Status.NOT_CHOSEN and outcome.saving is not None:
        text = f"would save {outcome.saving.amount}"
    else:
        text = ""
    detail = f" ({outcome.detail})" if outcome.detail else ""
    return f"{text}{detail}".strip()


def _render_freight(freight: FreightQuote, priced: Quote) -> list[str]:
    """The freight section: amount, how it was reached, shares, refusals and options."""
    method = f"{freight.method_id} {freight.name}".strip() if freight.method_id else "none"
    rows = [
        f"Freight:                {freight.amount.amount}  (charged {freight.charged.amount}"
        f" by {method}; coupon {freight.voucher_id or 'none'})",
        *(
            [f"Freight paid by points: {_minus(priced.freight_points)}"]
            if priced.freight_points is not None and not priced.freight_points.is_zero()
            else []
        ),
        f"Amount due:             {priced.amount_due().amount}",
        "",
        "Freight explained:",
    ]
    for note in freight.notes:
        amount = "" if note.amount is None else f"  {note.amount.amount}"
        rows.append(f"  {note.topic.value:<15} {note.subject:<20} {note.detail}{amount}")
    if freight.lines:
        shares = ", ".join(f"{share.line_id}: {share.amount.amount}" for share in freight.lines)
        rows.append(f"  per line: {shares}")
    if freight.undeliverable:
        rows += ["", "Undeliverable:"]
        rows.extend(f"  {item.line_id:<10} {item.reason}" for item in freight.undeliverable)
    if len(freight.options) > 1:
        rows += ["", "Delivery options:"]
        rows.extend(
            f"  {option.method_id:<16} {option.amount.amount:>10}  {option.unavailable}".rstrip()
            for option in freight.options
        )
    return rows


def render_quote(priced: Quote) -> str:
    """The quote as text: lines, discounts, totals, every rule's status, alternatives."""
    rows = [f"Quote in {priced.currency}", "", "Lines:"]
    for line in priced.lines:
        label = "gift " if line.gift else ""
        price = line.list_price if line.gift else line.unit_price
        rows.append(
            f"  {line.line_id:<10} {label}{line.sku_id} x{line.quantity}"
            f"  @ {price.amount}  total {line.total.amount}  payable {line.payable.amount}"
        )
        rows.extend(
            f"      {discount.rule_id:<24} {_minus(discount.amount)}" for discount in line.discounts
        )
    rows += [
        "",
        f"Subtotal (list prices): {priced.subtotal.amount}",
        f"Total (unit prices):    {priced.total.amount}",
        f"Discount:               {_minus(priced.discount)}",
        f"Payable:                {priced.payable.amount}",
        f"Coupons used:           {', '.join(priced.coupon_ids) or 'none'}",
    ]
    if priced.points is not None:
        used = priced.points
        reason = f"  ({used.reason})" if used.reason else ""
        rows.append(f"Points used:            {used.points} ({_minus(used.amount)}){reason}")
    if priced.freight is not None:
        rows += _render_freight(priced.freight, priced)
    if priced.points_earned is not None:
        earned = priced.points_earned
        parts = ", ".join(f"{part.rule} {part.points}" for part in earned.parts)
        rows.append(f"Points earned:          {earned.points}" + (f"  ({parts})" if parts else ""))
    rows += ["", "Rules:"]
    rows.extend(
        f"  {o.rule_id:<24} {o.kind:<22} {o.status.value:<16} {_explain(o)}".rstrip()
        for o in priced.outcomes
    )
    if priced.alternatives:
        rows += ["", "Coupon choices:"]
        rows.extend(
            f"  {', '.join(alt.coupon_ids) or '(no coupon)':<40} payable {alt.payable.amount}"
            for alt in priced.alternatives
        )
    return "\n".join(rows) + "\n"


def quote_main(
    path: str,
    *,
    as_json: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Run ``mallcore quote PATH [--json]``: 0 when priced, 2 for a bad or missing file.

    Whatever bytes the file holds, the outcome is one of the two: a bad file
    is reported with the JSON path of each problem, never a traceback.
    """
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    try:
        with Path(path).open("rb") as file:
            # one byte past the limit is enough to refuse a file that is too large
            text = file.read(DEFAULT_LIMITS.document_bytes + 1)
    except OSError as exc:
        err.write(f"mallcore quote: cannot read {path}: {exc.strerror or exc}\n")
        return 2
    try:
        priced = load_quote_document(text, source=path).price(source=path)
    except MallcoreError as exc:
        err.write(f"mallcore quote: {exc}\n")
        return 2
    out.write(dumps(priced) + "\n" if as_json else render_quote(priced))
    return 0


def add_quote_command(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``quote FILE [--json]`` to a command line's subcommands (``args.run(args)`` runs it)."""
    command = subcommands.add_parser("quote", help="price a rule file (docs/rules-format.md)")
    command.add_argument("file", help="the rule file (JSON)")
    command.add_argument("--json", action="store_true", help="print the quote as JSON")
    command.set_defaults(run=lambda args: quote_main(args.file, as_json=args.json))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mallcore.quote_report FILE [--json]``."""
    parser = argparse.ArgumentParser(prog="mallcore quote", description="Price a rule file.")
    parser.add_argument("file", help="the rule file (JSON)")
    parser.add_argument("--json", action="store_true", help="print the quote as JSON")
    args = parser.parse_args(argv)
    return quote_main(args.file, as_json=args.json)


if __name__ == "__main__":
    raise SystemExit(main())
