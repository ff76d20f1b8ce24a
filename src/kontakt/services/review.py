"""The daily review: the few people worth a message today, and what acting on each does.

`build_review` gathers items of six kinds (one indexed query per kind, see
store/review_queries.py), ranks them and applies the energy cap. The actions (`mark_done`,
`snooze`, `skip_for_today`, `let_drift`) each run in one transaction and return an `Undo`
that `undo` reverses, so the CLI and the Today screen share one set of rules.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache

from ..config import Config
from ..domain import CHANNELS, Birthday, Cadence, channel_prompt, effective_cadence, fold
from ..domain.ledger import LedgerError, check_result
from ..domain.dates import relative
from ..domain.text import counted_people
from ..store import Book
from ..store import review_queries as q
from ..store.review_queries import ReviewState

KINDS = ("follow-up", "keep-in-touch", "birthday", "thank", "intro-check", "drifting", "circle",
         "cadence", "give-back")

# Drifting is computed for at most this many of the most overdue contacts: it needs each
# one's recent interactions, which must not turn into a loop over the whole book.
DRIFT_CANDIDATES = 50
# Drifting needs this many completed gaps, all longer than the cadence.
DRIFT_GAPS = 3
# Offered at most once a week, not daily.
DRIFT_EVERY = timedelta(days=7)
# Where a drifting prompt ranks (every one the same).
DRIFTING_SCORE = 0.75
# "Keep her at monthly": having decided, don't ask again for a good while.
DRIFT_KEEP_QUIET = timedelta(days=90)
# A birthday window longer than a year would list everyone.
MAX_BIRTHDAY_WINDOW = 366
# A snooze that never ends (no longer written: let drift is an opt-out row; kept for old books).
FOREVER = date(9999, 12, 31)
# One Today item for a circle instead of one per member (one missed weekly breakfast is one
# prompt, not eleven): at least this many members overdue on the circle's own cadence …
CIRCLE_MIN_OVERDUE = 3
# … who are at least this share of the members that cadence applies to (three late in a
# circle of forty is three people to write to, not a missed meeting).
CIRCLE_MIN_SHARE = 0.5
# A cadence suggested from history (services/stats.py) is offered in the review to someone
# with none: one person a day at most, each again a week after being shown (like drifting),
# looked for among the most recently seen people without a cadence.
CADENCE_OFFERS = 1
CADENCE_CANDIDATES = 50
# Where a cadence suggestion ranks: below anything more pressing, in no circle (q.FAR).
CADENCE_SCORE = 0.6
# An unanswered introduction's score stops growing after this long: a years-old question
# stays in the review without crowding out everyone else.
INTRO_MAX_WAIT = 28
# "Give back": someone whose open favours of the last year outweigh yours by this much
# (three small favours, or one large) — the same "a lot" as the stats (services/stats.A_LOT).
GIVE_BACK_AT = 3
GIVE_BACK_WINDOW = timedelta(days=365)
GIVE_BACK_SCORE = 0.6
# Offered at most every two weeks; once answered with done, quiet for a month.
GIVE_BACK_EVERY = timedelta(days=14)
GIVE_BACK_QUIET = timedelta(days=30)
# Kinds offered now and then rather than daily (record_offers remembers when).
OFFERED_KINDS = ("drifting", "cadence", "give-back")


@dataclass(frozen=True)
class ReviewItem:
    """One thing worth doing today, with the contact it is about and why."""

    kind: str
    contact_id: int
    name: str
    due: date
    reason: str
    score: float  # higher is more pressing; comparable across kinds
    closeness: int = q.FAR  # position of the contact's closest circle: lower is closer
    follow_up_id: int | None = None
    favour_id: int | None = None
    introduction_id: int | None = None
    cadence: str | None = None  # keep-in-touch and drifting: the cadence that applies
    circle: str | None = None  # a circle item: the circle (contact_id is its first member)
    circle_id: int | None = None
    members: tuple[int, ...] = ()  # a circle item: the overdue members it stands for
    channel: str | None = None  # the contact's preferred channel (message, call, coffee, …)

    @property
    def ref_id(self) -> int:
        """The id the item's state hangs on: follow-up, favour, introduction, circle, else
        contact."""
        return (self.follow_up_id or self.favour_id or self.introduction_id or self.circle_id
                or self.contact_id)

    def sort_key(self) -> tuple:
        return (-self.score, self.closeness, KINDS.index(self.kind), fold(self.name), self.ref_id)

    def as_json(self) -> dict:
        """The public JSON shape (a contract: extend, never rename)."""
        return {
            "kind": self.kind,
            "contact_id": self.contact_id,
            "name": self.name,
            "due": self.due.isoformat(),
            "reason": self.reason,
            "score": round(self.score, 4),
            "follow_up_id": self.follow_up_id,
            "favour_id": self.favour_id,
            "introduction_id": self.introduction_id,
            **({"circle": self.circle, "members": list(self.members)} if self.circle else {}),
            "channel": self.channel,
        }


@dataclass(frozen=True)
class Review:
    """The items to show (ranked, capped) and how many more are due but held back."""

    items: list[ReviewItem]
    more: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # all due items per kind

    @property
    def total(self) -> int:
        return len(self.items) + self.more


# ---------------------------------------------------------------------- wording

def _first(name: str) -> str:
    return name.split()[0] if name.split() else name


def _day(day: date, as_of: date) -> str:
    """'2 Oct' within the year of `as_of`, '2 Oct 2025' otherwise."""
    text = f"{day.day} {day.strftime('%b')}"
    return text if day.year == as_of.year else f"{text} {day.year}"


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# ---------------------------------------------------------------------- the rules

def cadence_exceeded(cadence: Cadence, earlier: date, later: date) -> bool:
    """True when the gap from `earlier` to `later` was longer than the cadence."""
    return later > cadence.after(earlier)


def is_drifting(cadence: Cadence, recent_days: list[date]) -> bool:
    """True when the last DRIFT_GAPS gaps between interaction days (newest first) all
    exceeded the cadence."""
    if len(recent_days) < DRIFT_GAPS + 1:
        return False
    days = recent_days[: DRIFT_GAPS + 1]
    return all(cadence_exceeded(cadence, older, newer) for newer, older in zip(days, days[1:]))


def birthday_days(as_of: date, window: int) -> dict[str, list[date]]:
    """'MM-DD' → the days in [as_of, as_of + window] a birthday stored with that month-day
    is celebrated; 29 February is celebrated on 28 February in other years."""
    window = max(0, min(window, MAX_BIRTHDAY_WINDOW))
    days: dict[str, list[date]] = {}
    for offset in range(window + 1):
        day = as_of + timedelta(days=offset)
        days.setdefault(f"{day.month:02d}-{day.day:02d}", []).append(day)
        if day.month == 2 and day.day == 28 and Birthday(2, 29).in_year(day.year) == day:
            days.setdefault("02-29", []).append(day)
    return days


def _birthday(text: str) -> Birthday:
    if text.startswith("--"):
        return Birthday(int(text[2:4]), int(text[5:7]))
    return Birthday.from_date(date.fromisoformat(text))


# ---------------------------------------------------------------------- gathering

@lru_cache(maxsize=256)
def _cadence(text: str) -> Cadence:
    return Cadence.parse(text)


def _cadence_of(row: q.KeepInTouchRow, circles: dict[str, Cadence]) -> Cadence | None:
    own = _cadence(row.cadence) if row.cadence else None
    inherited = [circles[fold(t)] for t in json.loads(row.tags) if fold(t) in circles]
    return effective_cadence(own, inherited)


def _circles(book: Book) -> dict[str, Cadence]:
    return {fold(name): Cadence.parse(text) for name, text in q.circle_cadences(book).items()}


def _follow_ups(book, as_of, limit, contact_id, count=True) -> tuple[list[ReviewItem], int]:
    rows, total = q.follow_ups_due(book, as_of, limit=limit, contact_id=contact_id, count=count)
    items = []
    for row in rows:
        # Ranked and shown by the day it was due: back from a snooze, it has waited that long.
        due = row.due
        note = _one_line(row.note)
        reason = f"follow up: {note}" if note else f"follow up with {_first(row.name)}"
        if row.recurrence:
            reason += f" ({row.recurrence})"
        items.append(ReviewItem(
            kind="follow-up", contact_id=row.contact_id, name=row.name, due=due,
            reason=reason, score=1.0 + (as_of - due).days / 7, closeness=row.closeness,
            follow_up_id=row.follow_up_id,
        ))
    return items, total


def _keep_in_touch(as_of, rows, circles) -> list[ReviewItem]:
    items = []
    for row in rows:
        cadence = _cadence_of(row, circles)
        aim = f"; you aim for {cadence}" if cadence else ""
        if row.last_contact:
            reason = (f"last in touch {_day(row.last_contact, as_of)} "
                      f"({relative(row.last_contact, as_of)}){aim}")
        else:
            reason = f"nothing logged yet{aim}"
        items.append(ReviewItem(
            kind="keep-in-touch", contact_id=row.contact_id, name=row.name, due=row.next_due,
            reason=reason, score=row.score, closeness=row.closeness,
            cadence=str(cadence) if cadence else None,
        ))
    return items


def _birthdays(book, as_of, window, limit, contact_id, count=True) -> tuple[list[ReviewItem], int]:
    days = birthday_days(as_of, window)
    offsets = {key: min((day - as_of).days for day in found) for key, found in days.items()}
    rows, total = q.birthdays_on(book, as_of, offsets, limit=limit, contact_id=contact_id, count=count)
    items = []
    for row in rows:
        birthday = _birthday(row.birthday)
        when = birthday.next_on_or_after(as_of)
        until = (when - as_of).days
        if until == 0:
            reason = "birthday today"
        elif until == 1:
            reason = "birthday tomorrow"
        else:
            reason = f"birthday on {when.strftime('%a')} {_day(when, as_of)}"
        age = birthday.age_on(when)
        if age is not None and age > 0:
            reason += f" — turns {age}"
        if (birthday.month, birthday.day) != (when.month, when.day):
            reason += " (29 Feb, kept on 28 Feb this year)"
        # Today's birthday is the most pressing thing there is; the rest get closer each day.
        score = 3.0 if until == 0 else 1.0 + 1.0 / (1 + until)
        items.append(ReviewItem(
            kind="birthday", contact_id=row.contact_id, name=row.name, due=when,
            reason=reason, score=score, closeness=row.closeness,
        ))
    return items, total


def _thanks(book, as_of, after_days, limit, contact_id, count=True) -> tuple[list[ReviewItem], int]:
    before = as_of - timedelta(days=after_days + 1)
    rows, total = q.thanks_due(book, as_of, before, limit=limit, contact_id=contact_id, count=count)
    items = []
    for row in rows:
        due = row.date + timedelta(days=after_days + 1)
        reason = (f"from {_first(row.name)} on {_day(row.date, as_of)}: "
                  f"{_one_line(row.description)} — say thanks?")
        items.append(ReviewItem(
            kind="thank", contact_id=row.contact_id, name=row.name, due=due, reason=reason,
            score=0.5 + (as_of - due).days / max(after_days, 1), closeness=row.closeness,
            favour_id=row.favour_id,
        ))
    return items, total


def _intros(book, as_of, weeks, limit, contact_id, count=True) -> tuple[list[ReviewItem], int]:
    """Introductions at least `weeks[0]` weeks old with no result yet. They stay until
    answered (worked, fizzled, unknown): a snooze moves one, nothing drops it."""
    low = weeks[0]
    latest = as_of - timedelta(weeks=low)
    rows, total = q.introductions_to_check(
        book, as_of, None, latest, limit=limit, contact_id=contact_id, count=count
    )
    items = []
    for row in rows:
        due = row.date + timedelta(weeks=low)
        reason = (f"did {_first(row.name)} and {_first(row.other_name)} meet? "
                  f"introduced {_day(row.date, as_of)}")
        waited = min((as_of - due).days, INTRO_MAX_WAIT)
        items.append(ReviewItem(
            kind="intro-check", contact_id=row.contact_id, name=row.name, due=due,
            reason=reason, score=0.5 + waited / 14, closeness=row.closeness,
            introduction_id=row.introduction_id,
        ))
    return items, total


def _drifting(book, as_of, rows, circles) -> list[ReviewItem]:
    """Those of these overdue contacts whose last three gaps all exceeded their cadence,
    offered once a week."""
    found: list[tuple[q.KeepInTouchRow, Cadence]] = []
    for row in rows:
        cadence = _cadence_of(row, circles)
        if cadence is None:
            continue
        recent = q.recent_interaction_dates(book, row.contact_id, DRIFT_GAPS + 1)
        if is_drifting(cadence, recent):
            found.append((row, cadence))
    state = q.states(book, "drifting", [row.contact_id for row, _ in found])
    items = []
    for row, cadence in found:
        s = state.get(row.contact_id)
        if s and (s.skipped_on == as_of or (s.snoozed_until and s.snoozed_until > as_of)):
            continue
        if s and s.offered_on and s.offered_on != as_of and as_of - s.offered_on < DRIFT_EVERY:
            continue
        reason = f"you've drifted from {_first(row.name)} — keep {cadence}, or let drift?"
        items.append(ReviewItem(
            kind="drifting", contact_id=row.contact_id, name=row.name, due=as_of,
            reason=reason, score=DRIFTING_SCORE, closeness=row.closeness, cadence=str(cadence),
        ))
    return items


def _quiet_for(days: int) -> str:
    """'5 days', '3 weeks', '4 months': how long nobody was seen, in words."""
    if days < 14:
        return f"{days} day{'s' if days != 1 else ''}"
    if days < 61:
        return f"{round(days / 7)} weeks"
    return f"{round(days / 30.4375)} months"


def _prompted(applies: int, late: int) -> bool:
    """True when a circle whose cadence `applies` to so many has so many `late` together."""
    return late >= CIRCLE_MIN_OVERDUE and late >= CIRCLE_MIN_SHARE * applies


def _circle_items(book: Book, as_of: date, circles: dict[str, Cadence], *,
                  members: bool = True) -> list[ReviewItem]:
    """One item per circle with a cadence whose members are overdue together: at least
    CIRCLE_MIN_OVERDUE of them, and at least CIRCLE_MIN_SHARE of the members the circle's
    cadence applies to. A member counts for the circle whose cadence is theirs: the tightest
    of their circles, the closest one on ties.

    With `members=False`, in a book that stores each person's circle (m019), an item may come
    without its members, first member and reason (what ranking it does not need): only
    those shown are looked up, by `_with_members`."""
    found = q.circles_with_cadence(book)
    cadences = {row[0]: _cadence(row[3]) for row in found}
    # The order in which circles' cadences apply: tighter first, then closer (found's order).
    ranked = sorted(found, key=lambda row: cadences[row[0]].approx_days)
    groups = {group.circle_id: group
              for group in q.circle_groups(book, as_of, ranked, wanted=_prompted, members=members)}
    items = []
    for row in found:
        cadence = cadences[row[0]]
        group = groups[row[0]]
        if not _prompted(group.applies, group.late):
            continue
        item = ReviewItem(
            kind="circle", contact_id=0, name=f"#{group.circle}", due=group.first_due or as_of,
            reason="", score=group.score, closeness=group.position, cadence=str(cadence),
            circle=group.circle, circle_id=group.circle_id,
        )
        items.append(_circle_members(item, group.overdue, group.last_seen, as_of)
                     if group.overdue else item)
    return items


def _circle_members(item: ReviewItem, members: tuple[int, ...], last_seen: date | None,
                    as_of: date) -> ReviewItem:
    """A circle's item with its overdue members: the first of them, and the reason."""
    if last_seen:
        quiet = f"not seen for {_quiet_for((as_of - last_seen).days)}"
    else:
        quiet = "nothing logged yet"
    return replace(item, contact_id=members[0], members=members,
                   reason=f"{counted_people(len(members))} {quiet} ({item.cadence}) — log the last meeting?")


def _with_members(book: Book, items: list[ReviewItem], as_of: date) -> list[ReviewItem]:
    """`items` with the members of each circle item that came without them."""
    bare = [item.circle for item in items if item.kind == "circle" and not item.members]
    if not bare:
        return items
    found = q.circle_members(book, as_of, bare)
    return [_circle_members(item, *found[item.circle], as_of)
            if item.kind == "circle" and not item.members else item for item in items]


def _cadence_offers(book: Book, as_of: date, contact_id: int | None) -> list[ReviewItem]:
    """Cadences suggested from history to people with none, as review items: Enter keeps in
    touch at that cadence, r says no (let drift: never asked again), s and k put it off."""
    from .stats import suggestion_for  # stats reads the review's let-drift list: not at the top

    if contact_id is None and q.handled_kind_on(book, as_of, "cadence"):
        return []  # one a day: today's was answered (kept, put off or declined)
    ids = [contact_id] if contact_id is not None else q.uncadenced_recent(book, as_of, CADENCE_CANDIDATES)
    found = [s for s in (suggestion_for(book, cid, as_of) for cid in ids)
             if s is not None and s.direction == "new"]
    state = q.states(book, "cadence", [s.contact_id for s in found])
    items: list[ReviewItem] = []
    for s in sorted(found, key=lambda s: (-s.days, fold(s.name), s.contact_id)):
        st = state.get(s.contact_id)
        if st and (st.skipped_on == as_of or (st.snoozed_until and st.snoozed_until > as_of)):
            continue
        if st and st.offered_on and st.offered_on != as_of and as_of - st.offered_on < DRIFT_EVERY:
            continue
        reason = (f"in touch about every {_quiet_for(round(s.rhythm_days))} lately "
                  f"({s.days} times) — keep in touch {s.suggested_label}?")
        items.append(ReviewItem(
            kind="cadence", contact_id=s.contact_id, name=s.name, due=as_of, reason=reason,
            score=CADENCE_SCORE, cadence=str(s.suggested),
        ))
        if contact_id is None and len(items) >= CADENCE_OFFERS:
            break
    return items


def circle_item(book: Book, name: str, as_of: date, config: Config) -> ReviewItem | None:
    """The circle's Today item on `as_of` if its members are overdue together, else None."""
    key = fold(name.lstrip("#").strip())
    for item in _circle_items(book, as_of, _circles(book)):
        if item.circle is not None and fold(item.circle) == key:
            return item
    return None


def _offers(items: list[ReviewItem]) -> tuple[list[ReviewItem], int]:
    return items, len(items)


def _give_back(book, as_of, limit, contact_id) -> list[ReviewItem]:
    """People who did a lot more for you than you for them lately, offered every two weeks;
    worded as a chance, never as a debt."""
    rows = q.give_back_due(book, as_of, as_of - GIVE_BACK_WINDOW, GIVE_BACK_AT,
                           limit=None if limit is None else limit + 8, contact_id=contact_id)
    state = q.states(book, "give-back", [row.contact_id for row in rows])
    items = []
    for row in rows:
        s = state.get(row.contact_id)
        if s and s.offered_on and s.offered_on != as_of and as_of - s.offered_on < GIVE_BACK_EVERY:
            continue
        first = _first(row.name)
        reason = (f"{first} has done a lot for you lately — "
                  f"a small kindness back, when one fits?")
        items.append(ReviewItem(
            kind="give-back", contact_id=row.contact_id, name=row.name, due=as_of,
            reason=reason, score=GIVE_BACK_SCORE, closeness=row.closeness,
        ))
    return items[:limit] if limit is not None else items


def with_channels(book: Book, items: list[ReviewItem]) -> list[ReviewItem]:
    """The items with each contact's preferred channel; a keep-in-touch item's reason
    starts with the smallest touch that fits ("send Olga a message — …")."""
    channels = q.channels(book, {item.contact_id for item in items})
    out = []
    for item in items:
        channel = channels.get(item.contact_id)
        if channel is None:
            out.append(item)
            continue
        reason = item.reason
        if item.kind == "keep-in-touch":
            reason = f"{channel_prompt(channel, _first(item.name))} — {reason}"
        out.append(replace(item, channel=channel, reason=reason))
    return out


def _keep_in_touch_rows(book: Book, as_of: date, needed: int | None, contact_id: int | None,
                        totals: bool, members: set[int]) -> tuple[list[q.KeepInTouchRow], int]:
    """The first `needed` rows of the keep-in-touch ranking without `members`, and the count
    of all of them (without a count: of the rows read), left out here in Python."""
    # Ranking the due range costs one walk of it for 50 rows or 800 alike (leaving 25k
    # members out inside SQLite without m019 costs a second), so with members about, the
    # first page is four times the size.
    wanted = needed if needed is None or not members else needed * 4
    while True:
        overdue, overdue_total = q.keep_in_touch_due(
            book, as_of, limit=wanted, contact_id=contact_id, count=totals
        )
        kept = [row for row in overdue if row.contact_id not in members]
        # Fetch further only if the members emptied the page.
        if wanted is None or needed is None or len(kept) >= needed or len(overdue) < wanted:
            break
        wanted *= 4
    if members:
        # Every member is in the due set; without a count (or a limit) only the rows are known.
        overdue_total = overdue_total - len(members) if totals and wanted is not None else len(kept)
        overdue = kept
    return overdue, overdue_total


def _gather(
    book: Book, as_of: date, config: Config, limit: int | None, contact_id: int | None,
    totals: bool = True, offers: bool = True, later: bool = False,
) -> tuple[list[ReviewItem], dict[str, int], list[q.KeepInTouchRow]]:
    """The items of every kind, ranked, with the count of each kind, and the keep-in-touch
    rows drifting is looked for among. With `later`, drifting and give-back are left out
    (`build_review` asks for them only if they could be shown)."""
    circles = _circles(book)
    # One keep-in-touch query serves both kinds: drifting is looked for among the most
    # overdue (a contact whose keep-in-touch is snoozed is not asked about either).
    needed = None if limit is None else max(limit, DRIFT_CANDIDATES)
    # A circle whose members are overdue together is one item; its members are not listed
    # one by one (fetched past the limit by as many, so the page still fills).
    # Without counts, only the prompts shown need their members (build_review adds them).
    grouped = (_circle_items(book, as_of, circles, members=totals or needed is None)
               if contact_id is None else [])
    if grouped and needed is not None and q.has_cadence_circles(book):
        # Each person's circle is stored (m019): the ranking leaves the members out itself,
        # reading a few rows per cadence length.
        overdue, overdue_total = q.keep_in_touch_due(
            book, as_of, limit=needed, count=totals, leave_out=[item.circle for item in grouped])
        if totals:  # every member is in the count (and in one circle's prompt only)
            overdue_total -= sum(len(item.members) for item in grouped)
    else:
        members = {member for item in grouped for member in item.members}
        overdue, overdue_total = _keep_in_touch_rows(book, as_of, needed, contact_id, totals, members)
    drifting = [] if later else _drifting(book, as_of, overdue[:DRIFT_CANDIDATES], circles)
    counts: dict[str, int] = {}
    items: list[ReviewItem] = []
    for kind, (found, total) in (
        ("follow-up", _follow_ups(book, as_of, limit, contact_id, totals)),
        ("keep-in-touch", (_keep_in_touch(as_of, overdue[:limit], circles), overdue_total)),
        ("birthday", _birthdays(book, as_of, config.birthday_window_days, limit, contact_id, totals)),
        ("thank", _thanks(book, as_of, config.thank_after_days, limit, contact_id, totals)),
        ("intro-check", _intros(book, as_of, config.intro_check_weeks, limit, contact_id, totals)),
        ("drifting", (drifting, len(drifting))),
        ("circle", (grouped, len(grouped))),
        # Not for `today --brief`, which runs in every new shell: it never shows them.
        ("cadence", _offers(_cadence_offers(book, as_of, contact_id)
                            if offers or contact_id is not None else [])),
        ("give-back", _counted([] if later else _give_back(book, as_of, limit, contact_id))),
    ):
        items += found
        counts[kind] = total
    items = shift_for_pause(items, as_of, q.get_pause(book))
    items.sort(key=ReviewItem.sort_key)
    return items, counts, overdue[:DRIFT_CANDIDATES]


def _counted(items: list[ReviewItem]) -> tuple[list[ReviewItem], int]:
    return items, len(items)


# Kinds whose due date is a real deadline that a pause moves (a birthday stays on its day,
# drifting is due whenever it is offered); and the score each starts from on its due day.
_SHIFTED_BASE = {"follow-up": 1.0, "keep-in-touch": 0.0, "thank": 0.5, "intro-check": 0.5,
                 "circle": 0.0}


def shift_for_pause(
    items: list[ReviewItem], as_of: date, pause: tuple[date, date] | None
) -> list[ReviewItem]:
    """Items that fell due while the review was paused count as due on the day it ended.

    Each kind's score grows linearly with the days overdue, so moving the due day from `due`
    to `end` scales the overdue part by (as_of - end) / (as_of - due): something that fell
    due in the middle of a month away does not come back ranked as a month late.
    """
    if pause is None:
        return items
    start, end = pause
    if as_of < end:
        return items
    shifted = []
    for item in items:
        base = _SHIFTED_BASE.get(item.kind)
        if base is None or not start <= item.due < end:
            shifted.append(item)
            continue
        late = (as_of - item.due).days
        score = base + (item.score - base) * (as_of - end).days / late if late > 0 else item.score
        shifted.append(replace(item, due=end, score=score))
    return shifted


# Where the kinds with a fixed score rank at best (score, closeness, kind): an item ranking
# above the bar ranks above every item of that kind. A cadence suggestion is in no circle;
# drifting and give-back items are as close as their person, so any closeness could tie.
_CADENCE_BAR = (-CADENCE_SCORE, q.FAR, KINDS.index("cadence"))
_DRIFTING_BAR = (-DRIFTING_SCORE, float("-inf"), -1)
_GIVE_BACK_BAR = (-GIVE_BACK_SCORE, float("-inf"), -1)


def _outranked(items: list[ReviewItem], limit: int, bar: tuple = _CADENCE_BAR) -> bool:
    """True when `choose` would fill all `limit` places in its first pass (by rank, at most
    half per kind) with `items` (ranked) that each rank above `bar` (by default: any cadence
    suggestion): one item added below it could then change nothing that is shown."""
    share = max(1, (limit + 1) // 2)
    per_kind: dict[str, int] = {}
    picked = 0
    for item in items:
        if (-item.score, item.closeness, KINDS.index(item.kind)) >= bar:
            return False
        if per_kind.get(item.kind, 0) < share:
            per_kind[item.kind] = per_kind.get(item.kind, 0) + 1
            picked += 1
            if picked == limit:
                return True
    return False


def _with(items: list[ReviewItem], found: list[ReviewItem], as_of: date, book: Book,
          ) -> list[ReviewItem]:
    """`items` (ranked) and `found` together, ranked, as `_gather` would have ranked them."""
    if not found:
        return items
    return sorted(items + shift_for_pause(found, as_of, q.get_pause(book)), key=ReviewItem.sort_key)


def choose(items: list[ReviewItem], limit: int | None) -> list[ReviewItem]:
    """The `limit` items to show from `items` (ranked): by rank, but no kind takes more than
    half the places while another kind is waiting; the rest fill up by rank."""
    if limit is None or len(items) <= limit:
        return list(items)
    share = max(1, (limit + 1) // 2)
    chosen: list[ReviewItem] = []
    per_kind: dict[str, int] = {}
    for item in items:
        if len(chosen) == limit:
            break
        if per_kind.get(item.kind, 0) < share:
            chosen.append(item)
            per_kind[item.kind] = per_kind.get(item.kind, 0) + 1
    for item in items:
        if len(chosen) == limit:
            break
        if item not in chosen:
            chosen.append(item)
    chosen.sort(key=ReviewItem.sort_key)
    return chosen


def build_review(
    book: Book, as_of: date, config: Config, *, limit: int | None, totals: bool = True,
    offers: bool | None = None,
) -> Review:
    """The review for `as_of`: at most `limit` items (None: all of them), ranked and mixed
    by kind, and how many more are due. Reads only; see `record_offers`.

    `totals=False` skips counting what is held back (`more` and `counts` are then only
    what was fetched): `today --json` and `--brief` never show them. `offers=False` leaves
    out the cadence suggestions (default: as `totals`): `today --brief`, which runs in every
    new shell, never offers one. Neither changes which items are shown otherwise.
    """
    if limit is not None and limit < 1:
        raise ValueError("the review needs a limit of at least 1")
    offers = totals if offers is None else offers
    # Without counts, a cadence suggestion is only looked for (history of fifty people, and
    # the stats module) when it could be shown: not when the page is already full of items
    # that rank above any suggestion.
    # Drifting and give-back (a fixed score each, and costly to look for: fifty people's
    # history, a year of favours) likewise, without counts.
    lazy = not totals and limit is not None
    later = offers and lazy
    items, counts, candidates = _gather(book, as_of, config, limit, None, totals,
                                        offers and not later, later=lazy)
    if lazy and not _outranked(items, limit, _DRIFTING_BAR):
        found = _drifting(book, as_of, candidates, _circles(book))
        items = _with(items, found, as_of, book)
        counts["drifting"] = len(found)
    if lazy and not _outranked(items, limit, _GIVE_BACK_BAR):
        found = _give_back(book, as_of, limit, None)
        items = _with(items, found, as_of, book)
        counts["give-back"] = len(found)
    if later and not _outranked(items, limit):
        found = _cadence_offers(book, as_of, None)
        items = sorted(items + found, key=ReviewItem.sort_key)
        counts["cadence"] = len(found)
    shown = with_channels(book, _with_members(book, choose(items, limit), as_of))
    return Review(items=shown, more=max(0, sum(counts.values()) - len(shown)), counts=counts)


@dataclass(frozen=True)
class Budget:
    """The day's review budget: how many items the day has room for, how many were handled
    (in any process: the book keeps them), and whether the review is paused."""

    cap: int
    done: int
    paused_until: date | None = None

    @property
    def left(self) -> int:
        return 0 if self.paused_until else max(0, self.cap - self.done)

    @property
    def used_up(self) -> bool:
        return self.left == 0

    def as_json(self) -> dict:
        """Part of `today --json` (a contract: extend, never rename)."""
        return {
            "cap": self.cap, "done": self.done, "left": self.left,
            "paused_until": self.paused_until.isoformat() if self.paused_until else None,
        }


def cap_for(config: Config, day: date) -> int:
    """The day's cap: `daily_cap_weekdays` for that weekday, else `daily_cap`."""
    return config.daily_cap_weekdays.get(day.weekday(), config.daily_cap)


def paused_until(book: Book, as_of: date) -> date | None:
    """The day the review starts again if `as_of` falls inside a pause, else None."""
    pause = q.get_pause(book)
    if pause and pause[0] <= as_of < pause[1]:
        return pause[1]
    return None


def day_budget(book: Book, as_of: date, config: Config) -> Budget:
    """The budget for `as_of`: its cap, the items handled on it, and a pause if one holds."""
    return Budget(cap_for(config, as_of), q.handled_count(book, as_of), paused_until(book, as_of))


def budget_line(budget: Budget, more_hint: str | None) -> str:
    """What the review says once the day's budget is used (or the review is paused);
    `more_hint` names how to see the rest (None: nothing more is due)."""
    if budget.paused_until:
        text = f"paused until {budget.paused_until:%a} {budget.paused_until.isoformat()}"
    elif budget.cap == 0:
        text = "a day off — no review today"
    else:
        text = f"that's it for today — {budget.done} of {budget.cap} done"
    rest = "what is due" if budget.paused_until else "the rest"
    return f"{text}; {more_hint} shows {rest}" if more_hint else text


def pause(book: Book, as_of: date, until: date) -> str:
    """Rest the review from `as_of` until `until` (it starts again that day); extends a
    pause that already holds. Returns one line for the user. Raises ValueError if `until`
    is not after `as_of`."""
    if until <= as_of:
        raise ValueError(f"{until.isoformat()} is not after today ({as_of.isoformat()})")
    with book.write():
        current = q.get_pause(book)
        start = current[0] if current and current[0] <= as_of < current[1] else as_of
        q.set_pause(book, start, until)
    return f"review paused until {until:%a} {until.isoformat()}; `kontakt resume` ends it early"


def resume(book: Book, as_of: date) -> str | None:
    """End a pause today: what fell due inside it counts as due today. None if not paused."""
    with book.write():
        current = q.get_pause(book)
        if not current or not current[0] <= as_of < current[1]:
            return None
        q.set_pause(book, current[0], as_of)
    return "review resumed: what fell due while paused is due today, a day's budget at a time"


def items_for_contact(book: Book, contact_id: int, as_of: date, config: Config) -> list[ReviewItem]:
    """Everything due for one contact on `as_of`, most pressing first."""
    items, _, _ = _gather(book, as_of, config, None, contact_id)
    return with_channels(book, items)


def record_offers(book: Book, review: Review, as_of: date) -> None:
    """Remember that drifting, cadence (and give-back) items were shown on `as_of`, so they come back
    in a week (two), not tomorrow. Call it when the review is actually shown to the user."""
    drifting = [item for item in review.items if item.kind in OFFERED_KINDS]
    if not drifting:
        return
    with book.write(record=False):  # bookkeeping, not something the user did: not an undo step
        for item in drifting:
            previous = q.get_state(book, item.kind, item.contact_id)
            if previous and previous.offered_on == as_of:
                continue
            state = previous or ReviewState(item.kind, item.contact_id, item.contact_id)
            q.put_state(book, replace(state, offered_on=as_of))


# ---------------------------------------------------------------------- actions

@dataclass(frozen=True)
class Undo:
    """What an action did, with enough to reverse it (`undo(book, token)`)."""

    action: str  # done, snooze, skip, let-drift, bring-back, circle-done
    message: str  # one line for the user: what happened
    contact_id: int
    as_of: date
    item: ReviewItem | None = None
    interaction_id: int | None = None
    next_follow_up_id: int | None = None
    previous_states: tuple[tuple[str, int, ReviewState | None], ...] = ()
    previous_snooze: date | None = None
    previous_cadence: str | None = None
    handled: tuple[tuple[str, int], ...] = ()  # (kind, ref_id) newly counted on as_of
    thanked: tuple[int, ...] = ()  # favours this action marked as thanked
    previous_status: str | None = None  # settle: the favour's status before
    previous_note: str | None = None  # intro-check: the outcome note before the answer


def _count_handled(book: Book, item: ReviewItem | None, kind: str, ref_id: int,
                   contact_id: int, as_of: date, action: str) -> tuple[tuple[str, int], ...]:
    if item is not None:
        kind, ref_id = item.kind, item.ref_id
    if q.mark_handled(book, as_of, kind, ref_id, contact_id, action):
        return ((kind, ref_id),)
    return ()


def also_handled(book: Book, token: Undo, items: list[ReviewItem]) -> Undo:
    """Count `items` (settled by the action `token` stands for) against the same day's
    budget; the returned token undoes those counts too."""
    added = list(token.handled)
    with book.write():
        for item in items:
            if q.mark_handled(book, token.as_of, item.kind, item.ref_id, item.contact_id, "settled"):
                added.append((item.kind, item.ref_id))
    return replace(token, handled=tuple(added))


def _state_of(book: Book, kind: str, item_ref: int, contact_id: int) -> ReviewState:
    return q.get_state(book, kind, item_ref) or ReviewState(kind, item_ref, contact_id)


def mark_done(
    book: Book, item: ReviewItem, as_of: date, kind_of_interaction: str | None = "other",
    *, note: str = "", log: bool = True, result: str | None = None,
) -> Undo:
    """Act on an item: log an interaction (keep-in-touch, birthday, thank — a thank-you
    marks the favours thanked), complete a follow-up (a recurring one gets its next date)
    and log an interaction unless `log` is False, answer an introduction (`result` worked,
    fizzled or unknown, the default; `note` how it went), note that you will give back, or
    keep a drifting contact's cadence. `kind_of_interaction=None` logs the contact's
    preferred channel's kind (else "other"). The item counts against `as_of`'s budget.
    Raises NotFound if gone."""
    if kind_of_interaction is None:
        kind_of_interaction = CHANNELS.get(item.channel or "", "other")
    with book.write():
        token = _mark_done(book, item, as_of, kind_of_interaction, note, log, result)
        handled = _count_handled(book, item, "", 0, item.contact_id, as_of, "done")
    return replace(token, handled=handled)


def _mark_done(book, item, as_of, kind_of_interaction, note, log, result=None) -> Undo:
    if item.kind == "circle":
        return _circle_done(book, item, as_of, kind_of_interaction, note)
    if item.kind == "cadence":
        return _keep_suggested(book, item, as_of)
    first = _first(item.name)
    if item.kind == "follow-up":
        assert item.follow_up_id is not None
        next_id = book.complete_follow_up(item.follow_up_id, on=as_of)
        message = f"follow-up with {item.name} done"
        interaction_id = None
        if log:
            interaction_id = book.log_interaction(
                [item.contact_id], on=as_of, kind=kind_of_interaction, note=note, today=as_of
            )
            message += (" and logged" if kind_of_interaction == "other" else
                        f", logged {'an' if kind_of_interaction[0] in 'aeiou' else 'a'} "
                        f"{kind_of_interaction}")
        if next_id is not None:
            message += f"; next on {book.get_follow_up(next_id).due.isoformat()}"
        return Undo("done", message, item.contact_id, as_of, item, next_follow_up_id=next_id,
                    interaction_id=interaction_id)
    if item.kind == "intro-check":
        assert item.introduction_id is not None
        before = book.conn.execute(
            "SELECT outcome FROM introductions WHERE id = ?", (item.introduction_id,)
        ).fetchone()
        answer = check_result(result or "unknown")
        book.set_introduction_result(item.introduction_id, answer, on=as_of, note=note or None)
        return Undo("done", f"{first}'s introduction: {answer}", item.contact_id,
                    as_of, item, previous_note=before[0] if before else "")
    if item.kind == "give-back":
        previous = q.get_state(book, "give-back", item.contact_id)
        state = previous or ReviewState("give-back", item.contact_id, item.contact_id)
        q.put_state(book, replace(state, snoozed_until=as_of + GIVE_BACK_QUIET))
        return Undo("done", f"noted: something back for {first} (kontakt favour {first} "
                    "--gave … records it)", item.contact_id, as_of, item,
                    previous_states=(("give-back", item.contact_id, previous),))
    if item.kind == "drifting":
        previous = q.get_state(book, "drifting", item.contact_id)
        state = previous or ReviewState("drifting", item.contact_id, item.contact_id)
        q.put_state(book, replace(state, snoozed_until=as_of + DRIFT_KEEP_QUIET))
        return Undo("done", f"keeping {first} at {item.cadence}", item.contact_id, as_of,
                    item, previous_states=(("drifting", item.contact_id, previous),))
    thanked: tuple[int, ...] = ()
    if item.kind == "thank":
        thanked = tuple(q.unthanked_received(book, item.contact_id, as_of))
    interaction_id = book.log_interaction(
        [item.contact_id], on=as_of, kind=kind_of_interaction, note=note, today=as_of,
        thanks=item.kind == "thank",
    )
    saved: tuple = ()
    if item.kind == "birthday":
        # The birthday stays in the window for days; done means done for this year.
        previous = q.get_state(book, "birthday", item.contact_id)
        state = previous or ReviewState("birthday", item.contact_id, item.contact_id)
        q.put_state(book, replace(state, snoozed_until=item.due + timedelta(days=1)))
        saved = (("birthday", item.contact_id, previous),)
    what = "thank-you" if item.kind == "thank" else kind_of_interaction
    if item.kind == "thank" and kind_of_interaction != "other":
        what = f"thank-you ({kind_of_interaction})"
    return Undo("done", f"logged {what} with {item.name} on {as_of.isoformat()}",
                item.contact_id, as_of, item, interaction_id=interaction_id,
                previous_states=saved, thanked=thanked)


def settle_favour(book: Book, item: ReviewItem, status: str, as_of: date) -> Undo:
    """Settle the favour a thank item is about: returned, let go, or still open (the ledger's
    rule: returned counts on both sides, let go drops out). Anything but open ends the thank
    prompt. Counts against `as_of`'s budget. Raises NotFound if gone, LedgerError for a bad
    status or an item that is not about a favour."""
    from ..store import records  # the record edits: not for `today`, which only reads

    if item.favour_id is None:
        raise LedgerError(f"a {item.kind} item is not about a favour")
    with book.write():
        previous = records.get_favour(book, item.favour_id).status
        settled = records.edit_favour(book, item.favour_id, status=status)
        handled = _count_handled(book, item, "", 0, item.contact_id, as_of, "settle")
    return Undo("settle", f"favour from {item.name}: {settled.status}", item.contact_id, as_of,
                item, handled=handled, previous_status=previous)


def snooze(book: Book, item: ReviewItem, until: date, *, as_of: date | None = None) -> Undo:
    """Hide the item until `until` (it shows again on that day)."""
    as_of = as_of or item.due
    with book.write():
        if item.kind == "circle":
            return _quiet_circle(book, item, as_of, "snooze", snoozed_until=until)
        if item.kind == "follow-up":
            assert item.follow_up_id is not None
            previous = book.get_follow_up(item.follow_up_id).snoozed_until
            book.snooze_follow_up(item.follow_up_id, until=until)
            handled = _count_handled(book, item, "", 0, item.contact_id, as_of, "snooze")
            return Undo("snooze", f"snoozed follow-up with {item.name} until {until.isoformat()}",
                        item.contact_id, as_of, item, previous_snooze=previous, handled=handled)
        previous_state = q.get_state(book, item.kind, item.ref_id)
        state = previous_state or ReviewState(item.kind, item.ref_id, item.contact_id)
        q.put_state(book, replace(state, snoozed_until=until))
        handled = _count_handled(book, item, "", 0, item.contact_id, as_of, "snooze")
        return Undo("snooze", f"snoozed {item.kind} for {item.name} until {until.isoformat()}",
                    item.contact_id, as_of, item,
                    previous_states=((item.kind, item.ref_id, previous_state),), handled=handled)


def skip_for_today(book: Book, item: ReviewItem, as_of: date) -> Undo:
    """Hide the item for `as_of` only; it is back tomorrow if still due."""
    with book.write():
        if item.kind == "circle":
            return _quiet_circle(book, item, as_of, "skip", skipped_on=as_of)
        previous = q.get_state(book, item.kind, item.ref_id)
        state = previous or ReviewState(item.kind, item.ref_id, item.contact_id)
        q.put_state(book, replace(state, skipped_on=as_of))
        handled = _count_handled(book, item, "", 0, item.contact_id, as_of, "skip")
    return Undo("skip", f"skipped {item.kind} for {item.name} today", item.contact_id, as_of,
                item, previous_states=((item.kind, item.ref_id, previous),), handled=handled)


def _circle_done(book, item: ReviewItem, as_of: date, kind_of_interaction: str, note: str,
                 members: tuple[int, ...] | None = None, on: date | None = None) -> Undo:
    """Log one group interaction with the circle item's members (or `members`: who was
    really there) on `on` (default `as_of`); their next due dates move on together."""
    people = members if members is not None else item.members
    if not people:
        raise ValueError("a group interaction needs at least one person")
    interaction_id = book.log_interaction(
        list(people), on=on or as_of, kind=kind_of_interaction, note=note, today=as_of
    )
    what = "it" if kind_of_interaction == "other" else (
        f"{'an' if kind_of_interaction[0] in 'aeiou' else 'a'} {kind_of_interaction}")
    count = f"{len(people)} {'person' if len(people) == 1 else 'people'}"
    return Undo("done", f"logged {what} with {item.name} ({count}) on {(on or as_of).isoformat()}",
                item.contact_id, as_of, item, interaction_id=interaction_id)


def circle_done(book: Book, item: ReviewItem, as_of: date, kind_of_interaction: str = "meeting",
                *, note: str = "", members: tuple[int, ...] | None = None,
                on: date | None = None) -> Undo:
    """Act on a circle item: one group interaction on `on` (default `as_of`) with `members`
    (default: the overdue members it stands for), counted as one item against `as_of`'s
    budget. Raises ValueError for no members."""
    with book.write(label=f"log a {kind_of_interaction} with {item.name}"):
        token = _circle_done(book, item, as_of, kind_of_interaction, note, members, on)
        handled = _count_handled(book, item, "", 0, item.contact_id, as_of, "done")
    return replace(token, handled=handled)


def _keep_suggested(book: Book, item: ReviewItem, as_of: date) -> Undo:
    """A cadence item's done: the suggested cadence becomes the contact's own."""
    assert item.cadence is not None
    contact = book.get_contact(item.contact_id)
    previous = str(contact.cadence) if contact.cadence else None
    book.update_contact(item.contact_id, cadence=Cadence.parse(item.cadence), today=as_of)
    return Undo("done", f"keeping in touch with {item.name} {item.cadence}", item.contact_id,
                as_of, item, previous_cadence=previous)


def _quiet_circle(book: Book, item: ReviewItem, as_of: date, action: str, **change) -> Undo:
    """Snooze or skip a circle item: each member's keep-in-touch, so none of them comes up
    one by one instead. Runs inside the caller's transaction."""
    saved = []
    for member in item.members:
        previous = q.get_state(book, "keep-in-touch", member)
        saved.append(("keep-in-touch", member, previous))
        state = previous or ReviewState("keep-in-touch", member, member)
        q.put_state(book, replace(state, **change))
    handled = _count_handled(book, item, "", 0, item.contact_id, as_of, action)
    when = (f"until {change['snoozed_until'].isoformat()}" if "snoozed_until" in change
            else "today")
    verb = "snoozed" if action == "snooze" else "skipped"
    return Undo(action, f"{verb} {item.name} ({counted_people(len(item.members))}) {when}",
                item.contact_id, as_of, item, previous_states=tuple(saved), handled=handled)


def let_drift(book: Book, contact_id: int, *, as_of: date, item: ReviewItem | None = None) -> Undo:
    """Stop keeping in touch on a schedule, for good: an explicit opt-out from every cadence,
    the contact's own and their circles', until `bring_back`. The review, `show` and `list`
    agree (no due date); the own cadence is kept, so bringing them back restores it. `item`
    (else the contact's keep-in-touch) counts against `as_of`'s budget. Raises NotFound."""
    with book.write(label=f"let {book.get_contact(contact_id).name} drift"):
        contact = book.get_contact(contact_id)
        cadence = contact.effective_cadence
        previous = q.get_state(book, "let-drift", contact_id)
        q.put_state(book, ReviewState("let-drift", contact_id, contact_id, offered_on=as_of))
        q.refresh_due(book, contact_id, as_of)
        if cadence is None:
            message = f"letting {contact.name} drift: no cadence applied anyway"
        elif contact.cadence is None:
            message = (f"letting {contact.name} drift: out of their circle's cadence ({cadence}) "
                       f"for good; `kontakt drift --undo` brings them back")
        else:
            message = (f"letting {contact.name} drift: no more {cadence}; "
                       f"`kontakt drift --undo` brings them back")
        handled = _count_handled(book, item, "keep-in-touch", contact_id, contact_id, as_of,
                                 "let-drift")
    return Undo("let-drift", message, contact_id, as_of,
                previous_states=(("let-drift", contact_id, previous),), handled=handled)


def bring_back(book: Book, contact_id: int, *, as_of: date) -> Undo:
    """Undo letting someone drift: their own or their circle's cadence applies again (they
    may be due at once). Raises NotFound for an unknown contact, ValueError if they were not
    let drift."""
    with book.write(label=f"bring {book.get_contact(contact_id).name} back"):
        contact = book.get_contact(contact_id)
        previous = q.get_state(book, "let-drift", contact_id)
        if previous is None:
            raise ValueError(f"{contact.name} was not let drift")
        q.restore_state(book, "let-drift", contact_id, None)
        q.refresh_due(book, contact_id, as_of)
        contact = book.get_contact(contact_id)
    if contact.effective_cadence is None or contact.next_due is None:
        message = f"brought {contact.name} back; no cadence applies (give one with --every)"
    else:
        origin = "" if contact.cadence else " (circle)"
        due = "due now" if contact.next_due <= as_of else f"next due {contact.next_due.isoformat()}"
        message = f"brought {contact.name} back: {contact.effective_cadence}{origin}, {due}"
    return Undo("bring-back", message, contact_id, as_of,
                previous_states=(("let-drift", contact_id, previous),))


@dataclass(frozen=True)
class Drifted:
    """Someone let drift: since when, and the cadence bringing them back would restore."""

    contact_id: int
    name: str
    since: date | None  # None: let drift before the day was kept
    cadence: str | None
    from_circle: bool
    last_contact: date | None

    def as_json(self) -> dict:
        """The shape of `kontakt drift --list --json` (a contract: extend, never rename)."""
        return {
            "id": self.contact_id, "name": self.name,
            "since": self.since.isoformat() if self.since else None,
            "cadence": self.cadence, "from_circle": self.from_circle,
            "last_contact": self.last_contact.isoformat() if self.last_contact else None,
        }


def drifted(book: Book) -> list[Drifted]:
    """Everyone let drift (active contacts), most recently let go first, then by name."""
    circles = _circles(book)
    result = []
    for row in q.let_drift_rows(book):
        own = _cadence(row.cadence) if row.cadence else None
        inherited = [circles[fold(t)] for t in json.loads(row.tags) if fold(t) in circles]
        cadence = effective_cadence(own, inherited)
        result.append(Drifted(row.contact_id, row.name, row.since,
                              str(cadence) if cadence else None,
                              cadence is not None and own is None, row.last_contact))
    result.sort(key=lambda d: (-(d.since.toordinal() if d.since else 0), fold(d.name), d.contact_id))
    return result


def undo(book: Book, token: Undo) -> None:
    """Reverse an action, in one transaction."""
    with book.write():
        if token.interaction_id is not None:
            q.delete_interaction(book, token.interaction_id, today=token.as_of)
        item = token.item
        if token.action == "done" and item and item.kind == "follow-up":
            q.reopen_follow_up(book, item.follow_up_id, token.next_follow_up_id)
        if token.action == "done" and item and item.kind == "intro-check":
            q.clear_introduction_outcome(book, item.introduction_id, token.previous_note or "")
        if token.thanked:
            book.unmark_thanked(token.thanked)
        if token.action == "settle" and item and item.favour_id and token.previous_status:
            from ..store import records

            records.edit_favour(book, item.favour_id, status=token.previous_status)
        if token.action == "snooze" and item and item.kind == "follow-up":
            q.set_follow_up_snooze(book, item.follow_up_id, token.previous_snooze)
        for kind, ref_id, previous in token.previous_states:
            q.restore_state(book, kind, ref_id, previous)
        if token.action == "let-drift" and token.previous_cadence:
            book.update_contact(
                token.contact_id, cadence=Cadence.parse(token.previous_cadence), today=token.as_of
            )
        if token.action in ("let-drift", "bring-back"):
            q.refresh_due(book, token.contact_id, token.as_of)
        if token.action == "done" and item and item.kind == "cadence":
            previous = Cadence.parse(token.previous_cadence) if token.previous_cadence else None
            book.update_contact(token.contact_id, cadence=previous, today=token.as_of)
        for kind, ref_id in token.handled:
            q.unmark_handled(book, token.as_of, kind, ref_id)
