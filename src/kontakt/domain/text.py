"""Cleaning and folding of user text: what is stored, how it is compared, and how it is shown."""

from __future__ import annotations

import re
import unicodedata

# ESC sequences first (CSI, OSC, and two-byte escapes), so their parameters go too.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: ESC [ params final
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: ESC ] ... BEL or ST
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC ... ST
    r"|\x1b[ -/]*[0-~]?"  # other escapes (ESC c, ESC 7, ESC ( B), or a lone ESC
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
# C0 except tab and newline, DEL, and C1.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """Return `text` as typed, minus terminal control characters and escape sequences.

    Line endings are normalised to ``\\n`` so a CRLF note keeps its line breaks.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ESCAPE_SEQUENCE.sub("", text)
    return _CONTROL.sub("", text)


# What `clean_line` changes besides the ends: C0 (tab, newline, CR and ESC included), DEL
# and C1 (the 8-bit CSI included). Text without any is only stripped.
_LINE_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"[\t\n]+")


def clean_line(text: str) -> str:
    """Like `clean`, for one-line fields: newlines and tabs become spaces, ends stripped."""
    if _LINE_UNSAFE.search(text) is None:  # most text: one regex scan, no copies
        return text.strip()
    return _LINE_BREAKS.sub(" ", clean(text)).strip()


# What a terminal would act on instead of showing: C0 controls, DEL and C1 controls (ESC, BEL,
# CSI, OSC, DCS, ... start every escape sequence), and the bidi embeddings, overrides and
# isolates, which reorder the rest of a line ("evil\u202egpj.exe" reads as "evilexe.jpg").
# The marks LRM, RLM and ALM (U+200E, U+200F, U+061C) stay: real right-to-left names use them,
# and they only settle the direction of the characters next to them.
_C0 = range(0x00, 0x20)
_DEL = 0x7F
_C1 = range(0x80, 0xA0)
_BIDI = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
# Line and paragraph separators: line breaks to Python's splitlines, to a terminal nothing.
_SEPARATORS = (0x2028, 0x2029)

# One cell each, so tables stay aligned: a C0 control becomes its Unicode control picture
# (ESC shows as ␛, BEL as ␇, CR as ␍), DEL ␡; the rest have no picture and show their code point.
_VISIBLE = {c: chr(0x2400 + c) for c in _C0} | {_DEL: "\u2421"}
_VISIBLE |= {c: f"<U+{c:04X}>" for c in (*_C1, *_BIDI, *_SEPARATORS)}
_VISIBLE_LINES = {c: v for c, v in _VISIBLE.items() if chr(c) not in "\n\t"}
_UNSAFE = re.compile("[" + "".join(re.escape(chr(c)) for c in _VISIBLE) + "]")


def visible(text: str, *, multiline: bool = False) -> str:
    """`text` as it may reach a terminal: every control character, DEL, bidi override or
    isolate replaced by a visible placeholder (ESC by ␛, U+202E by <U+202E>), so stored data
    never changes the terminal's state and the user sees that something odd is there.

    Escape sequences are defanged, not dropped: without its ESC, "\\x1b]0;x\\x07" shows as
    "␛]0;x␇". With `multiline`, newline and tab stay (for text laid out in lines, like notes).
    Idempotent: no placeholder contains a character it replaces.
    """
    if not _UNSAFE.search(text):
        return text
    return text.translate(_VISIBLE_LINES if multiline else _VISIBLE)


def invisible(text: str) -> str:
    """`text` minus everything `visible` would replace (newline and tab kept): the last net
    where a placeholder cannot be drawn because the layout is already measured (these
    characters take no cell, so removing them keeps every width)."""
    if not _UNSAFE.search(text):
        return text
    return text.translate(_INVISIBLE)


_INVISIBLE = {c: None for c in _VISIBLE_LINES}


def escape_json(json_text: str) -> str:
    """JSON text with each character `visible` would replace written as a \\uXXXX escape: the
    same values to any JSON reader, harmless bytes on a terminal. (`json.dumps` escapes only
    C0; DEL, C1 and bidi controls pass raw. A raw newline or tab in JSON text lies between
    tokens, never in a string, so it stays.)"""
    if not _needs_json_escapes(json_text):
        return json_text
    return _UNSAFE_IN_JSON.sub(lambda match: f"\\u{ord(match[0]):04x}", json_text)


def escape_json_bytes(json_bytes: bytes) -> bytes:
    """`escape_json` of UTF-8 JSON text given as bytes; the bytes themselves when there is
    nothing to escape."""
    if not _bytes_need_json_escapes(json_bytes):
        return json_bytes
    return escape_json(json_bytes.decode("utf-8", "replace")).encode("utf-8")


def _needs_json_escapes(json_text: str) -> bool:
    if len(json_text) < 4096:
        return _UNSAFE_IN_JSON.search(json_text) is not None
    return _bytes_need_json_escapes(json_text.encode("utf-8", "surrogatepass"))


def _bytes_need_json_escapes(data: bytes) -> bool:
    # Only the bytes outside printable ASCII can be what escape_json replaces, and an
    # export's text holds few, so the scan reads those alone (~4x less than a regex over
    # every character). A multi-byte character stays whole when the ASCII around it goes;
    # two that come to meet may look like a third, which only costs the exact pass.
    return _UNSAFE_IN_JSON_BYTES.search(data.translate(None, _NEVER_ESCAPED)) is not None


_UNSAFE_IN_JSON = re.compile("[" + "".join(re.escape(chr(c)) for c in _VISIBLE_LINES) + "]")
# The same characters as UTF-8 bytes (C1 is two bytes, the bidi controls three), and the
# bytes that are never one of them or part of one: printable ASCII, newline and tab.
_UNSAFE_IN_JSON_BYTES = re.compile(b"|".join(re.escape(chr(c).encode()) for c in _VISIBLE_LINES))
_NEVER_ESCAPED = bytes(range(0x20, 0x7F)) + b"\n\t"


def fold(text: str) -> str:
    """Case- and accent-insensitive key: 'Müller' and 'MULLER' both fold to 'muller', and
    'Łukasz' to 'lukasz'."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold().translate(BASE_LETTERS)


# Letters Unicode does not decompose into a base letter and a mark (Ł is not L plus a stroke,
# Ø not O plus a slash), as fold() leaves them after casefold(): their base letters, as the
# search index folds them (migrations.M005_FOLDS). Without them Łukasz, Ørjan and Þóra
# sorted after Z and a typed "lukasz" was not his name. (A change here changes every stored
# sort_key: it needs a migration that computes them again, as m020 did.)
BASE_LETTERS = str.maketrans({
    "ł": "l", "ø": "o", "đ": "d", "ð": "d", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th",
    "ħ": "h", "ŧ": "t", "ĸ": "k",
})


def counted(count: int, word: str) -> str:
    """'1 contact', '3 contacts', '0 circles': a count and its word (an -s plural)."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def counted_people(count: int) -> str:
    """'1 person', '3 people'."""
    return f"{count} {'person' if count == 1 else 'people'}"


def nfc(text: str) -> str:
    """Unicode NFC form, so a composed and a decomposed 'ü' compare equal."""
    return unicodedata.normalize("NFC", text)
