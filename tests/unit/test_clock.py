"""The one clock: KONTAKT_NOW and KONTAKT_TODAY move every stamp kontakt writes."""

from __future__ import annotations

import os
from datetime import date

import pytest

from kontakt import clock
from kontakt.store import Book

# Stamps contacts with the real clock's day; run again under shifted clocks (test_any_date).
pytestmark = pytest.mark.dated


def test_kontakt_today_moves_the_day_and_keeps_the_time_running(monkeypatch):
    monkeypatch.delenv("KONTAKT_NOW", raising=False)
    monkeypatch.setenv("KONTAKT_TODAY", "2024-02-29")
    assert clock.today() == date(2024, 2, 29)
    assert clock.now().date() == date(2024, 2, 29)
    assert clock.now().tzinfo is not None


def test_kontakt_now_fixes_the_moment(monkeypatch):
    monkeypatch.setenv("KONTAKT_NOW", "1999-12-31T23:59:00+01:00")
    assert clock.now().isoformat() == "1999-12-31T23:59:00+01:00"
    assert clock.today() == date(1999, 12, 31)


@pytest.mark.parametrize("name", ["KONTAKT_NOW", "KONTAKT_TODAY"])
def test_a_clock_that_is_not_a_date_is_refused_by_name(monkeypatch, name):
    monkeypatch.setenv(name, "tomorrow-ish")
    with pytest.raises(clock.ClockError, match=name):
        clock.now()


def test_trash_and_creation_stamps_follow_the_fixed_day(monkeypatch, tmp_path):
    monkeypatch.setenv("KONTAKT_TODAY", "2031-07-04")
    with Book.open(tmp_path / "b.db") as book:
        contact_id = book.add_contact("Jessica Smith", today=clock.today())
        book.trash_contact(contact_id)
        stamps = book.conn.execute("SELECT created_at, deleted_at FROM contacts").fetchone()
    assert [s[:10] for s in stamps] == ["2031-07-04", "2031-07-04"]


def test_a_shifted_test_session_really_runs_on_the_shifted_day():
    # tests/test_any_date.py relies on this: KONTAKT_TEST_SHIFT moves the wall clock itself.
    shift = os.environ.get("KONTAKT_TEST_SHIFT")
    if shift is None:
        pytest.skip("the clock is not shifted in this session")
    assert date.today().isoformat() == shift
    assert clock.today().isoformat() == shift
