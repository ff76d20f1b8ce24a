"""Capture from mail: a Maildir of a few thousand messages (lists, bounces, 8-bit headers,
encoded-word names, bad dates, copies across folders) read once per module; headers only."""

from __future__ import annotations

import builtins
import email.message
import mailbox
from collections import Counter
from datetime import timedelta

import pytest

from kontakt.services import capture
from kontakt.services.capture import mail as mail_module
from kontakt.store import capture as store
from kontakt import clock

from capture_helpers import (
    ME, SENTINEL, SINCE, TODAY, MaildirWriter, make_book, message, reset_zone, set_clock, set_zone,
    utc,
)

DAYS = [TODAY - timedelta(days=30 - i) for i in range(30)]  # Oct 24 … Nov 22
EXPECTED = dict(messages=2585, duplicates=150, lists=1600, undated=5, out_of_range=60,
                unmatched=550)


def build_maildir(root):
    w = MaildirWriter(root)
    for i, day in enumerate(DAYS):
        noon = utc(day.year, day.month, day.day)
        root_id = f"<anna-d{i}@x>"
        for k in range(5):  # five messages of one thread on one day: one proposal
            w.add(message(frm="Anna Müller <anna@example.com>", day=noon + timedelta(minutes=k),
                          msgid=root_id if k == 0 else f"<anna-d{i}-r{k}@x>",
                          refs=None if k == 0 else root_id))
        if i % 2 == 0:  # I answer on even days: both wrote that day
            w.add(message(frm=f"Me <{ME}>", to="anna@example.com", day=noon + timedelta(hours=1),
                          msgid=f"<me-d{i}@x>", refs=root_id), folder="Sent")
        w.add(message(frm="bob@example.org", day=noon, msgid=f"<bob-d{i}@x>"))
    for i, day in enumerate(DAYS[:10]):
        noon = utc(day.year, day.month, day.day)
        w.add(message(frm="=?utf-8?q?J=C3=BCrgen_K=C3=B6=C3=9Fler?= <jurgen@example.de>", day=noon,
                      msgid=f"<j-{i}@x>", subject="=?iso-8859-1?q?Gr=FC=DFe?="))
        w.add(message(frm="x", day=noon, msgid=f"<eva-{i}@x>", subject="x",
                      head_bytes=b"Cc: \xc9va \xff\xfe <nobody@example.com>\nX-Note: caf\xe9\n")
              .replace(b"From: x", b"From: \xc9va Lind <eva@example.net>"))
    nov15 = int(utc(2026, 11, 15).timestamp())
    for i in range(5):  # a bad Date: the delivery time in the file name gives the day
        w.add(message(frm="eva@example.net", raw_date="not a date at all", msgid=f"<bad-{i}@x>",
                      refs="<bad-root@x>"), delivered=nov15)
    for i in range(5):  # a bad Date and no delivery time: undated
        w.add(message(frm="eva@example.net", raw_date="32 Foo 99999 25:61", msgid=f"<worse-{i}@x>"),
              name=f"odd-name-{i}:2,S")
    for i in range(1000):
        w.add(message(frm="anna@example.com", day=utc(2026, 11, 3), msgid=f"<list-{i}@x>",
                      extra="List-Id: <friends.lists.example.org>"))
    for i in range(200):
        w.add(message(frm="bob@example.org", day=utc(2026, 11, 4), msgid=f"<bulk-{i}@x>",
                      extra="Precedence: bulk"))
    for i in range(100):
        w.add(message(frm="bob@example.org", day=utc(2026, 11, 4), msgid=f"<auto-{i}@x>",
                      extra="Auto-Submitted: auto-replied"))
    for i in range(200):
        w.add(message(frm="Shop <no-reply@shop.example>", day=utc(2026, 11, 4), msgid=f"<shop-{i}@x>"))
    for i in range(100):
        w.add(message(frm="MAILER-DAEMON@mx.example", to="anna@example.com", day=utc(2026, 11, 5),
                      msgid=f"<bounce-{i}@x>",
                      extra="Return-Path: <>\nContent-Type: multipart/report; report-type=delivery-status"))
    for i in range(150):  # the thread copies of Anna's, archived to another folder
        day = DAYS[i // 5]
        k = i % 5
        root_id = f"<anna-d{i // 5}@x>"
        w.add(message(frm="anna@example.com", day=utc(day.year, day.month, day.day),
                      msgid=root_id if k == 0 else f"<anna-d{i // 5}-r{k}@x>",
                      refs=None if k == 0 else root_id), folder="Archive")
    for i in range(500):
        w.add(message(frm=f"stranger{i}@elsewhere.example", day=utc(2026, 11, 6), msgid=f"<s-{i}@x>"))
    for i in range(50):
        w.add(message(frm="bob@example.org", day=utc(2025, 5, 1), msgid=f"<old-{i}@x>"))
    for i in range(10):
        w.add(message(frm="bob@example.org", day=utc(2027, 5, 1), msgid=f"<future-{i}@x>"))
    for who in ("otto@example.com", "gina@example.com"):  # archived, and in the trash
        for i in range(20):
            w.add(message(frm=who, day=utc(2026, 11, 7), msgid=f"<{who}-{i}@x>"))
    for i in range(10):
        w.add(message(frm=ME, to=f"stranger{i}@elsewhere.example", day=utc(2026, 11, 8),
                      msgid=f"<out-{i}@x>"), folder="Sent")
    assert w.count == EXPECTED["messages"]
    return root


@pytest.fixture(scope="module")
def maildir(tmp_path_factory):
    return build_maildir(tmp_path_factory.mktemp("mail") / "Mail")


@pytest.fixture(scope="module")
def scanned(maildir, tmp_path_factory):
    """The module's book after one scan of the big Maildir (set up under the fixed clock)."""
    mp = pytest.MonkeyPatch()
    set_clock(mp)
    set_zone(mp, "Europe/Berlin")  # module fixtures come before the autouse one that sets it
    book, ids = make_book(tmp_path_factory.mktemp("book") / "book.db")
    result = capture.scan_mail(book, [maildir], now=clock.now(), since=SINCE, me=(ME,))
    mp.undo()
    reset_zone()
    yield book, ids, result
    book.close()


def test_the_first_scan_sees_every_kind_of_message_and_proposes_one_per_thread_day_person(scanned):
    book, ids, result = scanned
    scan = result.scan
    assert {key: getattr(scan, key) for key in EXPECTED} == EXPECTED
    assert scan.files == EXPECTED["messages"] and scan.skipped_files == 0
    proposals = store.pending(book)
    assert result.new == len(proposals) == 81
    per_person = Counter(p.contact_ids for p in proposals)
    assert per_person == {(ids["anna"],): 30, (ids["bob"],): 30, (ids["jurgen"],): 10,
                          (ids["eva"],): 11}
    anna = {p.date: p.direction for p in proposals if p.contact_ids == (ids["anna"],)}
    assert sorted(anna) == DAYS
    assert [anna[d] for d in DAYS] == ["mutual" if i % 2 == 0 else "them" for i in range(30)]
    assert {p.direction for p in proposals if p.contact_ids != (ids["anna"],)} == {"them"}
    assert all(p.kind == "message" and p.source == "mail" for p in proposals)
    # The bad Date fell back to the delivery time in the file name: one proposal on Nov 15.
    eva_days = sorted(p.date.isoformat() for p in proposals if p.contact_ids == (ids["eva"],))
    assert "2026-11-15" in eva_days and len(eva_days) == 11


def test_no_subject_is_stored_unless_asked(scanned):
    book, _, _ = scanned
    assert book.conn.execute("SELECT count(*) FROM capture_proposals WHERE title != ''").fetchone()[0] == 0
    assert book.conn.execute("SELECT count(*) FROM capture_proposals").fetchone()[0] == 81


def test_a_second_scan_of_an_unchanged_maildir_opens_no_file(scanned, maildir, monkeypatch):
    book, _, _ = scanned

    def no_open(*args, **kwargs):
        raise AssertionError(f"opened {args[0]}")

    monkeypatch.setattr(mail_module, "open", no_open, raising=False)
    result = capture.scan_mail(book, [maildir], now=clock.now(), since=SINCE, me=(ME,))
    assert result.scan.files == 0 and result.scan.messages == 0
    assert result.scan.skipped_files == EXPECTED["messages"]
    assert result.new == 0 and store.count_pending(book) == 81


def test_no_mail_body_is_ever_read_or_decoded(maildir, tmp_path, monkeypatch):
    """Every file is read through a wrapper that records the lines handed out: none holds the
    body's sentinel; and every way of getting at a body raises."""
    handed_out: list[bytes] = []
    real_open = builtins.open

    class Recording:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def __iter__(self):
            for line in self.handle:
                handed_out.append(line)
                yield line

        def read(self, *args):  # pragma: no cover - the reader must not call it
            raise AssertionError("read() of a message file")

    monkeypatch.setattr(mail_module, "open", lambda *a, **k: Recording(real_open(*a, **k)), raising=False)

    def body(*args, **kwargs):
        raise AssertionError("a body was asked for")

    for name in ("get_payload", "walk", "as_string", "as_bytes"):
        monkeypatch.setattr(email.message.Message, name, body)
    for name in ("get_content", "get_body", "iter_parts", "iter_attachments"):
        monkeypatch.setattr(email.message.EmailMessage, name, body)
    book, _ = make_book(tmp_path / "book.db")
    result = capture.scan_mail(book, [maildir], now=clock.now(), since=SINCE, me=(ME,))
    assert result.new == 81 and result.scan.files == EXPECTED["messages"]
    assert handed_out and not any(SENTINEL in line for line in handed_out)
    # Only header lines came out: at most ~10 a message, never a body line.
    assert len(handed_out) < 12 * EXPECTED["messages"]
    book.close()


def test_an_mbox_is_read_headers_only_and_not_again_when_unchanged(tmp_path, monkeypatch):
    box_path = tmp_path / "Sent.mbox"
    box = mailbox.mbox(str(box_path))
    for i in range(20):
        box.add(message(frm=ME, to="Anna <anna@example.com>, bob@example.org",
                        day=utc(2026, 11, 1 + i), msgid=f"<m-{i}@x>"))
    box.close()
    inbox = mailbox.mbox(str(tmp_path / "inbox"))
    inbox.add(message(frm="anna@example.com", day=utc(2026, 11, 2, 9), msgid="<r@x>", refs="<m-1@x>"))
    inbox.close()
    blocks = []
    real = mail_module.parse_headers
    monkeypatch.setattr(mail_module, "parse_headers", lambda block: blocks.append(block) or real(block))
    book, ids = make_book(tmp_path / "book.db")
    first = capture.scan_mail(book, [box_path, tmp_path / "inbox"], now=clock.now(), since=SINCE)
    assert len(blocks) == 21 and not any(SENTINEL in b for b in blocks)
    # A folder called Sent: I wrote these, with no --me needed; Anna answered on Nov 2.
    proposals = store.pending(book)
    assert first.new == 40 and len(proposals) == 40
    assert Counter(p.direction for p in proposals) == {"me": 39, "mutual": 1}
    again = capture.scan_mail(book, [box_path, tmp_path / "inbox"], now=clock.now(), since=SINCE)
    assert again.scan.skipped_files == 2 and again.scan.messages == 0 and again.new == 0
    book.close()


def test_only_new_files_are_read_and_a_reply_makes_a_waiting_proposal_mutual(tmp_path):
    w = MaildirWriter(tmp_path / "Mail")
    for i in range(30):
        w.add(message(frm="bob@example.org", day=utc(2026, 11, 10), msgid=f"<b-{i}@x>", refs="<b-root@x>"))
    book, ids = make_book(tmp_path / "book.db")
    first = capture.scan_mail(book, [w.root], now=clock.now(), since=SINCE, me=(ME,))
    assert first.new == 1 and store.pending(book)[0].direction == "them"
    w.add(message(frm=ME, to="bob@example.org", day=utc(2026, 11, 10, 15), msgid="<mine@x>",
                  refs="<b-root@x>"), folder="Sent")
    second = capture.scan_mail(book, [w.root], now=clock.now(), since=SINCE, me=(ME,))
    assert (second.scan.files, second.scan.skipped_files, second.new, second.updated) == (1, 30, 0, 1)
    assert [p.direction for p in store.pending(book)] == ["mutual"]
    # A file that disappears is forgotten from the cache.
    next((w.root / "cur").iterdir()).unlink()
    third = capture.scan_mail(book, [w.root], now=clock.now(), since=SINCE, me=(ME,))
    assert third.scan.gone_files and third.scan.skipped_files == 30
    assert book.conn.execute(  # the files, beside the source's matching mark
        "SELECT count(*) FROM capture_files WHERE instr(path, char(0)) = 0").fetchone()[0] == 30
    book.close()


def test_a_person_added_since_the_last_scan_is_found_in_files_read_before(tmp_path):
    """Scan, add the unknown sender, scan again: the unchanged files were never opened again,
    so their mail was missed. What matching depends on changed: every file is read again."""
    w = MaildirWriter(tmp_path / "Mail")
    w.add(message(frm="olga.new@example.com", day=utc(2026, 11, 10), msgid="<olga@x>"))
    w.add(message(frm="bob@example.org", day=utc(2026, 11, 11), msgid="<bob@x>"))
    book, ids = make_book(tmp_path / "book.db")
    first = capture.scan_mail(book, [w.root], now=clock.now(), since=SINCE, me=(ME,))
    assert first.new == 1 and first.scan.unmatched == 1
    same = capture.scan_mail(book, [w.root], now=clock.now(), since=SINCE, me=(ME,))
    assert (same.scan.files, same.scan.skipped_files, same.new) == (0, 2, 0)  # nothing to read
    book.update_contact(ids["olga"], today=TODAY, emails=["olga.new@example.com"])
    again = capture.scan_mail(book, [w.root], now=clock.now(), since=SINCE, me=(ME,))
    assert (again.scan.files, again.new) == (2, 1)  # Bob's is not proposed twice
    assert sorted(p.contact_ids for p in store.pending(book)) == sorted([(ids["bob"],), (ids["olga"],)])
    # The default --since (a year ago) moves every day: a later one reads nothing again; an
    # earlier one may reach messages left out before, and reads everything.
    later = capture.scan_mail(book, [w.root], now=clock.now(), since=SINCE + timedelta(days=1), me=(ME,))
    assert (later.scan.files, later.scan.skipped_files) == (0, 2)
    earlier = capture.scan_mail(book, [w.root], now=clock.now(), since=SINCE - timedelta(days=30), me=(ME,))
    assert (earlier.scan.files, earlier.new) == (2, 0)
    book.close()


def test_subjects_are_kept_only_when_asked(tmp_path):
    w = MaildirWriter(tmp_path / "Mail")
    w.add(message(frm="bob@example.org", day=utc(2026, 11, 10), msgid="<s@x>",
                  subject="=?utf-8?q?Gr=C3=BC=C3=9Fe?= aus Köln"))
    book, _ = make_book(tmp_path / "book.db")
    capture.scan_mail(book, [w.root], now=clock.now(), since=SINCE, keep_subjects=True)
    # Encoded words decoded, raw UTF-8 bytes read as UTF-8.
    assert [p.title for p in store.pending(book)] == ["Grüße aus Köln"]
    book.close()


def test_a_sender_rule_keeps_that_address_out_of_the_next_scan(tmp_path):
    w = MaildirWriter(tmp_path / "Mail")
    w.add(message(frm="bob@example.org", day=utc(2026, 11, 10), msgid="<1@x>"))
    w.add(message(frm="anna@example.com", day=utc(2026, 11, 10), msgid="<2@x>"))
    book, ids = make_book(tmp_path / "book.db")
    store.add_rule(book, "sender", "*@example.org")
    capture.scan_mail(book, [w.root], now=clock.now(), since=SINCE)
    assert [p.contact_ids for p in store.pending(book)] == [(ids["anna"],)]
    book.close()


@pytest.mark.parametrize("make, error", [
    (lambda p: p / "nothing", "no such file or folder"),
    (lambda p: (p / "plain").mkdir() or p / "plain", "not a Maildir"),
    (lambda p: (p / "x.txt").write_text("hello") and p / "x.txt", "not an mbox file"),
])
def test_a_source_that_is_not_mail_is_refused_by_name(tmp_path, make, error):
    book, _ = make_book(tmp_path / "book.db")
    path = make(tmp_path)
    with pytest.raises(capture.MailError, match=error):
        capture.scan_mail(book, [path], now=clock.now(), since=SINCE)
    assert store.count_pending(book) == 0
    book.close()


def test_crlf_folded_headers_quoted_names_and_no_message_id_are_read(tmp_path):
    w = MaildirWriter(tmp_path / "Mail")
    # CRLF line ends, a To folded over three lines with a quoted "Last, First" name and a comment.
    w.add(b"From: me@example.com\r\nTo: \"Stone, Bob\" <bob@example.org>,\r\n"
          b"\tanna@example.com (Anna at home),\r\n eva@example.net\r\n"
          b"Date: Tue, 10 Nov 2026 10:00:00 +0100\r\nMessage-ID: <crlf@x>\r\n\r\n" + SENTINEL + b"\r\n")
    # No Message-ID and no thread headers: still one proposal, keyed by sender, time and subject.
    w.add(message(frm="jurgen@example.de", day=utc(2026, 11, 11)))
    w.add(message(frm="jurgen@example.de", day=utc(2026, 11, 11, 15), subject="other"))
    book, ids = make_book(tmp_path / "book.db")
    result = capture.scan_mail(book, [w.root], now=clock.now(), since=SINCE, me=(ME,))
    found = Counter((p.contact_ids[0], p.direction) for p in store.pending(book))
    assert found == {(ids["bob"], "me"): 1, (ids["anna"], "me"): 1, (ids["eva"], "me"): 1,
                     (ids["jurgen"], "them"): 2}
    assert result.scan.unmatched == 0 and result.new == 5
    book.close()


def test_only_the_listed_headers_are_kept_from_a_header_block():
    headers = mail_module.parse_headers(
        b"From: a@example.com\nX-Secret: do not keep\nSubject: hi\n there\nReceived: by x\n")
    assert headers == {"from": ["a@example.com"], "subject": ["hi there"]}
    assert set(mail_module.HEADERS) >= set(headers)
