"""The suite passes on any date: the `dated` tests run again with the wall clock moved.

Each run is a subprocess with KONTAKT_TEST_SHIFT set, which tests/conftest.py turns into a
time-machine travel for the whole session: a test or a code path that reads the real clock
behind kontakt.clock's back (a creation stamp, a trash date) shows up as a failure here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
# A leap day ahead (29 February exists, 28 February is the day before) and a day long past
# (before every fixed "today" the tests use, so "added today" lands before their dates).
SHIFTS = ["2028-02-29", "2019-06-15"]
MARKED = re.compile(r"pytest\.mark\.dated\b|^pytestmark = pytest\.mark\.dated", re.M)


def dated_files() -> list[Path]:
    return sorted(p for p in TESTS.rglob("test_*.py") if p.name != Path(__file__).name
                  and MARKED.search(p.read_text(encoding="utf-8")))


def test_the_dated_tests_are_found():
    found = {p.relative_to(TESTS).as_posix() for p in dated_files()}
    # The ones that failed under a shifted clock before their stamps were pinned.
    assert {"unit/test_store.py", "unit/test_trash.py", "unit/test_import_merge.py",
            "unit/test_clock.py"} <= found


@pytest.mark.skipif(bool(os.environ.get("KONTAKT_TEST_SHIFT")), reason="already shifted")
@pytest.mark.parametrize("day", SHIFTS)
def test_the_dated_tests_pass_with_the_clock_moved_to(day, tmp_path):
    env = {**os.environ, "KONTAKT_TEST_SHIFT": day}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-o", "addopts=", "-q", "-p", "no:cacheprovider",
         "-m", "dated", "--basetemp", str(tmp_path / "run"), *map(str, dated_files())],
        cwd=TESTS.parent, env=env, capture_output=True, text=True, timeout=200,
    )
    tail = (result.stdout + result.stderr)[-3000:]
    assert result.returncode == 0, tail
    # The interesting branch ran: dated tests were selected and ran under the moved clock
    # (test_clock checks the session's clock shows `day`).
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed and int(passed[1]) >= 20, tail
    assert "failed" not in result.stdout and "error" not in result.stdout.lower(), tail
