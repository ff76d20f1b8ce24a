"""How the network is doing: rhythm, balance, drift, circles and introductions, as of a day.

Plain Python over the store's aggregate queries (store/stats_queries.py); the CLI prints it and
the TUI's stats screen renders it. Every figure looks back from `as_of`: the last 52 weeks
(seven-day buckets ending on `as_of`) and the last 12 calendar months (the month of `as_of`
included, marked incomplete until its last day). Circle memberships and cadences are taken as
they are now; interactions, favours and introductions count only up to `as_of`.

Drift: someone's actual rhythm is the median of their last six gaps between interaction days
(the silence since the last one counts once it is longer than the usual gap), rounded to the
cadence word a person would pick; they drift when that word is slower than their cadence.
Balance leaders weigh only what is still open: open favours and introductions of the 12 months.
"""

from __future__ import annotations

from .. import clock
import bisect
import json
import math
import statistics
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from ..domain import Cadence, Contact, effective_cadence, fold, next_due
from ..store import Book
from ..store import stats_queries as q
from .review import drifted

WEEKS = 52
MONTHS = 12
LEADERS = 5
# Drift looks at the gaps between the latest seven interaction days: recent enough to show
# a change of rhythm, enough of them that one missed breakfast does not count as drift.
GAPS = 6
MIN_GAPS = 2
RECENT_OUTCOMES = 5
# An open imbalance of this much weight (three small favours, or one large) is "a lot".
A_LOT = 3

# Cadence suggestions from history go to everyone with at least this many distinct days of
# interaction (two gaps to take a median of) …
SUGGEST_MIN_DAYS = 3
# … unless the silence since the last one is longer than this many of the suggested cadence:
# a weekly rhythm that stopped two years ago is not one to keep.
SUGGEST_STALE = 4

# A faster cadence is suggested only to someone seen at least twice per cadence.
FASTER_BY = 0.5

# The cadences a person would pick, fastest first, with the word they would use.
CADENCE_WORDS: tuple[tuple[Cadence, str], ...] = (
    (Cadence(1, "week"), "weekly"),
    (Cadence(2, "week"), "every 2 weeks"),
    (Cadence(1, "month"), "monthly"),
    (Cadence(2, "month"), "every 2 months"),
    (Cadence(3, "month"), "quarterly"),
    (Cadence(6, "month"), "every 6 months"),
    (Cadence(1, "year"), "yearly"),
)


# ====================================================================== the figures


@dataclass(frozen=True)
class WeekCount:
    """Interactions in the seven days from `start` to `end`."""

    start: date
    end: date
    count: int


@dataclass(frozen=True)
class MonthCount:
    """Interactions in the calendar month starting `month` (its first day)."""

    month: date
    count: int
    complete: bool = True  # False for the month of `as_of` until its last day


@dataclass(frozen=True)
class CircleRhythm:
    circle: str
    weeks: tuple[int, ...]  # the same 52 buckets as Rhythm.weeks, oldest first
    months: tuple[int, ...]  # the same 12 months as Rhythm.months, oldest first

    @property
    def total(self) -> int:
        """Interactions in the 12 months."""
        return sum(self.months)


@dataclass(frozen=True)
class Rhythm:
    weeks: tuple[WeekCount, ...]  # oldest first; the last ends on `as_of`
    months: tuple[MonthCount, ...]  # oldest first; the last is the month of `as_of`
    # Among complete months (the current one is not over); ties go to the most recent.
    busiest: MonthCount | None
    quietest: MonthCount | None
    circles: tuple[CircleRhythm, ...]  # every circle, or only the one asked for

    @property
    def total(self) -> int:
        return sum(m.count for m in self.months)


@dataclass(frozen=True)
class MonthBalance:
    month: date
    given: int  # weight of favours given, introductions included
    received: int


@dataclass(frozen=True)
class CircleBalance:
    circle: str
    given: int
    received: int


@dataclass(frozen=True)
class PersonBalance:
    """Someone the open favours of the last 12 months lean towards, in one gentle line."""

    contact_id: int
    name: str
    given: int
    received: int
    wording: str
    who: str = ""  # what you would call them in a sentence (nickname, else first name)

    @property
    def net(self) -> int:
        return self.given - self.received

    @property
    def a_lot(self) -> bool:
        return abs(self.net) >= A_LOT


@dataclass(frozen=True)
class BalanceStats:
    months: tuple[MonthBalance, ...]  # the 12 months of Rhythm.months
    circles: tuple[CircleBalance, ...]
    given_most: tuple[PersonBalance, ...]  # you gave most to without return, largest first
    received_most: tuple[PersonBalance, ...]  # you received most from without giving back

    @property
    def given(self) -> int:
        return sum(m.given for m in self.months)

    @property
    def received(self) -> int:
        return sum(m.received for m in self.months)


@dataclass(frozen=True)
class Drift:
    """Someone whose actual rhythm is slower than their cadence."""

    contact_id: int
    name: str
    cadence: Cadence  # the effective cadence
    own_cadence: bool  # False when inherited from a circle
    gaps: tuple[int, ...]  # days between interaction days, newest first (the silence first
    # when it already exceeds the usual gap)
    rhythm_days: float  # the median of `gaps`
    last_contact: date
    days_since: int  # days from the last contact to `as_of`
    suggested: Cadence
    suggested_label: str  # "every 2 months": how a person would say it

    @property
    def gap_days(self) -> int:
        """How many days slower than the cadence the actual rhythm is."""
        return round(self.rhythm_days - self.cadence.approx_days)


@dataclass(frozen=True)
class CircleHealth:
    circle: str
    cadence: Cadence | None  # the circle's own cadence
    members: int  # active members
    with_cadence: int  # members with an effective cadence
    in_touch: int  # of those, how many are not yet due on `as_of`
    last_group_meeting: date | None  # latest interaction with at least two members
    last_group_size: int  # how many members were there

    @property
    def in_touch_share(self) -> float | None:
        """Share of members with a cadence who are in touch; None when no one has a cadence."""
        return self.in_touch / self.with_cadence if self.with_cadence else None


@dataclass(frozen=True)
class IntroductionOutcome:
    introduction_id: int
    date: date
    contact_a: int
    name_a: str
    contact_b: int
    name_b: str
    outcome: str
    result: str | None = None  # worked, fizzled, unknown


@dataclass(frozen=True)
class IntroductionStats:
    made: int  # all introductions up to `as_of`
    with_outcome: int  # of them, how many were answered (worked, fizzled or unknown)
    made_last_12_months: int
    recent_outcomes: tuple[IntroductionOutcome, ...]  # newest first, at most five
    worked: int = 0  # answered "worked": the only thing counted as a success
    fizzled: int = 0

    @property
    def waiting(self) -> int:
        return self.made - self.with_outcome


@dataclass(frozen=True)
class CadenceSuggestion:
    """A cadence someone's history suggests: `new` for someone without one, `faster` or
    `slower` than the one they have."""

    contact_id: int
    name: str
    current: Cadence | None  # the effective cadence now
    own_cadence: bool  # False when `current` comes from a circle (or there is none)
    suggested: Cadence
    suggested_label: str
    rhythm_days: float  # the median gap the suggestion rounds
    days: int  # how many interaction days it is based on
    last_contact: date
    direction: str  # new, faster, slower

    def as_json(self) -> dict:
        """One entry of `kontakt cadence --suggest --json` and of stats' `cadence_suggestions`
        (a contract: extend, never rename)."""
        return {
            "id": self.contact_id, "name": self.name,
            "cadence": str(self.current) if self.current else None,
            "own_cadence": self.own_cadence, "suggested_cadence": str(self.suggested),
            "suggested_label": self.suggested_label, "rhythm_days": self.rhythm_days,
            "interaction_days": self.days, "last_contact": self.last_contact.isoformat(),
            "direction": self.direction,
        }

    @property
    def sentence(self) -> str:
        """What the suggestion says, e.g. 'seen about every 2 wk — every 2 weeks?'."""
        return f"seen about every {_span(self.rhythm_days)} — {self.suggested_label}?"


@dataclass(frozen=True)
class OneSided:
    """Someone whose interactions of the last year (first move recorded) all started on one
    side: you always reach out, or they always do."""

    contact_id: int
    name: str
    me: int
    them: int
    wording: str

    @property
    def you_reach_out(self) -> bool:
        return self.me > 0


@dataclass(frozen=True)
class NetworkStats:
    as_of: date
    circle: str | None  # the circle everything but the overall rhythm is limited to
    rhythm: Rhythm
    balance: BalanceStats
    drift: tuple[Drift, ...]  # most drifted (rhythm relative to cadence) first
    circles: tuple[CircleHealth, ...]
    introductions: IntroductionStats
    # Cadences suggested from history, for everyone (see cadence_suggestions).
    suggestions: tuple[CadenceSuggestion, ...] = ()
    # Everyone let drift (services.review.drifted), to bring back.
    let_drift: tuple = ()
    one_sided: tuple[OneSided, ...] = ()  # people the first move always comes from one side


# ====================================================================== computing them


def network_stats(book: Book, as_of: date, *, circle: str | None = None) -> NetworkStats:
    """Every figure of the network as of `as_of`, optionally limited to one circle.

    Raises NotFound (a LookupError) naming the known circles when `circle` does not exist.
    """
    weeks = _week_buckets(as_of)
    months = _month_starts(as_of)
    with q.snapshot(book):
        circle_rows = q.circles(book, circle)
        only = circle_rows[0].name if circle is not None else None
        # Latest interaction days of everyone with a cadence: drift's gaps, and in-touch
        # judged as of a past day.
        recent = q.recent_interaction_days(book, as_of, GAPS + 1, only)
        return NetworkStats(
            as_of=as_of,
            circle=only,
            rhythm=_rhythm(book, as_of, weeks, months, circle_rows, only),
            balance=_balance(book, as_of, months, circle_rows, only),
            drift=tuple(_drift(book, as_of, only, recent)),
            circles=tuple(_circles(book, as_of, circle_rows, only, recent)),
            introductions=_introductions(book, as_of, months[0], only),
            suggestions=tuple(_suggestions(book, as_of, only, recent)),
            let_drift=_let_drift(book, only),
            one_sided=_one_sided(book, as_of, only),
        )


def _let_drift(book: Book, only: str | None) -> tuple:
    members = q.circle_member_ids(book, only) if only is not None else None
    return tuple(d for d in drifted(book) if members is None or d.contact_id in members)


def cadence_suggestions(book: Book, as_of: date, *, circle: str | None = None) -> list[CadenceSuggestion]:
    """Cadences suggested from history as of `as_of`: to everyone with no cadence and at
    least SUGGEST_MIN_DAYS days of interaction (`new`), and to those whose rhythm is slower
    or faster than their cadence; slower first (most drifted first), then faster, then new
    (most history first). Raises NotFound for an unknown `circle`."""
    with q.snapshot(book):
        only = q.circles(book, circle)[0].name if circle is not None else None
        recent = q.recent_interaction_days(book, as_of, GAPS + 1, only)
        return _suggestions(book, as_of, only, recent)


def suggestion_for(book: Book, contact_id: int, as_of: date) -> CadenceSuggestion | None:
    """The cadence suggested for one contact on `as_of` (the same rules as
    `cadence_suggestions`), or None: for the review's accept key, without the whole book."""
    from ..store.review_queries import recent_interaction_dates

    try:
        contact = book.get_contact(contact_id)
    except LookupError:
        return None
    if contact.archived or contact.drift_cadence is not None:
        return None
    days = [d for d in recent_interaction_dates(book, contact_id, GAPS + 2) if d <= as_of][: GAPS + 1]
    if len(days) < (SUGGEST_MIN_DAYS if contact.effective_cadence is None else MIN_GAPS + 1):
        return None
    gaps = _gaps(days, as_of)
    if not gaps:
        return None
    rhythm = float(statistics.median(gaps))
    suggested, label = cadence_word(rhythm)
    current = contact.effective_cadence
    if current is None:
        if (as_of - days[0]).days > SUGGEST_STALE * suggested.approx_days:
            return None
        direction = "new"
    elif suggested.approx_days == current.approx_days:
        return None
    elif suggested.approx_days > current.approx_days:
        direction = "slower"
    elif rhythm > current.approx_days * FASTER_BY:
        return None
    else:
        direction = "faster"
    return CadenceSuggestion(contact.id, contact.name, current, contact.cadence is not None,
                             suggested, label, rhythm, len(days), days[0], direction)


def _span(days: float) -> str:
    from ..domain.dates import span

    return span(days)


def _suggestions(
    book: Book, as_of: date, only: str | None, days_by_contact: dict[int, list[date]]
) -> list[CadenceSuggestion]:
    found: list[tuple[tuple, CadenceSuggestion]] = []
    for row, days, _, cadence, own, rhythm, suggested, label in _rhythms(
            book, as_of, only, days_by_contact):
        if suggested.approx_days == cadence.approx_days:
            continue
        slower = suggested.approx_days > cadence.approx_days
        if not slower and rhythm > cadence.approx_days * FASTER_BY:
            continue  # a bit more often than the cadence is not a new rhythm
        found.append(((0 if slower else 1, -rhythm / cadence.approx_days if slower
                       else rhythm / cadence.approx_days, fold(row.name)),
                      CadenceSuggestion(row.contact_id, row.name, cadence, own, suggested, label,
                                        rhythm, len(days), days[0],
                                        "slower" if slower else "faster")))
    for history in q.uncadenced_histories(book, as_of, GAPS + 1, SUGGEST_MIN_DAYS, only):
        days = list(history.days)
        gaps = _gaps(days, as_of)
        if not gaps:
            continue
        rhythm = float(statistics.median(gaps))
        suggested, label = cadence_word(rhythm)
        if (as_of - days[0]).days > SUGGEST_STALE * suggested.approx_days:
            continue
        found.append(((2, -len(days), fold(history.name)),
                      CadenceSuggestion(history.contact_id, history.name, None, False, suggested,
                                        label, rhythm, len(days), days[0], "new")))
    found.sort(key=lambda item: (item[0], item[1].contact_id))
    return [suggestion for _, suggestion in found]


def accept_suggested_cadence(
    book: Book, contact_id: int, cadence: Cadence | str, *, today: date | None = None
) -> Contact:
    """Give the contact `cadence` as their own (one transaction) and return them updated;
    choosing a cadence for someone let drift brings them back.

    Raises NotFound for an unknown contact and CadenceError for unreadable cadence text.
    """
    from ..store.review_queries import restore_state

    if isinstance(cadence, str):
        cadence = Cadence.parse(cadence)
    with book.write(label=f"keep in touch with {book.get_contact(contact_id).name} {cadence}"):
        restore_state(book, "let-drift", contact_id, None)
        return book.update_contact(contact_id, today=today or clock.today(), cadence=cadence)


def cadence_word(days: float) -> tuple[Cadence, str]:
    """The cadence a person would pick for a rhythm of `days`: the nearest of weekly … yearly
    on a ratio scale (so 10 days is every 2 weeks, 40 days monthly, 45 days every 2 months)."""
    index = bisect.bisect_left(_WORD_BOUNDARIES, max(days, 1.0))
    return CADENCE_WORDS[index]


# Geometric midpoints between neighbouring cadence words: below the first, weekly is nearest.
_WORD_BOUNDARIES = [
    math.sqrt(a[0].approx_days * b[0].approx_days) for a, b in zip(CADENCE_WORDS, CADENCE_WORDS[1:])
]


# ---------------------------------------------------------------------- windows


def _week_buckets(as_of: date) -> list[tuple[date, date]]:
    """52 seven-day (start, end) spans, oldest first, the last ending on `as_of`."""
    return [
        (as_of - timedelta(days=7 * ago + 6), as_of - timedelta(days=7 * ago))
        for ago in range(WEEKS - 1, -1, -1)
    ]


def _month_starts(as_of: date) -> list[date]:
    """First days of the 12 calendar months up to and including the month of `as_of`."""
    first = as_of.replace(day=1)
    return [first - relativedelta(months=back) for back in range(MONTHS - 1, -1, -1)]


def _month_key(day: date) -> str:
    return day.isoformat()[:7]


def _count_by_buckets(
    per_day: dict[date, int], weeks: list[tuple[date, date]], months: list[date]
) -> tuple[list[int], list[int]]:
    week_counts = [0] * len(weeks)
    month_counts = [0] * len(months)
    month_index = {_month_key(m): i for i, m in enumerate(months)}
    first_week = weeks[0][0]
    for day, count in per_day.items():
        if weeks[0][0] <= day <= weeks[-1][1]:
            week_counts[(day - first_week).days // 7] += count
        if (index := month_index.get(_month_key(day))) is not None:
            month_counts[index] += count
    return week_counts, month_counts


# ---------------------------------------------------------------------- rhythm


def _rhythm(
    book: Book,
    as_of: date,
    weeks: list[tuple[date, date]],
    months: list[date],
    circle_rows: list[q.CircleRow],
    only: str | None,
) -> Rhythm:
    start = min(weeks[0][0], months[0])
    week_counts, month_counts = _count_by_buckets(
        q.interactions_per_day(book, start, as_of), weeks, months
    )
    last_day = (months[-1] + relativedelta(months=1)) - timedelta(days=1)
    month_list = [
        MonthCount(m, n, complete=(m != months[-1] or as_of >= last_day))
        for m, n in zip(months, month_counts)
    ]
    # A year without any interaction has neither a busiest nor a quietest month.
    complete = [m for m in month_list if m.complete]
    if not any(m.count for m in complete):
        complete = []
    # Scanning newest first makes max/min keep the most recent month on ties.
    newest_first = complete[::-1]
    busiest = max(newest_first, key=lambda m: m.count) if complete else None
    quietest = min(newest_first, key=lambda m: m.count) if complete else None

    per_circle = q.circle_interactions_per_day(book, start, as_of, only)
    circles = []
    for row in circle_rows:
        w, m = _count_by_buckets(per_circle.get(row.name.casefold(), {}), weeks, months)
        circles.append(CircleRhythm(row.name, tuple(w), tuple(m)))
    return Rhythm(
        weeks=tuple(WeekCount(s, e, n) for (s, e), n in zip(weeks, week_counts)),
        months=tuple(month_list),
        busiest=busiest,
        quietest=quietest,
        circles=tuple(circles),
    )


# ---------------------------------------------------------------------- balance


def _balance(
    book: Book, as_of: date, months: list[date], circle_rows: list[q.CircleRow], only: str | None
) -> BalanceStats:
    start = months[0]
    per_month = q.favour_weight_per_month(book, start, as_of, only)
    month_list = tuple(
        MonthBalance(m, *per_month.get(_month_key(m), (0, 0))) for m in months
    )
    per_circle = q.favour_weight_per_circle(book, start, as_of, only)
    circles = tuple(
        CircleBalance(row.name, *per_circle.get(row.name.casefold(), (0, 0))) for row in circle_rows
    )
    gave = q.open_balance_leaders(book, start, as_of, gave_more=True, limit=LEADERS, circle=only)
    got = q.open_balance_leaders(book, start, as_of, gave_more=False, limit=LEADERS, circle=only)
    return BalanceStats(
        months=month_list,
        circles=circles,
        given_most=tuple(_person(row, gave_more=True) for row in gave),
        received_most=tuple(_person(row, gave_more=False) for row in got),
    )


def short_name(name: str, nickname: str = "") -> str:
    """What you would call someone in a sentence: the nickname, else the first name.

    Titles like "Dr." are skipped; a one-word name is used whole.
    """
    if nickname.strip():
        return nickname.strip()
    for word in name.split():
        if not word.endswith("."):
            return word
    return name


def _person(row: q.LeaderRow, *, gave_more: bool) -> PersonBalance:
    who = short_name(row.name, row.nickname)
    net = abs(row.given - row.received)
    if gave_more:
        wording = f"you've helped {who} a lot lately" if net >= A_LOT else f"you've helped {who} lately"
    elif net >= A_LOT:
        wording = f"{who} has done a lot for you — a good moment to give back"
    else:
        wording = f"{who} has done something for you — a good moment to give back"
    return PersonBalance(row.contact_id, row.name, row.given, row.received, wording, who)


def names(people: list[str]) -> str:
    """'Ada', 'Ada and Grace', 'Ada, Grace and Olga'."""
    if len(people) <= 1:
        return "".join(people)
    return f"{', '.join(people[:-1])} and {people[-1]}"


def balance_sentences(balance: BalanceStats) -> list[str]:
    """The balance leaders said once each way, with names, the way a person would:
    "You've helped Olga a lot lately, and Ada and Dora too." and "Sam has done a lot for
    you — a good moment to give back." Empty when nothing is open either way."""
    sentences = []
    if balance.given_most:
        lots = [p.who or p.name for p in balance.given_most if p.a_lot]
        some = [p.who or p.name for p in balance.given_most if not p.a_lot]
        if lots and some:
            sentences.append(f"You've helped {names(lots)} a lot lately, and {names(some)} too.")
        elif lots:
            sentences.append(f"You've helped {names(lots)} a lot lately.")
        else:
            sentences.append(f"You've helped {names(some)} lately.")
    if balance.received_most:
        lots = [p.who or p.name for p in balance.received_most if p.a_lot]
        some = [p.who or p.name for p in balance.received_most if not p.a_lot]

        def have(people: list[str]) -> str:
            return "has" if len(people) == 1 else "have"

        if lots and some:
            said = (f"{names(lots)} {have(lots)} done a lot for you, and {names(some)} "
                    f"something too")
        elif lots:
            said = f"{names(lots)} {have(lots)} done a lot for you"
        else:
            said = f"{names(some)} {have(some)} done something for you"
        sentences.append(f"{said} — a good moment to give back.")
    return sentences


# ---------------------------------------------------------------------- drift


def _gaps(days: list[date], as_of: date) -> list[int]:
    """Days between interaction days, newest first; the silence since the last one counts as
    the newest gap once it is longer than the usual (median) gap, because a long silence
    already says the rhythm has slowed, while a short one says nothing yet."""
    closed = [(newer - older).days for newer, older in zip(days, days[1:])]
    if len(closed) < MIN_GAPS:
        return []
    silence = (as_of - days[0]).days
    if silence > statistics.median(closed):
        return [silence, *closed[: GAPS - 1]]
    return closed[:GAPS]


def _cadence_of(book: Book):
    """A function (own cadence text, tags JSON) → (effective cadence, own?), memoised: a big
    book has thousands of contacts but only a handful of distinct combinations."""
    circle_cadences = {
        fold(row.name): Cadence.parse(row.cadence) for row in q.circles(book) if row.cadence
    }
    memo: dict[tuple[str | None, str], tuple[Cadence | None, bool]] = {}

    def cadence_of(own_text: str | None, tags: str) -> tuple[Cadence | None, bool]:
        key = (own_text, tags)
        if key not in memo:
            own = Cadence.parse(own_text) if own_text else None
            inherited = [circle_cadences[fold(t)] for t in json.loads(tags) if fold(t) in circle_cadences]
            memo[key] = (effective_cadence(own, inherited), own is not None)
        return memo[key]

    return cadence_of


def _rhythms(book: Book, as_of: date, only: str | None, days_by_contact: dict[int, list[date]]):
    """Everyone with a cadence and a history: (row, days, gaps, cadence, own?, median gap,
    the cadence word that gap rounds to, its label) — what drift and the faster/slower
    suggestions both judge."""
    cadence_of = _cadence_of(book)
    for row in q.contacts_with_cadence(book, only):
        days = days_by_contact.get(row.contact_id)
        gaps = _gaps(days, as_of) if days else []
        if not gaps:
            continue
        cadence, own = cadence_of(row.cadence, row.tags)
        if cadence is None:
            continue
        rhythm = float(statistics.median(gaps))
        suggested, label = cadence_word(rhythm)
        yield row, days, gaps, cadence, own, rhythm, suggested, label


def _drift(
    book: Book, as_of: date, only: str | None, days_by_contact: dict[int, list[date]]
) -> list[Drift]:
    found: list[tuple[float, str, Drift]] = []
    for row, days, gaps, cadence, own, rhythm, suggested, label in _rhythms(
            book, as_of, only, days_by_contact):
        # Slower only counts when a person would pick a slower cadence word for it: the
        # rounding is the tolerance, so a monthly contact seen every 33 days is not drifting.
        if suggested.approx_days <= cadence.approx_days:
            continue
        drift = Drift(
            contact_id=row.contact_id, name=row.name, cadence=cadence, own_cadence=own,
            gaps=tuple(gaps), rhythm_days=rhythm, last_contact=days[0],
            days_since=(as_of - days[0]).days, suggested=suggested, suggested_label=label,
        )
        found.append((-rhythm / cadence.approx_days, fold(row.name), drift))
    found.sort(key=lambda item: (item[0], item[1], item[2].contact_id))
    return [drift for *_, drift in found]


# ---------------------------------------------------------------------- circles


def _circles(
    book: Book,
    as_of: date,
    circle_rows: list[q.CircleRow],
    only: str | None,
    days_by_contact: dict[int, list[date]],
) -> list[CircleHealth]:
    counts = q.circle_member_counts(book, as_of, only)
    meetings = q.last_group_meetings(book, as_of, only)
    extra_in_touch = _in_touch_seen_since(book, as_of, only, days_by_contact)
    result = []
    for row in circle_rows:
        key = row.name.casefold()
        c = counts.get(key, q.CircleCounts(0, 0, 0))
        meeting = meetings.get(key)
        result.append(
            CircleHealth(
                circle=row.name,
                cadence=Cadence.parse(row.cadence) if row.cadence else None,
                members=c.members,
                with_cadence=c.with_cadence,
                in_touch=c.in_touch + extra_in_touch.get(key, 0),
                last_group_meeting=meeting[0] if meeting else None,
                last_group_size=meeting[1] if meeting else 0,
            )
        )
    return result


def _in_touch_seen_since(
    book: Book, as_of: date, only: str | None, days_by_contact: dict[int, list[date]]
) -> dict[str, int]:
    """In-touch counts per circle for members last seen after `as_of`, whose stored next_due
    reflects that later contact: judged again from their last contact up to `as_of`.
    Nobody qualifies when `as_of` is today, so this costs nothing in the usual case."""
    later = q.contacts_with_cadence(book, only, seen_after=as_of)
    if not later:
        return {}
    cadence_of = _cadence_of(book)
    result: dict[str, int] = {}
    for row in later:
        tags = json.loads(row.tags)
        cadence, _ = cadence_of(row.cadence, row.tags)
        last = days_by_contact.get(row.contact_id, [None])[0]
        added_on = date.fromisoformat(row.created_at[:10])
        due = next_due(cadence, last, min(added_on, as_of))
        if due is not None and due > as_of:
            for tag in tags:
                result[tag.casefold()] = result.get(tag.casefold(), 0) + 1
    return result


# ---------------------------------------------------------------------- introductions


def _introductions(book: Book, as_of: date, start: date, only: str | None) -> IntroductionStats:
    counts = q.introduction_counts(book, start, as_of, only)
    outcomes = q.recent_outcomes(book, as_of, limit=RECENT_OUTCOMES, circle=only)
    return IntroductionStats(
        made=counts.made,
        with_outcome=counts.with_outcome,
        made_last_12_months=counts.made_since,
        recent_outcomes=tuple(
            IntroductionOutcome(o.introduction_id, o.date, o.contact_a, o.name_a,
                                o.contact_b, o.name_b, o.outcome, o.result)
            for o in outcomes
        ),
        worked=counts.worked,
        fizzled=counts.fizzled,
    )


# ---------------------------------------------------------------------- who reaches out

# One-sided needs this many interactions of the last year with the first move recorded.
ONE_SIDED_AT_LEAST = 3


def _one_sided(book: Book, as_of: date, only: str | None) -> list[OneSided]:
    """People whose recorded first moves of the last 12 months all came from one side (a
    mutual one breaks the pattern), the longest runs first."""
    found = []
    for row in q.reach_out_counts(book, as_of - timedelta(days=365), as_of, ONE_SIDED_AT_LEAST, only):
        if row.mutual or (row.me and row.them):
            continue
        who = short_name(row.name, row.nickname)
        total = row.me + row.them
        if row.me:
            wording = f"you reached out to {who} the last {total} times — let them come to you?"
        else:
            wording = f"{who} reached out the last {total} times — your turn next?"
        found.append(OneSided(row.contact_id, row.name, row.me, row.them, wording))
    return found
