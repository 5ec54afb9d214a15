"""PromptScreen: ask for one line of text (a new name, a folder, a volume id)."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from widgets.path_completion import PathCompletion


class PromptScreen(ModalScreen[str | None]):
    """Enter accepts (after `validate` returns None), escape gives None."""

    BINDINGS = [
        Binding("escape", "dismiss_none", "Cancel"),
        # Priority: with path completion the dropdown would take enter to complete a name.
        Binding("enter", "accept", "Accept", show=False, priority=True),
    ]

    def __init__(
        self,
        title: str,
        prompt: str,
        value: str = "",
        *,
        validate: Callable[[str], str | None] | None = None,
        paths_from: str | None = None,
    ) -> None:
        super().__init__()
        self.paths_from = paths_from
        """Complete what is typed as a path (tab), relative to this folder; None: plain text."""
        self.title_text = title
        self.prompt = prompt
        self.value = value
        self.validate = validate

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-box") as box:
            box.border_title = self.title_text
            box.border_subtitle = "enter accepts · esc cancels"
            yield Static(self.prompt)
            field = Input(self.value, id="prompt-input")
            yield field
            yield Static("", id="prompt-error")
        if self.paths_from is not None:
            folder = self.paths_from
            yield PathCompletion(field, lambda: folder)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_accept()

    def action_accept(self) -> None:
        value = self.query_one("#prompt-input", Input).value
        problem = self.validate(value) if self.validate else None
        if problem:
            self.query_one("#prompt-error", Static).update(Text(problem, style="red"))
            return
        self.dismiss(value)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
