"""CSV imports: Google, Outlook, LinkedIn, Thunderbird, kontakt's own CSV, and any CSV with --map.

The header is found by its content (LinkedIn puts a `Notes:` preamble first, German Excel
a `sep=;` line), the delimiter is read from the header line itself, and rows are streamed.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ...domain import Birthday, Cadence, CadenceError, DateError
from ...domain.cards import Address, Details, from_cells as detail_cells
from ...domain.activity import ActivityError, check_channel
from ...store.bulk import NewContact
from .rows import (
    Parsed,
    is_clean,
    is_exchange_address,
    joined,
    line,
    read_birthday,
    split_emails,
    split_list,
    text,
)
from ...domain.dates import locale_day_first
from .textfile import Encoding, ImportRefused, NoNameColumn, open_text

# How `export csv` joins a list in one cell (services/exporters/csv.py writes it).
LIST_SEPARATOR = "; "
# A field longer than this is an unterminated quote swallowing the file, not a note.
FIELD_LIMIT = 1 << 20
HEADER_SEARCH_LINES = 50
CSV_FORMATS = ("google", "outlook", "linkedin", "thunderbird", "kontakt", "csv")

# kontakt's own CSV: the columns `export csv` writes, in order.
KONTAKT_COLUMNS = (
    "name", "nickname", "emails", "phones", "org", "role", "location", "met", "birthday",
    "tags", "notes", "cadence", "archived", "uid", "created_at", "updated_at",
    "last_contact", "next_due", "addresses", "urls", "labels", "channel",
)
# What a generic CSV's column may be called, and what --map may name.
FIELDS = (
    "name", "first_name", "middle_name", "last_name", "nickname", "emails", "phones", "org",
    "role", "location", "met", "birthday", "tags", "notes", "cadence",
)
_ALIASES = {
    "name": "name", "full name": "name", "display name": "name", "fn": "name",
    "formatted name": "name", "contact": "name", "contact name": "name",
    "first name": "first_name", "given name": "first_name", "firstname": "first_name",
    "vorname": "first_name", "middle name": "middle_name", "last name": "last_name",
    "family name": "last_name", "surname": "last_name", "lastname": "last_name",
    "nachname": "last_name", "nickname": "nickname", "spitzname": "nickname",
    "email": "emails", "emails": "emails", "e-mail": "emails", "e-mail address": "emails",
    "email address": "emails", "mail": "emails", "e-mail-adresse": "emails",
    "phone": "phones", "phones": "phones", "mobile": "phones", "telephone": "phones",
    "tel": "phones", "telefon": "phones", "phone number": "phones", "mobile phone": "phones",
    "handy": "phones", "mobiltelefon": "phones", "mobil": "phones", "cell": "phones",
    "cell phone": "phones", "mobile number": "phones", "home phone": "phones",
    "work phone": "phones", "business phone": "phones", "telefon privat": "phones",
    "telefon geschäftlich": "phones", "telefonnummer": "phones", "primary email": "emails",
    "secondary email": "emails", "work email": "emails", "home email": "emails", "org": "org", "organisation": "org", "organization": "org",
    "company": "org", "firma": "org", "role": "role", "title": "role", "job title": "role",
    "position": "role", "location": "location", "city": "location", "ort": "location",
    "met": "met", "how we met": "met", "birthday": "birthday", "birth date": "birthday",
    "geburtstag": "birthday", "bday": "birthday", "tags": "tags", "labels": "tags",
    "groups": "tags", "circles": "tags", "categories": "tags", "notes": "notes",
    "note": "notes", "comments": "notes", "notizen": "notes", "cadence": "cadence",
    # Japanese and Korean sheets (Shift-JIS / Windows-949 files are recognised).
    "名前": "name", "氏名": "name", "姓": "last_name", "名": "first_name",
    "メールアドレス": "emails", "電子メール アドレス": "emails", "電話番号": "phones",
    "携帯電話": "phones", "会社名": "org", "役職": "role", "誕生日": "birthday", "メモ": "notes",
    "이름": "first_name", "성": "last_name",  # 이름 alone is the whole name: first_name alone is too
    "전자 메일 주소": "emails", "이메일": "emails",
    "전화번호": "phones", "휴대폰": "phones", "회사": "org", "직함": "role", "생일": "birthday",
    "메모": "notes",
}
_EAST_ASIAN_NAME = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7a3]")
# Google's system groups, as `_group_key` spells them: new exports write "* myContacts",
# old Gmail ones "* My Contacts". Other "* Label"s (old Gmail's * Friends) keep their name.
_GOOGLE_SYSTEM_LABELS = {"mycontacts", "starred", "othercontacts", "blocked"}


def _group_key(label: str) -> str:
    """A label compared without case, spaces or Google's leading '* ': 'mycontacts'."""
    return "".join(label.removeprefix("*").split()).casefold()


def google_circles(labels: list[str]) -> list[str]:
    """The circles of a Google Labels / Group Membership cell's labels: Google's system
    groups dropped however they are spelled. A label without the '* ' is the user's own,
    except My Contacts: everyone is in it, so it is never a circle worth having."""
    circles = []
    for label in labels:
        if label.startswith("* "):
            if _group_key(label) in _GOOGLE_SYSTEM_LABELS:
                continue
            label = label[2:].strip()
        elif _group_key(label) == "mycontacts":
            continue
        if label:
            circles.append(label)
    return circles


@dataclass
class Table:
    """An opened CSV: which format, its header, and the rows still to be read."""

    format: str
    header: list[str]
    delimiter: str
    header_line: int
    rows: Iterator[Parsed]
    handle: object = None
    # A generic CSV's columns that no field reads (said once, so nothing is dropped unseen).
    ignored: list[str] = field(default_factory=list)
    # How slashed birthdays that could be either (4/3/1980) were read, when the user's
    # locale decided it rather than the file or --dates: said once.
    dates_note: str = ""

    def position(self) -> int:
        """Bytes read so far, for a progress bar."""
        try:
            return self.handle.buffer.tell()
        except (AttributeError, OSError, ValueError):
            return 0


def _norm(cell: str) -> str:
    return " ".join(cell.strip().strip('"').replace("\ufeff", "").split()).casefold()


def _split_header(raw: str, delimiter: str | None) -> tuple[list[str], str]:
    """The header's cells and its delimiter: the one of , ; tab most used outside quotes."""
    if delimiter is None:
        outside = re.sub(r'"[^"]*"', "", raw)
        counts = {d: outside.count(d) for d in (",", ";", "\t")}
        delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    cells = next(csv.reader([raw.rstrip("\r\n")], delimiter=delimiter), [])
    return cells, delimiter


# Outlook writes its CSV header in the language of its user interface: each localized
# column name (normalised as `_norm` does) with the English one it stands for. German,
# French, Dutch, Spanish, Italian and Russian desktop Outlook; the columns kontakt reads.
_OUTLOOK_COLUMNS = {
    # German
    "vorname": "first name", "weitere vornamen": "middle name", "nachname": "last name",
    "spitzname": "nickname", "firma": "company", "position": "job title",
    "ort geschäftlich": "business city", "ort privat": "home city", "weiterer ort": "other city",
    "telefon geschäftlich": "business phone", "telefon geschäftlich 2": "business phone 2",
    "telefon privat": "home phone", "telefon privat 2": "home phone 2",
    "mobiltelefon": "mobile phone", "mobiltelefon 2": "mobile phone 2", "autotelefon": "car phone",
    "telefon firma": "company main phone", "haupttelefon": "primary phone",
    "weiteres telefon": "other phone", "telefon assistent": "assistant's phone",
    "telefon für hörbehinderte": "tty/tdd phone", "fax geschäftlich": "business fax",
    "fax privat": "home fax", "weiteres fax": "other fax",
    "e-mail-adresse": "e-mail address", "e-mail-typ": "e-mail type",
    "e-mail: angezeigter name": "e-mail display name", "e-mail 2: adresse": "e-mail 2 address",
    "e-mail 2: typ": "e-mail 2 type", "e-mail 2: angezeigter name": "e-mail 2 display name",
    "e-mail 3: adresse": "e-mail 3 address", "e-mail 3: typ": "e-mail 3 type",
    "e-mail 3: angezeigter name": "e-mail 3 display name", "geburtstag": "birthday",
    "kategorien": "categories", "notizen": "notes",
    # French
    "prénom": "first name", "deuxième prénom": "middle name", "nom": "last name",
    "suffixe": "suffix", "surnom": "nickname", "société": "company", "fonction": "job title",
    "ville (bureau)": "business city", "ville (domicile)": "home city", "ville (autre)": "other city",
    "téléphone (bureau)": "business phone", "téléphone 2 (bureau)": "business phone 2",
    "téléphone (domicile)": "home phone", "téléphone 2 (domicile)": "home phone 2",
    "tél. mobile": "mobile phone", "téléphone mobile": "mobile phone",
    "téléphone (voiture)": "car phone", "téléphone société": "company main phone",
    "téléphone principal": "primary phone", "téléphone (autre)": "other phone",
    "radiotéléphone": "radio phone", "téléphone de l'assistant(e)": "assistant's phone",
    "téléphone tdd/tty": "tty/tdd phone", "télécopie (bureau)": "business fax",
    "télécopie (domicile)": "home fax", "télécopie (autre)": "other fax",
    "adresse de messagerie": "e-mail address", "type de messagerie": "e-mail type",
    "nom complet de l'adresse de messagerie": "e-mail display name",
    "adresse de messagerie 2": "e-mail 2 address", "type de messagerie 2": "e-mail 2 type",
    "nom complet de l'adresse de messagerie 2": "e-mail 2 display name",
    "adresse de messagerie 3": "e-mail 3 address", "type de messagerie 3": "e-mail 3 type",
    "nom complet de l'adresse de messagerie 3": "e-mail 3 display name",
    "anniversaire": "birthday", "date de naissance": "birthday", "catégories": "categories",
    # Dutch
    "voornaam": "first name", "middelste naam": "middle name", "achternaam": "last name",
    "achtervoegsel": "suffix", "bijnaam": "nickname", "bedrijf": "company", "functie": "job title",
    "plaats (werk)": "business city", "plaats (thuis)": "home city",
    "werkadres, plaats": "business city", "thuisadres, plaats": "home city",
    "telefoon op werk": "business phone", "telefoon op werk 2": "business phone 2",
    "telefoon thuis": "home phone", "telefoon thuis 2": "home phone 2",
    "mobiele telefoon": "mobile phone", "autotelefoon": "car phone",
    "hoofdtelefoon bedrijf": "company main phone", "hoofdtelefoon": "primary phone",
    "andere telefoon": "other phone", "telefoon assistent": "assistant's phone",
    "fax op werk": "business fax", "fax thuis": "home fax", "andere fax": "other fax",
    "e-mailadres": "e-mail address", "e-mailtype": "e-mail type",
    "weergavenaam e-mail": "e-mail display name", "e-mailadres 2": "e-mail 2 address",
    "e-mailtype 2": "e-mail 2 type", "weergavenaam e-mail 2": "e-mail 2 display name",
    "e-mailadres 3": "e-mail 3 address", "e-mailtype 3": "e-mail 3 type",
    "weergavenaam e-mail 3": "e-mail 3 display name", "verjaardag": "birthday",
    "categorieën": "categories", "notities": "notes",
    # Spanish
    "nombre": "first name", "segundo nombre": "middle name", "apellidos": "last name",
    "sufijo": "suffix", "sobrenombre": "nickname", "organización": "company",
    "compañía": "company", "puesto": "job title", "ciudad de trabajo": "business city",
    "ciudad particular": "home city", "teléfono del trabajo": "business phone",
    "teléfono del trabajo 2": "business phone 2", "particular": "home phone",
    "particular 2": "home phone 2", "teléfono móvil": "mobile phone",
    "teléfono del automóvil": "car phone", "teléfono principal de la compañía": "company main phone",
    "teléfono principal": "primary phone", "otro teléfono": "other phone",
    "teléfono del asistente": "assistant's phone", "fax del trabajo": "business fax",
    "fax particular": "home fax", "otro fax": "other fax",
    "dirección de correo electrónico": "e-mail address",
    "tipo de correo electrónico": "e-mail type",
    "nombre mostrado del correo electrónico": "e-mail display name",
    "dirección del correo electrónico 2": "e-mail 2 address",
    "tipo del correo electrónico 2": "e-mail 2 type",
    "nombre mostrado del correo electrónico 2": "e-mail 2 display name",
    "dirección del correo electrónico 3": "e-mail 3 address",
    "tipo del correo electrónico 3": "e-mail 3 type",
    "nombre mostrado del correo electrónico 3": "e-mail 3 display name",
    "cumpleaños": "birthday", "categorías": "categories", "notas": "notes",
    # Italian
    "nome": "first name", "secondo nome": "middle name", "cognome": "last name",
    "suffisso": "suffix", "soprannome": "nickname", "società": "company",
    "posizione": "job title", "città (uff.)": "business city", "città (ab.)": "home city",
    "ufficio": "business phone", "ufficio 2": "business phone 2", "abitazione": "home phone",
    "abitazione 2": "home phone 2", "cellulare": "mobile phone", "telefono auto": "car phone",
    "telefono principale società": "company main phone", "telefono principale": "primary phone",
    "altro telefono": "other phone", "telefono assistente": "assistant's phone",
    "fax (uff.)": "business fax", "fax (ab.)": "home fax", "altro fax": "other fax",
    "indirizzo posta elettronica": "e-mail address", "tipo posta elettronica": "e-mail type",
    "nome visualizzato posta elettronica": "e-mail display name",
    "indirizzo posta elettronica 2": "e-mail 2 address", "tipo posta elettronica 2": "e-mail 2 type",
    "nome visualizzato posta elettronica 2": "e-mail 2 display name",
    "indirizzo posta elettronica 3": "e-mail 3 address", "tipo posta elettronica 3": "e-mail 3 type",
    "nome visualizzato posta elettronica 3": "e-mail 3 display name",
    "compleanno": "birthday", "categorie": "categories", "note": "notes",
    # Russian (Windows-1251)
    "имя": "first name", "отчество": "middle name", "фамилия": "last name",
    "организация": "company", "должность": "job title", "мобильный телефон": "mobile phone",
    "рабочий телефон": "business phone", "домашний телефон": "home phone",
    "другой телефон": "other phone", "рабочий факс": "business fax", "домашний факс": "home fax",
    "город (раб. адрес)": "business city", "город (дом. адрес)": "home city",
    "адрес эл. почты": "e-mail address", "тип эл. почты": "e-mail type",
    "краткое имя эл. почты": "e-mail display name", "адрес 2 эл. почты": "e-mail 2 address",
    "адрес 3 эл. почты": "e-mail 3 address", "день рождения": "birthday",
    "категории": "categories", "заметки": "notes",
}


# Thunderbird's address book CSV ("Export… → Comma Separated"): its columns in German,
# with the English ones they stand for.
_THUNDERBIRD_COLUMNS = {
    "vorname": "first name", "nachname": "last name", "anzeigename": "display name",
    "spitzname": "nickname", "primäre e-mail-adresse": "primary email",
    "sekundäre e-mail-adresse": "secondary email", "tel. dienstlich": "work phone",
    "tel. privat": "home phone", "mobil-tel.-nr.": "mobile number",
    "privat: adresse": "home address", "privat: adresse 2": "home address 2",
    "privat: ort": "home city", "privat: bundesland": "home state", "privat: plz": "home zipcode",
    "privat: land": "home country", "dienstlich: adresse": "work address",
    "dienstlich: adresse 2": "work address 2", "dienstlich: ort": "work city",
    "dienstlich: bundesland": "work state", "dienstlich: plz": "work zipcode",
    "dienstlich: land": "work country", "arbeitstitel": "job title", "organisation": "organization",
    "webseite 1": "web page 1", "webseite 2": "web page 2", "geburtsjahr": "birth year",
    "geburtsmonat": "birth month", "geburtstag": "birth day", "notizen": "notes",
}


def outlook_columns(columns: list[str]) -> tuple[list[str], bool]:
    """The header with Outlook's localized column names put in English, and True when any
    was localized (such an Outlook writes dates day first: 24.12.1980, 24/12/1980)."""
    english = [_OUTLOOK_COLUMNS.get(_norm(c), c) for c in columns]
    return english, english != list(columns)


def detect_format(columns: list[str]) -> str | None:
    """Which program wrote this header; None when it has no column a name can come from."""
    cols = {_norm(c) for c in columns}
    if {"name", "emails", "phones", "uid"} <= cols:
        return "kontakt"
    if {"first name", "last name", "url", "connected on"} <= cols:
        return "linkedin"
    if any(re.fullmatch(r"(e-mail|phone) \d+ - (value|type|label)", c) for c in cols):
        return "google"
    if {"primary email", "primäre e-mail-adresse"} & cols and {
        "birth year", "birth month", "geburtsjahr", "geburtsmonat"
    } & cols:
        return "thunderbird"
    english = {_OUTLOOK_COLUMNS.get(c, c) for c in cols}
    if english & {"e-mail address", "e-mail 2 address"} and english & {"first name", "last name"}:
        return "outlook"
    if any(_ALIASES.get(c) in ("name", "first_name", "last_name") for c in cols):
        return "csv"
    return None


def open_table(
    path: Path, encoding: Encoding, *, forced: str | None, mapping: dict[str, str], today: date,
    dates: str | None = None,
) -> Table:
    """Find the header, pick the format and return a Table whose rows stream from the file.
    `dates` ("dmy" or "mdy") says how an English Outlook file's slashed birthdays read.

    Raises ImportRefused when no header with a name column is found.
    """
    handle = open_text(path, encoding)
    try:
        return _open_table(handle, path, forced=forced, mapping=mapping, today=today, dates=dates)
    except BaseException:
        handle.close()
        raise


def _open_table(handle, path: Path, *, forced, mapping, today, dates=None) -> Table:
    delimiter: str | None = None
    mapped = {_norm(column) for column in mapping}
    first_cells: list[str] | None = None
    number = 0
    while number < HEADER_SEARCH_LINES:
        raw = handle.readline()
        if not raw:
            break
        number += 1
        stripped = raw.strip().lstrip("\ufeff").strip('"')
        if not stripped:
            continue
        if m := re.fullmatch(r"sep=(.)", stripped, flags=re.IGNORECASE):
            delimiter = m[1]  # Excel's hint line: the delimiter, then the header
            continue
        cells, used = _split_header(raw, delimiter)
        if first_cells is None:
            first_cells = cells
        fmt = detect_format(cells)
        if fmt is None and mapped & {_norm(c) for c in cells}:
            fmt = "csv"
        if fmt is None:
            continue
        fmt = forced or fmt
        day_first, dates_note = (_outlook_dates(handle, cells, used, dates) if fmt == "outlook"
                                 else (False, ""))
        # Any other CSV's 4/3/1980 is refused as ambiguous unless --dates says which.
        reader = _row_reader(fmt, cells, mapping, today, day_first=day_first,
                             slashed={"dmy": "day", "mdy": "month"}.get(dates or ""))
        rows = _rows(handle, path, cells, used, number, reader, unquote=fmt != "kontakt")
        ignored = _unread_columns(cells, mapping) if fmt == "csv" else []
        return Table(fmt, cells, used, number, rows, handle, ignored, dates_note)
    if first_cells is None:
        raise ImportRefused(f"{path}: no CSV header found; expected CSV, vCard or kontakt JSON")
    if first_cells and re.match(r"\s*<(?:!doctype|html|\?xml|table|head|body)\b", first_cells[0],
                                flags=re.IGNORECASE):
        raise ImportRefused(f"{path}: this is a web page (HTML or XML), not CSV; export the "
                            "contacts as CSV or vCard, or save the page's table as CSV")
    shown = ", ".join(c.strip() for c in first_cells[:8] if c.strip())
    raise NoNameColumn(path, shown)


_SLASHED_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/\d{2,4}")


def _outlook_dates(handle, header: list[str], delimiter: str, dates: str | None) -> tuple[bool, str]:
    """Whether an Outlook file's slashed birthdays are day first, and a note when the user's
    locale had to say it. A British, Irish, Australian or Indian Outlook writes 24/12/1980
    under the same English header a US one writes 12/24/1980 under. `dates` ("dmy"/"mdy",
    the CLI's --dates) decides; else the file, when a day is over 12 in one order and never
    in the other; else, for dates that read either way (4/3/1980), the user's locale (the
    Outlook that wrote the file most likely ran in it), and US month first without one."""
    english, localized = outlook_columns(header)
    if localized:
        return True, ""  # a localized Outlook writes its dates day first (24.12.1980)
    if dates is not None:
        return dates == "dmy", ""
    column = Columns(english).get("birthday")
    if column is None:
        return False, ""
    start = handle.tell()
    day_over_12 = month_over_12 = ambiguous = False
    try:
        for record in csv.reader(handle, delimiter=delimiter):
            if len(record) > column and (m := _SLASHED_DATE.fullmatch(record[column].strip())):
                day_over_12 = day_over_12 or int(m[1]) > 12
                month_over_12 = month_over_12 or int(m[2]) > 12
                ambiguous = ambiguous or (int(m[1]) <= 12 and int(m[2]) <= 12 and m[1] != m[2])
                if month_over_12:
                    break
    except csv.Error:
        pass  # the real pass says which line is malformed
    finally:
        handle.seek(start)
    if day_over_12 or month_over_12:
        return day_over_12 and not month_over_12, ""
    said = locale_day_first()
    if not ambiguous or said is None or not said[0]:
        return False, ""
    return True, (f"birthdays like 4/3 read day first (4 March), as dates are written in your "
                  f"locale ({said[1]}); --dates mdy reads them month first")


# The starts of a cell a spreadsheet would run, as `export csv` (services/exporters/csv.py,
# DANGEROUS_STARTS) puts a `'` before them; a test keeps the two the same.
FORMULA_STARTS = (
    "=", "+", "-", "@", "\t", "\r", "\n", "\x00", "|", "'",
    "\uff1d", "\uff0b", "\uff0d", "\uff20",
)


def unquote_formula(cell: str) -> str:
    """A cell without the `'` a spreadsheet-safe export (kontakt's `export csv --google`, many
    web apps) put before a formula-looking value: "'+49 170 1" is the phone +49 170 1. A `'`
    before anything else is the value's own ("'Tis the season")."""
    return cell[1:] if cell[:1] == "'" and cell[1:].startswith(FORMULA_STARTS) else cell


def _rows(handle, path: Path, header: list[str], delimiter: str, header_line: int,
          read: Callable[[list[str]], NewContact | tuple[NewContact, list[str]]], *,
          unquote: bool = False) -> Iterator[Parsed]:
    """The rows as Parsed; `unquote` takes the `'` off formula-looking cells (every format
    but kontakt's own CSV, whose reader undoes its export's quoting itself)."""
    # QUOTE_MINIMAL + strict: a stray quote rejects its row; a quote never closed fails at EOF.
    previous_limit = csv.field_size_limit(FIELD_LIMIT)
    reader = csv.reader(handle, delimiter=delimiter, strict=True)
    width = len(header)
    last_end = header_line
    try:
        while True:
            start = last_end + 1
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                last_end = header_line + reader.line_num
                message = str(error)
                if "unexpected end of data" in message and last_end <= start:
                    # The quote opened on the file's last line: a cut-off download or copy,
                    # not a stray quote swallowing the rows after it. Only that row is lost.
                    yield Parsed(f"line {start}", error="the file ends inside this row "
                                                        "(a quote never closed: cut off?)")
                    return
                if "unexpected end of data" in message:
                    raise ImportRefused(
                        f"{path}: a quote opened on line {start} is never closed; nothing imported"
                    ) from None
                if "field larger than field limit" in message:
                    raise ImportRefused(
                        f"{path}: line {start} has a field over {FIELD_LIMIT // 1024} KB "
                        "(an unterminated quote?); nothing imported"
                    ) from None
                yield Parsed(f"line {start}", error=f"malformed row ({message})")
                continue
            last_end = header_line + reader.line_num
            where = f"line {start}"
            # One string for the row's checks: blank when every cell is (whitespace is
            # whitespace joined or not), a NUL in it is a NUL in some cell.
            whole = "".join(record)
            if not whole or whole.isspace():
                continue
            if len(record) > width and not any(c.strip() for c in record[width:]):
                record = record[:width]
            if len(record) != width:
                yield Parsed(where, error=f"ragged row: {len(record)} fields, the header has {width}")
                continue
            if "\x00" in whole:
                column = next(i for i, cell in enumerate(record) if "\x00" in cell)
                yield Parsed(where, error=f"a NUL byte in {header[column].strip()!r} (damaged file?)")
                continue
            if unquote and "'" in whole:
                record = [unquote_formula(cell) for cell in record]
            try:
                result = read(record)
            except (ValueError, DateError, CadenceError) as error:
                yield Parsed(where, error=str(error))
                continue
            contact, warnings = result if isinstance(result, tuple) else (result, [])
            if not contact.name and contact.org:
                contact.name = contact.org  # a company's own row: Google and Outlook leave names empty
            if not contact.name:
                yield Parsed(where, error="no name")
                continue
            yield Parsed(where, contact=contact, warnings=warnings)
    finally:
        csv.field_size_limit(previous_limit)
        handle.close()


# ---------------------------------------------------------------------- column helpers


class Columns:
    """Header cells by normalised name, so a reader can ask for 'e-mail 1 - value'.

    Rows are plain lists and columns their indexes: no dict per row on a 20k-row file.
    """

    def __init__(self, header: list[str]):
        self.by_norm: dict[str, int] = {}
        for index, cell in enumerate(header):
            self.by_norm.setdefault(_norm(cell), index)

    def get(self, *names: str) -> int | None:
        """The index of the first of these columns present in the header."""
        for name in names:
            if name in self.by_norm:
                return self.by_norm[name]
        return None

    def matching(self, pattern: str, exclude: str | None = None) -> list[int]:
        return [
            original for norm, original in self.by_norm.items()
            if re.fullmatch(pattern, norm) and not (exclude and re.search(exclude, norm))
        ]


def _cell(row: list[str], column: int | None) -> str:
    return row[column] if column is not None else ""


def _birthday_warning(contact_field: str, error: Exception) -> str:
    return f"{contact_field}: {error}; imported without it"


def _with_birthday(contact: NewContact, raw: str, today: date, slashed: str | None) -> list[str]:
    if not raw.strip():
        return []
    try:
        contact.birthday = read_birthday(raw, today, slashed=slashed)
    except DateError as error:
        return [_birthday_warning("birthday", error)]
    return []


def _row_reader(fmt: str, header: list[str], mapping: dict[str, str], today: date, *,
                day_first: bool = False, slashed: str | None = None):
    cols = Columns(header)
    if fmt == "google":
        return _google(cols, today)
    if fmt == "outlook":
        # Whether the dates are day first (localized, the file, --dates, the locale) is
        # decided once, in _outlook_dates.
        return _outlook(Columns(outlook_columns(header)[0]), today, day_first=day_first)
    if fmt == "linkedin":
        return _linkedin(cols)
    if fmt == "thunderbird":
        return _thunderbird(Columns([_THUNDERBIRD_COLUMNS.get(_norm(c), c) for c in header]), today)
    if fmt == "kontakt":
        return _kontakt(cols, today)
    return _generic(cols, mapping, today, slashed)


# Google's "Address N - <part>" columns and the Address part each fills.
_GOOGLE_ADDRESS_PARTS = {
    "po box": "pobox", "extended address": "extended", "street": "street", "city": "locality",
    "region": "region", "postal code": "postcode", "country": "country",
}
_GOOGLE_MANY = r"\s*:::\s*"  # how Google joins several values in one cell


def google_label(cell: str) -> str:
    """kontakt's label for a Google label cell ('* Work' → 'work'): the '* ' old exports put
    before the primary value dropped, lower case as kontakt stores labels; '' for none and
    for Google's 'Other', which is what Google (and `export csv --google`) writes for no label."""
    label = " ".join(cell.removeprefix("*").split()).lower()
    return "" if label == "other" else label


class _GoogleGroups:
    """Google's numbered column groups (E-mail 1 - Label, E-mail 1 - Value, …), by number in
    header order: each value column with its label column ('- Label' now, '- Type' in old
    exports), each address with its parts."""

    def __init__(self, cols: Columns):
        self.cols = cols

    def _numbers(self, kind: str, part: str) -> list[str]:
        found = [re.fullmatch(rf"{kind} (\d+) - {part}", norm) for norm in self.cols.by_norm]
        return list(dict.fromkeys(m[1] for m in found if m))

    def labelled(self, kind: str) -> list[tuple[int, int | None]]:
        """(value column, label column or None) of each 'KIND N - Value'."""
        return [(self.cols.by_norm[f"{kind} {n} - value"],
                 self.cols.get(f"{kind} {n} - label", f"{kind} {n} - type"))
                for n in self._numbers(kind, "value")]

    def addresses(self) -> list[tuple[int | None, int | None, list[tuple[str, int]]]]:
        """(label column, Formatted column, [(Address part, column)]) of each address."""
        groups = []
        for n in self._numbers("address", r"(?:label|type|formatted|" + "|".join(_GOOGLE_ADDRESS_PARTS) + ")"):
            parts = [(part, column) for name, part in _GOOGLE_ADDRESS_PARTS.items()
                     if (column := self.cols.get(f"address {n} - {name}")) is not None]
            groups.append((self.cols.get(f"address {n} - label", f"address {n} - type"),
                           self.cols.get(f"address {n} - formatted"), parts))
        return groups


def _each_labelled(cell: str, label_cell: str, split, clean,
                   pairs: list[tuple[str, str]]) -> list[str]:
    """A cell of several values (' ::: ') with as many labels: the n-th label is the n-th
    value's (a value without one has none)."""
    said = [google_label(clean(piece)) for piece in re.split(_GOOGLE_MANY, label_cell)]
    found = []
    for n, piece in enumerate(re.split(_GOOGLE_MANY, cell)):
        for value in split(piece, clean=clean):
            found.append(value)
            if n < len(said) and said[n]:
                pairs.append((value, said[n]))
    return found


def _google_addresses(label: str, cells: list[tuple[str, str]], clean) -> list[Address]:
    """The addresses of one 'Address N' group's non-empty (part, cell) pairs: one, or several
    when Google joined each part's values with ' ::: '."""
    if any(":::" in value for _, value in cells):
        split = [(part, re.split(_GOOGLE_MANY, value)) for part, value in cells]
        many = [{part: clean(pieces[n]) if n < len(pieces) else "" for part, pieces in split}
                for n in range(max(len(pieces) for _, pieces in split))]
    else:
        many = [{part: clean(value) for part, value in cells}]
    return [Address(label, **parts) for parts in many if any(parts.values())]


def _google(cols: Columns, today: date):
    full = cols.get("name")
    prefix = cols.get("name prefix")
    given = cols.get("first name", "given name")
    middle = cols.get("middle name", "additional name")
    family = cols.get("last name", "family name")
    suffix = cols.get("name suffix")
    file_as = cols.get("file as")
    nickname = cols.get("nickname")
    org = cols.get("organization name", "organization 1 - name")
    role = cols.get("organization title", "organization 1 - title")
    birthday = cols.get("birthday")
    notes = cols.get("notes")
    labels = cols.get("labels", "group membership")
    city = cols.get("address 1 - city")
    country = cols.get("address 1 - country")
    location = cols.get("location")
    groups = _GoogleGroups(cols)
    emails = groups.labelled("e-mail")
    phones = groups.labelled("phone")
    websites = [value for value, _ in groups.labelled("website")]
    addresses = groups.addresses()
    # A file repeats its label and circle cells: each is read once. Keyed by the raw cell:
    # `clean` of a cell is the same on both paths wherever the fast path may run.
    label_of: dict[str, str] = {}
    circles_of: dict[str, list[str]] = {}
    # Many people share an address (a city alone, colleagues' office): each made once.
    addresses_of: dict[tuple[str, ...], list[Address]] = {}

    def label(cell: str, clean) -> str:
        said = label_of.get(cell)
        if said is None:
            if len(label_of) > 4096:
                label_of.clear()
            said = label_of[cell] = google_label(clean(cell))
        return said

    def labelled(row: list[str], columns: list[tuple[int, int | None]], split, clean,
                 pairs: list[tuple[str, str]]) -> list[str]:
        """The values of these (value, label) columns; their labels go into `pairs`."""
        found: list[str] = []
        for value, label_column in columns:
            cell = row[value]
            if not cell:
                continue
            label_cell = row[label_column] if label_column is not None else ""
            if ":::" in label_cell:
                found += _each_labelled(cell, label_cell, split, clean, pairs)
                continue
            values = split(cell, clean=clean)
            if values and label_cell and (said := label(label_cell, clean)):
                pairs += [(v, said) for v in values]
            found += values
        return found

    def split_many(cell: str, *, clean) -> list[str]:
        return split_list(cell, _GOOGLE_MANY, clean=clean)

    def postal(row: list[str], clean) -> list[Address]:
        found = []
        for label_column, formatted, parts in addresses:
            cells = [(part, value) for part, column in parts if (value := row[column].strip())]
            if not cells:
                # Only Google's one-text form (or nothing): kept whole as the street, its
                # lines joined.
                whole = row[formatted] if formatted is not None else ""
                street = ", ".join(p for p in (clean(x) for x in whole.split("\n")) if p)
                if street:
                    found.append(Address(label(_cell(row, label_column), clean), street=street))
                continue
            label_cell = _cell(row, label_column)
            key = (label_cell, *cells)
            known = addresses_of.get(key)
            if known is None:
                if len(addresses_of) > 4096:
                    addresses_of.clear()
                known = addresses_of[key] = _google_addresses(label(label_cell, clean), cells, clean)
            found += known
        return found

    birthdays: dict[str, Birthday | None] = {}  # a file repeats its dates: read each once

    def read(row: list[str]):
        # A row without control characters, in NFC (most rows), only needs its cells stripped.
        clean = str.strip if is_clean(row) else line
        # Prefix and suffix kept in the name, as the vCard import does with N.
        name = clean(_cell(row, full)) or clean(joined(
            _cell(row, prefix), _cell(row, given), _cell(row, middle), _cell(row, family),
            _cell(row, suffix),
        )) or clean(_cell(row, file_as))
        circles = _cell(row, labels)
        tags = circles_of.get(circles)
        if tags is None:
            if len(circles_of) > 4096:
                circles_of.clear()
            tags = circles_of[circles] = google_circles(split_list(circles, _GOOGLE_MANY, clean=clean))
        tags = list(tags)  # the contact's own: a merge extends it
        pairs: list[tuple[str, str]] = []
        found_emails = labelled(row, emails, split_emails, clean, pairs)
        found_phones = labelled(row, phones, split_many, clean, pairs)
        found_addresses = postal(row, clean) if addresses else []
        urls = [u for c in websites for u in split_many(row[c], clean=clean)] if websites else []
        contact = NewContact(
            name=name,
            nickname=clean(_cell(row, nickname)),
            emails=found_emails,
            phones=found_phones,
            org=clean(_cell(row, org)),
            role=clean(_cell(row, role)),
            location=clean(", ".join(v for v in (_cell(row, city), _cell(row, country)) if v.strip()))
            or clean(_cell(row, location)),
            tags=tags,
            notes=(text if clean is line else str.strip)(_cell(row, notes)),
        )
        if pairs or found_addresses or urls:
            contact.details = Details(tuple(found_addresses), tuple(urls), tuple(pairs))
        raw = _cell(row, birthday)
        if raw in birthdays:
            contact.birthday = birthdays[raw]
            return contact, []
        warnings = _with_birthday(contact, raw, today, None)
        if not warnings:
            birthdays[raw] = contact.birthday
        return contact, warnings

    return read


def _outlook(cols: Columns, today: date, *, day_first: bool):
    """Outlook's rows; `cols` in English (outlook_columns), `day_first` for a localized file."""
    given = cols.get("first name")
    middle = cols.get("middle name")
    family = cols.get("last name")
    suffix = cols.get("suffix")
    nickname = cols.get("nickname")
    org = cols.get("company")
    role = cols.get("job title")
    birthday = cols.get("birthday")
    notes = cols.get("notes")
    categories = cols.get("categories")
    city = cols.get("business city", "home city", "other city")
    # (address column, its "E-mail Type" column, its "E-mail Display Name" column)
    emails = [
        (address, cols.get(f"{prefix} type"), cols.get(f"{prefix} display name"))
        for prefix, address in (
            ("e-mail", cols.get("e-mail address")),
            ("e-mail 2", cols.get("e-mail 2 address")),
            ("e-mail 3", cols.get("e-mail 3 address")),
        ) if address is not None
    ]

    def addresses(row: list[str], warnings: list[str]) -> list[str]:
        found = []
        for address, kind, display in emails:
            value = row[address].strip()
            if not value:
                continue
            if _cell(row, kind).strip().upper() == "EX" or is_exchange_address(value):
                # Outlook's Exchange directory path; the display name often holds the
                # SMTP address ("Anna Berg (anna@contoso.com)").
                smtp = re.search(r"[^\s()<>\"',;]+@[^\s()<>\"',;]+\.[^\s()<>\"',;]+",
                                 _cell(row, display))
                if smtp:
                    found.append(smtp[0])
                else:
                    warnings.append("e-mail: an Exchange address (/o=…), not an e-mail address; "
                                    "not imported")
                continue
            found.extend(split_emails(value))
        return found
    phones = cols.matching(r".*(phone|telefon|mobil|handy).*",
                           exclude=r"fax|assistant|assistent|tty|pager|hörbehinderte")
    display = cols.get("display name", "name")

    def read(row: list[str]):
        name = line(joined(_cell(row, given), _cell(row, middle), _cell(row, family),
                           _cell(row, suffix))) or line(_cell(row, display))
        warnings: list[str] = []
        contact = NewContact(
            name=name,
            nickname=line(_cell(row, nickname)),
            emails=addresses(row, warnings),
            phones=[line(row[c]) for c in phones if row[c].strip()],
            org=line(_cell(row, org)),
            role=line(_cell(row, role)),
            location=line(_cell(row, city)),
            tags=split_list(_cell(row, categories), r"[;,]"),
            notes=text(_cell(row, notes)),
        )
        # Outlook writes dates in the exporting machine's locale: US month-first, a
        # localized Outlook day-first.
        return contact, warnings + _with_birthday(contact, _cell(row, birthday), today,
                                                  "day" if day_first else "month")

    return read


def _linkedin(cols: Columns):
    given, family = cols.get("first name"), cols.get("last name")
    email, org, role = cols.get("email address"), cols.get("company"), cols.get("position")
    url, connected = cols.get("url"), cols.get("connected on")

    def read(row: list[str]) -> NewContact:
        since = line(_cell(row, connected))
        profile = line(_cell(row, url))
        return NewContact(
            name=line(joined(_cell(row, given), _cell(row, family))),
            emails=split_emails(_cell(row, email)),
            org=line(_cell(row, org)),
            role=line(_cell(row, role)),
            met=f"LinkedIn connection since {since}" if since else "",
            # Kept as text only: kontakt never fetches a profile.
            notes=f"LinkedIn: {profile}" if profile else "",
        )

    return read


def _thunderbird(cols: Columns, today: date):
    """Thunderbird's rows: its birthday is three columns (year, month, day), its addresses
    have parts, its phones are work, home and mobile."""
    given, family, display = cols.get("first name"), cols.get("last name"), cols.get("display name")
    nickname, org, role = cols.get("nickname"), cols.get("organization"), cols.get("job title")
    notes = cols.get("notes")
    emails = [c for c in (cols.get("primary email"), cols.get("secondary email")) if c is not None]
    phones = [(c, label) for name, label in (("mobile number", "mobile"), ("work phone", "work"),
                                             ("home phone", "home"))
              if (c := cols.get(name)) is not None]
    urls = [c for c in (cols.get("web page 1"), cols.get("web page 2")) if c is not None]
    places = [(label, [cols.get(f"{label} {part}") for part in
                       ("address", "address 2", "city", "state", "zipcode", "country")])
              for label in ("work", "home")]
    year, month, day = cols.get("birth year"), cols.get("birth month"), cols.get("birth day")

    def read(row: list[str]):
        name = line(joined(_cell(row, given), _cell(row, family))) or line(_cell(row, display))
        found_phones, pairs = [], []
        for column, label in phones:
            if number := line(row[column]):
                found_phones.append(number)
                pairs.append((number, label))
        addresses, location = [], ""
        for label, columns in places:
            street, street2, city, state, postcode, country = (line(_cell(row, c)) for c in columns)
            address = Address(label, street=", ".join(p for p in (street, street2) if p),
                              locality=city, region=state, postcode=postcode, country=country)
            if not address.empty:
                addresses.append(address)
                location = location or city
        contact = NewContact(
            name=name,
            nickname=line(_cell(row, nickname)),
            emails=[e for c in emails for e in split_emails(row[c])],
            phones=found_phones,
            org=line(_cell(row, org)),
            role=line(_cell(row, role)),
            location=location,
            notes=text(_cell(row, notes)),
        )
        web = [u for c in urls if (u := line(row[c]))]
        if pairs or addresses or web:
            contact.details = Details(tuple(addresses), tuple(web), tuple(pairs))
        parts = [line(_cell(row, c)) for c in (year, month, day)]
        if not (parts[1] or parts[2]):
            return contact, []
        # Written back as a date the shared reader knows: 1984-06-21, or --06-21 without a year.
        raw = (f"{parts[0]}-" if parts[0] else "--") + f"{parts[1].zfill(2)}-{parts[2].zfill(2)}"
        return contact, _with_birthday(contact, raw, today, None)

    return read


def unneutralise(cell: str) -> str:
    """Undo the `'` kontakt's CSV export puts before a cell a spreadsheet would run."""
    return cell[1:] if cell.startswith("'") else cell


def _kontakt(cols: Columns, today: date):
    def get(row: list[str], name: str) -> str:
        column = cols.get(name)
        return unneutralise(row[column]) if column is not None else ""

    def read(row: list[str]):
        warnings: list[str] = []
        contact = NewContact(
            name=line(get(row, "name")),
            nickname=line(get(row, "nickname")),
            emails=split_emails(get(row, "emails")),
            # Split on "; " exactly, the separator `export csv` writes: a phone with an
            # extension ("+1 555 0100;ext=7") or a circle named "A;B" survives the round trip.
            phones=split_list(get(row, "phones"), LIST_SEPARATOR),
            org=line(get(row, "org")),
            role=line(get(row, "role")),
            location=line(get(row, "location")),
            met=text(get(row, "met")),
            tags=split_list(get(row, "tags"), LIST_SEPARATOR),
            notes=text(get(row, "notes")),
            archived=get(row, "archived").strip().lower() in ("true", "yes", "1"),
            uid=line(get(row, "uid")) or None,
            created_at=_timestamp(get(row, "created_at")),
            updated_at=_timestamp(get(row, "updated_at")),
        )
        warnings += _with_birthday(contact, get(row, "birthday"), today, None)
        cadence = get(row, "cadence").strip()
        if cadence:
            contact.cadence = Cadence.parse(cadence)
        contact.details = detail_cells(get(row, "addresses"), get(row, "urls"), get(row, "labels"),
                                       LIST_SEPARATOR)
        if channel := get(row, "channel").strip():
            try:
                contact.channel = check_channel(channel)
            except ActivityError as error:
                warnings.append(f"channel: {error}; imported without it")
        return contact, warnings

    return read


def _timestamp(value: str) -> str | None:
    from datetime import datetime

    value = value.strip()
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).isoformat()
    except ValueError:
        return None


def parse_mapping(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """--map COLUMN=FIELD options as {column: field}; raises ValueError naming a bad one."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        column, sep, target = pair.rpartition("=")
        target = target.strip().lower().replace("-", "_")
        target = {"email": "emails", "phone": "phones", "tag": "tags", "note": "notes",
                  "organisation": "org", "organization": "org", "company": "org",
                  "title": "role"}.get(target, target)
        if not sep or not column.strip():
            raise ValueError(f"--map {pair!r}: write it as COLUMN=FIELD, e.g. --map 'Full Name=name'")
        if target not in FIELDS:
            raise ValueError(f"--map {pair!r}: unknown field {target!r}; use one of {', '.join(FIELDS)}")
        mapping[column.strip()] = target
    return mapping


def _unread_columns(header: list[str], mapping: dict[str, str]) -> list[str]:
    """The header's named columns that neither an alias nor --map makes a field."""
    mapped = {_norm(c) for c in mapping}
    return [cell.strip() for cell in header
            if _norm(cell) and _norm(cell) not in mapped and _norm(cell) not in _ALIASES]


def _generic(cols: Columns, mapping: dict[str, str], today: date, slashed: str | None = None):
    targets: dict[str, list[int]] = {}
    mapped_norms = {_norm(c): f for c, f in mapping.items()}
    for norm, original in cols.by_norm.items():
        field_name = mapped_norms.get(norm) or _ALIASES.get(norm)
        if field_name:
            targets.setdefault(field_name, []).append(original)

    def values(row: list[str], name: str) -> list[str]:
        return [row[c] for c in targets.get(name, []) if row[c].strip()]

    def first(row: list[str], name: str) -> str:
        found = values(row, name)
        return found[0] if found else ""

    def read(row: list[str]):
        family = first(row, "last_name")
        if _EAST_ASIAN_NAME.search(family):
            # Japanese, Chinese and Korean names are written family name first: 佐藤 太郎.
            parts = (family, first(row, "first_name"), first(row, "middle_name"))
        else:
            parts = (first(row, "first_name"), first(row, "middle_name"), family)
        name = line(first(row, "name")) or line(joined(*parts))
        contact = NewContact(
            name=name,
            nickname=line(first(row, "nickname")),
            emails=[e for v in values(row, "emails") for e in split_emails(v)],
            phones=[p for v in values(row, "phones") for p in split_list(v, r"\s*:::\s*|;")],
            org=line(first(row, "org")),
            role=line(first(row, "role")),
            location=line(first(row, "location")),
            met=text(first(row, "met")),
            tags=[t for v in values(row, "tags") for t in split_list(v, r"\s*:::\s*|[;,]")],
            notes="\n\n".join(text(v) for v in values(row, "notes")),
        )
        warnings = _with_birthday(contact, first(row, "birthday"), today, slashed)
        cadence = first(row, "cadence").strip()
        if cadence:
            try:
                contact.cadence = Cadence.parse(cadence)
            except CadenceError as error:
                warnings.append(f"cadence: {error}; imported without it")
        return contact, warnings

    return read
