"""Capture from calendars: recurrences with exceptions, time zones, all-day events, declined
and cancelled events, titles that name people or a circle; made here with `icalendar`."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from kontakt import clock
from kontakt.services import capture
from kontakt.store import capture as store

from capture_helpers import ME, SINCE, TODAY, make_book

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def event(uid: str, summary: str, start, *, attendees=(), organizer=None, **props) -> icalendar.Event:
    e = icalendar.Event()
    e.add("uid", uid)
    e.add("summary", summary)
    e.add("dtstart", start)
    if isinstance(start, datetime):
        e.add("dtend", start + timedelta(hours=1))
    for address, partstat in attendees:
        attendee = icalendar.vCalAddress(f"mailto:{address}")
        attendee.params["PARTSTAT"] = partstat
        e.add("attendee", attendee, encode=0)
    if organizer:
        e.add("organizer", icalendar.vCalAddress(f"mailto:{organizer}"), encode=0)
    for key, value in props.items():
        e.add(key.replace("_", "-"), value)
    return e


def write(path, *events) -> None:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//kontakt tests//")
    cal.add("version", "2.0")
    for e in events:
        cal.add_component(e)
    path.write_bytes(cal.to_ical())


def weekly_with_exceptions(tmp_path):
    """Mondays 09:00 Berlin from 5 Oct with Anna (I organise): 19 Oct left out (EXDATE),
    26 Oct moved to Wednesday 28th, 9 Nov cancelled, 30 Nov still to come."""
    start = datetime(2026, 10, 5, 9, tzinfo=BERLIN)
    series = event("weekly-1", "1:1 Anna", start, attendees=[("anna@example.com", "ACCEPTED")],
                   organizer=ME, rrule={"freq": "weekly", "count": 12},
                   exdate=datetime(2026, 10, 19, 9, tzinfo=BERLIN))
    moved = event("weekly-1", "1:1 Anna (moved)", datetime(2026, 10, 28, 9, tzinfo=BERLIN),
                  attendees=[("anna@example.com", "ACCEPTED")], organizer=ME,
                  recurrence_id=datetime(2026, 10, 26, 9, tzinfo=BERLIN))
    cancelled = event("weekly-1", "1:1 Anna", datetime(2026, 11, 9, 9, tzinfo=BERLIN),
                      attendees=[("anna@example.com", "ACCEPTED")], organizer=ME,
                      recurrence_id=datetime(2026, 11, 9, 9, tzinfo=BERLIN), status="CANCELLED")
    path = tmp_path / "weekly.ics"
    write(path, series, moved, cancelled)
    return path


@pytest.fixture
def book(tmp_path):
    book, ids = make_book(tmp_path / "book.db")
    book.ids = ids
    yield book
    book.close()


def scan(book, *paths, since=SINCE):
    return capture.scan_calendar(book, list(paths), now=clock.now(), since=since, me=(ME,))


def test_a_weekly_series_gives_its_past_occurrences_with_exceptions_applied(book, tmp_path):
    result = scan(book, weekly_with_exceptions(tmp_path))
    days = [p.date.isoformat() for p in store.pending(book)]
    # Today is Monday 23 Nov, 12:00: its 09:00 meeting is past; 30 Nov is not.
    assert days == ["2026-10-05", "2026-10-12", "2026-10-28", "2026-11-02", "2026-11-16", "2026-11-23"]
    assert result.scan.cancelled == 1
    proposals = store.pending(book)
    assert {p.contact_ids for p in proposals} == {(book.ids["anna"],)}
    assert {p.direction for p in proposals} == {"me"}  # I organise it
    assert [p.title for p in proposals][2] == "1:1 Anna (moved)"
    # Keyed by UID and occurrence: the moved one keeps its original slot as its key.
    keys = {p.key for p in proposals}
    assert "cal:weekly-1@2026-10-26T09:00:00+01:00" in keys


def test_scanning_again_proposes_nothing_new_and_decided_ones_never_come_back(book, tmp_path):
    path = weekly_with_exceptions(tmp_path)
    first = scan(book, path)
    assert first.new == 6
    ids = [p.id for p in store.pending(book)]
    store.accept(book, ids[:2], today=clock.today())
    store.ignore(book, ids[2:4])
    again = scan(book, path)
    assert again.new == 0 and again.scan.events == 7
    assert len(store.pending(book)) == 2
    assert store.counts(book) == {"pending": 2, "accepted": 2, "ignored": 2}


def test_time_zones_put_an_event_on_the_local_day(book, tmp_path):
    # 23:30 in New York on 3 Nov is 05:30 on 4 Nov in Berlin (the machine's zone here).
    path = tmp_path / "tz.ics"
    write(path, event("tz-1", "Call with Bob", datetime(2026, 11, 3, 23, 30, tzinfo=NEW_YORK),
                      attendees=[("bob@example.org", "ACCEPTED")]))
    scan(book, path)
    [proposal] = store.pending(book)
    assert proposal.date == date(2026, 11, 4) and proposal.kind == "call"


def test_all_day_events_and_titles_name_people_and_circles(book, tmp_path):
    vdir = tmp_path / "vdir"
    vdir.mkdir()
    write(vdir / "a.ics", event("a", "Party at Olga's", date(2026, 11, 14)))
    write(vdir / "b.ics", event("b", "#breakfast at Café Luitpold", datetime(2026, 11, 12, 8, tzinfo=BERLIN)))
    write(vdir / "c.ics", event("c", "Lunch with Max", datetime(2026, 11, 13, 12, tzinfo=BERLIN)))  # two Max
    write(vdir / "d.ics", event("d", "Dentist", datetime(2026, 11, 13, 15, tzinfo=BERLIN)))
    write(vdir / "e.ics", event("e", "Coffee with Max Planck", date(2026, 11, 20)))
    write(vdir / "f.ics", event("f", "Olga's farewell", date(2026, 12, 20)))  # to come
    write(vdir / "g.ics", event("g", "eva: who will olga invite", date(2026, 11, 9)))  # lower case: no one
    (vdir / "broken.ics").write_text("BEGIN:VCALENDAR\nthis is not\n", encoding="utf-8")
    result = scan(book, vdir)
    found = {p.title: (p.date.isoformat(), set(p.contact_ids)) for p in store.pending(book)}
    ids = book.ids
    assert found == {
        "Party at Olga's": ("2026-11-14", {ids["olga"]}),
        "#breakfast at Café Luitpold": ("2026-11-12", {ids["olga"], ids["eva"]}),
        "Coffee with Max Planck": ("2026-11-20", {ids["max2"]}),
    }
    assert result.scan.unmatched == 3  # the ambiguous Max, the dentist, the lower-case names
    assert len(result.scan.unreadable) == 1 and "broken.ics" in result.scan.unreadable[0]


def test_declined_cancelled_and_unknown_people_are_left_out(book, tmp_path):
    path = tmp_path / "mixed.ics"
    day = datetime(2026, 11, 10, 10, tzinfo=BERLIN)
    write(
        path,
        event("declined-by-me", "Offsite", day, attendees=[(ME, "DECLINED"), ("anna@example.com", "ACCEPTED")]),
        event("anna-declined", "Review", day, attendees=[("anna@example.com", "DECLINED"),
                                                         ("BOB@example.org", "ACCEPTED")]),
        event("cancelled", "Dinner", day, attendees=[("anna@example.com", "ACCEPTED")], status="CANCELLED"),
        event("strangers", "Sync", day, attendees=[("x@elsewhere.example", "ACCEPTED")]),
        event("archived", "Tea", day, attendees=[("otto@example.com", "ACCEPTED")]),
        event("by-them", "Their invite", day, organizer="eva@example.net",
              attendees=[(ME, "ACCEPTED")], location="https://meet.google.com/abc"),
    )
    result = scan(book, path)
    found = {p.title: p for p in store.pending(book)}
    assert set(found) == {"Review", "Their invite"}
    assert found["Review"].contact_ids == (book.ids["bob"],) and found["Review"].kind == "meeting"
    assert found["Their invite"].direction == "them" and found["Their invite"].kind == "call"
    assert (result.scan.declined, result.scan.cancelled, result.scan.unmatched) == (1, 1, 2)


def test_a_title_rule_keeps_matching_events_out(book, tmp_path):
    store.add_rule(book, "title", "1:1*")
    result = scan(book, weekly_with_exceptions(tmp_path))
    assert result.new == 0 and result.scan.ruled_out == 6


def test_since_limits_how_far_back_a_scan_looks(book, tmp_path):
    result = scan(book, weekly_with_exceptions(tmp_path), since=date(2026, 11, 10))
    assert [p.date.isoformat() for p in store.pending(book)] == ["2026-11-16", "2026-11-23"]
    assert result.new == 2


def test_a_missing_path_is_refused_by_name(book, tmp_path):
    with pytest.raises(capture.CalendarError, match="nowhere"):
        scan(book, tmp_path / "nowhere")


def test_a_series_more_often_than_daily_is_one_proposal_a_day(book, tmp_path):
    """An hourly invite from 20 Nov, 09:00 (the clock is 23 Nov, 12:00): 76 past occurrences,
    which were 76 proposals (a FREQ=MINUTELY one made ~50,000). One a day, with its people."""
    path = tmp_path / "hourly.ics"
    write(path, event("hourly-1", "ping", datetime(2026, 11, 20, 9, tzinfo=BERLIN),
                      attendees=[("anna@example.com", "ACCEPTED")], rrule={"freq": "hourly"}))
    result = scan(book, path)
    assert result.scan.events > 70  # every occurrence was looked at
    days = [p.date.isoformat() for p in store.pending(book)]
    assert days == ["2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23"]
    assert result.new == 4


def test_merging_two_people_keeps_their_waiting_proposals_with_the_kept_one(book, tmp_path):
    """A proposal naming the merged-away person waited for someone in the trash: accepting it
    said so, and a new scan skipped it as known. It names the kept person now."""
    from kontakt.store.history import undo
    from kontakt.store.merge import apply_merge

    path = tmp_path / "lunch.ics"
    write(path, event("lunch-1", "Work lunch", datetime(2026, 11, 10, 12, tzinfo=BERLIN),
                      attendees=[("eva@example.net", "ACCEPTED")]),
          event("lunch-2", "Team lunch", datetime(2026, 11, 12, 12, tzinfo=BERLIN),
                attendees=[("eva@example.net", "ACCEPTED"), ("anna@example.com", "ACCEPTED")]))
    assert scan(book, path).new == 2
    apply_merge(book, book.ids["anna"], book.ids["eva"], {}, today=TODAY)
    waiting = store.pending(book)
    assert [p.contact_ids for p in waiting] == [(book.ids["anna"],)] * 2  # Eva is Anna now, once
    assert scan(book, path).new == 0  # and nothing comes twice
    undo(book)  # the merge's undo step puts the proposals back as they were
    assert [sorted(p.contact_ids) for p in store.pending(book)] == [
        [book.ids["eva"]], sorted([book.ids["anna"], book.ids["eva"]])]


# Exported as Thunderbird writes a calendar (VTIMEZONE, CRLF), with one VEVENT that lost its
# DTSTART (RFC 5545 requires it; hand-edited and some converted exports lack it) and a task
# without one (allowed for a VTODO).
CALENDAR_WITH_A_STARTLESS_EVENT = (
    "BEGIN:VCALENDAR\r\nPRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN\r\nVERSION:2.0\r\n"
    "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\n"
    "TZOFFSETTO:+0100\r\nTZNAME:CET\r\nDTSTART:19701025T030000\r\n"
    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
    "BEGIN:VEVENT\r\nUID:lunch-anna\r\nDTSTAMP:20261101T000000Z\r\n"
    "DTSTART;TZID=Europe/Berlin:20261120T120000\r\nDTEND;TZID=Europe/Berlin:20261120T130000\r\n"
    "SUMMARY:Lunch\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:anna@example.com\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:no-start-1\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Plan something\r\n"
    "ATTENDEE:mailto:bob@example.org\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:No UID either\r\nEND:VEVENT\r\n"
    "BEGIN:VTODO\r\nUID:task-1\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:Call Bob\r\nEND:VTODO\r\n"
    "BEGIN:VEVENT\r\nUID:coffee-olga\r\nDTSTAMP:20261101T000000Z\r\nDTSTART;VALUE=DATE:20261118\r\n"
    "SUMMARY:Coffee with Olga\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


def test_an_event_without_a_start_is_skipped_by_name_and_the_rest_of_its_file_is_read(book, tmp_path):
    path = tmp_path / "home.ics"
    path.write_bytes(CALENDAR_WITH_A_STARTLESS_EVENT.encode("utf-8"))
    result = scan(book, path)
    assert result.scan.unreadable == [] and result.scan.files == 1
    assert result.scan.skipped_events == [
        f"{path}: the event with UID no-start-1 has no start (DTSTART)",
        f"{path}: an event without UID titled 'No UID either' has no start (DTSTART)",
    ]
    found = {p.title: (p.date.isoformat(), p.contact_ids) for p in store.pending(book)}
    assert found == {"Lunch": ("2026-11-20", (book.ids["anna"],)),
                     "Coffee with Olga": ("2026-11-18", (book.ids["olga"],))}
    assert result.scan.events == 2 and result.new == 2
