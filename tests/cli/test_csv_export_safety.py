"""`kontakt export csv`: safe to open in a spreadsheet by default (UTF-8 with a BOM, no cell
that runs), and `--raw` for scripts (no BOM, cells as stored)."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from kontakt.cli import main
from kontakt.services.exporters import csv as csv_export
from kontakt.store import Book

TODAY = date(2026, 11, 23)
BOM = b"\xef\xbb\xbf"
# Cells a spreadsheet would run, written out here (not taken from the exporter).
HOSTILE = [
    "=1+2", "+1+2", "-1+2", "@SUM(1;2)", "|cmd '/c calc'!A0", "'quoted",
    "\uff1d1+2", "\uff0b1+2", "\uff0d1+2", "\uff20SUM(1;2)",  # full-width ＝ ＋ － ＠
]
HARMLESS = ["Jürgen Müller", "%50", "50%", "a=b", "(0)", "Ærø #1", "1+1"]


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_TODAY", TODAY.isoformat())
    path = tmp_path / "book.db"
    with Book.open(path) as book:
        for index, name in enumerate(HOSTILE + HARMLESS):
            contact = book.add_contact(name, today=TODAY, notes="Grüße aus Köln",
                                       org=f"Org {index}")
        book.log_interaction([contact], on=date(2026, 11, 1), kind="call", note="\uff1dHYPERLINK(x)")
        book.add_favour(contact, direction="received", description="|cmd", on=date(2026, 10, 1))
    return path


def run(db: Path, *args: str):
    return CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)


def cells(data: bytes, column: str = "name") -> list[str]:
    rows = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    return [row[column] for row in rows]


@pytest.mark.parametrize("start", ["\t", "\r", "\n", "\x00"])
def test_cells_starting_with_a_control_character_are_neutralised(start):
    # The store strips these from the ends of every field, so only the function can see them.
    assert csv_export.neutralise(start + "=1+2") == "'" + start + "=1+2"


def test_every_cell_a_spreadsheet_would_run_starts_with_an_apostrophe(db, tmp_path):
    target = tmp_path / "out.csv"
    result = run(db, "export", "csv", "-o", str(target))
    assert result.exit_code == 0 and f"exported {len(HOSTILE + HARMLESS)} contacts" in result.stderr
    names = cells(target.read_bytes())
    assert sorted(names) == sorted(["'" + n for n in HOSTILE] + HARMLESS)


def test_interactions_and_favours_are_neutralised_too(db):
    interactions = run(db, "export", "csv", "--what", "interactions").stdout_bytes
    assert cells(interactions, "note") == ["'\uff1dHYPERLINK(x)"]
    favours = run(db, "export", "csv", "--what", "favours").stdout_bytes
    assert cells(favours, "description") == ["'|cmd"]


def test_the_default_csv_is_utf8_with_a_bom_to_a_file_and_to_stdout(db, tmp_path):
    target = tmp_path / "out.csv"
    run(db, "export", "csv", "-o", str(target))
    data = target.read_bytes()
    assert data.startswith(BOM + b"name,nickname,")
    assert "Jürgen Müller".encode("utf-8") in data and "Grüße aus Köln".encode("utf-8") in data
    assert data.count(BOM) == 1
    assert run(db, "export", "csv").stdout_bytes.startswith(BOM + b"name,")
    assert run(db, "export", "csv", "--excel").stdout_bytes.startswith(BOM + b"name;")


def test_raw_csv_has_no_bom_and_every_cell_as_stored(db, tmp_path):
    target = tmp_path / "raw.csv"
    result = run(db, "export", "csv", "--raw", "-o", str(target))
    assert result.exit_code == 0
    data = target.read_bytes()
    assert data.startswith(b"name,nickname,") and BOM not in data
    assert sorted(cells(data)) == sorted(HOSTILE + HARMLESS)
    favours = run(db, "export", "csv", "--what", "favours", "--raw").stdout_bytes
    assert not favours.startswith(BOM) and cells(favours, "description") == ["|cmd"]


def test_raw_and_excel_together_are_refused(db):
    result = run(db, "export", "csv", "--raw", "--excel")
    assert result.exit_code == 2 and "--raw and --excel do not go together" in result.stderr
    assert result.stdout == ""


def test_the_help_says_what_raw_leaves_out():
    text = " ".join(CliRunner().invoke(main, ["export", "csv", "--help"]).stdout.split())
    assert "--raw A plain CSV for scripts: UTF-8 without a BOM" in text
    assert "no ' before =, +, -, @" in text and "Unsafe to open in a spreadsheet" in text


def test_the_default_csv_imports_back_to_the_same_names(db, tmp_path):
    target = tmp_path / "out.csv"
    run(db, "export", "csv", "-o", str(target))
    other = tmp_path / "other.db"
    result = run(other, "import", str(target))
    assert result.exit_code == 0, result.output
    with Book.open(other) as book:
        assert sorted(c.name for c in book.list_contacts()) == sorted(HOSTILE + HARMLESS)


# ---------------------------------------------------------------------- real LibreOffice
# Skipped where LibreOffice is not installed (Debian: apt-get install libreoffice-calc-nogui);
# everything above runs without it.

SOFFICE = shutil.which("soffice")
CSV_FILTER = "Text - txt - csv (StarCalc):44,34,76"  # comma, double quote, UTF-8


def soffice(source: Path, to: str, out: Path, profile: Path) -> Path:
    out.mkdir(exist_ok=True)
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless",
         f"--infilter={CSV_FILTER}", "--convert-to", to, "--outdir", str(out), str(source)],
        check=True, capture_output=True, timeout=180,
        env={**os.environ, "HOME": str(profile)},
    )
    converted = out / (source.stem + "." + to.split(":")[0])
    assert converted.exists(), f"soffice wrote no {converted.name}"
    return converted


def formulas(xlsx: Path) -> list[str]:
    with zipfile.ZipFile(xlsx) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    return re.findall(r"<f[ >][^<]*", sheet)


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_the_default_csv_with_umlauts_and_no_formula(db, tmp_path):
    default, raw = tmp_path / "default.csv", tmp_path / "raw.csv"
    run(db, "export", "csv", "-o", str(default))
    run(db, "export", "csv", "--raw", "-o", str(raw))
    profile = tmp_path / "lo-profile"
    # The control: the raw file really holds formulas LibreOffice runs, and we can see them.
    assert formulas(soffice(raw, "xlsx", tmp_path / "raw-xlsx", profile))
    assert formulas(soffice(default, "xlsx", tmp_path / "xlsx", profile)) == []
    # And back to CSV: every text cell as written, umlauts intact, the BOM not in a cell.
    again = soffice(default, "csv:" + CSV_FILTER, tmp_path / "csv", profile).read_bytes()
    assert again.startswith(b"name,")
    written, read = (list(csv.DictReader(io.StringIO(d.decode("utf-8-sig"), newline="")))
                     for d in (default.read_bytes(), again))
    assert len(read) == len(written) == len(HOSTILE + HARMLESS)
    # LibreOffice types "(0)" and "50%" as numbers (typing, like a date; not a formula).
    numbers = {"(0)", "50%"}
    for column in ("name", "notes", "org"):
        expected = [w[column] for w in written if w["name"] not in numbers]
        assert [r[column] for r, w in zip(read, written) if w["name"] not in numbers] == expected
    assert "Grüße aus Köln" in read[0]["notes"]
