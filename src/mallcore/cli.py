"""The ``mallcore`` command: ``demo``, ``quote FILE``, ``reconcile STATEMENT``, ``diagrams``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from mallcore import demo
from mallcore.diagrams import add_diagrams_command
from mallcore.quote_report import add_quote_command
from mallcore.reconcile_report import add_reconcile_command

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; the exit status is 0 on success, 2 for bad input.

    ``reconcile`` exits 1 when it finds discrepancies.
    """
    parser = argparse.ArgumentParser(prog="mallcore", description=__doc__)
    subcommands = parser.add_subparsers(dest="command", required=True)
    story = subcommands.add_parser("demo", help="tell the order story on the embedded default")
    story.set_defaults(run=lambda _: demo.main())
    add_quote_command(subcommands)
    add_reconcile_command(subcommands)
    add_diagrams_command(subcommands)
    args = parser.parse_args(argv)
    status: int = args.run(args)
    return status
