"""The daily budget, the pause, follow-ups logged when done, bare weekdays: explicit days only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kontakt.config import Config, ConfigError, load_config
from kontakt.domain import Cadence, DateError, parse_date
from kontakt.services.review import (
    Budget,
    also_handled,
    budget_line,
    build_review,
    cap_for,
    day_budget,
    let_drift,
    mark_done,
    pause,
    resume,
    shift_for_pause,
    skip_for_today,
    snooze,
    undo,
)
from kontakt.store import Book

AS_OF = date(2026, 11, 23)  # a Monday
ADDED = "2025-01-01T09:00:00+00:00"
CONFIG = Config(daily_cap=5)



def crowd(book, count: int, *, as_of=AS_OF) -> list[int]:
    """`count` weekly contacts, each overdue by a different number of days."""
    ids = []
    for n in range(count):
        contact_id = book.add_contact(f"Person {n:02d}", today=as_of,
                                      cadence=Cadence.parse("weekly"), created_at=ADDED)
        book.log_interaction([contact_id], on=as_of - timedelta(days=10 + n), today=as_of)
        ids.append(contact_id)
    return ids


def top(book, as_of=AS_OF):
    return build_review(book, as_of, CONFIG, limit=1).items[0]


# ====================================================================== the budget


def test_each_action_counts_once_against_its_day_and_undo_gives_it_back(book):
    crowd(book, 8)
    assert day_budget(book, AS_OF, CONFIG) == Budget(cap=5, done=0)

    tokens = [
        mark_done(book, top(book), AS_OF, "call"),
        snooze(book, top(book), AS_OF + timedelta(days=3), as_of=AS_OF),
        skip_for_today(book, top(book), AS_OF),
    ]
    item = top(book)
    tokens.append(let_drift(book, item.contact_id, as_of=AS_OF, item=item))

    budget = day_budget(book, AS_OF, CONFIG)
    assert (budget.done, budget.left) == (4, 1)
    assert [t.handled for t in tokens] == [((t.item.kind, t.item.ref_id),) if t.item else
                                           (("keep-in-touch", t.contact_id),) for t in tokens]
    # Another day's budget is its own: tomorrow nothing is used yet.
    assert day_budget(book, AS_OF + timedelta(days=1), CONFIG).done == 0

    undo(book, tokens.pop())
    assert day_budget(book, AS_OF, CONFIG).done == 3
    for token in reversed(tokens):
        undo(book, token)
    assert day_budget(book, AS_OF, CONFIG).done == 0


def test_the_budget_is_kept_in_the_book_so_a_second_connection_sees_it(book, tmp_path):
    crowd(book, 7)
    for _ in range(5):
        mark_done(book, top(book), AS_OF)
    with Book.open(tmp_path / "kontakt.db") as other:
        budget = day_budget(other, AS_OF, CONFIG)
        assert (budget.cap, budget.done, budget.left, budget.used_up) == (5, 5, 0, True)
        assert budget.as_json() == {"cap": 5, "done": 5, "left": 0, "paused_until": None}
        # Two are still due: the rest, for whoever asks.
        assert len(build_review(other, AS_OF, CONFIG, limit=None).items) == 2


def test_settled_items_count_too_and_their_undo_gives_them_back(book):
    ids = crowd(book, 3)
    first, second = build_review(book, AS_OF, CONFIG, limit=2).items
    token = mark_done(book, first, AS_OF)
    token = also_handled(book, token, [second])
    assert day_budget(book, AS_OF, CONFIG).done == 2
    # Counting the same item again does not count it twice.
    assert also_handled(book, token, [second]).handled == token.handled
    undo(book, token)
    assert day_budget(book, AS_OF, CONFIG).done == 0
    assert len(ids) == 3


def test_weekday_caps_replace_the_daily_cap_on_their_day():
    config = Config(daily_cap=5, daily_cap_weekdays={5: 0, 6: 2})
    saturday, sunday = date(2026, 11, 28), date(2026, 11, 29)
    assert [cap_for(config, AS_OF + timedelta(days=n)) for n in range(7)] == [5, 5, 5, 5, 5, 0, 2]
    assert (saturday.weekday(), sunday.weekday()) == (5, 6)


def test_a_day_off_has_no_room_and_says_so(book):
    config = Config(daily_cap=5, daily_cap_weekdays={0: 0})
    budget = day_budget(book, AS_OF, config)
    assert (budget.cap, budget.left, budget.used_up) == (0, 0, True)
    assert budget_line(budget, None) == "a day off — no review today"


def test_budget_line_says_how_many_and_how_to_see_the_rest():
    line = budget_line(Budget(cap=5, done=5), "`kontakt today --more`")
    assert line == "that's it for today — 5 of 5 done; `kontakt today --more` shows the rest"
    assert budget_line(Budget(cap=5, done=6), None) == "that's it for today — 6 of 5 done"


# ====================================================================== config


def test_config_reads_weekday_caps_by_short_or_full_name(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[review]\ndaily_cap = 4\ndaily_cap_weekdays = {sat = 0, Sunday = 2}\n")
    config = load_config(path)
    assert (config.daily_cap, config.daily_cap_weekdays) == (4, {5: 0, 6: 2})


@pytest.mark.parametrize("table, words", [
    ("{funday = 1}", "'funday' is not a weekday"),
    ("{sat = -1}", "must be a whole number from 0"),
    ("{sat = true}", "must be a whole number"),
    ("3", "must be a table"),
])
def test_config_refuses_bad_weekday_caps_with_one_line(tmp_path, table, words):
    path = tmp_path / "config.toml"
    path.write_text(f"[review]\ndaily_cap_weekdays = {table}\n")
    with pytest.raises(ConfigError, match=words) as raised:
        load_config(path)
    assert str(path) in str(raised.value) and "\n" not in str(raised.value)


# ====================================================================== the pause


def test_while_paused_nothing_is_left_and_resume_ends_it_today(book):
    crowd(book, 3)
    message = pause(book, AS_OF, date(2027, 1, 2))
    assert "2027-01-02" in message
    during = day_budget(book, AS_OF + timedelta(days=10), CONFIG)
    assert (during.left, during.paused_until) == (0, date(2027, 1, 2))
    assert budget_line(during, None) == "paused until Sat 2027-01-02"
    # The day it ends the budget is whole again.
    assert day_budget(book, date(2027, 1, 2), CONFIG).left == 5

    back = AS_OF + timedelta(days=5)
    assert resume(book, back) is not None
    assert day_budget(book, back, CONFIG).paused_until is None
    assert resume(book, back) is None  # not paused any more


def test_pause_must_end_after_today_and_extending_keeps_its_start(book):
    with pytest.raises(ValueError, match="not after today"):
        pause(book, AS_OF, AS_OF)
    pause(book, AS_OF, AS_OF + timedelta(days=7))
    pause(book, AS_OF + timedelta(days=3), AS_OF + timedelta(days=14))
    from kontakt.store.review_queries import get_pause
    assert get_pause(book) == (AS_OF, AS_OF + timedelta(days=14))


def test_what_fell_due_in_the_pause_is_due_the_day_it_ends_and_ranks_as_fresh(book):
    before = book.add_contact("Before Pause", today=AS_OF, created_at=ADDED)
    inside = book.add_contact("Inside Pause", today=AS_OF, created_at=ADDED)
    book.add_follow_up(before, due=AS_OF - timedelta(days=2), note="old")
    book.add_follow_up(inside, due=AS_OF + timedelta(days=10), note="new")
    pause(book, AS_OF, AS_OF + timedelta(days=30))
    back = AS_OF + timedelta(days=30)

    items = {i.name: i for i in build_review(book, back, CONFIG, limit=None).items}
    assert items["Inside Pause"].due == back  # shifted to the day the pause ended
    assert items["Inside Pause"].score == pytest.approx(1.0)  # as if due today
    assert items["Before Pause"].due == AS_OF - timedelta(days=2)  # not inside: unchanged
    # A week after the return the shifted one has waited a week, not four.
    later = {i.name: i for i in build_review(book, back + timedelta(days=7), CONFIG, limit=None).items}
    assert later["Inside Pause"].score == pytest.approx(2.0)


def test_shift_for_pause_leaves_birthdays_and_a_running_pause_alone(book):
    crowd(book, 1)
    item = top(book)
    start, end = item.due - timedelta(days=1), item.due + timedelta(days=5)
    assert shift_for_pause([item], item.due, (start, end)) == [item]  # still paused
    moved = shift_for_pause([item], end + timedelta(days=1), (start, end))[0]
    assert moved.due == end and moved.score < item.score + 1
    birthday = item.__class__(**{**item.__dict__, "kind": "birthday"})
    assert shift_for_pause([birthday], end, (start, end)) == [birthday]


# ====================================================================== follow-ups


def test_done_on_a_follow_up_logs_the_interaction_and_undo_removes_it(book):
    olga = book.add_contact("Olga Petrova", today=AS_OF, created_at=ADDED)
    book.add_follow_up(olga, due=AS_OF, note="the move")
    token = mark_done(book, top(book), AS_OF, "call", note="all settled")
    [logged] = book.interactions_for(olga)
    assert (logged.date, logged.kind, logged.note) == (AS_OF, "call", "all settled")
    assert book.get_contact(olga).last_contact == AS_OF
    assert token.message == "follow-up with Olga Petrova done, logged a call"
    undo(book, token)
    assert book.interactions_for(olga) == []
    assert book.get_contact(olga).last_contact is None


# ====================================================================== dates


@pytest.mark.parametrize("text, expected", [
    ("friday", date(2026, 11, 27)),
    ("Mon", date(2026, 11, 30)),  # today is a Monday: the next one, a week ahead
    ("  sunday ", date(2026, 11, 29)),
    ("next friday", date(2026, 11, 27)),
])
def test_a_bare_weekday_is_the_next_such_day(text, expected):
    assert parse_date(text, AS_OF) == expected


def test_a_bare_weekday_typed_on_that_weekday_is_a_week_ahead():
    friday = date(2026, 11, 27)
    assert parse_date("friday", friday) == date(2026, 12, 4)
    with pytest.raises(DateError, match="friday"):
        parse_date("fridayy", friday)
