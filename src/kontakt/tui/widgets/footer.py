"""The key footer, rebuilt only when the keys it shows change."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    """Textual's footer, recomposed once per change of the keys it shows.

    Textual's footer rebuilds itself (a widget per key, ~12 ms) at every bindings signal, and
    a focus change sends two (one at once, one after the refresh): opening the main screen
    rebuilt it five times, moving into the search box twice, with the same keys each time.
    Here signals that arrive before the rebuild share it, and a rebuild that would show the
    same keys is skipped.
    """

    _rebuild_pending = False
    _keys_shown: tuple | None = None

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild_if_changed)

    async def _rebuild_if_changed(self) -> None:
        self._rebuild_pending = False
        if not self.is_attached:  # its screen was closed before the refresh
            return
        keys = self._keys()
        if keys == self._keys_shown:
            return
        self._keys_shown = keys
        await self.recompose()

    def _keys(self) -> tuple:
        """Everything `compose` reads of the bindings: each one (key, action, description,
        group, show), whether it is enabled, its tooltip and how its key is displayed."""
        get_key_display = self.app.get_key_display
        return tuple(
            (binding, enabled, tooltip, get_key_display(binding))
            for _node, binding, enabled, tooltip in self.screen.active_bindings.values()
        )
