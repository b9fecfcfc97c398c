"""Hypothesis profiles (quick by default, more examples on CI), and the PostgreSQL server.

``postgres_server`` is the session's PostgreSQL server (see
tests/postgres_server.py); ``postgres_dsn`` a new, empty schema on it for
one test. Without a server the PostgreSQL tests skip with the reason, except
under CI=true, where a missing server fails the run.
"""

import itertools
import os
from collections.abc import Iterator

import psycopg
import pytest
from hypothesis import HealthCheck, settings
from psycopg import sql
from psycopg.conninfo import make_conninfo

from tests.postgres_server import DSN_VARIABLE, find_server_programs, throwaway_cluster

ON_CI = os.environ.get("CI") == "true"

settings.register_profile("default", max_examples=100, deadline=None)
settings.register_profile(
    "ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if ON_CI else "default")

_schemas = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The DSN of a PostgreSQL server whose user may create databases."""
    given = os.environ.get(DSN_VARIABLE)
    if given:
        yield given
        return
    bindir = find_server_programs()
    if bindir is None:
        reason = (
            "no PostgreSQL server programs (pg_ctl on PATH or in /usr/lib/postgresql/*/bin)"
            f" and no {DSN_VARIABLE}"
        )
        if ON_CI:
            pytest.fail(f"CI needs PostgreSQL: {reason}")
        pytest.skip(reason)
    with throwaway_cluster(bindir) as dsn:
        yield dsn


@pytest.fixture
def postgres_dsn(postgres_server: str) -> Iterator[str]:
    """The DSN of a new, empty schema on the server (first in its search_path), dropped after.

    A schema, not a database: PostgreSQL creates one in well under a millisecond,
    a database in most of a second.
    """
    schema = f"mallcore_test_{os.getpid()}_{next(_schemas)}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    yield make_conninfo(postgres_server, options=f"-csearch_path={schema}")
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
