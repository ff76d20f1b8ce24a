"""Fixtures for the capture tests: a small book, Maildirs and calendars made here with the
`mailbox` and `icalendar` packages (bulk messages written as files, which is what a Maildir is)."""

from __future__ import annotations

import mailbox
from datetime import date, datetime, timezone
from email.utils import format_datetime
from pathlib import Path

from kontakt.store import Book

TODAY = date(2026, 11, 23)
NOW = "2026-11-23T12:00:00+01:00"
ME = "me@example.com"
SINCE = date(2026, 10, 1)
# Every body carries this: a test fails if it reaches any parsing or decoding code.
SENTINEL = b"BODY-SENTINEL"


def make_book(path: Path) -> tuple[Book, dict[str, int]]:
    """Anna, Bob, Jürgen (found by address), Olga and Eva (breakfast circle, by name), two
    Max (ambiguous), an archived and a trashed contact."""
    book = Book.open(path)
    ids = {
        "anna": book.add_contact("Anna Müller", today=TODAY, emails=["anna@example.com"]),
        "bob": book.add_contact("Bob Stone", today=TODAY, emails=["Bob@Example.org"]),
        "jurgen": book.add_contact("Jürgen Kößler", today=TODAY, emails=["jurgen@example.de"]),
        "olga": book.add_contact("Olga Petrova", today=TODAY, tags=["breakfast"]),
        "eva": book.add_contact("Eva Lind", today=TODAY, tags=["breakfast"], emails=["eva@example.net"]),
        "max1": book.add_contact("Max Weber", today=TODAY),
        "max2": book.add_contact("Max Planck", today=TODAY),
        "old": book.add_contact("Otto Archiv", today=TODAY, emails=["otto@example.com"], archived=True),
        "gone": book.add_contact("Gina Trash", today=TODAY, emails=["gina@example.com"]),
    }
    book.trash_contact(ids["gone"])
    return book, ids


def message(*, frm: str, to: str = ME, day: datetime | None = None, msgid: str | None = None,
            refs: str | None = None, subject: str = "hello", extra: str = "",
            raw_date: str | None = None, body: bytes = b"", head_bytes: bytes = b"") -> bytes:
    """One message as bytes: headers as given, then a body that always holds SENTINEL."""
    lines = [f"From: {frm}", f"To: {to}", f"Subject: {subject}"]
    if raw_date is not None:
        lines.append(f"Date: {raw_date}")
    elif day is not None:
        lines.append(f"Date: {format_datetime(day)}")
    if msgid:
        lines.append(f"Message-ID: {msgid}")
    if refs:
        lines += [f"In-Reply-To: {refs}", f"References: {refs}"]
    if extra:
        lines += extra.strip().splitlines()
    head = ("\n".join(lines) + "\n").encode("utf-8") + head_bytes
    return head + b"\n" + SENTINEL + b"\n" + (body or b"\xff\xfe garbage \x00 =?not-decoded?=\n")


class MaildirWriter:
    """A Maildir made with `mailbox` (folders), messages written straight into cur/."""

    def __init__(self, root: Path):
        self.box = mailbox.Maildir(str(root), create=True)
        self.root = root
        self.count = 0

    def folder(self, name: str | None) -> Path:
        if name is None:
            return self.root
        if name not in self.box.list_folders():
            self.box.add_folder(name)
        return self.root / f".{name}"

    def add(self, data: bytes, *, folder: str | None = None, delivered: int | None = None,
            name: str | None = None) -> Path:
        self.count += 1
        stamp = delivered if delivered is not None else 1_700_000_000
        path = self.folder(folder) / "cur" / (name or f"{stamp}.M{self.count}P1.test:2,S")
        path.write_bytes(data)
        return path


def utc(y: int, m: int, d: int, h: int = 12) -> datetime:
    return datetime(y, m, d, h, tzinfo=timezone.utc)


def set_clock(monkeypatch) -> None:
    monkeypatch.setenv("KONTAKT_TODAY", TODAY.isoformat())
    monkeypatch.setenv("KONTAKT_NOW", NOW)


def set_zone(monkeypatch, zone: str) -> None:
    import time

    monkeypatch.setenv("TZ", zone)
    time.tzset()


def reset_zone() -> None:
    """After a MonkeyPatch.undo() put TZ back: make the C library see it again."""
    import time

    time.tzset()
