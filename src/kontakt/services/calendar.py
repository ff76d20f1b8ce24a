"""The book as an iCalendar file: follow-ups, keep-in-touch due dates and yearly birthdays.

Every event's UID comes from the stored uid of its follow-up or contact, so a calendar that
re-imports a newer export updates its events instead of adding duplicates.
"""

from __future__ import annotations

from .. import clock
from datetime import date, datetime, timedelta, timezone

from ..domain.dates import parse_iso
from ..store import Book
from ..store import review_queries as q

PRODID = "-//kontakt//kontakt personal relationship manager//EN"
UID_DOMAIN = "kontakt"
# Year-less birthdays start in a leap year so 29 February exists in the first year.
YEARLESS_START_YEAR = 2000


def follow_up_uid(uid: str) -> str:
    return f"follow-up-{uid}@{UID_DOMAIN}"


def keep_in_touch_uid(contact_uid: str) -> str:
    return f"keep-in-touch-{contact_uid}@{UID_DOMAIN}"


def birthday_uid(contact_uid: str) -> str:
    return f"birthday-{contact_uid}@{UID_DOMAIN}"


def export_ics(book: Book, *, stamp: datetime | None = None) -> bytes:
    """The calendar as iCalendar bytes (RFC 5545). `stamp` is the DTSTAMP (default: now, UTC)."""
    # Imported here: icalendar is only needed for this export, and `kontakt` starts faster.
    from icalendar import Calendar, Event, vRecur

    stamp = (stamp or clock.now()).astimezone(timezone.utc)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "kontakt")

    def event(uid: str, summary: str, day: date, description: str = "") -> Event:
        item = Event()
        item.add("uid", uid)
        item.add("dtstamp", stamp)
        item.add("summary", summary)
        item.add("dtstart", day)
        if day < date.max:
            item.add("dtend", day + timedelta(days=1))
        # else: no day after 9999-12-31 (a date stored before kontakt refused such years);
        # RFC 5545 reads a DATE start without an end as lasting that one day.
        # Reminders, not appointments: they should not show the day as busy.
        item.add("transp", "TRANSPARENT")
        item.add("categories", ["kontakt"])
        if description:
            item.add("description", description)
        return item

    follow_ups, due, birthdays = q.calendar_rows(book)
    for row in follow_ups:
        day = date.fromisoformat(row["due"])
        snoozed = parse_iso(row["snoozed_until"])
        if snoozed and snoozed > day:
            day = snoozed
        description = row["note"]
        if row["recurrence"]:
            description = f"{description}\n(repeats {row['recurrence']})".strip()
        calendar.add_component(
            event(follow_up_uid(row["uid"]), f"Follow up: {row['name']}", day, description)
        )
    for row in due:
        last = row["last_contact"]
        description = f"Last in touch {last}" if last else "Nothing logged yet"
        calendar.add_component(
            event(keep_in_touch_uid(row["uid"]), f"Get in touch: {row['name']}",
                  date.fromisoformat(row["next_due"]), description)
        )
    for row in birthdays:
        text = row["birthday"]
        if text.startswith("--"):
            month, day_of_month = int(text[2:4]), int(text[5:7])
            start = date(YEARLESS_START_YEAR, month, day_of_month)
        else:
            start = date.fromisoformat(text)
            month, day_of_month = start.month, start.day
        item = event(birthday_uid(row["uid"]), f"Birthday: {row['name']}", start)
        if (month, day_of_month) == (2, 29):
            # A plain yearly rule skips the years without 29 February; the last day of
            # February is the 28th in those years, as kontakt celebrates it.
            rule = vRecur(freq="YEARLY", bymonth=2, bymonthday=-1)
        else:
            rule = vRecur(freq="YEARLY")
        item.add("rrule", rule)
        calendar.add_component(item)
    return calendar.to_ical()
