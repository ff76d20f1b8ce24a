"""Proposals from calendars: past events (recurring ones expanded) whose people are contacts.

Reads .ics files (one, or a folder of them: a vdir kept by vdirsyncer/khal, an export from
Google Calendar, Outlook or Thunderbird). Every file is read again on each scan — a weekly
meeting gains a past occurrence each week without its file changing — and the proposal keys
(event UID + occurrence) keep a second scan from proposing anything twice. What a scan saw of
each event (its UID, whether it repeats, the file it is in) lets the inbox follow an event
that was cancelled, declined, moved or deleted since (services/capture: `scan_calendar`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from ...domain.text import clean_line
from ...store.capture import NewProposal
from .matching import ContactIndex, matches_rule

# Words in a title or location that make an event a call (video calls count as calls).
_CALL = re.compile(
    r"\b(call|phone|telefon\w*|anruf|zoom|skype|facetime|teams|webex|jitsi|whereby|hangout|"
    r"video\w*|meet\.google|zoom\.us)\b", re.IGNORECASE)
# Properties that hold a video link: Google's conference data, RFC 7986 CONFERENCE.
_CONFERENCE_PROPS = ("CONFERENCE", "X-GOOGLE-CONFERENCE", "X-MICROSOFT-SKYPETEAMSMEETINGURL")
TITLE_LIMIT = 200


class CalendarError(ValueError):
    """A calendar file that cannot be read; the message names the file."""


@dataclass
class CalendarScan:
    """What one calendar scan saw, for the report line and the tests."""

    files: int = 0
    events: int = 0          # past occurrences looked at
    proposals: list[NewProposal] = field(default_factory=list)
    cancelled: int = 0
    declined: int = 0
    unmatched: int = 0
    ruled_out: int = 0       # an --ignore-title rule
    unreadable: list[str] = field(default_factory=list)
    skipped_events: list[str] = field(default_factory=list)  # "file: which event, why"
    withdrawn: int = 0       # waiting proposals whose event was cancelled, declined or deleted
    moved: int = 0           # waiting proposals moved with their event to another day
    # For following events between scans (not printed): every event UID seen, those of
    # single (not repeating) events, each file read → the UIDs in it, every .ics file listed
    # (read or not), and (file, UID) of the events that gave a proposal.
    seen_uids: set[str] = field(default_factory=set)
    single_uids: set[str] = field(default_factory=set)
    read_files: dict[str, set[str]] = field(default_factory=dict)
    listed_files: set[str] = field(default_factory=set)
    proposing: set[tuple[str, str]] = field(default_factory=set)
    # Keys of every past occurrence looked at, of those cancelled or declined (by me, or by
    # every contact in them), and per key the contacts who declined.
    past_keys: set[str] = field(default_factory=set)
    dropped_keys: set[str] = field(default_factory=set)
    declined_ids: dict[str, set[int]] = field(default_factory=dict)

    INTERNAL = ("proposals", "seen_uids", "single_uids", "read_files", "listed_files", "proposing",
                "past_keys", "dropped_keys", "declined_ids")


def ics_files(path: Path) -> list[Path]:
    """The .ics files at `path` (a file, or every .ics below a folder), in a stable order."""
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(p for p in path.rglob("*.ics") if p.is_file())
    raise CalendarError(f"{path}: no such file or folder")


def _address(value) -> str:
    text = str(value or "").strip()
    return text[7:].strip() if text.lower().startswith("mailto:") else text


def _param(value, name: str) -> str:
    params = getattr(value, "params", {}) or {}
    return str(params.get(name, "")).upper()


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def local_day(moment: date | datetime) -> date:
    """The day an event starts on, in local time (floating times as written)."""
    if isinstance(moment, datetime):
        if moment.tzinfo is not None:
            return moment.astimezone().date()
        return moment.date()
    return moment


def _started_before(moment: date | datetime, now: datetime) -> bool:
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            return moment < now.replace(tzinfo=None)
        return moment < now
    return moment <= now.date()


def _kind(event) -> str:
    text = " ".join(str(event.get(p, "")) for p in ("SUMMARY", "LOCATION", "URL"))
    if any(event.get(p) for p in _CONFERENCE_PROPS) or _CALL.search(text):
        return "call"
    return "meeting"


def _occurrences(calendar, since: date, now: datetime) -> Iterator:
    import recurring_ical_events

    start = datetime.combine(since, time())
    end = now.astimezone().replace(tzinfo=None)
    yield from recurring_ical_events.of(calendar, skip_bad_series=True).between(start, end)


def _drop_events_without_start(calendar, path: Path, scan: CalendarScan) -> None:
    """Take out each VEVENT without DTSTART (RFC 5545 requires one; some exports lack it):
    the expansion fails on the whole file for one of them, and it has no day to propose."""
    kept = []
    for component in calendar.subcomponents:
        if component.name == "VEVENT" and component.get("DTSTART") is None:
            uid = clean_line(str(component.get("UID", "")))
            title = clean_line(str(component.get("SUMMARY", "")))[:TITLE_LIMIT]
            which = f"the event with UID {uid}" if uid else f"an event without UID titled {title!r}"
            scan.skipped_events.append(f"{path}: {which} has no start (DTSTART)")
            continue
        kept.append(component)
    calendar.subcomponents[:] = kept


def _event_uid(event, path: Path) -> str:
    """The event's UID; for one without, its file's name and its title."""
    uid = str(event.get("UID", ""))
    return uid or f"{path.name}:{clean_line(str(event.get('SUMMARY', '')))[:TITLE_LIMIT]}"


def _note_events(calendar, path: Path, scan: CalendarScan, where: str) -> None:
    """Remember the file's event UIDs, and which of them are single events (one VEVENT,
    neither repeating nor an exception of a series): a single event moved gets a new key."""
    uids: dict[str, int] = {}
    repeating: set[str] = set()
    for component in calendar.subcomponents:
        if component.name != "VEVENT":
            continue
        uid = _event_uid(component, path)
        uids[uid] = uids.get(uid, 0) + 1
        if any(component.get(p) is not None for p in ("RRULE", "RDATE", "RECURRENCE-ID")):
            repeating.add(uid)
    scan.read_files[where] = set(uids)
    scan.seen_uids.update(uids)
    scan.single_uids.update(uid for uid, n in uids.items() if n == 1 and uid not in repeating)


def scan_calendar_file(path: Path, index: ContactIndex, *, since: date, now: datetime,
                       ignore_titles: list[str], scan: CalendarScan, where: str | None = None) -> None:
    """Add the proposals of one .ics file to `scan`; `where` is the file's absolute path
    (default: `path`), which the scan remembers it by."""
    import icalendar

    where = where or str(path)
    scan.listed_files.add(where)
    try:
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        _drop_events_without_start(calendar, path, scan)
        occurrences = list(_occurrences(calendar, since, now))
    except Exception as error:  # a broken file must not stop the rest of the folder
        scan.unreadable.append(f"{path}: {str(error).splitlines()[0] if str(error) else type(error).__name__}")
        return
    scan.files += 1
    _note_events(calendar, path, scan, where)
    # A series repeating more often than daily (an hourly ping, a mistaken FREQ=MINUTELY)
    # is one meeting a day with its people, not thousands of proposals.
    days_seen: set[tuple[str, date]] = set()
    for event in occurrences:
        if event.name != "VEVENT":
            continue
        start = event.get("DTSTART")
        if start is None or not _started_before(start.dt, now):
            continue
        scan.events += 1
        occurrence = event.get("RECURRENCE-ID") or start
        uid = _event_uid(event, path)
        stamp = occurrence.dt.isoformat() if hasattr(occurrence, "dt") else str(occurrence)
        key = f"cal:{uid}@{stamp}"
        scan.past_keys.add(key)
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            scan.cancelled += 1
            scan.dropped_keys.add(key)
            continue
        attendees = _as_list(event.get("ATTENDEE"))
        if any(index.is_me(_address(a)) and _param(a, "PARTSTAT") == "DECLINED" for a in attendees):
            scan.declined += 1  # I said no: it did not happen for me
            scan.dropped_keys.add(key)
            continue
        title = clean_line(str(event.get("SUMMARY", "")))[:TITLE_LIMIT]
        if matches_rule(title, ignore_titles):
            scan.ruled_out += 1
            continue
        organizer = _address(event.get("ORGANIZER"))
        others = [a for a in attendees if not index.is_me(_address(a))]
        people: list[int] = []
        declined: set[int] = set()
        for attendee in others:
            contact_id = index.by_email(_address(attendee))
            if _param(attendee, "PARTSTAT") == "DECLINED":
                if contact_id is not None:
                    declined.add(contact_id)
                continue
            if contact_id is not None:
                people.append(contact_id)
        organizer_id = index.by_email(organizer) if organizer else None
        if organizer_id is not None:
            people.append(organizer_id)
        if not others and organizer_id is None:
            people = list(index.in_title(title))  # no attendees: "Coffee with Olga", "#breakfast"
        people = list(dict.fromkeys(people))
        if declined:
            scan.declined_ids[key] = declined - set(people)
        if not people:
            scan.unmatched += 1
            if declined:  # the contacts it had all said no
                scan.dropped_keys.add(key)
            continue
        direction = "me" if organizer and index.is_me(organizer) else ("them" if organizer_id else None)
        day = local_day(start.dt)
        if (uid, day) in days_seen:
            continue
        days_seen.add((uid, day))
        scan.proposing.add((where, uid))
        scan.proposals.append(NewProposal(
            key=key, source="calendar", date=day,
            kind=_kind(event), contact_ids=tuple(people), direction=direction, title=title,
            sender=organizer if organizer_id is not None else "",
        ))


def scan_calendars(paths: list[Path], index: ContactIndex, *, since: date, now: datetime,
                   ignore_titles: list[str]) -> CalendarScan:
    """Every past occurrence in these calendars that names contacts, as proposals."""
    scan = CalendarScan()
    for path in paths:
        files = ics_files(path)
        # Remembered by its resolved path, so a file is the same file however the path to
        # it was written; shown as given.
        resolved = path.expanduser().resolve()
        for file in files:
            where = str(resolved / file.relative_to(path)) if file != path else str(resolved)
            scan_calendar_file(file, index, since=since, now=now, ignore_titles=ignore_titles,
                               scan=scan, where=where)
    return scan
