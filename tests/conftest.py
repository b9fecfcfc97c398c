"""Hypothesis profiles (quick by default, more examples on CI), and the PostgreSQL fixtures.

``postgres_server`` and ``postgres_dsn`` come from tests/postgres_server.py.
"""

import os

from hypothesis import HealthCheck, settings

from tests.postgres_server import postgres_dsn, postgres_server

__all__ = ["postgres_dsn", "postgres_server"]

settings.register_profile("default", max_examples=100, deadline=None)
settings.register_profile(
    "ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "default")
