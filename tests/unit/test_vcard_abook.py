"""abook reads kontakt's vCards: phones (plain TEL, not `TEL;VALUE=text`) and whole notes
(NOTE on one line: abook does not unfold). Checked with abook itself when it is installed
(`apt install abook`), and always against a small model of abook 0.6.1's vCard reader
(filter.c: vcard_parse_line/vcard_parse_phone), which the real abook confirms."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from kontakt.services.exporters import vcard as vcard_export
from kontakt.store import Book

AS_OF = date(2026, 11, 23)
# 77 octets: folded by a 75-octet fold ("NOTE:" + 70), yet within abook's 80-octet field.
NOTE = "Breakfast circle in München; ask about the harbour job and the violin lessons"
# abook's import table, in its order (a line counts for the first key it starts with).
ABOOK_KEYS = ["FN", "EMAIL", "ADR", "TEL", "NICKNAME", "URL", "NOTE", "N"]
TEL_SLOTS = {"home": "phone", "work": "workphone", "fax": "fax", "cell": "mobile"}


def abook_reads(text: str) -> list[dict[str, str]]:
    """What abook 0.6.1 keeps of each card: line by line, no unfolding, no unescaping; a
    TEL with parameters is kept only when they name home, work, fax or cell."""
    items: list[dict[str, str]] = []
    item: dict[str, str] | None = None
    for raw in text.split("\n"):
        line = raw.split("\r")[0]
        if item is None:
            item = {} if line.startswith("BEGIN:VCARD") else None
            continue
        if line.startswith("END:VCARD"):
            items.append(item)
            item = None
            continue
        key = next((k for k in ABOOK_KEYS if line.startswith(k)), None)
        if key is None or ":" not in line:
            continue
        head, value = line.split(":", 1)
        attributes = head.split(";", 1)[1] if ";" in head else None
        if key == "EMAIL":
            item["email"] = f"{item['email']},{value}" if "email" in item else value
        elif key == "TEL":
            if attributes is None:
                item["phone"] = value
            else:
                slot = next((s for t, s in TEL_SLOTS.items() if t in attributes.lower()), None)
                if slot:
                    item[slot] = value
        elif key == "FN":
            item["name"] = value
        elif key == "N":
            item.setdefault("name", value.replace(";", " ").strip())
        elif key == "NOTE":
            item["notes"] = value
        elif key == "NICKNAME":
            item["nick"] = value
    return items


def abook_native(path: Path, home: Path) -> list[dict[str, str]]:
    """The real abook: `--convert` the cards to its own format and read that back."""
    done = subprocess.run(
        ["abook", "--convert", "--informat", "vcard", "--infile", str(path), "--outformat", "abook"],
        capture_output=True, text=True, timeout=60, env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    items: list[dict[str, str]] = []
    for line in done.stdout.splitlines():
        if line.startswith("[") and line[1:-1].isdigit():
            items.append({})
        elif items and "=" in line:
            key, value = line.split("=", 1)
            items[-1][key] = value
    return items


@pytest.fixture(scope="module")
def cards(tmp_path_factory) -> dict[str, tuple[Path, str]]:
    root = tmp_path_factory.mktemp("abook")
    out = {}
    with Book.open(root / "kontakt.db") as book:
        book.add_contact("Jürgen Müller", today=AS_OF, emails=["jm@example.com", "j@example.org"],
                         phones=["+49 89 1234"], notes=NOTE, nickname="Jürgi")
        book.add_contact("Siobhán O'Connor", today=AS_OF, phones=["+353 1 555 0100"])
        for version in vcard_export.VERSIONS:
            buffer = io.StringIO()
            assert vcard_export.write_cards(book, buffer, version=version) == 2
            path = root / f"cards-{version}.vcf"
            path.write_bytes(buffer.getvalue().encode("utf-8"))
            out[version] = (path, buffer.getvalue())
    return out


ESCAPED_NOTE = NOTE.replace(";", "\\;")  # abook keeps vCard escapes as they are written
EXPECTED = [
    {"name": "Jürgen Müller", "email": "jm@example.com,j@example.org", "phone": "+49 89 1234",
     "notes": ESCAPED_NOTE, "nick": "Jürgi"},
    {"name": "Siobhán O'Connor", "phone": "+353 1 555 0100"},
]


@pytest.mark.parametrize("version", vcard_export.VERSIONS)
def test_abooks_reader_keeps_every_phone_and_the_whole_note(cards, version):
    _, text = cards[version]
    assert "TEL;VALUE=text" not in text  # the parameter that made abook drop the phone
    assert f"NOTE:{ESCAPED_NOTE}\r\n" in text  # one line: nothing after a fold to lose
    assert sorted(abook_reads(text), key=lambda i: i["name"]) == EXPECTED


def test_the_model_of_abook_loses_what_abook_lost_before_the_fix():
    # The model must fail on the old output, or it proves nothing.
    old = ("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Jürgen Müller\r\nTEL;VALUE=text:+49 89 1234\r\n"
           + vcard_export.fold(f"NOTE:{ESCAPED_NOTE}") + "END:VCARD\r\n")
    [item] = abook_reads(old)
    assert "phone" not in item and item["notes"].encode() == ESCAPED_NOTE.encode()[:70]  # 75 - "NOTE:"


@pytest.mark.parametrize("version", vcard_export.VERSIONS)
def test_vobject_still_reads_the_same_phones_and_note(cards, version):
    import vobject

    _, text = cards[version]
    parsed = {str(c.fn.value): c for c in vobject.readComponents(text)}
    assert [t.value for t in parsed["Jürgen Müller"].contents["tel"]] == ["+49 89 1234"]
    assert parsed["Jürgen Müller"].note.value == NOTE


@pytest.mark.skipif(shutil.which("abook") is None, reason="abook is not installed (apt install abook)")
@pytest.mark.parametrize("version", vcard_export.VERSIONS)
def test_abook_itself_reads_the_phones_and_the_whole_note(cards, version, tmp_path):
    path, text = cards[version]
    native = sorted(abook_native(path, tmp_path), key=lambda i: i["name"])
    assert native == EXPECTED
    assert native == sorted(abook_reads(text), key=lambda i: i["name"])  # the model agrees
