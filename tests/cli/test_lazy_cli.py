"""Subcommands load lazily: `import kontakt.cli` and one command import only what they use,
and every command still resolves, with its short help, in --help and completion."""

from __future__ import annotations

import json
import subprocess
import sys

from kontakt.cli import COMMAND_MODULE, COMMAND_MODULES, SHORT_HELP, main

PROBE = """
import json, sys
import kontakt.cli
at_import = sorted(m for m in sys.modules if m.startswith("kontakt.cli."))
heavy_at_import = sorted(m for m in ("rich", "textual", "vobject") if m in sys.modules)
sys.argv = ["kontakt", "--db", sys.argv[1], "email", "--parsable", "nobody"]
try:
    kontakt.cli.main()
except SystemExit as end:
    code = end.code
print(json.dumps({"at_import": at_import, "heavy": heavy_at_import, "code": code,
                  "after": sorted(m for m in sys.modules if m.startswith("kontakt.cli."))}))
"""


def test_importing_the_cli_and_running_one_command_imports_only_its_module(tmp_path):
    from kontakt.store import Book

    Book.open(tmp_path / "book.db").close()
    out = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "book.db")],
                         capture_output=True, text=True, timeout=60)
    answer = json.loads(out.stdout.strip().splitlines()[-1])
    assert answer["at_import"] == ["kontakt.cli.common"]
    assert answer["heavy"] == []
    assert answer["code"] == 1  # email --parsable: no match is exit 1, as for mutt
    # completion: citizen's helpers; secret: common.py asks it for the passphrase hooks.
    assert answer["after"] == ["kontakt.cli.citizen", "kontakt.cli.common", "kontakt.cli.completion",
                               "kontakt.cli.render", "kontakt.cli.secret"]


def test_every_command_is_mapped_to_the_module_that_defines_it():
    commands = main.commands  # reading them from outside loads every module
    assert len(commands) == len(COMMAND_MODULE) == 56  # 54 + settle-favour, intro-outcome
    for name, command in commands.items():
        assert command.callback is not None, name
        defined_in = command.callback.__module__.rsplit(".", 1)[1]
        assert COMMAND_MODULE.get(name) == defined_in, name
    assert set(COMMAND_MODULE.values()) == set(COMMAND_MODULES)


def test_a_command_left_out_of_the_map_is_still_found():
    """A command added without its line in COMMAND_MODULE: every module is loaded to find it."""
    probe = """
import sys
import kontakt.cli
del kontakt.cli.COMMAND_MODULE["stats"]
sys.argv = ["kontakt", "stats", "--help"]
try:
    kontakt.cli.main()
except SystemExit as end:
    print("exit", end.code, len([m for m in sys.modules if m.startswith("kontakt.cli.")]))
"""
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert "Usage: kontakt stats" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == f"exit 0 {len(COMMAND_MODULES) + 3}"  # + common, render, completion
    assert main.commands["export"].commands["csv"].short_help == SHORT_HELP["export csv"]
