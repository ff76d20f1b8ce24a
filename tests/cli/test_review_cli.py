"""`kontakt today`, `done`, `snooze` and `export ics`: output, exit codes, the book after."""

from __future__ import annotations

import json
import stat
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from kontakt.cli import main
from kontakt.domain import Birthday, Cadence
from kontakt.store import Book

TODAY = date(2026, 11, 23)
ADDED = "2025-01-01T09:00:00+00:00"


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "book.db"


@pytest.fixture
def kontakt(db, monkeypatch):
    """Run `kontakt --db <tmp> ARGS…` in-process with a fixed today."""
    monkeypatch.setenv("KONTAKT_TODAY", TODAY.isoformat())
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, ["--db", str(db), *args], catch_exceptions=False)

    return run


def person(book, name, *, every=None, last=None, birthday=None):
    contact_id = book.add_contact(
        name, today=TODAY, cadence=Cadence.parse(every) if every else None, birthday=birthday,
        created_at=ADDED,
    )
    if last:
        book.log_interaction([contact_id], on=last, today=TODAY)
    return contact_id


@pytest.fixture
def busy(db):
    """Seven people due (five keep-in-touch, a follow-up, a birthday)."""
    with Book.open(db) as book:
        for n, name in enumerate(["Anna Berger", "Bernd Fuchs", "Clara Huber", "Dieter Graf",
                                  "Eva Lang"]):
            person(book, name, every="weekly", last=TODAY - timedelta(days=20 + n))
        olga = person(book, "Olga Petrova")
        book.add_follow_up(olga, due=TODAY, note="ask about the move to Graz, and the new job")
        person(book, "Rafael Morales", birthday=Birthday(11, 23, 1986))
    return db


def state_rows(db) -> list[tuple]:
    with Book.open(db) as book:
        return [tuple(row) for row in book.conn.execute(
            "SELECT kind, ref_id, snoozed_until, skipped_on, offered_on FROM review_state"
        )]


# ====================================================================== today


def test_today_shows_a_capped_table_in_80_columns_and_a_quiet_line_for_the_rest(kontakt, busy):
    result = kontakt("today")

    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["kind", "name", "reason", "due"]
    assert all(len(line) <= 80 for line in lines)
    assert lines[-1] == "and 2 more — later"
    assert lines[-2] == ""
    rows = [line for line in lines[1:-2] if line[:1].strip()]
    assert len(rows) == 5  # continuation lines of a long reason are indented
    assert rows[0].startswith("birthday       Rafael Morales    birthday today — turns 40")
    assert rows[0].endswith("today")
    assert any(line.startswith("follow-up      Olga Petrova") for line in rows)


def test_today_with_nothing_due_says_so_calmly(kontakt, db):
    with Book.open(db) as book:
        person(book, "Fresh", every="monthly", last=TODAY)
    result = kontakt("today")
    assert result.exit_code == 0
    assert result.stdout == "Nothing due — enjoy your day.\n"
    assert json.loads(kontakt("today", "--json").stdout) == []


def test_today_json_lists_items_with_the_contract_fields(kontakt, busy):
    result = kontakt("today", "--json", "--all")

    assert result.exit_code == 0
    items = json.loads(result.stdout)
    assert len(items) == 7
    for item in items:
        assert {"kind", "contact_id", "name", "due", "reason"} <= set(item)
        assert item["kind"] in {"follow-up", "keep-in-touch", "birthday", "thank",
                                "intro-check", "drifting"}
        date.fromisoformat(item["due"])
    assert items[0] == {**items[0], "kind": "birthday", "name": "Rafael Morales",
                        "due": "2026-11-23", "reason": "birthday today — turns 40"}
    follow_up = next(i for i in items if i["kind"] == "follow-up")
    assert follow_up["reason"] == "follow up: ask about the move to Graz, and the new job"
    assert follow_up["follow_up_id"] == 1


def test_limit_overrides_the_cap_and_the_config_sets_it(kontakt, busy, tmp_path, monkeypatch):
    assert len(json.loads(kontakt("today", "--json", "--limit", "2").stdout)) == 2
    config = tmp_path / "config.toml"
    config.write_text("[review]\ndaily_cap = 3\n", encoding="utf-8")
    monkeypatch.setenv("KONTAKT_CONFIG", str(config))
    assert len(json.loads(kontakt("today", "--json").stdout)) == 3
    assert kontakt("today").stdout.splitlines()[-1] == "and 4 more — later"


def test_as_of_reviews_another_day(kontakt, busy):
    items = json.loads(kontakt("today", "--json", "--all", "--as-of", "1.12.2026").stdout)
    # A week later the birthday has passed and everyone weekly is further overdue.
    assert {i["kind"] for i in items} == {"keep-in-touch", "follow-up"}


@pytest.mark.parametrize("args, code, message", [
    (["--as-of", "03/04/2026"], 1, "ambiguous"),
    (["--limit", "0"], 2, "0"),
    (["--limit", "3", "--all"], 2, "not both"),
])
def test_bad_today_options_fail_with_one_line(kontakt, busy, args, code, message):
    result = kontakt("today", *args)
    assert result.exit_code == code
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_user_data_in_the_table_is_shown_literally(kontakt, db):
    with Book.open(db) as book:
        person(book, "[bold]Mallory[/bold]", every="weekly", last=TODAY - timedelta(days=30))
    line = kontakt("today").stdout.splitlines()[1]
    assert line.startswith("keep-in-touch  [bold]Mallory[/…  last in touch")


def test_wide_characters_still_fit_in_80_columns(kontakt, db):
    from rich.cells import cell_len

    with Book.open(db) as book:
        wide = person(book, "山田太郎山田太郎山田太郎")
        book.add_follow_up(wide, due=TODAY, note="東京の新しい事務所について聞く" * 3)
    lines = kontakt("today").stdout.splitlines()
    assert len(lines) > 3
    assert all(cell_len(line) <= 80 for line in lines)
    # Wrapped, not cut: the whole note is there across the lines.
    assert lines[1].startswith("follow-up      山田太郎山田太…   follow up: 東京の新しい事務所につい")
    assert "".join(line.strip() for line in lines[2:]) == "て聞く" + "東京の新しい事務所について聞く" * 2


def test_today_remembers_offering_drifting_but_a_preview_does_not(kontakt, db):
    with Book.open(db) as book:
        olga = person(book, "Olga", every="monthly")
        day = TODAY - timedelta(days=40)
        for _ in range(4):
            book.log_interaction([olga], on=day, today=TODAY)
            day -= timedelta(days=45)

    kontakt("today", "--as-of", "2026-11-20")
    assert state_rows(db) == []
    assert "drifting" in kontakt("today").stdout
    assert state_rows(db) == [("drifting", olga, None, None, "2026-11-23")]
    assert "drifting" not in kontakt("today", "--as-of", "2026-11-24").stdout


# ====================================================================== done


def test_done_logs_an_interaction_on_the_contacts_top_item(kontakt, busy):
    result = kontakt("done", "anna", "--kind", "call", "--note", "caught up")

    assert result.exit_code == 0
    assert result.stdout == "logged call with Anna Berger on 2026-11-23\n"
    with Book.open(busy) as book:
        anna = book.find("anna")
        assert anna.last_contact == TODAY
        [latest, *_] = book.interactions_for(anna.id)
        assert (latest.kind, latest.note) == ("call", "caught up")
    assert "Anna Berger" not in kontakt("today", "--all").stdout


def test_done_completes_a_follow_up(kontakt, busy):
    result = kontakt("done", "olga", "--no-log")
    assert result.exit_code == 0
    assert result.stdout == "follow-up with Olga Petrova done\n"
    with Book.open(busy) as book:
        assert book.get_follow_up(1).status == "done"
        assert book.get_follow_up(1).done_on == TODAY


def test_done_with_nothing_due_or_an_unknown_ref_fails(kontakt, busy):
    with Book.open(busy) as book:
        person(book, "Quiet Quentin")
    result = kontakt("done", "quentin")
    assert result.exit_code == 1
    assert result.stderr == "Error: nothing due for Quiet Quentin today\n"
    result = kontakt("done", "nobody-at-all")
    assert result.exit_code == 1
    assert "no contact matches 'nobody-at-all'" in result.stderr
    result = kontakt("done", "anna", "--item", "birthday")
    assert result.exit_code == 1
    assert "no birthday item due for Anna Berger" in result.stderr


# ====================================================================== snooze


def test_snooze_puts_the_top_item_away_until_tomorrow(kontakt, busy):
    result = kontakt("snooze", "bernd")

    assert result.exit_code == 0
    assert result.stdout == "snoozed keep-in-touch for Bernd Fuchs until 2026-11-24\n"
    with Book.open(busy) as book:
        bernd = book.find("bernd").id
    assert state_rows(busy) == [("keep-in-touch", bernd, "2026-11-24", None, None)]
    assert "Bernd" not in kontakt("today", "--all").stdout
    assert "Bernd" in kontakt("today", "--all", "--as-of", "2026-11-24").stdout


def test_snooze_for_a_duration_or_until_a_date(kontakt, busy):
    assert kontakt("snooze", "clara", "--for", "3 days").exit_code == 0
    assert kontakt("snooze", "olga", "--until", "next monday").exit_code == 0
    with Book.open(busy) as book:
        assert book.get_follow_up(1).snoozed_until == date(2026, 11, 30)
        clara = book.find("clara").id
    assert ("keep-in-touch", clara, "2026-11-26", None, None) in state_rows(busy)


@pytest.mark.parametrize("args, code, message", [
    (["--until", "yesterday"], 1, "not after today"),
    (["--until", "today"], 1, "not after today"),
    (["--for", "soon"], 1, "--for"),
    (["--for", "2 days", "--until", "tomorrow"], 2, "not both"),
])
def test_bad_snoozes_fail_and_change_nothing(kontakt, busy, args, code, message):
    result = kontakt("snooze", "anna", *args)
    assert result.exit_code == code
    assert message in result.stderr
    assert state_rows(busy) == []


# ====================================================================== export ics


def test_export_ics_to_a_file_parses_and_keeps_its_uids_on_a_second_export(kontakt, busy, tmp_path):
    from icalendar import Calendar

    target = tmp_path / "kontakt.ics"
    result = kontakt("export", "ics", "-o", str(target))
    assert result.exit_code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    first = Calendar.from_ical(target.read_bytes())
    events = first.walk("VEVENT") + first.walk("VTODO")
    assert [str(t["SUMMARY"]) for t in first.walk("VTODO")] == ["Follow up: Olga Petrova"]
    summaries = sorted(str(e["SUMMARY"]) for e in events)
    assert "Follow up: Olga Petrova" in summaries
    assert "Birthday: Rafael Morales" in summaries
    assert "Get in touch: Anna Berger" in summaries

    kontakt("done", "anna")
    second = Calendar.from_ical(kontakt("export", "ics").stdout_bytes)
    assert sorted(str(e["UID"]) for e in second.walk("VEVENT") + second.walk("VTODO")) == sorted(
        str(e["UID"]) for e in events
    )


def test_export_ics_into_a_missing_directory_fails_cleanly(kontakt, busy, tmp_path):
    result = kontakt("export", "ics", "-o", str(tmp_path / "nope" / "k.ics"))
    assert result.exit_code == 1
    assert "does not exist" in result.stderr
    assert not (tmp_path / "nope").exists()


# ====================================================================== export ics --vdir


def test_export_ics_vdir_syncs_the_folder_and_a_dry_run_only_says_what_it_would_do(kontakt, busy, db, tmp_path,
                                                                                  monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text("[calendar]\nkeep_in_touch = true\n")
    monkeypatch.setenv("KONTAKT_CONFIG", str(config))
    folder = tmp_path / "calendar"

    dry = kontakt("export", "ics", "--vdir", str(folder), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines()[0] == f"calendar {folder}: 7 written (dry run: nothing was changed)"
    assert "  would be written: follow-up with Olga Petrova due 2026-11-23" in dry.stdout.splitlines()
    assert not folder.exists()

    done = kontakt("export", "ics", "--vdir", str(folder), "--no-keep-in-touch")
    assert done.stdout.splitlines()[0] == f"calendar {folder}: 2 written"
    assert len(list(folder.glob("*.ics"))) == 2
    again = kontakt("export", "ics", "--vdir", str(folder))  # the config adds keep-in-touch dates
    assert again.stdout.splitlines()[0] == f"calendar {folder}: 5 written"
    assert len(list(folder.glob("*.ics"))) == 7

    [todo] = [p for p in folder.glob("follow-up-*.ics")]
    todo.write_bytes(todo.read_bytes().replace(b"STATUS:NEEDS-ACTION", b"STATUS:COMPLETED"))
    ticked = kontakt("export", "ics", "--vdir", str(folder))
    assert "  done (ticked off in the folder): follow-up with Olga Petrova due 2026-11-23" in ticked.stdout
    with Book.open(db) as book:
        assert [tuple(r) for r in book.conn.execute("SELECT status, done_on FROM follow_ups")] == [
            ("done", "2026-11-23")]


@pytest.mark.parametrize("args, message", [
    (["--vdir", "{tmp}/calendar", "-o", "{tmp}/x.ics"], "give -o FILE or --vdir DIR, not both"),
    (["--dry-run"], "--dry-run and --keep-in-touch go with --vdir DIR"),
    (["--vdir", "{tmp}/book.db"], "is not a folder"),
    (["--vdir", "{tmp}/missing/calendar"], "does not exist"),
])
def test_export_ics_vdir_mistakes_are_one_line_errors(kontakt, busy, tmp_path, args, message):
    result = kontakt("export", "ics", *[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.exit_code in (1, 2)
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "calendar").exists() and not (tmp_path / "missing").exists()
