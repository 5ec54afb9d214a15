"""Keys typed in one burst behind a key that opens a screen reach that screen, in order.

Textual hands each key to the focused widget as it arrives; a key's binding runs later,
when the key has bubbled back up unhandled. So in a burst (a fast typist, tmux send-keys,
a paste without bracketed paste) `a` and the path typed behind it were all handed to the
main screen's drive list before `a` opened the stage: they then bubbled up with the stage
on top and became the stage's own keys (o opened the options, a added files, / was lost).
A key that comes back up after the top screen changed is handed out again, to the new
screen, once that screen has focused what it focuses (at most HOLD_SECONDS); a key that
arrives while the top screen has not yet focused anything waits for it the same way.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from textual import events
from textual.app import App

HOLD_SECONDS = 0.5
"""Longest a key waits for a new screen's focus (a screen may have nothing to focus)."""
POLL_SECONDS = 0.01
REMEMBERED = 512
"""Keys whose screen is remembered (a key a widget consumes never comes back up)."""


class TypeAhead(App):
    """Mixed into the app before App."""

    def _typeahead(self) -> tuple[OrderedDict[int, int], list[events.Key]]:
        """(key event id -> the top screen's id when it arrived, keys held for a screen)."""
        state = self.__dict__.get("_typeahead_state")
        if state is None:
            state = self.__dict__["_typeahead_state"] = (OrderedDict(), [])
        return state

    def _coming_up(self, since: float) -> bool:
        """The top screen has not yet focused what it will focus (and not for too long)."""
        screen = self.screen
        if time.monotonic() - since > HOLD_SECONDS:
            return False
        if not screen.is_mounted:
            return True
        return screen.focused is None and bool(screen.focus_chain)

    def _top_since(self) -> float:
        """When a key first found the top screen on top."""
        top = self.__dict__.get("_typeahead_top", (0, 0.0))
        if top[0] != id(self.screen):
            top = self.__dict__["_typeahead_top"] = (id(self.screen), time.monotonic())
        return top[1]

    def _hold(self, event: events.Key, started: float) -> None:
        _arrived, held = self._typeahead()
        held.append(event)
        if len(held) == 1:
            self.set_timer(POLL_SECONDS, lambda: self._release(started))

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            arrived, held = self._typeahead()
            since = self._top_since()
            if held or self._coming_up(since):  # after the keys held, or for the screen
                self._hold(event, since)
                return
            arrived[id(event)] = id(self.screen)
            while len(arrived) > REMEMBERED:
                arrived.popitem(last=False)
        await super().on_event(event)

    async def _on_key(self, event: events.Key) -> None:
        """A key back up unhandled: its binding (App._on_key, which Textual calls after this
        one), unless another screen came up since it was typed; then it is the new
        screen's, handed to it again, and App._on_key is not called."""
        arrived, _held = self._typeahead()
        typed_on = arrived.pop(id(event), id(self.screen))
        if typed_on == id(self.screen):
            return
        event.prevent_default()
        self._hold(events.Key(event.key, event.character), self._top_since())

    async def _release(self, started: float) -> None:
        """Hand the held keys out, in order, once the new screen is ready."""
        if self._coming_up(started):
            self.set_timer(POLL_SECONDS, lambda: self._release(started))
            return
        _arrived, held = self._typeahead()
        keys = list(held)
        held.clear()
        for key in keys:
            await self.on_event(key)
