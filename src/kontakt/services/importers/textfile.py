"""Reading other programs' files: which encoding, and refusing what is not text at all."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20


class ImportRefused(Exception):
    """The file cannot be imported at all; the message names it. Nothing was written."""


@dataclass(frozen=True)
class Encoding:
    """How a file's bytes become text; `fallback` when it was not UTF-8 and we guessed cp1252."""

    name: str
    fallback: bool = False

    @property
    def label(self) -> str:
        return {"utf-8-sig": "UTF-8 (BOM)", "utf-16": "UTF-16", "cp1252": "Windows-1252"}.get(
            self.name, "UTF-8"
        )


def detect_encoding(path: Path) -> Encoding:
    """UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252 (flagged as a fallback).

    Reads the file in chunks (memory stays flat). Raises ImportRefused for an empty or
    binary file.
    """
    try:
        handle = path.open("rb")
    except OSError as error:
        raise ImportRefused(f"{path}: cannot be read ({error.strerror})") from None
    with handle:
        head = handle.read(4)
        if head.startswith(codecs.BOM_UTF8):
            encoding = Encoding("utf-8-sig")
        elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = Encoding("utf-16")
        else:
            handle.seek(0)
            encoding = _utf8_or_cp1252(handle)
    with open_text(path, encoding) as text:
        try:
            empty = not text.read(CHUNK).strip("\ufeff \t\r\n")
        except UnicodeDecodeError:
            raise ImportRefused(f"{path}: cannot be decoded as {encoding.label}") from None
    if empty:
        raise ImportRefused(f"{path}: the file is empty; nothing to import")
    return encoding


def _utf8_or_cp1252(handle) -> Encoding:
    decoder = codecs.getincrementaldecoder("utf-8")()
    while chunk := handle.read(CHUNK):
        if b"\x00" in chunk:
            raise ImportRefused(
                f"{handle.name}: not a text file (binary data); expected CSV, vCard or kontakt JSON"
            )
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError:
            return Encoding("cp1252", fallback=True)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return Encoding("cp1252", fallback=True)
    return Encoding("utf-8")


def open_text(path: Path, encoding: Encoding):
    """The file as text with universal newlines off (the csv module wants them raw)."""
    # cp1252 leaves five bytes undefined; show them as U+FFFD rather than refuse the file.
    errors = "replace" if encoding.name == "cp1252" else "strict"
    return path.open("r", encoding=encoding.name, errors=errors, newline="")


def sniff_kind(path: Path, encoding: Encoding) -> str:
    """'json', 'vcard' or 'csv', from the content (never the file name)."""
    # errors=replace: a vCard folded inside a character is only UTF-8 once unfolded.
    with path.open("r", encoding=encoding.name, errors="replace", newline="") as handle:
        head = handle.read(8192)
    stripped = head.lstrip("\ufeff \t\r\n")
    if stripped.startswith(("{", "[")):
        return "json"
    # A vCard file starts with its first card; "BEGIN:VCARD" inside a CSV note is just text.
    if stripped[:11].upper() == "BEGIN:VCARD":
        return "vcard"
    return "csv"
