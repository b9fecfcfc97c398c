"""The command line: ``mallcore demo`` and ``mallcore quote``, as a user runs them."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from mallcore.demo import run_demo
from mallcore.orders import OrderStatus

RULES = Path(__file__).parent / "pricing" / "data" / "singles_day.json"


def test_the_demo_completes_its_order_and_gives_back_the_unpaid_orders_stock() -> None:
    out = io.StringIO()

    order = run_demo(out)

    text = out.getvalue()
    assert order.status is OrderStatus.COMPLETED
    assert "Amount due:             190.00" in text
    assert "notification 2: already_applied" in text
    assert "alice: 0 points, 179 pending until the order completes" in text
    assert "her wallet: ['coupon-15'] used" in text
    assert "using it again is refused: coupon 'C" in text
    assert "cannot be used: used" in text
    assert "taken back; alice: 0 points" in text
    assert "alice: 123 points\n" in text
    assert "refund RMA-1 of ¥56.88 for longjing-250g x1 (七天无理由退货)" in text
    assert "order O-1002: 100 points take ¥1.00 off; payable ¥43.00" in text
    assert "alice: 123 points again" in text
    assert "O-1002: awaiting_payment -> cancelled (payment timeout)" in text
    assert text.rstrip().endswith("cup-white: 3 available again")


def test_python_dash_m_mallcore_demo_runs_and_exits_zero() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mallcore", "demo"], capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr
    assert "delivered -> completed" in result.stdout


def test_mallcore_quote_prices_a_rule_file() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mallcore", "quote", str(RULES)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "Payable:" in result.stdout


def test_mallcore_quote_of_a_missing_file_says_so_and_exits_two() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mallcore", "quote", "no-such-cart.json"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 2
    assert "cannot read no-such-cart.json" in result.stderr
