"""Benchmarks of the hot paths: run with `make bench` (pytest-benchmark).

Each file times mallcore beside a baseline measured in the same run, so
that the ratio, not the absolute time, is what a noisy machine reports.
The PostgreSQL rows run on the throwaway server of the tests
(tests/postgres_server.py), or on ``MALLCORE_TEST_POSTGRES_DSN``.
"""

from tests.postgres_server import postgres_dsn, postgres_server

__all__ = ["postgres_dsn", "postgres_server"]
