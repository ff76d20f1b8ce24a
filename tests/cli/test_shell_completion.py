"""Bash completion, driven the way bash drives it (COMP_WORDS/COMP_CWORD, then the function
the completion snippet defines): names with a space or an apostrophe come back as one word,
and circles complete after --tag, --untag, --circle and `circle`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from kontakt.cli import main
from kontakt.cli.completion import bash_word
from kontakt.store import Book

BIN = Path(sys.executable).parent
AS_OF = date(2026, 11, 23)
pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    db = tmp_path_factory.mktemp("completion") / "book.db"
    with Book.open(db) as book:
        book.add_contact("Jürgen Müller", today=AS_OF, tags=["breakfast"])
        book.add_contact("Siobhán O'Connor", today=AS_OF, tags=["old friends"])
        book.add_contact("Olga Petrova", today=AS_OF, tags=["Old school", "breakfast"])
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "KONTAKT_DB": str(db),
            "KONTAKT_TODAY": AS_OF.isoformat()}


def test_names_and_circles_complete_to_words_bash_reads_back_as_one_argument(env):
    snippet = CliRunner().invoke(main, ["completion", "bash"]).stdout
    # Each case: the words typed so far (the last one being completed); prints the replies,
    # then what bash makes of the first reply once it is inserted into the line.
    script = snippet + r"""
complete_words() {
    COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=()
    _kontakt_completion kontakt
    printf 'reply:%s\n' "${COMPREPLY[@]}"
    eval "set -- ${COMPREPLY[0]}"; printf 'words:%s:<%s>\n' "$#" "$1"
}
complete_words kontakt show 'Jür'
complete_words kontakt prep "O\'Co"
complete_words kontakt list --tag old
complete_words kontakt stats --circle bre
eval "kontakt show $(complete_words kontakt show 'Jür' | sed -n 's/^reply://p')" | head -1
"""
    done = subprocess.run(["bash", "--norc", "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "unexpected extra argument" not in done.stderr
    assert done.stdout.splitlines() == [
        r"reply:Jürgen\ Müller", "words:1:<Jürgen Müller>",
        r"reply:Siobhán\ O\'Connor", "words:1:<Siobhán O'Connor>",
        r"reply:old\ friends", r"reply:Old\ school", "words:1:<old friends>",
        "reply:breakfast", "words:1:<breakfast>",
        "Jürgen Müller",  # `kontakt show Jürgen\ Müller` found him: one argument
    ]


def test_every_hard_character_survives_bash_as_one_word():
    names = ["O'Brien", 'Say "hi"', "$HOME", "`id`", "back\\slash", "*", "~root", "#1", "a;b",
             "(x)", "Zoë Ünal", "wow!", "{a,b}", "[x]", "tab\there", "a&b|c", "<x>", "a=b", "李 雷"]
    script = "".join(f"printf '%s\\0' {bash_word(name)}\n" for name in names)
    done = subprocess.run(["bash", "--norc", "-c", script], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().split("\0")[:-1] == names


def test_a_mistyped_command_before_tab_completes_to_nothing_instead_of_a_traceback(env):
    """`kontakt shw Jü<Tab>`: the "did you mean" error for the typo'd command was raised while
    bash asked for completions, and its traceback landed in the user's shell."""
    snippet = CliRunner().invoke(main, ["completion", "bash"]).stdout
    script = snippet + r"""
COMP_WORDS=(kontakt shw 'Jü'); COMP_CWORD=2; COMPREPLY=()
_kontakt_completion kontakt
printf 'replies:%s\n' "${#COMPREPLY[@]}"
"""
    done = subprocess.run(["bash", "--norc", "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "replies:0\n", "")
    # Run as a command, the same typo still gets its suggestion.
    typo = subprocess.run([sys.executable, "-m", "kontakt", "shw", "Jü"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert typo.returncode == 2 and "did you mean 'show'?" in typo.stderr
