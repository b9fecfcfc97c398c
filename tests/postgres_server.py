"""A throwaway PostgreSQL server for the test session.

The PostgreSQL tests need a server: the fixture ``postgres_server`` is its
DSN, and ``postgres_dsn`` the DSN of a new, empty schema on it for one test.
``MALLCORE_TEST_POSTGRES_DSN`` names an existing server (its user must be
allowed to create schemas); otherwise the session starts its own cluster
from the server programs it finds: ``pg_ctl`` on PATH, else the newest
``/usr/lib/postgresql/*/bin`` (Debian keeps them off PATH; ``.ci/run``
installs the ``postgresql`` package when neither exists).

initdb and postgres refuse to run as root, and CI runs as root: there they
run as the ``postgres`` system user the Debian package creates (runuser), in
a directory from ``tempfile.mkdtemp(dir="/tmp")`` handed to that user, since
pytest's own temporary directories are closed to everyone but root. The
server listens on a Unix socket in that directory only (no TCP port to
collide with; the socket path stays far under the 107-byte limit), with
fsync off: the data dies with the session.

Without a server the PostgreSQL tests skip with the reason, except under
CI=true, where a missing server fails the run. The conftest files of tests/
and benchmarks/ import the two fixtures from here.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

__all__ = [
    "DSN_VARIABLE",
    "find_server_programs",
    "postgres_dsn",
    "postgres_server",
    "server_for_scripts",
    "throwaway_cluster",
]

DSN_VARIABLE = "MALLCORE_TEST_POSTGRES_DSN"
SERVER_USER = "postgres"
ON_CI = os.environ.get("CI") == "true"


class ServerNotStarted(RuntimeError):
    """A server program failed: the command and everything it printed."""


def _version(bindir: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in bindir.parent.name.split(".") if part.isdigit())


def find_server_programs() -> Path | None:
    """The directory holding pg_ctl, initdb and postgres, or None when there is no server."""
    on_path = shutil.which("pg_ctl")
    if on_path is not None:
        return Path(on_path).resolve().parent
    debian = sorted(
        (path.parent for path in Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")), key=_version
    )
    return debian[-1] if debian else None


def _run(command: list[str | Path]) -> None:
    done = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise ServerNotStarted(
            f"{' '.join(map(str, command))} exited {done.returncode}:\n{done.stdout}{done.stderr}"
        )


@contextlib.contextmanager
def throwaway_cluster(bindir: Path) -> Iterator[str]:
    """A new cluster, started and (at the end) stopped and deleted; yields its libpq DSN."""
    as_root = os.geteuid() == 0
    prefix: list[str | Path] = ["runuser", "-u", SERVER_USER, "--"] if as_root else []
    home = Path(tempfile.mkdtemp(prefix="mallcore-pg-", dir="/tmp"))
    try:
        if as_root:
            try:
                owner = pwd.getpwnam(SERVER_USER)
            except KeyError:
                raise ServerNotStarted(
                    f"initdb cannot run as root and there is no {SERVER_USER!r} user to run it"
                ) from None
            os.chown(home, owner.pw_uid, owner.pw_gid)
        data = home / "data"
        _run(
            [
                *prefix,
                bindir / "initdb",
                "--no-sync",
                "--auth=trust",
                "--username=postgres",
                "--encoding=UTF8",
                "--locale=C",
                f"--pgdata={data}",
            ]
        )
        options = f"-c listen_addresses='' -k {home} -c fsync=off -c full_page_writes=off"
        log = home / "server.log"
        _run(
            [
                *prefix,
                bindir / "pg_ctl",
                "start",
                "--wait",
                f"--pgdata={data}",
                f"--log={log}",
                f"--options={options}",
            ]
        )
        try:
            yield f"host={home} dbname=postgres user=postgres"
        finally:
            _run([*prefix, bindir / "pg_ctl", "stop", "--wait", "--mode=fast", f"--pgdata={data}"])
    finally:
        shutil.rmtree(home, ignore_errors=True)


@contextlib.contextmanager
def server_for_scripts(dsn: str | None = None) -> Iterator[str]:
    """A server for the scripts of benchmarks/: ``dsn``, else ``MALLCORE_TEST_POSTGRES_DSN``,
    else a throwaway cluster (stopped at the end); exits saying why when there is none.
    """
    given = dsn or os.environ.get(DSN_VARIABLE)
    if given:
        yield given
        return
    bindir = find_server_programs()
    if bindir is None:
        raise SystemExit("no PostgreSQL server programs: install postgresql or set " + DSN_VARIABLE)
    with throwaway_cluster(bindir) as started:
        yield started


_schemas = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The DSN of a PostgreSQL server whose user may create schemas."""
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


@contextlib.contextmanager
def fresh_schema(server: str) -> Iterator[str]:
    """The DSN of a new, empty schema on ``server`` (first in its search_path), dropped after.

    A schema, not a database: PostgreSQL creates one in well under a millisecond,
    a database in most of a second.
    """
    schema = f"mallcore_test_{os.getpid()}_{next(_schemas)}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield make_conninfo(server, options=f"-csearch_path={schema}")
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def postgres_dsn(postgres_server: str) -> Iterator[str]:
    """The DSN of a new, empty schema on the session's server, dropped after the test."""
    with fresh_schema(postgres_server) as dsn:
        yield dsn
