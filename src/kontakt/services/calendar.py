"""The book as iCalendar: follow-ups as to-dos with an alarm, keep-in-touch due dates and
yearly birthdays as all-day events.

Every object's UID comes from the stored uid of its follow-up or contact, so a calendar that
re-imports a newer export updates its items instead of adding duplicates. The same builders
make the single-file export (`kontakt export ics`) and the calendar folder
(`services/calendar_sync.py`), one object per file.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any

from .. import clock
from ..domain.dates import parse_iso
from ..store import Book
from ..store import calendar_state
from ..store import review_queries as q

if TYPE_CHECKING:
    from icalendar import Calendar, Event, Todo

PRODID = "-//kontakt//kontakt personal relationship manager//EN"
UID_DOMAIN = "kontakt"
# Year-less birthdays start in a leap year so 29 February exists in the first year.
YEARLESS_START_YEAR = 2000
# A follow-up's alarm rings at 09:00 (the calendar's local time) on the day it is due.
ALARM_AFTER_DUE_DAY_STARTS = timedelta(hours=9)
# A follow-up done in kontakt stays in the single-file export this long as COMPLETED, so a
# calendar that imported it earlier ticks it off instead of keeping it open.
COMPLETED_KEPT_DAYS = 30


def follow_up_uid(uid: str) -> str:
    return f"follow-up-{uid}@{UID_DOMAIN}"


def keep_in_touch_uid(contact_uid: str) -> str:
    return f"keep-in-touch-{contact_uid}@{UID_DOMAIN}"


def birthday_uid(contact_uid: str) -> str:
    return f"birthday-{contact_uid}@{UID_DOMAIN}"


def new_calendar() -> Calendar:
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    return calendar


def shown_due(row: Mapping[str, Any]) -> date:
    """When a follow-up shows up: its due date, or the snooze's end if that is later."""
    day = date.fromisoformat(row["due"])
    snoozed = parse_iso(row["snoozed_until"])
    return snoozed if snoozed and snoozed > day else day


def follow_up_todo(row: Mapping[str, Any], stamp: datetime) -> Todo:
    """A follow-up as a VTODO: DUE on its (snoozed) day, an alarm that morning, and
    STATUS COMPLETED with the day it was done once it is done. `row` needs uid, name, due,
    snoozed_until, note, recurrence and optionally status and done_on."""
    from icalendar import Alarm, Todo

    summary = f"Follow up: {row['name']}"
    item = Todo()
    item.add("uid", follow_up_uid(row["uid"]))
    item.add("dtstamp", stamp)
    item.add("summary", summary)
    item.add("due", shown_due(row))
    description = row["note"]
    if row["recurrence"]:
        description = f"{description}\n(repeats {row['recurrence']})".strip()
    if description:
        item.add("description", description)
    item.add("categories", ["kontakt"])
    done_on = parse_iso(row["done_on"]) if "done_on" in row.keys() else None
    if ("status" in row.keys() and row["status"] == "done") or done_on:
        item.add("status", "COMPLETED")
        item.add("percent-complete", 100)
        # COMPLETED must be a UTC date-time; noon keeps the day the same in most time zones.
        item.add("completed", datetime.combine(done_on or stamp.date(), time(12), timezone.utc))
        return item  # no alarm for something already done
    item.add("status", "NEEDS-ACTION")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", ALARM_AFTER_DUE_DAY_STARTS, parameters={"RELATED": "END"})
    item.add_component(alarm)
    return item


def _all_day(uid: str, summary: str, day: date, stamp: datetime, description: str = "") -> Event:
    from icalendar import Event

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


def keep_in_touch_event(row: Mapping[str, Any], stamp: datetime) -> Event:
    """The day someone is due for contact by their cadence (uid, name, next_due, last_contact)."""
    last = row["last_contact"]
    description = f"Last in touch {last}" if last else "Nothing logged yet"
    return _all_day(keep_in_touch_uid(row["uid"]), f"Get in touch: {row['name']}",
                    date.fromisoformat(row["next_due"]), stamp, description)


def birthday_event(row: Mapping[str, Any], stamp: datetime) -> Event:
    """A yearly all-day birthday (uid, name, birthday as ISO or --MM-DD); 29 February falls on
    the 28th in other years."""
    from icalendar import vRecur

    text = row["birthday"]
    if text.startswith("--"):
        month, day_of_month = int(text[2:4]), int(text[5:7])
        start = date(YEARLESS_START_YEAR, month, day_of_month)
    else:
        start = date.fromisoformat(text)
        month, day_of_month = start.month, start.day
    item = _all_day(birthday_uid(row["uid"]), f"Birthday: {row['name']}", start, stamp)
    if (month, day_of_month) == (2, 29):
        # A plain yearly rule skips the years without 29 February; the last day of
        # February is the 28th in those years, as kontakt celebrates it.
        rule = vRecur(freq="YEARLY", bymonth=2, bymonthday=-1)
    else:
        rule = vRecur(freq="YEARLY")
    item.add("rrule", rule)
    return item


def export_ics(book: Book, *, stamp: datetime | None = None, today: date | None = None) -> bytes:
    """The calendar as iCalendar bytes (RFC 5545). `stamp` is the DTSTAMP (default: now, UTC),
    `today` the day the 30 days of completed follow-ups count back from (default: the stamp's).

    Open follow-ups are to-dos due on their (snoozed) day with an alarm; follow-ups done in
    the last COMPLETED_KEPT_DAYS days are there as COMPLETED, so re-importing the file ticks
    them off in a calendar that has them from an earlier export.
    """
    # A caller that fixes the stamp fixes the day too (tests, reproducible exports).
    today = today or (stamp.date() if stamp else clock.today())
    stamp = (stamp or clock.now()).astimezone(timezone.utc)
    calendar = new_calendar()
    calendar.add("x-wr-calname", "kontakt")

    _, due, birthdays = q.calendar_rows(book)
    since = today - timedelta(days=COMPLETED_KEPT_DAYS)
    for row in calendar_state.follow_up_rows(book, done_since=since):
        calendar.add_component(follow_up_todo(row, stamp))
    for row in due:
        calendar.add_component(keep_in_touch_event(row, stamp))
    for row in birthdays:
        calendar.add_component(birthday_event(row, stamp))
    return calendar.to_ical()
