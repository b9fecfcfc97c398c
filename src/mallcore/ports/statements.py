"""Statement port: read a payment provider's statement (对账单) for reconciliation.

A provider publishes a statement per day (WeChat Pay's trade bill after
10:00 the next morning); the host downloads it and hands its bytes to a
reader for that format. :func:`mallcore.reconciliation.reconcile` then
compares what was read with what mallcore recorded.
"""

from __future__ import annotations

from typing import Protocol

from mallcore.reconciliation import Statement

__all__ = ["StatementReader"]


class StatementReader(Protocol):
    """Port: one statement format, read into entries.

    - ``read`` returns every detail row of ``data`` as a
      :class:`~mallcore.reconciliation.StatementEntry`, in file order, each
      with its line number (counted from 1, the header included).
    - A detail row that cannot be read (a missing field, an amount that is
      not one, an unknown status, a time without its zone) is returned as a
      :class:`~mallcore.reconciliation.MalformedRow` naming its line and what
      is wrong, and the rows after it are still read: one bad row never hides
      the others. Checks on the file as a whole that fail (a summary that
      disagrees with the rows, a summary missing from a format that has one)
      are malformed rows too.
    - Raises :class:`~mallcore.errors.InvalidDocument` naming ``source`` only
      when ``data`` is not a statement of this format at all (not UTF-8
      text, no header, another format's header), and nothing else for bad
      data.
    """

    def read(self, data: bytes, *, source: str = "statement") -> Statement:
        """Read a statement file's bytes."""
        ...
