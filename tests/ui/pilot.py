"""Helpers for Pilot tests: wait until the app has settled, wait for a condition, read the screen."""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Callable

from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input
from textual.worker import WorkerCancelled


def _busy(app: App) -> bool:
    # DirectoryTree's "_loader" worker lives as long as the tree: it never counts.
    return any(w.is_running for w in app.workers if w.group != "_loader")


async def settle(pilot: Pilot, *, need_report: bool = False) -> None:
    """Until no worker runs and nothing shows a loading indicator (and, if asked, the
    medium has been read), at most about 20 s."""
    for _ in range(200):
        workers = [w for w in pilot.app.workers if w.group != "_loader" and w.is_running]
        if workers:  # (an empty list would mean "all of them")
            with contextlib.suppress(WorkerCancelled):  # replaced by a newer exclusive worker
                await pilot.app.workers.wait_for_complete(workers)
        await pilot.pause(0.1)
        loading = any(widget.loading for widget in pilot.app.screen.query("*"))
        reported = not need_report or getattr(pilot.app, "report", None) is not None
        if not _busy(pilot.app) and not loading and reported:
            break
    for field in pilot.app.screen.query(Input):  # a blinking cursor makes a snapshot flaky
        field.cursor_blink = False
    await pilot.pause(0.1)


async def wait_for(pilot: Pilot, condition: Callable[[], object], seconds: float = 60.0) -> None:
    for _ in range(int(seconds / 0.1)):
        if condition():
            return
        await pilot.pause(0.1)
    raise AssertionError(f"condition not met within {seconds} s on {pilot.app.screen!r}")


def screen_text(app: App) -> str:
    """The screen as plain text, one line per terminal row (from Textual's SVG export)."""
    svg = app.export_screenshot()
    rows: dict[int, list[str]] = {}
    for line, text in re.findall(
        r'<text [^>]*clip-path="url\(#[\w-]*-line-(\d+)\)">([^<]*)</text>', svg
    ):
        rows.setdefault(int(line), []).append(html.unescape(text).replace("\xa0", " "))
    return "\n".join("".join(rows[n]) for n in sorted(rows))


async def run_confirmed(pilot: Pilot, key: str, seconds: float = 90.0) -> Screen:
    """Press `key`, answer its confirmation with y, and wait until the job's screen finishes."""
    app = pilot.app
    await pilot.press(key)
    await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen")
    await pilot.press("y")
    await wait_for(pilot, lambda: type(app.screen).__name__ == "OperationScreen")
    screen = app.screen
    await wait_for(pilot, lambda: screen.finished, seconds=seconds)
    return screen


def stage(app: App, source: str, iso_folder: str = "/") -> None:
    """Put `source` on the app's stage with its size summed, as the stage screen would."""
    app.stage.add(source, iso_folder)  # type: ignore[attr-defined]
    for _ in app.stage.scan("/"):  # type: ignore[attr-defined]
        pass


async def answer_prompt(pilot: Pilot, key: str, value: str) -> None:
    """Press `key`, wait for its prompt, type `value` into it and press enter."""
    app = pilot.app
    await pilot.press(key)
    await wait_for(pilot, lambda: type(app.screen).__name__ == "PromptScreen")
    app.screen.query_one("#prompt-input").value = value
    await pilot.press("enter")
