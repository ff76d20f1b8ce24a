"""The benchmark harness runs end to end on a tiny book and prints every row of the budget.

Timings are not checked here (speed belongs in benchmarks/, not in the test suite): only
that each measurement of issue 7 ran and landed in the table and the JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

EXPECTED_ROWS = [
    "TUI: first frame",
    "TUI: rows read / widgets built at first frame",
    "Search: query per keystroke",
    "Search: keystroke → repainted list",
    "Search: searches run for",
    "Memory: TUI peak RSS",
    'CLI: python -c "import kontakt.cli" (the floor)',
    "CLI: heavy imports on `kontakt search`",
    "CLI: kontakt search Rosenberger --json",
    "CLI: kontakt today --json",
    "CLI: kontakt email --parsable",
    "CLI: heavy imports on `kontakt email --parsable`",
    "CLI: kontakt today --brief",
    "Transfer: import 200-row Google CSV",
    "Transfer: export csv",
    "Transfer: export vcard",
    "Transfer: export json",
]


def test_harness_prints_every_budget_row_at_a_tiny_size(tmp_path):
    report = tmp_path / "bench.json"
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "200", "--runs", "1",
         "--no-khard", "--import-rows", "200", "--quick", "--quiet", "--json", str(report)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    table = out.stdout
    for row in EXPECTED_ROWS:
        assert row in table, f"missing row {row!r} in:\n{table}"
    data = json.loads(report.read_text(encoding="utf-8"))
    budget_rows = [r for r in data["rows"] if r["budget"]]
    assert len(budget_rows) >= 12
    # Every budget line carries a verdict, never a blank.
    assert all(r["status"] in ("PASS", "PASS (cpu)", "MISS", "n/a") for r in budget_rows)
    # The list painted real rows from the book, and typing found people as it went.
    tui = data["raw"]["tui-200"]
    assert tui["seen"]["visible_rows"] > 0 and tui["seen"]["count"] > 100
    assert tui["typing"]["matches"]["r"] > 0
    assert tui["typing"]["fast_typing_searches"], "fast typing ran no search at all"
    assert data["machine"]["cores"] and data["raw"]["load_start"]
