"""The review's fast paths give what the plain rules give, on a book full of awkward cases.

`today` at 100k people takes shortcuts (m018_today_indexes): the circle prompts come from one
pass over a partial index, a circle's members are left out of the keep-in-touch ranking in
SQL, give-back nets per person before reading contacts, and `--json`/`--brief` skip the
counts. Each is checked here against an oracle computed in Python straight from the tables
(or against the general path), on one seeded book with overlapping circles, cadence ties,
own cadences, let-drift, snoozes, skips, archived and trashed people, a pause and a used-up
day. The book is built once for the module.
"""

from __future__ import annotations

import json
import random
import shutil
from collections import defaultdict
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from kontakt.cli import main
from kontakt.cli.review import brief_line
from kontakt.config import Config
from kontakt.domain import Birthday, Cadence
from kontakt.services import review
from kontakt.store import Book
from kontakt.store import review_queries as q
from kontakt.store.driver import sqlite3
from kontakt.store.review_queries import ReviewState

AS_OF = date(2026, 11, 23)
CONFIG = Config()
# Created in this order, so positions follow it; breakfast and Frühstück share a cadence
# (the closer one applies), D'Angelo's and peer group too; neighbours has none.
CIRCLES = [("breakfast", "weekly"), ("family", "every 2 weeks"), ("Frühstück", "weekly"),
           ("D'Angelo's", "monthly"), ("peer group", "monthly"), ("alumni", "yearly"),
           ("neighbours", None)]  # and a big choir (weekly), made apart
NAMES = ["Olga Petrova", "Sam D'Angelo", "Zoë Ångström", "Jürgen Müller", "ölaf Ørsted",
         "Ça Va", "名前 テスト", "Anne-Marie O'Neil", "Bell\x07 Ringer", "Ünal Çelik"]
# Review days: the book's day, later in the week, inside the pause, the day it ends, later.
DAYS = [AS_OF, AS_OF + timedelta(days=3), AS_OF + timedelta(days=12),
        AS_OF + timedelta(days=20), AS_OF + timedelta(days=45)]
PAUSE = (AS_OF + timedelta(days=10), AS_OF + timedelta(days=20))
USED_UP = AS_OF + timedelta(days=3)  # the day whose budget is used by handled items


def _nocase(text: str) -> str:
    """SQLite's NOCASE: ASCII letters only."""
    return text.translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"))


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The awkward book's path and what was done to whom (for the branch checks)."""
    path = tmp_path_factory.mktemp("fast") / "book.db"
    rng = random.Random(20261123)
    marks: dict[str, set[int]] = defaultdict(set)
    with Book.open(path) as book:
        for name, cadence in CIRCLES:
            book.set_circle_cadence(name, Cadence.parse(cadence) if cadence else None, today=AS_OF)
        ids = []
        for n in range(320):
            tags = rng.sample([c for c, _ in CIRCLES], rng.choice([0, 1, 1, 1, 2, 2, 3]))
            # Tags as people type them: another case now and then (memberships are NOCASE).
            tags = [t.upper() if rng.random() < 0.1 else t for t in tags]
            own = rng.choice([None] * 6 + ["weekly", "monthly", "every 3 months"])
            added = AS_OF - timedelta(days=rng.randint(20, 900))
            birthday = Birthday(rng.randint(1, 12), rng.randint(1, 28)) if rng.random() < 0.2 else None
            cid = book.add_contact(
                f"{rng.choice(NAMES)} {n}", today=AS_OF, tags=tags, birthday=birthday,
                cadence=Cadence.parse(own) if own else None,
                created_at=f"{added.isoformat()}T09:00:00+00:00",
            )
            ids.append(cid)
            if tags:
                marks["in a circle"].add(cid)
            for _ in range(rng.choice([0, 1, 1, 2, 4])):
                book.log_interaction([cid], on=AS_OF - timedelta(days=rng.randint(0, 400)), today=AS_OF)
        # Group meetings: many people seen on one day, so whole circles fall due together.
        for day in (AS_OF - timedelta(days=9), AS_OF - timedelta(days=16), AS_OF - timedelta(days=40)):
            book.log_interaction(rng.sample(ids, 40), on=day, kind="meeting", today=AS_OF)
        for cid in rng.sample(ids, 60):
            other = rng.choice(ids)
            pick = rng.random()
            if pick < 0.4:
                book.add_favour(cid, direction="received", description="helped with the move",
                                on=AS_OF - timedelta(days=rng.randint(1, 500)), weight=rng.randint(1, 3))
            elif pick < 0.6:
                book.add_favour(cid, direction="given", description="lent a ladder",
                                on=AS_OF - timedelta(days=rng.randint(1, 500)))
            elif pick < 0.8 and other != cid:
                book.add_introduction(cid, other, on=AS_OF - timedelta(days=rng.randint(1, 300)))
            else:
                book.add_follow_up(cid, due=AS_OF - timedelta(days=rng.randint(-5, 30)), note="call back")
        # A few people who gave a lot: give-back prompts (and their ties); some of them
        # got a lot back too, so the most received is not the most lopsided.
        for n, cid in enumerate(rng.sample(ids, 8)):
            for _ in range(3 + n):
                book.add_favour(cid, direction="received", description="big help",
                                on=AS_OF - timedelta(days=rng.randint(1, 200)), weight=2)
            for _ in range(n):
                book.add_favour(cid, direction="given", description="helped back",
                                on=AS_OF - timedelta(days=rng.randint(1, 200)), weight=2)
        # Two people in touch every fortnight with no cadence: a cadence suggestion.
        for name in ("Fortnight Fiona", "Fortnight Fred"):
            cid = book.add_contact(name, today=AS_OF, created_at="2025-01-01T09:00:00+00:00")
            for k in range(6):
                book.log_interaction([cid], on=AS_OF - timedelta(days=2 + 14 * k), today=AS_OF)
        # A big choir that has not met for months: its members top the keep-in-touch ranking,
        # so leaving them out empties the first page and the ranking is fetched again.
        book.set_circle_cadence("choir", Cadence.parse("weekly"), today=AS_OF)
        choir = [book.add_contact(f"Choir {rng.choice(NAMES)} {n}", today=AS_OF, tags=["choir"],
                                  created_at="2024-01-01T09:00:00+00:00") for n in range(230)]
        book.log_interaction(choir, on=AS_OF - timedelta(days=300), kind="meeting", today=AS_OF)
        # Snoozes and skips go to people whose cadence is a circle's, so they are in a group.
        grouped = [row[0] for row in book.conn.execute(
            "SELECT DISTINCT m.contact_id FROM memberships m JOIN contacts c ON c.id = m.contact_id "
            "JOIN circles ci ON ci.name = m.circle WHERE c.cadence IS NULL "
            "AND ci.cadence IS NOT NULL ORDER BY m.contact_id")]
        quiet = rng.sample(grouped, 25)
        for cid in quiet[:15]:
            q.put_state(book, ReviewState("keep-in-touch", cid, cid,
                                          snoozed_until=AS_OF + timedelta(days=rng.choice([1, 5, 50]))))
            marks["snoozed"].add(cid)
        for n, cid in enumerate(quiet[15:]):
            q.put_state(book, ReviewState("keep-in-touch", cid, cid, skipped_on=DAYS[n % 2]))
            marks["skipped"].add(cid)
        people = [cid for cid in rng.sample(ids, 150) if cid not in quiet][:100]
        for cid in people[:10]:
            book.archive(cid)
            marks["archived"].add(cid)
        for cid in people[10:18]:
            book.trash_contact(cid)
            marks["trashed"].add(cid)
        for cid in people[18:30]:
            review.let_drift(book, cid, as_of=AS_OF - timedelta(days=30))
            marks["let drift"].add(cid)
        for cid in people[55:60]:
            q.put_state(book, ReviewState("give-back", cid, cid, snoozed_until=AS_OF + timedelta(days=4)))
        q.set_pause(book, *PAUSE)
        for n, cid in enumerate(people[60:60 + CONFIG.daily_cap]):
            q.mark_handled(book, USED_UP, "keep-in-touch", cid, cid, "done")
    return path, marks


@pytest.fixture(scope="module")
def book(made):
    with Book.open(made[0]) as opened:
        yield opened


def _oracle_groups(book: Book, as_of: date):
    """Circle name → (applies, overdue ids, first due, last seen, highest ratio), from the
    rows themselves: each cadence-less, due-dated, active person counts for the first of
    their circles by (cadence length, position)."""
    conn = book.conn
    circles = [(row[0], row[1], Cadence.parse(row[2])) for row in conn.execute(
        "SELECT name, position, cadence FROM circles WHERE cadence IS NOT NULL")]
    assert len({p for _, p, _ in circles}) == len(circles)
    order = sorted(circles, key=lambda c: (c[2].approx_days, c[1]))
    rank = {_nocase(name): i for i, (name, _, _) in enumerate(order)}
    quiet = {row[0] for row in conn.execute(
        "SELECT ref_id FROM review_state WHERE kind = 'keep-in-touch' "
        "AND (snoozed_until > ? OR skipped_on = ?)", (as_of.isoformat(), as_of.isoformat()))}
    member_of: dict[int, list[int]] = defaultdict(list)
    for cid, circle in conn.execute("SELECT contact_id, circle FROM memberships"):
        if _nocase(circle) in rank:
            member_of[cid].append(rank[_nocase(circle)])
    groups = {name: [0, [], None, None, None] for name, _, _ in order}
    left_quiet: list[int] = []
    for cid, cadence, next_due, archived, deleted, last, created in conn.execute(
            "SELECT id, cadence, next_due, archived, deleted_at, last_contact, created_at "
            "FROM contacts ORDER BY id"):
        if cadence is not None or next_due is None or archived or deleted or not member_of[cid]:
            continue
        group = groups[order[min(member_of[cid])][0]]
        group[0] += 1
        due = date.fromisoformat(next_due)
        if due <= as_of and cid in quiet:
            left_quiet.append(cid)
        if due > as_of or cid in quiet:
            continue
        group[1].append(cid)
        since = date.fromisoformat(last or created[:10])
        ratio = (as_of - due).days / max(1, (due - since).days)
        group[2] = min(filter(None, [group[2], due]))
        group[3] = max(filter(None, [group[3], last and date.fromisoformat(last)]), default=None)
        group[4] = max(filter(lambda x: x is not None, [group[4], ratio]))
    return order, groups, left_quiet


@pytest.mark.parametrize("as_of", DAYS)
def test_circle_groups_are_what_the_rows_say(book, made, as_of):
    order, expected, left_quiet = _oracle_groups(book, as_of)
    ranked = sorted(q.circles_with_cadence(book), key=lambda row: Cadence.parse(row[3]).approx_days)
    assert [row[1] for row in ranked] == [name for name, _, _ in order]

    groups = q.circle_groups(book, as_of, ranked)

    assert {g.circle: (g.applies, list(g.overdue)) for g in groups} == {
        name: (e[0], e[1]) for name, e in expected.items()}
    items = {item.circle: item for item in review._circle_items(book, as_of, {})}
    qualifying = {name for name, e in expected.items()
                  if len(e[1]) >= review.CIRCLE_MIN_OVERDUE
                  and len(e[1]) >= review.CIRCLE_MIN_SHARE * e[0]}
    assert set(items) == qualifying
    for name in qualifying:
        applies, overdue, first_due, last_seen, ratio = expected[name]
        assert items[name].members == tuple(overdue)
        assert items[name].due == first_due
        assert items[name].score == pytest.approx(ratio)
        assert (f"not seen for {review._quiet_for((as_of - last_seen).days)}" if last_seen
                else "nothing logged yet") in items[name].reason
    # The interesting branches ran: prompts made and held back, both tied circles in use.
    assert qualifying and set(expected) - qualifying
    assert any(e[0] for n, e in expected.items() if n in ("breakfast", "Frühstück") and n)
    assert expected["Frühstück"][0] > 0 and expected["D'Angelo's"][0] > 0
    if as_of in DAYS[:2]:  # snoozed and skipped members due that day were left out
        skipped = {row[0] for row in book.conn.execute(
            "SELECT ref_id FROM review_state WHERE kind = 'keep-in-touch' AND skipped_on = ?",
            (as_of.isoformat(),))}
        assert skipped & set(left_quiet) and set(left_quiet) - skipped


def test_the_book_has_every_awkward_case_in_a_circle(book, made):
    _, marks = made
    members = marks["in a circle"]
    for case in ("archived", "trashed", "let drift", "snoozed", "skipped"):
        assert marks[case] & members, case


@pytest.fixture(scope="module")
def general(book, tmp_path_factory):
    """The awkward book as a book opened read-only before its upgrade to m019 sees it: no
    indexes over the stored applying circles, so every query takes the general path."""
    path = tmp_path_factory.mktemp("general") / "book.db"
    target = sqlite3.connect(path)
    book.conn.backup(target)  # SQLite's own copy: the module's book is open (no file I/O)
    for index in ("contacts_by_cadence_circle", "contacts_by_due_span"):
        target.execute(f"DROP INDEX {index}")
    target.execute(  # what a schema-18 book has instead (m018)
        "CREATE INDEX contacts_by_circle_due ON contacts (id, next_due, last_contact, created_at) "
        "WHERE cadence IS NULL AND next_due IS NOT NULL AND archived = 0 AND deleted_at IS NULL")
    target.commit()
    target.close()
    with Book.open(path, writable=False) as opened:
        yield opened


def test_the_general_book_has_no_stored_circles_and_the_book_has(book, general):
    assert q.has_cadence_circles(book) and not q.has_cadence_circles(general)
    assert q._best_index(general, "contacts_by_circle_due", "") == "contacts_by_circle_due"


def test_the_circle_pass_from_the_stored_circles_gives_the_general_groups(book, general):
    for as_of in DAYS:
        ranked = sorted(q.circles_with_cadence(book),
                        key=lambda row: Cadence.parse(row[3]).approx_days)
        assert q.circle_groups(general, as_of, ranked) == q.circle_groups(book, as_of, ranked)
        wanted = review._prompted
        assert (q.circle_groups(general, as_of, ranked, wanted)
                == q.circle_groups(book, as_of, ranked, wanted))
        assert review._circle_items(general, as_of, {}) == review._circle_items(book, as_of, {})


@pytest.mark.parametrize("limit", [1, 5, 50, 200, None])
@pytest.mark.parametrize("stored", [True, False])
def test_circle_members_leave_the_keep_in_touch_ranking_whatever_the_page(book, general, stored,
                                                                         limit, monkeypatch):
    pages, left_out = [], []
    ranking = q.keep_in_touch_due

    def spy(*a, **k):
        pages.append(k["limit"])
        left_out.append(k.get("leave_out"))
        return ranking(*a, **k)

    monkeypatch.setattr(q, "keep_in_touch_due", spy)
    used = book if stored else general
    for as_of in DAYS:
        members = {m for item in review._circle_items(used, as_of, {}) for m in item.members}
        everyone, _ = q.keep_in_touch_due(used, as_of, limit=None)
        rest = [row.contact_id for row in everyone if row.contact_id not in members]

        items, counts, _ = review._gather(used, as_of, CONFIG, limit, None)

        # The rows are the ranking's first `limit` (items are then sorted across kinds).
        shown = [item.contact_id for item in items if item.kind == "keep-in-touch"]
        assert sorted(shown) == sorted(rest[:limit]) and len(shown) == len(rest[:limit])
        assert counts["keep-in-touch"] == len(rest)
        assert members and len(rest) < len(everyone)  # the members were really there
    if limit is None:
        return
    if stored:  # left out by SQL: one page of the size needed, naming the prompted circles
        assert set(pages[1::2]) == {max(limit, review.DRIFT_CANDIDATES)}
        assert all(left_out[1::2])
    elif limit <= 50:
        assert 4 * pages[1] in pages  # the members emptied the first page: fetched again


def _oracle_give_back(book: Book, as_of: date, since: date, at_least: int) -> list[int]:
    net: dict[int, int] = defaultdict(int)
    for cid, direction, weight in book.conn.execute(
            "SELECT contact_id, direction, weight FROM favours WHERE status = 'open' "
            "AND date BETWEEN ? AND ?", (since.isoformat(), as_of.isoformat())):
        net[cid] += weight if direction == "received" else -weight
    for a, b in book.conn.execute("SELECT contact_a, contact_b FROM introductions "
                                  "WHERE date BETWEEN ? AND ?", (since.isoformat(), as_of.isoformat())):
        net[a] -= 1
        net[b] -= 1
    quiet = {row[0] for row in book.conn.execute(
        "SELECT ref_id FROM review_state WHERE kind = 'give-back' "
        "AND (snoozed_until > ? OR skipped_on = ?)", (as_of.isoformat(), as_of.isoformat()))}
    active = {row[0] for row in book.conn.execute(
        "SELECT id FROM contacts WHERE archived = 0 AND deleted_at IS NULL")}
    return sorted(cid for cid, n in net.items() if n >= at_least and cid in active and cid not in quiet)


@pytest.mark.parametrize("as_of", DAYS)
def test_give_back_nets_favours_and_introductions_per_person(book, as_of):
    since = as_of - review.GIVE_BACK_WINDOW
    rows = q.give_back_due(book, as_of, since, review.GIVE_BACK_AT, limit=None)

    assert sorted(row.contact_id for row in rows) == _oracle_give_back(
        book, as_of, since, review.GIVE_BACK_AT)
    nets = [row.received - row.gave for row in rows]
    assert nets == sorted(nets, reverse=True)
    if as_of == AS_OF:
        assert rows  # the branch with prompts ran
    for row in rows[:3]:  # one person's own query agrees
        one = q.give_back_due(book, as_of, since, review.GIVE_BACK_AT, limit=None,
                              contact_id=row.contact_id)
        assert [(r.contact_id, r.gave, r.received) for r in one] == [
            (row.contact_id, row.gave, row.received)]


@pytest.mark.parametrize("limit", [1, 3, 5, 12, None])
def test_skipping_the_counts_changes_no_item(book, limit):
    for as_of in DAYS:
        general = review.build_review(book, as_of, CONFIG, limit=limit)
        fast = review.build_review(book, as_of, CONFIG, limit=limit, totals=False, offers=True)
        assert fast.items == general.items
        brief = review.build_review(book, as_of, CONFIG, limit=limit, totals=False)
        assert brief.items == review.build_review(book, as_of, CONFIG, limit=limit, offers=False).items
        assert general.more > 0 or limit is None  # held-back items were there to count


def _run(path, day: date, *args: str):
    result = CliRunner().invoke(main, ["--db", str(path), *args],
                                env={"KONTAKT_TODAY": day.isoformat(), "KONTAKT_CONFIG": "/nonexistent",
                                     "KONTAKT_NO_AUTO_BACKUP": "1", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("day", [AS_OF, USED_UP, PAUSE[0] + timedelta(days=1), PAUSE[1]])
def test_today_json_and_brief_print_what_the_general_review_shows(made, tmp_path, day):
    # A copy per day: `today --json` remembers the drifting/cadence offers it shows.
    path = tmp_path / "book.db"
    shutil.copy(made[0], path)
    with Book.open(path) as book:
        budget = review.day_budget(book, day, CONFIG)
        left = budget.left
        general = review.build_review(book, day, CONFIG, limit=left).items if left else []
        quiet = review.build_review(book, day, CONFIG, limit=left, offers=False).items if left else []

    brief = _run(path, day, "today", "--brief")
    listed = json.loads(_run(path, day, "today", "--json"))
    if day == AS_OF:  # everything due, cadence suggestions included, as the general path has it
        with Book.open(path) as book:
            everything = review.build_review(book, day, CONFIG, limit=None).items
        assert "cadence" in {item.kind for item in everything}
        assert json.loads(_run(path, day, "today", "--all", "--json")) == json.loads(
            json.dumps([item.as_json() for item in everything]))

    assert listed == json.loads(json.dumps([item.as_json() for item in general]))
    if day == USED_UP:
        assert listed == [] and brief == f"that's it for today — 5 of {CONFIG.daily_cap} done\n"
    elif budget.paused_until:
        assert listed == [] and brief == ""
    else:
        assert len(listed) == CONFIG.daily_cap
        line = brief_line(quiet)
        assert line and brief == line + "\n"


def _small_book(path, *, overdue: int):
    """Five unthanked favours, a fortnightly friend with no cadence (a cadence suggestion)
    and `overdue` people long overdue on a weekly cadence."""
    book = Book.open(path)
    for n in range(5):
        cid = book.add_contact(f"Helper {n}", today=AS_OF, created_at="2025-01-01T09:00:00+00:00")
        book.add_favour(cid, direction="received", description="carried boxes",
                        on=AS_OF - timedelta(days=60 + n))
    fiona = book.add_contact("Fortnight Fiona", today=AS_OF, created_at="2025-01-01T09:00:00+00:00")
    for k in range(6):
        book.log_interaction([fiona], on=AS_OF - timedelta(days=2 + 14 * k), today=AS_OF)
    for n in range(overdue):
        cid = book.add_contact(f"Weekly {n}", today=AS_OF, cadence=Cadence.parse("weekly"),
                               created_at="2025-01-01T09:00:00+00:00")
        book.log_interaction([cid], on=AS_OF - timedelta(days=200), today=AS_OF)
    return book


@pytest.mark.parametrize("overdue, shown", [(0, True), (3, False)])
def test_a_cadence_suggestion_is_looked_for_only_when_it_could_be_shown(tmp_path, monkeypatch,
                                                                       overdue, shown):
    calls = []
    offers = review._cadence_offers
    monkeypatch.setattr(review, "_cadence_offers", lambda *a: calls.append(a) or offers(*a))
    with _small_book(tmp_path / "small.db", overdue=overdue) as book:
        general = review.build_review(book, AS_OF, CONFIG, limit=5)
        calls.clear()

        fast = review.build_review(book, AS_OF, CONFIG, limit=5, totals=False, offers=True)

    assert fast.items == general.items
    assert general.counts["cadence"] == 1  # counted whenever counts are asked for
    assert ("cadence" in {item.kind for item in fast.items}) is shown
    # Five thank-yous fill only three places in choose's first pass (half the page per kind):
    # the suggestion could be shown, so it is looked for; three overdue people fill the rest.
    assert len(calls) == (1 if shown else 0)
