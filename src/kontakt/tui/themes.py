"""The kontakt themes: a calm dark one and its light twin, registered next to Textual's own."""

from __future__ import annotations

from textual.theme import Theme

KONTAKT_DARK = Theme(
    name="kontakt",
    primary="#7aa2c8",
    secondary="#a38fc9",
    accent="#e0b36a",
    warning="#e0b36a",
    error="#e07a6a",
    success="#8cbf88",
    foreground="#dcdfe4",
    background="#1b1e23",
    surface="#23272e",
    panel="#2c313a",
    dark=True,
    variables={
        "footer-key-foreground": "#e0b36a",
        "input-selection-background": "#7aa2c8 35%",
    },
)

KONTAKT_LIGHT = Theme(
    name="kontakt-light",
    primary="#2f6690",
    secondary="#6a4c93",
    accent="#a8651e",
    warning="#a8651e",
    error="#b3412f",
    success="#3c7d3a",
    foreground="#24292f",
    background="#f6f5f1",
    surface="#ecebe6",
    panel="#e0dfd9",
    dark=False,
    variables={
        "footer-key-foreground": "#a8651e",
        "input-selection-background": "#2f6690 25%",
    },
)

THEMES = (KONTAKT_DARK, KONTAKT_LIGHT)
