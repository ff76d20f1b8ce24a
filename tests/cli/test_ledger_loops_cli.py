"""Closing the ledger's loops from the command line: settle-favour, intro-outcome, log
--thanks/--reached-out, intro --asked-both, add/edit --channel, done with a channel and an
introduction's result, and what `today`, `show --json` and `stats --json` make of them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from book_cli import kontakt_on, ok, refused
from kontakt.store import Book
from kontakt.store import records as r

TODAY = "2026-11-23"


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "book.db"


@pytest.fixture
def kontakt(db, tmp_path, monkeypatch):
    return kontakt_on(db, monkeypatch, TODAY, backups=False, config=tmp_path / "config.toml")


def show(kontakt, ref: str) -> dict:
    return json.loads(ok(kontakt("show", ref, "--json")))


def due(kontakt, *args: str) -> list[tuple[str, str]]:
    """(kind, name) of what `today --json` lists."""
    return [(i["kind"], i["name"]) for i in json.loads(ok(kontakt("today", "--json", *args)))]


@pytest.fixture
def people(kontakt):
    ok(kontakt("add", "Olga Ivanova", "--channel", "call", "--every", "monthly"))
    ok(kontakt("add", "Jürgen Müller"))
    ok(kontakt("add", "Ada Lovelace"))
    ok(kontakt("add", "Grace Hopper"))


# ---------------------------------------------------------------------- favours


def test_settle_favour_returned_let_go_and_open_follow_the_ledger_rule(kontakt, people, db):
    ok(kontakt("favour", "jürgen", "--received", "reviewed my deck", "--weight", "2"))
    ok(kontakt("favour", "jürgen", "--gave", "lent a drill"))

    out = ok(kontakt("settle-favour", "1", "--returned"))
    # Returned: its weight on both sides (1 given + 2 returned, 2 received).
    assert out.strip() == "favour:1 returned — Jürgen Müller: gave 3 · received 2"
    data = json.loads(ok(kontakt("settle-favour", "favour:2", "--let-go", "--json")))
    assert (data["id"], data["status"]) == (2, "let go")
    card = show(kontakt, "jürgen")
    assert (card["gave"], card["received"], card["balance"]) == (2, 2, 0)  # the drill left it
    ok(kontakt("settle-favour", "1", "--open"))
    card = show(kontakt, "jürgen")
    assert (card["gave"], card["received"]) == (0, 2)
    assert sorted((f["id"], f["status"]) for f in card["favours"]) == [(1, "open"), (2, "let go")]
    with Book.open(db) as book:
        assert r.get_favour(book, 1).status == "open" and r.get_favour(book, 2).status == "let go"


def test_settle_favour_needs_an_answer_and_a_favour_that_exists(kontakt, people):
    ok(kontakt("favour", "ada", "--gave", "x"))
    assert "--returned, --let-go or --open" in refused(kontakt("settle-favour", "1"), code=2)
    assert refused(kontakt("settle-favour", "9", "--returned")) == "Error: no favour #9"


# ---------------------------------------------------------------------- thanks


def test_a_thank_is_due_after_three_days_and_a_later_meeting_does_not_clear_it(kontakt, people):
    ok(kontakt("favour", "jürgen", "--received", "reviewed my deck", "--on", "2026-11-19"))
    assert due(kontakt) == [("thank", "Jürgen Müller")]  # four days: past the default three
    ok(kontakt("log", "jürgen", "--kind", "meeting", "--note", "group breakfast"))
    assert due(kontakt) == [("thank", "Jürgen Müller")]
    out = ok(kontakt("log", "jürgen", "--kind", "message", "--thanks", "--reached-out", "me"))
    assert out.startswith("logged thank-you (message) with Jürgen Müller on 2026-11-23")
    assert due(kontakt, "--all") == []
    card = show(kontakt, "jürgen")
    assert card["favours"][0]["thanked_on"] == TODAY
    thanks = [i for i in card["interactions"] if i["thanks"]]
    assert [(i["kind"], i["reached_out"]) for i in thanks] == [("message", "me")]
    assert [i["reached_out"] for i in card["interactions"] if not i["thanks"]] == [None]


def test_thank_after_days_comes_from_config_toml(kontakt, people, tmp_path):
    (tmp_path / "config.toml").write_text("[review]\nthank_after_days = 7\n", encoding="utf-8")
    ok(kontakt("favour", "jürgen", "--received", "x", "--on", "2026-11-19"))
    assert due(kontakt, "--all") == []
    (tmp_path / "config.toml").write_text("[review]\nthank_after_days = 2\n", encoding="utf-8")
    assert due(kontakt, "--all") == [("thank", "Jürgen Müller")]


def test_done_on_a_thank_logs_the_thank_you(kontakt, people):
    ok(kontakt("favour", "jürgen", "--received", "x", "--on", "2026-11-01"))
    out = ok(kontakt("done", "jürgen", "--item", "thank"))
    assert out.strip() == "logged thank-you with Jürgen Müller on 2026-11-23"
    card = show(kontakt, "jürgen")
    assert card["favours"][0]["thanked_on"] == TODAY and card["interactions"][0]["thanks"] is True


def test_give_back_is_offered_gently_for_someone_who_gave_much_more(kontakt, people):
    for what in ("reviewed my deck", "found me a flat", "lent me a car"):
        ok(kontakt("favour", "olga", "--received", what, "--on", "2026-06-01"))
    ok(kontakt("log", "olga", "--on", "2026-06-02", "--thanks"))
    items = json.loads(ok(kontakt("today", "--all", "--json")))
    (give,) = [i for i in items if i["kind"] == "give-back"]
    assert give["name"] == "Olga Ivanova"
    assert give["reason"] == "Olga has done a lot for you lately — a small kindness back, when one fits?"
    assert "owe" not in give["reason"] and "debt" not in give["reason"]
    out = ok(kontakt("done", "olga", "--item", "give-back"))
    assert out.startswith("noted: something back for Olga")
    assert [i for i in json.loads(ok(kontakt("today", "--all", "--json"))) if i["kind"] == "give-back"] == []


# ---------------------------------------------------------------------- introductions


def test_intro_outcome_answers_and_stats_count_only_worked(kontakt, people):
    ok(kontakt("intro", "ada", "grace", "--on", "2026-09-01", "--asked-both"))
    ok(kontakt("intro", "ada", "olga", "--on", "2026-09-02"))
    ok(kontakt("intro", "grace", "olga", "--on", "2026-09-03"))
    out = ok(kontakt("intro-outcome", "1", "worked", "--note", "they work together now"))
    assert out.strip() == "intro:1 Ada Lovelace and Grace Hopper: worked: they work together now"
    ok(kontakt("intro-outcome", "intro:2", "fizzled"))
    intro = show(kontakt, "grace")["introductions"][-1]
    assert (intro["result"], intro["outcome"], intro["asked_first"]) == (
        "worked", "they work together now", True)
    stats = json.loads(ok(kontakt("stats", "--json")))["introductions"]
    assert (stats["made"], stats["with_outcome"], stats["worked"], stats["fizzled"], stats["waiting"]) == (
        3, 2, 1, 1, 1)
    assert "1 worked · 1 fizzled · 1 waiting" in ok(kontakt("stats"))


def test_an_unanswered_introduction_stays_in_the_review_through_a_long_snooze(kontakt, people, db):
    ok(kontakt("intro", "ada", "grace", "--on", "2026-10-01"))  # 7 weeks ago
    assert due(kontakt) == [("intro-check", "Ada Lovelace")]
    ok(kontakt("snooze", "ada", "--until", "2027-03-01", "--item", "intro-check"))
    assert due(kontakt, "--all") == []
    # Past the old 4–6 week window it comes back, still unanswered.
    assert ("intro-check", "Ada Lovelace") in due(kontakt, "--as-of", "2027-03-01")
    out = ok(kontakt("intro-outcome", "1", "--clear"))
    assert out.strip() == "intro:1 Ada Lovelace and Grace Hopper: not answered"


def test_done_answers_an_introduction_with_a_result(kontakt, people):
    ok(kontakt("intro", "ada", "grace", "--on", "2026-10-01"))
    out = ok(kontakt("done", "ada", "--item", "intro-check", "--result", "worked", "--note", "cowork"))
    assert out.strip() == "Ada's introduction: worked"
    intro = show(kontakt, "ada")["introductions"][0]
    assert (intro["result"], intro["outcome"]) == ("worked", "cowork")
    assert due(kontakt, "--all") == []


def test_intro_outcome_refuses_nonsense(kontakt, people):
    ok(kontakt("intro", "ada", "grace"))
    assert "worked" in refused(kontakt("intro-outcome", "1", "brilliant"), code=2)
    assert "RESULT" in refused(kontakt("intro-outcome", "1"), code=2)
    assert refused(kontakt("intro-outcome", "7", "worked")) == "Error: no introduction #7"


# ---------------------------------------------------------------------- channel, reached out


def test_channel_is_set_shown_and_used_by_done(kontakt, people):
    assert show(kontakt, "olga")["channel"] == "call"
    ok(kontakt("edit", "jürgen", "--channel", "coffee"))
    assert show(kontakt, "jürgen")["channel"] == "coffee"
    assert "channel      coffee" in ok(kontakt("show", "jürgen"))
    ok(kontakt("log", "olga", "--on", "2026-09-01"))
    items = json.loads(ok(kontakt("today", "--json")))
    (olga,) = [i for i in items if i["name"] == "Olga Ivanova"]
    assert olga["channel"] == "call" and olga["reason"].startswith("call Olga — last in touch")
    assert ok(kontakt("done", "olga")).strip() == "logged call with Olga Ivanova on 2026-11-23"
    assert show(kontakt, "olga")["interactions"][0]["kind"] == "call"
    ok(kontakt("edit", "olga", "--no-channel"))
    assert show(kontakt, "olga")["channel"] is None
    assert "contradict" in refused(kontakt("edit", "olga", "--channel", "call", "--no-channel"), code=2)
    assert "fax" in refused(kontakt("edit", "olga", "--channel", "fax"), code=2)


def test_one_sided_relationships_show_in_stats(kontakt, people):
    for day in ("2026-08-01", "2026-09-01", "2026-10-01"):
        ok(kontakt("log", "olga", "--on", day, "--reached-out", "me"))
        ok(kontakt("log", "grace", "--on", day, "--reached-out", "them"))
        ok(kontakt("log", "ada", "--on", day, "--reached-out", "me"))
    ok(kontakt("log", "ada", "--on", "2026-10-02", "--reached-out", "mutual"))  # not one-sided
    ok(kontakt("edit-log", "1", "--reached-out", "them"))  # Olga's first: now both ways
    data = json.loads(ok(kontakt("stats", "--json")))
    assert [(o["name"], o["me"], o["them"]) for o in data["one_sided"]] == [("Grace Hopper", 0, 3)]
    assert data["one_sided"][0]["wording"] == "Grace reached out the last 3 times — your turn next?"
    out = ok(kontakt("stats"))
    assert "Who reaches out" in out and "Grace reached out the last 3 times" in out


def test_the_readme_closing_the_loops_block_runs_as_written_on_a_fresh_book(kontakt, db):
    import shlex

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split("Closing the loops — ", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = []
    for line in block.splitlines():
        words = shlex.split(line.split("  #", 1)[0])
        while "&&" in words:
            cut = words.index("&&")
            commands.append(words[:cut])
            words = words[cut + 1:]
        commands.append(words)
    assert len(commands) == 12 and all(c[0] == "kontakt" for c in commands)
    for command in commands:
        result = kontakt(*command[1:])
        assert result.exit_code == 0, (command, result.output)
    mira, tomas, lea = (show(kontakt, ref) for ref in ("mira", "tomás", "lea"))
    assert mira["channel"] == "message" and mira["interactions"][0]["kind"] == "message"
    assert [(i["reached_out"], i["thanks"]) for i in tomas["interactions"]] == [("them", True)]
    assert (tomas["favours"][0]["status"], tomas["gave"], tomas["received"]) == ("returned", 2, 2)
    assert (lea["introductions"][0]["result"], lea["introductions"][0]["asked_first"]) == ("worked", True)
