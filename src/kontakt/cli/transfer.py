"""Moving data in and out: `kontakt export …` (formats register as subcommands) and import."""

from __future__ import annotations

import click

from . import main


@main.group()
def export() -> None:
    """Export the book (or parts of it) to other formats."""
