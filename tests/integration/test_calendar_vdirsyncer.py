"""The calendar folder through vdirsyncer: kontakt's folder ⇄ a second folder standing in for
the phone (filesystem ⇄ filesystem, the same engine that talks CalDAV). A to-do ticked off
there is done in the book; one deleted there goes to the trash; both folders agree after."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from icalendar import Calendar

from kontakt.domain import Birthday
from kontakt.services.calendar_sync import sync_calendar_dir
from kontakt.store import Book
from kontakt.store.records import trashed_records

VDIRSYNCER = Path(sys.executable).parent / "vdirsyncer"
AS_OF = date(2026, 11, 23)
pytestmark = pytest.mark.skipif(not VDIRSYNCER.exists(), reason="vdirsyncer is not installed")


def vdirsyncer(config: Path, *args: str) -> str:
    done = subprocess.run([str(VDIRSYNCER), "-c", str(config), *args], input="y\n" * 4,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def summaries(folder: Path) -> dict[str, str]:
    """SUMMARY (with the to-do's note) → STATUS or 'event', over every file of the folder."""
    found = {}
    for path in folder.glob("*.ics"):
        for item in Calendar.from_ical(path.read_bytes()).walk():
            if item.name == "VTODO":
                found[f"{item['SUMMARY']}: {item.get('DESCRIPTION', '')}"] = str(item["STATUS"])
            elif item.name == "VEVENT":
                found[str(item["SUMMARY"])] = "event"
    return found


def calendar_pair(tmp_path: Path):
    """kontakt's calendar folder, the far side's, a vdirsyncer config pairing them (the far
    side wins a conflict, as a phone's edit should) and a kontakt sync of the first."""
    mine, phone = tmp_path / "kontakt-calendar", tmp_path / "phone"
    mine.mkdir(), phone.mkdir()
    config = tmp_path / "vdirsyncer.conf"
    config.write_text(
        f'[general]\nstatus_path = "{tmp_path / "status"}/"\n\n'
        '[pair calendar]\na = "kontakt_side"\nb = "phone_side"\ncollections = null\n'
        'conflict_resolution = "b wins"\n\n'
        f'[storage kontakt_side]\ntype = "filesystem"\npath = "{mine}/"\nfileext = ".ics"\n\n'
        f'[storage phone_side]\ntype = "filesystem"\npath = "{phone}/"\nfileext = ".ics"\n'
    )

    def kontakt_sync(book):
        return sync_calendar_dir(book, mine, dry_run=False, keep_in_touch=False, today=AS_OF,
                                 now=datetime(2026, 11, 23, 8, tzinfo=timezone.utc))

    return mine, phone, config, kontakt_sync


def test_a_to_do_ticked_off_and_one_deleted_on_the_far_side_reach_the_book(tmp_path):
    mine, phone, config, kontakt_sync = calendar_pair(tmp_path)

    with Book.open(tmp_path / "kontakt.db") as book:
        olga = book.add_contact("Olga", today=AS_OF, birthday=Birthday(3, 1, 1980))
        book.add_follow_up(olga, due=date(2026, 11, 25), note="call about the move")
        book.add_follow_up(olga, due=date(2026, 11, 26), note="send the photos")
        assert len(kontakt_sync(book).written) == 3
        vdirsyncer(config, "discover", "calendar")
        vdirsyncer(config, "sync", "calendar")
        assert summaries(phone) == summaries(mine) == {
            "Birthday: Olga": "event",
            "Follow up: Olga: call about the move": "NEEDS-ACTION",
            "Follow up: Olga: send the photos": "NEEDS-ACTION",
        }

        # On the phone: one ticked off, one deleted. vdirsyncer names the phone's files itself.
        for path in phone.glob("*.ics"):
            text = path.read_bytes().decode()
            if "call about the move" in text:
                path.write_bytes(text.replace("STATUS:NEEDS-ACTION", "STATUS:COMPLETED").encode())
            elif "send the photos" in text:
                path.unlink()
        vdirsyncer(config, "sync", "calendar")
        report = kontakt_sync(book)
        assert report.completed == ["follow-up with Olga due 2026-11-25"]
        assert report.trashed == ["follow-up with Olga due 2026-11-26"]
        [done] = book.follow_ups_for(olga)
        assert (done.note, done.status) == ("call about the move", "done")
        assert [r.kind for r in trashed_records(book)] == ["follow-up"]

        vdirsyncer(config, "sync", "calendar")
        assert summaries(phone) == summaries(mine) == {
            "Birthday: Olga": "event",
            "Follow up: Olga: call about the move": "COMPLETED",
        }
        assert not kontakt_sync(book).changed


def test_a_to_do_cancelled_and_one_moved_earlier_on_the_far_side_stay_so(tmp_path):
    """The exploratory run's calendar bug: the next kontakt sync put both back as they were."""
    mine, phone, config, kontakt_sync = calendar_pair(tmp_path)

    def dues(folder: Path) -> dict[str, tuple[str, date]]:
        return {str(t["DESCRIPTION"]): (str(t["STATUS"]), t["DUE"].dt) for path in folder.glob("*.ics")
                for t in Calendar.from_ical(path.read_bytes()).walk("VTODO")}

    with Book.open(tmp_path / "kontakt.db") as book:
        olga = book.add_contact("Olga", today=AS_OF)
        book.add_follow_up(olga, due=date(2026, 12, 10), note="call about the move")
        book.add_follow_up(olga, due=date(2026, 12, 11), note="send the photos")
        kontakt_sync(book)
        vdirsyncer(config, "discover", "calendar")
        vdirsyncer(config, "sync", "calendar")

        # On the phone (tasks.org through DAVx5): one cancelled, one due a week earlier.
        for path in phone.glob("*.ics"):
            parsed = Calendar.from_ical(path.read_bytes())
            parsed["PRODID"] = "+//IDN tasks.org//android-130804//EN"
            [todo] = parsed.walk("VTODO")
            change = ({"STATUS": "CANCELLED"} if "move" in str(todo["DESCRIPTION"])
                      else {"DUE": date(2026, 12, 4)})
            for name, value in {**change, "LAST-MODIFIED": datetime(2026, 11, 23, 7, tzinfo=timezone.utc),
                                "SEQUENCE": 1}.items():
                todo.pop(name, None)
                todo.add(name, value)
            path.write_bytes(parsed.to_ical())
        vdirsyncer(config, "sync", "calendar")
        report = kontakt_sync(book)
        assert report.cancelled == ["follow-up with Olga due 2026-12-10"]
        assert report.moved == ["follow-up with Olga due 2026-12-11, now 2026-12-04"]
        [left] = book.follow_ups_for(olga)
        assert (left.note, left.due, left.status) == ("send the photos", date(2026, 12, 4), "open")

        vdirsyncer(config, "sync", "calendar")
        assert dues(phone) == dues(mine) == {"send the photos": ("NEEDS-ACTION", date(2026, 12, 4))}
        assert not kontakt_sync(book).changed
