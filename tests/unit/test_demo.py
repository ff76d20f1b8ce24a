"""The demo network: loaded into a real book, dated relative to the day it is loaded."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest

from kontakt.domain import Birthday, Cadence
from kontakt.services.demo import _birthday, create_demo_book, demo_network_path, load_demo
from kontakt.store import Book, BookError

TODAY = date(2026, 11, 23)
LATER = date(2027, 3, 5)  # another season, another weekday: offsets must follow it
EXAMPLE_DOMAINS = {"example.com", "example.org", "example.net"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    book = create_demo_book(tmp_path_factory.mktemp("demo") / "demo.db", TODAY)
    yield book
    book.close()


@pytest.fixture(scope="module")
def later(tmp_path_factory):
    book = create_demo_book(tmp_path_factory.mktemp("later") / "demo.db", LATER)
    yield book
    book.close()


def everyone(book: Book):
    return book.list_contacts(archived=None)


def active(book: Book):
    return book.list_contacts(archived=False)


def by_name(book: Book):
    return {c.name: c for c in everyone(book)}


def snapshot(book: Book) -> list:
    """Everything a user sees of each contact, minus ids and write timestamps."""
    rows = []
    for c in everyone(book):
        rows.append((
            c.name, c.nickname, c.emails, c.phones, c.org, c.role, c.location, c.met, c.notes,
            c.birthday, c.tags, c.cadence, c.archived, c.created_at.date(), c.last_contact,
            c.next_due,
            [(i.date, i.kind, i.note, sorted(i.names)) for i in book.interactions_for(c.id)],
            [(f.direction, f.kind, f.weight, f.date, f.status, f.description)
             for f in book.favours_for(c.id)],
            [(i.date, i.name_a, i.name_b, i.note, i.outcome) for i in book.introductions_for(c.id)],
            [(f.due, f.note, f.recurrence, f.status, f.snoozed_until, f.done_on)
             for f in book.follow_ups_for(c.id)],
        ))
    return rows


def gaps(book: Book, contact_id: int) -> list[int]:
    days = sorted({i.date for i in book.interactions_for(contact_id)})
    return [(later - earlier).days for earlier, later in zip(days, days[1:])]


def test_the_network_file_ships_where_the_loader_looks():
    path = demo_network_path()
    assert path.name == "demo-network.json"
    assert len(json.loads(path.read_text(encoding="utf-8"))["contacts"]) >= 100


def test_the_demo_holds_about_120_people_some_archived(demo):
    counts = demo.counts()
    assert 110 <= counts.contacts + counts.archived <= 130
    assert 3 <= counts.archived <= 8
    assert demo.count_interactions() > 500


def test_circles_come_with_their_cadences(demo):
    circles = {c.name: c for c in demo.circles()}
    assert circles["breakfast"].cadence == Cadence(1, "week")
    assert circles["peer-group"].cadence == Cadence(1, "month")
    assert circles["clients"].cadence == Cadence(3, "month")
    assert circles["close-friends"].cadence == Cadence(2, "week")
    assert circles["alumni"].cadence is None
    assert "former-colleagues" in circles
    assert 10 <= circles["breakfast"].members <= 14
    assert 6 <= circles["peer-group"].members <= 10


def test_some_people_sit_in_two_circles_and_some_keep_their_own_cadence(demo):
    people = active(demo)
    assert sum(len(c.tags) >= 2 for c in people) >= 3
    overriding = [c for c in people if c.cadence and c.tags and c.cadence != min(
        (circle.cadence for circle in demo.circles() if circle.name in c.tags and circle.cadence),
        key=lambda cadence: cadence.approx_days, default=None)]
    assert overriding
    assert all(c.effective_cadence == c.cadence for c in overriding)


def test_a_breakfast_is_one_interaction_with_whoever_came(demo):
    member = demo.circle_members("breakfast")[0]
    meetings = [i for i in demo.interactions_for(member.id)
                if i.note.startswith("Breakfast club") and i.kind == "meeting"]
    assert len(meetings) > 20
    assert all(len(i.contact_ids) >= 5 for i in meetings)
    assert len({frozenset(i.contact_ids) for i in meetings}) > 10  # a varying subset


def test_some_are_due_some_are_not_and_some_never_are(demo):
    people = active(demo)
    assert sum(c.next_due is not None and c.next_due <= TODAY for c in people) >= 5
    assert sum(c.next_due is not None and c.next_due > TODAY for c in people) >= 30
    assert any(c.next_due is None and c.effective_cadence is None for c in people)
    in_touch = [c for c in demo.circle_members("breakfast") if c.next_due > TODAY]
    assert len(in_touch) >= 8  # most of the weekly circle is within its cadence


def test_someone_is_months_late_on_a_monthly_cadence(demo):
    late = [c for c in active(demo) if c.effective_cadence == Cadence(1, "month")
            and c.next_due and (TODAY - c.next_due).days >= 60]
    assert late


def test_a_few_are_drifting_each_gap_longer_than_their_cadence(demo):
    drifting = [
        c for c in active(demo)
        if c.effective_cadence and len(gaps(demo, c.id)) >= 3
        and all(g > c.effective_cadence.approx_days for g in gaps(demo, c.id)[-3:])
    ]
    assert 2 <= len(drifting) <= 8


def test_favours_go_both_ways_in_every_status(demo):
    favours = [f for c in everyone(demo) for f in demo.favours_for(c.id)]
    assert {f.direction for f in favours} == {"given", "received"}
    assert {f.status for f in favours} == {"open", "returned", "let go"}
    assert {f.weight for f in favours} == {1, 2, 3}


def test_some_favours_received_weeks_ago_were_never_followed_up(demo):
    unthanked = [
        (c.name, f) for c in active(demo) for f in demo.favours_for(c.id)
        if f.direction == "received" and f.status == "open"
        and 35 <= (TODAY - f.date).days <= 90 and c.last_contact < f.date
    ]
    assert 2 <= len(unthanked) <= 5


def test_introductions_with_outcomes_and_recent_ones_without(demo):
    intros = {i.id: i for c in everyone(demo) for i in demo.introductions_for(c.id)}.values()
    assert sum(bool(i.outcome) for i in intros) >= 5
    recent = [i for i in intros if 28 <= (TODAY - i.date).days <= 42 and not i.outcome]
    assert len(recent) >= 2


def test_follow_ups_due_overdue_future_recurring_and_done(demo):
    follow_ups = [f for c in active(demo) for f in demo.follow_ups_for(c.id)]
    open_ = [f for f in follow_ups if f.status == "open"]
    assert any(f.due == TODAY for f in open_)
    assert any(f.effective_due < TODAY for f in open_)
    assert any(f.due > TODAY for f in open_)
    assert any(f.recurrence == Cadence(3, "month") for f in open_)
    assert any(f.status == "done" for f in follow_ups)


def test_birthdays_for_about_half_some_without_year_one_on_a_leap_day(demo):
    people = everyone(demo)
    birthdays = [c.birthday for c in people if c.birthday]
    assert len(people) * 0.35 <= len(birthdays) <= len(people) * 0.65
    assert any(b.year is None for b in birthdays)
    assert any((b.month, b.day) == (2, 29) and b.year for b in birthdays)


@pytest.mark.parametrize("book_fixture, today", [("demo", TODAY), ("later", LATER)])
def test_a_birthday_is_always_coming_up_within_a_week(request, book_fixture, today):
    book = request.getfixturevalue(book_fixture)
    soon = [c for c in active(book) if c.birthday
            and (c.birthday.next_on_or_after(today) - today).days <= 7]
    assert len(soon) >= 2


def test_tricky_names_are_stored_literally(demo):
    assert any(c.nickname == "[bold]Bo[/bold]" for c in everyone(demo))
    assert any(c.org == "Müller & Söhne [GmbH]" for c in everyone(demo))
    names = {c.name for c in everyone(demo)}
    assert {"Jürgen Müller", "Reto Bühler", "Florian Gruber"} <= names
    assert any("ß" in name for name in names)


def test_every_email_is_on_an_example_domain_and_every_phone_is_dach(demo):
    people = everyone(demo)
    emails = [e for c in people for e in c.emails]
    assert len(emails) > 100
    assert all(e.rsplit("@", 1)[1] in EXAMPLE_DOMAINS for e in emails)
    phones = [p for c in people for p in c.phones]
    international = [p for p in phones if p.startswith(("+49 ", "+41 ", "+43 "))]
    # The one national form is the planted duplicate's copy of Jürgen's mobile.
    assert [p for p in phones if p not in international] == ["0170 36601335"]
    assert "+49 170 36601335" in international


def test_two_people_are_in_the_book_twice_and_detection_finds_both(demo):
    from kontakt.services.dupes import find_duplicates

    pairs = {(c.name_a, c.name_b): c for c in find_duplicates(demo)}
    assert set(pairs) == {("Jürgen Müller", "Juergen Mueller"),
                          ("Andreas Hürlimann", "Andi Hürlimann")}
    assert "same phone" in pairs["Jürgen Müller", "Juergen Mueller"].reasons
    assert any("nickname" in r for r in pairs["Andreas Hürlimann", "Andi Hürlimann"].reasons)
    # Each second record has history of its own, so a merge has something to move.
    for name in ("Juergen Mueller", "Andi Hürlimann"):
        assert demo.interactions_for(demo.find(name).id)


def test_loading_twice_on_the_same_day_gives_the_same_book(demo, tmp_path):
    again = create_demo_book(tmp_path / "again.db", TODAY)
    try:
        assert snapshot(again) == snapshot(demo)
    finally:
        again.close()


def test_dates_move_with_the_day_the_demo_is_loaded(demo, later):
    shift = LATER - TODAY
    before, after = by_name(demo), by_name(later)
    assert before.keys() == after.keys()
    for name, contact in before.items():
        moved = after[name]
        assert moved.created_at.date() - contact.created_at.date() == shift, name
        if contact.last_contact:
            assert moved.last_contact - contact.last_contact == shift, name
    assert any(c.next_due and c.next_due <= LATER for c in active(later))


def test_everyone_was_added_before_their_first_interaction(demo):
    for c in everyone(demo):
        dates = [i.date for i in demo.interactions_for(c.id)]
        if dates:
            assert c.created_at.date() < min(dates), c.name


def test_creating_the_demo_again_refills_the_same_file_in_place(tmp_path):
    path = tmp_path / "demo.db"
    first = create_demo_book(path, TODAY)
    contacts = first.counts().contacts
    inode = path.stat().st_ino
    with first.write():
        first.add_contact("Someone Added", today=TODAY)
    # The first demo stays open, as in another terminal: its file must not be unlinked.
    second = create_demo_book(path, TODAY)
    try:
        assert second.counts().contacts == contacts  # replaced, not loaded on top
        assert second.get_setting("demo") == "1"
        assert path.stat().st_ino == inode
        assert first.counts().contacts == contacts  # the open one sees the fresh demo
        assert first.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        second.close()
        first.close()


def test_a_demo_path_holding_something_else_is_refused(tmp_path):
    path = tmp_path / "demo.db"
    path.write_text("not a book")
    with pytest.raises(BookError, match="not a kontakt book"):
        create_demo_book(path, TODAY)
    assert path.read_text() == "not a book"


def test_loading_into_an_open_book_is_one_transaction(tmp_path):
    with Book.open(tmp_path / "book.db") as book:
        statements: list[str] = []
        book.conn.set_trace_callback(statements.append)
        load_demo(book, TODAY)
        book.conn.set_trace_callback(None)
        assert sum(s.startswith("BEGIN") for s in statements) == 1
        assert sum(s == "COMMIT" for s in statements) == 1


def test_a_birthday_a_few_days_ahead_survives_landing_on_29_february():
    # Loaded on 28 Feb 2028, "in one day" is 29 Feb; someone born in 1985 cannot have that.
    assert _birthday({"birthday_in_days": 1, "birth_year": 1985}, date(2028, 2, 28)) == \
        Birthday(2, 28, 1985)
    assert _birthday({"birthday_in_days": 1}, date(2028, 2, 28)) == Birthday(2, 29)
    assert _birthday({"birthday": "--07-14"}, TODAY) == Birthday(7, 14)
    assert _birthday({}, TODAY) is None


def test_the_demo_service_does_not_import_textual():
    code = "import sys, kontakt.services.demo; print('textual' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"



def test_filling_at_once_gives_the_due_dates_of_writing_step_by_step(tmp_path, monkeypatch):
    # Book.filling works out due dates and applying circles once at the end; the oracle is
    # the same demo written with a plain transaction, every interaction refreshing its people.
    columns = "name, last_contact, next_due, cadence_circle, archived"
    filled = create_demo_book(tmp_path / "filled.db", TODAY)
    at_once = filled.conn.execute(f"SELECT {columns} FROM contacts ORDER BY name").fetchall()
    filled.close()
    monkeypatch.setattr(Book, "filling", lambda self, today: self.write())
    stepped = create_demo_book(tmp_path / "stepped.db", TODAY)
    step_by_step = stepped.conn.execute(f"SELECT {columns} FROM contacts ORDER BY name").fetchall()
    stepped.close()
    assert len(at_once) > 100 and [tuple(r) for r in at_once] == [tuple(r) for r in step_by_step]
    assert sum(r["next_due"] is not None for r in at_once) > 50  # the interesting column is filled


def test_the_first_write_after_the_demo_is_an_undo_step(tmp_path):
    from kontakt.store import history

    book = create_demo_book(tmp_path / "demo.db", TODAY)
    try:
        assert history.steps(book) == []  # the demo itself is no step to undo
        anna = book.add_contact("Anna Nachher", today=TODAY)
        assert len(history.steps(book)) == 1  # the recording triggers came back with it
        history.undo(book)
        assert anna not in [c.id for c in book.list_contacts(archived=None)]
    finally:
        book.close()


def test_filling_nested_in_another_filling_refreshes_once_at_the_outer_end(tmp_path):
    with Book.open(tmp_path / "book.db") as book:
        with book.filling(TODAY):
            with book.filling(TODAY):
                ada = book.add_contact("Ada", today=TODAY, cadence=Cadence.parse("monthly"))
            assert book.conn.execute("SELECT next_due FROM contacts WHERE id = ?", (ada,)).fetchone()[0] is None
        assert book.get_contact(ada).next_due is not None


def test_the_demo_loaded_into_a_book_that_records_is_one_undo_step(tmp_path):
    from kontakt.store import history

    with Book.open(tmp_path / "book.db") as book:
        anna = book.add_contact("Anna Before", today=TODAY, tags=["clients"])
        load_demo(book, TODAY)
        assert len(history.steps(book)) == 2
        history.undo(book)  # the whole demo goes; Anna and her circle stay
        assert [c.id for c in book.list_contacts(archived=None)] == [anna]
        assert [c.name for c in book.list_contacts(tag="clients")] == ["Anna Before"]
        assert book.conn.execute("PRAGMA foreign_key_check").fetchall() == []
