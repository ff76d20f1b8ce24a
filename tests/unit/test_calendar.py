"""The iCalendar export: it parses, its UIDs are stable, birthdays repeat yearly (29 Feb too),
follow-ups are to-dos with an alarm (snoozes move DUE; done ones are COMPLETED, then gone)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from dateutil.rrule import rrulestr
from icalendar import Calendar

from kontakt.domain import Birthday, Cadence
from kontakt.services.calendar import export_ics

AS_OF = date(2026, 11, 23)
STAMP = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)



def exported(book, today: date = AS_OF) -> Calendar:
    return Calendar.from_ical(export_ics(book, stamp=STAMP, today=today))


def events(book) -> dict[str, object]:
    calendar = exported(book)
    return {str(item["SUMMARY"]): item for item in calendar.walk("VEVENT") + calendar.walk("VTODO")}


def test_follow_ups_are_to_dos_and_keep_in_touch_dates_and_birthdays_all_day_events(book):
    olga = book.add_contact("Olga", today=AS_OF, cadence=Cadence(1, "month"))
    book.log_interaction([olga], on=date(2026, 11, 1), today=AS_OF)
    book.add_follow_up(olga, due=date(2026, 12, 3), note="ask about Graz; bring the book",
                       recurrence=Cadence(3, "month"))
    book.add_contact("Rafael", today=AS_OF, birthday=Birthday(11, 25, 1986))

    found = events(book)

    assert set(found) == {"Follow up: Olga", "Get in touch: Olga", "Birthday: Rafael"}
    follow_up = found["Follow up: Olga"]
    assert follow_up.name == "VTODO"
    assert follow_up["DUE"].dt == date(2026, 12, 3)
    assert "DTSTART" not in follow_up and "DTEND" not in follow_up
    assert str(follow_up["STATUS"]) == "NEEDS-ACTION"
    assert str(follow_up["DESCRIPTION"]) == (
        "ask about Graz; bring the book\n(repeats every 3 months)"
    )
    [alarm] = follow_up.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm["TRIGGER"].params["RELATED"] == "END"
    assert alarm["TRIGGER"].dt == timedelta(hours=9)  # 09:00 on the day it is due
    assert found["Get in touch: Olga"]["DTSTART"].dt == date(2026, 12, 1)
    birthday = found["Birthday: Rafael"]
    assert birthday["DTSTART"].dt == date(1986, 11, 25)
    assert birthday["RRULE"]["FREQ"] == ["YEARLY"]
    assert all(str(e["TRANSP"]) == "TRANSPARENT" for e in found.values() if e.name == "VEVENT")


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


def test_a_snoozed_follow_up_is_due_on_its_snooze_date_and_a_done_one_is_completed_then_gone(book):
    olga = book.add_contact("Olga", today=AS_OF)
    snoozed = book.add_follow_up(olga, due=AS_OF, note="snoozed")
    book.snooze_follow_up(snoozed, until=date(2026, 12, 1))
    done = book.add_follow_up(olga, due=date(2026, 11, 20), note="done")
    book.complete_follow_up(done, on=AS_OF)

    todos = {str(t["DESCRIPTION"]): t for t in exported(book).walk("VTODO")}
    assert set(todos) == {"snoozed", "done"}
    assert todos["snoozed"]["DUE"].dt == date(2026, 12, 1)
    assert str(todos["snoozed"]["STATUS"]) == "NEEDS-ACTION"
    # Re-importing ticks it off where an earlier export put it open: same UID, COMPLETED.
    assert str(todos["done"]["STATUS"]) == "COMPLETED"
    assert todos["done"]["COMPLETED"].dt.date() == AS_OF
    assert todos["done"].walk("VALARM") == []
    # A month later it no longer lingers.
    later = exported(book, today=AS_OF + timedelta(days=31)).walk("VTODO")
    assert [str(t["DESCRIPTION"]) for t in later] == ["snoozed"]


def test_archived_and_trashed_contacts_are_not_exported(book):
    archived = book.add_contact("Archived", today=AS_OF, birthday=Birthday(1, 1))
    trashed = book.add_contact("Trashed", today=AS_OF, cadence=Cadence(1, "week"))
    book.add_follow_up(trashed, due=AS_OF)
    book.add_follow_up(archived, due=AS_OF)
    book.archive(archived)
    book.trash_contact(trashed)
    assert exported(book).walk("VEVENT") == [] and exported(book).walk("VTODO") == []


def test_names_with_ical_special_characters_round_trip(book):
    book.add_contact("Müller, Jürgen; \"JM\"", today=AS_OF, birthday=Birthday(5, 4))
    assert "Birthday: Müller, Jürgen; \"JM\"" in events(book)


def test_the_export_is_the_same_bytes_for_the_same_book_and_stamp(book):
    book.add_contact("Olga", today=AS_OF, cadence=Cadence(1, "week"), birthday=Birthday(3, 1))
    assert export_ics(book, stamp=STAMP, today=AS_OF) == export_ics(book, stamp=STAMP, today=AS_OF)
    assert export_ics(book, stamp=STAMP, today=AS_OF).startswith(b"BEGIN:VCALENDAR\r\n")


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
