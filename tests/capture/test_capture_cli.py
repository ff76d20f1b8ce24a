"""`kontakt capture`: scanning calendar files and mail, the inbox (--list, --accept, --ignore,
rules, --yes), the config's [capture] sources, undo, and the ledger's reached_out column."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from click.testing import CliRunner

from kontakt.cli import main
from kontakt.store import Book
from kontakt.store import capture as store

from capture_helpers import ME, MaildirWriter, make_book, message, utc
from test_capture_calendar import (
    BERLIN, CALENDAR_WITH_A_STARTLESS_EVENT, event, weekly_with_exceptions, write,
)


@pytest.fixture
def setup(tmp_path, monkeypatch):
    """A book, a calendar (6 past Mondays with Anna + a coffee with Olga) and a Maildir (Bob
    wrote twice, I wrote to Eva, a newsletter), and a config naming neither yet."""
    monkeypatch.setenv("KONTAKT_NO_AUTO_BACKUP", "1")
    book, ids = make_book(tmp_path / "book.db")
    book.close()
    cal = tmp_path / "cal"
    cal.mkdir()
    weekly = weekly_with_exceptions(cal)
    write(cal / "coffee.ics", event("coffee", "Coffee with Olga", datetime(2026, 11, 20, 15, tzinfo=BERLIN)))
    w = MaildirWriter(tmp_path / "Mail")
    w.add(message(frm="Bob <bob@example.org>", day=utc(2026, 11, 18), msgid="<b1@x>", subject="Secret plans"))
    w.add(message(frm="bob@example.org", day=utc(2026, 11, 19), msgid="<b2@x>"))
    w.add(message(frm=ME, to="eva@example.net", day=utc(2026, 11, 19), msgid="<e1@x>"))
    w.add(message(frm="news@example.org", day=utc(2026, 11, 19), msgid="<n@x>", extra="List-Id: <n.example.org>"))
    monkeypatch.setenv("KONTAKT_CONFIG", str(tmp_path / "config.toml"))
    return dict(db=str(tmp_path / "book.db"), ids=ids, cal=cal, weekly=weekly, mail=w.root,
                config=tmp_path / "config.toml")


def run(setup, *args, code=0):
    result = CliRunner().invoke(main, ["capture", *args, "--db", setup["db"]] if args[:1] not in (
        ["calendar"], ["mail"]) else ["capture", *args[:1], "--db", setup["db"], *args[1:]])
    assert result.exit_code == code, result.output
    return result


def pending(setup):
    with Book.open(setup["db"]) as book:
        return store.pending(book)


def interactions(setup):
    with Book.open(setup["db"]) as book:
        return [tuple(r) for r in book.conn.execute(
            "SELECT i.date, i.kind, i.note, group_concat(ic.contact_id) FROM interactions i "
            "JOIN interaction_contacts ic ON ic.interaction_id = i.id GROUP BY i.id ORDER BY i.date, i.id")]


def test_calendar_and_mail_scans_fill_the_inbox_and_say_what_they_saw(setup):
    out = run(setup, "calendar", str(setup["cal"])).output
    assert "2 file(s), 8 past event(s): 7 new proposal(s) (1 cancelled" in out
    out = run(setup, "mail", str(setup["mail"]), "--me", ME).output
    assert "4 message(s) read" in out and "3 new proposal(s) (1 lists or automated" in out
    assert len(pending(setup)) == 10
    # Again: nothing new, and the Maildir's files are not read again.
    assert "0 new proposal(s)" in run(setup, "calendar", str(setup["cal"])).output
    assert "0 message(s) read, 4 file(s) unchanged: 0 new" in run(setup, "mail", str(setup["mail"]), "--me", ME).output


def test_list_groups_by_day_and_json_has_every_field(setup):
    run(setup, "calendar", str(setup["cal"]))
    run(setup, "mail", str(setup["mail"]), "--me", ME)
    text = run(setup, "--list").output
    lines = text.splitlines()
    assert lines[0] == "2026-10-05 (Mon)" and "1:1 Anna" in lines[1] and "[calendar]" in lines[1]
    assert "2026-11-19 (Thu)" in lines
    assert any("Bob Stone" in line and "they reached out" in line for line in lines)
    assert any("Eva Lind" in line and "I reached out" in line for line in lines)
    assert "Secret plans" not in text  # no subjects without --keep-subjects
    assert lines[-1] == "10 waiting: --accept ID, --ignore ID, --accept-all"
    data = json.loads(run(setup, "--list", "--json").output)
    assert len(data) == 10
    assert set(data[0]) == {"id", "source", "date", "kind", "direction", "contact_ids", "names",
                            "title", "sender", "status", "interaction_id"}
    bob = [d for d in data if d["names"] == ["Bob Stone"]]
    assert [d["direction"] for d in bob] == ["them", "them"] and bob[0]["sender"] == "bob@example.org"


def test_accept_logs_interactions_and_ignore_hides_for_good(setup):
    run(setup, "calendar", str(setup["cal"]))
    ids = [p.id for p in pending(setup)]
    out = run(setup, "--accept", f"{ids[0]},{ids[1]}", "--accept", f"#{ids[2]}", "--ignore", str(ids[3])).output
    assert "accepted 3 proposal(s)" in out and "ignored 1 proposal(s)" in out
    anna = str(setup["ids"]["anna"])
    assert interactions(setup) == [("2026-10-05", "meeting", "1:1 Anna", anna),
                                   ("2026-10-12", "meeting", "1:1 Anna", anna),
                                   ("2026-10-28", "meeting", "1:1 Anna (moved)", anna)]
    assert [p.id for p in pending(setup)] == ids[4:]
    run(setup, "calendar", str(setup["cal"]))  # decided ones never come back
    assert [p.id for p in pending(setup)] == ids[4:]
    with Book.open(setup["db"]) as book:
        assert book.get_contact(setup["ids"]["anna"]).last_contact.isoformat() == "2026-10-28"


@pytest.mark.parametrize("args, message", [
    (["--accept", "999"], "no proposal #999"),
    (["--accept", "x1"], "--accept: 'x1' is not a proposal id"),
    (["--ignore", "1,99999999999999999999"], "is not a proposal id"),
    (["--accept", "1", "--ignore", "1"], "both accepted and ignored"),
    (["--accept", "1,2", "--accept", "999"], "no proposal #999"),
    (["--ignore-sender", "bob@example.org", "--ignore", "999"], "no proposal #999"),
    (["--ignore-title", "1:1*", "--ignore-sender", " "], "--ignore-sender: give an address"),
])
def test_a_bad_id_is_one_line_and_writes_nothing(setup, args, message):
    run(setup, "calendar", str(setup["cal"]))
    result = run(setup, *args, code=1)
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert len(pending(setup)) == 7 and interactions(setup) == []
    with Book.open(setup["db"]) as book:
        assert store.rules(book) == {"sender": [], "title": []}  # no rule saved either


def test_yes_with_inbox_options_is_a_usage_error(setup):
    result = run(setup, "--list", "--yes", code=2)
    assert "--accept-all" in result.output


def test_accepting_twice_is_refused(setup):
    run(setup, "calendar", str(setup["cal"]))
    first = pending(setup)[0].id
    run(setup, "--accept", str(first))
    assert f"proposal #{first} is already accepted" in run(setup, "--accept", str(first), code=1).output
    assert len(interactions(setup)) == 1


def test_accept_all_and_undo_takes_it_back(setup):
    run(setup, "calendar", str(setup["cal"]))
    assert "accepted 7 proposal(s)" in run(setup, "--accept-all").output
    assert len(interactions(setup)) == 7 and pending(setup) == []
    result = CliRunner().invoke(main, ["undo", "--db", setup["db"]])
    assert result.exit_code == 0, result.output
    assert "accept 7 captured interactions" in result.output
    assert interactions(setup) == [] and len(pending(setup)) == 7


def test_ignore_sender_and_title_rules_persist_and_apply_to_waiting_ones(setup):
    run(setup, "calendar", str(setup["cal"]))
    run(setup, "mail", str(setup["mail"]), "--me", ME)
    out = run(setup, "--ignore-sender", "BOB@example.org").output
    assert "rule saved; 2 waiting proposal(s) now ignored" in out
    out = run(setup, "--ignore-title", "1:1*", "--list").output
    assert "6 waiting proposal(s) now ignored" in out and "1:1 Anna" not in out
    assert [p.names for p in pending(setup)] == [("Eva Lind",), ("Olga Petrova",)]
    with Book.open(setup["db"]) as book:
        assert store.rules(book) == {"sender": ["BOB@example.org"], "title": ["1:1*"]}
    # A fresh book with the same rules (they are settings) proposes neither again.
    with Book.open(setup["db"]) as book:
        book.conn.execute("DELETE FROM capture_proposals")
        book.conn.execute("DELETE FROM capture_files")
        book.conn.commit()
    run(setup, "calendar", str(setup["cal"]))
    run(setup, "mail", str(setup["mail"]), "--me", ME)
    assert sorted(p.names for p in pending(setup)) == [("Eva Lind",), ("Olga Petrova",)]


def test_yes_accepts_what_the_scan_proposed(setup):
    out = run(setup, "mail", str(setup["mail"]), "--me", ME, "--yes").output
    assert "accepted 3 proposal(s) as interactions" in out
    kinds = {(day, kind, who) for day, kind, _, who in interactions(setup)}
    assert kinds == {("2026-11-18", "message", str(setup["ids"]["bob"])),
                     ("2026-11-19", "message", str(setup["ids"]["bob"])),
                     ("2026-11-19", "message", str(setup["ids"]["eva"]))}
    assert {note for *_, note, _ in interactions(setup)} == {""}  # no subjects stored


def test_keep_subjects_makes_them_the_note(setup):
    run(setup, "mail", str(setup["mail"]), "--keep-subjects", "--yes")
    assert ("2026-11-18", "message", "Secret plans", str(setup["ids"]["bob"])) in interactions(setup)


def test_since_and_json_on_a_scan(setup):
    data = json.loads(run(setup, "calendar", str(setup["cal"]), "--since", "2026-11-10", "--json").output)
    assert data["source"] == "calendar" and data["new"] == 3 and len(data["new_ids"]) == 3
    assert data["events"] == 3 and data["cancelled"] == 0


def test_without_me_sent_mail_outside_a_sent_folder_is_not_mine(setup):
    run(setup, "mail", str(setup["mail"]))
    # My message to Eva is in the inbox folder: without --me it is from a stranger (me).
    assert sorted(p.names for p in pending(setup)) == [("Bob Stone",), ("Bob Stone",)]


def test_bare_capture_scans_the_configured_sources(setup):
    result = run(setup, code=1)
    assert "no sources to scan" in result.output
    setup["config"].write_text(
        f'[capture]\ncalendar = ["{setup["cal"]}"]\nmail = ["{setup["mail"]}"]\nme = ["{ME}"]\n',
        encoding="utf-8")
    out = run(setup).output
    assert "7 new proposal(s)" in out and "3 new proposal(s)" in out
    assert "accepted 10 proposal(s)" in run(setup, "--yes").output
    assert len(interactions(setup)) == 10
    data = json.loads(run(setup, "--json", "--yes").output)  # one JSON document for both scans
    assert [s["source"] for s in data["scans"]] == ["calendar", "mail"]
    assert [s["new"] for s in data["scans"]] == [0, 0] and data["accepted"] == 0
    assert data["scans"][1]["skipped_files"] == 4


def test_a_configured_source_that_is_gone_is_named(setup, tmp_path):
    setup["config"].write_text(f'[capture]\nmail = ["{tmp_path / "gone"}"]\n', encoding="utf-8")
    result = run(setup, code=1)
    assert "capture.mail:" in result.output and "gone does not exist" in result.output


def test_a_bad_config_value_is_one_line(setup):
    setup["config"].write_text('[capture]\nmail = "~/Mail"\ncalendar = 3\n', encoding="utf-8")
    result = run(setup, code=1)
    assert "capture.calendar must be a list of strings" in result.output


def test_inbox_options_with_a_subcommand_are_a_usage_error(setup):
    result = CliRunner().invoke(main, ["capture", "--db", setup["db"], "--list", "calendar", str(setup["cal"])])
    assert result.exit_code == 2 and "inbox options" in result.output


def test_accepting_sets_who_reached_out_from_the_proposal(setup):
    run(setup, "mail", str(setup["mail"]), "--me", ME)
    eva = next(p for p in pending(setup) if p.names == ("Eva Lind",))
    bob = next(p for p in pending(setup) if p.names == ("Bob Stone",))
    run(setup, "--accept", str(eva.id))
    run(setup, "--accept", str(bob.id))
    with Book.open(setup["db"]) as book:
        assert store.has_reached_out(book)  # the ledger's column (m015)
        rows = book.conn.execute("SELECT reached_out FROM interactions ORDER BY id").fetchall()
    assert [r[0] for r in rows] == [eva.direction, "them"]


def test_emptying_the_trash_forgets_proposals_about_the_people_purged(setup):
    run(setup, "calendar", str(setup["cal"]))
    run(setup, "mail", str(setup["mail"]), "--me", ME)
    with Book.open(setup["db"]) as book:
        book.trash_contact(setup["ids"]["bob"])
        assert book.conn.execute("SELECT count(*) FROM capture_proposals").fetchone()[0] == 10
        assert len(store.pending(book)) == 8  # in the trash: hidden, still there
    result = CliRunner().invoke(main, ["trash", "--empty", "--db", setup["db"]])
    assert result.exit_code == 0, result.output
    with Book.open(setup["db"]) as book:
        left = book.conn.execute("SELECT contact_ids FROM capture_proposals").fetchall()
    assert len(left) == 8 and str(setup["ids"]["bob"]) not in {r[0].strip("[]") for r in left}


def test_an_event_without_a_start_is_named_on_stderr_and_in_json_and_the_file_is_read(setup):
    path = setup["cal"] / "home.ics"
    path.write_bytes(CALENDAR_WITH_A_STARTLESS_EVENT.encode("utf-8"))
    result = run(setup, "calendar", str(path))
    assert "1 file(s), 2 past event(s): 2 new proposal(s)" in result.stdout
    assert result.stderr.splitlines() == [
        f"skipped {path}: the event with UID no-start-1 has no start (DTSTART)",
        f"skipped {path}: an event without UID titled 'No UID either' has no start (DTSTART)",
    ]
    data = json.loads(run(setup, "calendar", str(path), "--json").output)
    assert data["unreadable"] == [] and len(data["skipped_events"]) == 2 and data["files"] == 1
