"""The statement contract: the suite every StatementReader adapter must pass.

Subclass :class:`StatementReaderContract` in your test suite and provide two
fixtures: ``reader``, the reader under test, and ``sample``, the bytes of a
well-formed statement of its format with at least one entry::

    class TestMyBankStatements(StatementReaderContract):
        @pytest.fixture
        def reader(self):
            return MyBankStatementReader()

        @pytest.fixture
        def sample(self):
            return Path("tests/data/mybank-2026-12-03.csv").read_bytes()

mallcore runs it on its own readers first (tests/adapters/test_statements.py).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mallcore.errors import InvalidDocument
from mallcore.ports import StatementReader

__all__ = ["StatementReaderContract"]

_DAMAGE = st.text(alphabet='0123456789.-+:T `,"\r\nSUCESRFNDPOIabc交易时间总', max_size=12)
"""What replaces a field of the sample: digits, separators, quotes, line breaks, status letters."""


_INHERITED = [HealthCheck.function_scoped_fixture, HealthCheck.differing_executors]
"""Each reader's subclass runs the same inherited test, its fixtures fixed for every example."""


def _damaged(sample: bytes, damage: list[tuple[int, int, str]]) -> bytes:
    """The sample with, for each (line, field, text), that comma-separated field replaced."""
    lines = sample.decode("utf-8-sig").splitlines()
    for line, field, text in damage:
        fields = lines[line % len(lines)].split(",")
        fields[field % len(fields)] = text
        lines[line % len(lines)] = ",".join(fields)
    return "\n".join(lines).encode()


class StatementReaderContract:
    """What every StatementReader must do; provide the ``reader`` and ``sample`` fixtures."""

    def test_the_sample_reads_with_every_entry_after_the_header_and_nothing_malformed(
        self, reader: StatementReader, sample: bytes
    ) -> None:
        statement = reader.read(sample)

        assert statement.entries
        assert statement.malformed == ()
        assert all(entry.line >= 2 for entry in statement.entries)

    def test_reading_the_same_bytes_twice_gives_the_same_statement(
        self, reader: StatementReader, sample: bytes
    ) -> None:
        assert reader.read(sample) == reader.read(sample)

    @pytest.mark.parametrize(
        "data", [b"", b"\xff\xfe\x00", b"hello\n"], ids=["empty", "binary", "text"]
    )
    def test_what_is_not_a_statement_is_an_invalid_document_naming_the_source(
        self, reader: StatementReader, data: bytes
    ) -> None:
        with pytest.raises(InvalidDocument) as raised:
            reader.read(data, source="upload.csv")

        assert raised.value.source == "upload.csv"

    @settings(max_examples=100, deadline=None, suppress_health_check=_INHERITED)
    @given(damage=st.lists(st.tuples(st.integers(0, 99), st.integers(0, 99), _DAMAGE), max_size=4))
    def test_a_damaged_sample_reads_as_entries_and_malformed_rows_or_is_an_invalid_document(
        self, reader: StatementReader, sample: bytes, damage: list[tuple[int, int, str]]
    ) -> None:
        try:
            statement = reader.read(_damaged(sample, damage))
        except InvalidDocument:
            return

        assert all(entry.line >= 2 for entry in statement.entries)
        assert all(row.reason for row in statement.malformed)
