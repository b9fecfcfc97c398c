"""``mallcore quote FILE`` on the worst inputs found, in a subprocess with bounded memory.

Each run gets an address space of 512 MiB (``resource.setrlimit`` before the
interpreter starts) and a 60 s watchdog: the watchdog guards against a hang,
it is not a timing assertion. The outcome is exit 0 or exit 2 with the JSON
path of the first problem; never a traceback.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fuzz.hostile import replace

DATA = Path(__file__).parent.parent / "pricing" / "data"
SAMPLE: Any = json.loads((DATA / "singles_day.json").read_text(encoding="utf-8"))
ADDRESS_SPACE = 512 * 1024 * 1024
WATCHDOG_SECONDS = 60


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def _quote(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mallcore", "quote", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=WATCHDOG_SECONDS,
        preexec_fn=_limit_memory,
    )


def _sample_with(path: tuple[Any, ...], value: object) -> bytes:
    return json.dumps(replace(SAMPLE, path, lambda _: value)).encode()


def _biggest_accepted_cart() -> bytes:
    """The sample's catalog with as many units as the default limits allow, on 500 lines."""
    items = [{"sku_id": "tea-250g", "quantity": 200, "line_id": f"l{n}"} for n in range(500)]
    return json.dumps({**SAMPLE, "cart": items}).encode()


WORST: list[tuple[str, bytes, int, str]] = [
    ("nested 100,000 deep", b"[" * 100_000 + b"]" * 100_000, 2, "json_depth"),
    ("2 MiB of spaces", b" " * (2 * 1024 * 1024), 2, "document_bytes"),
    ("an integer of 5,000 digits", b'{"cart": ' + b"1" * 5000 + b"}", 2, "$"),
    ("a top-level array", b"[]", 2, "$: must be a JSON object"),
    ("not UTF-8", b"\xff\xfe{}", 2, "not UTF-8"),
    ("10^30 units", _sample_with(("cart", 0, "quantity"), 10**30), 2, "$.cart[0].quantity"),
    ("2^63 units", _sample_with(("cart", 0, "quantity"), 2**63), 2, "$.cart[0].quantity"),
    ("10^8 units", _sample_with(("cart", 0, "quantity"), 10**8), 2, "$.cart[0].quantity"),
    (
        "valid_days 1e9",
        _sample_with(("customer", "wallet", 1, "valid_days"), 1e9),
        2,
        "$.customer.wallet[1]",
    ),
    ("the most units the limits allow", _biggest_accepted_cart(), 0, "Payable:"),
]


@pytest.mark.parametrize(
    ("content", "status", "said"),
    [pytest.param(content, status, said, id=name) for name, content, status, said in WORST],
)
def test_the_cli_ends_every_worst_input_with_exit_0_or_2_in_bounded_memory(
    tmp_path: Path, content: bytes, status: int, said: str
) -> None:
    path = tmp_path / "rules.json"
    path.write_bytes(content)

    result = _quote(path)

    assert result.returncode == status, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert said in (result.stdout if status == 0 else result.stderr)
