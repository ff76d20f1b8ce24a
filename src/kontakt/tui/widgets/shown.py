"""User data on screen: its control characters shown as placeholders, and a last net for the
rest. Textual strips BEL, BS, VT, FF and CR from Content but passes ESC, C1 and bidi
overrides to the terminal, and raw Segments pass everything."""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.content import Content
from textual.filter import LineFilter

from ...domain.text import invisible, visible

__all__ = ["ControlFilter", "shown", "visible"]


def shown(text: str, style: str = "", *, multiline: bool = False) -> Content:
    """`text` (user data) as Content: never markup, every control character, ESC and bidi
    override a visible placeholder (␛, <U+202E>); with `multiline`, line breaks stay."""
    safe = visible(text, multiline=multiline)
    return Content.styled(safe, style) if style else Content(safe)


class ControlFilter(LineFilter):
    """The last net under every widget (`App.get_line_filters`): a control character still in
    a rendered line is dropped. Dropped, not replaced: the line is laid out already and these
    characters take no cell, so nothing shifts. `shown` is what makes them visible."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if not any(invisible(text) is not text for text, _, control in segments if not control):
            return segments
        return [
            segment if segment.control else Segment(invisible(segment.text), segment.style)
            for segment in segments
        ]
