"""edit-log, rm-log, edit-favour, … rename-circle, rm-circle, and trash/restore of records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from book_cli import kontakt_on, ok, refused
from click.testing import CliRunner

from kontakt.cli import main
from kontakt.store import Book
from kontakt.store import records as r

TODAY = "2026-11-23"


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "book.db"


@pytest.fixture
def kontakt(db, monkeypatch):
    return kontakt_on(db, monkeypatch, TODAY, backups=False)


@pytest.fixture
def network(kontakt):
    ok(kontakt("add", "Ada Lovelace", "--tag", "breakfast"))
    ok(kontakt("add", "Grace Hopper", "--tag", "breakfast"))
    ok(kontakt("add", "Alan Turing"))
    ok(kontakt("log", "ada", "grace", "--kind", "call", "--note", "engines", "--on", "2026-11-20"))
    ok(kontakt("favour", "ada", "--received", "reviewed my deck"))
    ok(kontakt("follow-up", "ada", "--in", "2 weeks", "--note", "ask"))
    ok(kontakt("intro", "ada", "grace", "--note", "compilers"))
    shown = json.loads(ok(kontakt("show", "ada", "--json")))
    return {key: shown[key][0]["id"] for key in ("interactions", "favours", "follow_ups", "introductions")}


def show(kontakt, ref: str = "ada") -> dict:
    return json.loads(ok(kontakt("show", ref, "--json")))


def test_edit_log_changes_every_field_and_prints_json(kontakt, network):
    log_id = str(network["interactions"])
    out = json.loads(ok(kontakt("edit-log", log_id, "--on", "2026-11-21", "--kind", "meeting",
                                "--note", "new", "--with", "alan", "--without", "grace", "--json")))
    assert (out["id"], out["date"], out["kind"], out["note"]) == (int(log_id), "2026-11-21", "meeting", "new")
    assert [c["name"] for c in out["contacts"]] == ["Ada Lovelace", "Alan Turing"]
    assert show(kontakt, "grace")["interactions"] == []
    assert show(kontakt, "alan")["last_contact"] == "2026-11-21"
    text = ok(kontakt("edit-log", f"log:{log_id}", "--note", "plain"))
    assert text.startswith(f"updated log:{log_id}: meeting with Ada Lovelace, Alan Turing")


def test_edit_log_refuses_the_future_a_missing_id_and_nothing_to_change(kontakt, network):
    log_id = str(network["interactions"])
    assert "in the future" in refused(kontakt("edit-log", log_id, "--on", "2026-12-24"))
    assert refused(kontakt("edit-log", "4242", "--note", "x")) == "Error: no interaction #4242"
    assert "nothing to change" in refused(kontakt("edit-log", log_id), code=2)
    assert "at least one contact" in refused(kontakt("edit-log", log_id, "--without", "ada", "--without", "grace"))
    assert "no contact matches 'nobody'" in refused(kontakt("edit-log", log_id, "--with", "nobody"))
    assert show(kontakt)["interactions"][0]["note"] == "engines"  # nothing half-written


@pytest.mark.parametrize("command", ["edit-log", "rm-log", "edit-favour", "rm-favour", "edit-follow-up",
                                     "rm-follow-up", "edit-intro", "rm-intro"])
@pytest.mark.parametrize("bad", ["abc", "0", "-3", "99999999999999999999", "²"])
def test_every_record_command_names_a_bad_id_in_one_line(kontakt, network, command, bad):
    result = kontakt(command, "--", bad) if bad.startswith("-") else kontakt(command, bad)
    line = refused(result, code=2)
    assert "Invalid value for 'ID'" in line
    assert ("out of range" in line) == (bad in ("0", "99999999999999999999"))


def test_edit_favour_changes_every_field(kontakt, network):
    favour_id = str(network["favours"])
    out = json.loads(ok(kontakt("edit-favour", favour_id, "--description", "read the draft", "--direction",
                                "given", "--kind", "advice", "--weight", "3", "--on", "2026-11-01",
                                "--status", "returned", "--json")))
    assert {k: out[k] for k in ("description", "direction", "kind", "weight", "date", "status")} == {
        "description": "read the draft", "direction": "given", "kind": "advice", "weight": 3,
        "date": "2026-11-01", "status": "returned"}
    assert show(kontakt)["gave"] == 4  # three for the favour, one for the introduction
    assert "Invalid value for '--weight'" in refused(kontakt("edit-favour", favour_id, "--weight", "9"), code=2)
    assert "Invalid value for '--weight'" in refused(
        kontakt("edit-favour", favour_id, "--weight", "99999999999999999999"), code=2)
    assert "a favour needs a description" in refused(kontakt("edit-favour", favour_id, "--description", " "))


def test_edit_follow_up_changes_day_note_and_repetition(kontakt, network):
    follow_up_id = str(network["follow_ups"])
    out = json.loads(ok(kontakt("edit-follow-up", follow_up_id, "--on", "2026-12-01", "--note", "call back",
                                "--every", "monthly", "--json")))
    assert (out["due"], out["note"], out["recurrence"]) == ("2026-12-01", "call back", "every month")
    out = json.loads(ok(kontakt("edit-follow-up", follow_up_id, "--in", "1 week", "--once", "--json")))
    assert (out["due"], out["recurrence"], out["note"]) == ("2026-11-30", None, "call back")
    assert "not both" in refused(kontakt("edit-follow-up", follow_up_id, "--every", "weekly", "--once"), code=2)
    assert "--every" in refused(kontakt("edit-follow-up", follow_up_id, "--every", "sometimes"))


def test_edit_intro_changes_people_and_outcome(kontakt, network):
    intro_id = str(network["introductions"])
    out = json.loads(ok(kontakt("edit-intro", intro_id, "--b", "alan", "--on", "2026-11-02", "--note", "maths",
                                "--outcome", "they wrote a paper", "--json")))
    assert (out["b"]["name"], out["date"], out["note"], out["outcome"]) == (
        "Alan Turing", "2026-11-02", "maths", "they wrote a paper")
    assert show(kontakt, "grace")["introductions"] == []
    assert "themselves" in refused(kontakt("edit-intro", intro_id, "--a", "alan"))


def test_rm_of_each_record_hides_it_lists_it_in_the_trash_and_restore_brings_it_back(kontakt, db, network):
    pairs = [("rm-log", "interactions", "log"), ("rm-favour", "favours", "favour"),
             ("rm-follow-up", "follow_ups", "follow-up"), ("rm-intro", "introductions", "intro")]
    for command, key, prefix in pairs:
        out = json.loads(ok(kontakt(command, str(network[key]), "--json")))
        assert (out["ref"], out["id"]) == (f"{prefix}:{network[key]}", network[key])
        assert show(kontakt)[key] == []
    assert json.loads(ok(kontakt("trash", "--json"))) == []  # contacts only, as scripts expect
    listed = json.loads(ok(kontakt("trash", "--json", "--records")))
    assert sorted(item["ref"] for item in listed) == sorted(f"{p}:{network[k]}" for _, k, p in pairs)
    text = ok(kontakt("trash"))
    assert f"log:{network['interactions']}" in text and "call with Ada Lovelace, Grace Hopper" in text
    assert refused(kontakt("rm-favour", str(network["favours"]))) == f"Error: no favour #{network['favours']}"
    for _, key, prefix in pairs:
        out = ok(kontakt("restore", f"{prefix}:{network[key]}"))
        assert out.startswith(f"restored {prefix}:{network[key]}")
        assert [item["id"] for item in show(kontakt)[key]] == [network[key]]
    assert json.loads(ok(kontakt("trash", "--json", "--records"))) == []
    assert "no favour:4242 in the trash" in refused(kontakt("restore", "favour:4242"))
    assert "needs a record id" in refused(kontakt("restore", "log:abc"))


def test_trash_empty_deletes_trashed_records_for_good(kontakt, db, network):
    ok(kontakt("rm-log", str(network["interactions"])))
    ok(kontakt("rm-circle", "breakfast"))
    assert json.loads(ok(kontakt("trash", "--empty", "--yes", "--json"))) == {
        "deleted": 0, "interactions": 0, "records": 2}
    with Book.open(db) as book:
        assert r.trashed_records(book) == []
        assert book.conn.execute("SELECT count(*) FROM interactions").fetchone()[0] == 0
    assert "no circle:breakfast in the trash" in refused(kontakt("restore", "circle:breakfast"))


def test_rename_circle_and_rm_circle(kontakt, network):
    out = json.loads(ok(kontakt("rename-circle", "Breakfast", "brunch", "--json")))
    assert out == {"name": "brunch", "cadence": None, "members": 2}
    assert show(kontakt)["tags"] == ["brunch"]
    ok(kontakt("add", "Olga", "--tag", "lunch"))
    assert "already" in refused(kontakt("rename-circle", "brunch", "lunch"))
    assert refused(kontakt("rename-circle", "nope", "x")) == "Error: no circle 'nope'"
    out = ok(kontakt("rm-circle", "brunch"))
    assert out.startswith("moved circle:brunch to the trash")
    assert [c["name"] for c in json.loads(ok(kontakt("circles", "--json")))] == ["lunch"]
    assert show(kontakt)["tags"] == []
    assert len(json.loads(ok(kontakt("list", "--json")))) == 4  # the people stay
    ok(kontakt("restore", "circle:brunch"))
    assert show(kontakt, "grace")["tags"] == ["brunch"]


def test_every_new_command_has_help_with_an_example(kontakt):
    for command in ("edit-log", "rm-log", "edit-favour", "rm-favour", "edit-follow-up", "rm-follow-up",
                    "edit-intro", "rm-intro", "rename-circle", "rm-circle"):
        text = ok(CliRunner().invoke(main, [command, "--help"]))
        assert f"kontakt {command}" in text.split("Example")[1], command
        assert "--json" in text


def test_show_names_each_timeline_entry_as_the_record_commands_take_it(kontakt, network):
    text = ok(kontakt("show", "ada"))
    for key, prefix in (("interactions", "log"), ("favours", "favour"), ("follow_ups", "follow-up"),
                        ("introductions", "intro")):
        ref = f"{prefix}:{network[key]}"
        assert f"· {ref}" in text
        command = "rm-" + prefix
        assert ok(kontakt(command, ref)).startswith(f"moved {ref} to the trash")
    assert "timeline" not in ok(kontakt("show", "ada"))
