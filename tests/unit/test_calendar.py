"""The iCalendar export: it parses, its UIDs are stable, birthdays repeat yearly (29 Feb too)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar

from kontakt.domain import Birthday, Cadence
from kontakt.services.calendar import export_ics
from kontakt.store import Book

AS_OF = date(2026, 11, 23)
STAMP = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def book(tmp_path: Path):
    with Book.open(tmp_path / "kontakt.db") as opened:
        yield opened


def events(book) -> dict[str, object]:
    calendar = Calendar.from_ical(export_ics(book, stamp=STAMP))
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


def test_follow_ups_keep_in_touch_dates_and_birthdays_become_all_day_events(book):
    olga = book.add_contact("Olga", today=AS_OF, cadence=Cadence(1, "month"))
    book.log_interaction([olga], on=date(2026, 11, 1), today=AS_OF)
    book.add_follow_up(olga, due=date(2026, 12, 3), note="ask about Graz; bring the book",
                       recurrence=Cadence(3, "month"))
    book.add_contact("Rafael", today=AS_OF, birthday=Birthday(11, 25, 1986))

    found = events(book)

    assert set(found) == {"Follow up: Olga", "Get in touch: Olga", "Birthday: Rafael"}
    follow_up = found["Follow up: Olga"]
    assert follow_up["DTSTART"].dt == date(2026, 12, 3)
    assert follow_up["DTEND"].dt == date(2026, 12, 4)
    assert str(follow_up["DESCRIPTION"]) == (
        "ask about Graz; bring the book\n(repeats every 3 months)"
    )
    assert found["Get in touch: Olga"]["DTSTART"].dt == date(2026, 12, 1)
    birthday = found["Birthday: Rafael"]
    assert birthday["DTSTART"].dt == date(1986, 11, 25)
    assert birthday["RRULE"]["FREQ"] == ["YEARLY"]
    assert all(str(e["TRANSP"]) == "TRANSPARENT" for e in found.values())


def test_a_second_export_has_the_same_uids_even_after_dates_move(book):
    olga = book.add_contact("Olga", today=AS_OF, cadence=Cadence(1, "week"),
                            birthday=Birthday(3, 1))
    book.add_follow_up(olga, due=AS_OF)
    first = {str(e["UID"]) for e in events(book).values()}

    book.log_interaction([olga], on=AS_OF, today=AS_OF)
    second = events(book)

    assert {str(e["UID"]) for e in second.values()} == first
    assert len(first) == 3
    assert second["Get in touch: Olga"]["DTSTART"].dt == date(2026, 11, 30)
    contact_uid = book.get_contact(olga).uid
    assert f"keep-in-touch-{contact_uid}@kontakt" in first
    assert f"birthday-{contact_uid}@kontakt" in first


def test_a_29_february_birthday_falls_on_28_february_in_other_years(book):
    book.add_contact("Leap", today=AS_OF, birthday=Birthday(2, 29, 1988))
    book.add_contact("Leap Yearless", today=AS_OF, birthday=Birthday(2, 29))

    found = events(book)

    for summary, start in (("Birthday: Leap", date(1988, 2, 29)),
                           ("Birthday: Leap Yearless", date(2000, 2, 29))):
        event = found[summary]
        assert event["DTSTART"].dt == start
        first = datetime.combine(start, datetime.min.time())
        rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=first)
        days = [d.date() for d in rule.between(datetime(2026, 1, 1), datetime(2029, 1, 1))]
        assert days == [date(2026, 2, 28), date(2027, 2, 28), date(2028, 2, 29)]


def test_a_year_less_birthday_repeats_from_a_leap_year(book):
    book.add_contact("Ada", today=AS_OF, birthday=Birthday(12, 10))
    event = events(book)["Birthday: Ada"]
    assert event["DTSTART"].dt == date(2000, 12, 10)
    assert "BYMONTHDAY" not in event["RRULE"]


def test_a_snoozed_follow_up_is_on_its_snooze_date_and_done_ones_are_left_out(book):
    olga = book.add_contact("Olga", today=AS_OF)
    snoozed = book.add_follow_up(olga, due=AS_OF, note="snoozed")
    book.snooze_follow_up(snoozed, until=date(2026, 12, 1))
    done = book.add_follow_up(olga, due=AS_OF, note="done")
    book.complete_follow_up(done, on=AS_OF)

    calendar = Calendar.from_ical(export_ics(book, stamp=STAMP))
    [event] = calendar.walk("VEVENT")
    assert str(event["DESCRIPTION"]) == "snoozed"
    assert event["DTSTART"].dt == date(2026, 12, 1)


def test_archived_and_trashed_contacts_are_not_exported(book):
    archived = book.add_contact("Archived", today=AS_OF, birthday=Birthday(1, 1))
    trashed = book.add_contact("Trashed", today=AS_OF, cadence=Cadence(1, "week"))
    book.archive(archived)
    book.trash_contact(trashed)
    assert Calendar.from_ical(export_ics(book, stamp=STAMP)).walk("VEVENT") == []


def test_names_with_ical_special_characters_round_trip(book):
    book.add_contact("Müller, Jürgen; \"JM\"", today=AS_OF, birthday=Birthday(5, 4))
    assert "Birthday: Müller, Jürgen; \"JM\"" in events(book)


def test_the_export_is_the_same_bytes_for_the_same_book_and_stamp(book):
    book.add_contact("Olga", today=AS_OF, cadence=Cadence(1, "week"), birthday=Birthday(3, 1))
    assert export_ics(book, stamp=STAMP) == export_ics(book, stamp=STAMP)
    assert export_ics(book, stamp=STAMP).startswith(b"BEGIN:VCALENDAR\r\n")


def test_a_birthday_on_the_last_day_of_year_9999_still_exports(book):
    # Such a birthday could be typed before kontakt refused year 9999; the book still holds
    # it, and the export used to fail for good with OverflowError on its DTEND.
    book.add_contact("Max", today=AS_OF, birthday=Birthday(12, 31, 9999, kept=True))
    book.add_contact("Rafael", today=AS_OF, birthday=Birthday(11, 25, 1986))

    found = events(book)

    last = found["Birthday: Max"]
    assert last["DTSTART"].dt == date(9999, 12, 31)
    assert "DTEND" not in last  # RFC 5545: a DATE start without an end lasts that day
    assert found["Birthday: Rafael"]["DTEND"].dt == date(1986, 11, 26)
