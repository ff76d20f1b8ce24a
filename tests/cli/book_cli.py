"""How the CLI tests run `kontakt` on one book and read its answer: a runner with the clock
pinned, and `ok`/`refused` for the two outcomes every command has. (Imported by test modules
of this folder; pytest puts the folder on sys.path.)"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kontakt.cli import main


def kontakt_on(db: Path, monkeypatch: pytest.MonkeyPatch, today: date | str, *,
               config: Path | None = None, backups: bool = True, db_first: bool = False,
               catch_exceptions: bool = True) -> Callable[..., Result]:
    """`run("show", "ada")` → the Result of `kontakt show --db DB ada` on `today`.
    `db_first` puts `--db` before the command (the group's option) instead of after it;
    `backups=False` turns the automatic daily backup off; `config` is the config file."""
    monkeypatch.setenv("KONTAKT_TODAY", str(today))
    if not backups:
        monkeypatch.setenv("KONTAKT_NO_AUTO_BACKUP", "1")
    if config is not None:
        monkeypatch.setenv("KONTAKT_CONFIG", str(config))
    runner = CliRunner()

    def run(*args: str) -> Result:
        argv = ["--db", str(db), *args] if db_first else [*args[:1], "--db", str(db), *args[1:]]
        return runner.invoke(main, argv, catch_exceptions=catch_exceptions)

    return run


def ok(result: Result) -> str:
    """The output of a command that succeeded."""
    assert result.exit_code == 0, result.output
    return result.stdout


def refused(result: Result, code: int = 1) -> str:
    """The one `Error:` line of a refused command (no traceback, no crash inside kontakt)."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, (TypeError, AttributeError, KeyError))
    return next(line for line in result.stderr.splitlines() if line.startswith("Error:"))


def write_hostile_rows(path: Path) -> None:
    """Another tool's writes, through the sqlite3 shell: a tab, a newline, ESC, a C1 CSI and a
    bidi override in a name and an org, and a name whose bytes are not UTF-8."""
    import subprocess

    subprocess.run(["sqlite3", str(path), """
        INSERT INTO contacts (uid, name, sort_key, emails, org, created_at, updated_at)
        VALUES ('hostile-1', 'Evil' || char(9) || 'Tab' || char(10) || 'Line' || char(27) || '[31mRed'
                || char(155) || 'csi', 'evil tab', '["evil@example.com"]', 'Org' || char(8238) || 'gpj.exe',
                '2026-01-01T00:00:00', '2026-01-01T00:00:00');
        INSERT INTO contacts (uid, name, sort_key, emails, created_at, updated_at)
        VALUES ('hostile-2', CAST(X'42616467C3' || X'FF' || X'4279746573' AS TEXT), 'badg bytes',
                '["bytes@example.com"]', '2026-01-01T00:00:00', '2026-01-01T00:00:00');
    """], check=True)


def quick_probe(heavy: tuple[str, ...], after: str = "") -> str:
    """A `python -c` script that runs `kontakt ARGS` through kontakt.quick as the console
    script does, then prints to stderr 'exit CODE heavy [...]' with the `heavy` modules it
    imported, after checking nothing was registered that quick.leave's os._exit would skip.
    `after` runs at the end."""
    return (
        "import atexit, sys\n"
        "from kontakt import quick\n"
        "sys.argv = ['kontakt', *sys.argv[1:]]\n"
        "quick.leave = sys.exit  # os._exit would end the probe too\n"
        "try:\n"
        "    quick.main()\n"
        "except SystemExit as end:\n"
        "    code = end.code\n"
        "assert atexit._ncallbacks() == 0  # nothing that quick.leave's os._exit would skip\n"
        f"heavy = sorted(m for m in {heavy!r} if m in sys.modules)\n"
        "print('exit', code, 'heavy', heavy, file=sys.stderr)\n"
        + after
    )
