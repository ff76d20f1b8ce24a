"""The daily review engine: every item kind, ranking, the energy cap, leap years, month ends."""

from __future__ import annotations

from datetime import date, timedelta


from kontakt.config import Config
from kontakt.domain import Birthday, Cadence
from kontakt.services.review import (
    KINDS,
    build_review,
    choose,
    is_drifting,
    items_for_contact,
    record_offers,
)
from kontakt.store.review_queries import query_plans

AS_OF = date(2026, 11, 23)
ADDED = "2025-01-01T09:00:00+00:00"
CONFIG = Config()



def person(book, name, *, every=None, last=None, tags=(), birthday=None, added=ADDED):
    """A contact added long ago, optionally with a cadence and a last interaction."""
    contact_id = book.add_contact(
        name, today=AS_OF, cadence=Cadence.parse(every) if every else None, tags=tags,
        birthday=birthday, created_at=added,
    )
    if last:
        book.log_interaction([contact_id], on=last, today=AS_OF)
    return contact_id


def review(book, as_of=AS_OF, *, limit=None, config=CONFIG):
    return build_review(book, as_of, config, limit=limit)


def kinds_and_names(result) -> list[tuple[str, str]]:
    return [(item.kind, item.name) for item in result.items]


# ====================================================================== follow-ups


def test_a_follow_up_due_today_or_earlier_is_in_the_review_with_its_note(book):
    olga = person(book, "Olga Petrova")
    book.add_follow_up(olga, due=AS_OF, note="ask about the move")
    book.add_follow_up(olga, due=AS_OF - timedelta(days=3), note="send the photos")
    book.add_follow_up(olga, due=AS_OF + timedelta(days=1), note="not yet")

    items = review(book).items

    assert [item.reason for item in items] == [
        "follow up: send the photos", "follow up: ask about the move",
    ]
    assert {item.kind for item in items} == {"follow-up"}
    assert items[0].due == AS_OF - timedelta(days=3)
    assert all(item.follow_up_id for item in items)


def test_a_snoozed_follow_up_waits_until_its_snooze_ends(book):
    olga = person(book, "Olga Petrova")
    follow_up = book.add_follow_up(olga, due=AS_OF - timedelta(days=2))
    book.snooze_follow_up(follow_up, until=AS_OF + timedelta(days=2))

    assert review(book).items == []
    later = review(book, AS_OF + timedelta(days=2)).items
    # Back from the snooze it shows the day it was due: it has waited that long.
    assert [item.due for item in later] == [AS_OF - timedelta(days=2)]


def test_a_done_follow_up_is_not_in_the_review(book):
    olga = person(book, "Olga Petrova")
    follow_up = book.add_follow_up(olga, due=AS_OF)
    book.complete_follow_up(follow_up, on=AS_OF)
    assert review(book).items == []


# ====================================================================== keep-in-touch


def test_a_contact_past_their_cadence_is_due_to_keep_in_touch(book):
    person(book, "Jürgen Müller", every="monthly", last=date(2026, 9, 2))
    person(book, "Sam Okafor", every="monthly", last=AS_OF - timedelta(days=5))
    person(book, "No Cadence", last=date(2020, 1, 1))

    items = review(book).items

    assert kinds_and_names(review(book)) == [("keep-in-touch", "Jürgen Müller")]
    assert items[0].due == date(2026, 10, 2)
    assert items[0].reason == "last in touch 2 Sep (3 mo ago); you aim for every month"


def test_keep_in_touch_is_due_on_the_day_not_before(book):
    person(book, "Ada", every="2 weeks", last=AS_OF - timedelta(days=14))
    person(book, "Grace", every="2 weeks", last=AS_OF - timedelta(days=13))
    assert kinds_and_names(review(book)) == [("keep-in-touch", "Ada")]


def test_three_months_late_on_monthly_outranks_one_week_late_on_fortnightly(book):
    person(book, "Fortnightly", every="2 weeks", last=AS_OF - timedelta(days=21))
    person(book, "Monthly", every="monthly", last=date(2026, 7, 23))

    assert [name for _, name in kinds_and_names(review(book))] == ["Monthly", "Fortnightly"]


def test_closer_circles_come_first_when_equally_overdue(book):
    book.set_circle_cadence("family", None, today=AS_OF)  # position 1: closest
    book.set_circle_cadence("clients", None, today=AS_OF)  # position 2
    last = AS_OF - timedelta(days=10)
    person(book, "Anna Client", every="weekly", last=last, tags=["clients"])
    person(book, "Zoe Family", every="weekly", last=last, tags=["family"])
    person(book, "Bea Nobody", every="weekly", last=last)

    names = [name for _, name in kinds_and_names(review(book))]
    assert names == ["Zoe Family", "Anna Client", "Bea Nobody"]


def test_the_cap_breaks_ties_by_circle_closeness_at_its_edge(book):
    book.set_circle_cadence("family", None, today=AS_OF)
    book.set_circle_cadence("clients", None, today=AS_OF)
    person(book, "Most Overdue", every="weekly", last=AS_OF - timedelta(days=60))
    for name, tags in (("Anna Client", ["clients"]), ("Bea Nobody", []),
                       ("Zoe Family", ["family"])):
        person(book, name, every="weekly", last=AS_OF - timedelta(days=10), tags=tags)

    assert [i.name for i in review(book, limit=2).items] == ["Most Overdue", "Zoe Family"]
    assert review(book, limit=2).more == 2


def test_ties_running_past_the_rows_ranked_ahead_still_go_by_closeness(book, monkeypatch):
    import kontakt.store.review_queries as queries

    monkeypatch.setattr(queries, "_SPARE", 1)
    book.set_circle_cadence("family", None, today=AS_OF)
    book.set_circle_cadence("clients", None, today=AS_OF)
    for name, tags in (("Anna Client", ["clients"]), ("Bea Nobody", []),
                       ("Carl Nobody", []), ("Zoe Family", ["family"])):
        person(book, name, every="weekly", last=AS_OF - timedelta(days=10), tags=tags)

    assert [i.name for i in review(book, limit=1).items] == ["Zoe Family"]
    assert [i.name for i in review(book, limit=2).items] == ["Zoe Family", "Anna Client"]


def test_a_member_without_a_cadence_inherits_the_circles(book):
    book.set_circle_cadence("breakfast", Cadence(1, "week"), today=AS_OF)
    person(book, "Katrin", tags=["breakfast"], last=AS_OF - timedelta(days=9))

    items = review(book).items
    assert [(i.kind, i.name, i.due) for i in items] == [
        ("keep-in-touch", "Katrin", AS_OF - timedelta(days=2))
    ]
    assert "every week" in items[0].reason


def test_someone_never_contacted_is_due_one_cadence_after_being_added(book):
    person(book, "New Friend", every="monthly", added="2026-10-20T10:00:00+00:00")
    assert [(i.name, i.due) for i in review(book).items] == [("New Friend", date(2026, 11, 20))]
    assert review(book).items[0].reason == "nothing logged yet; you aim for every month"


def test_monthly_from_the_31st_of_january_is_due_on_the_28th_of_february(book):
    person(book, "Month End", every="monthly", last=date(2026, 1, 31))
    assert review(book, date(2026, 2, 27)).items == []
    assert [i.due for i in review(book, date(2026, 2, 28)).items] == [date(2026, 2, 28)]


def test_archived_and_trashed_contacts_are_left_out(book):
    archived = person(book, "Archived", every="weekly", last=date(2026, 1, 1))
    trashed = person(book, "Trashed", every="weekly", last=date(2026, 1, 1))
    book.add_follow_up(trashed, due=AS_OF)
    book.archive(archived)
    book.trash_contact(trashed)
    assert review(book).items == []


def _table_scans(plans: str) -> list[str]:
    """The plan lines that scan a table or index (a scan of a subquery's own rows, of the
    circle pass's temporary table of firsts, of the walk over cadence lengths, of a list of
    ids given, or of the one row a SELECT of subqueries makes, is not)."""
    return [line for line in plans.splitlines()
            if line.startswith("SCAN ") and not line.startswith(
                ("SCAN (subquery", "SCAN firsts", "SCAN spans", "SCAN CONSTANT ROW",
                 "SCAN json_each"))]


def test_every_kind_comes_from_its_index_never_a_scan_of_all_contacts(book):
    person(book, "Breakfast Member", tags=["breakfast"], last=date(2026, 1, 1))
    book.set_circle_cadence("breakfast", Cadence.parse("weekly"), today=AS_OF)
    plans = query_plans(book, lambda: review(book, limit=5))
    for index in ("contacts_by_overdue", "follow_ups_open_by_due_contact",
                  "favours_to_thank", "favours_open_by_date", "introductions_by_day",
                  "introductions_unanswered", "contacts_by_birthday_active",
                  "contacts_by_cadence_circle", "contacts_by_due_span"):
        assert f"INDEX {index} (" in plans
    # The circle prompts count each circle's people by their stored circle (m019) and the
    # keep-in-touch ranking reads a few rows per cadence length: nothing scans.
    assert "SEARCH c USING INDEX contacts_by_cadence_circle (cadence_circle=?)" in plans
    assert "SEARCH c USING INDEX contacts_by_due_span (<expr>=? AND next_due>? AND next_due<?)" in plans
    assert _table_scans(plans) == []


def test_one_contacts_items_are_looked_up_by_its_id(book):
    plans = query_plans(book, lambda: items_for_contact(book, 1, AS_OF, CONFIG))
    assert _table_scans(plans) == []
    assert "contacts_by_overdue" not in plans
    assert "USING INTEGER PRIMARY KEY" in plans


# ====================================================================== birthdays


def test_birthdays_in_the_next_seven_days_including_year_less_ones(book):
    person(book, "Today", birthday=Birthday(11, 23, 1986))
    person(book, "In Seven", birthday=Birthday(11, 30))
    person(book, "In Eight", birthday=Birthday(12, 1, 1990))
    person(book, "Yesterday", birthday=Birthday(11, 22, 1990))

    items = review(book).items

    assert [(i.kind, i.name, i.due) for i in items] == [
        ("birthday", "Today", AS_OF), ("birthday", "In Seven", date(2026, 11, 30)),
    ]
    assert items[0].reason == "birthday today — turns 40"
    assert items[1].reason == "birthday on Mon 30 Nov"


def test_the_birthday_window_comes_from_the_config(book):
    person(book, "In Eight", birthday=Birthday(12, 1, 1990))
    assert review(book).items == []
    assert [i.name for i in review(book, config=Config(birthday_window_days=8)).items] == [
        "In Eight"
    ]


def test_birthdays_just_after_new_year_show_in_late_december(book):
    person(book, "New Year", birthday=Birthday(1, 2, 1970))
    items = review(book, date(2026, 12, 28)).items
    assert [(i.name, i.due) for i in items] == [("New Year", date(2027, 1, 2))]
    assert items[0].reason == "birthday on Sat 2 Jan 2027 — turns 57"


def test_29_february_is_celebrated_on_28_february_in_other_years(book):
    person(book, "Leap", birthday=Birthday(2, 29, 1988))
    on_the_day = Config(birthday_window_days=0)

    items = review(book, date(2027, 2, 28), config=on_the_day).items
    assert [(i.name, i.due) for i in items] == [("Leap", date(2027, 2, 28))]
    assert items[0].reason.startswith("birthday today — turns 39")
    assert review(book, date(2027, 3, 1), config=on_the_day).items == []
    # In a leap year it is the 29th again, not the 28th.
    assert review(book, date(2028, 2, 28), config=on_the_day).items == []
    assert [i.due for i in review(book, date(2028, 2, 29), config=on_the_day).items] == [
        date(2028, 2, 29)
    ]


def test_a_year_less_29_february_birthday_shows_in_a_non_leap_february(book):
    person(book, "Leap Yearless", birthday=Birthday(2, 29))
    items = review(book, date(2027, 2, 22)).items
    assert [(i.name, i.due) for i in items] == [("Leap Yearless", date(2027, 2, 28))]


def test_a_birthday_today_outranks_an_ordinary_keep_in_touch(book):
    person(book, "Due", every="monthly", last=date(2026, 10, 1))
    person(book, "Birthday", birthday=Birthday(11, 23))
    assert [i.name for i in review(book).items] == ["Birthday", "Due"]


# ====================================================================== thank / return


def test_an_open_favour_received_over_30_days_ago_with_no_contact_since_asks_for_thanks(book):
    jurgen = person(book, "Jürgen Müller", last=date(2026, 9, 1))
    book.add_favour(jurgen, direction="received", description="reviewed my deck",
                    on=date(2026, 10, 2), kind="advice")

    items = review(book).items

    assert [(i.kind, i.name) for i in items] == [("thank", "Jürgen Müller")]
    assert items[0].reason == "from Jürgen on 2 Oct: reviewed my deck — say thanks?"
    assert items[0].favour_id is not None


def test_no_thanks_item_when_it_is_recent_given_settled_or_thanked(book):
    recent = person(book, "Recent")
    book.add_favour(recent, direction="received", description="x", on=AS_OF - timedelta(days=3))
    given = person(book, "Given")
    book.add_favour(given, direction="given", description="x", on=date(2026, 1, 1))
    returned = person(book, "Returned")
    book.add_favour(returned, direction="received", description="x", on=date(2026, 1, 1),
                    status="returned")
    talked = person(book, "Thanked Since")
    book.add_favour(talked, direction="received", description="x", on=date(2026, 1, 1))
    book.log_interaction([talked], on=date(2026, 1, 5), today=AS_OF, thanks=True)

    assert review(book).items == []


def test_thank_after_days_comes_from_the_config(book):
    quick = person(book, "Quick")
    book.add_favour(quick, direction="received", description="x", on=AS_OF - timedelta(days=5))
    assert [i.kind for i in review(book).items] == ["thank"]  # the default: after 3 days
    assert review(book, config=Config(thank_after_days=10)).items == []


# ====================================================================== introductions


def test_an_introduction_four_to_six_weeks_old_without_outcome_asks_whether_they_met(book):
    ada = person(book, "Ada Lovelace")
    grace = person(book, "Grace Hopper")
    book.add_introduction(ada, grace, on=AS_OF - timedelta(weeks=5))

    items = review(book).items

    assert [(i.kind, i.name) for i in items] == [("intro-check", "Ada Lovelace")]
    assert items[0].reason == "did Ada and Grace meet? introduced 19 Oct"
    assert items_for_contact(book, grace, AS_OF, CONFIG)[0].introduction_id == (
        items[0].introduction_id
    )


def test_no_intro_check_before_four_weeks(book):
    ada, grace = person(book, "Ada"), person(book, "Grace")
    book.add_introduction(ada, grace, on=AS_OF - timedelta(weeks=4) + timedelta(days=1))
    assert review(book).items == []


def test_an_unanswered_introduction_stays_after_six_weeks_and_after_a_year(book):
    ada, grace = person(book, "Ada"), person(book, "Grace")
    book.add_introduction(ada, grace, on=AS_OF - timedelta(weeks=6, days=1))
    book.add_introduction(grace, ada, on=AS_OF - timedelta(days=400))
    items = review(book).items
    assert [i.kind for i in items] == ["intro-check", "intro-check"]
    # A year-old question ranks no higher than one a month past due.
    assert max(i.score for i in items) == 0.5 + 28 / 14


def test_an_introduction_with_an_outcome_is_not_checked_again(book):
    ada, grace = person(book, "Ada"), person(book, "Grace")
    intro = book.add_introduction(ada, grace, on=AS_OF - timedelta(weeks=5))
    book.set_introduction_outcome(intro, "they work together now", on=AS_OF)
    assert review(book).items == []


# ====================================================================== drifting


def drifter(book, name="Olga Petrova", gap=45):
    """Monthly cadence, the last three gaps all longer than a month, overdue now."""
    olga = person(book, name, every="monthly")
    day = AS_OF - timedelta(days=40)
    for _ in range(4):
        book.log_interaction([olga], on=day, today=AS_OF)
        day -= timedelta(days=gap)
    return olga


def test_a_contact_whose_last_three_gaps_exceeded_the_cadence_is_drifting(book):
    drifter(book)
    items = {i.kind: i for i in review(book).items}
    assert set(items) == {"keep-in-touch", "drifting"}
    assert items["drifting"].reason == (
        "you've drifted from Olga — keep every month, or let drift?"
    )
    assert items["drifting"].due == AS_OF


def test_one_gap_within_the_cadence_means_not_drifting(book):
    olga = person(book, "Olga", every="monthly")
    for day in (date(2026, 3, 1), date(2026, 5, 1), date(2026, 5, 20), date(2026, 8, 1)):
        book.log_interaction([olga], on=day, today=AS_OF)
    assert [i.kind for i in review(book).items] == ["keep-in-touch"]


def test_drifting_needs_three_gaps():
    monthly = Cadence(1, "month")
    days = [date(2026, 10, 1), date(2026, 8, 1), date(2026, 6, 1)]
    assert not is_drifting(monthly, days)
    assert is_drifting(monthly, days + [date(2026, 4, 1)])


def test_drifting_is_offered_once_a_week_not_daily(book):
    drifter(book)
    shown = review(book)
    record_offers(book, shown, AS_OF)

    def drifting_on(day):
        return [i.kind for i in review(book, day).items if i.kind == "drifting"]

    assert drifting_on(AS_OF) == ["drifting"]  # still there the rest of the day
    for later in range(1, 7):
        assert drifting_on(AS_OF + timedelta(days=later)) == []
    assert drifting_on(AS_OF + timedelta(days=7)) == ["drifting"]


# ====================================================================== the energy cap


def crowded_book(book):
    for n in range(8):
        person(book, f"Keep {n}", every="weekly", last=AS_OF - timedelta(days=30 + n))
    for n in range(2):
        book.add_follow_up(person(book, f"Follow {n}"), due=AS_OF)
    person(book, "Birthday", birthday=Birthday(11, 25))
    thanks = person(book, "Thanks")
    book.add_favour(thanks, direction="received", description="x", on=date(2026, 9, 1))


def test_the_cap_shows_five_mixed_by_kind_and_counts_the_rest(book):
    crowded_book(book)

    result = review(book, limit=5)

    assert len(result.items) == 5
    assert result.more == 12 - 5
    kinds = [i.kind for i in result.items]
    assert kinds.count("keep-in-touch") <= 3
    assert len(set(kinds)) >= 3
    # Within the cap the list is still in rank order.
    assert result.items == sorted(result.items, key=lambda i: i.sort_key())


def test_without_a_cap_everything_due_is_listed(book):
    crowded_book(book)
    result = review(book, limit=None)
    assert len(result.items) == 12 and result.more == 0
    assert result.counts == {"follow-up": 2, "keep-in-touch": 8, "thank": 1, "intro-check": 0,
                             "birthday": 1, "drifting": 0, "circle": 0, "cadence": 0,
                             "give-back": 0}


def test_a_single_kind_fills_the_whole_cap(book):
    for n in range(7):
        person(book, f"Keep {n}", every="weekly", last=AS_OF - timedelta(days=30 + n))
    result = review(book, limit=5)
    assert [i.name for i in result.items] == [f"Keep {n}" for n in (6, 5, 4, 3, 2)]
    assert result.more == 2


def test_choose_takes_the_best_of_each_kind_before_a_kind_takes_more_than_half(book):
    crowded_book(book)
    everything = review(book).items
    chosen = choose(everything, 2)
    assert len({i.kind for i in chosen}) == 2
    assert chosen[0] == everything[0]


def test_an_empty_book_has_an_empty_review(book):
    result = review(book, limit=5)
    assert result.items == [] and result.more == 0 and result.total == 0


def test_every_kind_is_named_as_the_cli_promises():
    assert KINDS == ("follow-up", "keep-in-touch", "birthday", "thank", "intro-check", "drifting",
                     "circle", "cadence", "give-back")


def test_a_book_without_the_covering_indexes_still_reviews(book):
    olga = person(book, "Olga", every="monthly", last=date(2026, 9, 1))
    book.add_follow_up(olga, due=AS_OF)
    book.add_favour(olga, direction="received", description="x", on=date(2026, 9, 15))
    for index in ("contacts_by_overdue", "follow_ups_open_by_due_contact",
                  "favours_open_received_by_contact"):
        book.conn.execute(f"DROP INDEX {index}")
    assert sorted(i.kind for i in review(book, limit=5).items) == [
        "follow-up", "keep-in-touch", "thank"
    ]
