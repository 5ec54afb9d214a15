"""Pilot tests of UDF in the app: a bridge disc's UDF tree in the session browser, and a
UDF-only image named in the medium panel instead of "no ISO 9660"."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList, Tree

from app.drives.monitor import FILE_POLL
from app.tui.app import DiscdeckApp
from app.tui.screens.browser_screen import UDF_OPTION, BrowserScreen
from tests.services.test_udf import bridge, mkudffs
from tests.ui.pilot import screen_text, settle, wait_for


async def test_bridge_disc_offers_its_udf_tree(tmp_path: Path) -> None:
    image = bridge(tmp_path)
    app = DiscdeckApp(address=f"stdio:{image}")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        sessions = screen.query_one("#browser-sessions", OptionList)
        ids = lambda: [sessions.get_option_at_index(i).id for i in range(sessions.option_count)]  # noqa: E731
        await wait_for(pilot, lambda: UDF_OPTION in ids())
        index = ids().index(UDF_OPTION)
        sessions.highlighted = index
        sessions.focus()
        await pilot.press("enter")
        tree = screen.query_one("#browser-tree", Tree)
        await wait_for(pilot, lambda: "UDF BRIDGE" in str(tree.root.label))
        await wait_for(pilot, lambda: tree.root.children)
        names = [str(child.label).split(" ")[0] for child in tree.root.children]
        assert names == ["sub/", "a.txt"]  # folders first, as the browser shows them


async def test_udf_only_image_is_named_in_the_medium_panel(tmp_path: Path) -> None:
    image = mkudffs(tmp_path / "u.img", "PANEL")
    app = DiscdeckApp(address=f"stdio:{image}")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: "UDF 2.01, label PANEL" in screen_text(app))
        assert "no ISO 9660" not in screen_text(app)


async def test_format_for_udf_from_the_app(tmp_path: Path) -> None:
    """Format → "for UDF" → a label → the confirmation → mkudffs; udfinfo reads it back and
    the medium panel shows it."""
    from app.tui.screens.choice_screen import ChoiceScreen
    from app.tui.screens.confirm_screen import ConfirmScreen
    from app.tui.screens.operation_screen import OperationScreen
    from app.tui.screens.prompt_screen import PromptScreen
    from tests.services.test_udf import udfinfo

    image = tmp_path / "floppy.img"
    image.touch()
    app = DiscdeckApp(address=f"stdio:{image}")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await app.run_action("format")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("enter")  # "for UDF" comes first
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press("ctrl+u", *"MY FLOPPY", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "Everything on the medium is lost." in app.screen.lines
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, OperationScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen.finished)
        assert screen.results[-1].outcome == "ok", screen.results[-1].message
    assert udfinfo(image)["label"] == "MY FLOPPY"


async def test_bridge_disc_says_it_carries_udf(tmp_path: Path) -> None:
    image = bridge(tmp_path)
    app = DiscdeckApp(address=f"stdio:{image}")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: "ISO 9660 and UDF 1.02, label BRIDGE" in screen_text(app))


async def test_recorder_formatted_for_udf_elsewhere_is_recognised(tmp_path: Path) -> None:
    """The open virtual recorder's medium formatted for UDF by another discdeck (the CLI):
    re-read on its own, its UDF facts shown, no "no ISO 9660"."""
    from app.drives.virtual import ensure_default_recorder
    from tests.cli.test_cli import discdeck
    from tests.services.test_udf import udfinfo

    recorder = ensure_default_recorder()[0]
    app = DiscdeckApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "blank (ready to write)" in screen_text(app)
        # The monitor starts in a worker and looks at the open image once a second: a change
        # before its first look at it is not a change to it, so let it look first.
        await wait_for(pilot, lambda: app.monitor._threads)
        await pilot.pause(2 * FILE_POLL)
        proc = discdeck("format", "--udf", "--dev", recorder.address, "--label", "INSERTED")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        revision = udfinfo(Path(recorder.image))["udfrev"]
        await wait_for(pilot, lambda: f"UDF {revision}, label INSERTED" in screen_text(app))
        assert "no ISO 9660" not in screen_text(app)
