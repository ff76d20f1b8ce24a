"""Acting on review items: done, snooze, skip, let drift, and undoing each, checked in the book."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kontakt.config import Config
from kontakt.domain import Birthday, Cadence
from kontakt.services.review import (
    build_review,
    bring_back,
    drifted,
    let_drift,
    mark_done,
    skip_for_today,
    snooze,
    undo,
)

AS_OF = date(2026, 11, 23)
ADDED = "2025-01-01T09:00:00+00:00"
CONFIG = Config()



def person(book, name, *, every=None, last=None, tags=(), birthday=None):
    contact_id = book.add_contact(
        name, today=AS_OF, cadence=Cadence.parse(every) if every else None, tags=tags,
        birthday=birthday, created_at=ADDED,
    )
    if last:
        book.log_interaction([contact_id], on=last, today=AS_OF)
    return contact_id


def items(book, as_of=AS_OF):
    return build_review(book, as_of, CONFIG, limit=None).items


def only(book, as_of=AS_OF):
    found = items(book, as_of)
    assert len(found) == 1, found
    return found[0]


def interaction_count(book) -> int:
    return book.conn.execute("SELECT count(*) FROM interactions").fetchone()[0]


# ====================================================================== done


def test_logging_a_call_clears_the_keep_in_touch_item_and_undo_brings_it_back(book):
    olga = person(book, "Olga", every="monthly", last=date(2026, 9, 1))
    item = only(book)

    token = mark_done(book, item, AS_OF, "call")

    assert items(book) == []
    contact = book.get_contact(olga)
    assert contact.last_contact == AS_OF
    assert contact.next_due == date(2026, 12, 23)
    assert book.interactions_for(olga)[0].kind == "call"
    assert token.message == "logged call with Olga on 2026-11-23"

    undo(book, token)

    assert interaction_count(book) == 1
    contact = book.get_contact(olga)
    assert (contact.last_contact, contact.next_due) == (date(2026, 9, 1), date(2026, 10, 1))
    assert items(book) == [item]


def test_done_on_a_recurring_follow_up_completes_it_and_schedules_the_next(book):
    olga = person(book, "Olga")
    follow_up = book.add_follow_up(olga, due=AS_OF - timedelta(days=2), note="call mum",
                                   recurrence=Cadence(1, "month"))

    token = mark_done(book, only(book), AS_OF, log=False)

    assert book.get_follow_up(follow_up).status == "done"
    upcoming = book.follow_ups_for(olga, include_done=False)
    assert [f.due for f in upcoming] == [date(2026, 12, 21)]
    assert items(book) == []
    assert interaction_count(book) == 0  # log=False: completed, nothing logged
    assert "next on 2026-12-21" in token.message

    undo(book, token)

    assert book.get_follow_up(follow_up).status == "open"
    assert [f.id for f in book.follow_ups_for(olga, include_done=False)] == [follow_up]


def test_done_on_a_thank_logs_an_interaction_and_the_item_goes(book):
    jurgen = person(book, "Jürgen")
    book.add_favour(jurgen, direction="received", description="deck", on=date(2026, 9, 1))

    token = mark_done(book, only(book), AS_OF, "message")

    assert items(book) == []
    assert book.get_contact(jurgen).last_contact == AS_OF
    undo(book, token)
    assert [i.kind for i in items(book)] == ["thank"]


def test_done_on_a_birthday_logs_and_keeps_it_quiet_for_the_rest_of_the_window(book):
    rafael = person(book, "Rafael", birthday=Birthday(11, 25, 1986))

    token = mark_done(book, only(book), AS_OF, "message")

    assert book.get_contact(rafael).last_contact == AS_OF
    assert items(book, AS_OF + timedelta(days=2)) == []
    undo(book, token)
    assert interaction_count(book) == 0
    assert [i.kind for i in items(book, AS_OF + timedelta(days=2))] == ["birthday"]


def test_done_on_an_intro_check_records_the_outcome(book):
    ada, grace = person(book, "Ada"), person(book, "Grace")
    intro = book.add_introduction(ada, grace, on=AS_OF - timedelta(weeks=5))

    token = mark_done(book, only(book), AS_OF, note="they meet monthly now")

    assert book.introductions_for(ada)[0].outcome == "they meet monthly now"
    assert items(book) == []
    undo(book, token)
    assert book.introductions_for(ada)[0].outcome == ""
    assert only(book).introduction_id == intro


def test_keeping_a_drifting_contact_stops_asking_for_a_good_while(book):
    olga = person(book, "Olga", every="monthly")
    day = AS_OF - timedelta(days=40)
    for _ in range(4):
        book.log_interaction([olga], on=day, today=AS_OF)
        day -= timedelta(days=45)
    drifting = next(i for i in items(book) if i.kind == "drifting")

    token = mark_done(book, drifting, AS_OF)

    assert book.get_contact(olga).cadence == Cadence(1, "month")
    assert [i.kind for i in items(book)] == ["keep-in-touch"]
    assert [i.kind for i in items(book, AS_OF + timedelta(days=30))] == ["keep-in-touch"]
    undo(book, token)
    assert "drifting" in [i.kind for i in items(book)]


# ====================================================================== snooze and skip


def test_a_snoozed_keep_in_touch_item_comes_back_on_the_day_it_was_snoozed_to(book):
    person(book, "Olga", every="monthly", last=date(2026, 9, 1))
    until = AS_OF + timedelta(days=3)

    token = snooze(book, only(book), until, as_of=AS_OF)

    assert items(book) == []
    assert items(book, until - timedelta(days=1)) == []
    assert [i.name for i in items(book, until)] == ["Olga"]
    undo(book, token)
    assert [i.name for i in items(book)] == ["Olga"]


def test_snoozing_a_follow_up_sets_its_snooze_and_undo_clears_it(book):
    olga = person(book, "Olga")
    follow_up = book.add_follow_up(olga, due=AS_OF)

    token = snooze(book, only(book), AS_OF + timedelta(days=7), as_of=AS_OF)

    assert book.get_follow_up(follow_up).snoozed_until == AS_OF + timedelta(days=7)
    assert items(book) == []
    undo(book, token)
    assert book.get_follow_up(follow_up).snoozed_until is None
    assert len(items(book)) == 1


def test_a_skipped_item_is_gone_today_and_back_tomorrow(book):
    person(book, "Olga", every="monthly", last=date(2026, 9, 1))
    ada, grace = person(book, "Ada"), person(book, "Grace")
    book.add_introduction(ada, grace, on=AS_OF - timedelta(weeks=5))
    keep, intro = sorted(items(book), key=lambda i: i.kind)[::-1]

    skip_for_today(book, keep, AS_OF)
    token = skip_for_today(book, intro, AS_OF)

    assert items(book) == []
    assert {i.kind for i in items(book, AS_OF + timedelta(days=1))} == {
        "keep-in-touch", "intro-check"
    }
    undo(book, token)
    assert [i.kind for i in items(book)] == ["intro-check"]


# ====================================================================== let drift


def test_letting_someone_drift_takes_them_out_of_their_cadence_and_undo_restores_it(book):
    olga = person(book, "Olga", every="every 2 weeks", last=date(2026, 9, 1))

    token = let_drift(book, olga, as_of=AS_OF)

    contact = book.get_contact(olga)
    # No cadence applies and nothing is due; the own cadence is kept for bringing her back.
    assert contact.effective_cadence is None and contact.next_due is None
    assert contact.drift_cadence == Cadence(2, "week")
    assert items(book) == []
    assert items(book, date(2027, 6, 1)) == []
    undo(book, token)
    contact = book.get_contact(olga)
    assert contact.effective_cadence == Cadence(2, "week") and contact.drift_cadence is None
    assert contact.next_due == date(2026, 9, 15)
    assert [i.name for i in items(book)] == ["Olga"]


def test_letting_a_circle_member_drift_takes_them_out_of_the_circles_cadence_for_good(book):
    book.set_circle_cadence("breakfast", Cadence(1, "week"), today=AS_OF)
    katrin = person(book, "Katrin", tags=["breakfast"], last=date(2026, 10, 1))
    person(book, "Sam", tags=["breakfast"], last=date(2026, 10, 1))

    token = let_drift(book, katrin, as_of=AS_OF)

    assert [i.name for i in items(book)] == ["Sam"]
    assert [i.name for i in items(book, date(2027, 6, 1))] == ["Sam"]
    # show and list read the same: no cadence, nothing due (before, they still said "due").
    contact = book.get_contact(katrin)
    assert contact.effective_cadence is None and contact.next_due is None
    assert contact.drift_cadence == Cadence(1, "week")
    # Logging with her (a group breakfast) does not bring the cadence back.
    book.log_interaction([katrin], on=AS_OF, today=AS_OF)
    assert book.get_contact(katrin).next_due is None
    assert book.circles()[0].cadence == Cadence(1, "week")
    assert "circle" in token.message
    assert [d.name for d in drifted(book)] == ["Katrin"]
    undo(book, token)
    assert drifted(book) == []
    assert book.get_contact(katrin).next_due == AS_OF + timedelta(weeks=1)


def test_bringing_someone_back_restores_the_circles_cadence_and_can_be_undone(book):
    book.set_circle_cadence("breakfast", Cadence(1, "week"), today=AS_OF)
    katrin = person(book, "Katrin", tags=["breakfast"], last=date(2026, 10, 1))
    let_drift(book, katrin, as_of=AS_OF)
    assert items(book) == []

    token = bring_back(book, katrin, as_of=AS_OF)

    assert token.message == "brought Katrin back: every week (circle), due now"
    assert [(i.kind, i.name) for i in items(book)] == [("keep-in-touch", "Katrin")]
    assert book.get_contact(katrin).next_due == date(2026, 10, 8)
    with pytest.raises(ValueError, match="was not let drift"):
        bring_back(book, katrin, as_of=AS_OF)
    undo(book, token)
    assert items(book) == [] and [d.name for d in drifted(book)] == ["Katrin"]


def test_every_action_is_one_transaction(book):
    olga = person(book, "Olga", every="monthly", last=date(2026, 9, 1))
    item = only(book)
    book.conn.execute("DROP TABLE review_state")
    book.conn.execute("CREATE TABLE review_state (kind TEXT)")  # any write to it now fails
    with pytest.raises(Exception):
        mark_done(book, item.__class__(**{**item.__dict__, "kind": "birthday"}), AS_OF)
    # The interaction logged before the failing write was rolled back with it.
    assert interaction_count(book) == 1
    assert book.get_contact(olga).last_contact == date(2026, 9, 1)
