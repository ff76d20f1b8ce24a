"""khard, the address book users read kontakt's vCard folder with, run on a folder."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

KHARD = shutil.which("khard", path=str(Path(sys.executable).parent))
needs_khard = pytest.mark.skipif(KHARD is None, reason="khard is not installed")


def khard(folder: Path, home: Path) -> Callable[..., list[list[str]]]:
    """A runner of `khard ARGS --parsable` over `folder` as its one address book, with its
    config and HOME under `home`: the rows it prints, split at tabs."""
    config = home / "khard.conf"
    config.write_text(f"[addressbooks]\n[[cards]]\npath = {folder}\n"
                      "[general]\neditor = /bin/true\nmerge_editor = /bin/true\n", encoding="utf-8")

    def run(*args: str) -> list[list[str]]:
        done = subprocess.run([KHARD, "-c", str(config), *args, "--parsable"], capture_output=True,
                              text=True, timeout=60, env={"HOME": str(home), "PATH": "/usr/bin:/bin"})
        assert done.returncode == 0, done.stderr
        return [line.split("\t") for line in done.stdout.splitlines() if "\t" in line]

    return run
