"""The `kontakt` entry point leaves without Python's module teardown once a full command is
done (kontakt.quick.full_command_line): the output must still be whole, the exit code the
command's, exit handlers run, and a thread still running waited for."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

from kontakt.store import Book

TODAY = date(2026, 3, 1)

# Runs the real entry point (`kontakt …` as installed) after the test's own setup.
ENTRY = """
import atexit, sys, threading, time
from datetime import date
from pathlib import Path
marker, mode, *argv = sys.argv[1:]
if mode == "handler":
    atexit.register(lambda: Path(marker).write_text("handler ran"))
elif mode == "thread":
    def late():
        time.sleep(0.3)
        Path(marker).write_text("thread finished")
    threading.Thread(target=late).start()
sys.argv = ["kontakt", *argv]
from kontakt.quick import main
main()
"""


def _kontakt(tmp_path: Path, mode: str, *argv: str) -> tuple[subprocess.CompletedProcess, Path]:
    marker = tmp_path / f"marker-{mode}"
    done = subprocess.run([sys.executable, "-c", ENTRY, str(marker), mode, *argv],
                          capture_output=True, text=True, timeout=60)
    return done, marker


def _book(tmp_path: Path, people: int) -> Path:
    path = tmp_path / "book.db"
    with Book.open(path) as book:
        for n in range(people):
            book.add_contact(f"Person {n:05d}", emails=[f"p{n}@example.com"], today=TODAY)
    return path


def test_a_long_answer_is_out_whole_and_the_exit_code_is_the_commands(tmp_path):
    db = _book(tmp_path, 300)
    done, _ = _kontakt(tmp_path, "none", "--db", str(db), "export", "csv")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 301  # the header and every person: the last buffer was flushed
    assert "Person 00299" in lines[-1]

    missing, _ = _kontakt(tmp_path, "none", "--db", str(db), "show", "nobody-like-this")
    assert missing.returncode == 1
    assert "no contact matches 'nobody-like-this'" in missing.stderr

    unknown, _ = _kontakt(tmp_path, "none", "--db", str(db), "no-such-command")
    assert unknown.returncode == 2


def test_exit_handlers_run_after_a_full_command(tmp_path):
    db = _book(tmp_path, 1)
    done, marker = _kontakt(tmp_path, "handler", "--db", str(db), "list")
    assert done.returncode == 0, done.stderr
    assert "Person 00000" in done.stdout
    assert marker.read_text() == "handler ran"


def test_a_thread_still_running_is_waited_for(tmp_path):
    db = _book(tmp_path, 1)
    done, marker = _kontakt(tmp_path, "thread", "--db", str(db), "list")
    assert done.returncode == 0, done.stderr
    assert marker.read_text() == "thread finished"


def test_a_command_started_with_stdout_closed_still_exits_cleanly(tmp_path):
    """`kontakt add X >&-`: Python starts with sys.stdout None; the write is done and
    counted as done (exit 0), so a script does not retry it into a duplicate."""
    import os

    db = _book(tmp_path, 0)
    done = subprocess.run([sys.executable, "-c", "from kontakt.quick import main; main()",
                           "add", "--db", str(db), "Closed Stdout"],
                          preexec_fn=lambda: os.close(1), stderr=subprocess.PIPE, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    with Book.open(db) as book:
        assert [c.name for c in book.list_contacts()] == ["Closed Stdout"]


def test_a_profiler_or_tracer_gets_the_usual_exit(monkeypatch):
    """cProfile -o and coverage write at Python's exit: from 3.12 they use sys.monitoring."""
    from types import SimpleNamespace

    from kontakt import quick

    monkeypatch.setattr(sys, "getprofile", lambda: None)
    monkeypatch.setattr(sys, "gettrace", lambda: None)  # (the suite may run under coverage)
    monkeypatch.setattr(sys, "monitoring", SimpleNamespace(get_tool=lambda tool: None), raising=False)
    assert not quick._observed()
    monkeypatch.setattr(sys, "monitoring", SimpleNamespace(get_tool=lambda tool: "cProfile" if tool == 2 else None))
    assert quick._observed()
    monkeypatch.setattr(sys, "gettrace", lambda: print)
    monkeypatch.setattr(sys, "monitoring", SimpleNamespace(get_tool=lambda tool: None))
    assert quick._observed()
