"""ConfirmScreen: says what an operation will do (and lose) and shows its exact argv; as a
notice (`notice=True`), why it cannot be done, with one OK button."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from app.engine.readable import shell_words
from widgets.scroll_body import ScrollBody

if TYPE_CHECKING:
    from app.jobs.plan import Plan


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses with True only on an explicit yes; escape and n mean no."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
        Binding("c", "toggle_command", "Show command"),
        Binding("left,up", "app.focus_previous", "Previous", show=False),
        Binding("right,down", "app.focus_next", "Next", show=False),
    ]

    def __init__(
        self,
        title: str,
        lines: list[str],
        *,
        argv: list[str] | None = None,
        yes_label: str = "Yes",
        danger: bool = False,
        notice: bool = False,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.lines = lines
        self.argv = argv
        self.yes_label = "OK" if notice else yes_label
        self.danger = danger
        self.notice = notice
        """Nothing is asked: one OK button (a "No" beside it and "y yes · n no" asked nothing)."""

    @classmethod
    def for_plan(cls, plan: Plan) -> ConfirmScreen:
        """The question a Plan asks, with its exact argv behind `c`."""
        confirm = plan.confirm
        return cls(
            confirm.title, list(confirm.lines), argv=list(plan.argv) or None,
            yes_label=confirm.yes_label, danger=confirm.danger,
        )  # fmt: skip

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="-danger" if self.danger else "") as box:
            box.border_title = self.title_text
            box.border_subtitle = "enter or esc closes" if self.notice else (
                "y yes · n no" + (" · c command" if self.argv else "")
            )
            with ScrollBody(id="confirm-body"):  # the buttons stay in sight on 60x20
                yield Static(Text("\n".join(self.lines)), id="confirm-text")
                if self.argv:
                    command = Text(shell_words(self.argv), style="dim")
                    yield Static(command, id="confirm-command", classes="-hidden")
            with Horizontal(id="confirm-buttons"):
                yield Button(
                    self.yes_label,
                    id="yes",
                    variant="error" if self.danger else "primary",
                    compact=True,
                )
                if not self.notice:
                    yield Button("No", id="no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#no" if self.danger else "#yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    def action_toggle_command(self) -> None:
        if self.argv:
            self.query_one("#confirm-command").toggle_class("-hidden")
