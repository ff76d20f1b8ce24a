"""The demo network behind `kontakt demo`: about 120 made-up people, dated relative to today."""

from __future__ import annotations

import calendar
import json
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path

from ..domain import Birthday, Cadence
from ..store import Book

__all__ = ["DEMO_FILE", "create_demo_book", "demo_network_path", "load_demo"]

DEMO_FILE = "demo-network.json"


def demo_network_path() -> Path:
    """The demo network's JSON file; raises FileNotFoundError when it cannot be found."""
    # A wheel carries the file inside the package (hatch force-include in pyproject.toml).
    packaged = resources.files("kontakt").joinpath(DEMO_FILE)
    if packaged.is_file():
        return Path(str(packaged))
    # An editable install imports from src/, where the file is not: use data/ in the checkout.
    checkout = Path(__file__).resolve().parents[3] / "data" / DEMO_FILE
    if checkout.is_file():
        return checkout
    raise FileNotFoundError(f"the demo network is missing: neither {packaged} nor {checkout}")


def load_demo(book: Book, today: date) -> None:
    """Write the whole demo network into `book` in one transaction, dated relative to `today`.

    Raises FileNotFoundError when the network file is missing, ValueError when it names a
    contact it does not define.
    """
    network = json.loads(demo_network_path().read_text(encoding="utf-8"))

    def day(days_ago: int) -> date:
        return today - timedelta(days=days_ago)

    def cadence(text: str | None) -> Cadence | None:
        return Cadence.parse(text) if text else None

    ids: dict[str, int] = {}

    def contact_id(ref: str) -> int:
        try:
            return ids[ref]
        except KeyError:
            raise ValueError(f"the demo network names an unknown contact {ref!r}") from None

    with book.filling(today):
        # Circles first, in order (their position is closeness), so contacts inherit cadences
        # as they are added. Their descriptions stay in the JSON: the Book cannot store them yet.
        for circle in network["circles"]:
            book.set_circle_cadence(circle["name"], cadence(circle.get("cadence")), today=today)
        for person in network["contacts"]:
            ids[person["ref"]] = book.add_contact(
                person["name"],
                today=today,
                nickname=person.get("nickname", ""),
                emails=person.get("emails", ()),
                phones=person.get("phones", ()),
                org=person.get("org", ""),
                role=person.get("role", ""),
                location=person.get("location", ""),
                met=person.get("met", ""),
                birthday=_birthday(person, today),
                tags=person.get("circles", ()),
                notes=person.get("notes", ""),
                cadence=cadence(person.get("cadence")),
                archived=person.get("archived", False),
                # Added before anything happened with them, so next-due dates follow the history.
                created_at=_timestamp(day(person["added_days_ago"])),
            )
        for item in network["interactions"]:
            book.log_interaction(
                [contact_id(ref) for ref in item["with"]],
                on=day(item["days_ago"]),
                kind=item["kind"],
                note=item.get("note", ""),
                today=today,
            )
        for favour in network["favours"]:
            book.add_favour(
                contact_id(favour["with"]),
                direction=favour["direction"],
                description=favour["description"],
                on=day(favour["days_ago"]),
                kind=favour["kind"],
                weight=favour["weight"],
                status=favour.get("status", "open"),
            )
        # The demo's history predates thank-yous: a later meeting counts as the thanks, so
        # only favours nobody has answered yet ask for one.
        book.thank_by_later_contact()
        for intro in network["introductions"]:
            intro_id = book.add_introduction(
                contact_id(intro["a"]), contact_id(intro["b"]),
                on=day(intro["days_ago"]), note=intro.get("note", ""),
            )
            if intro.get("outcome"):
                book.set_introduction_outcome(
                    intro_id, intro["outcome"], on=day(intro["outcome_days_ago"])
                )
            if intro.get("result"):
                book.set_introduction_result(
                    intro_id, intro["result"], on=day(intro["outcome_days_ago"])
                )
        for follow_up in network["follow_ups"]:
            follow_up_id = book.add_follow_up(
                contact_id(follow_up["with"]),
                due=day(follow_up["due_days_ago"]),
                note=follow_up.get("note", ""),
                recurrence=cadence(follow_up.get("recurrence")),
            )
            if "snoozed_until_days_ago" in follow_up:
                book.snooze_follow_up(follow_up_id, until=day(follow_up["snoozed_until_days_ago"]))
            if "done_days_ago" in follow_up:
                # A recurring one comes back with its next occurrence, as it would in use.
                book.complete_follow_up(follow_up_id, on=day(follow_up["done_days_ago"]))


def create_demo_book(path: Path, today: date) -> Book:
    """A fresh demo book at `path`, loaded and open (the caller closes it).

    An existing demo book is emptied and refilled in one transaction, never deleted:
    another `kontakt demo` may have it open, and a file unlinked under a live connection
    loses that process's writes. Raises BookError when the book cannot be created there.
    """
    from ..store.wipe import wipe

    book = Book.open(Path(path).expanduser())
    try:
        # Marked as a demo in the same transaction, so a half-made book is never mistaken for
        # one that `kontakt demo` may overwrite, nor a finished one for a real book.
        with book.filling(today):
            wipe(book)
            load_demo(book, today)
            book.set_setting("demo", "1")
    except BaseException:
        book.close()
        raise
    return book


def _birthday(person: dict, today: date) -> Birthday | None:
    if "birthday_in_days" in person:
        upcoming = today + timedelta(days=person["birthday_in_days"])
        year = person.get("birth_year")
        if (upcoming.month, upcoming.day) == (2, 29) and year and not calendar.isleap(year):
            # Nobody born in a common year has a 29 February birthday; use the 28th.
            return Birthday(2, 28, year)
        return Birthday(upcoming.month, upcoming.day, year)
    if person.get("birthday"):
        return Birthday.parse(person["birthday"], today)
    return None


def _timestamp(day: date) -> str:
    # Local time with its offset, the same shape as the timestamps the Book writes itself.
    return datetime.combine(day, time(9, 0)).astimezone().isoformat(timespec="seconds")
