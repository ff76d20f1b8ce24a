"""Cleaning and folding of user text: what is stored, and how it is compared."""

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


def clean_line(text: str) -> str:
    """Like `clean`, for one-line fields: newlines and tabs become spaces, ends stripped."""
    return re.sub(r"[\t\n]+", " ", clean(text)).strip()


def fold(text: str) -> str:
    """Case- and accent-insensitive key: 'Müller' and 'MULLER' both fold to 'muller'."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold()


def nfc(text: str) -> str:
    """Unicode NFC form, so a composed and a decomposed 'ü' compare equal."""
    return unicodedata.normalize("NFC", text)
