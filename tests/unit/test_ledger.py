"""The favour ledger's balance and validation, and when follow-ups come round."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kontakt.domain import Balance, Cadence, Favour, FollowUp, LedgerError, balance
from kontakt.domain.activity import ActivityError, check_interaction_kind
from kontakt.domain.ledger import check_favour_kind, check_status, check_weight

DAY = date(2026, 4, 14)


def favour(direction: str, weight: int = 1, status: str = "open") -> Favour:
    return Favour(1, 1, direction, "helped move", "help", weight, DAY, status)


def test_balance_sums_weights_each_way():
    favours = [favour("given", 3), favour("given", 1), favour("received", 2)]
    assert balance(favours) == Balance(gave=4, received=2)


def test_introductions_count_as_small_favours_given():
    assert balance([favour("received", 2)], introductions_made=3) == Balance(gave=3, received=2)


def test_an_empty_ledger_is_even():
    assert balance([]) == Balance(0, 0)
    assert Balance().sign == "="


@pytest.mark.parametrize(
    ("gave", "received", "net", "sign"),
    [(4, 2, 2, "+"), (1, 3, -2, "−"), (2, 2, 0, "=")],
)
def test_net_and_sign_say_who_gave_more(gave, received, net, sign):
    result = Balance(gave, received)
    assert result.net == net
    assert result.sign == sign


def test_balance_reads_as_gave_and_received():
    assert str(Balance(4, 2)) == "gave 4 · received 2"


@pytest.mark.parametrize("kind", ["Advice", " gift ", "introduction"])
def test_known_favour_kinds_are_accepted_case_insensitively(kind):
    assert check_favour_kind(kind) == kind.strip().lower()


def test_an_unknown_favour_kind_is_refused_listing_the_kinds():
    with pytest.raises(LedgerError, match="advice, introduction"):
        check_favour_kind("bribe")


@pytest.mark.parametrize("weight", [1, 2, 3])
def test_weights_one_to_three_are_accepted(weight):
    assert check_weight(weight) == weight


@pytest.mark.parametrize("weight", [0, 4, -1])
def test_other_weights_are_refused(weight):
    with pytest.raises(LedgerError, match="1, 2 or 3"):
        check_weight(weight)


@pytest.mark.parametrize(("status", "expected"), [("open", "open"), ("Returned", "returned"),
                                                  ("let-go", "let go"), ("let_go", "let go")])
def test_favour_statuses_are_normalised(status, expected):
    assert check_status(status) == expected


def test_an_unknown_status_is_refused():
    with pytest.raises(LedgerError):
        check_status("forgotten")


def test_interaction_kinds_are_checked():
    assert check_interaction_kind(" Call ") == "call"
    with pytest.raises(ActivityError, match="call, meeting"):
        check_interaction_kind("telepathy")


# ---------------------------------------------------------------------- follow-ups

MONTHLY = Cadence(1, "month")


def follow_up(
    due: date, recurrence: Cadence | None = MONTHLY, snoozed: date | None = None
) -> FollowUp:
    return FollowUp(1, 1, due, "call about the flat", recurrence, snoozed_until=snoozed)


def test_a_one_off_follow_up_has_no_next_occurrence():
    assert follow_up(DAY, recurrence=None).next_occurrence(DAY) is None


def test_a_monthly_follow_up_done_on_time_comes_back_a_month_after_its_due_date():
    assert follow_up(date(2026, 3, 10)).next_occurrence(date(2026, 3, 10)) == date(2026, 4, 10)


def test_a_monthly_follow_up_from_31_january_clamps_to_28_february():
    assert follow_up(date(2026, 1, 31)).next_occurrence(date(2026, 1, 31)) == date(2026, 2, 28)


def test_a_monthly_follow_up_done_early_keeps_its_day():
    assert follow_up(date(2026, 3, 10)).next_occurrence(date(2026, 3, 2)) == date(2026, 4, 10)


def test_a_follow_up_done_late_skips_the_occurrences_already_past():
    done = date(2026, 5, 20)
    assert follow_up(date(2026, 3, 10)).next_occurrence(done) == date(2026, 6, 10)


def test_a_follow_up_done_late_keeps_the_31st_rather_than_drifting_to_the_28th():
    # 31 Jan + 1 month is 28 Feb, but the one after is 31 Mar, not 28 Feb + 1 month.
    assert follow_up(date(2026, 1, 31)).next_occurrence(date(2026, 3, 1)) == date(2026, 3, 31)


@pytest.mark.parametrize("done", [date(2026, 4, 10), date(2026, 4, 9), date(2026, 7, 10)])
def test_the_next_occurrence_never_lands_on_or_before_the_day_it_was_done(done):
    following = follow_up(date(2026, 3, 10)).next_occurrence(done)
    assert following > done


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    st.integers(min_value=-400, max_value=4000),
    st.sampled_from([Cadence(1, "day"), Cadence(2, "week"), MONTHLY, Cadence(1, "year")]),
)
def test_a_recurring_follow_up_always_comes_back_after_it_was_done(due, days_late, cadence):
    done = date.fromordinal(due.toordinal() + days_late)
    following = follow_up(due, recurrence=cadence).next_occurrence(done)
    assert following > done and following > due


def test_effective_due_is_the_due_date_without_a_snooze():
    assert follow_up(DAY).effective_due == DAY


def test_a_snooze_moves_the_effective_due_date_later():
    assert follow_up(DAY, snoozed=date(2026, 4, 20)).effective_due == date(2026, 4, 20)


def test_a_snooze_before_the_due_date_does_not_pull_it_earlier():
    assert follow_up(DAY, snoozed=date(2026, 4, 1)).effective_due == DAY
