"""Schema migrations: append-only, numbered, one transaction each.

`PRAGMA user_version` holds how many have run. Never edit a migration that has shipped;
add a new `m00N_…` function and append it to MIGRATIONS.
"""

from __future__ import annotations

import re

from .driver import sqlite3
from collections.abc import Callable, Iterable
# typing costs ~1.5 ms at start-up; the quick paths (kontakt.quick) import this module.
TYPE_CHECKING = False

if TYPE_CHECKING:  # imported lazily at migration time: it costs ~50 ms at start-up
    from sqlite_utils import Database

# The FTS tokenizer folds diacritics ("muller" finds "Müller") and case.
FTS_TOKENIZER = "unicode61 remove_diacritics 2"
# The searched columns of `contacts` as m001 indexed them; m005 adds `search_folded`.
FTS_COLUMNS_V1 = ["name", "nickname", "org", "emails", "tags", "notes"]
FTS_COLUMNS = [*FTS_COLUMNS_V1, "search_folded"]
# The stored columns of `contacts` (what a row read for a Contact needs). Never `SELECT *`
# from contacts: that also computes m005's generated search columns, ~4 s more at 100k rows.
CONTACT_COLUMNS = (
    "id, uid, name, sort_key, nickname, emails, phones, org, role, location, met, birthday, "
    "tags, notes, cadence, archived, created_at, updated_at, deleted_at, last_contact, next_due, "
    "details, channel"
)

# Stored, but kept by the store for its own queries, never read into a Contact (m019).
DERIVED_CONTACT_COLUMNS = ("cadence_circle",)


def contact_columns(alias: str) -> str:
    """CONTACT_COLUMNS qualified with a table alias (`c.id, c.uid, …`)."""
    return ", ".join(f"{alias}.{name.strip()}" for name in CONTACT_COLUMNS.split(","))


def m001_initial(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE contacts (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,          -- stable across exports (vCard UID, ics)
            name TEXT NOT NULL,
            sort_key TEXT NOT NULL,            -- folded name: ordering and REF lookup
            nickname TEXT NOT NULL DEFAULT '',
            emails TEXT NOT NULL DEFAULT '[]', -- JSON list, in the order given
            phones TEXT NOT NULL DEFAULT '[]', -- JSON list
            org TEXT NOT NULL DEFAULT '',
            role TEXT NOT NULL DEFAULT '',
            location TEXT NOT NULL DEFAULT '',
            met TEXT NOT NULL DEFAULT '',
            birthday TEXT,                     -- 'YYYY-MM-DD' or year-less '--MM-DD'
            tags TEXT NOT NULL DEFAULT '[]',   -- JSON copy of memberships, for search and lists
            notes TEXT NOT NULL DEFAULT '',
            cadence TEXT,                      -- the contact's own cadence, 'every 2 weeks'
            archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            deleted_at TEXT,                   -- set when in the trash
            last_contact TEXT,                 -- materialised: latest interaction date
            next_due TEXT                      -- materialised: last_contact + effective cadence
        );
        CREATE INDEX contacts_by_name ON contacts (archived, sort_key, id)
            WHERE deleted_at IS NULL;
        CREATE INDEX contacts_by_next_due ON contacts (next_due)
            WHERE next_due IS NOT NULL AND archived = 0 AND deleted_at IS NULL;
        CREATE INDEX contacts_by_birthday ON contacts (substr(birthday, -5))
            WHERE birthday IS NOT NULL AND deleted_at IS NULL;

        CREATE TABLE circles (
            name TEXT PRIMARY KEY COLLATE NOCASE,
            cadence TEXT,
            position INTEGER NOT NULL DEFAULT 0, -- closeness: lower is closer (ranking ties)
            description TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        );
        CREATE TABLE memberships (
            contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            circle TEXT NOT NULL COLLATE NOCASE
        REFERENCES circles (name) ON DELETE CASCADE ON UPDATE CASCADE,
            PRIMARY KEY (contact_id, circle)
        ) WITHOUT ROWID;
        CREATE INDEX memberships_by_circle ON memberships (circle, contact_id);

        CREATE TABLE interactions (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            date TEXT NOT NULL,
            kind TEXT NOT NULL
                CHECK (kind IN ('call', 'meeting', 'message', 'email', 'event', 'other')),
            note TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        );
        CREATE INDEX interactions_by_date ON interactions (date);
        CREATE TABLE interaction_contacts (
            interaction_id INTEGER NOT NULL REFERENCES interactions (id) ON DELETE CASCADE,
            contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            PRIMARY KEY (interaction_id, contact_id)
        ) WITHOUT ROWID;
        CREATE INDEX interaction_contacts_by_contact
            ON interaction_contacts (contact_id, interaction_id);

        CREATE TABLE favours (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            direction TEXT NOT NULL CHECK (direction IN ('given', 'received')),
            description TEXT NOT NULL,
            kind TEXT NOT NULL
                CHECK (kind IN ('advice', 'introduction', 'help', 'referral', 'gift', 'other')),
            weight INTEGER NOT NULL DEFAULT 1 CHECK (weight BETWEEN 1 AND 3),
            date TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'returned', 'let go')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX favours_by_contact ON favours (contact_id, date);
        CREATE INDEX favours_open_received ON favours (date)
            WHERE direction = 'received' AND status = 'open';

        CREATE TABLE introductions (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            contact_a INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            contact_b INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            date TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            outcome TEXT NOT NULL DEFAULT '',
            outcome_on TEXT,
            created_at TEXT NOT NULL,
            CHECK (contact_a <> contact_b)
        );
        CREATE INDEX introductions_by_a ON introductions (contact_a);
        CREATE INDEX introductions_by_b ON introductions (contact_b);
        CREATE INDEX introductions_by_date ON introductions (date) WHERE outcome = '';

        CREATE TABLE follow_ups (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            due TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            recurrence TEXT,                   -- a cadence text, or NULL for one-off
            anchor TEXT,                       -- first due date of a recurring series
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
            snoozed_until TEXT,
            done_on TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX follow_ups_by_contact ON follow_ups (contact_id);
        CREATE INDEX follow_ups_open_by_due ON follow_ups (due) WHERE status = 'open';

        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """
    )
    _create_contact_search(db)


def _create_contact_search(
    db: Database, prefix: str | None = None, fts_columns: list[str] | None = None
) -> None:
    """FTS5 over the searched columns, kept in step by triggers.

    This is what `enable_fts(create_triggers=True)` builds, written out because its
    executescript() would commit the migration's transaction half-way. The update
    trigger fires only when a searched column changes: logging a call updates
    last_contact/next_due and should not rewrite the search index each time.
    """
    indexed = FTS_COLUMNS_V1 if fts_columns is None else fts_columns
    columns = ", ".join(indexed)
    old = ", ".join(f"old.{c}" for c in indexed)
    new = ", ".join(f"new.{c}" for c in indexed)
    # Only stored columns can be named in UPDATE OF; a generated one follows its sources.
    watched = ", ".join(c for c in indexed if c in FTS_COLUMNS_V1)
    prefix_option = f" prefix='{prefix}'," if prefix else ""
    run_script(
        db,
        f"""
        CREATE VIRTUAL TABLE contacts_fts USING FTS5 (
            {columns}, tokenize='{FTS_TOKENIZER}',{prefix_option} content="contacts"
        );
        CREATE TRIGGER contacts_ai AFTER INSERT ON contacts BEGIN
          INSERT INTO contacts_fts (rowid, {columns}) VALUES (new.rowid, {new});
        END;
        CREATE TRIGGER contacts_ad AFTER DELETE ON contacts BEGIN
          INSERT INTO contacts_fts (contacts_fts, rowid, {columns}) VALUES ('delete', old.rowid, {old});
        END;
        CREATE TRIGGER contacts_au AFTER UPDATE OF {watched} ON contacts BEGIN
          INSERT INTO contacts_fts (contacts_fts, rowid, {columns}) VALUES ('delete', old.rowid, {old});
          INSERT INTO contacts_fts (rowid, {columns}) VALUES (new.rowid, {new});
        END;
        INSERT INTO contacts_fts (contacts_fts) VALUES ('rebuild');
        """,
    )


def _drop_contact_search(db: Database) -> None:
    run_script(
        db,
        """
        DROP TRIGGER IF EXISTS contacts_ai;
        DROP TRIGGER IF EXISTS contacts_ad;
        DROP TRIGGER IF EXISTS contacts_au;
        DROP TABLE IF EXISTS contacts_fts;
        """,
    )


def run_script(db: Database, script: str) -> None:
    """Run several statements inside the current transaction.

    sqlite3's executescript() commits any open transaction first, which would break
    the one-transaction-per-migration promise; this runs them one by one instead.
    """
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            db.execute(buffer)
            buffer = ""
    if buffer.strip():
        raise ValueError(f"incomplete SQL statement in migration: {buffer.strip()[:60]}")


def m002_review(db: Database) -> None:
    """State of the daily review that the other tables cannot hold: snoozes and skips of
    keep-in-touch, birthday, thank and intro-check items, and when drifting was last offered;
    and covering indexes for the review's walks over who is overdue, favours and follow-ups."""
    run_script(
        db,
        """
        CREATE TABLE review_state (
            kind TEXT NOT NULL,                -- review item kind: 'keep-in-touch', 'birthday', …
            ref_id INTEGER NOT NULL,           -- contact, favour, introduction or follow-up id
            contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            snoozed_until TEXT,                -- hidden before this day
            skipped_on TEXT,                   -- hidden on this day only
            offered_on TEXT,                   -- drifting: the last day it was shown
            PRIMARY KEY (kind, ref_id)
        ) WITHOUT ROWID;
        CREATE INDEX review_state_by_contact ON review_state (contact_id);

        -- contacts_by_next_due plus what "how overdue relative to the cadence" reads, so
        -- ranking everyone due never touches the table (measured at 100k contacts: 5x faster).
        CREATE INDEX contacts_by_overdue
            ON contacts (next_due, last_contact, created_at, archived, deleted_at)
            WHERE next_due IS NOT NULL AND archived = 0 AND deleted_at IS NULL;
        -- The same for the thank and follow-up walks (each 2-3x faster at 100k contacts).
        CREATE INDEX favours_open_received_by_contact ON favours (date, contact_id)
            WHERE direction = 'received' AND status = 'open';
        CREATE INDEX follow_ups_open_by_due_contact ON follow_ups (due, contact_id, snoozed_until)
            WHERE status = 'open';
        """,
    )


def m003_dupes(db: Database) -> None:
    """Duplicates: pairs the user said are not the same person, and merges that can be undone.

    A merge record keeps what moved (row ids per table) and the kept contact's columns
    before and after, so `undo_merge` can put every row back where it was.
    """
    run_script(
        db,
        """
        CREATE TABLE dismissed_pairs (
            contact_low INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            contact_high INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            dismissed_at TEXT NOT NULL,
            PRIMARY KEY (contact_low, contact_high),
            CHECK (contact_low < contact_high)
        ) WITHOUT ROWID;
        CREATE INDEX dismissed_pairs_by_high ON dismissed_pairs (contact_high);

        CREATE TABLE merges (
            id INTEGER PRIMARY KEY,
            kept_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            other_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            merged_at TEXT NOT NULL,
            kept_before TEXT NOT NULL,         -- JSON: the kept contact's columns before
            kept_after TEXT NOT NULL,          -- JSON: ... and right after the merge
            moved TEXT NOT NULL                -- JSON: row ids that moved, per table
        );
        CREATE INDEX merges_by_other ON merges (other_id);
        CREATE INDEX merges_by_kept ON merges (kept_id);
        """,
    )


def m004_search_prefixes(db: Database) -> None:
    """Faster search-as-you-type on a big book, and a cheap way to find the trash.

    FTS5 prefix indexes for one- and two-letter prefixes: typing "a" at 100k people
    expanded `"a"*` over every word starting with a (44 ms a pass; 5 ms with the index).
    The partial index makes "who is in the trash" a lookup instead of a table scan.
    """
    _drop_contact_search(db)
    run_script(
        db,
        """
        CREATE INDEX IF NOT EXISTS contacts_in_trash ON contacts (deleted_at)
            WHERE deleted_at IS NOT NULL;
        """,
    )
    _create_contact_search(db, prefix="1 2")


# Letters the index's tokenizer (unicode61 remove_diacritics 2) keeps as they are because
# Unicode gives them no decomposition, with the ASCII people type for them; apostrophes go,
# so "obrien" finds O'Brien. Frozen with m005: a later change is a new migration.
M005_FOLDS = [
    ("Ł", "L"), ("ł", "l"), ("Ø", "O"), ("ø", "o"), ("Đ", "D"), ("đ", "d"), ("Ð", "D"),
    ("ð", "d"), ("ı", "i"), ("Æ", "AE"), ("æ", "ae"), ("Œ", "OE"), ("œ", "oe"), ("Þ", "TH"),
    ("þ", "th"), ("ß", "ss"), ("ẞ", "SS"), ("Ħ", "H"), ("ħ", "h"), ("Ŀ", "L"), ("ŀ", "l"),
    ("ſ", "s"), ("ŉ", "n"), ("ĸ", "k"), ("Ĳ", "IJ"), ("ĳ", "ij"),
    # Greek with tonos and dialytika: the tokenizer folds Latin accents only.
    ("ά", "α"), ("έ", "ε"), ("ή", "η"), ("ί", "ι"), ("ό", "ο"), ("ύ", "υ"), ("ώ", "ω"),
    ("ϊ", "ι"), ("ϋ", "υ"), ("ΐ", "ι"), ("ΰ", "υ"), ("Ά", "Α"), ("Έ", "Ε"), ("Ή", "Η"),
    ("Ί", "Ι"), ("Ό", "Ο"), ("Ύ", "Υ"), ("Ώ", "Ω"), ("Ϊ", "Ι"), ("Ϋ", "Υ"),
    ("'", ""), ("\u2019", ""), ("\u02bc", ""), ("\u2018", ""), ("`", ""),
]


def _folded_sql(expression: str, folds: list[tuple[str, str]]) -> str:
    for old, new in folds:
        quoted_old = old.replace("'", "''")
        expression = f"replace({expression}, '{quoted_old}', '{new}')"
    return expression


def m005_search_folded(db: Database) -> None:
    """Find Łukasz by "lukasz", Søren by "soren", O'Brien by "obrien", Οδυσσέας by "οδυσσεας".

    Virtual generated columns (plain SQL, so the sqlite3 tool and every other writer keep
    them right) hold name, nickname and org with the letters of M005_FOLDS replaced; the
    last one is indexed beside the other columns, so the query side needs no folding of its
    own. The replacements are split over a chain of columns because older SQLite parsers
    (the sqlite3 tool of Debian 12) overflow on ~30 nested calls and could not read the
    schema at all.
    """
    source = "coalesce(name, '') || ' ' || coalesce(nickname, '') || ' ' || coalesce(org, '')"
    chunks = [M005_FOLDS[start : start + 12] for start in range(0, len(M005_FOLDS), 12)]
    names = [f"search_fold{n}" for n in range(1, len(chunks))] + ["search_folded"]
    columns, previous = [], source
    for name, chunk in zip(names, chunks):
        columns.append(
            f"ALTER TABLE contacts ADD COLUMN {name} TEXT "
            f"GENERATED ALWAYS AS ({_folded_sql(previous, chunk)}) VIRTUAL;"
        )
        previous = name
    _drop_contact_search(db)
    run_script(db, "\n".join(columns) + "\n")
    _create_contact_search(db, prefix="1 2", fts_columns=FTS_COLUMNS)


def m006_record_trash(db: Database) -> None:
    """A trash for interactions, favours, follow-ups, introductions and circles.

    A deleted record leaves its table for this one (its rows kept as JSON, restorable
    whole): every list, review, statistic and export that reads those tables hides it
    without a `deleted_at` test in each of their queries.
    """
    run_script(
        db,
        """
        CREATE TABLE trashed_records (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN
                ('interaction', 'favour', 'follow-up', 'introduction', 'circle')),
            ref TEXT NOT NULL,                 -- the record's id, or the circle's name
            label TEXT NOT NULL,               -- one line for `kontakt trash`
            contact_ids TEXT NOT NULL DEFAULT '[]', -- JSON: the people it belongs to
            data TEXT NOT NULL,                -- JSON: its rows as they were
            deleted_at TEXT NOT NULL
        );
        CREATE INDEX trashed_records_by_ref ON trashed_records (kind, ref);
        """,
    )


def m007_undo_history(db: Database) -> None:
    """The undo history (see store/history.py): one row per undoable step, and the inverse
    statements that take each step back, replayed last-first. The recording triggers are
    TEMP (made per connection from the live schema), so nothing else is stored here."""
    run_script(
        db,
        """
        CREATE TABLE undo_steps (
            id INTEGER PRIMARY KEY,            -- in commit order, across every kontakt process
            label TEXT,                        -- what the user did, when the caller said so
            source TEXT NOT NULL DEFAULT '',   -- who made it: 'app', 'kontakt log', ...
            made_at TEXT NOT NULL,
            undone_at TEXT
        );
        CREATE TABLE undo_log (
            seq INTEGER PRIMARY KEY,           -- order within a step; replayed descending
            step INTEGER NOT NULL,
            tbl TEXT NOT NULL,
            op TEXT NOT NULL CHECK (op IN ('I', 'U', 'D')),  -- the change, not its inverse
            contact_id INTEGER,                -- whose row it was: describes the step
            sql TEXT NOT NULL                  -- the inverse statement
        );
        CREATE INDEX undo_log_by_step ON undo_log (step);
        """,
    )


def m008_review_handled(db: Database) -> None:
    """The daily budget: which review items were handled (done, snoozed, skipped, let drift)
    on which day, from the app or the CLI, so a day's cap means a day in every process."""
    run_script(
        db,
        """
        CREATE TABLE review_handled (
            day TEXT NOT NULL,                 -- the review day it was handled on (ISO)
            kind TEXT NOT NULL,                -- review item kind
            ref_id INTEGER NOT NULL,           -- as in review_state
            contact_id INTEGER NOT NULL,       -- kept even if the contact goes: it was handled
            action TEXT NOT NULL,              -- done, snooze, skip, let-drift, settled
            PRIMARY KEY (day, kind, ref_id)
        ) WITHOUT ROWID;
        """,
    )


def m009_relations_journal(db: Database) -> None:
    """Links between two people (partner, colleague, "introduced me to", free text) and a
    dated journal per person. Both hang on contacts: a contact in the trash hides them (every
    read joins on deleted_at), emptying the trash deletes them with the contact."""
    run_script(
        db,
        """
        CREATE TABLE relationships (
            id INTEGER PRIMARY KEY,
            contact_a INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            contact_b INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            kind TEXT NOT NULL,              -- as seen from contact_a: "introduced me to" is a → b
            created_at TEXT NOT NULL,
            CHECK (contact_a <> contact_b)
        );
        CREATE INDEX relationships_by_a ON relationships (contact_a);
        CREATE INDEX relationships_by_b ON relationships (contact_b);
        CREATE TABLE journal (
            id INTEGER PRIMARY KEY,
            contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
            date TEXT NOT NULL,              -- the day the entry is about (ISO)
            text TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX journal_by_contact ON journal (contact_id, date);
        """,
    )


def m010_capture(db: Database) -> None:
    """Capture from calendar and mail (services/capture/): proposed interactions waiting in
    an inbox, keyed so a second scan never proposes them again, and the files already read
    (mtime and size), so a scan of an unchanged 50k-message Maildir reads nothing.

    Working state of this machine's scans, like review_handled: not part of the JSON export
    (the ignore rules, which are the user's, live in `settings` and travel with it)."""
    run_script(
        db,
        """
        CREATE TABLE IF NOT EXISTS capture_proposals (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,          -- 'cal:UID@occurrence', 'mail:thread/day/contact'
            source TEXT NOT NULL CHECK (source IN ('calendar', 'mail')),
            date TEXT NOT NULL,                -- the day it happened (ISO, local time)
            kind TEXT NOT NULL,                -- an interaction kind: meeting, call, message
            direction TEXT CHECK (direction IN ('me', 'them', 'mutual')),  -- who reached out
            contact_ids TEXT NOT NULL,         -- JSON: the matched people
            title TEXT NOT NULL DEFAULT '',    -- the event title (mail subject only if opted in)
            sender TEXT NOT NULL DEFAULT '',   -- the other side's address, for --ignore-sender
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'accepted', 'ignored')),
            interaction_id INTEGER,            -- the interaction an accepted one became
            created_at TEXT NOT NULL,
            decided_at TEXT
        );
        CREATE INDEX IF NOT EXISTS capture_proposals_pending
            ON capture_proposals (date, id) WHERE status = 'pending';
        CREATE TABLE IF NOT EXISTS capture_files (
            path TEXT PRIMARY KEY,             -- a file read by a scan (absolute)
            mtime_ns INTEGER NOT NULL,
            size INTEGER NOT NULL
        ) WITHOUT ROWID;
        """,
    )


def m011_calendar_sync(db: Database) -> None:
    """What kontakt last wrote into each calendar folder (services/calendar_sync.py), by
    iCalendar UID: a hash of what it rendered tells a change in the book, a hash of the
    bytes it wrote tells an edit in the folder (a to-do ticked off on the phone)."""
    run_script(
        db,
        """
        CREATE TABLE IF NOT EXISTS calendar_sync_items (
            folder TEXT NOT NULL,              -- the calendar folder, an absolute path
            uid TEXT NOT NULL,                 -- the object's iCalendar UID
            file TEXT NOT NULL,                -- its file name in the folder
            kind TEXT NOT NULL CHECK (kind IN ('follow-up', 'birthday', 'keep-in-touch')),
            ref TEXT NOT NULL,                 -- the follow-up's or the contact's uid
            content_hash TEXT NOT NULL,        -- what kontakt rendered, time stamps left out
            file_hash TEXT NOT NULL,           -- the bytes kontakt wrote
            synced_at TEXT NOT NULL,
            PRIMARY KEY (folder, uid)
        ) WITHOUT ROWID;
        """,
    )


def m012_fts_content_quoted(db: Database) -> None:
    """Let Datasette and sqlite-utils find the search index.

    They recognise an FTS table by `content="contacts"` (or `[contacts]`) in its declaration;
    earlier migrations wrote `content=contacts`, which SQLite reads the same but they do not.
    The declaration is rewritten in place (whatever columns and prefixes it has now) and
    the index rebuilt from the contacts; a book that already has the quoted form is left alone.
    """
    row = db.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'contacts_fts' AND type = 'table'"
    ).fetchone()
    if row is None or 'content="contacts"' in row[0]:
        return
    quoted, count = re.subn(r"\bcontent\s*=\s*'?contacts'?(?=\s*[,)])", 'content="contacts"', row[0])
    if count != 1:
        raise ValueError(f"m012: cannot read the search index's declaration: {row[0][:80]}")
    # The triggers on contacts name contacts_fts only in their bodies: they outlive the drop
    # and write into the new table, which is made in this same transaction.
    db.execute("DROP TABLE contacts_fts")
    db.execute(quoted)
    db.execute("INSERT INTO contacts_fts (contacts_fts) VALUES ('rebuild')")


def m013_card_details_and_sync(db: Database) -> None:
    """Structured card fields (addresses, URLs, labels of phones and e-mails; JSON read by
    domain/cards.py) and what `kontakt sync` last agreed with each folder about each card:
    the merge base of its three-way merge (services/sync/)."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(contacts)").fetchall()}
    if "details" not in columns:
        db.execute("ALTER TABLE contacts ADD COLUMN details TEXT NOT NULL DEFAULT '{}'")
    run_script(
        db,
        """
        CREATE TABLE IF NOT EXISTS sync_cards (
            folder TEXT NOT NULL,              -- the vdir's absolute path
            uid TEXT NOT NULL,                 -- the card's (and the contact's) uid
            file TEXT NOT NULL,                -- its file name inside the folder
            hash TEXT NOT NULL,                -- sha256 of the file as last read or written
            fields TEXT NOT NULL,              -- the synced fields then (JSON): the merge base
            synced_at TEXT NOT NULL,
            PRIMARY KEY (folder, uid)
        ) WITHOUT ROWID;
        """,
    )


def m014_ref_lookup_index(db: Database) -> None:
    """REF lookups (`show NAME`, every command's REF) read an index, not the table.

    `Book.find` looks for the folded REF inside each name, nickname and email list, in name
    order, stopping at 51. With these columns in one index SQLite walks the index alone in
    that order: at 100k people 35-50 ms instead of 330-550 ms reading every wide row (notes).
    sort_key leads, not archived: an index led by archived and covering deleted_at made
    SQLite start the review's follow-up count from contacts (today --json 0.3 s -> 10 s).
    """
    run_script(
        db,
        """
        CREATE INDEX IF NOT EXISTS contacts_by_ref
            ON contacts (sort_key, id, archived, deleted_at, nickname, emails);
        """,
    )


def m015_let_drift(db: Database) -> None:
    """Letting someone drift becomes an explicit opt-out from every cadence (a review_state
    row of kind 'let-drift'; services/review.py let_drift). Before, a circle member let drift
    was hidden from the review by a snooze until 9999-12-31 while `show` and `list` still
    called them due: those snoozes become opt-outs and their due date goes."""
    run_script(
        db,
        """
        INSERT INTO review_state (kind, ref_id, contact_id, snoozed_until, skipped_on, offered_on)
            SELECT 'let-drift', ref_id, contact_id, NULL, NULL, NULL FROM review_state
             WHERE kind = 'keep-in-touch' AND snoozed_until = '9999-12-31'
            ON CONFLICT (kind, ref_id) DO NOTHING;
        DELETE FROM review_state
         WHERE kind IN ('keep-in-touch', 'drifting') AND snoozed_until = '9999-12-31';
        UPDATE contacts SET next_due = NULL
         WHERE next_due IS NOT NULL AND id IN (SELECT ref_id FROM review_state WHERE kind = 'let-drift');
        """,
    )


def m016_ledger_loops(db: Database) -> None:
    """Close the ledger's loops: a favour received knows when it was thanked (only an explicit
    thank-you clears the review's prompt), an introduction has a result (worked, fizzled,
    unknown) and whether both were asked first, an interaction says who reached out and
    whether it was the thanks, a contact has a preferred channel.

    Favours received before this version that a later interaction already "answered" (the old
    rule) count as thanked on that day, so upgrading brings back no stale prompts; outcomes
    noted before are answered as 'unknown' (the app stored "checked": no note at all).
    Idempotent: a column already there is left as it is, and so is its data.
    """
    new_columns = [
        ("favours", "thanked_on", "TEXT"),
        ("introductions", "result", "TEXT CHECK (result IN ('worked', 'fizzled', 'unknown'))"),
        ("introductions", "asked_first", "INTEGER NOT NULL DEFAULT 0 CHECK (asked_first IN (0, 1))"),
        ("interactions", "reached_out", "TEXT CHECK (reached_out IN ('me', 'them', 'mutual'))"),
        ("interactions", "thanks", "INTEGER NOT NULL DEFAULT 0 CHECK (thanks IN (0, 1))"),
        ("contacts", "channel", "TEXT"),
    ]
    added = set()
    for table, column, declaration in new_columns:
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})").fetchall()}
        if column not in present:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
            added.add(column)
    if "result" in added:
        run_script(db, """
        UPDATE introductions
           SET result = 'unknown', outcome = CASE WHEN outcome = 'checked' THEN '' ELSE outcome END
         WHERE outcome <> '';
        """)
    if "thanked_on" in added:
        run_script(db, """
        UPDATE favours SET thanked_on = (
                SELECT min(i.date) FROM interaction_contacts ic
                  JOIN interactions i ON i.id = ic.interaction_id
                 WHERE ic.contact_id = favours.contact_id AND i.date > favours.date)
         WHERE direction = 'received';
        """)
    run_script(
        db,
        """
        CREATE INDEX IF NOT EXISTS favours_to_thank ON favours (date, contact_id)
            WHERE direction = 'received' AND status = 'open' AND thanked_on IS NULL;
        CREATE INDEX IF NOT EXISTS introductions_unanswered ON introductions (date)
            WHERE result IS NULL;
        -- The review's "give back" nets the last year's open favours and introductions.
        CREATE INDEX IF NOT EXISTS favours_open_by_date
            ON favours (date, contact_id, direction, weight) WHERE status = 'open';
        CREATE INDEX IF NOT EXISTS introductions_by_day ON introductions (date, contact_a, contact_b);
        """,
    )


# The REF index (m017): a trigram index over what a REF is looked for in, kept in step by
# these triggers. Frozen with m017 (health.py re-creates them from here): a change is a new
# migration. Only a change of these columns (or of the id) rewrites a contact's entry.
REF_INDEX = "contacts_fts_ref"
REF_INDEX_COLUMNS = ("sort_key", "nickname", "emails")
# What the index reads (its external content): each value ends in a newline, so a two-letter
# REF at the very end of one ("zz" of "Jazz", '"]' of every email list) starts a trigram too.
REF_INDEX_TEXT = "contacts_ref_text"
_REF_COLUMNS = ", ".join(REF_INDEX_COLUMNS)


def _ref_values(row: str) -> str:
    return ", ".join(f"{row}.{column} || char(10)" for column in REF_INDEX_COLUMNS)


REF_INDEX_VIEW = (
    f"CREATE VIEW IF NOT EXISTS {REF_INDEX_TEXT} (id, {_REF_COLUMNS}) AS "
    f"SELECT id, {_ref_values('contacts')} FROM contacts"
)
# content= names the view, not contacts: Datasette and sqlite-utils take the first FTS table
# declaring content="contacts" as *the* search index of contacts, and that is contacts_fts.
REF_INDEX_TABLE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {REF_INDEX} USING FTS5 ({_REF_COLUMNS}, "
    f"tokenize='trigram', detail='none', content={REF_INDEX_TEXT}, content_rowid='id')"
)
REF_INDEX_TRIGGERS = {
    "contacts_ref_ai": (
        f"CREATE TRIGGER IF NOT EXISTS contacts_ref_ai AFTER INSERT ON contacts BEGIN "
        f"INSERT INTO {REF_INDEX} (rowid, {_REF_COLUMNS}) VALUES (new.id, {_ref_values('new')}); END"
    ),
    "contacts_ref_ad": (
        f"CREATE TRIGGER IF NOT EXISTS contacts_ref_ad AFTER DELETE ON contacts BEGIN "
        f"INSERT INTO {REF_INDEX} ({REF_INDEX}, rowid, {_REF_COLUMNS}) "
        f"VALUES ('delete', old.id, {_ref_values('old')}); END"
    ),
    "contacts_ref_au": (
        f"CREATE TRIGGER IF NOT EXISTS contacts_ref_au AFTER UPDATE OF id, {_REF_COLUMNS} ON contacts "
        "WHEN old.id IS NOT new.id OR old.sort_key IS NOT new.sort_key "
        "OR old.nickname IS NOT new.nickname OR old.emails IS NOT new.emails BEGIN "
        f"INSERT INTO {REF_INDEX} ({REF_INDEX}, rowid, {_REF_COLUMNS}) "
        f"VALUES ('delete', old.id, {_ref_values('old')}); "
        f"INSERT INTO {REF_INDEX} (rowid, {_REF_COLUMNS}) VALUES (new.id, {_ref_values('new')}); END"
    ),
}


def m017_ref_trigram(db: Database) -> None:
    """REF lookups (`show NAME`, every command's REF) find their candidates in an index.

    `Book.find` looks for the folded REF *inside* names, nicknames and emails, which no
    B-tree can answer: m014's index made the walk cheaper, but a REF matching one person
    still read all 100k index entries (75 ms). A trigram FTS5 index over the same three
    columns (external content, read through a view: the text stays in contacts; detail='none':
    rowids only, ~6 MB at 100k people) gives every row holding the REF's trigrams; Book.find
    checks those few rows with the walk's own test, so the answer is the same. Idempotent:
    the view, table and triggers are made only when missing, and the index is (re)built.
    """
    db.execute(REF_INDEX_VIEW)
    db.execute(REF_INDEX_TABLE)
    for trigger in REF_INDEX_TRIGGERS.values():
        db.execute(trigger)
    db.execute(f"INSERT INTO {REF_INDEX} ({REF_INDEX}) VALUES ('rebuild')")


def m018_today_indexes(db: Database) -> None:
    """Indexes the daily review walks instead of the wide contacts table (issue 19).

    contacts_by_circle_due holds what a circle's Today prompt needs of everyone whose cadence
    can only come from a circle (no own cadence, due, active), in id order: the circle groups
    are one pass over it instead of one wide-row read per membership and circle (100k people:
    ~160 -> ~55 ms CPU). contacts_uncadenced_by_last holds the people no cadence applies to
    in the order the cadence suggestion looks for them (most recently seen first), so that
    search stops after fifty instead of sorting the book (22 -> 0.2 ms).
    contacts_by_birthday_active is contacts_by_birthday for active people with their id:
    the week's birthdays are ranked without reading each one's wide row (6-10 -> 2 ms).
    """
    run_script(
        db,
        """
        CREATE INDEX IF NOT EXISTS contacts_by_circle_due
            ON contacts (id, next_due, last_contact, created_at)
            WHERE cadence IS NULL AND next_due IS NOT NULL AND archived = 0 AND deleted_at IS NULL;
        CREATE INDEX IF NOT EXISTS contacts_uncadenced_by_last
            ON contacts (last_contact DESC, id)
            WHERE next_due IS NULL AND last_contact IS NOT NULL AND archived = 0
              AND deleted_at IS NULL;
        CREATE INDEX IF NOT EXISTS contacts_by_birthday_active
            ON contacts (substr(birthday, -5), id)
            WHERE birthday IS NOT NULL AND deleted_at IS NULL AND archived = 0;
        """,
    )

# How long a keep-in-touch cadence is, in days, as the review's overdue ratio divides by it
# (store/review_queries.py _OVERDUE_RATIO): from the day it counts from to the due date.
DUE_SPAN = ("max(1.0, julianday(next_due) - julianday(coalesce(last_contact, "
            "substr(created_at, 1, 10))))")


def m019_cadence_circle(db: Database) -> None:
    """Each person's applying circle is stored with their due date (issue 19: today --brief).

    `contacts.cadence_circle` names the circle whose cadence is the person's (see
    store/cadence_circles.py for the rule and who keeps it right). contacts_by_cadence_circle
    holds each circle's people by the length of their cadence, then due date: a circle's
    Today prompt counts them from there instead of joining every cadence-less person's
    memberships (100k people: ~50 -> ~5 ms CPU); it replaces m018's contacts_by_circle_due.
    contacts_by_due_span holds everyone due the same way: for one length, the earliest due
    is the most overdue, so the keep-in-touch ranking and a circle's most overdue member are
    read from the first rows of each length (16 lengths at 100k) instead of computing the
    ratio for every overdue person (~10 -> ~1 ms). SQLite keeps the length right by itself
    (an index on an expression of the row). Idempotent.
    """
    from .cadence_circles import refresh

    present = {row[1] for row in db.execute("PRAGMA table_info(contacts)").fetchall()}
    if "cadence_circle" not in present:
        db.execute("ALTER TABLE contacts ADD COLUMN cadence_circle TEXT COLLATE NOCASE")
    refresh(db.conn)
    run_script(
        db,
        f"""
        CREATE INDEX IF NOT EXISTS contacts_by_cadence_circle
            ON contacts (cadence_circle, {DUE_SPAN}, next_due, last_contact, created_at)
            WHERE cadence_circle IS NOT NULL AND next_due IS NOT NULL AND archived = 0
              AND deleted_at IS NULL;
        CREATE INDEX IF NOT EXISTS contacts_by_due_span
            ON contacts ({DUE_SPAN}, next_due, cadence_circle, last_contact, created_at)
            WHERE next_due IS NOT NULL AND archived = 0 AND deleted_at IS NULL;
        DROP INDEX IF EXISTS contacts_by_circle_due;
        """,
    )


def m020_sort_key_base_letters(db: Database) -> None:
    """Every sort_key computed again with fold() as it is now: it folds Ł, Ø, Þ, Đ, Æ, Œ,
    ı and a few more to their base letters (domain.text.BASE_LETTERS), so those names sort
    among their letters instead of after Z, and a REF typed without them finds them. Only
    rows whose key changes are written; the REF index follows through its update trigger.
    Idempotent."""
    refresh_sort_keys(db.conn)


def refresh_sort_keys(conn: sqlite3.Connection, ids: Iterable[int] | None = None) -> int:
    """sort_key = fold(name) for the contacts `ids` (everyone when None) whose key is not
    that: after m020, and after an undo or a merge's undo puts back a key stored before it.
    Returns how many changed."""
    from ..domain.text import fold

    if ids is None:
        rows = conn.execute("SELECT id, name, sort_key FROM contacts").fetchall()
    else:
        rows = [row for id in ids for row in conn.execute(
            "SELECT id, name, sort_key FROM contacts WHERE id = ?", (id,))]
    changed = [(key, row[0]) for row in rows if (key := fold(row[1])) != row[2]]
    if changed:
        conn.executemany("UPDATE contacts SET sort_key = ? WHERE id = ?", changed)
    return len(changed)


MIGRATIONS: list[Callable[[Database], None]] = [
    m001_initial,
    m002_review,
    m003_dupes,
    m004_search_prefixes,
    m005_search_folded,
    m006_record_trash,
    m007_undo_history,
    m008_review_handled,
    m009_relations_journal,
    m010_capture,
    m011_calendar_sync,
    m012_fts_content_quoted,
    m013_card_details_and_sync,
    m014_ref_lookup_index,
    m015_let_drift,
    m016_ledger_loops,
    m017_ref_trigram,
    m018_today_indexes,
    m019_cadence_circle,
    m020_sort_key_base_letters,
]

LATEST_VERSION = len(MIGRATIONS)
