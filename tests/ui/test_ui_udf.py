"""Pilot tests of UDF in the app: a bridge disc's UDF tree in the session browser, and a
UDF-only image named in the medium panel instead of "no ISO 9660"."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList, Tree

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
