"""The vCard reader's shortcuts (issue 19: 20k cards a second or two) must read every line
as the plain way does: a colon found with one `find` unless a quote comes before it, params
split on ';' unless quoted, unescape skipped without a backslash, each value decoded once,
the folder listed with scandir. The oracles are the plain ways, written out here."""

from __future__ import annotations

import os
import re
from pathlib import Path

from kontakt.services.importers import vcard
from kontakt.services.importers.textfile import Encoding

_PARAM_SPLIT = re.compile(rb';(?=(?:[^"]*"[^"]*")*[^"]*$)')


def plain_head(logical: bytes):
    """The colon and parameter split as the reader did it before the shortcut."""
    in_quotes = False
    for index, byte in enumerate(logical):
        if byte == 0x22:
            in_quotes = not in_quotes
        elif byte == 0x3A and not in_quotes:
            break
    else:
        return None
    return _PARAM_SPLIT.split(logical[:index]), logical[index + 1:]


def plain_params(parts: list[bytes]) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for part in parts[1:]:
        piece = part.decode("utf-8", errors="replace").strip()
        if "=" in piece:
            key, _, values = piece.partition("=")
            params.setdefault(key.strip().upper(), []).extend(
                v.strip().strip('"') for v in values.split(","))
        elif piece:
            upper = piece.upper()
            key = "ENCODING" if upper in ("QUOTED-PRINTABLE", "BASE64", "B", "8BIT") else "TYPE"
            params.setdefault(key, []).append(piece)
    return params


LINES = [
    b"FN:Zo\xc3\xab D'Angelo", b"item1.EMAIL;TYPE=INTERNET,pref:a@b.example", b"TEL;CELL:+49 1",
    b'EMAIL;X-LABEL="a:b;c":x@y.example', b'NOTE;X-Q="unclosed:value', b"no colon at all",
    b'X-A;P="x":1:2', b'ADR;LABEL="1; Main St\\nCity":;;1 Main St;City;;;', b"N:Smith\\;Jr;John;;;",
    b"NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=ISO-8859-1:caf=E9", b":empty name", b"EMPTY:",
    b'X-P;"odd":v', b"BDAY;VALUE=date:--0229", b"CATEGORIES:a\\,b,c", b"NOTE:line\\nnext\\, more",
]


def test_a_property_line_splits_as_the_byte_walk_and_quoted_split_do():
    ran_quoted = ran_plain = refused = 0
    for number, logical in enumerate(LINES, start=1):
        prop = vcard._parse_property(number, logical, Encoding("utf-8"))
        expected = plain_head(logical)
        if expected is None:
            assert prop is None, logical
            refused += 1
            continue
        parts, raw = expected
        assert prop is not None and prop.raw == raw, logical
        assert prop.name == parts[0].decode("ascii", "replace").strip().upper().rsplit(".", 1)[-1]
        assert prop.params == plain_params(parts), logical
        if b'"' in logical[:logical.find(b":")]:
            ran_quoted += 1
        else:
            ran_plain += 1
    assert (ran_quoted, ran_plain, refused) == (4, 10, 2)
    quoted = vcard._parse_property(1, b'EMAIL;X-LABEL="a:b;c":x@y.example', Encoding("utf-8"))
    assert quoted.params == {"X-LABEL": ["a:b;c"]} and quoted.raw == b"x@y.example"


def test_a_value_is_decoded_once_and_the_same_each_time():
    prop = vcard._parse_property(1, b"NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=ISO-8859-1:caf=E9",
                                 Encoding("cp1252", fallback=True))
    assert prop.value == "café" and prop.value is prop.value


def test_unescape_without_a_backslash_is_the_value_itself():
    for text in ["plain", "", "a\\,b\\;c\\nd\\\\e\\N", "trailing\\", "Zoë\\:x"]:
        assert vcard.unescape(text) == re.sub(r"\\(.)", lambda m: "\n" if m[1] in "nN" else m[1], text)


def test_a_card_finds_its_properties_by_name_in_file_order_even_as_it_grows():
    card = vcard.Card(1)
    for number, logical in enumerate([b"EMAIL:a@x", b"TEL:1", b"EMAIL:b@x"], start=1):
        card.properties.append(vcard._parse_property(number, logical, Encoding("utf-8")))
    assert [p.raw for p in card.all("EMAIL")] == [b"a@x", b"b@x"]
    card.properties.append(vcard._parse_property(4, b"EMAIL:c@x", Encoding("utf-8")))
    assert [p.raw for p in card.all("EMAIL")] == [b"a@x", b"b@x", b"c@x"]
    card.all("EMAIL").clear()  # a copy: the card keeps its properties
    assert card.first("EMAIL").raw == b"a@x" and card.all("ORG") == [] and card.first("ORG") is None


def test_the_folder_lists_the_vcf_files_as_sorting_the_paths_does(tmp_path):
    for name in ["b.vcf", "A.VCF", "ä.vcf", "10.vcf", "9.vcf", ".vcf", "..vcf", "x.vcf.bak",
                 "notes.txt", "Z.Vcf", ".hidden.vcf"]:
        (tmp_path / name).write_text("BEGIN:VCARD\r\nEND:VCARD\r\n", encoding="utf-8")
    (tmp_path / "folder.vcf").mkdir()
    os.symlink(tmp_path / "b.vcf", tmp_path / "link.vcf")
    os.symlink(tmp_path / "gone", tmp_path / "dangling.vcf")
    expected = sorted(p for p in tmp_path.iterdir() if p.is_file() and p.suffix.lower() == ".vcf")
    found = vcard.vcf_files(tmp_path)
    assert found == expected
    assert [p.name for p in found] == ["..vcf", ".hidden.vcf", "10.vcf", "9.vcf", "A.VCF",
                                       "Z.Vcf", "b.vcf", "link.vcf", "ä.vcf"]
    assert all(isinstance(p, Path) for p in found)


def test_a_small_file_read_whole_gives_the_lines_iterating_the_file_gives(tmp_path, monkeypatch):
    """The whole-file split against the streaming reader (the way every file was read
    before), on BOMs, CRLF, a lone CR, blank lines, folds, QP soft breaks, no final newline."""
    samples = [
        b"\xef\xbb\xbfBEGIN:VCARD\r\nFN:Zo\xc3\xab\r\nEND:VCARD\r\n",
        b"BEGIN:VCARD\nNOTE:a\rb\n\n\nFN:x\n folded\n\tmore\nEND:VCARD",
        b"BEGIN:VCARD\r\nNOTE;ENCODING=QUOTED-PRINTABLE:caf=\r\n=E9 =\r\nend\r\nEND:VCARD\r\n\r\n",
        b"", b"\n", b"\r\n\r\n", b"\xef\xbb\xbf", b"FN:no newline", b"BEGIN:VCARD\r\r\nEND:VCARD\n\r",
    ]
    encoding = Encoding("utf-8")
    read_whole = []
    streamed = []
    for n, data in enumerate(samples):
        path = tmp_path / f"{n}.vcf"
        path.write_bytes(data)
        read_whole.append(list(vcard._logical_lines(path, encoding)))
    monkeypatch.setattr(vcard, "WHOLE_FILE_BYTES", 0)
    for n in range(len(samples)):
        streamed.append(list(vcard._logical_lines(tmp_path / f"{n}.vcf", encoding)))
    assert read_whole == streamed
    assert read_whole[0][0] == (1, b"BEGIN:VCARD") and (2, b"NOTE;ENCODING=QUOTED-PRINTABLE:caf=E9 end") in read_whole[2]
    assert (5, b"FN:xfoldedmore") in read_whole[1] and read_whole[3] == []
