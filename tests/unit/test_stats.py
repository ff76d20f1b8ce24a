"""Network statistics on a hand-built book whose every figure is worked out by hand below."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from kontakt.domain import Cadence
from kontakt.services.stats import (
    accept_suggested_cadence, cadence_word, network_stats, short_name,
)
from kontakt.store import Book, NotFound

AS_OF = date(2026, 11, 23)  # a Monday; the current month (November) is not over
ADDED = "2025-01-01T09:00:00+01:00"
D = date.fromisoformat


def build(path: Path) -> tuple[Book, dict[str, int]]:
    """The book the expectations below are computed from.

    Circles (in this order): breakfast every week, peer-group monthly, alumni without cadence.
    """
    book = Book.open(path)
    book.set_circle_cadence("breakfast", Cadence(1, "week"), today=AS_OF)
    book.set_circle_cadence("peer-group", Cadence(1, "month"), today=AS_OF)
    book.set_circle_cadence("alumni", None, today=AS_OF)

    def person(name, *, tags=(), cadence=None, nickname=""):
        return book.add_contact(name, today=AS_OF, tags=tags, created_at=ADDED,
                                cadence=Cadence.parse(cadence) if cadence else None,
                                nickname=nickname)

    ids = {
        "anna": person("Anna Berger", tags=["breakfast"]),
        "bernd": person("Bernd Huber", tags=["breakfast"]),
        "hugo": person("Hugo Graf", tags=["breakfast"]),  # never contacted
        "tom": person("Tom Trash", tags=["breakfast"]),  # goes to the trash
        "arno": person("Arno Alt", tags=["breakfast"]),  # archived
        "clara": person("Clara Vogel", tags=["peer-group"]),
        "juergen": person("Jürgen Müller", tags=["peer-group"]),
        "dora": person("Dr. Dora Lang", tags=["alumni"], cadence="every 2 weeks"),
        "felix": person("Felix Roth", cadence="monthly"),
        "gina": person("Gina Kurz", cadence="weekly"),
        "olga": person("Olga Petrova"),
        "emil": person("Emil Sommer"),
    }

    def log(day, *names, kind="meeting"):
        book.log_interaction([ids[n] for n in names], on=D(day), kind=kind, today=AS_OF)

    log("2026-11-19", "anna", "bernd")  # breakfast, two members
    log("2026-11-12", "anna", "bernd", "clara")
    log("2026-11-05", "anna")
    log("2026-10-29", "anna")
    log("2026-10-01", "bernd")
    log("2026-09-01", "bernd")
    for day in ("2026-10-10", "2026-09-08", "2026-08-01"):
        log(day, "clara")
    log("2026-06-20", "clara", "juergen")  # the peer group meets
    for day in ("2026-03-01", "2026-05-01", "2026-07-01", "2026-09-01", "2026-11-01"):
        log(day, "dora")
    for day in ("2025-12-31", "2026-02-13", "2026-03-10"):
        log(day, "felix")
    for day in ("2026-01-01", "2026-06-01"):
        log(day, "gina")
    for day in ("2025-12-15", "2026-02-15", "2026-06-15"):
        log(day, "arno")
    log("2026-11-20", "tom")
    log("2025-11-20", "emil")  # before both windows
    log("2025-11-28", "emil")  # in the first of the 52 weeks, before the first of the 12 months

    def favour(name, direction, weight, day, status="open"):
        book.add_favour(ids[name], direction=direction, description="x", on=D(day),
                        weight=weight, status=status)

    favour("olga", "given", 3, "2026-10-01")
    favour("olga", "given", 2, "2026-06-01")
    favour("olga", "received", 1, "2026-07-01")
    favour("juergen", "received", 3, "2026-09-15")
    favour("juergen", "received", 1, "2026-11-02")
    favour("anna", "given", 2, "2026-11-10", status="returned")
    favour("anna", "received", 1, "2026-11-11")
    favour("clara", "given", 1, "2025-11-15")  # before the window
    favour("tom", "given", 3, "2026-10-05")  # Tom goes to the trash

    intro = book.add_introduction(ids["clara"], ids["dora"], on=D("2026-04-01"))
    book.set_introduction_outcome(intro, "they started a project together", on=D("2026-05-01"))
    book.add_introduction(ids["olga"], ids["emil"], on=D("2026-08-20"))
    old = book.add_introduction(ids["bernd"], ids["felix"], on=D("2025-06-01"))
    book.set_introduction_outcome(old, "coffee, nothing more", on=D("2025-07-01"))
    book.add_introduction(ids["anna"], ids["tom"], on=D("2026-02-02"))

    book.trash_contact(ids["tom"])
    book.archive(ids["arno"])
    return book, ids


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    """The book, built once per module (about 80 transactions) and copied for each test."""
    path = tmp_path_factory.mktemp("stats") / "book.db"
    book, ids = build(path)
    book.close()  # checkpoints the WAL into the file, so copying the file copies the book
    return path, ids


@pytest.fixture
def network(template, tmp_path):
    path, ids = template
    shutil.copyfile(path, tmp_path / "book.db")
    with Book.open(tmp_path / "book.db") as book:
        yield book, ids


@pytest.fixture(scope="module")
def stats(template):
    with Book.open(template[0]) as book:
        return network_stats(book, AS_OF)


def month_counts(months) -> dict[str, int]:
    return {m.month.isoformat()[:7]: m.count for m in months}


# ====================================================================== rhythm


def test_months_are_the_twelve_calendar_months_up_to_the_current_one(stats):
    months = stats.rhythm.months
    assert [m.month for m in months][0] == date(2025, 12, 1)
    assert [m.month for m in months][-1] == date(2026, 11, 1)
    assert [m.complete for m in months] == [True] * 11 + [False]


def test_interactions_per_month_count_a_group_meeting_once_and_skip_the_trash(stats):
    # By hand: Dec Felix+Arno; Jan Gina; Feb Felix+Arno; Mar Dora+Felix; Jun Gina, Arno,
    # peer group; Sep Bernd, Clara, Dora; Oct Anna, Bernd, Clara; Nov two breakfasts, Anna,
    # Dora (Tom's call on 20 Nov is in the trash).
    assert month_counts(stats.rhythm.months) == {
        "2025-12": 2, "2026-01": 1, "2026-02": 2, "2026-03": 2, "2026-04": 0, "2026-05": 1,
        "2026-06": 3, "2026-07": 1, "2026-08": 1, "2026-09": 3, "2026-10": 3, "2026-11": 4,
    }
    assert stats.rhythm.total == 23


def test_weeks_are_seven_day_spans_ending_on_the_day_asked_for(stats):
    weeks = stats.rhythm.weeks
    assert len(weeks) == 52
    assert (weeks[-1].start, weeks[-1].end) == (date(2026, 11, 17), AS_OF)
    assert (weeks[0].start, weeks[0].end) == (date(2025, 11, 25), date(2025, 12, 1))
    # 19 Nov breakfast (Tom's 20 Nov is trashed); 12 Nov; 5 Nov; 29 Oct and 1 Nov.
    assert [w.count for w in weeks[-4:]] == [2, 1, 1, 1]
    # Emil on 28 Nov 2025 is in the first week but before the first month.
    assert weeks[0].count == 1
    assert sum(w.count for w in weeks) == 24


def test_busiest_month_is_the_most_recent_of_ties_and_quietest_ignores_the_current_month(stats):
    # June, September and October have 3 each; November is not over.
    assert (stats.rhythm.busiest.month, stats.rhythm.busiest.count) == (date(2026, 10, 1), 3)
    assert (stats.rhythm.quietest.month, stats.rhythm.quietest.count) == (date(2026, 4, 1), 0)


def test_a_year_without_interactions_has_no_busiest_or_quietest_month(network):
    book, _ = network
    later = network_stats(book, date(2029, 1, 15))
    assert later.rhythm.total == 0
    assert later.rhythm.busiest is None and later.rhythm.quietest is None


def test_circle_rhythm_counts_interactions_with_any_member_once(stats):
    by_circle = {c.circle: c for c in stats.rhythm.circles}
    assert list(by_circle) == ["breakfast", "peer-group", "alumni"]
    # Breakfast: Arno (archived, but it happened) Dec, Feb, Jun; Bernd Sep; Anna and Bernd
    # Oct; the two breakfasts and Anna's call in November.
    assert month_counts_of(by_circle["breakfast"]) == {
        "2025-12": 1, "2026-02": 1, "2026-06": 1, "2026-09": 1, "2026-10": 2, "2026-11": 3,
    }
    assert by_circle["breakfast"].weeks[-4:] == (1, 1, 1, 1)
    assert by_circle["peer-group"].total == 5  # 12 Nov, Clara's three, the June meeting
    assert by_circle["alumni"].total == 5  # Dora's five


def month_counts_of(circle_rhythm) -> dict[str, int]:
    start = date(2025, 12, 1)
    result = {}
    for index, count in enumerate(circle_rhythm.months):
        if count:
            year, month = divmod(start.month - 1 + index, 12)
            result[f"{start.year + year}-{month + 1:02d}"] = count
    return result


# ====================================================================== balance


def test_balance_per_month_weighs_every_favour_and_each_introduction_twice(stats):
    by_month = {m.month.isoformat()[:7]: (m.given, m.received) for m in stats.balance.months}
    assert by_month["2026-04"] == (2, 0)  # Clara ↔ Dora: a small favour to each
    assert by_month["2026-06"] == (2, 0)
    assert by_month["2026-07"] == (0, 1)
    assert by_month["2026-08"] == (2, 0)  # Olga ↔ Emil
    assert by_month["2026-09"] == (0, 3)
    assert by_month["2026-10"] == (3, 0)  # Tom's favour is in the trash
    assert by_month["2026-11"] == (2, 2)  # a returned favour still happened
    assert by_month["2025-12"] == (0, 0)
    assert (stats.balance.given, stats.balance.received) == (11, 6)


def test_balance_per_circle(stats):
    by_circle = {c.circle: (c.given, c.received) for c in stats.balance.circles}
    assert by_circle == {"breakfast": (2, 1), "peer-group": (1, 4), "alumni": (1, 0)}


def test_the_people_you_gave_most_to_without_return_are_worded_gently(stats):
    given = stats.balance.given_most
    # Olga: 3 + 2 + an introduction, against 1 received. Then one introduction each, by name.
    assert [(p.name, p.given, p.received) for p in given] == [
        ("Olga Petrova", 6, 1), ("Clara Vogel", 1, 0), ("Dr. Dora Lang", 1, 0), ("Emil Sommer", 1, 0),
    ]
    assert given[0].wording == "you've helped Olga a lot lately"
    assert given[2].wording == "you've helped Dora lately"


def test_the_people_you_received_most_from_count_only_open_favours(stats):
    received = stats.balance.received_most
    # Anna's returned favour is settled, her open one is not.
    assert [(p.name, p.net) for p in received] == [("Jürgen Müller", -4), ("Anna Berger", -1)]
    assert received[0].wording == "Jürgen has done a lot for you — a good moment to give back"
    assert received[1].wording == "Anna has done something for you — a good moment to give back"


def test_the_leader_lists_stop_at_five(tmp_path):
    with Book.open(tmp_path / "many.db") as book:
        for n in range(7):
            contact = book.add_contact(f"Person {n}", today=AS_OF)
            book.add_favour(contact, direction="given", description="x", on=D("2026-11-01"),
                            weight=1 + n % 3)
        stats = network_stats(book, AS_OF)
    assert [p.given for p in stats.balance.given_most] == [3, 3, 2, 2, 1]


def test_short_names_prefer_the_nickname_and_skip_titles():
    assert short_name("Jürgen Müller") == "Jürgen"
    assert short_name("Dr. Dora Lang") == "Dora"
    assert short_name("Tobias Schäfer", "Tobi") == "Tobi"
    assert short_name("Prof.") == "Prof."


# ====================================================================== drift


def test_drift_lists_contacts_slower_than_their_cadence_most_drifted_first(stats):
    drift = {d.name: d for d in stats.drift}
    assert [d.name for d in stats.drift] == ["Dr. Dora Lang", "Bernd Huber", "Felix Roth"]

    dora = drift["Dr. Dora Lang"]  # every 2 weeks, actually every two months
    assert dora.gaps == (61, 62, 61, 61)
    assert dora.rhythm_days == 61
    assert dora.gap_days == 47
    assert (dora.suggested, dora.suggested_label) == (Cadence(2, "month"), "every 2 months")
    assert dora.own_cadence is True
    assert (dora.last_contact, dora.days_since) == (date(2026, 11, 1), 22)

    bernd = drift["Bernd Huber"]  # weekly from the breakfast circle
    assert bernd.gaps == (7, 42, 30)
    assert bernd.rhythm_days == 30
    assert (bernd.cadence, bernd.own_cadence) == (Cadence(1, "week"), False)
    assert bernd.suggested_label == "monthly"
    assert bernd.gap_days == 23


def test_a_long_silence_counts_as_the_latest_gap(stats):
    # Felix: gaps of 25 and 44 days (median 34.5: monthly), then 258 days of silence.
    felix = next(d for d in stats.drift if d.name == "Felix Roth")
    assert felix.gaps == (258, 25, 44)
    assert felix.rhythm_days == 44
    assert felix.suggested_label == "every 2 months"
    assert felix.gap_days == 14  # 44 − 30.44


def test_no_drift_within_the_cadence_word_too_little_history_or_when_archived(stats):
    names = {d.name for d in stats.drift}
    assert "Anna Berger" not in names  # weekly, seen weekly
    assert "Clara Vogel" not in names  # monthly, seen every 32–42 days: still "monthly"
    assert "Gina Kurz" not in names  # one gap is not a rhythm
    assert "Arno Alt" not in names  # archived
    assert "Hugo Graf" not in names  # never contacted


def test_cadence_words_are_the_nearest_a_person_would_pick():
    assert cadence_word(1)[1] == "weekly"
    assert cadence_word(9)[1] == "weekly"
    assert cadence_word(11)[1] == "every 2 weeks"
    assert cadence_word(40)[1] == "monthly"
    assert cadence_word(45)[1] == "every 2 months"
    assert cadence_word(100)[1] == "quarterly"
    assert cadence_word(150)[1] == "every 6 months"
    assert cadence_word(1000) == (Cadence(1, "year"), "yearly")
    for _, word in [cadence_word(d) for d in (7, 14, 30, 61, 91, 182, 365)]:
        Cadence.parse(word)  # every label reads back as a cadence


def test_accepting_a_suggested_cadence_sets_the_contacts_own_and_ends_the_drift(network):
    book, ids = network
    bernd = next(d for d in network_stats(book, AS_OF).drift if d.name == "Bernd Huber")
    updated = accept_suggested_cadence(book, bernd.contact_id, bernd.suggested, today=AS_OF)
    assert updated.cadence == Cadence(1, "month")
    assert book.get_contact(ids["bernd"]).next_due == date(2026, 12, 19)  # 19 Nov + 1 month
    assert "Bernd Huber" not in {d.name for d in network_stats(book, AS_OF).drift}


def test_accepting_takes_cadence_text_and_refuses_an_unknown_contact(network):
    book, ids = network
    assert accept_suggested_cadence(book, ids["dora"], "every 2 months", today=AS_OF).cadence == Cadence(2, "month")
    with pytest.raises(NotFound):
        accept_suggested_cadence(book, 999_999, "monthly", today=AS_OF)


# ====================================================================== circles


def test_circles_show_members_share_in_touch_and_last_group_meeting(stats):
    by_circle = {c.circle: c for c in stats.circles}
    breakfast = by_circle["breakfast"]
    # Anna and Bernd seen 19 Nov (due 26 Nov); Hugo never (due since Jan 2025);
    # Tom is in the trash and Arno archived.
    assert (breakfast.members, breakfast.with_cadence, breakfast.in_touch) == (3, 3, 2)
    assert breakfast.in_touch_share == pytest.approx(2 / 3)
    assert (breakfast.last_group_meeting, breakfast.last_group_size) == (date(2026, 11, 19), 2)
    assert breakfast.cadence == Cadence(1, "week")

    peers = by_circle["peer-group"]
    # Clara seen 12 Nov (due 12 Dec); Jürgen last at the June meeting. The 12 Nov breakfast
    # had only one peer-group member: not a group meeting of theirs.
    assert (peers.members, peers.in_touch) == (2, 1)
    assert (peers.last_group_meeting, peers.last_group_size) == (date(2026, 6, 20), 2)

    alumni = by_circle["alumni"]
    assert (alumni.members, alumni.with_cadence, alumni.in_touch) == (1, 1, 0)  # Dora due 15 Nov
    assert alumni.last_group_meeting is None and alumni.cadence is None


def test_in_touch_is_judged_as_of_the_day_asked_for_not_from_later_contact(network):
    book, _ = network
    breakfast = next(c for c in network_stats(book, date(2026, 11, 1)).circles if c.circle == "breakfast")
    # On 1 Nov Anna's last contact was 29 Oct (due 5 Nov); Bernd's was 1 Oct (overdue).
    assert breakfast.in_touch == 1
    assert breakfast.last_group_meeting is None  # the breakfasts came later


def test_a_circle_without_anyone_with_a_cadence_has_no_share(tmp_path):
    with Book.open(tmp_path / "b.db") as book:
        book.add_contact("Ida", today=AS_OF, tags=["book-club"])
        (club,) = network_stats(book, AS_OF).circles
    assert (club.members, club.with_cadence, club.in_touch_share) == (1, 0, None)


# ====================================================================== introductions


def test_introductions_made_and_turned_into_something(stats):
    intros = stats.introductions
    # Clara ↔ Dora (outcome), Olga ↔ Emil (waiting), Bernd ↔ Felix (2025, outcome);
    # Anna ↔ Tom does not count: Tom is in the trash.
    assert (intros.made, intros.with_outcome, intros.waiting) == (3, 2, 1)
    assert intros.made_last_12_months == 2
    assert [(o.name_a, o.name_b, o.outcome) for o in intros.recent_outcomes] == [
        ("Clara Vogel", "Dr. Dora Lang", "they started a project together"),
        ("Bernd Huber", "Felix Roth", "coffee, nothing more"),
    ]


def test_an_outcome_noted_after_the_day_asked_for_does_not_count_yet(network):
    book, _ = network
    intros = network_stats(book, date(2026, 4, 15)).introductions
    assert (intros.made, intros.with_outcome) == (2, 1)  # Clara ↔ Dora's outcome came 1 May


# ====================================================================== one circle


def test_limiting_to_a_circle_keeps_the_overall_rhythm_and_narrows_the_rest(network):
    book, _ = network
    stats = network_stats(book, AS_OF, circle="Breakfast")
    assert stats.circle == "breakfast"
    assert stats.rhythm.total == 23
    assert [c.circle for c in stats.rhythm.circles] == ["breakfast"]
    assert [c.circle for c in stats.circles] == ["breakfast"]
    assert [d.name for d in stats.drift] == ["Bernd Huber"]
    assert stats.balance.given_most == ()
    assert [p.name for p in stats.balance.received_most] == ["Anna Berger"]
    assert (stats.balance.given, stats.balance.received) == (2, 1)
    # Bernd ↔ Felix; Anna ↔ Tom does not count, Tom is in the trash.
    assert (stats.introductions.made, stats.introductions.with_outcome) == (1, 1)


def test_an_unknown_circle_is_refused_naming_the_circles(network):
    book, _ = network
    with pytest.raises(NotFound, match="no circle named 'chess'.*breakfast, peer-group, alumni"):
        network_stats(book, AS_OF, circle="chess")


def test_reading_the_figures_leaves_no_transaction_open_even_after_a_refusal(network):
    book, ids = network
    network_stats(book, AS_OF)
    assert not book.conn.in_transaction
    with pytest.raises(NotFound):
        network_stats(book, AS_OF, circle="chess")
    assert not book.conn.in_transaction
    book.log_interaction([ids["hugo"]], on=AS_OF, today=AS_OF)  # the book is writable
    assert network_stats(book, AS_OF).rhythm.months[-1].count == 5
