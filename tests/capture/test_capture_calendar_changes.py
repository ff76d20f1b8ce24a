"""A past event changed in the calendar after capture proposed it: the waiting proposal follows
(withdrawn when the event was cancelled, declined or deleted; moved with it to another day);
accepted and ignored proposals are never touched. The calendar is a vdir as vdirsyncer keeps
one from a CalDAV server: one event per .ics file, the server's PRODID, DTSTAMP, SEQUENCE and
LAST-MODIFIED rewritten on each edit."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from capture_helpers import ME, SINCE, make_book

from kontakt import clock
from kontakt.services import capture
from kontakt.store import capture as store

BERLIN = ZoneInfo("Europe/Berlin")
PRODID = "-//IDN nextcloud.com//Calendar app 4.7.4//EN"


@pytest.fixture
def book(tmp_path):
    book, ids = make_book(tmp_path / "book.db")
    book.ids = ids
    yield book
    book.close()


def vevent(uid: str, summary: str, start: datetime, *, attendees=(), sequence: int = 0,
           **props) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", datetime(2026, 11, 1, 8, tzinfo=timezone.utc) + timedelta(hours=sequence))
    event.add("last-modified", datetime(2026, 11, 1, 8, tzinfo=timezone.utc) + timedelta(hours=sequence))
    event.add("sequence", sequence)
    event.add("summary", summary)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(hours=1))
    organizer = icalendar.vCalAddress(f"mailto:{ME}")
    organizer.params["CN"] = "Me"
    event.add("organizer", organizer, encode=0)
    for address, partstat in attendees:
        attendee = icalendar.vCalAddress(f"mailto:{address}")
        attendee.params.update(PARTSTAT=partstat, ROLE="REQ-PARTICIPANT", RSVP="TRUE")
        event.add("attendee", attendee, encode=0)
    for name, value in props.items():
        event.add(name.replace("_", "-"), value)
    return event


def put(folder: Path, uid: str, *events) -> Path:
    """One object per file, named by its UID, as vdirsyncer's filesystem storage writes it."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    for event in events:
        calendar.add_component(event)
    path = folder / f"{uid}.ics"
    folder.mkdir(exist_ok=True)
    path.write_bytes(calendar.to_ical())
    return path


def scan(book, folder: Path):
    return capture.scan_calendar(book, [folder], now=clock.now(), since=SINCE, me=(ME,))


def waiting(book) -> dict[str, tuple[int, str, tuple[int, ...]]]:
    """title → (id, day, people) of the proposals waiting."""
    return {p.title: (p.id, p.date.isoformat(), p.contact_ids) for p in store.pending(book)}


ANNA = ("anna@example.com", "ACCEPTED")
BOB = ("bob@example.org", "ACCEPTED")


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=BERLIN)


def test_a_cancelled_declined_or_deleted_event_takes_its_waiting_proposal_with_it(book, tmp_path):
    folder = tmp_path / "personal"
    put(folder, "lunch", vevent("lunch", "Lunch", at(10), attendees=[ANNA]))
    put(folder, "coffee", vevent("coffee", "Coffee", at(11), attendees=[ANNA]))
    put(folder, "review", vevent("review", "Review", at(12), attendees=[ANNA, BOB]))
    put(folder, "walk", vevent("walk", "Walk", at(13), attendees=[BOB]))
    put(folder, "drinks", vevent("drinks", "Drinks", at(14), attendees=[ANNA]))
    assert scan(book, folder).new == 5
    anna = book.ids["anna"]

    put(folder, "lunch", vevent("lunch", "Lunch", at(10), attendees=[ANNA], sequence=1,
                                status="CANCELLED"))
    put(folder, "coffee", vevent("coffee", "Coffee", at(11), sequence=1,
                                 attendees=[ANNA, (ME, "DECLINED")]))
    put(folder, "review", vevent("review", "Review", at(12), sequence=1,
                                 attendees=[ANNA, ("bob@example.org", "DECLINED")]))
    put(folder, "walk", vevent("walk", "Walk", at(13), sequence=1,
                               attendees=[("bob@example.org", "DECLINED")]))
    (folder / "drinks.ics").unlink()
    (folder / "review.ics").rename(folder / "review-2.ics")  # a file renamed is no event deleted

    result = scan(book, folder)

    assert (result.new, result.scan.withdrawn, result.scan.moved) == (0, 4, 0)
    # Bob declined the review and left it; the walk had no one else, so it went.
    assert {title: people for title, (_, _, people) in waiting(book).items()} == {"Review": (anna,)}
    assert store.counts(book) == {"pending": 1, "accepted": 0, "ignored": 0}
    assert scan(book, folder).scan.withdrawn == 0  # settled: nothing more to do

    # Taken back on the phone: the event is proposed again.
    put(folder, "lunch", vevent("lunch", "Lunch", at(10), attendees=[ANNA], sequence=2))
    assert scan(book, folder).new == 1 and "Lunch" in waiting(book)


def test_a_moved_event_moves_its_waiting_proposal_and_never_touches_decided_ones(book, tmp_path):
    folder = tmp_path / "personal"
    put(folder, "lunch", vevent("lunch", "Lunch", at(10), attendees=[ANNA]))
    put(folder, "coffee", vevent("coffee", "Coffee", at(11), attendees=[ANNA]))
    put(folder, "tea", vevent("tea", "Tea", at(12), attendees=[ANNA]))
    put(folder, "later", vevent("later", "Later", at(13), attendees=[ANNA]))
    scan(book, folder)
    ids = {title: proposal_id for title, (proposal_id, _, _) in waiting(book).items()}
    store.accept(book, [ids["Coffee"]], today=clock.today())
    store.ignore(book, [ids["Tea"]])

    for uid, title in (("lunch", "Lunch"), ("coffee", "Coffee"), ("tea", "Tea")):
        put(folder, uid, vevent(uid, title, at(17), attendees=[ANNA], sequence=1))
    put(folder, "later", vevent("later", "Later", at(30), attendees=[ANNA], sequence=1))  # to come

    result = scan(book, folder)

    assert (result.new, result.scan.moved, result.scan.withdrawn) == (0, 1, 1)
    assert waiting(book) == {"Lunch": (ids["Lunch"], "2026-11-17", (book.ids["anna"],))}
    decided = {p.title: (p.status, p.date.isoformat())
               for p in (store.get(book, ids["Coffee"]), store.get(book, ids["Tea"]))}
    assert decided == {"Coffee": ("accepted", "2026-11-11"), "Tea": ("ignored", "2026-11-12")}
    assert scan(book, folder).new == 0  # not proposed again on the new day either


def test_a_moved_occurrence_of_a_series_moves_its_proposal_and_an_unreadable_file_withdraws_nothing(book, tmp_path):
    folder = tmp_path / "personal"
    series = vevent("weekly", "1:1", at(2, 9), attendees=[ANNA], rrule={"freq": "weekly", "count": 3})
    path = put(folder, "weekly", series)
    assert scan(book, folder).new == 3  # 2, 9 and 16 November
    moved = vevent("weekly", "1:1", at(11, 9), attendees=[ANNA], sequence=1,
                   recurrence_id=at(9, 9))
    put(folder, "weekly", series, moved)

    result = scan(book, folder)

    assert (result.new, result.scan.moved, result.scan.withdrawn) == (0, 1, 0)
    assert sorted(p.date.isoformat() for p in store.pending(book)) == ["2026-11-02", "2026-11-11", "2026-11-16"]

    path.write_bytes(path.read_bytes()[:200])  # a half-synced file: read nothing, take nothing
    broken = scan(book, folder)
    assert len(broken.scan.unreadable) == 1 and broken.scan.withdrawn == 0
    assert len(store.pending(book)) == 3
    path.unlink()  # gone for good: its proposals go
    assert scan(book, folder).scan.withdrawn == 3 and store.pending(book) == []


def test_a_scan_of_another_folder_leaves_the_first_folders_proposals_alone(book, tmp_path):
    put(tmp_path / "work", "lunch", vevent("lunch", "Lunch", at(10), attendees=[ANNA]))
    put(tmp_path / "personal", "walk", vevent("walk", "Walk", at(11), attendees=[BOB]))
    scan(book, tmp_path / "work")
    scan(book, tmp_path / "personal")

    result = scan(book, tmp_path / "personal")

    assert result.scan.withdrawn == 0 and set(waiting(book)) == {"Lunch", "Walk"}
    # Nor does a scan that looks back less far than the day of a waiting proposal.
    later = capture.scan_calendar(book, [tmp_path / "work"], now=clock.now(),
                                  since=at(15).date(), me=(ME,))
    assert later.scan.events == 0 and later.scan.withdrawn == 0 and "Lunch" in waiting(book)


def test_the_cli_says_what_was_withdrawn_and_json_counts_it(book, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from kontakt.cli import main

    folder = tmp_path / "personal"
    put(folder, "lunch", vevent("lunch", "Lunch", at(10), attendees=[ANNA]))
    db = str(tmp_path / "book.db")
    book.close()
    runner = CliRunner()
    args = ["capture", "calendar", str(folder), "--me", ME, "--since", SINCE.isoformat(), "--db", db]
    assert runner.invoke(main, args).exit_code == 0
    put(folder, "lunch", vevent("lunch", "Lunch", at(10), attendees=[ANNA], sequence=1, status="CANCELLED"))

    result = runner.invoke(main, args)

    assert result.exit_code == 0, result.output
    assert "1 waiting proposal(s) withdrawn (event cancelled, declined or deleted), 0 moved" in result.output
    put(folder, "lunch", vevent("lunch", "Lunch", at(10), attendees=[ANNA], sequence=2))
    import json

    data = json.loads(runner.invoke(main, [*args, "--json"]).output)
    assert (data["new"], data["withdrawn"], data["moved"]) == (1, 0, 0)
    assert "past_keys" not in data and "seen_uids" not in data


def test_a_file_deleted_is_seen_however_the_folder_is_named(book, tmp_path):
    folder = tmp_path / "personal"
    path = put(folder, "lunch", vevent("lunch", "Lunch", at(10), attendees=[ANNA]))
    link = tmp_path / "link"
    link.symlink_to(folder)
    scan(book, link)
    path.unlink()

    result = scan(book, folder)

    assert result.scan.withdrawn == 1 and store.pending(book) == []
