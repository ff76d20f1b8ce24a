"""`kontakt import` names the rows whose values it left out (it fills empty fields, never
overwrites): every one in a dry run and in --json, the first few and a count otherwise — a
folder of duplicates gave a thousand stderr lines, enough to fill a pipe nobody read yet."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from kontakt.cli import main
from kontakt.cli.transfer import NOT_TAKEN_SHOWN

ENV = {"KONTAKT_TODAY": "2026-11-23", "KONTAKT_CONFIG": "/nonexistent", "KONTAKT_NO_AUTO_BACKUP": "1"}
PEOPLE = 40


def people_csv(tmp_path):
    """Each person twice, the second row with other notes (matched by e-mail)."""
    rows = ["Name,E-mail,Notes"]
    rows += [f"Person {n},p{n}@example.com,first" for n in range(PEOPLE)]
    rows += [f"P. {n},P{n}@EXAMPLE.COM,second" for n in range(PEOPLE)]
    path = tmp_path / "twice.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_real_import_names_the_first_few_and_counts_the_rest(tmp_path):
    path = people_csv(tmp_path)
    # A real process with both pipes read only at the end: stderr stays short.
    done = subprocess.run([sys.executable, "-m", "kontakt", "--db", str(tmp_path / "b.db"), "import",
                           str(path)], capture_output=True, text=True, env={**ENV, "PATH": "/usr/bin:/bin"},
                          timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    named = [line for line in lines if "not taken, #" in line]
    assert len(named) == NOT_TAKEN_SHOWN < PEOPLE
    assert named[0] == "twice.csv: line 42: P. 0: notes not taken, #1's kept"
    assert f"… and {PEOPLE - NOT_TAKEN_SHOWN} more rows with values not taken" in done.stderr
    assert done.stdout.strip() == (f"{PEOPLE} added, 0 merged, {PEOPLE} unchanged, "
                                   f"{PEOPLE} with values not taken, 0 rejected")


def test_a_dry_run_and_json_name_every_one(tmp_path):
    path = people_csv(tmp_path)
    runner = CliRunner()
    dry = runner.invoke(main, ["--db", str(tmp_path / "d.db"), "import", "--dry-run", str(path)], env=ENV)
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.count("would keep ") == PEOPLE
    as_json = runner.invoke(main, ["--db", str(tmp_path / "j.db"), "import", "--json", str(path)], env=ENV)
    report = json.loads(as_json.stdout)
    assert len(report["not_taken"]) == PEOPLE and report["not_taken"][0]["fields"] == ["notes"]
