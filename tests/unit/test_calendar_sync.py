"""The calendar folder (vdir) sync: to-dos and birthdays written one per file, a to-do ticked
off or moved in the folder reaches the book, deletions pass both ways, nothing foreign touched."""

from __future__ import annotations

import stat
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from icalendar import Calendar

from kontakt.domain import Birthday, Cadence
from kontakt.services.calendar_sync import CalendarSyncError, sync_calendar_dir
from kontakt.store.records import trash_follow_up, trashed_records

AS_OF = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)


def sync(book, folder, *, today=AS_OF, dry_run=False, keep_in_touch=False):
    now = datetime.combine(today, NOW.time(), timezone.utc)
    return sync_calendar_dir(book, folder, dry_run=dry_run, keep_in_touch=keep_in_touch,
                             today=today, now=now)


def components(folder: Path) -> list:
    """The one component of each file (every file must hold exactly one, named by its UID)."""
    found = []
    for path in sorted(folder.glob("*.ics")):
        parsed = Calendar.from_ical(path.read_bytes())
        [item] = [c for c in parsed.subcomponents if c.name in ("VTODO", "VEVENT")]
        assert path.name == f"{item['UID']}.ics"
        found.append(item)
    return found


def objects(folder: Path) -> dict[str, object]:
    """SUMMARY → component, for folders where summaries are unique."""
    found = {str(item["SUMMARY"]): item for item in components(folder)}
    assert len(found) == len(components(folder))
    return found


def to_dos(folder: Path) -> list:
    return [c for c in components(folder) if c.name == "VTODO"]


def file_of(folder: Path, summary: str) -> Path:
    return folder / f"{objects(folder)[summary]['UID']}.ics"


def edit(path: Path, old: str, new: str) -> None:
    """What a phone does through vdirsyncer: the server's version lands in the file."""
    text = path.read_bytes().decode()
    assert old in text
    path.write_bytes(text.replace(old, new).encode())



@pytest.fixture
def people(book):
    olga = book.add_contact("Olga", today=AS_OF, cadence=Cadence(1, "month"), birthday=Birthday(2, 29, 1988))
    rafael = book.add_contact("Rafael", today=AS_OF, birthday=Birthday(11, 25))
    return olga, rafael


def test_first_sync_writes_one_private_file_per_object_and_the_second_changes_nothing(book, people, tmp_path):
    olga, _ = people
    book.add_follow_up(olga, due=date(2026, 12, 3), note="ask about Graz")
    folder = tmp_path / "calendar"

    report = sync(book, folder)

    assert len(report.written) == 3 and report.updated == report.removed == []
    found = objects(folder)
    assert set(found) == {"Follow up: Olga", "Birthday: Olga", "Birthday: Rafael"}
    todo = found["Follow up: Olga"]
    assert todo.name == "VTODO" and todo["DUE"].dt == date(2026, 12, 3)
    assert str(todo["STATUS"]) == "NEEDS-ACTION" and len(todo.walk("VALARM")) == 1
    assert found["Birthday: Rafael"]["RRULE"]["FREQ"] == ["YEARLY"]
    assert found["Birthday: Olga"]["RRULE"]["BYMONTHDAY"] == [-1]  # 29 Feb → 28 Feb otherwise
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in folder.glob("*.ics"))
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []  # no temp files left
    assert report.lines()[0] == f"calendar {folder}: 3 written"

    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.glob("*.ics")}
    steps = book.conn.execute("SELECT count(*) FROM undo_steps").fetchone()[0]
    again = sync(book, folder, today=AS_OF + timedelta(days=1))
    assert not again.changed and again.lines() == [f"calendar {folder}: nothing to change"]
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.glob("*.ics")} == before
    # Bookkeeping is not a step of the undo history: `kontakt undo` still undoes the user's edit.
    assert book.conn.execute("SELECT count(*) FROM undo_steps").fetchone()[0] == steps


def test_a_to_do_ticked_off_in_the_folder_marks_the_follow_up_done_and_its_next_one_appears(book, people, tmp_path):
    olga, _ = people
    follow_up = book.add_follow_up(olga, due=date(2026, 11, 20), recurrence=Cadence(1, "month"))
    folder = tmp_path / "calendar"
    sync(book, folder)
    path = file_of(folder, "Follow up: Olga")
    edit(path, "STATUS:NEEDS-ACTION", "STATUS:COMPLETED\r\nCOMPLETED:20261122T180000Z")

    report = sync(book, folder)

    assert report.completed == ["follow-up with Olga due 2026-11-20"]
    done = book.get_follow_up(follow_up)
    assert (done.status, done.done_on) == ("done", date(2026, 11, 22))
    [following] = [f for f in book.follow_ups_for(olga) if f.status == "open"]
    assert following.due == date(2026, 12, 20)
    todos = to_dos(folder)
    assert sorted((str(t["STATUS"]), t["DUE"].dt) for t in todos) == [
        ("COMPLETED", date(2026, 11, 20)), ("NEEDS-ACTION", date(2026, 12, 20))]
    assert len(report.written) == 1 and report.updated == []  # the new one; the ticked one not twice
    label = book.conn.execute("SELECT label FROM undo_steps ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert label == "calendar sync: 1 follow-up(s) done from the folder"
    assert not sync(book, folder).changed


def test_snoozes_move_due_both_ways(book, people, tmp_path):
    olga, _ = people
    follow_up = book.add_follow_up(olga, due=date(2026, 11, 25))
    folder = tmp_path / "calendar"
    sync(book, folder)

    book.snooze_follow_up(follow_up, until=date(2026, 11, 30))
    report = sync(book, folder)
    assert report.updated == ["follow-up with Olga due 2026-11-30"]
    assert objects(folder)["Follow up: Olga"]["DUE"].dt == date(2026, 11, 30)

    edit(file_of(folder, "Follow up: Olga"), "DUE;VALUE=DATE:20261130", "DUE;VALUE=DATE:20261207")
    report = sync(book, folder)
    assert report.snoozed == ["follow-up with Olga due 2026-11-30, now 2026-12-07"]
    assert book.get_follow_up(follow_up).snoozed_until == date(2026, 12, 7)
    assert report.updated == [] and objects(folder)["Follow up: Olga"]["DUE"].dt == date(2026, 12, 7)


def by_note(folder: Path, note: str) -> Path:
    [item] = [t for t in to_dos(folder) if str(t["DESCRIPTION"]) == note]
    return folder / f"{item['UID']}.ics"


def test_deletions_pass_both_ways_and_a_done_follow_up_leaves_after_thirty_days(book, people, tmp_path):
    olga, rafael = people
    kept = book.add_follow_up(olga, due=date(2026, 12, 1), note="kept")
    deleted_here = book.add_follow_up(olga, due=date(2026, 12, 2), note="deleted in kontakt")
    book.add_follow_up(rafael, due=date(2026, 12, 3), note="deleted on the phone")
    folder = tmp_path / "calendar"
    sync(book, folder)
    assert len(list(folder.glob("*.ics"))) == 5
    gone_here = by_note(folder, "deleted in kontakt")

    trash_follow_up(book, deleted_here)
    by_note(folder, "deleted on the phone").unlink()
    book.complete_follow_up(kept, on=AS_OF)
    report = sync(book, folder)

    assert report.removed == [f"Follow up: Olga ({gone_here.name})"] and not gone_here.exists()
    assert report.trashed == ["follow-up with Rafael due 2026-12-03"]
    assert [r.kind for r in trashed_records(book)] == ["follow-up", "follow-up"]
    assert book.follow_ups_for(rafael) == []
    assert [(str(t["DESCRIPTION"]), str(t["STATUS"])) for t in to_dos(folder)] == [("kept", "COMPLETED")]
    assert report.updated == ["follow-up with Olga due 2026-12-01"]
    done_file = by_note(folder, "kept")

    assert not sync(book, folder, today=AS_OF + timedelta(days=30)).changed
    later = sync(book, folder, today=AS_OF + timedelta(days=31))
    assert later.removed == [f"Follow up: Olga ({done_file.name})"]
    assert to_dos(folder) == []


def test_birthdays_come_from_kontakt_and_an_archived_contact_leaves_the_folder(book, people, tmp_path):
    olga, rafael = people
    folder = tmp_path / "calendar"
    sync(book, folder)
    path = file_of(folder, "Birthday: Rafael")
    edit(path, "SUMMARY:Birthday: Rafael", "SUMMARY:Rafa")
    file_of(folder, "Birthday: Olga").unlink()

    report = sync(book, folder)
    assert sorted(report.updated + report.written) == [
        "birthday of Olga (deleted in the folder; it comes from kontakt)", "birthday of Rafael"]
    assert set(objects(folder)) == {"Birthday: Olga", "Birthday: Rafael"}

    book.archive(rafael)
    assert sync(book, folder).removed == [f"Birthday: Rafael ({path.name})"]
    assert set(objects(folder)) == {"Birthday: Olga"}


def test_a_dry_run_changes_neither_the_book_nor_the_folder(book, people, tmp_path):
    olga, _ = people
    follow_up = book.add_follow_up(olga, due=date(2026, 11, 20))
    folder = tmp_path / "calendar"
    assert sync(book, folder, dry_run=True).written and not folder.exists()
    sync(book, folder)
    edit(file_of(folder, "Follow up: Olga"), "STATUS:NEEDS-ACTION", "STATUS:COMPLETED")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    report = sync(book, folder, dry_run=True)

    assert report.completed == ["follow-up with Olga due 2026-11-20"]
    assert "(dry run: nothing was changed)" in report.lines()[0]
    assert book.get_follow_up(follow_up).status == "open"
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert sync(book, folder).completed == report.completed  # the real run does what it said


def test_other_files_are_never_touched_and_a_broken_one_is_reported(book, people, tmp_path):
    folder = tmp_path / "calendar"
    folder.mkdir()
    foreign = folder / "dentist.ics"
    foreign.write_bytes(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:dentist@phone\r\n"
                        b"DTSTART;VALUE=DATE:20261201\r\nSUMMARY:Dentist\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    broken = folder / "broken.ics"
    broken.write_bytes(b"BEGIN:VCALENDAR\r\nUID:birthday-x@kontakt\r\nnot ical at all")
    (folder / "notes.txt").write_text("not a calendar object")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    report = sync(book, folder)

    assert len(report.written) == 2 and report.removed == []
    assert len(report.problems) == 1 and report.problems[0].startswith("broken.ics: not readable")
    assert report.lines()[-1].startswith("  left alone: broken.ics")
    after = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert len(after) == 5 and {name: after[name] for name in before} == before
    assert not sync(book, folder).removed  # still left alone the second time


def test_keep_in_touch_dates_only_when_asked_and_the_config_flag_turns_them_on(book, people, tmp_path, monkeypatch):
    olga, _ = people
    book.log_interaction([olga], on=date(2026, 11, 1), today=AS_OF)
    folder = tmp_path / "calendar"
    assert len(sync(book, folder).written) == 2
    assert set(objects(folder)) == {"Birthday: Olga", "Birthday: Rafael"}

    config = tmp_path / "config.toml"
    config.write_text("[calendar]\nkeep_in_touch = true\n")
    monkeypatch.setenv("KONTAKT_CONFIG", str(config))
    report = sync_calendar_dir(book, folder, dry_run=False, today=AS_OF, now=NOW)
    assert report.written == ["get in touch with Olga (2026-12-01)"]
    assert objects(folder)["Get in touch: Olga"]["DTSTART"].dt == date(2026, 12, 1)


def test_a_file_where_the_folder_should_be_is_a_clear_error(book, tmp_path):
    target = tmp_path / "calendar.ics"
    target.write_text("x")
    with pytest.raises(CalendarSyncError, match="is not a folder"):
        sync(book, target)
    with pytest.raises(CalendarSyncError, match="does not exist"):
        sync(book, tmp_path / "missing" / "calendar")


def test_an_emptied_folder_is_written_anew_and_no_follow_up_goes_to_the_trash(book, people, tmp_path):
    olga, _ = people
    book.add_follow_up(olga, due=date(2026, 12, 1))
    dropped = book.add_follow_up(olga, due=date(2026, 12, 2))
    folder = tmp_path / "calendar"
    sync(book, folder)
    for path in folder.glob("*.ics"):
        path.unlink()
    trash_follow_up(book, dropped)  # meanwhile, in kontakt: its memory must not linger

    report = sync(book, folder)

    assert report.trashed == [] and len(trashed_records(book)) == 1  # only the one kontakt trashed
    assert len(report.written) == 3 and len(list(folder.glob("*.ics"))) == 3
    assert report.problems == ["none of the 4 files kontakt wrote are there any more: written anew, "
                               "nothing taken as deleted"]
    # The old memory went with the old files: one row per file now there, and a quiet next run.
    assert book.conn.execute("SELECT count(*) FROM calendar_sync_items").fetchone()[0] == 3
    assert not sync(book, folder).changed


def test_the_folder_memory_stays_on_this_machine_not_in_the_json_export(book, people, tmp_path):
    import io
    import json

    from kontakt.services.exporters import json as json_export

    sync(book, tmp_path / "calendar")
    assert book.conn.execute("SELECT count(*) FROM calendar_sync_items").fetchone()[0] == 2
    out = io.StringIO()
    json_export.write_book(book, out)
    assert "calendar_sync_items" not in json.loads(out.getvalue())
    assert str(tmp_path / "calendar") not in out.getvalue()  # no folder path either


def test_contacts_whose_uid_is_no_file_name_get_one_file_each(book, tmp_path):
    for uid in ("a/b", "a_b", "../x", "x" * 300, "tab\there"):
        book.add_contact(f"Person {uid[:8]!r}", today=AS_OF, birthday=Birthday(5, 4), uid=uid)
    folder = tmp_path / "calendar"

    assert len(sync(book, folder).written) == 5
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 5 and "birthday-a_b@kontakt.ics" in names
    assert all(p.resolve().parent == folder.resolve() for p in folder.iterdir())
    assert not sync(book, folder).changed  # each found again by the UID inside it


def test_the_same_folder_through_a_symlink_is_the_same_folder(book, people, tmp_path):
    olga, _ = people
    book.add_follow_up(olga, due=date(2026, 12, 1))
    folder = tmp_path / "calendar"
    sync(book, folder)
    link = tmp_path / "link"
    link.symlink_to(folder)
    file_of(folder, "Birthday: Rafael").unlink()  # seen as deleted only with the same memory

    report = sync(book, link)

    assert report.written == ["birthday of Rafael (deleted in the folder; it comes from kontakt)"]


# ---------------------------------------------------------------- edits made on the phone

PHONE_STAMP = datetime(2026, 11, 23, 7, 12, 5, tzinfo=timezone.utc)


def phone_edit(path: Path, **changes) -> None:
    """Rewrite the file as a phone's task app leaves it once vdirsyncer copies it down
    (tasks.org through DAVx5): its own PRODID, the properties it changed, DTSTAMP and
    LAST-MODIFIED of the edit, SEQUENCE bumped, and its own serialisation of the rest."""
    parsed = Calendar.from_ical(path.read_bytes())
    parsed["PRODID"] = "+//IDN tasks.org//android-130804//EN"
    [todo] = parsed.walk("VTODO")
    for name, value in {**changes, "DTSTAMP": PHONE_STAMP, "LAST-MODIFIED": PHONE_STAMP,
                        "SEQUENCE": 1}.items():
        todo.pop(name, None)
        todo.add(name, value)
    path.write_bytes(parsed.to_ical())


def test_a_to_do_cancelled_on_the_phone_sends_the_follow_up_to_the_trash_and_restore_brings_it_back(book, people, tmp_path):
    from kontakt.store.records import restore_record

    olga, _ = people
    follow_up = book.add_follow_up(olga, due=date(2026, 12, 10), note="cancel me")
    kept = book.add_follow_up(olga, due=date(2026, 12, 11), note="kept")
    folder = tmp_path / "calendar"
    sync(book, folder)
    cancelled = by_note(folder, "cancel me")
    phone_edit(cancelled, STATUS="CANCELLED")

    report = sync(book, folder)

    assert report.cancelled == ["follow-up with Olga due 2026-12-10"] and report.trashed == []
    assert [r.kind for r in trashed_records(book)] == ["follow-up"]
    assert [f.id for f in book.follow_ups_for(olga)] == [kept]
    assert report.removed == [f"Follow up: Olga ({cancelled.name})"] and not cancelled.exists()
    assert report.updated == [] and report.lines()[0].endswith("1 moved to the trash, 1 removed")
    assert "cancelled in the folder; kontakt restore brings it back" in "\n".join(report.lines())
    assert not sync(book, folder).changed

    [entry] = trashed_records(book)
    restore_record(book, "follow-up", entry.key, today=AS_OF)
    back = sync(book, folder)
    assert back.written == ["follow-up with Olga due 2026-12-10"] and back.cancelled == []
    todo = Calendar.from_ical(by_note(folder, "cancel me").read_bytes()).walk("VTODO")[0]
    assert (str(todo["STATUS"]), todo["DUE"].dt) == ("NEEDS-ACTION", date(2026, 12, 10))
    assert book.get_follow_up(follow_up).status == "open"


def test_a_due_date_moved_earlier_on_the_phone_moves_the_follow_up(book, people, tmp_path):
    olga, _ = people
    plain = book.add_follow_up(olga, due=date(2026, 12, 10), note="plain")
    snoozed = book.add_follow_up(olga, due=date(2026, 12, 1), note="snoozed")
    book.snooze_follow_up(snoozed, until=date(2026, 12, 20))
    folder = tmp_path / "calendar"
    sync(book, folder)
    phone_edit(by_note(folder, "plain"), DUE=date(2026, 12, 3))
    phone_edit(by_note(folder, "snoozed"), DUE=date(2026, 12, 8))

    report = sync(book, folder)

    assert sorted(report.moved) == ["follow-up with Olga due 2026-12-10, now 2026-12-03",
                                    "follow-up with Olga due 2026-12-20, now 2026-12-08"]
    moved = book.get_follow_up(plain)
    assert (moved.due, moved.snoozed_until) == (date(2026, 12, 3), None)
    shorter = book.get_follow_up(snoozed)  # still due on the 1st, snoozed for less long
    assert (shorter.due, shorter.snoozed_until) == (date(2026, 12, 1), date(2026, 12, 8))
    assert report.updated == [] and report.kept == []
    assert {str(t["DESCRIPTION"]): t["DUE"].dt for t in to_dos(folder)} == {
        "plain": date(2026, 12, 3), "snoozed": date(2026, 12, 8)}
    assert not sync(book, folder).changed


def test_a_to_do_changed_in_kontakt_and_on_the_phone_keeps_kontakts_and_says_so(book, people, tmp_path):
    olga, _ = people
    moved = book.add_follow_up(olga, due=date(2026, 12, 10), note="moved")
    cancelled = book.add_follow_up(olga, due=date(2026, 12, 10), note="cancelled")
    ticked = book.add_follow_up(olga, due=date(2026, 12, 10), note="ticked")
    folder = tmp_path / "calendar"
    sync(book, folder)
    for follow_up in (moved, cancelled, ticked):
        book.snooze_follow_up(follow_up, until=date(2026, 12, 15))  # in kontakt …
    phone_edit(by_note(folder, "moved"), DUE=date(2026, 12, 12))  # … and on the phone
    phone_edit(by_note(folder, "cancelled"), STATUS="CANCELLED")
    phone_edit(by_note(folder, "ticked"), STATUS="COMPLETED", COMPLETED=PHONE_STAMP)

    report = sync(book, folder)

    assert sorted(report.kept) == [
        "follow-up with Olga due 2026-12-15 (cancelled in the folder)",
        "follow-up with Olga due 2026-12-15 (moved to 2026-12-12 in the folder)"]
    assert report.moved == report.snoozed == report.cancelled == [] and trashed_records(book) == []
    assert report.completed == ["follow-up with Olga due 2026-12-15"]  # a tick wins either way
    assert book.get_follow_up(ticked).status == "done"
    assert [book.get_follow_up(f).snoozed_until for f in (moved, cancelled)] == [date(2026, 12, 15)] * 2
    assert {str(t["DESCRIPTION"]): (str(t["STATUS"]), t["DUE"].dt) for t in to_dos(folder)} == {
        "moved": ("NEEDS-ACTION", date(2026, 12, 15)), "cancelled": ("NEEDS-ACTION", date(2026, 12, 15)),
        "ticked": ("COMPLETED", date(2026, 12, 15))}
    assert "  kept as in kontakt (changed in kontakt and in the folder): follow-up with Olga due " \
           "2026-12-15 (cancelled in the folder)" in report.lines()
    assert not sync(book, folder).changed


def test_a_stale_copy_with_the_same_uid_is_left_alone_and_kontakts_file_is_synced(book, people, tmp_path):
    olga, _ = people
    follow_up = book.add_follow_up(olga, due=date(2026, 12, 10), note="the real one")
    folder = tmp_path / "calendar"
    sync(book, folder)
    real = by_note(folder, "the real one")
    copy = folder / "backup-2026-11-20.ics"  # sorts before follow-up-….ics
    copy.write_bytes(real.read_bytes())
    phone_edit(real, STATUS="COMPLETED", COMPLETED=PHONE_STAMP)

    report = sync(book, folder)

    assert report.completed == ["follow-up with Olga due 2026-12-10"]
    assert book.get_follow_up(follow_up).status == "done"
    assert report.problems == [(f"{copy.name}: the same UID as {real.name}, which kontakt syncs "
                                "(delete the copy, or give it a UID of its own)")]
    assert f"  left alone: {copy.name}: the same UID as {real.name}, which kontakt syncs " \
           "(delete the copy, or give it a UID of its own)" in report.lines()
    before = copy.read_bytes()
    book.add_follow_up(olga, due=date(2026, 12, 24), note="another")
    edit_note = sync(book, folder)
    assert copy.read_bytes() == before and "NEEDS-ACTION" in before.decode()  # never written
    assert str(Calendar.from_ical(real.read_bytes()).walk("VTODO")[0]["STATUS"]) == "COMPLETED"
    assert edit_note.written == ["follow-up with Olga due 2026-12-24"] and edit_note.removed == []


def test_two_copies_of_an_object_kontakt_never_synced_keep_the_first_by_name(book, people, tmp_path):
    folder = tmp_path / "calendar"
    sync(book, folder)
    original = file_of(folder, "Birthday: Rafael")
    book.conn.execute("DELETE FROM calendar_sync_items")  # as after a restored folder memory
    (folder / "zz-copy.ics").write_bytes(original.read_bytes())

    report = sync(book, folder)

    assert report.problems == [(f"zz-copy.ics: the same UID as {original.name} "
                                "(delete the copy, or give it a UID of its own)")]
