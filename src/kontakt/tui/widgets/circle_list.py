"""The circles sidebar: pick a circle to show; e renames it or sets its cadence, d trashes it."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import OptionList


class CircleList(OptionList):
    """An OptionList of circles whose e and d act on the highlighted circle (the screen's
    `edit_circle` / `delete_circle`), not on the highlighted contact."""

    BINDINGS = [
        Binding("e", "screen.edit_circle", "Edit circle", id="circles.edit"),
        Binding("d", "screen.delete_circle", "Delete circle", id="circles.delete"),
    ]
