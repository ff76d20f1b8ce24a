"""Real clients read the calendar folder kontakt writes: khal lists its birthdays (29 February
on the 28th in other years, on the 29th in leap years) and skips the to-dos without a word."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from kontakt.domain import Birthday
from kontakt.services.calendar_sync import sync_calendar_dir
from kontakt.store import Book

KHAL = Path(sys.executable).parent / "khal"
AS_OF = date(2026, 11, 23)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("khal")
    with Book.open(root / "kontakt.db") as book:
        olga = book.add_contact("Olga O'Connor", today=AS_OF, birthday=Birthday(2, 29, 1988))
        book.add_contact("Jürgen Müller", today=AS_OF, birthday=Birthday(3, 2))
        book.add_follow_up(olga, due=date(2027, 2, 27), note="call about the move")
        report = sync_calendar_dir(book, root / "calendar", dry_run=False, keep_in_touch=False,
                                   today=AS_OF, now=datetime(2026, 11, 23, tzinfo=timezone.utc))
    assert len(report.written) == 3
    return root / "calendar"


def khal_list(folder: Path, start: str, days: int) -> subprocess.CompletedProcess:
    if not KHAL.exists():
        pytest.skip("khal is not installed (pip install khal)")
    config = folder.parent / "khal.conf"
    config.write_text(
        f"[calendars]\n[[kontakt]]\npath = {folder}\ntype = calendar\n"
        "[locale]\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n"
        "datetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\n"
        "local_timezone = UTC\ndefault_timezone = UTC\n"
        f"[sqlite]\npath = {folder.parent / 'khal.db'}\n"
    )
    return subprocess.run(
        [str(KHAL), "-c", str(config), "list", "--format", "{start-date} {title}", "--day-format", "",
         start, f"{days}d"],
        capture_output=True, text=True, timeout=60,
    )


def test_khal_lists_the_birthdays_from_the_folder_in_a_common_and_a_leap_year(folder):
    done = khal_list(folder, "2027-02-25", 400)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    assert lines == [
        "2027-02-28 Birthday: Olga O'Connor",
        "2027-03-02 Birthday: Jürgen Müller",
        "2028-02-29 Birthday: Olga O'Connor",
        "2028-03-02 Birthday: Jürgen Müller",
    ]
    assert "error" not in done.stderr.lower() and "warning" not in done.stderr.lower()
