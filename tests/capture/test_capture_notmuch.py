"""Capture from a notmuch database through notmuch2: the same proposals as the Maildir it
indexes, only what changed since the last revision on the next scan, never a body.

Skipped where notmuch2 or the notmuch CLI (which builds the test database) is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import Counter
from datetime import timedelta

import pytest

notmuch2 = pytest.importorskip("notmuch2")
if shutil.which("notmuch") is None:
    pytest.skip("the notmuch command is not installed", allow_module_level=True)

from kontakt import clock  # noqa: E402
from kontakt.services import capture  # noqa: E402
from kontakt.services.capture import mail as mail_module  # noqa: E402
from kontakt.services.capture import notmuch as nm  # noqa: E402
from kontakt.store import capture as store  # noqa: E402

from capture_helpers import (  # noqa: E402
    ME, SENTINEL, SINCE, TODAY, MaildirWriter, make_book, message, utc,
)

DAYS = [TODAY - timedelta(days=10 - i) for i in range(10)]


def build_maildir(root):
    """Anna's threads (and my answers in Sent on even days), Bob, lists, bulk, auto-replies,
    no-reply, bounces, copies in another folder, strangers, a bad Date, too old."""
    w = MaildirWriter(root)
    for i, day in enumerate(DAYS):
        noon = utc(day.year, day.month, day.day)
        root_id = f"<anna-d{i}@x>"
        for k in range(3):
            w.add(message(frm="Anna Müller <anna@example.com>", day=noon + timedelta(minutes=k),
                          msgid=root_id if k == 0 else f"<anna-d{i}-r{k}@x>",
                          refs=None if k == 0 else root_id))
        if i % 2 == 0:
            w.add(message(frm=f"Me <{ME}>", to="anna@example.com", day=noon + timedelta(hours=1),
                          msgid=f"<me-d{i}@x>", refs=root_id), folder="Sent")
        w.add(message(frm="bob@example.org", day=noon, msgid=f"<bob-d{i}@x>"))
        w.add(message(frm="anna@example.com", day=noon, msgid=root_id), folder="Archive")  # a copy
    w.add(message(frm="=?utf-8?q?J=C3=BCrgen_K=C3=B6=C3=9Fler?= <jurgen@example.de>",
                  day=utc(2026, 11, 14), msgid="<j-1@x>", subject="=?iso-8859-1?q?Gr=FC=DFe?="))
    for extra in ("List-Id: <friends.lists.example.org>", "Precedence: bulk",
                  "Auto-Submitted: auto-replied", "List-Unsubscribe: <mailto:x@y>"):
        for i in range(3):
            w.add(message(frm="anna@example.com", day=utc(2026, 11, 3),
                          msgid=f"<{extra[:6]}-{i}@x>", extra=extra))
    for i in range(3):
        w.add(message(frm="Shop <no-reply@shop.example>", to="anna@example.com",
                      day=utc(2026, 11, 4), msgid=f"<shop-{i}@x>"))
        w.add(message(frm="MAILER-DAEMON@mx.example", to="anna@example.com", day=utc(2026, 11, 5),
                      msgid=f"<bounce-{i}@x>", extra="Return-Path: <>"))
        w.add(message(frm=f"stranger{i}@elsewhere.example", day=utc(2026, 11, 6), msgid=f"<s-{i}@x>"))
        w.add(message(frm="bob@example.org", day=utc(2025, 5, 1), msgid=f"<old-{i}@x>"))
    nov15 = int(utc(2026, 11, 15).timestamp())
    w.add(message(frm="eva@example.net", raw_date="not a date at all", msgid="<bad-1@x>"),
          delivered=nov15)
    return root


def notmuch_new(root, tmp_path):
    """Index (or re-index) the Maildir with the notmuch CLI, as the user's mail setup would."""
    config = tmp_path / "notmuch-config"
    if not config.exists():
        config.write_text(f"[database]\npath={root}\n[new]\ntags=inbox\n[user]\nprimary_email={ME}\n")
    env = {**os.environ, "NOTMUCH_CONFIG": str(config)}
    subprocess.run(["notmuch", "new", "--quiet"], env=env, check=True, capture_output=True)


def scan(book, root):
    return capture.scan_mail(book, [root], now=clock.now(), since=SINCE, me=(ME,))


def summary(book):
    """The proposals as the user would see them: who, which day, which way."""
    return sorted((p.contact_ids, p.date, p.direction, p.kind) for p in store.pending(book))


@pytest.fixture
def indexed(tmp_path):
    root = build_maildir(tmp_path / "Mail")
    notmuch_new(root, tmp_path)
    assert (root / ".notmuch" / "xapian").is_dir()
    return root


class Counting:
    """Counts the messages handed to the reader and keeps every value it was handed."""

    def __init__(self, monkeypatch):
        self.messages = 0
        self.values: list[str] = []
        original = mail_module.MailReader.read_headers

        def read_headers(reader, headers, **kw):
            self.messages += 1
            self.values += [v for values in headers.values() for v in values]
            return original(reader, headers, **kw)

        monkeypatch.setattr(mail_module.MailReader, "read_headers", read_headers)


def test_notmuch_gives_the_same_proposals_as_the_maildir_it_indexes(indexed, tmp_path, monkeypatch):
    counting = Counting(monkeypatch)
    book, ids = make_book(tmp_path / "nm.db")
    result = scan(book, indexed)
    assert result.scan.notmuch_databases == 1  # read through notmuch2, not as a Maildir
    assert result.scan.files == 0 and counting.messages == result.scan.messages
    via_notmuch = summary(book)

    # The same folder read as a Maildir (notmuch2 "not installed": the documented fallback).
    monkeypatch.setattr(nm, "bindings", lambda: None)
    plain, _ = make_book(tmp_path / "plain.db")
    as_maildir = scan(plain, indexed)
    assert as_maildir.scan.notmuch_databases == 0 and as_maildir.scan.files > 0
    assert via_notmuch == summary(plain)

    anna = {d: w for (who, d, w, _) in via_notmuch if who == (ids["anna"],)}
    assert sorted(anna) == DAYS
    assert [anna[d] for d in DAYS] == ["mutual" if i % 2 == 0 else "them" for i in range(10)]
    assert Counter(who for who, *_ in via_notmuch) == {
        (ids["anna"],): 10, (ids["bob"],): 10, (ids["jurgen"],): 1, (ids["eva"],): 1}
    # notmuch keeps one message per Message-ID: the Archive copies never reach the reader.
    assert result.scan.messages == as_maildir.scan.messages - 10
    assert result.scan.lists == as_maildir.scan.lists == 18
    assert result.scan.out_of_range == 3 and result.scan.unmatched == 3
    eva = [d for (who, d, *_) in via_notmuch if who == (ids["eva"],)]
    assert [d.isoformat() for d in eva] == ["2026-11-15"]  # bad Date: the file name's time
    book.close()
    plain.close()


def test_a_second_scan_reads_nothing_and_a_new_message_is_read_alone(indexed, tmp_path, monkeypatch):
    book, ids = make_book(tmp_path / "book.db")
    first = scan(book, indexed)
    assert first.scan.messages > 50
    rows = book.conn.execute("SELECT path, mtime_ns FROM capture_files").fetchall()
    assert len(rows) == 1 and rows[0][0].startswith(f"notmuch:{indexed}#")

    counting = Counting(monkeypatch)
    second = scan(book, indexed)
    assert counting.messages == 0 and second.scan.messages == 0 and second.new == 0
    assert second.scan.skipped_files == first.scan.messages

    MaildirWriter(indexed).add(message(frm=f"Me <{ME}>", to="bob@example.org",
                                       day=utc(DAYS[8].year, DAYS[8].month, DAYS[8].day, 15), msgid="<me-bob@x>",
                                       refs="<bob-d8@x>"), folder="Sent", name="new-one:2,S")
    notmuch_new(indexed, tmp_path)
    third = scan(book, indexed)
    assert counting.messages == 1 and third.scan.messages == 1
    assert third.updated == 1 and third.new == 0  # Bob wrote that day: now both ways
    bob = {p.date: p.direction for p in store.pending(book) if p.contact_ids == (ids["bob"],)}
    assert bob[DAYS[8]] == "mutual"
    book.close()


def test_a_rebuilt_database_is_read_again(indexed, tmp_path):
    book, _ = make_book(tmp_path / "book.db")
    scan(book, indexed)
    shutil.rmtree(indexed / ".notmuch")
    notmuch_new(indexed, tmp_path)  # a new uuid, revisions from the start again
    again = scan(book, indexed)
    assert again.scan.messages > 50 and again.new == 0
    keys = [r[0] for r in book.conn.execute("SELECT path FROM capture_files")]
    assert len(keys) == 1  # the old uuid's revision was forgotten
    book.close()


def test_no_body_is_ever_asked_for(indexed, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a message body was opened")

    for name in ("path", "pathb", "filenames"):  # what would lead to the file's bytes
        monkeypatch.setattr(notmuch2.Message, name, property(refuse) if name != "filenames" else refuse)
    real_open = open

    def guarded_open(file, *args, **kwargs):
        if str(file).startswith(str(indexed)) and ".notmuch" not in str(file):
            raise AssertionError(f"opened a mail file: {file}")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", guarded_open)
    counting = Counting(monkeypatch)
    book, _ = make_book(tmp_path / "book.db")
    result = scan(book, indexed)
    assert result.scan.notmuch_databases == 1 and counting.messages == result.scan.messages > 50
    assert counting.values
    assert not any(SENTINEL.decode() in v or "garbage" in v for v in counting.values)
    book.close()


def test_without_notmuch2_a_bare_database_folder_is_refused_in_one_line(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from kontakt.cli import main

    (tmp_path / "db" / "xapian").mkdir(parents=True)  # like ~/.local/share/notmuch/default
    monkeypatch.setattr(nm, "bindings", lambda: None)
    make_book(tmp_path / "book.db")[0].close()
    result = CliRunner().invoke(main, ["capture", "mail", str(tmp_path / "db"),
                                       "--db", str(tmp_path / "book.db")])
    assert result.exit_code == 1, result.output
    assert nm.NOT_INSTALLED in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_a_sent_tag_marks_mail_i_sent_from_an_address_kontakt_does_not_know(tmp_path):
    root = tmp_path / "Mail"
    w = MaildirWriter(root)
    day = utc(2026, 11, 18)
    w.add(message(frm="Me <alias@elsewhere.example>", to="bob@example.org", day=day,
                  msgid="<alias-1@x>"))  # not in a Sent folder, not one of --me
    w.add(message(frm="Me <alias@elsewhere.example>", to="anna@example.com", day=day,
                  msgid="<alias-2@x>"))
    notmuch_new(root, tmp_path)
    env = {**os.environ, "NOTMUCH_CONFIG": str(tmp_path / "notmuch-config")}
    subprocess.run(["notmuch", "tag", "+sent", "--", "id:alias-1@x"], env=env, check=True)
    book, ids = make_book(tmp_path / "book.db")
    result = scan(book, root)
    assert result.scan.notmuch_databases == 1 and result.scan.messages == 2
    assert result.scan.unmatched == 1  # the untagged one reads as from a stranger
    assert summary(book) == [((ids["bob"],), day.date(), "me", "message")]
    book.close()


def test_a_database_folder_of_its_own_finds_the_mail_through_the_notmuch_config(tmp_path, monkeypatch):
    root = build_maildir(tmp_path / "Mail")
    database = tmp_path / "notmuch" / "default"
    database.mkdir(parents=True)  # notmuch new makes xapian/ in it, not the folder itself
    config = tmp_path / "notmuch-config"
    config.write_text(f"[database]\npath={database}\nmail_root={root}\n[new]\ntags=inbox\n")
    notmuch_new(root, tmp_path)
    assert (database / "xapian").is_dir() and not (root / ".notmuch").exists()
    monkeypatch.setenv("NOTMUCH_CONFIG", str(config))
    book, ids = make_book(tmp_path / "book.db")
    result = scan(book, database)  # the database folder, not the mail
    assert result.scan.notmuch_databases == 1 and result.scan.unreadable == 0
    assert result.scan.lists == 18  # List-Id and friends come from the files: they were found
    anna = [w for (who, _, w, _) in summary(book) if who == (ids["anna"],)]
    assert anna.count("mutual") == 5 and len(anna) == 10  # my answers in .Sent were seen
    book.close()


def test_a_message_whose_file_went_away_is_counted_not_fatal(indexed, tmp_path):
    victim = next((indexed / ".Archive" / "cur").iterdir())
    bob = next(p for p in (indexed / "cur").iterdir() if b"List-Id" in p.read_bytes())
    bob.unlink()  # moved away by a mail client; notmuch has not run since
    book, _ = make_book(tmp_path / "book.db")
    result = scan(book, indexed)
    assert result.scan.unreadable == 1 and result.scan.lists == 17
    assert result.scan.messages > 50 and victim.exists()
    book.close()
