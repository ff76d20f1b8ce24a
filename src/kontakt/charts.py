"""Block-character charts: a one-line sparkline and a small column chart, as plain strings.

Shared by `kontakt stats` and the stats screen; no Textual here.

Plain strings rather than Textual's Sparkline widget: one cell per value (52 weeks are 52
cells, never resampled to the widget's width), and they sit inside a line of text.
"""

from __future__ import annotations

from collections.abc import Sequence

BLOCKS = "▁▂▃▄▅▆▇█"
EIGHTHS = " ▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[int]) -> str:
    """One block per value: ▁ for none, ▂…█ scaled to the largest, so any activity at all
    stays visible next to an empty week."""
    top = max(values, default=0)
    if top <= 0:
        return BLOCKS[0] * len(values)
    steps = len(BLOCKS) - 1
    return "".join(BLOCKS[0] if v <= 0 else BLOCKS[max(1, -(-v * steps // top))] for v in values)


def columns(values: Sequence[int], *, height: int = 4, width: int = 3, gap: int = 1) -> list[str]:
    """A column chart `height` rows tall, top row first, in eighths of a row; a non-zero
    value always shows at least one eighth."""
    top = max(values, default=0)
    levels = [0 if v <= 0 or top <= 0 else max(1, round(v * height * 8 / top)) for v in values]
    rows = []
    for row in range(height - 1, -1, -1):
        cells = []
        for level in levels:
            fill = min(8, max(0, level - row * 8))
            cells.append(EIGHTHS[fill] * width)
        rows.append((" " * gap).join(cells))
    return rows
