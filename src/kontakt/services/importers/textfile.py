"""Reading other programs' files: which encoding, and refusing what is not text at all."""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20
# How much of a non-UTF-8 file's accented text is looked at to tell the code pages apart.
SAMPLE_BYTES = 1 << 20


class ImportRefused(Exception):
    """The file cannot be imported at all; the message names it. Nothing was written."""


class NoNameColumn(ImportRefused):
    """A table with no column to take names from: `--map COLUMN=name` names one (the CLI's
    option: the app says where to give it)."""

    def __init__(self, path, columns: str) -> None:
        self.path = path
        self.found = f"{path}: no name column in the header ({columns or 'no columns'})"
        super().__init__(f"{self.found}; name one with --map COLUMN=name")


_LABELS = {
    "utf-8": "UTF-8", "utf-8-sig": "UTF-8 (BOM)", "utf-16": "UTF-16",
    "cp1252": "Windows-1252", "cp1250": "Windows-1250", "iso8859-2": "ISO-8859-2",
    "cp1251": "Windows-1251", "cp932": "Shift-JIS (Windows-932)", "cp949": "Korean (Windows-949)",
    "mac_roman": "Mac OS Roman", "mac-roman": "Mac OS Roman",
}


@dataclass(frozen=True)
class Encoding:
    """How a file's bytes become text; `fallback` when it was not UTF-8 and the code page
    was guessed (Windows-1252, Windows-1250, ISO-8859-2, Windows-1251 or Mac OS Roman), `forced` when --encoding named it."""

    name: str
    fallback: bool = False
    forced: bool = False

    @property
    def label(self) -> str:
        return _LABELS.get(self.name, self.name)

    @property
    def ascii_compatible(self) -> bool:
        """True when ASCII text has the same bytes (so vCard lines can be unfolded on bytes)."""
        try:
            return "BEGIN:VCARD\r\n\t;:=".encode(self.name) == b"BEGIN:VCARD\r\n\t;:="
        except (LookupError, UnicodeError):
            return False


def lookup_encoding(name: str) -> Encoding:
    """The encoding --encoding names (any Python codec name: cp1250, latin2, utf-16le...).

    Raises ValueError with a one-line message for a name Python does not know.
    """
    try:
        info = codecs.lookup(name.strip())
    except LookupError:
        raise ValueError(
            f"unknown encoding {name!r}; try utf-8, cp1252, cp1250, iso-8859-2 or utf-16"
        ) from None
    if info.name in ("rot-13", "base64", "hex", "zlib", "bz2", "quopri", "uu"):
        raise ValueError(f"{name!r} is not a text encoding")
    canonical = {"utf-16-le": "utf-16-le", "utf-16-be": "utf-16-be"}.get(info.name, info.name)
    return Encoding(canonical, forced=True)


def detect_encoding(path: Path, forced: Encoding | None = None, *, data: bytes | None = None) -> Encoding:
    """UTF-8 with or without BOM, UTF-16 with BOM, else a guessed code page (flagged as a
    fallback), or `forced` after checking every byte decodes.

    Reads the file in chunks (memory stays flat), or looks at `data`, the whole file
    already read (a folder's small vCards are read once). Raises ImportRefused for an
    empty or binary file, or one the forced encoding cannot decode.
    """
    if (data is not None and forced is None and len(data) <= CHUNK
            and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
            and not _looks_binary(data)):
        # What the steps below conclude for a small UTF-8 file, from one decode.
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass  # a code page: the steps below guess which
        else:
            if not text.strip("\ufeff \t\r\n"):
                raise ImportRefused(f"{path}: the file is empty; nothing to import")
            return Encoding("utf-8")
    if data is not None:
        handle = io.BytesIO(data)
        handle.name = str(path)  # type: ignore[attr-defined]  # named in messages, as a file is
    else:
        try:
            handle = path.open("rb")
        except OSError as error:
            raise ImportRefused(f"{path}: cannot be read ({error.strerror})") from None
    with handle:
        head = handle.read(4)
        handle.seek(0)
        if forced is not None:
            encoding = _check_forced(handle, path, forced)
        elif head.startswith(codecs.BOM_UTF8):
            encoding = Encoding("utf-8-sig")
        elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = Encoding("utf-16")
        else:
            encoding = _utf8_or_code_page(handle)
        # A small file (a vCard of a folder) is checked from the bytes in hand: opening
        # 20k files a second time was a fifth of their import.
        handle.seek(0)
        whole = handle.read(CHUNK + 1)
    if len(whole) <= CHUNK:
        try:
            text = whole.decode(encoding.name, "replace" if encoding.fallback else "strict")
        except UnicodeDecodeError:
            raise ImportRefused(f"{path}: cannot be decoded as {encoding.label}") from None
        empty = not text.strip("\ufeff \t\r\n")
    else:
        with open_text(path, encoding) as text_file:
            try:
                empty = not text_file.read(CHUNK).strip("\ufeff \t\r\n")
            except UnicodeDecodeError:
                raise ImportRefused(f"{path}: cannot be decoded as {encoding.label}") from None
    if empty:
        raise ImportRefused(f"{path}: the file is empty; nothing to import")
    return encoding


def _check_forced(handle, path: Path, forced: Encoding) -> Encoding:
    decoder = codecs.getincrementaldecoder(forced.name)()
    offset = 0
    try:
        while chunk := handle.read(CHUNK):
            decoder.decode(chunk)
            offset += len(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise ImportRefused(
            f"{path}: not valid {forced.label} (byte {offset + error.start + 1}); "
            "nothing imported"
        ) from None
    except UnicodeError as error:  # "UTF-16 stream does not start with BOM"
        raise ImportRefused(f"{path}: not valid {forced.label} ({error}); nothing imported") from None
    return forced


def _looks_binary(chunk: bytes) -> bool:
    """An image, archive or database rather than a text file with a stray NUL: NULs are
    over 1% of the first block (a PNG header is a quarter NULs, a damaged CSV has one or
    two, which in a two-line file would be over 1% too). A NUL in a CSV row or a vCard
    rejects only that row or card."""
    nuls = chunk.count(b"\x00")
    return nuls > 2 and nuls * 100 > len(chunk)


# What a file renamed .csv often really is, by its first bytes.
_SPREADSHEETS = (
    (b"PK\x03\x04", "it is a ZIP archive, e.g. an Excel workbook (.xlsx) or a .zip: "
                     "save the sheet as CSV (File > Save As > CSV UTF-8) or unpack it first"),
    (b"\xd0\xcf\x11\xe0", "it is an old Excel workbook (.xls): save the sheet as CSV first"),
    (b"%PDF-", "it is a PDF document"),
    (b"\x1f\x8b", "it is gzip-compressed: unpack it first"),
)
# Compressed data has too few NULs for _looks_binary: these are known by their first bytes.
_KNOWN_BINARY = tuple(magic for magic, _ in _SPREADSHEETS)


def _binary_hint(chunk: bytes) -> str:
    for magic, hint in _SPREADSHEETS:
        if chunk.startswith(magic):
            return hint
    head = chunk[:4096]
    # ASCII text in UTF-16 without a BOM: every other byte is a NUL.
    for zeros, name in ((head[1::2], "utf-16-le"), (head[0::2], "utf-16-be")):
        if zeros and zeros.count(0) * 10 >= len(zeros) * 9:
            return f"if it is UTF-16 without a byte-order mark, try --encoding {name}"
    return "expected CSV, vCard or kontakt JSON"


def _utf8_or_code_page(handle) -> Encoding:
    decoder = codecs.getincrementaldecoder("utf-8")()
    first = True
    while chunk := handle.read(CHUNK):
        if first and (_looks_binary(chunk) or chunk.startswith(_KNOWN_BINARY)):
            raise ImportRefused(f"{handle.name}: not a text file (binary data); {_binary_hint(chunk)}")
        first = False
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError:
            handle.seek(0)
            return guess_code_page(handle.read(SAMPLE_BYTES))
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        handle.seek(0)
        return guess_code_page(handle.read(SAMPLE_BYTES))
    return Encoding("utf-8")


# ---------------------------------------------------------------- which code page

CODE_PAGES = ("cp1252", "cp1250", "iso8859-2", "cp1251")
# The accented letters of the languages each code page is used for. A decoding whose
# letters one language explains is the right one: Polish bytes read as Windows-1252 give
# '£ódŸ' and 'Za¿ó³æ' (symbols, a capital inside a word), Czech ones give 'Pøíliš'
# (ø is not Czech).
_LANGUAGES = {
    "de": "äöüß", "fr": "éèêëàâçîïôûùœÿ", "es": "áéíóúñü", "it": "àèéìíîòóù",
    "pt": "áâãàçéêíóôõú", "nl": "éèëïöü", "da-no": "æøåé", "sv-fi": "åäöé", "is": "áéíóúýðþæö",
    "pl": "ąćęłńóśźż", "cs": "áčďéěíňóřšťúůýž", "sk": "áäčďéíĺľňóôŕšťúýž",
    "hu": "áéíóöőúüű", "hr-sl": "čćđšž", "ro": "ăâîșşțţ",
    # Windows-1251: Russian, Ukrainian, Bulgarian, Serbian Outlook and Excel.
    "ru": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя", "uk": "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя",
    "bg-sr": "абвгдежзийклмнопрстуфхцчшщъьюяђјљњћџ",
}
# Punctuation both Windows code pages put at the same bytes: no evidence either way.
# '¿' and '¡' open Spanish sentences; in Windows-1250 the same bytes are 'ż' and 'ˇ'.
_NEUTRAL = set("–—„“”‘’‚…•€«»§°©®×·†‡‰‹›™ ¿¡")
_WORD = re.compile(rb"[^\x00-\x40\x5b-\x60\x7b-\x7f]*[\x80-\xff][^\x00-\x40\x5b-\x60\x7b-\x7f]*")


def _score(words: list[bytes], name: str) -> float | None:
    """How plausible the accented words are in this code page; None if a byte is undefined."""
    letters: set[str] = set()
    bad = 0
    for word in words:
        try:
            decoded = word.decode(name)
        except UnicodeDecodeError:
            return None
        if len(decoded) < 2:
            continue  # '£' alone ("20 £") is a symbol, not a one-letter Polish word 'Ł'
        if not decoded.isascii() and any("\u0400" <= c <= "\u04ff" for c in decoded) and any(
                c.isascii() and c.isalpha() for c in decoded):
            bad += 6  # 'Mьller': Windows-1251 reading a Western word, Latin and Cyrillic mixed
        for index, char in enumerate(decoded):
            if char.isascii():
                continue
            if char in _NEUTRAL:
                pass
            elif not char.isalpha() or unicodedata.category(char) == "Lm":
                # '³', '¹', '¿', '¶', 'ˇ' inside a word, or a C1 control (ISO-8859-2
                # reading the bytes Windows code pages use for ś, ź, š, ž)
                bad += 3
            else:
                before = decoded[index - 1] if index else ""
                after = decoded[index + 1:index + 2]
                if (char.isupper() and before.islower()) or (char.islower() and after.isupper()):
                    bad += 3  # 'jaŸñ', 'żQué': the case changes inside a word
                letters.add(char.lower())
    best = max(len(letters & set(alphabet)) for alphabet in _LANGUAGES.values())
    return 2 * best - bad


def _is_kana(char: str) -> bool:
    # Full-width only: Shift-JIS's one-byte half-width katakana (0xA1-0xDF) are the bytes
    # of À-ß in Western code pages ('Ümray' read as Shift-JIS starts with 'ﾜ').
    return "\u3040" <= char <= "\u30ff"


def _is_hangul(char: str) -> bool:
    return "\uac00" <= char <= "\ud7a3" or "\u1100" <= char <= "\u11ff" or "\u3130" <= char <= "\u318f"


def _is_cjk(char: str) -> bool:
    return ("\u4e00" <= char <= "\u9fff" or "\u3000" <= char <= "\u303f" or "\uff01" <= char <= "\uff5e"
            or _is_kana(char) or _is_hangul(char))


def _east_asian(sample: bytes) -> str | None:
    """'cp932' for Japanese Windows files (Shift-JIS: Japanese Outlook and Excel), 'cp949'
    for Korean ones, when the sample reads as that code page, nine tenths of its non-ASCII
    text is East Asian, and some of it is that script: full-width kana for Japanese (a
    Western file read as Shift-JIS gives odd kanji, not kana), Hangul for Korean. A
    Japanese file of kanji alone, and Chinese code pages, are not told apart: None."""
    # Korean is tried as EUC-KR, whose two bytes are both 0xA1-0xFE: Windows-949 also takes
    # an ASCII letter as the second byte, so 'łos' in a Polish file would be Hangul.
    for name, strict, script, needed in (("cp932", "cp932", _is_kana, 2),
                                         ("cp949", "euc_kr", _is_hangul, 4)):
        decoder = codecs.getincrementaldecoder(strict)()
        try:
            text = decoder.decode(sample)  # not final: the sample may end inside a character
        except UnicodeDecodeError:
            continue
        wide = [c for c in text if ord(c) > 0x7F]
        if len(wide) < 4:
            return None
        cjk = sum(1 for c in wide if _is_cjk(c))
        if cjk * 10 >= len(wide) * 9 and sum(1 for c in wide if script(c)) >= needed:
            if name == "cp949" and _all_cyrillic(sample):
                continue  # Windows-1251 letters pair up as EUC-KR Hangul too
            return name
    return None


def _all_cyrillic(sample: bytes) -> bool:
    """True when every non-ASCII byte reads as a Cyrillic letter in Windows-1251 (Korean
    text read so has symbols: its first bytes 0xB0-0xBF are '°±Ііґµ¶·ё№є»јЅѕї')."""
    wide = [c for c in sample.decode("cp1251", errors="replace") if ord(c) > 0x7F]
    return all("\u0410" <= c <= "\u044f" for c in wide)


def guess_code_page(sample: bytes) -> Encoding:
    """Windows-1252 (Western), Windows-1250 or ISO-8859-2 (Central European), Windows-1251
    (Cyrillic), or Mac OS Roman for a file whose lines end in CR alone, from the words with accented letters in
    `sample`; ties go to Windows-1252 (Mac OS Roman for CR-only files)."""
    # A vCard 2.1 line with its own CHARSET says nothing about the rest of the file.
    if b"CHARSET=" in sample.upper():
        sample = b"\n".join(ln for ln in sample.split(b"\n") if b"CHARSET=" not in ln.upper())
    if east_asian := _east_asian(sample):
        return Encoding(east_asian, fallback=True)
    words = list(dict.fromkeys(_WORD.findall(sample)))[:5000]
    best_name, best_score = "cp1252", None
    candidates = CODE_PAGES
    if b"\r" in sample and b"\n" not in sample:
        # Lines ended by CR alone: Excel for Mac's "CSV (Macintosh)", in Mac OS Roman
        # ('Jürgen' is 'J\x9frgen': Windows-1250 reads 'Jźrgen'). First, so a tie is Mac's.
        candidates = ("mac_roman", *CODE_PAGES)
    for name in candidates:
        score = _score(words, name)
        if score is not None and (best_score is None or score > best_score):
            best_name, best_score = name, score
    return Encoding(best_name, fallback=True)


def open_text(path: Path, encoding: Encoding):
    """The file as text with universal newlines off (the csv module wants them raw)."""
    # The Windows code pages leave a few bytes undefined; show them as U+FFFD rather than
    # refuse the file (a forced encoding was checked byte by byte already).
    errors = "replace" if encoding.fallback else "strict"
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
